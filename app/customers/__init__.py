from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.menu import register_menu
from app.permissions import register_menu_permissions, register_permission

bp = Blueprint("customers", __name__, url_prefix="/customers", template_folder="templates")
# /api/customers/...: the JSON other parts (screen-pop) call; registered together with `bp`.
api_bp = Blueprint("customers_api", __name__, url_prefix="/api/customers")
bp.record_once(lambda state: state.app.register_blueprint(api_bp))

_group = _l("客户资料")
register_menu_permissions("customer", _group)  # customer.view / customer.query_all / customer.delete
register_permission("customer.add", _group, _l("新增"))
register_permission("customer.edit", _group, _l("修改"))
register_permission("customer.export", _group, _l("导出"))
register_permission("customer.import", _group, _l("导入"))
register_permission("customer.assign", _group, _l("分配/转移/合并/锁定/批量调整"))
_fgroup = _l("来往记录")
register_menu_permissions("followup", _fgroup)
register_permission("followup.add", _fgroup, _l("新增"))

register_menu("customer", _l("客户资料"), "customers.index", "customer.view", order=10)
register_menu("query", _l("来往记录查询"), "customers.followup_index", "followup.view", order=20)
register_menu("phone", _l("号码归属地查询"), "customers.location", None, order=80)

from app.customers import batch_views, ownership, views  # noqa: E402,F401

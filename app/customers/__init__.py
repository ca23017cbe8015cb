from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.menu import register_menu
from app.permissions import register_menu_permissions, register_permission

bp = Blueprint("customers", __name__, url_prefix="/customers", template_folder="templates")

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

from app.customers import views  # noqa: E402,F401

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.menu import register_menu
from app.permissions import register_menu_permissions, register_permission

bp = Blueprint("staff", __name__, url_prefix="/staff", template_folder="templates")

_group = _l("员工信息")
register_menu_permissions("staff", _group)  # staff.view / staff.query_all / staff.delete
register_permission("staff.add", _group, _l("新增"))
register_permission("staff.edit", _group, _l("修改"))
register_permission("staff.export", _group, _l("导出"))
register_menu("system", _l("员工信息"), "staff.index", "staff.view", order=40)

from app.staff import views  # noqa: E402,F401

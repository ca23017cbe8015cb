from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.menu import register_menu
from app.permissions import register_permission

bp = Blueprint("system", __name__, url_prefix="/system", template_folder="templates")

_group = _l("系统")
register_permission("system.users", _group, _l("用户管理"))
register_permission("system.roles", _group, _l("角色权限"))
register_permission("system.departments", _group, _l("部门管理"))
register_permission("system.logs", _group, _l("登录日志与操作审计"))

register_menu("system", _l("用户管理"), "system.users_page", "system.users", order=10)
register_menu("system", _l("角色权限"), "system.roles_page", "system.roles", order=20)
register_menu("system", _l("部门管理"), "system.departments_page", "system.departments", order=30)
register_menu("system", _l("登录日志"), "audit.logins", "system.logs", order=80)
register_menu("system", _l("操作审计"), "audit.index", "system.logs", order=90)

from app.system import views  # noqa: E402,F401

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.permissions import register_permission

bp = Blueprint("system", __name__, url_prefix="/system", template_folder="templates")

_group = _l("系统")
register_permission("system.users", _group, _l("用户管理"))
register_permission("system.roles", _group, _l("角色权限"))
register_permission("system.departments", _group, _l("部门管理"))
register_permission("system.logs", _group, _l("登录日志与操作审计"))

from app.system import views  # noqa: E402,F401

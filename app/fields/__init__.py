from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.menu import register_menu
from app.permissions import register_permission

bp = Blueprint("fields", __name__, url_prefix="/system", template_folder="templates")

register_permission("system.fields", _l("系统"), _l("信息扩展配置"))
register_permission("system.params", _l("系统"), _l("参数配置"))

register_menu("system", _l("信息扩展配置"), "fields.field_list", "system.fields", order=60)
register_menu("system", _l("参数配置"), "fields.param_list", "system.params", order=61)

from app.fields import views  # noqa: E402,F401

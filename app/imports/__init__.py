from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.menu import register_menu

bp = Blueprint("imports", __name__, url_prefix="/customers/import", template_folder="templates")
register_menu("customer", _l("导入客户资料"), "imports.index", "customer.import", order=30)

from app.imports import tasks, views  # noqa: E402,F401

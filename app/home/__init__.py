from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.menu import register_menu

bp = Blueprint("home", __name__, template_folder="templates")
register_menu("home", _l("首页"), "home.index", None, order=0)

from app.home import views  # noqa: E402,F401

"""Memos (备忘录): each agent's diary of appointments, reminded in the browser at the chosen time."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.menu import register_menu
from app.permissions import register_permission

bp = Blueprint("memos", __name__, url_prefix="/memos", template_folder="templates")
# Everyone keeps their own memos; reading other people's follows the role's data scope with this permission.
register_permission("memo.query_all", _l("备忘录"), _l("查询全部记录"))
register_menu("home", _l("备忘录"), "memos.index", None, order=30)

from app.memos import tasks, views  # noqa: E402,F401

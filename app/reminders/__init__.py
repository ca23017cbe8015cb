"""Reminders (待办事项): things a user must come back to — missed calls now; memos, birthdays and holidays later."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.menu import register_menu

bp = Blueprint("reminders", __name__, url_prefix="/reminders", template_folder="templates")
register_menu("home", _l("待办事项"), "reminders.index", None, order=20)

from app.reminders import views  # noqa: E402,F401

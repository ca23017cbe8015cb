"""Reminders (待办事项): the one to-do list of a user — memos, missed calls, birthdays, holidays, low stock,
overdue tickets — with filters, mark-read, and a notice at sign-in of what arrived while away."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.menu import register_menu
from app.permissions import register_permission

bp = Blueprint("reminders", __name__, url_prefix="/reminders", template_folder="templates")
register_menu("home", _l("待办事项"), "reminders.index", None, order=20)
# Reading other agents' to-do lists, within the role's data scope.
register_permission("reminder.query_all", _l("待办事项"), _l("查看他人的待办"))

from app.reminders import login_notice, views  # noqa: E402,F401

login_notice.install()

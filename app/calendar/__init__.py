"""The calendar: China's public and lunar holidays for any year, company days, holiday and birthday reminders."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.menu import register_menu
from app.permissions import register_permission

bp = Blueprint("calendar", __name__, url_prefix="/calendar", template_folder="templates")
register_permission("calendar.manage", _l("节假日"), _l("维护公司节日"))
register_menu("home", _l("节假日"), "calendar.holidays", None, order=40)

from app.calendar import tasks, views  # noqa: E402,F401

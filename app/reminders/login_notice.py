"""At sign-in, tell the user about to-dos that came while they were away (missed memos, calls, birthdays)."""

from flask import flash, has_request_context
from flask_babel import gettext as _
from flask_login import user_logged_in


def announce_unread(sender, user, **extra) -> None:
    from app.reminders.services import unread_count

    if not has_request_context():
        return
    count = unread_count(user)
    if count:
        flash(_("您有 %(n)d 条未读待办事项,请到“待办事项”查看。", n=count), "info")


def install() -> None:
    # A module-level function, so blinker's weak reference keeps it; connecting twice is harmless.
    user_logged_in.connect(announce_unread)

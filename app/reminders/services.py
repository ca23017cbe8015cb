"""Raising and reading reminders. A new reminder reaches the user's open tabs as a `notify` event, sent
only once the transaction that created it has committed (a rolled-back one announces nothing)."""

import logging

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.extensions import db
from app.reminders.models import KINDS, Reminder
from app.timeutil import utcnow

log = logging.getLogger(__name__)
_PENDING = "zuoxi_reminder_notices"
_installed = False
KIND_LABELS = {
    "missed_call": _l("漏接来电"),
    "memo": _l("备忘"),
    "birthday": _l("生日"),
    "holiday": _l("节日"),
    "followup": _l("跟进"),
    "low_stock": _l("库存不足"),
    "order_step": _l("订单步骤"),
    "ticket_overdue": _l("工单超时"),
}


def create_reminder(user_id: int, kind: str, title: str, body: str = "", link: str = "", due_at=None, source_key=None):
    """The reminder for `source_key`, created once: a second call with the same key returns the first one."""
    if kind not in KINDS:
        raise ValueError(f"unknown reminder kind {kind!r}")
    if source_key:
        existing = db.session.scalar(select(Reminder).where(Reminder.source_key == source_key))
        if existing is not None:
            return existing
    reminder = Reminder(
        user_id=user_id,
        kind=kind,
        title=title[:200],
        body=body or "",
        link=link or "",
        due_at=due_at or utcnow(),
        source_key=source_key or None,
    )
    try:
        with db.session.begin_nested():  # another request may raise the same key at the same moment
            db.session.add(reminder)
    except IntegrityError:
        return db.session.scalar(select(Reminder).where(Reminder.source_key == source_key))
    _install_notifier()
    db.session.info.setdefault(_PENDING, []).append(_notice(reminder))
    return reminder


def _notice(reminder: Reminder) -> tuple[int, dict]:
    level = "warning" if reminder.kind == "missed_call" else "info"
    return reminder.user_id, {"title": reminder.title, "body": reminder.body, "link": reminder.link, "level": level}


def mark_read(reminder_id: int, user) -> bool:
    """Only the owner's own reminders; returns whether one was marked."""
    result = db.session.execute(
        update(Reminder)
        .where(Reminder.id == reminder_id, Reminder.user_id == user.id, Reminder.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return result.rowcount == 1


def mark_all_read(user) -> int:
    result = db.session.execute(
        update(Reminder).where(Reminder.user_id == user.id, Reminder.read_at.is_(None)).values(read_at=utcnow())
    )
    return result.rowcount


def unread_count(user) -> int:
    query = select(func.count(Reminder.id)).where(
        Reminder.user_id == user.id, Reminder.read_at.is_(None), Reminder.due_at <= utcnow()
    )
    return db.session.scalar(query) or 0


def reminders_of(user, show_read: bool = False, limit: int = 200) -> list[Reminder]:
    query = select(Reminder).where(Reminder.user_id == user.id)
    if not show_read:
        query = query.where(Reminder.read_at.is_(None))
    return list(db.session.scalars(query.order_by(Reminder.due_at.desc(), Reminder.id.desc()).limit(limit)))


def _announce(session, transaction=None):
    notices = session.info.pop(_PENDING, None)
    if not notices:
        return
    from app.sockets import emit_to_user

    for user_id, payload in notices:
        try:
            emit_to_user(user_id, "notify", payload)
        except Exception:  # a lost notification must never undo or fail the committed work
            log.exception("could not announce a reminder to user %s", user_id)


def _forget(session, previous_transaction=None):
    if not session.in_transaction():
        session.info.pop(_PENDING, None)


def _install_notifier() -> None:
    global _installed
    if _installed:
        return
    event.listen(Session, "after_commit", _announce)
    event.listen(Session, "after_soft_rollback", _forget)
    _installed = True
    current_app.logger.debug("reminder notifier installed")

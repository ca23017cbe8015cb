"""Recording data changes: every flush of an audited model writes who changed what, before and after.

Models opt in with `__audited__ = ("field", ...)` (or True for every column). The actor comes from a
context variable that the request hook (or a job) sets, so models stay free of request state.
"""

import contextvars
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from app.audit.models import AuditLog
from app.extensions import db

_actor: contextvars.ContextVar = contextvars.ContextVar("audit_actor", default=(None, "", ""))
_installed = False


def set_actor(user_id, name: str, ip: str = "") -> None:
    _actor.set((user_id, name, ip))


def current_actor():
    return _actor.get()


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict | list | str | int | float | bool) or value is None:
        return value
    return str(value)


def _audited_columns(obj):
    spec = getattr(type(obj), "__audited__", None)
    if not spec:
        return None
    mapper = inspect(type(obj))
    names = [c.key for c in mapper.column_attrs]
    return names if spec is True else [n for n in names if n in spec]


def _entry(obj, action, changes):
    user_id, name, ip = current_actor()
    label = getattr(obj, "audit_label", None) or getattr(obj, "name", None) or ""
    return AuditLog(
        user_id=user_id,
        user_name=name,
        ip=ip,
        action=action,
        entity=type(obj).__tablename__,
        entity_id=str(getattr(obj, "id", "") or ""),
        summary=str(label)[:255],
        changes=changes,
    )


def _before_flush(session: Session, flush_context, instances):
    pending_creates = []
    for obj in list(session.new):
        columns = _audited_columns(obj)
        if columns is not None:
            pending_creates.append(obj)
    for obj in list(session.dirty):
        columns = _audited_columns(obj)
        if columns is None or not session.is_modified(obj):
            continue
        state = inspect(obj)
        changes = {}
        for key in columns:
            hist = state.attrs[key].history
            if hist.has_changes():
                before = hist.deleted[0] if hist.deleted else None
                after = hist.added[0] if hist.added else None
                if _plain(before) != _plain(after):
                    changes[key] = [_plain(before), _plain(after)]
        if changes:
            session.add(_entry(obj, "update", changes))
    for obj in list(session.deleted):
        columns = _audited_columns(obj)
        if columns is not None:
            snapshot = {k: [_plain(getattr(obj, k)), None] for k in columns}
            session.add(_entry(obj, "delete", snapshot))
    session.info.setdefault("audit_creates", []).extend(pending_creates)


def _after_flush(session: Session, flush_context):
    created = session.info.pop("audit_creates", [])
    for obj in created:
        columns = _audited_columns(obj)
        snapshot = {k: [None, _plain(getattr(obj, k))] for k in columns if getattr(obj, k) not in (None, "", [], {})}
        session.add(_entry(obj, "create", snapshot))


def record(entity: str, entity_id, action: str, summary: str = "", changes: dict | None = None) -> None:
    """An explicit entry for changes the flush cannot see (merges, batch updates done in SQL)."""
    user_id, name, ip = current_actor()
    db.session.add(
        AuditLog(
            user_id=user_id,
            user_name=name,
            ip=ip,
            action=action,
            entity=entity,
            entity_id=str(entity_id),
            summary=summary[:255],
            changes=changes or {},
        )
    )


def install() -> None:
    global _installed
    if _installed:
        return
    event.listen(Session, "before_flush", _before_flush)
    event.listen(Session, "after_flush_postexec", _after_flush)
    _installed = True

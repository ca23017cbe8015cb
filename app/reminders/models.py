"""A reminder is addressed to one user; `source_key` names what raised it so it is raised only once."""

from datetime import datetime

from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import utcnow

KINDS = ("missed_call", "memo", "birthday", "holiday", "followup", "low_stock", "order_step", "ticket_overdue")


class Reminder(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(db.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(db.String(20), index=True)
    title: Mapped[str] = mapped_column(db.String(200))
    body: Mapped[str] = mapped_column(db.Text, default="")
    link: Mapped[str] = mapped_column(db.String(300), default="")
    due_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow, index=True)
    created_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(db.DateTime)
    # e.g. "missed_call:<leg uuid>"; NULL for reminders with nothing to deduplicate against.
    source_key: Mapped[str | None] = mapped_column(db.String(160), unique=True)

    __table_args__ = (db.Index("ix_reminder_user_read_due", "user_id", "read_at", "due_at"),)

    def __repr__(self):
        return f"<Reminder {self.id} {self.kind} user={self.user_id}>"

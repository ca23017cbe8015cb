"""A memo (备忘): an appointment or note in an agent's own diary, optionally about one customer."""

from datetime import datetime

from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow

# Importance labels of the manuals' 标签, most ordinary first.
MEMO_LABELS = ("normal", "important", "urgent")
# How long before the start a reminder may be raised: none at all, the moment it starts, up to two weeks.
MAX_REMIND_MINUTES = 14 * 24 * 60


class Memo(db.Model):
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(db.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(db.String(200))
    place: Mapped[str] = mapped_column(db.String(200), default="")
    label: Mapped[str] = mapped_column(db.String(16), default="normal")
    start_at: Mapped[datetime] = mapped_column(db.DateTime, index=True)
    end_at: Mapped[datetime | None] = mapped_column(db.DateTime)
    # None: no reminder. The reminder instant is stored so the scheduler finds due memos by index.
    remind_minutes: Mapped[int | None] = mapped_column()
    remind_at: Mapped[datetime | None] = mapped_column(db.DateTime)
    # Set by the one scheduler run that claimed the reminder; cleared when the memo is rescheduled.
    fired_at: Mapped[datetime | None] = mapped_column(db.DateTime)
    customer_id: Mapped[int | None] = mapped_column(db.ForeignKey("customer.id", ondelete="SET NULL"), index=True)
    content: Mapped[str] = mapped_column(db.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(db.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow, onupdate=utcnow)

    owner = relationship("User", foreign_keys=[owner_id])
    customer = relationship("Customer", foreign_keys=[customer_id])

    __table_args__ = (db.Index("ix_memo_due", "fired_at", "remind_at"),)

    def __repr__(self):
        return f"<Memo {self.id} {self.subject!r} owner={self.owner_id}>"

"""What the phone bar keeps per agent: speed-dial entries, hotkeys, and the state of an attended transfer.

The consult session lives in the database rather than in a process: the command that starts a consult
and the one that completes it may reach different web workers."""

from datetime import datetime

from sqlalchemy import JSON
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow

# Hotkey actions of the phone bar (cloud-callcenter-admin §3.1.1: answer, hang up, next).
DEFAULT_HOTKEYS = {"answer": "F8", "hangup": "F9", "next": "F10"}

# Consult session states: the consult call is up (customer on hold), the agent chooses a new target
# after a re-consult (customer still on hold), or all three talk in a conference.
CONSULT_STATES = ("consulting", "choosing", "threeway")


class SpeedDial(db.Model):
    """快速拨号: an agent's own entry (user_id set) or one of the company list (user_id empty).

    An entry made from a customer keeps the CustomerPhone id, so an agent who may not see full
    numbers dials it by id and never receives the number."""

    __audited__ = ("user_id", "name", "number", "customer_phone_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(db.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(db.String(80))
    number: Mapped[str] = mapped_column(db.String(40), default="")
    customer_phone_id: Mapped[int | None] = mapped_column(db.ForeignKey("customer_phone.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow)

    customer_phone = relationship("CustomerPhone")

    def __repr__(self):
        return f"<SpeedDial {self.id} {self.name}>"

    @property
    def shared(self) -> bool:
        return self.user_id is None


class PhoneSetting(db.Model):
    """Per-agent phone bar settings: the hotkeys for answer, hang up and next (redial)."""

    user_id: Mapped[int] = mapped_column(db.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    hotkeys: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self):
        return f"<PhoneSetting {self.user_id}>"

    def effective_hotkeys(self) -> dict:
        return {**DEFAULT_HOTKEYS, **(self.hotkeys or {})}


class ConsultSession(db.Model):
    """An attended transfer in progress: the held customer, the agent's first leg, the consult leg."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(db.ForeignKey("user.id", ondelete="CASCADE"), unique=True)
    node: Mapped[str] = mapped_column(db.String(80), default="")
    customer_uuid: Mapped[str] = mapped_column(db.String(64))
    agent_uuid: Mapped[str] = mapped_column(db.String(64))
    consult_uuid: Mapped[str] = mapped_column(db.String(64), default="")
    target: Mapped[str] = mapped_column(db.String(40), default="")
    target_label: Mapped[str] = mapped_column(db.String(80), default="")
    state: Mapped[str] = mapped_column(db.String(16), default="consulting")
    conference: Mapped[str] = mapped_column(db.String(80), default="")
    created_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow)

    def __repr__(self):
        return f"<ConsultSession {self.user_id} {self.state}>"

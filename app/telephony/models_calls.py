"""Call records: one CallRecord per conversation, its legs (one per FreeSWITCH channel, as mod_json_cdr
posts them) and the uuids that tie later legs to it.

The record's fields are always recomputed from all its legs, so the order in which FreeSWITCH posts
the legs (it posts them from each channel's own thread) never changes the result."""

from datetime import datetime

from sqlalchemy import JSON
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow

DIRECTIONS = ("inbound", "outbound", "internal")
STATUSES = ("answered", "missed", "abandoned", "no_answer", "busy", "failed", "blocked")
HANGUP_SIDES = ("caller", "callee", "system")


class CallRecord(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    # The uuid of the leg that started the call (the caller's channel, or the agent's for click-to-dial).
    uuid: Mapped[str] = mapped_column(db.String(64), default="", index=True)
    node: Mapped[str] = mapped_column(db.String(80), default="")
    direction: Mapped[str] = mapped_column(db.String(10), default="internal", index=True)
    status: Mapped[str] = mapped_column(db.String(12), default="answered", index=True)
    caller_number: Mapped[str] = mapped_column(db.String(64), default="", index=True)
    callee_number: Mapped[str] = mapped_column(db.String(64), default="", index=True)
    # The party outside the company (customer side) and its normalized key for lookups.
    far_number: Mapped[str] = mapped_column(db.String(64), default="")
    far_normalized: Mapped[str] = mapped_column(db.String(32), default="", index=True)
    location: Mapped[str] = mapped_column(db.String(80), default="", index=True)
    customer_id: Mapped[int | None] = mapped_column(db.ForeignKey("customer.id", ondelete="SET NULL"), index=True)
    agent_id: Mapped[int | None] = mapped_column(db.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    agent_extension: Mapped[str] = mapped_column(db.String(32), default="")
    trunk: Mapped[str] = mapped_column(db.String(80), default="", index=True)
    group_name: Mapped[str] = mapped_column(db.String(80), default="")
    started_at: Mapped[datetime | None] = mapped_column(db.DateTime, index=True)
    answered_at: Mapped[datetime | None] = mapped_column(db.DateTime)
    ended_at: Mapped[datetime | None] = mapped_column(db.DateTime)
    ring_seconds: Mapped[int] = mapped_column(default=0)
    talk_seconds: Mapped[int] = mapped_column(default=0, index=True)
    hangup_cause: Mapped[str] = mapped_column(db.String(64), default="")
    hangup_by: Mapped[str] = mapped_column(db.String(10), default="")
    dtmf: Mapped[str] = mapped_column(db.String(64), default="")
    # Relative to RECORDINGS_DIR (or absolute inside it); empty once retention removed the file.
    recording_path: Mapped[str] = mapped_column(db.String(500), default="")
    has_recording: Mapped[bool] = mapped_column(default=False, index=True)
    blacklisted: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow, onupdate=utcnow)

    legs = relationship(
        "CallLeg", back_populates="call", cascade="all, delete-orphan", order_by="CallLeg.started_at, CallLeg.id"
    )
    customer = relationship("Customer")
    agent = relationship("User")

    __table_args__ = (db.Index("ix_call_record_agent_started", "agent_id", "started_at"),)

    def __repr__(self):
        return f"<CallRecord {self.id} {self.direction} {self.caller_number}->{self.callee_number}>"


class CallLeg(db.Model):
    """One channel of a call, as its CDR described it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(db.ForeignKey("call_record.id", ondelete="CASCADE"), index=True)
    uuid: Mapped[str] = mapped_column(db.String(64), unique=True)
    direction: Mapped[str] = mapped_column(db.String(10), default="")  # as FreeSWITCH sees the channel
    channel_name: Mapped[str] = mapped_column(db.String(160), default="")
    # The party this channel connects to (the caller for an inbound channel, the called phone otherwise).
    number: Mapped[str] = mapped_column(db.String(64), default="")
    caller_number: Mapped[str] = mapped_column(db.String(64), default="")
    destination: Mapped[str] = mapped_column(db.String(64), default="")
    user_id: Mapped[int | None] = mapped_column(db.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    gateway: Mapped[str] = mapped_column(db.String(80), default="")
    monitor: Mapped[bool] = mapped_column(default=False)  # a supervisor listening in (eavesdrop)
    originator_uuid: Mapped[str] = mapped_column(db.String(64), default="")
    bridge_uuid: Mapped[str] = mapped_column(db.String(64), default="")
    started_at: Mapped[datetime | None] = mapped_column(db.DateTime)
    answered_at: Mapped[datetime | None] = mapped_column(db.DateTime)
    ended_at: Mapped[datetime | None] = mapped_column(db.DateTime)
    billsec: Mapped[int] = mapped_column(default=0)
    hangup_cause: Mapped[str] = mapped_column(db.String(64), default="")
    hangup_disposition: Mapped[str] = mapped_column(db.String(32), default="")
    last_app: Mapped[str] = mapped_column(db.String(64), default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    received_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow)

    call = relationship("CallRecord", back_populates="legs")
    user = relationship("User")

    def __repr__(self):
        return f"<CallLeg {self.uuid} {self.direction} {self.number}>"


class CallLink(db.Model):
    """A uuid (own or mentioned by a leg) owned by one call: legs posted later find their call through it.

    Unique, so two legs of one call posted at the same moment cannot open two records."""

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(db.String(160), unique=True)
    call_id: Mapped[int] = mapped_column(db.ForeignKey("call_record.id", ondelete="CASCADE"), index=True)

    def __repr__(self):
        return f"<CallLink {self.key} -> {self.call_id}>"


def calls_of_customer(customer_id: int, limit: int = 10) -> list[CallRecord]:
    """The latest calls with a customer, newest first (the screen-pop's call history)."""
    from sqlalchemy import select

    query = (
        select(CallRecord)
        .where(CallRecord.customer_id == customer_id)
        .order_by(CallRecord.started_at.desc(), CallRecord.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))

"""Agent presence: what each agent chose (online / busy / away, forward to mobile) and the status log.

``User.agent_status`` always holds the effective state the header shows (the chosen one, or the
call-driven ringing / talking / wrapup); ``AgentPresence`` remembers the chosen one underneath, and
``AgentStatusLog`` keeps one row per period in a state (manual cloud-callcenter-admin §三.8).
"""

from datetime import datetime

from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow

CHOSEN_STATUSES = ("online", "busy", "away")
CALL_STATUSES = ("ringing", "talking", "wrapup")
ALL_STATUSES = CHOSEN_STATUSES + CALL_STATUSES


class AgentPresence(db.Model):
    """One row per agent who ever changed state: the state to come back to after a call."""

    user_id: Mapped[int] = mapped_column(db.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    chosen_status: Mapped[str] = mapped_column(db.String(16), default="online")
    # Busy or away with this set: calls for the agent go to the mobile (read by the dialplan).
    forward_to_mobile: Mapped[bool] = mapped_column(default=False)
    # Per-agent wrap-up length; None means the WRAPUP_SECONDS setting.
    wrapup_seconds: Mapped[int | None] = mapped_column()
    # Wrap-up ends at this instant (naive UTC); derived from data so a restart never leaves it stuck.
    wrapup_until: Mapped[datetime | None] = mapped_column(db.DateTime)
    updated_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow, onupdate=utcnow)

    user = relationship("User")

    def __repr__(self):
        return f"<AgentPresence {self.user_id} {self.chosen_status}>"


class AgentStatusLog(db.Model):
    """A period an agent spent in one state: from which state, since when, until when, how long."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(db.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(db.String(16))
    from_status: Mapped[str] = mapped_column(db.String(16), default="")
    started_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(db.DateTime)
    seconds: Mapped[int | None] = mapped_column()
    # The call that caused a call-driven state, for the call list and the reports.
    call_uuid: Mapped[str] = mapped_column(db.String(64), default="")

    user = relationship("User")

    __table_args__ = (db.Index("ix_agent_status_log_user_open", "user_id", "ended_at"),)

    def __repr__(self):
        return f"<AgentStatusLog {self.user_id} {self.from_status}->{self.status}>"

"""Background jobs: a table every worker claims from, so progress survives reloads and restarts."""

from datetime import datetime

from sqlalchemy import JSON
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import utcnow

JOB_STATES = ("queued", "running", "done", "failed")


class Job(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(db.String(40), index=True)
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(db.String(16), default="queued", index=True)
    progress: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    result: Mapped[dict] = mapped_column(JSON, default=dict)
    error: Mapped[str] = mapped_column(db.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(db.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow)
    run_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow, index=True)
    started_at: Mapped[datetime | None] = mapped_column(db.DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(db.DateTime)
    # A claim is a lease: a worker that dies lets the job be claimed again once it lapses.
    locked_by: Mapped[str] = mapped_column(db.String(64), default="")
    locked_until: Mapped[datetime | None] = mapped_column(db.DateTime)
    # Set on jobs that must exist once per key (periodic runs): a unique index makes that hold across workers.
    dedupe_key: Mapped[str | None] = mapped_column(db.String(80), unique=True)

    def __repr__(self):
        return f"<Job {self.id} {self.kind} {self.state}>"

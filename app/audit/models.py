"""The audit trail of data changes: who, when, what, before and after."""

from datetime import datetime

from sqlalchemy import JSON
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import utcnow


class AuditLog(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(db.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    user_name: Mapped[str] = mapped_column(db.String(80), default="")
    ip: Mapped[str] = mapped_column(db.String(64), default="")
    action: Mapped[str] = mapped_column(db.String(16))  # create / update / delete
    entity: Mapped[str] = mapped_column(db.String(40), index=True)
    entity_id: Mapped[str] = mapped_column(db.String(40), index=True)
    summary: Mapped[str] = mapped_column(db.String(255), default="")
    # {field: [before, after]}
    changes: Mapped[dict] = mapped_column(JSON, default=dict)

    def __repr__(self):
        return f"<AuditLog {self.action} {self.entity}:{self.entity_id}>"

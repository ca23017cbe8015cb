"""员工信息: employee profiles, linked to a login account or not (warehouse staff, sales reps without a seat)."""

from datetime import date, datetime

from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow


class Employee(db.Model):
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(db.String(80), index=True)
    gender: Mapped[str] = mapped_column(db.String(1), default="")
    birthday: Mapped[date | None] = mapped_column(db.Date)
    department_id: Mapped[int | None] = mapped_column(db.ForeignKey("department.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(db.String(80), default="")
    phone: Mapped[str] = mapped_column(db.String(40), default="")
    email: Mapped[str] = mapped_column(db.String(160), default="")
    hire_date: Mapped[date | None] = mapped_column(db.Date)
    notes: Mapped[str] = mapped_column(db.Text, default="")
    # At most one profile per login account; orders credited to that user are this employee's sales.
    user_id: Mapped[int | None] = mapped_column(db.ForeignKey("user.id", ondelete="SET NULL"), unique=True)
    created_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow, onupdate=utcnow)

    department = relationship("Department")
    user = relationship("User")

    def __repr__(self):
        return f"<Employee {self.id} {self.name}>"

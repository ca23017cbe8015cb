"""Company-defined days (公司节日) and the record that a holiday's greeting hooks have run."""

from datetime import date, datetime

from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import utcnow


class CompanyHoliday(db.Model):
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(db.Date, index=True)
    name: Mapped[str] = mapped_column(db.String(80))
    # Whether agents are reminded to greet customers on this day (a company anniversary: yes; stock-taking: no).
    greet: Mapped[bool] = mapped_column(default=True)
    note: Mapped[str] = mapped_column(db.String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(db.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow)

    __table_args__ = (db.UniqueConstraint("day", "name", name="uq_company_holiday_day_name"),)

    def __repr__(self):
        return f"<CompanyHoliday {self.day} {self.name}>"


class HolidayGreetingRun(db.Model):
    """One row per holiday whose greeting hooks ran: the unique key lets exactly one worker run them."""

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(db.Date)
    name: Mapped[str] = mapped_column(db.String(80))
    ran_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow)

    __table_args__ = (db.UniqueConstraint("day", "name", name="uq_holiday_greeting_run"),)

    def __repr__(self):
        return f"<HolidayGreetingRun {self.day} {self.name}>"

"""Reminders the calendar raises: the holiday greeting on the day, and birthdays a few days ahead.

Both are keyed (holiday:<date>:<user>, birthday:<who>:<id>:<year>:<user>) so running the job again, or in
two workers at once, raises nothing new.
"""

import calendar as month_calendar
from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, extract, or_, select
from sqlalchemy.exc import IntegrityError

from app.auth.models import User
from app.calendar.hooks import run_holiday_hooks
from app.calendar.models import HolidayGreetingRun
from app.calendar.services import greeting_holidays_on
from app.extensions import db
from app.reminders.models import Reminder
from app.reminders.services import create_reminder
from app.timeutil import local_day_bounds_utc

STAFF_PERMISSION = "staff.view"


def _existing_keys(prefix: str) -> set[str]:
    return set(db.session.scalars(select(Reminder.source_key).where(Reminder.source_key.startswith(prefix))))


def _enabled_users() -> list[User]:
    return list(db.session.scalars(select(User).where(User.enabled.is_(True)).order_by(User.id)))


def _claim_greeting_run(holiday) -> bool:
    try:
        with db.session.begin_nested():
            db.session.add(HolidayGreetingRun(day=holiday.day, name=holiday.name))
        return True
    except IntegrityError:
        return False


def fire_holiday_reminders(today: date) -> int:
    """On a greeting day every enabled user gets one reminder; the greeting hooks run once overall."""
    from app.customers.models import Customer

    holidays = greeting_holidays_on(today)
    if not holidays:
        return 0
    due_at, _end = local_day_bounds_utc(today)
    names = "、".join(h.label for h in holidays)
    existing = _existing_keys(f"holiday:{today.isoformat()}:")
    raised = 0
    for user in _enabled_users():
        key = f"holiday:{today.isoformat()}:{user.id}"
        if key in existing:
            continue
        create_reminder(
            user.id,
            "holiday",
            _("今天是%(name)s", name=names),
            body=_("别忘了向客户送上节日问候。"),
            link=f"/calendar/holidays?year={today.year}",
            due_at=due_at,
            source_key=key,
        )
        raised += 1
    for holiday in holidays:
        if _claim_greeting_run(holiday):
            run_holiday_hooks(holiday, select(Customer))
    db.session.flush()
    return raised


def birthday_in_year(born: date, year: int) -> date:
    """The day the birthday is kept in `year`: 29 February falls on the 28th in a common year."""
    if born.month == 2 and born.day == 29 and not month_calendar.isleap(year):
        return date(year, 2, 28)
    return date(year, born.month, born.day)


def _birthday_condition(column, today: date, days: int):
    """Rows whose month and day fall in today … today+days (the index-free part is cheap: one pass a day)."""
    pairs = set()
    for offset in range(days + 1):
        day = today + timedelta(days=offset)
        pairs.add((day.month, day.day))
        if day.month == 2 and day.day == 28 and not month_calendar.isleap(day.year):
            pairs.add((2, 29))
    return or_(*(and_(extract("month", column) == m, extract("day", column) == d) for m, d in sorted(pairs)))


def _upcoming(born: date, today: date, days: int) -> date | None:
    for year in (today.year, today.year + 1):
        day = birthday_in_year(born, year)
        if today <= day <= today + timedelta(days=days):
            return day
    return None


def _raise_birthday(user_id: int, who: str, person_id: int, name: str, day: date, today: date, link: str, keys) -> bool:
    key = f"birthday:{who}:{person_id}:{day.year}:{user_id}"
    if key in keys:
        return False
    if day == today:
        title = _("今天是%(name)s的生日", name=name)
    else:
        title = _("%(name)s的生日在 %(date)s(%(n)d 天后)", name=name, date=day.strftime("%m-%d"), n=(day - today).days)
    create_reminder(user_id, "birthday", title, link=link, due_at=local_day_bounds_utc(today)[0], source_key=key)
    return True


def fire_birthday_reminders(today: date, days: int | None = None) -> int:
    """Customers' birthdays to their owners, staff birthdays to staff managers, `days` ahead (once a year each)."""
    from app.customers.models import Customer

    days = current_app.config["BIRTHDAY_REMIND_DAYS"] if days is None else int(days)
    keys = _existing_keys("birthday:")
    raised = 0
    customers = db.session.execute(
        select(Customer.id, Customer.name, Customer.birthday, Customer.owner_id).where(
            Customer.owner_id.is_not(None),
            Customer.birthday.is_not(None),
            _birthday_condition(Customer.birthday, today, days),
        )
    )
    for customer_id, name, born, owner_id in customers:
        day = _upcoming(born, today, days)
        if day and _raise_birthday(
            owner_id, "customer", customer_id, name, day, today, f"/customers/{customer_id}", keys
        ):
            raised += 1
    raised += _fire_staff_birthdays(today, days, keys)
    db.session.flush()
    return raised


def staff_managers() -> list[int]:
    return [u.id for u in _enabled_users() if u.is_superuser or u.has_permission(STAFF_PERMISSION)]


def _fire_staff_birthdays(today: date, days: int, keys) -> int:
    try:
        from app.staff.models import Employee
    except ImportError:  # the staff module is optional
        return 0
    rows = db.session.execute(
        select(Employee.id, Employee.name, Employee.birthday).where(
            Employee.birthday.is_not(None), _birthday_condition(Employee.birthday, today, days)
        )
    ).all()
    if not rows:
        return 0
    managers = staff_managers()
    raised = 0
    for employee_id, name, born in rows:
        day = _upcoming(born, today, days)
        for user_id in managers if day else ():
            if _raise_birthday(user_id, "staff", employee_id, name, day, today, f"/staff/{employee_id}", keys):
                raised += 1
    return raised

"""Daily calendar work for the scheduler: the holiday greeting reminder and birthday reminders."""

from datetime import timedelta

from app.calendar.reminders import fire_birthday_reminders, fire_holiday_reminders
from app.extensions import db
from app.jobs.runner import job_handler
from app.timeutil import local_today


@job_handler("holiday_reminders", every=timedelta(days=1))
def holiday_reminders(job):
    raised = fire_holiday_reminders(local_today())
    db.session.commit()
    return {"raised": raised}


@job_handler("birthday_reminders", every=timedelta(days=1))
def birthday_reminders(job):
    raised = fire_birthday_reminders(local_today())
    db.session.commit()
    return {"raised": raised}

"""The scheduler's memo work: once a minute, across however many workers, raise the reminders now due."""

from datetime import timedelta

from app.extensions import db
from app.jobs.runner import job_handler
from app.memos.services import fire_due_memos


@job_handler("memo_reminders", every=timedelta(minutes=1))
def memo_reminders(job):
    fired = fire_due_memos()
    db.session.commit()  # the claims and reminders together; their notifications go out after this
    return {"fired": fired}

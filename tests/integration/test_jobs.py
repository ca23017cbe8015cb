"""Background jobs: one claim wins, periodic work is queued once per interval whoever asks."""

from sqlalchemy import func, select

from app.extensions import db
from app.jobs.models import Job
from app.jobs.runner import PERIODIC, claim, schedule_periodic_jobs


def test_a_job_is_claimed_once():
    job = Job(kind="customer_unlock_expired", payload={})
    db.session.add(job)
    db.session.commit()
    assert claim(job.id) is True
    assert claim(job.id) is False, "a running job with a live lease is not handed out again"


def test_periodic_jobs_are_queued_once_per_interval():
    assert {"recording_cleanup", "customer_unlock_expired"} <= set(PERIODIC)
    first = schedule_periodic_jobs()
    again = schedule_periodic_jobs()
    assert first == len(PERIODIC) and again == 0
    counts = dict(db.session.execute(select(Job.kind, func.count()).group_by(Job.kind)).all())
    assert counts["recording_cleanup"] == 1 and counts["customer_unlock_expired"] == 1

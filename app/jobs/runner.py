"""Claiming and running background jobs.

A job is claimed by a conditional UPDATE (queued, or running with a lapsed lease), so with several
workers on one database each job runs once. Handlers take the job id, never an ORM object, and
run in an app context of their own.
"""

import logging
import os
import socket
import traceback
from datetime import timedelta

from flask_babel import force_locale
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from app.errors import ValidationError
from app.extensions import db, socketio
from app.jobs.models import Job
from app.timeutil import utcnow

log = logging.getLogger(__name__)
HANDLERS: dict = {}
# kind -> interval, for jobs the worker queues itself (clean-ups, lapsed locks).
PERIODIC: dict[str, timedelta] = {}
LEASE = timedelta(minutes=10)
WORKER_NAME = f"{socket.gethostname()}:{os.getpid()}"


def job_handler(kind: str, every: timedelta | None = None):
    def decorator(func):
        HANDLERS[kind] = func
        if every is not None:
            PERIODIC[kind] = every
        return func

    return decorator


def schedule_periodic_jobs() -> int:
    """Queue each periodic job once per interval. The dedupe key names the interval, so when several
    workers do this at the same moment the unique constraint lets exactly one insert through."""
    queued = 0
    now = utcnow()
    for kind, every in PERIODIC.items():
        slot = int(now.timestamp() // every.total_seconds())
        key = f"{kind}:{slot}"
        if db.session.scalar(select(Job.id).where(Job.dedupe_key == key)) is not None:
            continue
        try:
            with db.session.begin_nested():
                db.session.add(Job(kind=kind, payload={}, dedupe_key=key, run_at=now))
            queued += 1
        except IntegrityError:
            pass  # another worker queued it first
    db.session.commit()
    return queued


def enqueue(kind: str, payload: dict, user_id: int | None, total: int = 0) -> Job:
    if kind not in HANDLERS:
        raise KeyError(kind)
    job = Job(kind=kind, payload=payload, created_by_id=user_id, total=total)
    db.session.add(job)
    db.session.flush()
    return job


def claim(job_id: int) -> bool:
    now = utcnow()
    result = db.session.execute(
        update(Job)
        .where(
            Job.id == job_id,
            or_(Job.state == "queued", (Job.state == "running") & (Job.locked_until < now)),
        )
        .values(state="running", locked_by=WORKER_NAME, locked_until=now + LEASE, started_at=now)
    )
    db.session.commit()
    return result.rowcount == 1


def report_progress(job: Job, progress: int, total: int | None = None) -> None:
    """Commit the progress so a reloaded page, in any worker, reads it."""
    job.progress = progress
    if total is not None:
        job.total = total
    if job.state == "running":
        job.locked_until = utcnow() + LEASE
    db.session.commit()
    if job.created_by_id:
        socketio.emit(
            "job_progress",
            {"id": job.id, "kind": job.kind, "progress": job.progress, "total": job.total, "state": job.state},
            to=f"user:{job.created_by_id}",
        )


def run_job(job_id: int) -> None:
    job = db.session.get(Job, job_id)
    handler = HANDLERS.get(job.kind)
    try:
        with force_locale(job.payload.get("locale") or "zh_CN"):
            result = handler(job)
    except Exception as exc:  # a failed job is reported on the job, never kills the worker
        db.session.rollback()
        log.exception("job %s (%s) failed", job_id, job.kind)
        job = db.session.get(Job, job_id)
        job.state = "failed"
        # What the user did wrong (an unreadable file…) is said as it is; anything else names its kind.
        job.error = (exc.message if isinstance(exc, ValidationError) else f"{type(exc).__name__}: {exc}")[:2000]
        log.debug(traceback.format_exc())
    else:
        job.state = "done"
        job.result = result or {}
    job.finished_at = utcnow()
    job.locked_until = None
    db.session.commit()
    report_progress(job, job.progress)


def run_due_jobs(app, limit: int = 20) -> int:
    """Run what is due now; returns how many jobs this call ran."""
    ran = 0
    with app.app_context():
        now = utcnow()
        candidates = db.session.scalars(
            select(Job.id)
            .where(
                or_(Job.state == "queued", (Job.state == "running") & (Job.locked_until < now)),
                Job.run_at <= now,
            )
            .order_by(Job.id)
            .limit(limit)
        ).all()
        for job_id in candidates:
            if claim(job_id):
                run_job(job_id)
                ran += 1
        db.session.remove()
    return ran


def kick(app) -> None:
    """Start due jobs now instead of at the next poll (after the enqueuing commit)."""
    if app.config.get("JOBS_RUN_IN_PROCESS"):
        socketio.start_background_task(run_due_jobs, app)


def worker_loop(app) -> None:
    interval = float(app.config.get("JOBS_POLL_SECONDS", 2.0))
    while True:
        try:
            with app.app_context():
                schedule_periodic_jobs()
                db.session.remove()
            run_due_jobs(app)
        except Exception:
            log.exception("job poll failed; retrying")
        socketio.sleep(interval)


def start_in_process_worker(app) -> None:
    if app.config.get("JOBS_RUN_IN_PROCESS"):
        socketio.start_background_task(worker_loop, app)

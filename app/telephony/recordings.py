"""Call recordings: where the files live (RECORDINGS_DIR, never under static), which file belongs to a
call — always inside that folder, whatever path a CDR claimed — and the retention clean-up job."""

import logging
import os
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.jobs.runner import job_handler, report_progress
from app.telephony.models_calls import CallRecord
from app.timeutil import utcnow

log = logging.getLogger(__name__)
CLEANUP_JOB = "recording_cleanup"
_BATCH = 500


def recordings_root() -> Path:
    configured = current_app.config.get("RECORDINGS_DIR") or os.path.join(current_app.instance_path, "recordings")
    return Path(configured).resolve()


def recording_file(call: CallRecord) -> Path | None:
    """The call's recording on disk, or None when there is none, it is gone, or its path leaves the folder."""
    stored = (call.recording_path or "").strip()
    if not stored or "\x00" in stored:
        return None
    root = recordings_root()
    candidate = Path(stored)
    path = (candidate if candidate.is_absolute() else root / candidate).resolve()
    if not path.is_relative_to(root):
        log.warning("call %s: recording path %r is outside RECORDINGS_DIR; refused", call.id, stored)
        return None
    return path if path.is_file() else None


def download_name(call: CallRecord) -> str:
    suffix = Path(call.recording_path).suffix.lower() or ".wav"
    stamp = call.started_at.strftime("%Y%m%d-%H%M%S") if call.started_at else "call"
    return f"call-{call.id}-{stamp}{suffix}"


def expired_calls_query(days: int):
    cutoff = utcnow() - timedelta(days=days)
    return (
        select(CallRecord.id)
        .where(CallRecord.has_recording.is_(True), CallRecord.started_at < cutoff)
        .order_by(CallRecord.id)
    )


def delete_expired_recordings(days: int | None = None, job=None) -> dict:
    """Delete recordings older than RECORDING_RETENTION_DAYS and clear their records' paths.

    Commits per batch: records are cleared first and their files removed right after the commit, so a
    crash leaves at worst an orphan file, never a record pointing at nothing."""
    days = int(days if days is not None else current_app.config.get("RECORDING_RETENTION_DAYS") or 0)
    if days <= 0:
        return {"deleted": 0, "kept": "retention disabled"}
    ids = list(db.session.scalars(expired_calls_query(days)))
    deleted = missing = 0
    for start in range(0, len(ids), _BATCH):
        files = []
        for call in db.session.scalars(select(CallRecord).where(CallRecord.id.in_(ids[start : start + _BATCH]))):
            path = recording_file(call)
            files.append(path)
            call.recording_path = ""
            call.has_recording = False
        db.session.commit()
        for path in files:
            if path is None:
                missing += 1
                continue
            try:
                path.unlink()
                deleted += 1
            except FileNotFoundError:
                missing += 1
            except OSError:
                log.exception("could not delete recording %s", path)
        if job is not None:
            report_progress(job, min(start + _BATCH, len(ids)), len(ids))
    return {"deleted": deleted, "missing": missing, "records": len(ids)}


@job_handler(CLEANUP_JOB, every=timedelta(days=1))
def run_recording_cleanup(job):
    return delete_expired_recordings(job.payload.get("days"), job=job)

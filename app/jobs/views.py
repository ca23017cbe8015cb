from flask import abort
from flask_login import current_user

from app.extensions import db
from app.jobs import bp
from app.jobs.models import Job
from app.permissions import login_required


@bp.route("/<int:job_id>")
@login_required
def status(job_id: int):
    """Progress of one's own job, polled by pages that survive a reload."""
    job = db.session.get(Job, job_id)
    if job is None or (job.created_by_id != current_user.id and not current_user.is_superuser):
        abort(404)
    return {
        "id": job.id,
        "kind": job.kind,
        "state": job.state,
        "progress": job.progress,
        "total": job.total,
        "result": job.result,
        "error": job.error,
    }

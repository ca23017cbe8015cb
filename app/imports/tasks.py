from app.auth.models import User
from app.extensions import db
from app.imports.services import JOB_KIND, ImportRun
from app.jobs.runner import job_handler


@job_handler(JOB_KIND)
def run_customer_import(job):
    """The job's user is the importer: ownership, permissions and the audit entry are theirs."""
    from app.audit.services import set_actor

    user = db.session.get(User, job.created_by_id) if job.created_by_id else None
    set_actor(user.id if user else None, user.display_name if user else "", "")
    return ImportRun(job, user).run()

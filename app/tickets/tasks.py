"""The periodic overdue check: one reminder per ticket, due time and recipient, however often it runs."""

from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import or_, select, update

from app.auth.models import User
from app.extensions import db
from app.jobs.runner import job_handler
from app.tickets.models import Ticket
from app.timeutil import utcnow

MAX_DEPARTMENT_RECIPIENTS = 50


def overdue_recipients(ticket: Ticket) -> list[int]:
    """The assignee; else the members of the department it is assigned to; else whoever raised it."""
    if ticket.assignee_id:
        return [ticket.assignee_id]
    if ticket.department_id:
        query = (
            select(User.id)
            .where(User.department_id == ticket.department_id, User.enabled.is_(True))
            .order_by(User.id)
            .limit(MAX_DEPARTMENT_RECIPIENTS)
        )
        members = list(db.session.scalars(query))
        if members:
            return members
    return [ticket.created_by_id] if ticket.created_by_id else []


def remind_overdue(now=None) -> int:
    """Raise the reminders for tickets past their due time; returns how many were raised."""
    from app.reminders.services import create_reminder

    now = now or utcnow()
    query = select(Ticket).where(
        Ticket.state != "closed",
        Ticket.due_at.is_not(None),
        Ticket.due_at < now,
        or_(Ticket.overdue_reminded_for.is_(None), Ticket.overdue_reminded_for != Ticket.due_at),
    )
    raised = 0
    for ticket in db.session.scalars(query.order_by(Ticket.due_at).limit(1000)).all():
        stamp = ticket.due_at.strftime("%Y%m%d%H%M%S")
        for user_id in overdue_recipients(ticket):
            create_reminder(
                user_id,
                "ticket_overdue",
                _("工单超时:%(number)s", number=ticket.number),
                body=ticket.title,
                link=f"/tickets/{ticket.id}",
                due_at=now,
                source_key=f"ticket_overdue:{ticket.id}:{stamp}:{user_id}",
            )
            raised += 1
        # A plain UPDATE: noting that reminders went out is not a change of the ticket (no 修改时间, no audit).
        db.session.execute(
            update(Ticket)
            .where(Ticket.id == ticket.id)
            .values(overdue_reminded_for=ticket.due_at, updated_at=Ticket.updated_at)
            .execution_options(synchronize_session=False)
        )
    return raised


@job_handler("ticket_overdue", every=timedelta(minutes=5))
def ticket_overdue_job(job):
    return {"reminded": remind_overdue()}

"""The agent's own status and the figures on the home page."""

from sqlalchemy import func, select

from app.auth.models import User
from app.extensions import db, socketio
from app.timeutil import local_day_bounds_utc, local_today


def set_agent_status(user: User, status: str) -> None:
    """The agent's chosen state; the telephony agent states keep the status log and the call-driven states."""
    from app.telephony.agent_state import set_status

    set_status(user, status)


def announce_agent_status(user: User) -> None:
    """After the commit: every tab of the user shows the new state."""
    socketio.emit("agent_status", {"status": user.agent_status}, to=f"user:{user.id}")


def today_figures(user: User) -> dict:
    from app.customers.models import Customer, FollowUp

    start, end = local_day_bounds_utc(local_today())
    mine_total = db.session.scalar(select(func.count(Customer.id)).where(Customer.owner_id == user.id))
    created_today = db.session.scalar(
        select(func.count(Customer.id)).where(
            Customer.created_by_id == user.id, Customer.created_at >= start, Customer.created_at < end
        )
    )
    followups_today = db.session.scalar(
        select(func.count(FollowUp.id)).where(
            FollowUp.created_by_id == user.id, FollowUp.created_at >= start, FollowUp.created_at < end
        )
    )
    due = db.session.execute(
        select(FollowUp)
        .where(FollowUp.created_by_id == user.id, FollowUp.next_remind_at >= start, FollowUp.next_remind_at < end)
        .order_by(FollowUp.next_remind_at)
        .limit(20)
    ).scalars()
    return {
        "my_customers": mine_total or 0,
        "created_today": created_today or 0,
        "followups_today": followups_today or 0,
        "reminders_today": list(due),
    }

"""The agent's own status and the home page: today's figures, calls, memos, to-dos and speed dial.

Parts from other modules (telephony, memos, SMS) are imported lazily: a module that is not installed
yet gives None, which the page shows as an empty state, never as a made-up number."""

from sqlalchemy import case, func, select

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


def _optional(module: str):
    try:
        return __import__(module, fromlist=["_"])
    except ImportError:
        return None


def call_figures(user) -> dict | None:
    """Today's calls of the agent: answered inbound, outbound made, talk time; None without telephony."""
    calls = _optional("app.telephony.calls")
    if calls is None:
        return None
    from app.telephony.models_calls import CallRecord

    start, end = local_day_bounds_utc(local_today())
    today = (calls.user_calls_condition(user), CallRecord.started_at >= start, CallRecord.started_at < end)
    answered = func.sum(case((db.and_(CallRecord.direction == "inbound", CallRecord.status == "answered"), 1), else_=0))
    made = func.sum(case((CallRecord.direction == "outbound", 1), else_=0))
    row = db.session.execute(select(answered, made, func.sum(CallRecord.talk_seconds)).where(*today)).one()
    return {"answered": row[0] or 0, "made": row[1] or 0, "talk_seconds": row[2] or 0}


def today_calls(user) -> list[dict] | None:
    calls = _optional("app.telephony.calls")
    return None if calls is None else calls.today_calls(user, limit=20)


def memos_due(user) -> list | None:
    """The agent's memos of today and tomorrow; None while the memo module is not installed."""
    memos = _optional("app.memos.services")
    return None if memos is None else memos.upcoming(user, days=2)[:10]


def todo_count(user) -> int:
    from app.reminders.services import unread_count

    return unread_count(user)


def speed_dials(user) -> list[dict] | None:
    if not user.has_permission("phone.use"):
        return None
    phonebar = _optional("app.telephony.phonebar")
    return None if phonebar is None else phonebar.speed_dials(user)


def sms_today(user) -> list | None:
    """Today's text messages; None until the SMS module exists."""
    sms = _optional("app.sms.services")
    if sms is None or not hasattr(sms, "today_messages"):
        return None
    return sms.today_messages(user)


def home_page(user) -> dict:
    return {
        "figures": today_figures(user),
        "call_figures": call_figures(user),
        "calls": today_calls(user),
        "memos": memos_due(user),
        "todo_count": todo_count(user),
        "speed_dials": speed_dials(user),
        "sms": sms_today(user),
    }

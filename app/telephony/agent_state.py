"""Agent states: 在线 / 忙碌 / 离开 chosen by the agent, 振铃 / 通话中 / 话后处理 driven by calls.

Every change closes the open status-log row and opens a new one, and sets ``User.agent_status``
to the state the header shows. Functions flush and return the changes to announce; the caller
commits, then calls ``announce``. Wrap-up ends at a stored instant, so after a restart a sweep
(``end_due_wrapups``) puts the agent back instead of leaving them stuck.
"""

from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.auth.models import User
from app.errors import ValidationError
from app.extensions import db
from app.telephony.models_agent import CALL_STATUSES, CHOSEN_STATUSES, AgentPresence, AgentStatusLog
from app.timeutil import utcnow

STATUS_LABELS = {
    "online": _l("在线"),
    "busy": _l("忙碌"),
    "away": _l("离开"),
    "ringing": _l("振铃"),
    "talking": _l("通话中"),
    "wrapup": _l("话后处理"),
}
MAX_WRAPUP_SECONDS = 3600


def presence_of(user_id: int) -> AgentPresence:
    presence = db.session.get(AgentPresence, user_id)
    if presence is None:
        user = db.session.get(User, user_id)
        chosen = user.agent_status if user is not None and user.agent_status in CHOSEN_STATUSES else "online"
        presence = AgentPresence(user_id=user_id, chosen_status=chosen, forward_to_mobile=False)
        db.session.add(presence)
    return presence


def wrapup_seconds_for(presence: AgentPresence) -> int:
    if presence.wrapup_seconds is not None:
        return presence.wrapup_seconds
    return int(current_app.config.get("WRAPUP_SECONDS") or 0)


def _transition(user: User, status: str, now, call_uuid: str = "") -> bool:
    """Close the open log row, open one for `status`; False when the agent is already in it."""
    previous = user.agent_status or "online"
    if previous == status:
        return False
    open_rows = db.session.scalars(
        select(AgentStatusLog).where(AgentStatusLog.user_id == user.id, AgentStatusLog.ended_at.is_(None))
    )
    for row in open_rows:
        row.ended_at = now
        row.seconds = max(0, int((now - row.started_at).total_seconds()))
    db.session.add(
        AgentStatusLog(user_id=user.id, status=status, from_status=previous, started_at=now, call_uuid=call_uuid)
    )
    user.agent_status = status
    user.agent_status_at = now
    return True


def set_status(user: User, status: str, forward_to_mobile: bool | None = None) -> list[tuple[int, str]]:
    """The agent chose a state. During a call it is remembered and applies when the call is over;
    choosing one during wrap-up ends the wrap-up at once."""
    if status not in CHOSEN_STATUSES:
        raise ValidationError({_("坐席状态"): _("未知的坐席状态:%(s)s", s=status)})
    now = utcnow()
    presence = presence_of(user.id)
    presence.chosen_status = status
    if forward_to_mobile is not None:
        if forward_to_mobile and status != "online" and not user.mobile:
            raise ValidationError({_("转手机"): _("请先在用户资料中填写手机号")})
        presence.forward_to_mobile = bool(forward_to_mobile)
    changes = []
    if user.agent_status not in ("ringing", "talking"):
        presence.wrapup_until = None
        if _transition(user, status, now):
            changes.append((user.id, status))
    db.session.flush()
    return changes


def set_wrapup_seconds(user_id: int, seconds: int | None) -> None:
    if seconds is not None and not 0 <= int(seconds) <= MAX_WRAPUP_SECONDS:
        raise ValidationError({_("话后处理时长"): _("必须在 0 到 %(n)d 秒之间", n=MAX_WRAPUP_SECONDS)})
    presence_of(user_id).wrapup_seconds = None if seconds is None else int(seconds)
    db.session.flush()


def apply_call_activity(user_id: int, activity: str, call_uuid: str = "", now=None) -> list[tuple[int, str]]:
    """The live model says what the agent's phone is doing: "ringing", "talking" or "idle".

    Idle after talking starts the wrap-up (when it lasts more than 0 s); idle after ringing only
    (a missed call) goes straight back to the chosen state."""
    now = now or utcnow()
    user = db.session.get(User, user_id)
    if user is None:
        return []
    presence = presence_of(user_id)
    status = activity
    if activity == "idle":
        if user.agent_status == "talking" and (seconds := wrapup_seconds_for(presence)) > 0:
            status = "wrapup"
            presence.wrapup_until = now + timedelta(seconds=seconds)
        elif user.agent_status == "wrapup" and presence.wrapup_until and presence.wrapup_until > now:
            return []
        else:
            status = presence.chosen_status
            presence.wrapup_until = None
    elif activity not in CALL_STATUSES:
        raise ValueError(activity)
    else:
        presence.wrapup_until = None
    changed = _transition(user, status, now, call_uuid)
    db.session.flush()
    return [(user_id, status)] if changed else []


def end_due_wrapups(now=None) -> list[tuple[int, str]]:
    """Agents whose wrap-up time is over go back to their chosen state."""
    now = now or utcnow()
    due = db.session.execute(
        select(User, AgentPresence)
        .join(AgentPresence, AgentPresence.user_id == User.id)
        .where(User.agent_status == "wrapup", AgentPresence.wrapup_until <= now)
    ).all()
    changes = []
    for user, presence in due:
        presence.wrapup_until = None
        if _transition(user, presence.chosen_status, now):
            changes.append((user.id, presence.chosen_status))
    # An agent left in wrapup without an end (e.g. the setting was 0 when it began) is not stuck either.
    stray = db.session.scalars(
        select(User).where(User.agent_status == "wrapup", ~User.id.in_(select(AgentPresence.user_id)))
    )
    for user in stray:
        if _transition(user, "online", now):
            changes.append((user.id, "online"))
    db.session.flush()
    return changes


def settle_idle_agents(busy_user_ids: set[int], now=None) -> list[tuple[int, str]]:
    """After a resync: agents shown ringing or talking without a live channel go back (via wrap-up rules)."""
    now = now or utcnow()
    stuck = db.session.scalars(select(User.id).where(User.agent_status.in_(("ringing", "talking"))))
    changes = []
    for user_id in stuck:
        if user_id not in busy_user_ids:
            changes.extend(apply_call_activity(user_id, "idle", now=now))
    return changes


def forward_to_mobile_number(user: User) -> str:
    """The mobile calls for this agent go to while busy or away with forwarding on; "" otherwise."""
    presence = db.session.get(AgentPresence, user.id)
    if presence is None or not presence.forward_to_mobile or presence.chosen_status == "online":
        return ""
    return user.mobile or ""


def announce(changes) -> None:
    """After the commit: every tab of each agent shows the new state."""
    from app.sockets import emit_to_user

    for user_id, status in changes:
        emit_to_user(user_id, "agent_status", {"status": status})

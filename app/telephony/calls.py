"""Call records as the business sees them: who called whom, answered or missed, how long, which
customer and agent — derived from the legs — plus the missed-call reminders and the small lookups
the phone bar and the screen-pop use."""

from datetime import datetime

from flask import has_request_context, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, or_, select, update

from app.auth.models import User
from app.customers.models import Customer
from app.customers.phones import find_customers_by_phone, phone_location, try_normalize
from app.extensions import db
from app.masking import mask_number
from app.permissions import scope_condition
from app.telephony.models_calls import CallLeg, CallRecord, calls_of_customer  # noqa: F401  (re-exported)
from app.timeutil import format_local, local_day_bounds_utc, local_today

DIRECTION_LABELS = {"inbound": _l("呼入"), "outbound": _l("呼出"), "internal": _l("内部")}
STATUS_LABELS = {
    "answered": _l("已接通"),
    "missed": _l("未接"),
    "abandoned": _l("放弃"),
    "no_answer": _l("无人接听"),
    "busy": _l("占线"),
    "failed": _l("失败"),
    "blocked": _l("黑名单拦截"),
}
HANGUP_LABELS = {"caller": _l("主叫挂机"), "callee": _l("被叫挂机"), "system": _l("系统挂断")}
_BUSY = ("USER_BUSY",)
_NO_ANSWER = ("NO_ANSWER", "NO_USER_RESPONSE", "ORIGINATOR_CANCEL", "ALLOTTED_TIMEOUT", "NORMAL_CLEARING")
_NEVER = datetime.max


def _seconds(start, end) -> int:
    if start is None or end is None or end < start:
        return 0
    return int(round((end - start).total_seconds()))


def _outside(leg: CallLeg) -> bool:
    return bool(leg.gateway) or leg.user_id is None


def _assign_agents(legs: list[CallLeg]) -> None:
    """A leg is an agent's when it reaches a phone registered with that agent's extension (not a trunk)."""
    numbers = {leg.number for leg in legs if leg.number and not leg.gateway}
    by_extension = {}
    if numbers:
        query = select(User.extension, User.id).where(User.extension.in_(numbers), User.extension != "")
        by_extension = dict(db.session.execute(query).all())
    for leg in legs:
        leg.user_id = None if leg.gateway else by_extension.get(leg.number)


def _status_from_cause(cause: str) -> str:
    if cause in _BUSY:
        return "busy"
    if cause in _NO_ANSWER:
        return "no_answer"
    return "failed"


def summarize(call: CallRecord) -> None:
    """Recompute every field of `call` from its legs, whatever order they arrived in. Flushes."""
    legs = list(call.legs)
    _assign_agents(legs)
    parties = [leg for leg in legs if not leg.monitor] or legs
    origin = min(parties, key=lambda leg: (leg.started_at or _NEVER, bool(leg.originator_uuid), leg.id or 0))
    others = sorted((leg for leg in parties if leg is not origin), key=lambda leg: (leg.started_at or _NEVER, leg.id))
    outside = [leg for leg in others if _outside(leg)]
    agent_legs = [leg for leg in others if leg.user_id]

    if _outside(origin):
        direction, far = "inbound", origin
    elif outside:
        direction, far = "outbound", outside[0]
    else:
        direction, far = "internal", None

    meant_for = None  # the agent of a call no agent's phone took (forwarded to the mobile, or refused as busy)
    if direction == "inbound":
        answered = sorted((leg for leg in agent_legs if leg.answered_at), key=lambda leg: leg.answered_at)
        agent_leg = answered[0] if answered else (agent_legs[0] if agent_legs else None)
        answer_leg = answered[0] if answered else None
        mobile = None
        if answer_leg is None:
            mobile = min((leg for leg in outside if leg.answered_at), key=lambda leg: leg.answered_at, default=None)
        refused_as_busy = not agent_legs and (origin.details or {}).get("zuoxi_refused") == "agent_unavailable"
        ring_leg = agent_leg
        if mobile is not None:  # 转手机: the agent took the call on the mobile the dialplan bridged to
            answer_leg, ring_leg = mobile, None
            meant_for = agent_leg.user_id if agent_leg else _target_agent_id(origin)
        elif refused_as_busy:  # the agent had chosen busy or away: the caller heard a busy line
            meant_for = _target_agent_id(origin)
        elif answer_leg is None and not agent_legs and origin.answered_at:
            answer_leg = origin  # handled by the IVR, no agent involved
        callee = origin.destination
        status = "answered" if answer_leg else ("missed" if agent_legs else "abandoned")
        if refused_as_busy and answer_leg is None:
            status = "busy"
    else:
        agent_leg = origin if origin.user_id else None
        target = far or (others[0] if others else None)
        answer_leg = target if target is not None and target.answered_at else None
        ring_leg = target
        callee = target.number if target is not None else origin.destination
        cause = (target or origin).hangup_cause
        status = "answered" if answer_leg else _status_from_cause(cause)

    call.uuid = origin.uuid
    call.node = (origin.details or {}).get("switchname", "")
    call.direction = direction
    call.caller_number = origin.number
    call.callee_number = callee or ""
    call.started_at = origin.started_at
    call.ended_at = max((leg.ended_at for leg in parties if leg.ended_at), default=None)
    call.answered_at = answer_leg.answered_at if answer_leg else None
    if ring_leg is not None:
        call.ring_seconds = _seconds(ring_leg.started_at, ring_leg.answered_at or ring_leg.ended_at)
    else:
        call.ring_seconds = _seconds(origin.started_at, origin.answered_at or origin.ended_at)
    call.talk_seconds = _seconds(call.answered_at, call.ended_at) if call.answered_at else 0
    call.agent_id = agent_leg.user_id if agent_leg else meant_for
    call.agent_extension = agent_leg.number if agent_leg else ""
    call.hangup_cause = origin.hangup_cause
    call.hangup_by = _hangup_side(origin, others)
    call.trunk = next((leg.gateway for leg in [origin, *others] if leg.gateway), "")
    ordered = [origin, *others, *(leg for leg in legs if leg.monitor)]
    call.group_name = _first_detail(ordered, "_group")
    call.dtmf = _first_detail(ordered, "_dtmf")
    call.recording_path = _first_detail(ordered, "_recording")[:500] or call.recording_path
    call.has_recording = bool(call.recording_path)
    call.blacklisted = any((leg.details or {}).get("_blacklisted") for leg in legs)
    if call.blacklisted:
        call.status = "blocked"
    else:
        call.status = status
    _set_far_party(call, far)
    db.session.flush()


def _target_agent_id(origin: CallLeg) -> int | None:
    """The agent the dialplan meant the call for (zuoxi_target_user_id), when that user still exists."""
    raw = str((origin.details or {}).get("zuoxi_target_user_id") or "")
    if not raw.isdigit():
        return None
    return db.session.scalar(select(User.id).where(User.id == int(raw)))


def _first_detail(legs, key: str) -> str:
    return next((str(leg.details[key]) for leg in legs if (leg.details or {}).get(key)), "")


def _hangup_side(origin: CallLeg, others: list[CallLeg]) -> str:
    """recv_bye / recv_cancel on a leg means the phone at the other end of that leg hung up."""
    if origin.hangup_disposition.startswith("recv_"):
        return "caller"
    if any(leg.hangup_disposition.startswith("recv_") for leg in others):
        return "callee"
    return "system" if origin.hangup_disposition else ""


def _set_far_party(call: CallRecord, far: CallLeg | None) -> None:
    call.far_number = far.number if far is not None else ""
    found = try_normalize(call.far_number) if call.far_number else None
    call.far_normalized = found.normalized if found else ""
    call.location = phone_location(found.normalized)[:80] if found else ""
    customers = find_customers_by_phone(call.far_number, None, limit=1) if found else []
    call.customer_id = customers[0].id if customers else None
    if customers and call.started_at is not None:
        # A plain UPDATE: noting the contact is not an edit of the customer (no audit entry, no updated_at).
        db.session.execute(
            update(Customer)
            .where(
                Customer.id == customers[0].id,
                or_(Customer.last_contact_at.is_(None), Customer.last_contact_at < call.started_at),
            )
            .values(last_contact_at=call.started_at, updated_at=Customer.updated_at)
            .execution_options(synchronize_session=False)
        )


def raise_missed_call_reminders(call: CallRecord) -> None:
    """漏接提醒: one reminder per agent leg that rang for an inbound call nobody answered.

    Legs arrive one by one, so a call can look missed until the leg that answered it (a colleague in
    the group, the agent's mobile) arrives: its unread missed-call reminders are then withdrawn."""
    from app.reminders.models import Reminder
    from app.reminders.services import create_reminder

    if call.direction != "inbound" or call.status != "missed":
        keys = [f"missed_call:{leg.uuid}" for leg in call.legs if leg.user_id]
        if keys:
            db.session.execute(
                delete(Reminder).where(
                    Reminder.kind == "missed_call", Reminder.source_key.in_(keys), Reminder.read_at.is_(None)
                )
            )
        return
    customer = db.session.get(Customer, call.customer_id) if call.customer_id else None
    for leg in call.legs:
        if not leg.user_id or leg.answered_at or leg.monitor or leg.uuid == call.uuid:
            continue
        agent = db.session.get(User, leg.user_id)
        number = mask_number(call.far_number) if agent and agent.hides_numbers else call.far_number
        body = _("%(time)s 来电未接", time=format_local(call.started_at, "%m-%d %H:%M"))
        if customer is not None:
            body = f"{customer.name} · {body}"
        create_reminder(
            leg.user_id,
            "missed_call",
            _("漏接来电 %(number)s", number=number or _("未知号码")),
            body,
            _call_link(call),
            call.ended_at,
            f"missed_call:{leg.uuid}",
        )


def _call_link(call: CallRecord) -> str:
    if has_request_context():
        return url_for("telephony.call_detail", call_id=call.id)
    return f"/phone/calls/{call.id}"


# -- for the phone bar and the screen-pop ---------------------------------------------------------


def user_calls_condition(user):
    """Calls the agent took part in: the record's agent, or any leg that rang their phone."""
    legs = select(CallLeg.call_id).where(CallLeg.user_id == user.id)
    return or_(CallRecord.agent_id == user.id, CallRecord.id.in_(legs))


def today_calls(user, limit: int = 50) -> list[dict]:
    """Today's calls of this agent, newest first, with the number to call back (masked when the role hides
    numbers: the phone bar then dials by call id)."""
    start, end = local_day_bounds_utc(local_today())
    query = (
        select(CallRecord)
        .where(user_calls_condition(user), CallRecord.started_at >= start, CallRecord.started_at < end)
        .order_by(CallRecord.started_at.desc(), CallRecord.id.desc())
        .limit(limit)
    )
    rows = []
    for call in db.session.scalars(query):
        number = callback_number(call, user)
        rows.append(
            {
                "id": call.id,
                "time": format_local(call.started_at, "%H:%M"),
                "direction": call.direction,
                "direction_label": str(DIRECTION_LABELS.get(call.direction, call.direction)),
                "status": call.status,
                "status_label": str(STATUS_LABELS.get(call.status, call.status)),
                "number": mask_number(number) if user.hides_numbers else number,
                "customer": call.customer.name if call.customer else "",
                "customer_id": call.customer_id,
                "talk_seconds": call.talk_seconds,
            }
        )
    return rows


def callback_number(call: CallRecord, user) -> str:
    """The number to dial to reach the other party again (never masked: for the dialler, not for display)."""
    if call.far_number:
        return call.far_number
    mine = {user.extension} if user.extension else set()
    for number in (call.callee_number, call.caller_number):
        if number and number not in mine:
            return number
    return ""


def last_dialled_number(user) -> str:
    """The number this agent dialled last (redial): their latest outbound or internal call they placed."""
    query = (
        select(CallRecord)
        .where(CallRecord.agent_id == user.id, CallRecord.direction.in_(("outbound", "internal")))
        .order_by(CallRecord.started_at.desc(), CallRecord.id.desc())
        .limit(1)
    )
    if user.extension:
        query = query.where(CallRecord.caller_number == user.extension)
    call = db.session.scalar(query)
    return call.callee_number if call is not None else ""


def visible_calls_condition(user):
    """The data scope of the call list: own calls unless the role sees more (calls.query_all)."""
    return scope_condition(user, CallRecord.agent_id, None, module="calls")


def visible_call(call_id: int, user) -> CallRecord | None:
    query = select(CallRecord).where(CallRecord.id == call_id)
    condition = visible_calls_condition(user)
    if condition is not None:
        query = query.where(condition)
    return db.session.scalar(query)


# -- the detail page ----------------------------------------------------------------------------


def _leg_party(leg: CallLeg) -> str:
    if leg.user is not None:
        return leg.user.display_name
    return _("线路 %(name)s", name=leg.gateway) if leg.gateway else ""


def detail_context(call: CallRecord, user) -> dict:
    """What the detail page shows: the call, its legs and the follow-ups written about it, numbers masked
    for roles that hide them (only the customer's side: extensions stay readable)."""
    from datetime import timedelta

    from app.customers.access import can_view
    from app.customers.models import FollowUp

    def shown(number: str, outside: bool = True) -> str:
        return mask_number(number) if user.hides_numbers and outside and number else (number or "")

    customer = call.customer if call.customer is not None and can_view(call.customer, user) else None
    legs = [
        {
            "leg": leg,
            "party": _leg_party(leg),
            "number": shown(leg.number, _outside(leg)),
            "role": _("监听") if leg.monitor else (_("坐席") if leg.user_id else _("外部")),
        }
        for leg in call.legs
    ]
    followups = []
    if customer is not None and call.started_at is not None:
        until = (call.ended_at or call.started_at) + timedelta(minutes=30)
        query = (
            select(FollowUp)
            .where(FollowUp.customer_id == customer.id, FollowUp.created_at.between(call.started_at, until))
            .order_by(FollowUp.created_at)
        )
        # A follow-up saved from the screen-pop names its call; one that names another call of the same
        # customer in the same half hour is not this call's.
        leg_uuids = {leg.uuid for leg in call.legs}
        followups = [
            f
            for f in db.session.scalars(query)
            if not (f.extra or {}).get("call_uuid") or f.extra["call_uuid"] in leg_uuids
        ]
    return {
        "call": call,
        "customer": customer,
        "legs": legs,
        "followups": followups,
        "caller": shown(call.caller_number, call.caller_number == call.far_number),
        "callee": shown(call.callee_number, call.callee_number == call.far_number),
        "direction_label": DIRECTION_LABELS.get(call.direction, call.direction),
        "status_label": STATUS_LABELS.get(call.status, call.status),
        "hangup_label": HANGUP_LABELS.get(call.hangup_by, call.hangup_by),
        "can_listen": call.has_recording and user.has_permission("calls.listen"),
        "can_download": call.has_recording and user.has_permission("calls.download"),
    }

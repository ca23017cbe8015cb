"""Screen-pop (来电弹屏): who is on the line, for the agent whose phone rings or who places a call.

The live model asks for a pop when an agent leg rings (or the agent dials); ``build_pop`` looks the
number up in the phone index within what that agent may see, and ``emit_pop`` sends it after the
commit to the agent's room only. The browser gets numbers masked as the agent's role requires and a
signed token standing for the real number, which quick-add and the follow-up form send back.
"""

import time

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.auth.models import User
from app.customers.models import Customer, FollowUp
from app.customers.phones import display_number, find_customers_by_phone, phone_location, try_normalize
from app.errors import ValidationError
from app.extensions import db
from app.masking import mask_number
from app.timeutil import format_local, utcnow

RECENT_FOLLOWUPS = 5
RECENT_CALLS = 5
MAX_CARDS = 5
TOKEN_MAX_AGE = 12 * 3600


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="zuoxi-screen-pop")


def pop_token(user_id: int, number: str, call_uuid: str) -> str:
    return _serializer().dumps({"u": user_id, "n": number, "c": call_uuid})


def read_token(token: str, user) -> dict:
    """The number and call a pop token stands for; only the agent it was made for may use it."""
    try:
        data = _serializer().loads(str(token or ""), max_age=TOKEN_MAX_AGE)
    except BadSignature:
        raise ValidationError({_("来电"): _("弹屏信息已失效,请重新打开")}) from None
    if data.get("u") != user.id:
        raise ValidationError({_("来电"): _("这不是您的来电")})
    return data


_POP_FIELDS: dict = {"at": 0.0, "fields": []}
POP_FIELDS_TTL = 15.0


def forget_pop_fields(*_args) -> None:
    """A field changed in this process: read the configuration again at the next ring."""
    _POP_FIELDS["at"] = 0.0


def _watch_field_changes() -> None:
    from sqlalchemy import event

    from app.fields.models import CustomField

    for name in ("after_insert", "after_update", "after_delete"):
        if not event.contains(CustomField, name, forget_pop_fields):
            event.listen(CustomField, name, forget_pop_fields)


_watch_field_changes()


def pop_fields() -> list[tuple[str, str, str]]:
    """(key, label, type) of the custom fields the field configuration shows in the pop.

    Read at most every few seconds: a burst of calls must not query the field configuration per ring."""
    from app.fields.services import custom_fields

    now = time.monotonic()
    if now - _POP_FIELDS["at"] > POP_FIELDS_TTL:
        _POP_FIELDS["fields"] = [(f.key, f.label, f.field_type) for f in custom_fields("customer", where="pop")]
        _POP_FIELDS["at"] = now
    return _POP_FIELDS["fields"]


def _calls_of(customer_id: int) -> list[dict]:
    try:
        from app.telephony.models_calls import calls_of_customer
    except ImportError:
        return []
    return [_call_item(call) for call in calls_of_customer(customer_id, RECENT_CALLS)]


def _call_item(call) -> dict:
    started = getattr(call, "started_at", None) or getattr(call, "start_at", None)
    return {
        "at": format_local(started, "%Y-%m-%d %H:%M") if started else "",
        "direction": str(getattr(call, "direction", "") or ""),
        "talk_seconds": int(getattr(call, "talk_seconds", 0) or 0),
        "agent": str(getattr(getattr(call, "agent", None), "display_name", "") or ""),
    }


def _followups_of(customer_id: int) -> list[dict]:
    rows = db.session.execute(
        select(FollowUp.created_at, FollowUp.content, FollowUp.next_remind_at, User.display_name)
        .outerjoin(User, User.id == FollowUp.created_by_id)
        .where(FollowUp.customer_id == customer_id)
        .order_by(FollowUp.created_at.desc(), FollowUp.id.desc())
        .limit(RECENT_FOLLOWUPS)
    )
    return [
        {"at": format_local(at), "content": content, "by": by or "", "remind_at": format_local(remind)}
        for at, content, remind, by in rows
    ]


def customer_card(customer, user, details: bool) -> dict:
    from app.fields.services import display_value

    extra = customer.extra or {}
    card = {
        "id": customer.id,
        "name": customer.name,
        "company": customer.company,
        "link": f"/customers/{customer.id}",
        "numbers": [display_number(phone, user) for phone in customer.phones],
        "owner": customer.owner.display_name if customer.owner_id and customer.owner else "",
        "fields": [
            {"label": label, "value": display_value(field_type, extra.get(key))}
            for key, label, field_type in pop_fields()
            if extra.get(key) not in (None, "", [])
        ],
    }
    if details:
        card.update(customer_history(customer.id))
    return card


def customer_history(customer_id: int) -> dict:
    """Recent follow-ups and calls: fetched by the pop right after it shows, so the ring itself costs
    only the number lookup."""
    return {"followups": _followups_of(customer_id), "calls": _calls_of(customer_id)}


def build_pop(user_id: int, pop: dict) -> dict | None:
    """The payload for the agent's tabs; `pop` comes from the live model (number, direction, uuids)."""
    user = db.session.scalar(select(User).options(joinedload(User.role)).where(User.id == user_id))
    if user is None or not user.enabled:
        return None
    number = pop.get("number") or ""
    shown = mask_number(number) if user.hides_numbers else number
    payload = {
        "uuid": pop.get("uuid", ""),
        "call_uuid": pop.get("call_uuid", ""),
        "direction": pop.get("direction", "inbound"),
        "number": shown,
        "location": "",
        "internal": None,
        "customers": [],
        "known": False,
        "token": pop_token(user.id, number, pop.get("call_uuid", "")),
        "can_add_customer": user.has_permission("customer.add"),
        "can_add_followup": user.has_permission("followup.add"),
        "at": format_local(utcnow(), "%H:%M:%S"),
    }
    colleague_id = pop.get("internal_user_id")
    if colleague_id:
        colleague = db.session.get(User, colleague_id)
        payload["internal"] = {"name": colleague.display_name if colleague else "", "extension": number}
        return payload
    normalized = try_normalize(number)
    if normalized is not None:
        payload["location"] = phone_location(normalized.normalized)
    if user.has_permission("customer.view"):
        found = find_customers_by_phone(
            number, user, limit=MAX_CARDS, options=(selectinload(Customer.phones), joinedload(Customer.owner))
        )
        payload["customers"] = [customer_card(c, user, details=False) for c in found]
        payload["known"] = bool(found)
    return payload


def emit_pop(user_id: int, payload: dict) -> None:
    from app.sockets import emit_to_user

    emit_to_user(user_id, "screen_pop", payload)


def quick_add(token: str, name: str, user):
    """One step: a customer owned by the agent with the caller's number (the number comes from the token)."""
    from app.customers.services import create_customer

    data = read_token(token, user)
    name = (name or "").strip() or _("来电客户 %(n)s", n=data["n"][-4:])
    customer = create_customer({"name": name, "phones": [{"number": data["n"]}]}, user)
    customer.last_contact_at = utcnow()
    db.session.flush()
    return customer


def add_pop_followup(customer_id: int, form: dict, user) -> FollowUp:
    """A follow-up saved from the pop during the call, linked to the call of the token."""
    from app.customers.followups import add_followup
    from app.customers.models import Customer
    from app.customers.services import AccessDenied

    data = read_token(form.get("token"), user)
    customer = db.session.get(Customer, int(customer_id))
    if customer is None:
        raise AccessDenied(_("客户不存在"))
    followup = add_followup(customer, form, user)
    if data.get("c"):
        followup.extra = {**(followup.extra or {}), "call_uuid": data["c"]}
        db.session.flush()
    return followup

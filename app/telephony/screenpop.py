"""Screen-pop (来电弹屏): who is on the line, for the agent whose phone rings or who places a call.

The live model asks for a pop when an agent leg rings (or the agent dials); ``build_pop`` looks the
number up in the phone index within what that agent may see, and ``emit_pop`` sends it after the
commit to the agent's room only. The browser gets numbers masked as the agent's role requires and a
signed token standing for the real number, which quick-add and the follow-up form send back.
"""

from functools import lru_cache

from flask import current_app, url_for
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import aliased

from app.auth.models import User
from app.customers.models import Customer, FollowUp
from app.customers.phones import having_number, phone_location, shown_phone, try_normalize
from app.errors import ValidationError
from app.extensions import db
from app.masking import mask_number
from app.timeutil import format_local, utcnow

RECENT_FOLLOWUPS = 5
RECENT_CALLS = 5
RECENT_ORDERS = 5
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


def pop_fields() -> list[tuple[str, str, str]]:
    """(key, label, type) of the custom fields the field configuration shows in the pop, from the
    agent directory's snapshot: a burst of calls must not query the field configuration per ring."""
    from app.telephony.directory import get_directory

    return get_directory().current().pop_fields


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
    """The card of a customer object (quick-add); `details` adds the recent history."""
    phones = [(phone.number, phone.extension) for phone in customer.phones]
    owner = customer.owner.display_name if customer.owner_id and customer.owner else ""
    card = _card(customer.id, customer.name, customer.company, customer.extra, owner, phones, user, pop_fields())
    if details:
        card.update(customer_history(customer.id, user))
    return card


def _card(customer_id, name, company, extra, owner, phones, user, fields) -> dict:
    from app.fields.services import display_value

    extra = extra or {}
    return {
        "id": customer_id,
        "name": name,
        "company": company,
        "link": f"/customers/{customer_id}",
        "numbers": [shown_phone(number, extension, user) for number, extension in phones],
        "owner": owner or "",
        "fields": [
            {"label": label, "value": display_value(field_type, extra.get(key))}
            for key, label, field_type in fields
            if extra.get(key) not in (None, "", [])
        ],
    }


def _orders_of(customer_id: int, user) -> list[dict]:
    from app.orders.grids import STATUS_LABELS as ORDER_STATUS_LABELS
    from app.orders.services import orders_of_customer

    return [
        {
            "at": order.order_date.isoformat() if order.order_date else "",
            "number": order.number,
            "total": str(order.total),
            "status": str(ORDER_STATUS_LABELS.get(order.status, order.status)),
            "link": url_for("orders.detail", order_id=order.id),
        }
        for order in orders_of_customer(customer_id, user, RECENT_ORDERS)
    ]


def customer_history(customer_id: int, user) -> dict:
    """Recent follow-ups, calls and (for those who may see orders) the orders the user may see: fetched by
    the pop right after it shows, so the ring itself costs only the number lookup."""
    history = {"followups": _followups_of(customer_id), "calls": _calls_of(customer_id)}
    if user.has_permission("order.view"):
        history["orders"] = _orders_of(customer_id, user)
    return history


def build_pop(agent, pop: dict, snapshot, connection=None) -> dict:
    """The payload for the agent's tabs. `agent` and `snapshot` come from the agent directory, `pop`
    from the live model (number, direction, uuids): the only query is the customer lookup, on
    `connection` (the pop worker's own) or the session."""
    number = pop.get("number") or ""
    payload = {
        "uuid": pop.get("uuid", ""),
        "call_uuid": pop.get("call_uuid", ""),
        "direction": pop.get("direction", "inbound"),
        "number": mask_number(number) if agent.hides_numbers else number,
        "location": "",
        "internal": None,
        "customers": [],
        "known": False,
        "token": pop_token(agent.id, number, pop.get("call_uuid", "")),
        "can_add_customer": agent.has_permission("customer.add"),
        "can_add_followup": agent.has_permission("followup.add"),
        "at": format_local(utcnow(), "%H:%M:%S"),
    }
    colleague_id = pop.get("internal_user_id")
    if colleague_id:
        colleague = snapshot.agents.get(colleague_id)
        payload["internal"] = {"name": colleague.display_name if colleague else "", "extension": number}
        return payload
    normalized = try_normalize(number)
    if normalized is None:
        return payload
    payload["location"] = phone_location(normalized.normalized)
    if agent.has_permission("customer.view"):
        payload["customers"] = _cards_for_number(agent, normalized.normalized, snapshot, connection or db.session)
        payload["known"] = bool(payload["customers"])
    return payload


def card_query_of(agent, snapshot):
    """The agent's customer query, built once per agent and snapshot: a statement reused keeps its
    SQL cache key, which is a good part of what building and running it costs."""
    query = snapshot.card_queries.get(agent.id)
    if query is None:
        query = _card_query(agent)
        query._generate_cache_key()  # memoized on the statement: paid here, not at the ring
        snapshot.card_queries[agent.id] = query
    return query


def _cards_for_number(agent, normalized: str, snapshot, connection) -> list[dict]:
    """The cards of the customers having this number that the agent may see, latest contact first,
    with all their numbers, in one query."""
    query = card_query_of(agent, snapshot)
    cards: dict[int, tuple] = {}
    for customer_id, name, company, extra, owner, number, extension in connection.execute(
        query, {"normalized": normalized}
    ):
        found = cards.get(customer_id)
        if found is None:
            found = cards[customer_id] = (name, company, extra, owner, [])
        found[4].append((number, extension))
    return [
        _card(customer_id, name, company, extra, owner, phones, agent, snapshot.pop_fields)
        for customer_id, (name, company, extra, owner, phones) in cards.items()
    ]


def warm_up(connection) -> None:
    """Run a pop's customer query once on a new connection (for a number no one has): its SQL is
    compiled and the database has read the tables' definitions before the first ring, not during it."""
    from app.telephony.directory import Agent

    everyone = Agent(
        id=0,
        display_name="",
        extension="",
        is_superuser=True,
        department_id=None,
        permissions=frozenset(),
        role_scope="all",
        role_hides_numbers=False,
        categories=(),
    )
    connection.execute(_card_query(everyone), {"normalized": ""}).all()
    connection.rollback()


@lru_cache(maxsize=1)
def _owner_alias():
    """Made once: an alias is costly to build (it copies the user table's columns)."""
    return aliased(User, name="owner")


def _card_query(agent):
    from app.customers.access import customer_scope
    from app.customers.models import CustomerPhone

    owner = _owner_alias()
    newest_first = (Customer.last_contact_at.desc(), Customer.id.desc())
    chosen = (
        select(Customer.id)
        .where(having_number(db.engine.dialect.name), *customer_scope(agent))
        .order_by(*newest_first)
        .limit(MAX_CARDS)
    )
    return (
        select(
            Customer.id,
            Customer.name,
            Customer.company,
            Customer.extra,
            owner.display_name,
            CustomerPhone.number,
            CustomerPhone.extension,
        )
        .join(CustomerPhone, CustomerPhone.customer_id == Customer.id)
        .outerjoin(owner, owner.id == Customer.owner_id)
        .where(Customer.id.in_(chosen))
        .order_by(*newest_first, CustomerPhone.position, CustomerPhone.id)
    )


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

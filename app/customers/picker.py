"""Finding a customer to pick in a form (order, memo, ticket) by name, company or phone, as the user types.

Only customers the user may see are offered, numbers come masked for roles that hide them, and a user
who may not see numbers finds a customer by phone only with the whole number (part of a number would
let them guess the hidden digits one search at a time).
"""

import re

from flask_babel import gettext as _
from sqlalchemy import case, or_, select
from sqlalchemy.orm import selectinload

from app.customers.access import can_view, customer_scope
from app.customers.models import Customer, CustomerPhone
from app.customers.phones import display_number, try_normalize
from app.errors import ValidationError
from app.extensions import db
from app.grid.filters import LIKE_ESCAPE, like_pattern

PICK_LIMIT = 20
QUERY_MAX = 50
_PHONE_LIKE = re.compile(r"^[\d\s\-()+.]+$")
_NON_DIGIT = re.compile(r"\D")
PARTIAL_DIGITS_MIN = 4  # fewer digits than this match too many numbers to be worth a scan
CANDIDATES = 200  # matching rows ranked for one answer
WHOLE_NUMBER_DIGITS = 10


def _query_text(raw) -> str:
    text = " ".join(str(raw or "").split())
    label = _("搜索")
    if not text:
        raise ValidationError({label: _("请输入客户名称、公司或电话")})
    if len(text) > QUERY_MAX:
        raise ValidationError({label: _("搜索内容不能超过 %(n)s 个字符", n=QUERY_MAX)})
    return text


def _phone_candidates(text: str, user):
    """Ids of customers having this number in any written form or, for users who see numbers, a part of one;
    None when there is nothing to look for."""
    conditions = []
    found = try_normalize(text)
    if found is not None:
        conditions.append(CustomerPhone.normalized == found.normalized)
    digits = _NON_DIGIT.sub("", text)
    # A whole mobile, landline with area code or foreign number is found by the index alone.
    if not user.hides_numbers and (found is None or len(digits) < WHOLE_NUMBER_DIGITS):
        conditions.append(CustomerPhone.normalized.like(like_pattern(digits), escape=LIKE_ESCAPE))
    if not conditions:
        return None
    return select(CustomerPhone.customer_id).where(or_(*conditions)).limit(CANDIDATES)


def search_customers(raw, user, limit: int = PICK_LIMIT) -> dict:
    """{"customers": [{id, name, company, phone, owner}], "more": bool}; exact and leading name matches first.

    Name and company have no index a substring search could use, so matching rows are collected only up to
    CANDIDATES and ranked among those: a common word ("王") stops the scan early instead of ranking every
    customer with that surname. Something that looks like a number is looked up by the phones only."""
    text = _query_text(raw)
    scope = customer_scope(user)
    if _PHONE_LIKE.match(text) and len(_NON_DIGIT.sub("", text)) >= PARTIAL_DIGITS_MIN:
        candidates = _phone_candidates(text, user)
        if candidates is None:  # part of a number, for a user who may not see numbers
            return {"customers": [], "more": False}
    else:
        pattern = like_pattern(text)
        # Text without letter case (Chinese) needs no ILIKE, which is several times slower on a full scan.
        contains = "like" if text.lower() == text.upper() else "ilike"
        named = or_(
            getattr(Customer.name, contains)(pattern, escape=LIKE_ESCAPE),
            getattr(Customer.company, contains)(pattern, escape=LIKE_ESCAPE),
        )
        candidates = select(Customer.id).where(named, *scope).limit(CANDIDATES)
    rank = case(
        (Customer.name == text, 0),
        (Customer.name.like(like_pattern(text, prefix=""), escape=LIKE_ESCAPE), 1),
        else_=2,
    )
    query = (
        select(Customer)
        .where(Customer.id.in_(candidates), *scope)
        .options(selectinload(Customer.phones), selectinload(Customer.owner))
        .order_by(rank, Customer.last_contact_at.desc().nulls_last(), Customer.id.desc())
        .limit(limit + 1)
    )
    found = list(db.session.scalars(query))
    return {"customers": [picker_entry(c, user) for c in found[:limit]], "more": len(found) > limit}


def picker_entry(customer: Customer, user) -> dict:
    """What the picker shows of one customer: name, company, first number (masked as the role requires), owner."""
    own = [p for p in customer.phones if p.contact_id is None] or list(customer.phones)
    first = min(own, key=lambda p: (p.position, p.id)) if own else None
    return {
        "id": customer.id,
        "name": customer.name,
        "company": customer.company or "",
        "phone": display_number(first, user) if first is not None else "",
        "owner": customer.owner.display_name if customer.owner else "",
    }


def picked_customer(raw_id, user, kept: Customer | None = None) -> Customer | None:
    """The customer a form's picker starts with: the record's own (`kept`), or the given id when the user
    may see that customer. A forged or hidden id shows an empty picker; saving still checks the id."""
    text = str(raw_id or "").strip()
    if not text.isdigit():
        return None
    if kept is not None and kept.id == int(text):
        return kept
    customer = db.session.get(Customer, int(text))
    return customer if can_view(customer, user) else None

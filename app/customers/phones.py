"""Phone numbers: one normalized key for every way a number is written or dialled, its location (归属地),
and the indexed lookup screen-pop relies on.

The hot path is plain string work (no phonenumbers parsing) because a lookup, including its query,
must stay under a millisecond. phonenumbers is used for foreign numbers and for the location text.

Canonical keys: mainland numbers as the national significant number without the trunk 0
(13812345678, 1087654321, 75512345678), service and short numbers as dialled (4008123123, 95588,
110), foreign numbers as "+<country code><national number>".
"""

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l

from app.errors import ValidationError

KINDS = {
    "mobile": _l("手机"),
    "landline": _l("固话"),
    "service": _l("服务号码"),
    "short": _l("短号"),
    "foreign": _l("国际号码"),
}


class NormalizedPhone(NamedTuple):
    normalized: str
    extension: str
    kind: str


# Extension written with a word or sign: 转8001, 分机8001, ext 8001, ext.8001, x8001, #8001.
_EXTENSION_WORD = re.compile(r"\s*(?:转|分机|ext\.?|extension|x|#)\s*(\d{1,8})\s*$", re.IGNORECASE)
_ALLOWED = re.compile(r"^[\d\s\-()./+]*$")
_NON_DIGIT = re.compile(r"\D")
_SEPARATED_TAIL = re.compile(r"^(.*\d)\s*-\s*(\d{1,6})$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
# Carrier "IP dialling" prefixes some PBXs put before long-distance numbers.
_IP_PREFIXES = ("17951", "17911", "12593", "17909", "17969")
_SPACED_86 = re.compile(r"^86[\s\-.]")
_FIELD = _l("电话号码")


def _invalid(message) -> ValidationError:
    return ValidationError({str(_FIELD): str(message)})


def _landline_nsn(digits: str) -> bool:
    """Area code (10, 2x, or three digits from 3-9) followed by a 7- or 8-digit subscriber number."""
    if digits[:1] == "1" or digits[:1] == "2":
        if digits[:1] == "1" and digits[:2] != "10":
            return False
        return len(digits) == 10 and digits[2] not in "01"
    if digits[:1] in "3456789":
        return len(digits) in (10, 11) and digits[3] not in "01"
    return False


def _local_subscriber(digits: str) -> bool:
    return len(digits) in (7, 8) and digits[0] in "23456789"


def _national(digits: str, local_area_code: str) -> NormalizedPhone | None:
    """Classify a mainland number given without country code (with or without trunk 0)."""
    if _MOBILE.match(digits):
        return NormalizedPhone(digits, "", "mobile")
    if digits[:1] == "0":
        rest = digits[1:]
        if _MOBILE.match(rest):
            return NormalizedPhone(rest, "", "mobile")
        if _landline_nsn(rest):
            return NormalizedPhone(rest, "", "landline")
        return None
    if digits[:3] in ("400", "800") and len(digits) == 10:
        return NormalizedPhone(digits, "", "service")
    if _landline_nsn(digits):
        return NormalizedPhone(digits, "", "landline")
    if _local_subscriber(digits):
        if not local_area_code:
            return None
        return NormalizedPhone(local_area_code + digits, "", "landline")
    if digits[:2] in ("95", "96") and len(digits) in (5, 6):
        return NormalizedPhone(digits, "", "service")
    if 3 <= len(digits) <= 6:
        return NormalizedPhone(digits, "", "short")
    return None


def _foreign(digits: str) -> NormalizedPhone:
    import phonenumbers

    try:
        parsed = phonenumbers.parse("+" + digits)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_possible_number(parsed):
        raise _invalid(_l("不是有效的国际号码"))
    return NormalizedPhone(f"+{parsed.country_code}{parsed.national_number}", "", "foreign")


def _config(name, default=""):
    if has_app_context():
        return current_app.config.get(name, default)
    return default


def normalize_phone(raw, region: str | None = None, local_area_code: str | None = None) -> NormalizedPhone:
    """The one key every written or dialled form of a number maps to; raises ValidationError on garbage."""
    if raw is None:
        raise _invalid(_l("请输入号码"))
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    if not text:
        raise _invalid(_l("请输入号码"))
    if local_area_code is None:
        local_area_code = str(_config("PHONE_LOCAL_AREA_CODE", "10") or "").lstrip("0")
    region = (region or _config("PHONE_DEFAULT_REGION", "CN") or "CN").upper()

    extension = ""
    match = _EXTENSION_WORD.search(text)
    if match and match.start() > 0:
        extension = match.group(1)
        text = text[: match.start()]
    if not _ALLOWED.match(text):
        raise _invalid(_l("号码只能包含数字、空格、+、-、括号"))

    digits = _NON_DIGIT.sub("", text)
    if len(digits) < 3:
        raise _invalid(_l("号码太短"))
    if len(digits) > 20:
        raise _invalid(_l("号码太长"))

    international = text.startswith("+") or digits.startswith("00")
    prefix = 0  # leading digits of `digits` that are the country code (and its 00)
    if international:
        with_cc = digits[2:] if digits.startswith("00") and not text.startswith("+") else digits
        if not with_cc.startswith("86"):
            return _foreign(with_cc)._replace(extension=extension)
        prefix = len(digits) - len(with_cc) + 2
    elif region != "CN":
        return _foreign_in_region(text, region)._replace(extension=extension)
    elif _SPACED_86.match(text):
        prefix = 2

    if not extension:
        # "-8001" after a complete landline is an extension, not part of the number.
        tail = _SEPARATED_TAIL.match(text)
        if tail:
            head = _NON_DIGIT.sub("", tail.group(1))[prefix:]
            head_result = _national(head, local_area_code) if len(head) >= 7 else None
            if head_result is not None and head_result.kind == "landline":
                return head_result._replace(extension=tail.group(2))

    national = digits[prefix:]
    if prefix == 0 and len(national) >= 12 and national.startswith("86"):
        candidate = _national(national[2:], local_area_code)
        if candidate is not None and candidate.kind in ("mobile", "landline"):
            national = national[2:]
    elif prefix == 0 and len(national) >= 15 and national.startswith(_IP_PREFIXES):
        national = national[5:]

    result = _national(national, local_area_code)
    if result is not None and prefix and result.kind == "short":
        result = None
    if result is None:
        if prefix:
            raise _invalid(_l("不是有效的中国大陆号码"))
        if len(national) > 12:
            raise _invalid(_l("号码太长"))
        raise _invalid(_l("无法识别的号码"))
    return result._replace(extension=extension)


def _foreign_in_region(text: str, region: str) -> NormalizedPhone:
    """A number without country code where the installation's home region is not mainland China."""
    import phonenumbers

    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise _invalid(_l("无法识别的号码")) from None
    if parsed.country_code == 86:
        return normalize_phone("+86" + str(parsed.national_number), region="CN")
    return _foreign(f"{parsed.country_code}{parsed.national_number}")


def try_normalize(raw) -> NormalizedPhone | None:
    try:
        return normalize_phone(raw)
    except ValidationError:
        return None


_LOCATION_BY_PREFIX: dict[str, str] = {}


def phone_location(normalized: str) -> str:
    """归属地 in Chinese: province and city for mobiles, city for landlines, country for foreign numbers.

    A mainland location depends only on a mobile's first seven digits or a landline's area code, so it
    is looked up once per prefix: an import of a hundred thousand numbers asks the geocoder a few
    hundred times."""
    if not normalized:
        return ""
    if not normalized.startswith("+"):
        if _MOBILE.match(normalized):
            prefix = normalized[:7]
        elif _landline_nsn(normalized):
            prefix = normalized[:4]
        else:
            return ""
        found = _LOCATION_BY_PREFIX.get(prefix)
        if found is None:
            found = _LOCATION_BY_PREFIX[prefix] = _describe_location(normalized)
        return found
    return _describe_location(normalized)


@lru_cache(maxsize=4096)
def _describe_location(normalized: str) -> str:
    import phonenumbers
    from phonenumbers import geocoder

    if normalized.startswith("+"):
        text = normalized
    elif _MOBILE.match(normalized) or _landline_nsn(normalized):
        text = "+86" + normalized
    else:
        return ""
    try:
        parsed = phonenumbers.parse(text)
    except phonenumbers.NumberParseException:
        return ""
    description = geocoder.description_for_number(parsed, "zh")
    return "" if description == "中国" and not normalized.startswith("+") else description


def display_number(phone, user) -> str:
    """A stored number as this user may see it."""
    return shown_phone(phone.number, phone.extension, user)


def shown_phone(number: str, extension: str, user) -> str:
    """A stored number and extension as this user may see it (without loading a CustomerPhone)."""
    from app.masking import mask_number

    text = number + (f" 转{extension}" if extension and extension not in number else "")
    return mask_number(text) if getattr(user, "hides_numbers", False) else text


def having_number(dialect_name: str):
    """Customer.id among the customers with the number bound as :normalized.

    On PostgreSQL written `= ANY(ARRAY(subquery))`: the numbers' index is read once, as an init plan, and
    the customers come by primary key. `IN (subquery)` is planned as a semi-join that weighs every index of
    the customer table, and planning it took longer than running it (0.25 against 0.05 ms)."""
    from sqlalchemy import any_, bindparam, func, select

    from app.customers.models import Customer, CustomerPhone

    ids = select(CustomerPhone.customer_id).where(CustomerPhone.normalized == bindparam("normalized"))
    if dialect_name == "postgresql":
        return Customer.id == any_(func.array(ids.scalar_subquery()))
    return Customer.id.in_(ids)


@lru_cache(maxsize=4)
def _lookup_statement(dialect_name: str):
    """Built once: a reused statement keeps its SQL cache key, a good part of a lookup's cost."""
    from sqlalchemy import bindparam, select

    from app.customers.models import Customer

    return (
        select(Customer)
        .where(having_number(dialect_name))
        .order_by(Customer.last_contact_at.desc(), Customer.id.desc())
        .limit(bindparam("limit"))
    )


def find_customers_by_phone(raw, user=None, limit: int = 20, options=()) -> list:
    """Customers having this number (any form), latest contact first; only those `user` may see when given.

    `options` are loader options (e.g. the phones and owner a screen-pop card shows, in the same round trip)."""
    from app.customers.access import customer_scope
    from app.extensions import db

    found = try_normalize(raw)
    if found is None:
        return []
    query = _lookup_statement(db.engine.dialect.name)
    if user is not None and (conditions := customer_scope(user)):
        query = query.where(*conditions)
    if options:
        query = query.options(*options)
    return list(db.session.scalars(query, {"normalized": found.normalized, "limit": limit}))

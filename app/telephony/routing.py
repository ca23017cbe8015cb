"""Call routing rules: the call firewall, who is recorded, which trunk and caller ID an agent's call uses,
and what digits go to the carrier (prefixes and the long-distance 0 rule of cloud-callcenter-admin §3.1.3).

Pure decisions over the configuration tables; the dialplan (app.telephony.dialplan) turns them into
FreeSWITCH actions. Nothing here commits."""

import re
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, literal, or_, select

from app.auth.models import User
from app.customers.phones import NormalizedPhone, phone_location, try_normalize
from app.errors import ValidationError
from app.extensions import db
from app.telephony.models_config import (
    PERMISSION_ORDER,
    AgentGroup,
    AgentGroupMember,
    AgentPhone,
    BlacklistEntry,
    CallerIdNumber,
    NoRecordNumber,
    Trunk,
)
from app.timeutil import utcnow

_DIGITS = re.compile(r"\D")


class CallRefused(ValidationError):
    """A call the rules do not allow; `cause` is the hangup cause FreeSWITCH reports for it."""

    def __init__(self, message, cause: str = "CALL_REJECTED", code: str = "refused"):
        super().__init__({_("呼叫"): message})
        self.cause = cause
        self.code = code


@dataclass
class OutboundPlan:
    trunk: Trunk | None
    dial_string: str
    digits: str  # what the gateway is sent, prefixes applied
    scope: str  # internal / local / national / international
    caller_id: str


def digits_of(raw) -> str:
    return _DIGITS.sub("", str(raw or ""))


def agent_phone(user) -> AgentPhone | None:
    if user is None or user.id is None:
        return None
    return db.session.scalar(select(AgentPhone).where(AgentPhone.user_id == user.id))


def ensure_agent_phone(user) -> AgentPhone:
    """The user's phone settings, created with a fresh SIP password the first time they are needed."""
    phone = agent_phone(user)
    if phone is None:
        phone = AgentPhone(user_id=user.id)
        db.session.add(phone)
        db.session.flush()
    return phone


def user_by_extension(extension: str) -> User | None:
    if not extension or not extension.isdigit():
        return None
    return db.session.scalar(select(User).where(User.extension == extension, User.enabled.is_(True)))


def group_by_number(number: str) -> AgentGroup | None:
    if not number or not number.isdigit():
        return None
    return db.session.scalar(select(AgentGroup).where(AgentGroup.number == number))


def trunk_by_gateway(name: str) -> Trunk | None:
    """The trunk a sofia gateway name (as in a CDR's sip_gateway_name) stands for."""
    match = re.fullmatch(r"zuoxi-trunk-(\d+)", name or "")
    return db.session.get(Trunk, int(match.group(1))) if match else None


# -- the call firewall and recording ------------------------------------------------------------


def _number_keys(number) -> list[str]:
    """The forms a number is compared in: normalized, as dialled, and with the trunk 0 of a landline."""
    keys = []
    found = try_normalize(number)
    if found is not None:
        keys.append(found.normalized)
        if found.kind == "landline":
            keys.append("0" + found.normalized)
    raw = digits_of(number)
    if raw and raw not in keys:
        keys.append(raw)
    return keys


def is_blacklisted(number, direction: str) -> BlacklistEntry | None:
    """The entry refusing this number in this direction ("inbound"/"outbound"): an exact number first,
    else the longest matching prefix. Counts the hit (flushed, committed by the caller)."""
    keys = _number_keys(number)
    if not keys:
        return None
    directions = BlacklistEntry.direction.in_((direction, "both"))
    entry = db.session.scalar(
        select(BlacklistEntry).where(directions, BlacklistEntry.is_prefix.is_(False), BlacklistEntry.number.in_(keys))
    )
    if entry is None:
        matches = or_(*(literal(key).like(BlacklistEntry.number + "%") for key in keys))
        entry = db.session.scalar(
            select(BlacklistEntry)
            .where(directions, BlacklistEntry.is_prefix.is_(True), matches)
            .order_by(func.length(BlacklistEntry.number).desc(), BlacklistEntry.id)
            .limit(1)
        )
    if entry is not None:
        entry.hit_count = (entry.hit_count or 0) + 1
        entry.last_hit_at = utcnow()
        db.session.flush()
    return entry


def is_no_record_number(number) -> bool:
    keys = _number_keys(number)
    if not keys:
        return False
    return db.session.scalar(select(NoRecordNumber.id).where(NoRecordNumber.number.in_(keys))) is not None


def should_record(user, far_number) -> bool:
    """Recording is on by default; off for exempt agents and for numbers on the no-record list."""
    phone = agent_phone(user)
    if phone is not None and not phone.record_calls:
        return False
    return not (far_number and is_no_record_number(far_number))


# -- trunks, caller ID, dialled digits -----------------------------------------------------------


def trunk_for(user) -> Trunk | None:
    """The agent's own trunk when it is enabled, else the first enabled trunk."""
    phone = agent_phone(user)
    if phone is not None and phone.trunk is not None and phone.trunk.enabled:
        return phone.trunk
    return db.session.scalar(select(Trunk).where(Trunk.enabled.is_(True)).order_by(Trunk.id).limit(1))


def caller_id_usable_by(entry: CallerIdNumber, user) -> bool:
    if entry.scope == "all" or user is None:
        return entry.scope == "all"
    if entry.scope == "department":
        return user.department_id is not None and user.department_id in (entry.department_ids or [])
    return user.id in (entry.user_ids or [])


def usable_caller_ids(user) -> list[CallerIdNumber]:
    entries = db.session.scalars(select(CallerIdNumber).order_by(CallerIdNumber.id))
    return [entry for entry in entries if caller_id_usable_by(entry, user)]


def _fits_trunk(number: str, entry: CallerIdNumber | None, trunk: Trunk | None) -> bool:
    if trunk is None:
        return True
    if entry is not None and entry.trunk_id not in (None, trunk.id):
        return False
    return not trunk.caller_id_prefix or number.startswith(trunk.caller_id_prefix)


def outbound_caller_id(user, dialled=None, trunk: Trunk | None = None) -> str:
    """The number the called party sees: the agent's chosen 外显 when allowed on the trunk, else the first one
    the agent may use there, else the trunk's own number. Internal calls show the extension."""
    if dialled is not None and user_by_extension(digits_of(dialled)) is not None and user is not None:
        return user.extension
    trunk = trunk if trunk is not None else trunk_for(user)
    phone = agent_phone(user)
    chosen = phone.caller_id_number if phone is not None else None
    if chosen is not None and caller_id_usable_by(chosen, user):
        value = phone.caller_id_value if phone.caller_id_value and chosen.contains(phone.caller_id_value) else ""
        value = value or chosen.start_number
        if _fits_trunk(value, chosen, trunk):
            return value
    for entry in usable_caller_ids(user):
        if _fits_trunk(entry.start_number, entry, trunk):
            return entry.start_number
    return trunk.number if trunk is not None else ""


def _local_area(trunk: Trunk | None) -> str:
    code = (trunk.area_code if trunk is not None else "") or current_app.config.get("PHONE_LOCAL_AREA_CODE", "")
    return str(code or "").lstrip("0")


def _area_of_landline(nsn: str) -> str:
    return nsn[:2] if nsn[:1] in "12" else nsn[:3]


def classify(number: NormalizedPhone, trunk: Trunk | None) -> tuple[str, str]:
    """(scope, digits to dial on the trunk before its add-prefix) for a normalized number."""
    local_area = _local_area(trunk)
    nsn = number.normalized
    if number.kind == "foreign":
        return "international", "00" + nsn.lstrip("+")
    if number.kind == "landline":
        area = _area_of_landline(nsn)
        if area == local_area:
            return "local", nsn[len(area) :]
        return "national", "0" + nsn
    if number.kind == "mobile":
        local_city = phone_location(local_area + "62345678") if local_area else ""
        city = phone_location(nsn)
        if not local_city or not city or city == local_city:
            return "local", nsn
        return "national", ("0" + nsn) if trunk is not None and trunk.mobile_zero == "auto" else nsn
    return "local", nsn  # service numbers (400/800/95xxx) and short numbers are dialled as they are


def may_call(user, scope: str) -> bool:
    phone = agent_phone(user)
    allowed = phone.call_permission if phone is not None else "national"
    return PERMISSION_ORDER.index(scope) <= PERMISSION_ORDER.index(allowed)


SCOPE_REFUSALS = {
    "local": _l("本坐席只能拨打内线。"),
    "national": _l("本坐席没有拨打国内长途的权限。"),
    "international": _l("本坐席没有拨打国际长途的权限。"),
}


def plan_outbound(number, user) -> OutboundPlan:
    """How `user`'s call to `number` goes out, or CallRefused saying why it may not."""
    raw = digits_of(number) if not str(number or "").strip().startswith("+") else str(number).strip()
    target = user_by_extension(digits_of(number))
    if target is not None or group_by_number(digits_of(number)) is not None:
        domain = current_app.config["SIP_DOMAIN"]
        caller = user.extension if user is not None else ""
        return OutboundPlan(None, f"user/{digits_of(number)}@{domain}", digits_of(number), "internal", caller)
    if is_blacklisted(number, "outbound") is not None:
        raise CallRefused(_("号码 %(n)s 在呼出黑名单中。", n=raw), "CALL_REJECTED", "blacklisted")
    trunk = trunk_for(user)
    if trunk is None:
        raise CallRefused(_("没有可用的外线。"), "NO_ROUTE_DESTINATION", "no_trunk")
    if trunk.strip_prefix and raw.startswith(trunk.strip_prefix) and len(raw) > len(trunk.strip_prefix) + 2:
        raw = raw[len(trunk.strip_prefix) :]
    found = try_normalize(raw)
    if found is None:
        raise CallRefused(_("无法识别的号码:%(n)s", n=raw), "INVALID_NUMBER_FORMAT", "invalid")
    scope, digits = classify(found, trunk)
    if not may_call(user, scope):
        raise CallRefused(SCOPE_REFUSALS[scope], "OUTGOING_CALL_BARRED", "permission")
    digits = trunk.add_prefix + digits
    caller_id = outbound_caller_id(user, None, trunk)
    return OutboundPlan(trunk, f"sofia/gateway/{trunk.gateway_name}/{digits}", digits, scope, caller_id)


def dial_string_for(number, user) -> str:
    """The FreeSWITCH dial string for `user` calling `number` (raises CallRefused when not allowed)."""
    return plan_outbound(number, user).dial_string


def agent_group_members(group: AgentGroup) -> list[User]:
    """The group's enabled members with an extension, in the group's order."""
    stmt = (
        select(User)
        .join(AgentGroupMember, AgentGroupMember.user_id == User.id)
        .where(AgentGroupMember.group_id == group.id, User.enabled.is_(True), User.extension != "")
        .order_by(AgentGroupMember.position, AgentGroupMember.id)
    )
    return list(db.session.scalars(stmt))

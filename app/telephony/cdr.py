"""CDR ingestion: what mod_json_cdr posts after every channel hangs up, turned into call records.

FreeSWITCH posts one CDR per leg (log-b-leg), each from its channel's own thread, in no fixed order,
and repeats a POST until it gets a 2xx. So a leg is stored once by its uuid, finds its call through
any uuid it shares with legs already stored (CallLink, unique: two legs posted at the same moment
cannot open two calls) and the call's fields are recomputed from all its legs every time.
"""

import json
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import parse_qs, unquote

from flask_babel import gettext as _
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from app.errors import ValidationError
from app.extensions import db
from app.telephony.models_calls import CallLeg, CallLink, CallRecord

log = logging.getLogger(__name__)
_UUID = re.compile(r"^[0-9A-Za-z][0-9A-Za-z-]{7,63}$")
_EPOCH = datetime(1970, 1, 1)
_TRUE = ("true", "1", "yes", "on")
# Variables kept with each leg for the detail view (the full CDR is 6-23 KB; these say what happened).
_KEPT = (
    "sip_from_display",
    "effective_caller_id_name",
    "sip_from_user",
    "sip_to_user",
    "dialed_user",
    "last_arg",
    "transfer_history",
    "endpoint_disposition",
    "originate_disposition",
    "sip_hangup_phrase",
    "hold_accum_seconds",
    "zuoxi_user_id",
    "zuoxi_target_user_id",
    "zuoxi_refused",
    "zuoxi_recording",
    "zuoxi_blacklisted",
    "zuoxi_group",
)


# -- reading a CDR ------------------------------------------------------------------------------


def parse_cdr(raw: bytes, content_type: str) -> dict:
    """The CDR as a dict with URL-decoded `variables`; ValidationError (→ 400) when it is not one."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError({"cdr": _("内容不是 UTF-8 文本")}) from None
    form = content_type == "application/x-www-form-urlencoded" or text.startswith("cdr=")
    if form:
        text = (parse_qs(text, keep_blank_values=True).get("cdr") or [""])[0]
    data = _loads_lenient(text)
    if not isinstance(data, dict) or not isinstance(data.get("variables"), dict):
        raise ValidationError({"variables": _("缺少 variables")})
    if not form:
        # encode-values=true (the stock setting) URL-encodes every variable inside the JSON; with encode=true
        # the whole body is URL-encoded instead and the values inside arrive raw.
        data["variables"] = {str(k): unquote(v) if isinstance(v, str) else v for k, v in data["variables"].items()}
    uuid = data["variables"].get("uuid")
    if not isinstance(uuid, str) or not _UUID.match(uuid):
        raise ValidationError({"uuid": _("缺少或无效的通话 uuid")})
    return data


def _loads_lenient(text: str):
    try:
        return json.loads(text, strict=False)
    except ValueError:
        pass
    try:  # encode=true: raw values can carry quotes and backslashes FreeSWITCH did not escape
        return json.loads(_escape_raw_values(text), strict=False)
    except ValueError:
        raise ValidationError({"cdr": _("不是有效的 JSON")}) from None


_ESCAPES = set('"\\/bfnrtu')


def _escape_raw_values(text: str) -> str:
    """Escape the quotes and backslashes inside string values: a quote ends a string only where JSON
    structure follows it (`,"key"`, `:`, `}` or `]`)."""
    out, inside, i, n = [], False, 0, len(text)
    while i < n:
        ch = text[i]
        if not inside:
            inside = ch == '"'
            out.append(ch)
        elif ch == "\\":
            nxt = text[i + 1] if i + 1 < n else ""
            if nxt in _ESCAPES and nxt != '"':
                out.append(text[i : i + 2])
                i += 1
            else:
                out.append("\\\\")
        elif ch == '"':
            rest = text[i + 1 : i + 3].lstrip()
            closes = not rest or rest[0] in ":}]" or (rest[0] == "," and text[i + 2 : i + 3] in ('"', "{", "["))
            out.append('"' if closes else '\\"')
            inside = not closes
        else:
            out.append(ch)
        i += 1
    return "".join(out)


@dataclass
class LegFacts:
    uuid: str
    direction: str = ""
    channel_name: str = ""
    number: str = ""
    caller_number: str = ""
    destination: str = ""
    gateway: str = ""
    monitor: bool = False
    originator_uuid: str = ""
    bridge_uuid: str = ""
    started_at: datetime | None = None
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    billsec: int = 0
    hangup_cause: str = ""
    hangup_disposition: str = ""
    last_app: str = ""
    related: set = field(default_factory=set)
    details: dict = field(default_factory=dict)


def _from_uepoch(value) -> datetime | None:
    try:
        micros = int(str(value or "0").strip() or 0)
    except ValueError:
        return None
    return _EPOCH + timedelta(microseconds=micros) if micros > 0 else None


def _int(value) -> int:
    try:
        return int(str(value or "0").strip() or 0)
    except ValueError:
        return 0


def _first_profile(data: dict) -> dict:
    """The caller profile the channel started with (the callflow lists the latest first)."""
    flows = data.get("callflow")
    flows = [f for f in flows if isinstance(f, dict)] if isinstance(flows, list) else []
    flows.sort(key=lambda f: _int(f.get("profile_index")))
    profile = flows[0].get("caller_profile") if flows else None
    return profile if isinstance(profile, dict) else {}


def _channel_user(channel_name: str) -> str:
    """sofia/internal/1001@127.0.0.1:5090 → 1001; sofia/gateway/gw1/0138… → 0138…"""
    parts = channel_name.split("/")
    if len(parts) >= 4 and parts[1] == "gateway":
        return parts[3].split("@")[0]
    return parts[-1].split("@")[0] if len(parts) >= 3 else ""


def _uuids_in(value: str) -> set:
    """The uuids in `originated_legs` (ARRAY::uuid;Outbound Call;1001|:uuid;…)."""
    value = value.removeprefix("ARRAY::")
    return {item.split(";")[0] for item in value.split("|:") if item}


def leg_facts(data: dict) -> LegFacts:
    v = data["variables"]
    profile = _first_profile(data)
    channel_name = v.get("channel_name", "")
    direction = v.get("direction") or (data.get("channel_data") or {}).get("direction", "")
    gateway = v.get("sip_gateway_name", "")
    if not gateway and "/gateway/" in channel_name:
        gateway = channel_name.split("/")[2]
    caller_number = str(profile.get("caller_id_number") or v.get("caller_id_number") or "")
    destination = str(profile.get("destination_number") or v.get("destination_number") or "")
    if direction == "inbound":
        number = v.get("user_name") or caller_number or v.get("sip_from_user", "")
    else:
        number = v.get("sip_to_user") or _channel_user(channel_name) or destination
    last_app = v.get("last_app", "")
    facts = LegFacts(
        uuid=v["uuid"],
        direction=direction[:10],
        channel_name=channel_name[:160],
        number=str(number)[:64],
        caller_number=caller_number[:64],
        destination=destination[:64],
        gateway=gateway[:80],
        monitor=last_app == "eavesdrop",
        originator_uuid=v.get("originating_leg_uuid") or v.get("originator") or "",
        bridge_uuid=v.get("bridge_uuid") or v.get("last_bridge_to") or "",
        started_at=_from_uepoch(v.get("start_uepoch")),
        answered_at=_from_uepoch(v.get("answer_uepoch")),
        ended_at=_from_uepoch(v.get("end_uepoch")),
        billsec=_int(v.get("billsec")),
        hangup_cause=v.get("hangup_cause", "")[:64],
        hangup_disposition=v.get("sip_hangup_disposition", "")[:32],
        last_app=last_app[:64],
    )
    related = {facts.originator_uuid, facts.bridge_uuid, v.get("last_bridge_to", ""), v.get("signal_bond", "")}
    related |= {v.get("originate_signal_bond", ""), v.get("call_uuid", "")} | _uuids_in(v.get("originated_legs", ""))
    if facts.monitor:
        related.add(v.get("last_arg", ""))
    if last_app == "conference" and v.get("last_arg", "").startswith("3way-"):
        related.add("conference:" + v["last_arg"])  # the legs of a three-way transfer meet in that room
    facts.related = {r[:160] for r in related if r and r != facts.uuid}
    facts.details = {k: v[k][:500] for k in _KEPT if isinstance(v.get(k), str) and v.get(k)}
    facts.details["switchname"] = str(data.get("switchname") or "")[:80]
    for key in ("recording", "blacklisted", "dtmf", "group"):
        facts.details["_" + key] = _special(v, key)
    return facts


def _special(v: dict, key: str):
    if key == "recording":
        return v.get("zuoxi_recording") or v.get("record_path") or ""
    if key == "blacklisted":
        return str(v.get("zuoxi_blacklisted", "")).lower() in _TRUE
    if key == "dtmf":
        digits = v.get("zuoxi_dtmf") or v.get("digits_dialed") or ""
        return "" if digits == "none" else digits[:64]
    return (v.get("zuoxi_group") or "")[:80]


# -- storing ------------------------------------------------------------------------------------


def ingest_cdr(data: dict) -> CallRecord:
    """Store one leg's CDR (again, harmlessly, when FreeSWITCH repeats it) and refresh its call. Flushes."""
    from app.telephony.calls import raise_missed_call_reminders, summarize

    facts = leg_facts(data)
    for attempt in range(3):
        try:
            with db.session.begin_nested():
                call = _store_leg(facts)
                summarize(call)
            break
        except IntegrityError:
            # A leg of the same call (or this very leg, posted twice) was stored at the same moment.
            if attempt == 2:
                raise
            log.info("CDR %s raced another post; retrying", facts.uuid)
    raise_missed_call_reminders(call)
    return call


_LEG_FIELDS = (
    "direction",
    "channel_name",
    "number",
    "caller_number",
    "destination",
    "gateway",
    "monitor",
    "originator_uuid",
    "bridge_uuid",
    "started_at",
    "answered_at",
    "ended_at",
    "billsec",
    "hangup_cause",
    "hangup_disposition",
    "last_app",
    "details",
)


def _store_leg(facts: LegFacts) -> CallRecord:
    leg = db.session.scalar(select(CallLeg).where(CallLeg.uuid == facts.uuid))
    keys = {facts.uuid} | facts.related
    call_ids = set(db.session.scalars(select(CallLink.call_id).where(CallLink.key.in_(keys))))
    if leg is not None:
        call_ids.add(leg.call_id)
    if call_ids:
        call_id = min(call_ids)
        for other in sorted(call_ids - {call_id}):
            _merge_call(other, into=call_id)
        call = db.session.get(CallRecord, call_id)
    else:
        call = CallRecord(uuid=facts.uuid)
        db.session.add(call)
        db.session.flush()
    linked = set(db.session.scalars(select(CallLink.key).where(CallLink.key.in_(keys))))
    for key in sorted(keys - linked):
        db.session.add(CallLink(key=key, call_id=call.id))
    if leg is None:
        leg = CallLeg(uuid=facts.uuid, call_id=call.id)
        db.session.add(leg)
    for name in _LEG_FIELDS:
        setattr(leg, name, getattr(facts, name))
    db.session.flush()
    db.session.expire(call, ["legs"])
    return call


def _merge_call(source_id: int, into: int) -> None:
    """Two records turned out to be one call (a transfer bridged them): keep the older one."""
    db.session.flush()
    db.session.execute(update(CallLeg).where(CallLeg.call_id == source_id).values(call_id=into))
    db.session.execute(update(CallLink).where(CallLink.call_id == source_id).values(call_id=into))
    stale = db.session.get(CallRecord, source_id)
    if stale is not None:
        db.session.expunge(stale)
    db.session.execute(delete(CallRecord).where(CallRecord.id == source_id))
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, CallLeg | CallLink):
            db.session.expire(obj)

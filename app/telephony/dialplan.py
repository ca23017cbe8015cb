"""The dialplan the app hands FreeSWITCH for one call, as a list of (application, data) actions.

Context `default` (authenticated agents' phones and calls the app originates or transfers): park slots,
pickup of a ringing colleague, agent to agent, agent groups, and outbound calls over a trunk. Context
`public` (calls arriving from trunks): the call firewall, then the inbound route (DID) to its target.

Variables the rest of the app reads from CDRs: zuoxi_user_id (the agent placing the call),
zuoxi_target_user_id (the agent rung), zuoxi_trunk_id, zuoxi_group_id, zuoxi_recording (the recording's
path), zuoxi_blacklisted=true (refused by the firewall), zuoxi_refused=<reason>."""

import os
import re
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from app.telephony import routing
from app.telephony.models_agent import AgentPresence
from app.telephony.models_config import AgentGroup, InboundRoute
from app.timeutil import local_today

PARK_SLOTS = tuple(str(n) for n in range(6001, 6007))
PARK_LOT = "zuoxi_lot"
UNAVAILABLE_STATES = ("busy", "away")
AGENT_UNAVAILABLE = "agent_unavailable"  # zuoxi_refused of a call to an agent who chose busy or away
RINGBACK_CN = "%(1000,4000,450)"
BUSY_TONE_CN = "tone_stream://%(350,350,450);loops=4"
_UUID = re.compile(r"^[0-9a-fA-F-]{16,64}$")
_PICKUP = re.compile(r"^\*\*(\d{2,12})$")
# Characters FreeSWITCH would read as variable expansion or list syntax inside action data.
_UNSAFE = re.compile(r"[${}\[\]^,|'\"\\\r\n]")


def fs_text(value, limit: int = 64) -> str:
    """Text from our database made inert inside FreeSWITCH action data and variables."""
    return _UNSAFE.sub("", str(value or ""))[:limit]


@dataclass
class Dialplan:
    context: str
    actions: list[tuple[str, str]] = field(default_factory=list)

    def add(self, application: str, data: str = "") -> "Dialplan":
        self.actions.append((application, data))
        return self

    def set(self, name: str, value) -> "Dialplan":
        return self.add("set", f"{name}={value}")


def recordings_dir() -> str:
    return current_app.config.get("RECORDINGS_DIR") or os.path.join(current_app.instance_path, "recordings")


def _start_recording(plan: Dialplan, call_uuid: str) -> None:
    name = call_uuid if _UUID.match(call_uuid or "") else "${uuid}"
    path = os.path.join(recordings_dir(), local_today().isoformat(), f"{name}.wav")
    plan.set("RECORD_STEREO", "true")
    plan.add("export", f"zuoxi_recording={path}")
    plan.add("record_session", path)


def _refuse(plan: Dialplan, refused: routing.CallRefused) -> Dialplan:
    if refused.code == "blacklisted":
        plan.set("zuoxi_blacklisted", "true")
    return _busy_tone(plan, refused.code, refused.cause)


def _busy_tone(plan: Dialplan, code: str, cause: str) -> Dialplan:
    """The caller hears a busy tone, then the call ends with `cause`; the CDR says why (zuoxi_refused)."""
    plan.set("zuoxi_refused", code)
    plan.add("pre_answer")
    plan.add("playback", BUSY_TONE_CN)
    return plan.add("hangup", cause)


def _user_leg(extension: str) -> str:
    return f"user/{extension}@{current_app.config['SIP_DOMAIN']}"


def _remember_ringing(plan: Dialplan, extension: str) -> None:
    """Lets a colleague pick up with **<ext> (intercept), as FreeSWITCH's stock dialplan does."""
    plan.add("hash", f"insert/{fs_text(current_app.config['SIP_DOMAIN'])}-last_dial_ext/{extension}/${{uuid}}")


def _mobile_leg(target: User) -> str | None:
    """The gateway leg to the agent's mobile (异常转手机), with the company caller ID."""
    try:
        plan = routing.plan_outbound(target.mobile, None)
    except routing.CallRefused:
        return None
    caller = routing.outbound_caller_id(target, None, plan.trunk)
    return f"{{origination_caller_id_number={fs_text(caller)}}}{plan.dial_string}"


def forwards_when_away(target: User, phone) -> bool:
    """Forwarding while busy/away: set by the admin (异常转手机) or by the agent in the header (转手机)."""
    if not target.mobile:
        return False
    if phone is not None and phone.forward_to_mobile:
        return True
    presence = db.session.get(AgentPresence, target.id)
    return bool(presence and presence.forward_to_mobile)


def is_busy_line(target: User) -> bool:
    """The agent chose busy or away and nothing forwards their calls: a call to them gets a busy tone."""
    return target.agent_status in UNAVAILABLE_STATES and not forwards_when_away(target, routing.agent_phone(target))


def call_agent(plan: Dialplan, target: User, far_number: str, call_uuid: str) -> Dialplan:
    """Ring one agent's phone; busy/away agents with forwarding on go straight to their mobile.
    The admin's 异常转手机 also sends a call the extension leaves unanswered on to the mobile."""
    phone = routing.agent_phone(target)
    away = target.agent_status in UNAVAILABLE_STATES
    forward = forwards_when_away(target, phone) if away else bool(target.mobile and phone and phone.forward_to_mobile)
    plan.set("zuoxi_target_user_id", target.id)
    plan.set("call_timeout", phone.no_answer_seconds if phone else 30)
    plan.set("hangup_after_bridge", "true")
    plan.set("continue_on_fail", "true")
    plan.set("ringback", RINGBACK_CN)
    mobile = _mobile_leg(target) if forward else None
    if away and not mobile:  # busy/away is a busy line (cloud-callcenter-admin §3.1.6)
        return _busy_tone(plan, AGENT_UNAVAILABLE, "USER_BUSY")
    if routing.should_record(target, far_number):
        _start_recording(plan, call_uuid)
    if mobile and away:
        return plan.add("bridge", mobile)
    _remember_ringing(plan, target.extension)
    plan.add("bridge", _user_leg(target.extension))
    if mobile:
        plan.add("bridge", mobile)
    return plan


def call_group(plan: Dialplan, group: AgentGroup, far_number: str, call_uuid: str) -> Dialplan:
    members = [u for u in routing.agent_group_members(group) if u.agent_status == "online"]
    plan.set("zuoxi_group_id", group.id)
    if not members:
        plan.set("zuoxi_refused", "group_unavailable")
        return plan.add("hangup", "USER_BUSY")
    if group.strategy == "round_robin":
        start = (group.last_position + 1) % len(members)
        group.last_position = start
        members = members[start:] + members[:start]
    plan.set("hangup_after_bridge", "true")
    plan.set("continue_on_fail", "true")
    plan.set("ringback", RINGBACK_CN)
    if not routing.is_no_record_number(far_number) and any(routing.should_record(u, far_number) for u in members):
        _start_recording(plan, call_uuid)
    for member in members:
        _remember_ringing(plan, member.extension)
    seconds = group.no_answer_seconds
    if group.strategy == "ring_all":
        plan.set("call_timeout", seconds)
        return plan.add("bridge", ",".join(_user_leg(u.extension) for u in members))
    return plan.add("bridge", "|".join(f"[leg_timeout={seconds}]{_user_leg(u.extension)}" for u in members))


def call_outside(plan: Dialplan, user: User | None, number: str, call_uuid: str) -> Dialplan:
    try:
        route = routing.plan_outbound(number, user)
    except routing.CallRefused as refused:
        return _refuse(plan, refused)
    trunk = route.trunk
    plan.set("zuoxi_trunk_id", trunk.id)
    plan.set("effective_caller_id_number", fs_text(route.caller_id))
    plan.set("effective_caller_id_name", fs_text(route.caller_id))
    plan.set("hangup_after_bridge", "true")
    if trunk.max_concurrent:
        plan.add("limit", f"hash zuoxi_trunk {trunk.gateway_name} {trunk.max_concurrent} !USER_BUSY")
    if routing.should_record(user, number):
        _start_recording(plan, call_uuid)
    return plan.add("bridge", route.dial_string)


def identify_agent(params) -> User | None:
    """The agent placing a call in context default: the originate variable the app sets, else the SIP user
    the directory authenticated, else the caller-ID number of an originated leg."""
    raw_id = params.get("variable_zuoxi_user_id", "")
    if raw_id.isdigit():
        user = db.session.get(User, int(raw_id))
        if user is not None and user.enabled:
            return user
    for key in ("variable_user_name", "Caller-Caller-ID-Number"):
        user = routing.user_by_extension(params.get(key, ""))
        if user is not None:
            return user
    return None


def default_context(params) -> Dialplan:
    plan = Dialplan("default")
    destination = params.get("Hunt-Destination-Number") or params.get("Caller-Destination-Number", "")
    call_uuid = params.get("Unique-ID", "")
    caller = params.get("Caller-Caller-ID-Number", "")
    user = identify_agent(params)
    if user is not None:
        plan.set("zuoxi_user_id", user.id)
    if destination in PARK_SLOTS:
        return plan.add("answer").add("valet_park", f"{PARK_LOT} {destination}")
    pickup = _PICKUP.match(destination)
    if pickup and routing.user_by_extension(pickup.group(1)) is not None:
        domain = fs_text(current_app.config["SIP_DOMAIN"])
        return plan.add("intercept", f"${{hash(select/{domain}-last_dial_ext/{pickup.group(1)})}}")
    target = routing.user_by_extension(destination)
    if target is not None:
        return call_agent(plan, target, caller if user is None else "", call_uuid)
    group = routing.group_by_number(destination)
    if group is not None:
        return call_group(plan, group, caller if user is None else "", call_uuid)
    if user is None and not params.get("variable_transfer_history"):
        plan.set("zuoxi_refused", "unknown_caller")
        return plan.add("hangup", "NO_ROUTE_DESTINATION")
    return call_outside(plan, user, destination, call_uuid)


def _route_for(did: str) -> InboundRoute | None:
    keys = [did, *routing._number_keys(did)]
    return db.session.scalar(
        select(InboundRoute).where(InboundRoute.enabled.is_(True), InboundRoute.did.in_(keys)).limit(1)
    )


def public_context(params) -> Dialplan:
    plan = Dialplan("public")
    did = params.get("Hunt-Destination-Number") or params.get("Caller-Destination-Number", "")
    caller = params.get("Caller-Caller-ID-Number", "")
    call_uuid = params.get("Unique-ID", "")
    trunk = routing.trunk_by_gateway(params.get("variable_sip_gateway_name", ""))
    if trunk is not None:
        plan.set("zuoxi_trunk_id", trunk.id)
    entry = routing.is_blacklisted(caller, "inbound")
    if entry is not None:
        plan.set("zuoxi_blacklisted", "true")
        plan.set("zuoxi_refused", "blacklisted")
        return plan.add("hangup", "CALL_REJECTED")
    route = _route_for(did)
    target = None
    if route is not None and route.target_type == "extension":
        target = routing.user_by_extension(route.target_extension)
        if target is not None:
            return call_agent(plan, target, caller, call_uuid)
    if route is not None and route.target_type == "group" and route.target_group is not None:
        return call_group(plan, route.target_group, caller, call_uuid)
    plan.set("zuoxi_refused", "no_route")
    return plan.add("hangup", "UNALLOCATED_NUMBER")


def dialplan_for(params) -> Dialplan | None:
    """The dialplan for an xml_curl dialplan request, or None for a context we do not serve."""
    context = params.get("Hunt-Context") or params.get("Caller-Context", "")
    if context == "default":
        return default_context(params)
    if context == "public":
        return public_context(params)
    return None

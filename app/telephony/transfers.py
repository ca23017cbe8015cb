"""Calls that move between phones: attended transfer (consult and its five outcomes), park slots and
picking up a colleague's ringing call.

Attended transfer (cloud-callcenter-admin §3.1.7): the agent holds the customer and calls the target
from its own phone (the consult leg). Then:
  complete  (确认转接) the customer is bridged to the target; both agent legs hang up;
  threeway  (三方通话) customer, agent and target talk in a conference;
  reconsult (重新转接) the consult leg hangs up, the customer stays on hold, another target is called;
  cancel    (停止转接) the consult leg hangs up and the agent is back with the customer;
  leave / end (three-way only) the agent drops out / everyone is hung up.
The session is a ConsultSession row so every tab and every web worker knows which buttons apply."""

import re
import uuid as uuid_module

from flask_babel import gettext as _
from sqlalchemy import select

from app.errors import ValidationError
from app.extensions import db
from app.telephony.commands import (
    _UUID,
    CONTEXT,
    CallDenied,
    _alive,
    _api,
    _kill_quietly,
    _live,
    my_call,
    originate,
    parse_target,
    require_extension,
    require_idle,
)
from app.telephony.models_phone import ConsultSession

# Valet parking: six numbered slots in one lot (key-system-pbx-crm §2-9); the dialplan maps 6001-6006
# to `valet_park zuoxi_lot <slot>`.
PARK_LOT = "zuoxi_lot"
PARK_SLOTS = tuple(str(6000 + n) for n in range(1, 7))

# Which outcome applies in which state: the phone bar shows exactly these buttons.
CONSULT_ACTIONS = {
    "consulting": ("complete", "threeway", "reconsult", "cancel"),
    "choosing": ("cancel",),
    "threeway": ("leave", "end"),
}


def active_consult(user) -> ConsultSession | None:
    """The user's consult session while its customer is still on the line."""
    session = db.session.scalar(select(ConsultSession).where(ConsultSession.user_id == user.id))
    if session is None or not _alive(_live().channel(session.customer_uuid)):
        return None
    return session


def consult_state(user) -> dict | None:
    session = active_consult(user)
    if session is None:
        return None
    target_leg = _live().peer_of(session.consult_uuid) if session.consult_uuid else None
    return {
        "state": session.state,
        "target": session.target_label or session.target,
        "target_answered": _alive(target_leg) and target_leg.state != "ringing",
        "actions": list(CONSULT_ACTIONS[session.state]),
    }


def consult(user, raw_target) -> dict:
    """Hold the customer (music) and ring the agent's phone for a second call to the target."""
    target = parse_target(raw_target, _("转接目标"))
    existing = db.session.scalar(select(ConsultSession).where(ConsultSession.user_id == user.id))
    live = _live()
    if existing is not None and _alive(live.channel(existing.customer_uuid)):
        if existing.state != "choosing":
            raise ValidationError({"": _("正在转接中,请先完成或停止当前转接")})
        session = existing
    else:
        if existing is not None:
            db.session.delete(existing)
            db.session.flush()
        legs = my_call(user, need_far=True)
        if target.kind == "extension" and target.destination == legs.agent.extension:
            raise ValidationError({_("转接目标"): _("不能转接给自己")})
        if legs.agent.state != "held":
            _api(f"uuid_hold {legs.agent.uuid}", legs.agent.node)
        session = ConsultSession(
            user_id=user.id, node=legs.agent.node or "", customer_uuid=legs.far.uuid, agent_uuid=legs.agent.uuid
        )
        db.session.add(session)
    consult_uuid = str(uuid_module.uuid4())
    session.consult_uuid = consult_uuid
    session.target = target.destination
    session.target_label = target.label[:80]
    session.state = "consulting"
    db.session.flush()
    result = originate(
        user, f"{target.destination} XML {CONTEXT}", {"origination_uuid": consult_uuid, "zuoxi_consult": "true"}
    )
    return {**result, "target": target.label, "consult": consult_state(user)}


def consult_action(user, action: str, target=None) -> dict:
    session = active_consult(user)
    if session is None:
        stale = db.session.scalar(select(ConsultSession).where(ConsultSession.user_id == user.id))
        if stale is not None:
            db.session.delete(stale)
            db.session.flush()
        raise ValidationError({"": _("没有进行中的转接")})
    if action not in CONSULT_ACTIONS[session.state]:
        raise ValidationError({"": _("当前状态下不能执行此操作")})
    node = session.node or None
    if action == "complete":
        _complete(session, node)
    elif action == "threeway":
        _threeway(session, node)
        return {"ok": True, "consult": consult_state(user)}
    elif action == "reconsult":
        _kill_quietly(session.consult_uuid, node)
        session.consult_uuid = ""
        session.state = "choosing"
        db.session.flush()
        if target not in (None, ""):
            return consult(user, target)
        return {"ok": True, "consult": consult_state(user)}
    elif action == "cancel":
        if session.consult_uuid:
            _kill_quietly(session.consult_uuid, node)
        _api(f"uuid_hold off {session.agent_uuid}", node)
    elif action == "leave":
        _kill_quietly(session.agent_uuid, node)
    elif action == "end":
        _api(f"conference {session.conference} hup all", node)
    db.session.delete(session)
    db.session.flush()
    return {"ok": True, "consult": None}


def _target_leg(session):
    leg = _live().peer_of(session.consult_uuid) if session.consult_uuid else None
    return leg if _alive(leg) and leg.state != "ringing" else None


def _complete(session, node) -> None:
    """Bridge the customer with the answered target; before the answer, send the customer to the target."""
    target_leg = _target_leg(session)
    if target_leg is not None:
        _api(f"uuid_bridge {session.customer_uuid} {target_leg.uuid}", node)
        return
    _api(f"uuid_transfer {session.customer_uuid} {session.target} XML {CONTEXT}", node)
    _kill_quietly(session.consult_uuid, node)


def _threeway(session, node) -> None:
    target_leg = _target_leg(session)
    if target_leg is None:
        raise ValidationError({"": _("被转接方尚未接听,不能进行三方通话")})
    conference = f"3way-{session.customer_uuid[:8]}"
    _api(f"uuid_hold off {session.agent_uuid}", node)
    _api(f"uuid_transfer {session.customer_uuid} -both conference:{conference}@default inline", node)
    _api(f"uuid_transfer {target_leg.uuid} conference:{conference}@default inline", target_leg.node or node)
    session.conference = conference
    session.state = "threeway"
    db.session.flush()


# -- park -----------------------------------------------------------------------------------------

_VALET_ENTRY = re.compile(r'<extension uuid="([0-9a-fA-F-]+)">(\d+)</extension>')


def park_slots() -> dict[str, str]:
    """Occupied slots from `valet_info`: slot number → the parked channel's uuid."""
    reply = _api(f"valet_info {PARK_LOT}")
    return {slot: uuid for uuid, slot in _VALET_ENTRY.findall(reply or "") if slot in PARK_SLOTS}


def _slot(raw) -> str:
    text = str(raw or "").strip()
    if text in PARK_SLOTS:
        return text
    if text.isdigit() and 1 <= int(text) <= len(PARK_SLOTS):
        return PARK_SLOTS[int(text) - 1]
    raise ValidationError({_("泊位"): _("泊位只能是 1-6")})


def park(user, slot=None, uuid=None) -> dict:
    """泊位: the far party waits in a numbered slot (with music) until any agent picks it up."""
    legs = my_call(user, uuid, need_far=True)
    occupied = park_slots()
    if slot in (None, ""):
        free = [s for s in PARK_SLOTS if s not in occupied]
        if not free:
            raise ValidationError({_("泊位"): _("6 个泊位都已占用")})
        chosen = free[0]
    else:
        chosen = _slot(slot)
        if chosen in occupied:
            raise ValidationError({_("泊位"): _("泊位 %(n)s 已占用", n=PARK_SLOTS.index(chosen) + 1)})
    _api(f"uuid_transfer {legs.far.uuid} {chosen} XML {CONTEXT}", legs.far.node)
    return {"ok": True, "slot": PARK_SLOTS.index(chosen) + 1}


def pickup_slot(user, slot) -> dict:
    chosen = _slot(slot)
    require_extension(user)
    if chosen not in park_slots():
        raise ValidationError({_("泊位"): _("泊位 %(n)s 没有通话", n=PARK_SLOTS.index(chosen) + 1)})
    require_idle(user)
    return originate(user, f"{chosen} XML {CONTEXT}")


# -- pick up a colleague's ringing call ------------------------------------------------------


def intercept(user, uuid) -> dict:
    """代接: take a colleague's ringing call on this agent's phone."""
    from app.auth.models import User

    if not uuid or not _UUID.match(str(uuid)):
        raise ValidationError({"uuid": _("通话标识无效")})
    channel = _live().channel(uuid)
    if channel is None or channel.state not in ("ringing", "early") or not channel.extension:
        raise ValidationError({"uuid": _("该电话已不在振铃")})
    if channel.extension == require_extension(user):
        raise ValidationError({"uuid": _("这是您自己的来电,请直接接听")})
    owner = db.session.scalar(select(User).where(User.extension == channel.extension))
    same_department = owner is not None and owner.department_id and owner.department_id == user.department_id
    if not (same_department or user.has_permission("phone.monitor")):
        raise CallDenied(_("您只能代接本部门同事的来电"))
    require_idle(user)
    return originate(user, f"&intercept({channel.uuid})")


def ringing_colleagues(user) -> list[dict]:
    """Colleagues whose phone rings now and whose call this user may pick up."""
    from app.auth.models import User

    query = select(User).where(User.enabled.is_(True), User.extension != "", User.id != user.id)
    if not user.has_permission("phone.monitor"):
        if not user.department_id:
            return []
        query = query.where(User.department_id == user.department_id)
    live, found = _live(), []
    for colleague in db.session.scalars(query.limit(500)):
        for channel in live.channels_of_extension(colleague.extension):
            if channel.state in ("ringing", "early"):
                found.append({"uuid": channel.uuid, "name": colleague.display_name, "extension": colleague.extension})
    return found

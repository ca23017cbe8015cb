"""What the phone bar shows and keeps: the agent's call state, park slots, colleagues ringing,
today's calls, speed dial (快速拨号) and hotkeys (热键设置).

Numbers reach the browser only as the user may see them (masked when the role hides numbers); every
dial of a stored number (speed dial, callback, redial) happens on the server by id."""

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from app.errors import ValidationError
from app.extensions import db
from app.masking import mask_number
from app.telephony import commands, transfers
from app.telephony.errors import SwitchError, SwitchProblem
from app.telephony.models_phone import DEFAULT_HOTKEYS, PhoneSetting, SpeedDial

HOTKEY_ACTIONS = {"answer": _l("接听电话"), "hangup": _l("挂断电话"), "next": _l("下一个(重拨)")}
_HOTKEY = re.compile(r"^(?:(?:Ctrl|Alt|Shift|Meta)\+){0,3}(?:F(?:[1-9]|1[0-2])|[A-Z]|[0-9])$")
# Keys the browser needs for itself.
_RESERVED_HOTKEYS = {"F5", "F11", "F12", "Ctrl+R", "Ctrl+W", "Ctrl+T", "Ctrl+C", "Ctrl+V", "Ctrl+X", "Ctrl+A"}
SPEED_DIAL_LIMIT = 200


def shown_number(number: str, user) -> str:
    return mask_number(number) if user.hides_numbers else (number or "")


def _epoch_ms(value):
    from datetime import UTC

    return int(value.replace(tzinfo=UTC).timestamp() * 1000) if value else None


# -- call state ---------------------------------------------------------------------------------


def _customer_of(number: str, user) -> dict | None:
    from app.customers.phones import find_customers_by_phone

    found = find_customers_by_phone(number, user, limit=1) if number else []
    return {"id": found[0].id, "name": found[0].name} if found else None


def call_state(user) -> dict:
    """The agent's current call, consult session, park slots and ringing colleagues, for the phone bar."""
    state = {"extension": user.extension or "", "switch": "online", "call": None, "consult": None}
    state["slots"] = [{"slot": n, "occupied": False, "number": ""} for n in range(1, len(transfers.PARK_SLOTS) + 1)]
    state["ringing"] = []
    if not user.extension:
        return state
    live = commands._live()
    channel = live.current_channel_of(user.extension)
    if commands._alive(channel):
        peer = live.peer_of(channel.uuid)
        far = channel.far_number or (peer.caller_number if peer else "")
        state["call"] = {
            "uuid": channel.uuid,
            "state": channel.state,
            "direction": "outbound" if channel.agent_placed else "inbound",
            "number": shown_number(far, user),
            "customer": _customer_of(far, user),
            "held": channel.state == "held" or (peer is not None and peer.state == "held"),
            "connected": commands._alive(peer) and peer.state in ("active", "held"),
            "started_at": _epoch_ms(channel.created_at),
            "answered_at": _epoch_ms(channel.answered_at),
        }
    state["consult"] = transfers.consult_state(user)
    try:
        occupied = transfers.park_slots()
    except SwitchError:
        occupied = {}  # the switch answered, only without park slots (mod_valet_parking not loaded)
    except SwitchProblem:
        state["switch"] = "offline"
        occupied = {}
    for slot, uuid in occupied.items():
        parked = live.channel(uuid)
        entry = state["slots"][transfers.PARK_SLOTS.index(slot)]
        entry["occupied"] = True
        entry["number"] = shown_number(parked.caller_number if parked else "", user)
    state["ringing"] = transfers.ringing_colleagues(user)
    return state


# -- today's calls, callback, redial --------------------------------------------------------------


def today_calls(user) -> list[dict]:
    from app.telephony.calls import today_calls as calls_of_today

    return calls_of_today(user)


def callback(user, call_id) -> dict:
    """回拨: call back the other party of one of the agent's calls (or one its role may see)."""
    from app.telephony.calls import callback_number, user_calls_condition, visible_call
    from app.telephony.models_calls import CallRecord

    try:
        call_id = int(call_id)
    except (TypeError, ValueError):
        raise ValidationError({_("通话记录"): _("通话记录不存在")}) from None
    mine = select(CallRecord).where(CallRecord.id == call_id, user_calls_condition(user))
    call = db.session.scalar(mine) or visible_call(call_id, user)
    if call is None:
        if db.session.get(CallRecord, call_id) is not None:
            raise commands.CallDenied(_("这不是您的通话"))
        raise ValidationError({_("通话记录"): _("通话记录不存在")})
    number = callback_number(call, user)
    if not number:
        raise ValidationError({_("通话记录"): _("这条通话没有可回拨的号码")})
    return commands.dial(user, number)


def redial(user) -> dict:
    """重拨 / 下一个: the number the agent last called."""
    from app.telephony.calls import last_dialled_number

    number = last_dialled_number(user)
    if not number:
        raise ValidationError({"": _("没有可重拨的号码")})
    return commands.dial(user, number)


# -- speed dial -----------------------------------------------------------------------------------


def _visible_speed_dials(user):
    return select(SpeedDial).where(or_(SpeedDial.user_id == user.id, SpeedDial.user_id.is_(None)))


def speed_dials(user) -> list[dict]:
    from app.customers.phones import display_number

    query = _visible_speed_dials(user).order_by(SpeedDial.user_id.is_(None), SpeedDial.position, SpeedDial.id)
    entries = []
    for entry in db.session.scalars(query):
        phone = entry.customer_phone
        number = display_number(phone, user) if phone is not None else shown_number(entry.number, user)
        can_edit = entry.user_id == user.id or (entry.shared and user.has_permission("telephony.admin"))
        entries.append(
            {"id": entry.id, "name": entry.name, "number": number, "shared": entry.shared, "editable": can_edit}
        )
    return entries


def add_speed_dial(user, data: dict) -> SpeedDial:
    from app.customers.access import can_view
    from app.customers.models import CustomerPhone

    name = str(data.get("name") or "").strip()
    shared = bool(data.get("shared"))
    if shared and not user.has_permission("telephony.admin"):
        raise commands.CallDenied(_("只有管理员可以维护公司快速拨号"))
    entry = SpeedDial(user_id=None if shared else user.id, name=name[:80])
    if data.get("customer_phone_id") not in (None, ""):
        try:
            phone = db.session.get(CustomerPhone, int(data["customer_phone_id"]))
        except (TypeError, ValueError):
            phone = None
        if phone is None or not can_view(phone.customer, user):
            raise commands.CallDenied(_("您不能查看该客户"))
        entry.customer_phone_id = phone.id
        entry.name = entry.name or phone.customer.name[:80]
    else:
        number = str(data.get("number") or "").strip()
        commands.parse_target(number, _("号码"))  # refuses what cannot be dialled
        entry.number = number[:40]
    if not entry.name:
        raise ValidationError({_("名称"): _("请输入名称")})
    count = db.session.scalar(select(db.func.count()).select_from(_visible_speed_dials(user).subquery()))
    if count >= SPEED_DIAL_LIMIT:
        raise ValidationError({"": _("快速拨号最多 %(n)s 条", n=SPEED_DIAL_LIMIT)})
    entry.position = count
    db.session.add(entry)
    db.session.flush()
    return entry


def _own_speed_dial(user, entry_id, edit: bool) -> SpeedDial:
    try:
        entry = db.session.get(SpeedDial, int(entry_id))
    except (TypeError, ValueError):
        entry = None
    if entry is None or (entry.user_id not in (None, user.id)):
        raise ValidationError({_("快速拨号"): _("快速拨号不存在")})
    if edit and entry.shared and not user.has_permission("telephony.admin"):
        raise commands.CallDenied(_("只有管理员可以维护公司快速拨号"))
    return entry


def delete_speed_dial(user, entry_id) -> None:
    db.session.delete(_own_speed_dial(user, entry_id, edit=True))
    db.session.flush()


def dial_speed_dial(user, entry_id) -> dict:
    entry = _own_speed_dial(user, entry_id, edit=False)
    if entry.customer_phone_id:
        return commands.dial_customer_phone(user, entry.customer_phone_id)
    return commands.dial(user, entry.number)


# -- hotkeys --------------------------------------------------------------------------------------


def hotkeys(user) -> dict:
    setting = db.session.get(PhoneSetting, user.id)
    return setting.effective_hotkeys() if setting else dict(DEFAULT_HOTKEYS)


def save_hotkeys(user, data: dict) -> dict:
    """Each action gets a key such as F8 or Ctrl+Alt+A (empty: none); plain letters would break typing."""
    chosen, errors = {}, {}
    for action, label in HOTKEY_ACTIONS.items():
        key = _canonical_key(data.get(action))
        if key and (not _HOTKEY.match(key) or key in _RESERVED_HOTKEYS):
            errors[str(label)] = _("不能使用的热键:%(k)s", k=key)
        elif key and not key.startswith("F") and not re.match(r"^(Ctrl|Alt|Meta)\+", key):
            errors[str(label)] = _("字母和数字键需要与 Ctrl 或 Alt 组合")
        elif key and key in chosen.values():
            errors[str(label)] = _("热键 %(k)s 重复", k=key)
        chosen[action] = key
    if errors:
        raise ValidationError(errors)
    setting = db.session.get(PhoneSetting, user.id) or PhoneSetting(user_id=user.id)
    setting.hotkeys = chosen
    db.session.add(setting)
    db.session.flush()
    return setting.effective_hotkeys()


def _canonical_key(raw) -> str:
    """ "ctrl + alt + a" → "Ctrl+Alt+A": modifiers in a fixed order, the key upper-cased."""
    parts = [p.strip() for p in str(raw or "").split("+") if p.strip()]
    if not parts:
        return ""
    order = ["Ctrl", "Alt", "Shift", "Meta"]
    modifiers = sorted({p.capitalize() for p in parts[:-1]}, key=lambda m: order.index(m) if m in order else 9)
    return "+".join([*modifiers, parts[-1].upper()])


def directory(user) -> dict:
    """Transfer and consult targets: colleagues with an extension and agent groups with a number."""
    from app.auth.models import User
    from app.telephony.models_config import AgentGroup

    users = db.session.scalars(
        select(User)
        .where(User.enabled.is_(True), User.extension != "", User.id != user.id)
        .order_by(User.extension)
        .limit(1000)
    )
    groups = db.session.scalars(select(AgentGroup).where(AgentGroup.number != "").order_by(AgentGroup.number))
    return {
        "agents": [{"name": u.display_name, "extension": u.extension, "status": u.agent_status} for u in users],
        "groups": [{"id": g.id, "name": g.name, "number": g.number} for g in groups],
    }

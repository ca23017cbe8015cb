"""Call controls: what an agent may do to its own calls, turned into event-socket commands.

Every function takes the acting user first, finds the agent's own leg and the far party's leg in the
live model, checks that the call is the agent's (or that the user has phone.monitor), validates the
input and sends api/bgapi commands through the switchboard. Switch problems surface as the exceptions
of app.telephony.errors; `problem_response` turns any of them into a status and a message."""

import re
import unicodedata
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from app.errors import ValidationError
from app.extensions import db
from app.telephony.errors import SwitchError, SwitchTimeout, SwitchUnavailable

CONTEXT = "default"
# How long a dial request waits for the switch's verdict before answering "ringing your phone"; the
# originate itself may take until the agent picks up (BACKGROUND_JOB comes only after the answer).
ORIGINATE_WAIT_SECONDS = 1.5
ORIGINATE_TIMEOUT_SECONDS = 65

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_DTMF = re.compile(r"^[0-9*#A-D]{1,32}$")
_EXTENSION = re.compile(r"^\d{2,6}$")
# Characters that would break out of an originate {var=value,...} block.
_UNSAFE_VAR = re.compile(r"[{}\[\],'\"=^\\\s]+")
LIVE_STATES = ("ringing", "early", "active", "held")


class CallDenied(Exception):
    """The call belongs to someone else and the user may not touch it (HTTP 403)."""


@dataclass
class CallLegs:
    agent: object  # the agent's own leg (live.Channel)
    far: object | None  # the customer's / other party's leg


@dataclass
class DialTarget:
    destination: str  # what goes to the dialplan
    kind: str  # extension, number, group
    label: str


# -- switch access ------------------------------------------------------------------------------


def _board():
    from app.telephony.switchboard import get_switchboard

    board = get_switchboard()
    if board is None:
        raise SwitchUnavailable("no switchboard")
    return board


def _live():
    from app.telephony.live import get_live_model

    return get_live_model()


def _api(command: str, node=None) -> str:
    return _board().api(command, node=node or None)


def _kill_quietly(uuid: str, node=None) -> None:
    """Hang up a leg that may already be gone."""
    try:
        _api(f"uuid_kill {uuid}", node)
    except SwitchError:
        pass


def problem_response(exc) -> tuple[int, str]:
    """HTTP status and the message the agent reads for a refused or failed command."""
    if isinstance(exc, ValidationError):
        return 400, exc.message
    if isinstance(exc, CallDenied):
        return 403, str(exc) or _("这不是您的通话")
    if isinstance(exc, SwitchUnavailable):
        return 503, _("交换机未连接")
    if isinstance(exc, SwitchTimeout):
        return 504, _("交换机响应超时,请稍后重试")
    if isinstance(exc, SwitchError):
        return 502, switch_error_message(exc.reply)
    raise exc


_CAUSES = {
    "USER_NOT_REGISTERED": "您的话机未注册,请检查话机是否在线",
    "NO_ANSWER": "您的话机未接听",
    "NO_USER_RESPONSE": "您的话机未接听",
    "ORIGINATOR_CANCEL": "呼叫已取消",
    "USER_BUSY": "您的话机忙",
    "CALL_REJECTED": "呼叫被拒绝",
    "SUBSCRIBER_ABSENT": "您的话机不在线",
    "No such channel": "该通话已结束",
}


def switch_error_message(reply: str) -> str:
    for cause, message in _CAUSES.items():
        if cause in (reply or ""):
            return _(message)
    return _("交换机拒绝了操作:%(reply)s", reply=(reply or "").replace("-ERR", "").strip())


# -- whose call is it -----------------------------------------------------------------------------


def require_extension(user) -> str:
    if not user.extension:
        raise ValidationError({_("分机"): _("您还没有分机号,请联系管理员设置")})
    return user.extension


def _alive(channel) -> bool:
    return channel is not None and channel.state in LIVE_STATES


def _connected(channel) -> bool:
    return channel is not None and channel.state in ("active", "held")


def my_call(user, uuid: str | None = None, need_far: bool = False) -> CallLegs:
    """The agent's leg and its peer; with `uuid`, that call, which must be the user's own (or phone.monitor)."""
    live = _live()
    if uuid:
        if not _UUID.match(str(uuid)):
            raise ValidationError({"uuid": _("通话标识无效")})
        channel = live.channel(uuid)
        if not _alive(channel):
            raise ValidationError({"uuid": _("该通话已结束")})
        peer = live.peer_of(uuid)
        if user.extension and channel.extension == user.extension:
            legs = CallLegs(channel, peer)
        elif user.extension and peer is not None and peer.extension == user.extension:
            legs = CallLegs(peer, channel)
        elif user.has_permission("phone.monitor"):
            legs = CallLegs(channel, peer) if channel.extension or peer is None else CallLegs(peer, channel)
        else:
            raise CallDenied(_("这不是您的通话"))
    else:
        channel = live.current_channel_of(require_extension(user))
        if not _alive(channel):
            raise ValidationError({"": _("当前没有通话")})
        legs = CallLegs(channel, live.peer_of(channel.uuid))
    if need_far and not (_connected(legs.agent) and _connected(legs.far)):
        raise ValidationError({"": _("通话尚未接通,无法执行此操作")})
    return legs


def require_idle(user) -> None:
    if _alive(_live().current_channel_of(require_extension(user))):
        raise ValidationError({"": _("您正在通话中,请先挂断当前通话")})


# -- numbers and targets --------------------------------------------------------------------------


def dialable_number(raw) -> str:
    """The digits the dialplan receives for an outside number (trunk 0 for landlines, 00 abroad)."""
    from app.customers.phones import normalize_phone

    found = normalize_phone(raw)
    if found.kind == "landline":
        return "0" + found.normalized
    if found.kind == "foreign":
        return "00" + found.normalized.lstrip("+")
    return found.normalized


def _agent_group(group_id):
    from app.telephony.models_config import AgentGroup

    try:
        return db.session.get(AgentGroup, int(group_id))
    except (TypeError, ValueError):
        return None


def parse_target(raw, field: str | None = None) -> DialTarget:
    """An extension of an enabled user, an agent group ("group:<id>") or an outside number."""
    from app.auth.models import User
    from app.telephony.models_config import AgentGroup

    field = field or _("号码")
    text = unicodedata.normalize("NFKC", str(raw or "")).strip()
    if not text:
        raise ValidationError({field: _("请输入号码")})
    if text.startswith("group:"):
        group = _agent_group(text[len("group:") :])
        if group is None or not group.number:
            raise ValidationError({field: _("坐席组不存在或没有号码")})
        return DialTarget(group.number, "group", group.name)
    if _EXTENSION.match(text):
        agent = db.session.scalar(select(User).where(User.extension == text, User.enabled.is_(True)))
        if agent is not None:
            return DialTarget(text, "extension", agent.display_name)
        group = db.session.scalar(select(AgentGroup).where(AgentGroup.number == text))
        if group is not None:
            return DialTarget(text, "group", group.name)
    try:
        return DialTarget(dialable_number(text), "number", text)
    except ValidationError as exc:
        raise ValidationError({field: next(iter(exc.errors.values()))}) from None


def _safe_var(value: str) -> str:
    return _UNSAFE_VAR.sub("_", value or "")[:40]


# -- originate, waiting briefly for the verdict ---------------------------------------------------


def originate_command(user, destination: str, extra: dict | None = None) -> str:
    """bgapi originate: ring the agent's phone first, then `destination` (dialplan or &app)."""
    ext = require_extension(user)
    variables = {
        "origination_caller_id_number": ext,
        "origination_caller_id_name": _safe_var(user.display_name),
        "zuoxi_user_id": str(user.id),
        "ignore_early_media": "true",
        **(extra or {}),
    }
    block = ",".join(f"{k}={v}" for k, v in variables.items())
    return f"originate {{{block}}}user/{ext}@{current_app.config['SIP_DOMAIN']} {destination}"


def originate(user, destination: str, extra: dict | None = None) -> dict:
    """Send the originate; answer within ORIGINATE_WAIT_SECONDS with its result or "ringing".

    The switch answers an originate only once the agent picks up, so the command runs in its own
    greenlet (the switchboard is gevent's); a failure after the wait reaches the agent as `notify`."""
    import gevent

    command = originate_command(user, destination, extra)
    board = _board()
    app, user_id = current_app._get_current_object(), user.id
    waiting = {"abandoned": False}

    def work():
        try:
            reply = board.bgapi(command, timeout=ORIGINATE_TIMEOUT_SECONDS)
            if (reply or "").startswith("-ERR"):
                raise SwitchError(reply, command)
            return reply
        except Exception as exc:  # noqa: BLE001 - handed to the waiting request or to the agent
            if waiting["abandoned"]:
                _notify_failure(app, user_id, exc)
            return exc

    job = gevent.spawn(work)
    job.join(ORIGINATE_WAIT_SECONDS)
    if not job.ready():
        waiting["abandoned"] = True
        return {"status": "ringing"}
    if isinstance(job.value, Exception):
        raise job.value
    parts = (job.value or "").split()
    return {"status": "connected", "uuid": parts[1] if len(parts) > 1 else ""}


def _notify_failure(app, user_id: int, error) -> None:
    from app.sockets import emit_to_user

    with app.app_context():
        try:
            _status, message = problem_response(error)
        except Exception:  # noqa: BLE001 - an unexpected error still tells the agent the call failed
            message = _("呼叫失败")
        emit_to_user(user_id, "notify", {"title": _("呼叫失败"), "body": message, "level": "warning"})


# -- the commands -------------------------------------------------------------------------------


def dial(user, raw) -> dict:
    """Click-to-dial, dial pad, internal call: the agent's phone rings, then the target."""
    require_extension(user)
    target = parse_target(raw)
    if target.kind == "extension" and target.destination == user.extension:
        raise ValidationError({_("号码"): _("不能呼叫自己的分机")})
    require_idle(user)
    result = originate(user, f"{target.destination} XML {CONTEXT}")
    return {**result, "target": target.label, "kind": target.kind}


def dial_customer_phone(user, phone_id) -> dict:
    """Dial a customer's stored number by its id: the browser never needs the (maybe hidden) number."""
    from app.customers.access import can_view
    from app.customers.models import CustomerPhone

    try:
        phone = db.session.get(CustomerPhone, int(phone_id))
    except (TypeError, ValueError):
        phone = None
    if phone is None or not can_view(phone.customer, user):
        raise CallDenied(_("您不能查看该客户"))
    require_extension(user)
    require_idle(user)
    result = originate(user, f"{dialable_number(phone.normalized)} XML {CONTEXT}")
    return {**result, "target": phone.customer.name, "kind": "customer"}


def answer(user, uuid=None) -> dict:
    legs = my_call(user, uuid)
    if legs.agent.state not in ("ringing", "early"):
        raise ValidationError({"": _("电话没有在振铃")})
    _api(f"uuid_phone_event {legs.agent.uuid} talk", legs.agent.node)
    return {"ok": True}


def hangup(user, uuid=None) -> dict:
    legs = my_call(user, uuid)
    _api(f"uuid_kill {legs.agent.uuid}", legs.agent.node)
    return {"ok": True}


def hold(user, uuid=None) -> dict:
    """`uuid_hold X` makes X's peer hear music: hold the agent's leg so the customer gets it."""
    legs = my_call(user, uuid, need_far=True)
    _api(f"uuid_hold {legs.agent.uuid}", legs.agent.node)
    return {"ok": True}


def unhold(user, uuid=None) -> dict:
    legs = my_call(user, uuid, need_far=True)
    _api(f"uuid_hold off {legs.agent.uuid}", legs.agent.node)
    return {"ok": True}


def mute(user, muted: bool, uuid=None) -> dict:
    legs = my_call(user, uuid, need_far=True)
    if muted:
        _api(f"uuid_audio {legs.agent.uuid} start read mute -4", legs.agent.node)
    else:
        _api(f"uuid_audio {legs.agent.uuid} stop", legs.agent.node)
    return {"ok": True, "muted": bool(muted)}


def send_dtmf(user, digits, uuid=None) -> dict:
    """Digits for the far end (its IVR): sent out to the other party's leg."""
    digits = str(digits or "").strip().upper()
    if not _DTMF.match(digits):
        raise ValidationError({_("按键"): _("只能发送 0-9、*、#")})
    legs = my_call(user, uuid, need_far=True)
    _api(f"uuid_send_dtmf {legs.far.uuid} {digits}", legs.far.node)
    return {"ok": True}


def blind_transfer(user, raw_target, uuid=None) -> dict:
    """The far party goes to the target through the dialplan; the agent's leg is hung up by the switch."""
    legs = my_call(user, uuid, need_far=True)
    target = parse_target(raw_target, _("转接目标"))
    if target.kind == "extension" and target.destination == legs.agent.extension:
        raise ValidationError({_("转接目标"): _("不能转接给自己")})
    if target.kind == "extension":
        from app.telephony import dialplan, routing

        colleague = routing.user_by_extension(target.destination)
        if colleague is not None and dialplan.is_busy_line(colleague):  # the customer would hear a busy tone
            raise ValidationError({_("转接目标"): _("%(name)s 正忙或离开,不能转接", name=target.label)})
    _api(f"uuid_transfer {legs.far.uuid} {target.destination} XML {CONTEXT}", legs.far.node)
    return {"ok": True, "target": target.label}

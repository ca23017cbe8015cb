"""The telephony settings admins manage: checked, written (flushed; the view commits) and, after the
commit, announced to FreeSWITCH over the event socket when the switch must reload something."""

import logging
import re

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.auth.models import User
from app.customers.phones import normalize_phone
from app.errors import ValidationError
from app.extensions import db
from app.telephony import agent_state, routing
from app.telephony.models_config import (
    BLACKLIST_DIRECTIONS,
    CALL_PERMISSIONS,
    CALLER_ID_SCOPES,
    GATEWAY_TYPES,
    GROUP_STRATEGIES,
    MOBILE_ZERO_RULES,
    ROUTE_TARGETS,
    TRANSPORTS,
    AgentGroup,
    AgentGroupMember,
    AgentPhone,
    BlacklistEntry,
    CallerIdNumber,
    InboundRoute,
    NoRecordNumber,
    Trunk,
    new_sip_password,
)

log = logging.getLogger(__name__)
_HOST = re.compile(r"^[A-Za-z0-9.\-:\[\]]{1,255}$")
_DIGITS = re.compile(r"^\d{0,16}$")
_NUMBER = re.compile(r"^\+?\d{2,20}$")
# An agent's SIP account as a sofia command argument: nothing the switch could read as another argument.
_SIP_ACCOUNT = re.compile(r"^\d{1,16}@[A-Za-z0-9.:_-]{1,253}$")


class Form:
    """Reads one submitted form, collecting an error per bad field so the page names them all at once."""

    def __init__(self, data):
        self.data, self.errors = data, {}

    def text(self, key, label, required=False, limit=80, pattern=None, message=None) -> str:
        value = str(self.data.get(key) or "").strip()
        if required and not value:
            self.errors[str(label)] = _("请填写%(label)s。", label=label)
        elif len(value) > limit:
            self.errors[str(label)] = _("不能超过 %(n)d 个字符。", n=limit)
        elif value and pattern is not None and not pattern.match(value):
            self.errors[str(label)] = message or _("格式不正确。")
        return value

    def integer(self, key, label, default=0, low=0, high=100000) -> int:
        raw = str(self.data.get(key) or "").strip() or str(default)
        if not raw.isdigit() or not low <= int(raw) <= high:
            self.errors[str(label)] = _("请输入 %(low)d 到 %(high)d 之间的整数。", low=low, high=high)
            return default
        return int(raw)

    def choice(self, key, label, choices, default) -> str:
        value = str(self.data.get(key) or default)
        if value not in choices:
            self.errors[str(label)] = _("请选择有效的选项。")
            return default
        return value

    def flag(self, key) -> bool:
        return str(self.data.get(key) or "") in ("1", "on", "true", "y")

    def ref(self, key, label, model):
        raw = str(self.data.get(key) or "").strip()
        if not raw:
            return None
        if not raw.isdigit() or db.session.get(model, int(raw)) is None:
            self.errors[str(label)] = _("所选项不存在。")
            return None
        return int(raw)

    def ids(self, key) -> list[int]:
        getter = getattr(self.data, "getlist", None)
        values = getter(key) if getter else self.data.get(key) or []
        return sorted({int(v) for v in values if str(v).isdigit()})

    def check(self):
        if self.errors:
            raise ValidationError(self.errors)


def _unique(model, column, value, current, label, errors):
    stmt = select(model.id).where(column == value)
    if current is not None and current.id is not None:
        stmt = stmt.where(model.id != current.id)
    if value and db.session.scalar(stmt) is not None:
        errors[str(label)] = _("“%(v)s”已存在。", v=value)


# -- trunks (外线) ---------------------------------------------------------------------------------


def save_trunk(data, trunk: Trunk | None = None) -> tuple[Trunk, list[str]]:
    """The saved trunk and the ESL commands that make FreeSWITCH pick it up (run after the commit)."""
    f = Form(data)
    values = {
        "name": f.text("name", _("外线名称"), required=True),
        "number": f.text("number", _("外线号码"), limit=32, pattern=_DIGITS, message=_("只能是数字。")),
        "gateway_type": f.choice("gateway_type", _("网关类型"), GATEWAY_TYPES, "ip"),
        "host": f.text("host", _("网关地址"), required=True, limit=255, pattern=_HOST),
        "port": f.integer("port", _("网关端口"), 5060, 1, 65535),
        "transport": f.choice("transport", _("传输协议"), TRANSPORTS, "udp"),
        "username": f.text("username", _("网关账号")),
        "realm": f.text("realm", _("认证域"), limit=255),
        "max_concurrent": f.integer("max_concurrent", _("并发外线数"), 0, 0, 10000),
        "strip_prefix": f.text("strip_prefix", _("去除前缀"), limit=16, pattern=_DIGITS, message=_("只能是数字。")),
        "add_prefix": f.text("add_prefix", _("前呼号码"), limit=16, pattern=_DIGITS, message=_("只能是数字。")),
        "caller_id_prefix": f.text("caller_id_prefix", _("外显前缀"), limit=16, pattern=_DIGITS),
        "area_code": f.text("area_code", _("区号"), limit=8, pattern=_DIGITS, message=_("只能是数字。")),
        "mobile_zero": f.choice("mobile_zero", _("长途手机加零"), MOBILE_ZERO_RULES, "never"),
        "enabled": f.flag("enabled"),
    }
    password = str(data.get("password") or "")
    if values["gateway_type"] == "register" and not values["username"]:
        f.errors[_("网关账号")] = _("注册方式的外线需要网关账号。")
    _unique(Trunk, Trunk.name, values["name"], trunk, _("外线名称"), f.errors)
    f.check()
    was_enabled = trunk is not None and trunk.enabled
    if trunk is None:
        trunk = Trunk()
        db.session.add(trunk)
    for key, value in values.items():
        setattr(trunk, key, value)
    if password:  # an empty password field keeps the stored one
        trunk.password = password
    db.session.flush()
    commands = ["reloadxml"]
    if was_enabled:
        commands.append(f"sofia profile external killgw {trunk.gateway_name}")
    commands.append("sofia profile external rescan")
    return trunk, commands


def delete_trunk(trunk: Trunk) -> list[str]:
    name = trunk.gateway_name
    db.session.delete(trunk)
    db.session.flush()
    return ["reloadxml", f"sofia profile external killgw {name}"]


# -- caller-ID numbers (外显) ----------------------------------------------------------------------


def save_caller_id(data, entry: CallerIdNumber | None = None) -> CallerIdNumber:
    f = Form(data)
    start = f.text("start_number", _("外显起始号码"), required=True, limit=32, pattern=_NUMBER)
    end = f.text("end_number", _("外显结束号码"), limit=32, pattern=_NUMBER)
    if start and end and not f.errors:
        if len(start) != len(end) or end < start:
            f.errors[_("外显结束号码")] = _("结束号码须与起始号码位数相同且不小于起始号码。")
        elif int(end) - int(start) > 9999:
            f.errors[_("外显结束号码")] = _("一个号段最多 10000 个号码。")
    values = {
        "start_number": start,
        "end_number": "" if end == start else end,
        "trunk_id": f.ref("trunk_id", _("外线"), Trunk),
        "scope": f.choice("scope", _("使用范围"), CALLER_ID_SCOPES, "all"),
        "department_ids": f.ids("department_ids"),
        "user_ids": f.ids("user_ids"),
        "note": f.text("note", _("备注"), limit=255),
    }
    if values["scope"] == "department" and not values["department_ids"]:
        f.errors[_("使用范围")] = _("请选择可以使用的部门。")
    if values["scope"] == "users" and not values["user_ids"]:
        f.errors[_("使用范围")] = _("请选择可以使用的坐席。")
    f.check()
    if entry is None:
        entry = CallerIdNumber()
        db.session.add(entry)
    for key, value in values.items():
        setattr(entry, key, value)
    db.session.flush()
    return entry


# -- inbound routes and agent groups ---------------------------------------------------------------


def save_inbound_route(data, route: InboundRoute | None = None) -> InboundRoute:
    f = Form(data)
    values = {
        "did": f.text("did", _("呼入号码"), required=True, limit=32, pattern=_NUMBER),
        "target_type": f.choice("target_type", _("目标类型"), ROUTE_TARGETS, "extension"),
        "target_extension": f.text("target_extension", _("分机号"), limit=32),
        "target_group_id": f.ref("target_group_id", _("坐席组"), AgentGroup),
        "business_hours": f.text("business_hours", _("工作时间说明"), limit=255),
        "enabled": f.flag("enabled"),
    }
    if values["target_type"] == "extension" and routing.user_by_extension(values["target_extension"]) is None:
        f.errors[_("分机号")] = _("没有启用的用户使用分机 %(ext)s。", ext=values["target_extension"] or "-")
    if values["target_type"] == "group" and values["target_group_id"] is None:
        f.errors[_("坐席组")] = _("请选择坐席组。")
    _unique(InboundRoute, InboundRoute.did, values["did"], route, _("呼入号码"), f.errors)
    f.check()
    if route is None:
        route = InboundRoute()
        db.session.add(route)
    for key, value in values.items():
        setattr(route, key, value)
    db.session.flush()
    return route


def save_agent_group(data, group: AgentGroup | None = None) -> AgentGroup:
    """Members come as `member_ids` in ring order."""
    f = Form(data)
    values = {
        "name": f.text("name", _("组名"), required=True),
        "number": f.text("number", _("组号码"), limit=16, pattern=re.compile(r"^\d{2,16}$")),
        "strategy": f.choice("strategy", _("振铃策略"), GROUP_STRATEGIES, "ring_all"),
        "no_answer_seconds": f.integer("no_answer_seconds", _("无人接听秒数"), 30, 5, 600),
    }
    getter = getattr(data, "getlist", None)
    raw_members = getter("member_ids") if getter else data.get("member_ids") or []
    member_ids = list(dict.fromkeys(int(v) for v in raw_members if str(v).isdigit()))
    known = set(db.session.scalars(select(User.id).where(User.id.in_(member_ids)))) if member_ids else set()
    if set(member_ids) - known:
        f.errors[_("组员")] = _("所选用户不存在。")
    _unique(AgentGroup, AgentGroup.name, values["name"], group, _("组名"), f.errors)
    _unique(AgentGroup, AgentGroup.number, values["number"], group, _("组号码"), f.errors)
    if values["number"] and routing.user_by_extension(values["number"]) is not None:
        f.errors[_("组号码")] = _("与某个用户的分机号相同。")
    f.check()
    if group is None:
        group = AgentGroup()
        db.session.add(group)
    for key, value in values.items():
        setattr(group, key, value)
    group.members = [AgentGroupMember(user_id=uid, position=i) for i, uid in enumerate(member_ids)]
    db.session.flush()
    return group


# -- agents' phones --------------------------------------------------------------------------------


def save_agent_phone(user: User, data) -> AgentPhone:
    phone = routing.ensure_agent_phone(user)
    f = Form(data)
    values = {
        "record_calls": f.flag("record_calls"),
        "call_permission": f.choice("call_permission", _("呼叫权限"), CALL_PERMISSIONS, "national"),
        "caller_id_number_id": f.ref("caller_id_number_id", _("外显号码"), CallerIdNumber),
        "caller_id_value": f.text("caller_id_value", _("号段中的号码"), limit=32, pattern=_NUMBER),
        "trunk_id": f.ref("trunk_id", _("呼出指定外线"), Trunk),
        "forward_to_mobile": f.flag("forward_to_mobile"),
        "no_answer_seconds": f.integer("no_answer_seconds", _("无人接听秒数"), 30, 5, 600),
    }
    # Blank: the system's wrap-up length (WRAPUP_SECONDS); a number: this agent's own.
    has_wrapup = str(data.get("wrapup_seconds") or "").strip() != ""
    wrapup = (
        f.integer("wrapup_seconds", _("话后处理时长"), 0, 0, agent_state.MAX_WRAPUP_SECONDS) if has_wrapup else None
    )
    chosen = db.session.get(CallerIdNumber, values["caller_id_number_id"]) if values["caller_id_number_id"] else None
    if chosen is not None and not routing.caller_id_usable_by(chosen, user):
        f.errors[_("外显号码")] = _("该坐席不在此外显号码的使用范围内。")
    if chosen is not None and values["caller_id_value"] and not chosen.contains(values["caller_id_value"]):
        f.errors[_("号段中的号码")] = _("不在所选号段内。")
    if values["forward_to_mobile"] and not user.mobile:
        f.errors[_("异常转手机")] = _("该用户没有填写手机号。")
    f.check()
    for key, value in values.items():
        setattr(phone, key, value)
    agent_state.set_wrapup_seconds(user.id, wrapup)
    db.session.flush()
    return phone


def rotate_sip_password(user: User) -> tuple[AgentPhone, list[str]]:
    """A new SIP password, and the command that drops the phone's current registration: without it the
    phone stays registered with the old password until the registration expires."""
    phone = routing.ensure_agent_phone(user)
    phone.sip_password = new_sip_password()
    db.session.flush()
    return phone, unregister_phone_commands(user.extension)


def unregister_phone_commands(extension: str | None) -> list[str]:
    """The command that drops the registration of the phone on `extension` at once (send it after the
    commit): a disabled, deleted or renumbered agent's phone must stop taking calls now, not when its
    registration expires. Empty for a blank extension."""
    account = f"{extension}@{current_app.config['SIP_DOMAIN']}"
    return [f"sofia profile internal flush_inbound_reg {account}"] if extension and _SIP_ACCOUNT.match(account) else []


# -- blacklist and no-record numbers ---------------------------------------------------------------


def clean_blacklist_row(data) -> dict:
    f = Form(data)
    raw = f.text("number", _("号码"), required=True, limit=32)
    is_prefix = f.flag("is_prefix")
    direction = f.choice("direction", _("类型"), BLACKLIST_DIRECTIONS, "inbound")
    reason = f.text("reason", _("原因"), limit=255)
    number = raw
    if raw and is_prefix:
        if not _DIGITS.match(raw) or len(raw) < 3:
            f.errors[_("号码")] = _("号码前缀须为 3–16 位数字。")
    elif raw:
        try:
            number = normalize_phone(raw).normalized
        except ValidationError as exc:
            f.errors[_("号码")] = next(iter(exc.errors.values()))
    f.check()
    return {"number": number, "is_prefix": is_prefix, "direction": direction, "reason": reason}


def add_blacklist_entry(data, actor) -> BlacklistEntry:
    values = clean_blacklist_row(data)
    existing = db.session.scalar(
        select(BlacklistEntry).where(
            BlacklistEntry.number == values["number"], BlacklistEntry.is_prefix.is_(values["is_prefix"])
        )
    )
    if existing is not None:
        existing.direction, existing.reason = values["direction"], values["reason"] or existing.reason
        db.session.flush()
        return existing
    entry = BlacklistEntry(**values, created_by_id=actor.id if actor else None)
    db.session.add(entry)
    db.session.flush()
    return entry


MAX_BLACKLIST_DELETE = 1000


def delete_blacklist_entries(raw_ids) -> int:
    """Remove the rows ticked in the blacklist grid. Returns how many went."""
    return _delete_ticked(BlacklistEntry, raw_ids, _("请先勾选要移出黑名单的号码。"))


def delete_no_record_numbers(raw_ids) -> int:
    """Remove the rows ticked in the no-record grid. Returns how many went."""
    return _delete_ticked(NoRecordNumber, raw_ids, _("请先勾选要移出不录音号码的号码。"))


def _delete_ticked(model, raw_ids, nothing_ticked) -> int:
    """Rows of `model` by the ids a grid's selection posts; one by one so each removal is audited."""
    items = [str(item).strip() for item in raw_ids]
    if not items or not all(item.isdigit() for item in items):
        raise ValidationError({_("删除"): nothing_ticked})
    ids = {int(item) for item in items}
    if len(ids) > MAX_BLACKLIST_DELETE:
        raise ValidationError({_("删除"): _("一次最多移出 %(n)d 个号码。", n=MAX_BLACKLIST_DELETE)})
    entries = list(db.session.scalars(select(model).where(model.id.in_(ids))))
    for entry in entries:
        db.session.delete(entry)
    db.session.flush()
    return len(entries)


def add_no_record_number(data) -> NoRecordNumber:
    f = Form(data)
    raw = f.text("number", _("号码"), required=True, limit=32)
    note = f.text("note", _("备注"), limit=255)
    number = raw
    if raw:
        try:
            number = normalize_phone(raw).normalized
        except ValidationError as exc:
            f.errors[_("号码")] = next(iter(exc.errors.values()))
    _unique(NoRecordNumber, NoRecordNumber.number, number, None, _("号码"), f.errors)
    f.check()
    entry = NoRecordNumber(number=number, note=note)
    db.session.add(entry)
    db.session.flush()
    return entry


def no_record_numbers_among(numbers) -> set[str]:
    """Which of these normalized numbers are on the no-record list (one query for a whole page)."""
    wanted = {number for number in numbers if number}
    if not wanted:
        return set()
    return set(db.session.scalars(select(NoRecordNumber.number).where(NoRecordNumber.number.in_(wanted))))


def set_no_record(number: str, on: bool) -> bool:
    """Put a normalized number on the no-record list or take it off (flushed, audited through the model;
    the view commits). True when the list changed; marking twice or unmarking an absent number is a no-op."""
    entry = db.session.scalar(select(NoRecordNumber).where(NoRecordNumber.number == number))
    if on == (entry is not None):
        return False
    if not on:
        db.session.delete(entry)
        db.session.flush()
        return True
    try:
        with db.session.begin_nested():  # someone marking the same number at the same moment
            db.session.add(NoRecordNumber(number=number, note=""))
            db.session.flush()
    except IntegrityError:
        return False
    return True


# -- telling the switch ----------------------------------------------------------------------------


def send_to_switch(commands: list[str]) -> bool:
    """Run reload commands on every connected node after the commit; False when no switch took them
    (FreeSWITCH then reads the new settings when it next loads its configuration)."""
    if not commands:
        return True
    try:
        from app.telephony.switchboard import get_switchboard
    except ImportError:
        return False
    board = get_switchboard()
    if board is None:
        return False
    try:
        for command in commands:
            board.api(command)
    except Exception as exc:  # SwitchUnavailable / SwitchError / SwitchTimeout: the save itself stands
        log.warning("switch reload %r failed: %s", commands, exc)
        return False
    return True

"""What the admins configure for the switch: agents' phones, trunks (外线), caller-ID numbers (外显),
inbound routes, agent groups, the call firewall (黑名单) and the numbers never recorded.

FreeSWITCH reads all of it through mod_xml_curl, so a change here needs no file edit on the switch.
Secrets (SIP and trunk passwords) are left out of the audit trail."""

import secrets
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow

CALL_PERMISSIONS = {
    "internal": _l("仅内线"),
    "local": _l("市话"),
    "national": _l("国内长途"),
    "international": _l("国际长途"),
}
# Each permission includes the ones before it.
PERMISSION_ORDER = ("internal", "local", "national", "international")
GATEWAY_TYPES = {"register": _l("注册到运营商(本机注册)"), "ip": _l("IP 对接(落地网关)")}
TRANSPORTS = ("udp", "tcp", "tls")
MOBILE_ZERO_RULES = {"never": _l("不加零"), "auto": _l("外地手机自动加零")}
CALLER_ID_SCOPES = {"all": _l("所有坐席"), "department": _l("指定部门"), "users": _l("指定坐席")}
ROUTE_TARGETS = {"extension": _l("分机"), "group": _l("坐席组")}
GROUP_STRATEGIES = {"ring_all": _l("同时振铃"), "sequential": _l("顺序振铃"), "round_robin": _l("轮流振铃")}
BLACKLIST_DIRECTIONS = {"inbound": _l("呼入"), "outbound": _l("呼出"), "both": _l("呼入和呼出")}


def new_sip_password() -> str:
    """Long enough to resist online guessing; letters and digits only so every phone's keypad can enter it."""
    alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(16))


class AgentPhone(db.Model):
    """One user's SIP extension settings; the extension number itself is User.extension."""

    __audited__ = (
        "record_calls",
        "call_permission",
        "caller_id_number_id",
        "trunk_id",
        "forward_to_mobile",
        "no_answer_seconds",
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(db.ForeignKey("user.id", ondelete="CASCADE"), unique=True)
    sip_password: Mapped[str] = mapped_column(db.String(64), default=new_sip_password)
    record_calls: Mapped[bool] = mapped_column(default=True)
    call_permission: Mapped[str] = mapped_column(db.String(16), default="national")
    caller_id_number_id: Mapped[int | None] = mapped_column(
        db.ForeignKey("caller_id_number.id", ondelete="SET NULL"), index=True
    )
    # The caller-ID number chosen inside a range; empty means the range's first number.
    caller_id_value: Mapped[str] = mapped_column(db.String(32), default="")
    trunk_id: Mapped[int | None] = mapped_column(db.ForeignKey("trunk.id", ondelete="SET NULL"), index=True)
    forward_to_mobile: Mapped[bool] = mapped_column(default=False)
    no_answer_seconds: Mapped[int] = mapped_column(default=30)
    updated_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow, onupdate=utcnow)

    user = relationship("User")
    caller_id_number = relationship("CallerIdNumber")
    trunk = relationship("Trunk")

    def __repr__(self):
        return f"<AgentPhone user={self.user_id}>"

    @property
    def audit_label(self) -> str:
        return self.user.display_name if self.user else str(self.user_id)


class Trunk(db.Model):
    """外线: a SIP trunk to the carrier or a gateway device, rendered as a sofia gateway."""

    __audited__ = (
        "name",
        "number",
        "gateway_type",
        "host",
        "port",
        "transport",
        "username",
        "realm",
        "max_concurrent",
        "strip_prefix",
        "add_prefix",
        "caller_id_prefix",
        "area_code",
        "mobile_zero",
        "enabled",
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(db.String(80), unique=True)
    number: Mapped[str] = mapped_column(db.String(32), default="")
    gateway_type: Mapped[str] = mapped_column(db.String(16), default="ip")
    host: Mapped[str] = mapped_column(db.String(255))
    port: Mapped[int] = mapped_column(default=5060)
    transport: Mapped[str] = mapped_column(db.String(8), default="udp")
    username: Mapped[str] = mapped_column(db.String(80), default="")
    # Kept to register with the carrier; the pages never show it back.
    password: Mapped[str] = mapped_column(db.String(128), default="")
    realm: Mapped[str] = mapped_column(db.String(255), default="")
    max_concurrent: Mapped[int] = mapped_column(default=0)  # 0: no limit
    # Removed from the dialled number when it starts with it (an "outside line" digit such as 9).
    strip_prefix: Mapped[str] = mapped_column(db.String(16), default="")
    # Put in front of what is sent to the gateway (前呼号码, the gateway's routing prefix).
    add_prefix: Mapped[str] = mapped_column(db.String(16), default="")
    # 外显前缀: only caller-ID numbers starting with this may go out on the trunk.
    caller_id_prefix: Mapped[str] = mapped_column(db.String(16), default="")
    # The trunk's own area code when it differs from PHONE_LOCAL_AREA_CODE (local vs long distance).
    area_code: Mapped[str] = mapped_column(db.String(8), default="")
    mobile_zero: Mapped[str] = mapped_column(db.String(8), default="never")
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow)

    def __repr__(self):
        return f"<Trunk {self.name}>"

    @property
    def gateway_name(self) -> str:
        """The sofia gateway name: stable across renames, so the CDR's sip_gateway_name maps back to the row."""
        return f"zuoxi-trunk-{self.id}"


class CallerIdNumber(db.Model):
    """外显号码: one number or a range (start–end) the carrier lets us present, and who may use it."""

    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    start_number: Mapped[str] = mapped_column(db.String(32))
    end_number: Mapped[str] = mapped_column(db.String(32), default="")
    trunk_id: Mapped[int | None] = mapped_column(db.ForeignKey("trunk.id", ondelete="SET NULL"), index=True)
    scope: Mapped[str] = mapped_column(db.String(16), default="all")
    department_ids: Mapped[list] = mapped_column(db.JSON, default=list)
    user_ids: Mapped[list] = mapped_column(db.JSON, default=list)
    note: Mapped[str] = mapped_column(db.String(255), default="")
    created_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow)

    trunk = relationship("Trunk")

    def __repr__(self):
        return f"<CallerIdNumber {self.label}>"

    @property
    def label(self) -> str:
        return f"{self.start_number}–{self.end_number}" if self.end_number else self.start_number

    audit_label = label

    def contains(self, number: str) -> bool:
        if not self.end_number:
            return number == self.start_number
        same_length = len(number) == len(self.start_number) and number.isdigit()
        return same_length and self.start_number <= number <= self.end_number


class InboundRoute(db.Model):
    """呼入路由: a number callers dial (DID) and where its calls go."""

    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    did: Mapped[str] = mapped_column(db.String(32), unique=True)
    target_type: Mapped[str] = mapped_column(db.String(16), default="extension")
    target_extension: Mapped[str] = mapped_column(db.String(32), default="")
    target_group_id: Mapped[int | None] = mapped_column(db.ForeignKey("agent_group.id", ondelete="SET NULL"))
    business_hours: Mapped[str] = mapped_column(db.String(255), default="")
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow)

    target_group = relationship("AgentGroup")

    def __repr__(self):
        return f"<InboundRoute {self.did}>"

    audit_label = property(lambda self: self.did)


class AgentGroup(db.Model):
    """坐席组: agents rung together, in order or in turn; dialable by its own number for transfers."""

    __audited__ = ("name", "number", "strategy", "no_answer_seconds")

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(db.String(80), unique=True)
    number: Mapped[str] = mapped_column(db.String(16), default="", index=True)
    strategy: Mapped[str] = mapped_column(db.String(16), default="ring_all")
    no_answer_seconds: Mapped[int] = mapped_column(default=30)
    # Round-robin: position of the member who rang first last time.
    last_position: Mapped[int] = mapped_column(default=-1)
    created_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow)

    members = relationship(
        "AgentGroupMember", cascade="all, delete-orphan", order_by="AgentGroupMember.position", back_populates="group"
    )

    def __repr__(self):
        return f"<AgentGroup {self.name}>"


class AgentGroupMember(db.Model):
    __table_args__ = (db.UniqueConstraint("group_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(db.ForeignKey("agent_group.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(db.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)

    group = relationship("AgentGroup", back_populates="members")
    user = relationship("User")

    def __repr__(self):
        return f"<AgentGroupMember group={self.group_id} user={self.user_id}>"


class BlacklistEntry(db.Model):
    """A number (or every number starting with a prefix) refused inbound, outbound or both."""

    __audited__ = ("number", "is_prefix", "direction", "reason")
    __table_args__ = (db.UniqueConstraint("number", "is_prefix"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Normalized (app.customers.phones) for numbers; the digits as written for prefixes.
    number: Mapped[str] = mapped_column(db.String(32), index=True)
    is_prefix: Mapped[bool] = mapped_column(default=False)
    direction: Mapped[str] = mapped_column(db.String(16), default="inbound")
    reason: Mapped[str] = mapped_column(db.String(255), default="")
    created_by_id: Mapped[int | None] = mapped_column(db.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow)
    hit_count: Mapped[int] = mapped_column(default=0)
    last_hit_at: Mapped[datetime | None] = mapped_column(db.DateTime)

    created_by = relationship("User")

    def __repr__(self):
        return f"<BlacklistEntry {self.number}{'*' if self.is_prefix else ''}>"

    audit_label = property(lambda self: self.number + ("*" if self.is_prefix else ""))


class NoRecordNumber(db.Model):
    """Calls with these numbers are never recorded (desktop-callcenter-crm §5.3)."""

    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(db.String(32), unique=True)
    note: Mapped[str] = mapped_column(db.String(255), default="")
    created_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow)

    def __repr__(self):
        return f"<NoRecordNumber {self.number}>"

    audit_label = property(lambda self: self.number)

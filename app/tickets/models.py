"""Tickets (工单): admin-defined types with their fields and workflow steps, the tickets and their history."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow

STATES = ("open", "handling", "closed")
STATE_LABELS = {"open": _l("待处理"), "handling": _l("处理中"), "closed": _l("已关闭")}
PRIORITIES = ("low", "normal", "high", "urgent")
PRIORITY_LABELS = {"low": _l("低"), "normal": _l("普通"), "high": _l("高"), "urgent": _l("紧急")}
ACTIONS = ("created", "edited", "assigned", "step", "comment", "callback", "review", "closed", "reopened")
ACTION_LABELS = {
    "created": _l("创建"),
    "edited": _l("修改"),
    "assigned": _l("指派"),
    "step": _l("流转"),
    "comment": _l("处理意见"),
    "callback": _l("回访"),
    "review": _l("审核"),
    "closed": _l("关闭"),
    "reopened": _l("重新打开"),
}
DEFAULT_NUMBER_FORMAT = "GD{yyyyMMdd}{seq:04}"


class TicketType(db.Model):
    """投诉 / 咨询 / 回访 …: the number format, the fields a ticket of this type carries and its steps."""

    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(db.String(40), unique=True)
    number_format: Mapped[str] = mapped_column(db.String(60), default=DEFAULT_NUMBER_FORMAT)
    default_due_hours: Mapped[int] = mapped_column(default=0)
    enabled: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow)

    steps: Mapped[list["TicketStep"]] = relationship(
        order_by="TicketStep.position, TicketStep.id", cascade="all, delete-orphan", back_populates="ticket_type"
    )
    fields: Mapped[list["TicketField"]] = relationship(
        order_by="TicketField.position, TicketField.id", cascade="all, delete-orphan"
    )

    def __repr__(self):
        return f"<TicketType {self.id} {self.name}>"

    @property
    def live_fields(self) -> list["TicketField"]:
        return [field for field in self.fields if not field.retired]

    @property
    def audit_label(self) -> str:
        return self.name


class TicketStep(db.Model):
    """One step of a type's workflow; the responsible party may be a user, a department or a role."""

    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    type_id: Mapped[int] = mapped_column(db.ForeignKey("ticket_type.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(db.String(40))
    user_id: Mapped[int | None] = mapped_column(db.ForeignKey("user.id", ondelete="SET NULL"))
    department_id: Mapped[int | None] = mapped_column(db.ForeignKey("department.id", ondelete="SET NULL"))
    role_id: Mapped[int | None] = mapped_column(db.ForeignKey("role.id", ondelete="SET NULL"))
    due_hours: Mapped[int] = mapped_column(default=0)
    is_final: Mapped[bool] = mapped_column(default=False)

    ticket_type: Mapped[TicketType] = relationship(back_populates="steps")
    user = relationship("User", foreign_keys=[user_id])
    department = relationship("Department")
    role = relationship("Role")

    def __repr__(self):
        return f"<TicketStep {self.id} {self.name}>"

    @property
    def audit_label(self) -> str:
        return self.name


class TicketField(db.Model):
    """A field of one ticket type; values live in Ticket.extra under `key` (checked by fields.values)."""

    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    type_id: Mapped[int] = mapped_column(db.ForeignKey("ticket_type.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(db.String(40))
    label: Mapped[str] = mapped_column(db.String(80))
    field_type: Mapped[str] = mapped_column(db.String(16))
    required: Mapped[bool] = mapped_column(default=False)
    options: Mapped[list] = mapped_column(JSON, default=list)
    position: Mapped[int] = mapped_column(default=0)
    # A removed field is retired, not deleted: its key is never handed out again, so old values never
    # reappear under a new label.
    retired: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (db.UniqueConstraint("type_id", "key", name="uq_ticket_field_type_key"),)

    def __repr__(self):
        return f"<TicketField {self.type_id}.{self.key} {self.field_type}>"

    @property
    def audit_label(self) -> str:
        return self.label


class TicketCounter(db.Model):
    """The last sequence number handed out for one rendered prefix (e.g. "TS20250301{seq}")."""

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(db.String(80), unique=True)
    value: Mapped[int] = mapped_column(default=0)

    def __repr__(self):
        return f"<TicketCounter {self.scope}={self.value}>"


class Ticket(db.Model):
    __audited__ = (
        "number",
        "title",
        "content",
        "priority",
        "state",
        "customer_id",
        "call_id",
        "assignee_id",
        "department_id",
        "step_id",
        "due_at",
        "extra",
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    type_id: Mapped[int] = mapped_column(db.ForeignKey("ticket_type.id", ondelete="RESTRICT"), index=True)
    number: Mapped[str] = mapped_column(db.String(60), unique=True)
    title: Mapped[str] = mapped_column(db.String(200))
    content: Mapped[str] = mapped_column(db.Text, default="")
    priority: Mapped[str] = mapped_column(db.String(10), default="normal", index=True)
    state: Mapped[str] = mapped_column(db.String(10), default="open", index=True)
    customer_id: Mapped[int | None] = mapped_column(db.ForeignKey("customer.id", ondelete="SET NULL"), index=True)
    call_id: Mapped[int | None] = mapped_column(db.ForeignKey("call_record.id", ondelete="SET NULL"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(db.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    department_id: Mapped[int | None] = mapped_column(db.ForeignKey("department.id", ondelete="SET NULL"), index=True)
    step_id: Mapped[int | None] = mapped_column(db.ForeignKey("ticket_step.id", ondelete="SET NULL"), index=True)
    due_at: Mapped[datetime | None] = mapped_column(db.DateTime, index=True)
    extra: Mapped[dict] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(db.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow, onupdate=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(db.DateTime)
    # The due time the overdue reminders were sent for, so the periodic job skips it until the due time moves.
    overdue_reminded_for: Mapped[datetime | None] = mapped_column(db.DateTime)

    ticket_type: Mapped[TicketType] = relationship()
    step: Mapped[TicketStep | None] = relationship()
    customer = relationship("Customer")
    assignee = relationship("User", foreign_keys=[assignee_id])
    department = relationship("Department")
    created_by = relationship("User", foreign_keys=[created_by_id])
    events: Mapped[list["TicketEvent"]] = relationship(
        order_by="TicketEvent.at, TicketEvent.id", cascade="all, delete-orphan", back_populates="ticket"
    )

    def __repr__(self):
        return f"<Ticket {self.number}>"

    @property
    def audit_label(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_closed(self) -> bool:
        return self.state == "closed"


class TicketEvent(db.Model):
    """One line of a ticket's history: who did what, when, at which step, with what note."""

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(db.ForeignKey("ticket.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(db.ForeignKey("user.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow)
    action: Mapped[str] = mapped_column(db.String(16))
    step_name: Mapped[str] = mapped_column(db.String(40), default="")
    note: Mapped[str] = mapped_column(db.Text, default="")

    ticket: Mapped[Ticket] = relationship(back_populates="events")
    user = relationship("User")

    def __repr__(self):
        return f"<TicketEvent {self.ticket_id} {self.action}>"

"""Tickets: who sees and who may act on which ticket, raising one, and moving it through its steps.

Every change writes a TicketEvent (who, when, what, at which step) next to the audit log entry the
model's `__audited__` produces. Services flush; the view commits.
"""

from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import or_, select

from app.auth.models import Department, User
from app.customers.models import Customer
from app.errors import ValidationError
from app.extensions import db
from app.fields.values import display_value
from app.permissions import scope_condition
from app.tickets.models import PRIORITIES, PRIORITY_LABELS, Ticket, TicketEvent, TicketStep, TicketType
from app.tickets.numbering import next_number
from app.tickets.types import clean_extra
from app.timeutil import format_local, utcnow

NOTE_MAX = 10000
ACTS = ("comment", "callback", "review", "assign", "advance", "close", "reopen")
NOTE_REQUIRED = ("comment", "callback", "review")


class NotAllowed(Exception):
    """The user may see the ticket but not do this to it."""


# -- who sees, who acts ---------------------------------------------------------------------------


def responsible_steps(user):
    """Ids of the steps `user` is responsible for by name, department or role."""
    matches = [TicketStep.user_id == user.id]
    if user.department_id is not None:
        matches.append(TicketStep.department_id == user.department_id)
    if user.role_id is not None:
        matches.append(TicketStep.role_id == user.role_id)
    return select(TicketStep.id).where(or_(*matches))


def mine_condition(user):
    """ "My tickets": assigned to me, to my department, or standing at a step I am responsible for."""
    mine = [Ticket.assignee_id == user.id, Ticket.step_id.in_(responsible_steps(user))]
    if user.department_id is not None:
        mine.append(Ticket.department_id == user.department_id)
    return or_(*mine)


def ticket_scope(user) -> list:
    """WHERE conditions limiting tickets to those `user` may see (empty: all). What is mine is always visible."""
    scope = scope_condition(user, Ticket.assignee_id, Ticket.created_by_id, module="ticket")
    if scope is None:
        return []
    return [or_(scope, mine_condition(user))]


def can_view(ticket: Ticket, user) -> bool:
    if ticket is None or not user.has_permission("ticket.view"):
        return False
    query = select(Ticket.id).where(Ticket.id == ticket.id, *ticket_scope(user))
    return db.session.scalar(query) is not None


def is_responsible(ticket: Ticket, user) -> bool:
    if ticket.assignee_id == user.id:
        return True
    if ticket.department_id is not None and ticket.department_id == user.department_id:
        return True
    step = ticket.step
    if step is None:
        return False
    return (
        step.user_id == user.id
        or (step.department_id is not None and step.department_id == user.department_id)
        or (step.role_id is not None and step.role_id == user.role_id)
    )


def can_act(ticket: Ticket, user) -> bool:
    """The assignee and whoever is responsible for the current step; others need query_all and edit."""
    if not can_view(ticket, user):
        return False
    if user.is_superuser or is_responsible(ticket, user):
        return True
    return user.has_permission("ticket.query_all") and user.has_permission("ticket.edit")


def can_edit(ticket: Ticket, user) -> bool:
    """Changing what was reported needs ticket.edit on a ticket one raised, holds or handles (query_all for
    anyone else's); a closed ticket is read-only until reopened. Superusers may always."""
    if ticket.is_closed or not can_view(ticket, user):
        return False
    if user.is_superuser:
        return True
    if not user.has_permission("ticket.edit"):
        return False
    return ticket.created_by_id == user.id or is_responsible(ticket, user) or user.has_permission("ticket.query_all")


def is_overdue(ticket: Ticket) -> bool:
    return not ticket.is_closed and ticket.due_at is not None and ticket.due_at < utcnow()


def visible_ticket(ticket_id: int, user) -> Ticket | None:
    ticket = db.session.get(Ticket, ticket_id)
    return ticket if can_view(ticket, user) else None


# -- raising a ticket -----------------------------------------------------------------------------


def visible_customer(customer_id, user):
    from app.customers.access import can_view as can_view_customer

    customer = db.session.get(Customer, customer_id)
    return customer if customer is not None and can_view_customer(customer, user) else None


def visible_call(call_id, user):
    try:
        from app.telephony.calls import visible_call as visible_call_record
    except ImportError:  # a build without the telephony module has no call records to link
        return None
    return visible_call_record(call_id, user)


def _user(user_id):
    user = db.session.get(User, user_id) if user_id else None
    return user if user is not None and user.enabled else None


def _check_assignment(data: dict, errors: dict) -> tuple[int | None, int | None]:
    assignee_id, department_id = data.get("assignee_id"), data.get("department_id")
    if assignee_id and _user(assignee_id) is None:
        errors[_("处理人")] = _("没有这个用户,或已停用")
    if department_id and db.session.get(Department, department_id) is None:
        errors[_("处理部门")] = _("没有这个部门")
    return assignee_id or None, department_id or None


def _text(data: dict, key: str, label, limit: int, errors: dict, required=False) -> str:
    value = str(data.get(key) or "").strip()
    if required and not value:
        errors[label] = _("请填写%(label)s", label=label)
    elif len(value) > limit:
        errors[label] = _("不能超过 %(n)s 个字符", n=limit)
    return value


def _step_assignment(ticket: Ticket, step: TicketStep | None) -> None:
    """A step that names who is responsible takes the ticket over; a step that names nobody leaves it as it is."""
    if step is None or not (step.user_id or step.department_id):
        return
    ticket.assignee_id = step.user_id
    ticket.department_id = step.department_id


def _record(ticket: Ticket, user, action: str, note: str = "") -> TicketEvent:
    event = TicketEvent(
        user_id=user.id if user else None,
        at=utcnow(),
        action=action,
        step_name=ticket.step.name if ticket.step else "",
        note=note,
    )
    ticket.events.append(event)
    return event


def _clean_report(data: dict, ticket_type: TicketType | None, user, errors: dict, kept_customer_id=None) -> dict:
    """Title, content, priority, customer and the type's fields as creating and editing both check them;
    problems go into `errors` by field label. A customer already on the ticket stays acceptable."""
    cleaned = {
        "title": _text(data, "title", _("标题"), 200, errors, required=True),
        "content": _text(data, "content", _("内容"), NOTE_MAX, errors),
        "priority": data.get("priority") or "normal",
        "customer": None,
        "extra": {},
    }
    if cleaned["priority"] not in PRIORITIES:
        errors[_("优先级")] = _("请选择优先级")
    customer_id = data.get("customer_id")
    if customer_id:
        if kept_customer_id is not None and customer_id == kept_customer_id:
            cleaned["customer"] = db.session.get(Customer, customer_id)
        else:
            cleaned["customer"] = visible_customer(customer_id, user)
            if cleaned["customer"] is None:
                errors[_("客户")] = _("没有这个客户,或无权查看")
    if ticket_type is not None:
        try:
            cleaned["extra"] = clean_extra(ticket_type, data.get("extra") or {})
        except ValidationError as exc:
            errors.update(exc.errors)
    return cleaned


def create_ticket(data: dict, user) -> Ticket:
    """data: type_id, title, content, priority, customer_id, call_id, assignee_id, department_id, due_at, extra."""
    errors: dict = {}
    ticket_type = db.session.get(TicketType, data.get("type_id") or 0)
    if ticket_type is None or not ticket_type.enabled:
        errors[_("工单类型")] = _("请选择工单类型")
    report = _clean_report(data, ticket_type, user, errors)
    title, content, priority, customer, extra = (
        report[key] for key in ("title", "content", "priority", "customer", "extra")
    )
    call = None
    if data.get("call_id"):
        call = visible_call(data["call_id"], user)
        if call is None:
            errors[_("通话记录")] = _("没有这条通话记录,或无权查看")
    assignee_id, department_id = _check_assignment(data, errors)
    if errors:
        raise ValidationError(errors)

    if customer is None and call is not None and call.customer_id:
        customer = visible_customer(call.customer_id, user)
    steps = ticket_type.steps
    ticket = Ticket(
        type_id=ticket_type.id,
        number=next_number(ticket_type.number_format),
        title=title,
        content=content,
        priority=priority,
        state="open",
        customer_id=customer.id if customer else None,
        call_id=call.id if call else None,
        step_id=steps[0].id if steps else None,
        extra=extra,
        created_by_id=user.id,
    )
    ticket.step = steps[0] if steps else None
    _step_assignment(ticket, ticket.step)
    if assignee_id or department_id:
        ticket.assignee_id, ticket.department_id = assignee_id, department_id
    if ticket.assignee_id is None and ticket.department_id is None and (ticket.step is None or not ticket.step.role_id):
        ticket.assignee_id = user.id  # nobody else named: the ticket stays with whoever raised it
    hours = (ticket.step.due_hours if ticket.step else 0) or ticket_type.default_due_hours
    ticket.due_at = data.get("due_at") or (utcnow() + timedelta(hours=hours) if hours else None)
    db.session.add(ticket)
    _record(ticket, user, "created", content[:200])
    db.session.flush()
    return ticket


# -- acting on a ticket ---------------------------------------------------------------------------


def next_step(ticket: Ticket) -> TicketStep | None:
    steps = ticket.ticket_type.steps
    if ticket.step is None or ticket.step.is_final or ticket.step not in steps:
        return None
    index = steps.index(ticket.step)
    return steps[index + 1] if index + 1 < len(steps) else None


def assignment_label(ticket: Ticket) -> str:
    """ "张三", "客服部" or "张三 / 客服部", read from the ids so it is right before a flush too."""
    user = db.session.get(User, ticket.assignee_id) if ticket.assignee_id else None
    department = db.session.get(Department, ticket.department_id) if ticket.department_id else None
    return " / ".join(x for x in (user.display_name if user else "", department.name if department else "") if x)


def _join(summary: str, note: str) -> str:
    return f"{summary}\n{note}" if note else summary


def _close(ticket: Ticket, user, note: str) -> None:
    ticket.state = "closed"
    ticket.closed_at = utcnow()
    _record(ticket, user, "closed", note)


def act(ticket: Ticket, user, action: str, note: str = "", assignee_id=None, department_id=None) -> TicketEvent:
    """One action on the ticket by `user`: comment, callback, review, assign, advance (next step), close, reopen."""
    if action not in ACTS:
        raise ValidationError({_("操作"): _("不支持的操作")})
    if not can_act(ticket, user):
        raise NotAllowed()
    note = str(note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationError({_("说明"): _("不能超过 %(n)s 个字符", n=NOTE_MAX)})
    if ticket.is_closed and action != "reopen":
        raise ValidationError({_("工单"): _("工单已关闭,请先重新打开")})
    if action == "reopen":
        if not ticket.is_closed:
            raise ValidationError({_("工单"): _("工单没有关闭")})
        ticket.state, ticket.closed_at = "handling", None
        event = _record(ticket, user, "reopened", note)
    elif action in NOTE_REQUIRED:
        if not note:
            raise ValidationError({_("说明"): _("请填写说明")})
        event = _record(ticket, user, action, note)
    elif action == "assign":
        errors: dict = {}
        assignee_id, department_id = _check_assignment(
            {"assignee_id": assignee_id, "department_id": department_id}, errors
        )
        if not errors and not (assignee_id or department_id):
            errors[_("处理人")] = _("请选择处理人或处理部门")
        if errors:
            raise ValidationError(errors)
        ticket.assignee_id, ticket.department_id = assignee_id, department_id
        event = _record(ticket, user, "assigned", _join(_("指派给 %(who)s", who=assignment_label(ticket)), note))
    elif action == "advance":
        target = next_step(ticket)
        if target is None:
            ticket.state = "handling"
            _close(ticket, user, note)
            db.session.flush()
            return ticket.events[-1]
        previous = ticket.step.name if ticket.step else ""
        ticket.step, ticket.step_id = target, target.id
        _step_assignment(ticket, target)
        if target.due_hours:
            ticket.due_at = utcnow() + timedelta(hours=target.due_hours)
        event = _record(ticket, user, "step", _join(_("%(a)s → %(b)s", a=previous, b=target.name), note))
    else:  # close
        _close(ticket, user, note)
        db.session.flush()
        return ticket.events[-1]
    if ticket.state == "open":
        ticket.state = "handling"
    db.session.flush()
    return event


# -- editing what was reported --------------------------------------------------------------------

CHANGE_SHOWN = 80  # characters of an old or new value the history line shows


def _brief(value) -> str:
    text = " ".join(str(value or "").split())
    return text if len(text) <= CHANGE_SHOWN else text[: CHANGE_SHOWN - 1] + "…"


def _shown_values(ticket: Ticket) -> dict:
    """{label: text} of everything the edit form changes, as the history line shows it."""
    extra = ticket.extra or {}
    customer = db.session.get(Customer, ticket.customer_id) if ticket.customer_id else None
    shown = {
        _("标题"): ticket.title,
        _("优先级"): str(PRIORITY_LABELS.get(ticket.priority, ticket.priority)),
        _("处理时限"): format_local(ticket.due_at),
        _("客户"): customer.name if customer else "",
    }
    for field in ticket.ticket_type.live_fields:
        shown[field.label] = display_value(field.field_type, extra.get(field.key))
    shown[_("内容")] = ticket.content
    return shown


def edit_ticket(ticket: Ticket, data: dict, user) -> TicketEvent | None:
    """Change title, content, priority, due time, customer and the type's fields, checked as when raising
    the ticket; the history line names each changed field with its old and new value. None: nothing changed.

    data: title, content, priority, customer_id, due_at, extra (by field key)."""
    if not can_view(ticket, user):
        raise NotAllowed()
    if ticket.is_closed:
        raise ValidationError({_("工单"): _("工单已关闭,请先重新打开")})
    if not can_edit(ticket, user):
        raise NotAllowed()
    errors: dict = {}
    report = _clean_report(data, ticket.ticket_type, user, errors, kept_customer_id=ticket.customer_id)
    if errors:
        raise ValidationError(errors)
    # Values of retired fields are not on the form; they stay in the ticket as they were.
    live = {field.key for field in ticket.ticket_type.live_fields}
    extra = {key: value for key, value in (ticket.extra or {}).items() if key not in live}
    extra.update(report["extra"])

    before = _shown_values(ticket)
    ticket.title, ticket.content, ticket.priority = report["title"], report["content"], report["priority"]
    ticket.customer_id = report["customer"].id if report["customer"] else None
    ticket.due_at = data.get("due_at")
    if extra != (ticket.extra or {}):
        ticket.extra = extra
    after = _shown_values(ticket)
    changes = [
        _(
            "%(field)s:%(old)s → %(new)s",
            field=label,
            old=_brief(before[label]) or _("(空)"),
            new=_brief(value) or _("(空)"),
        )
        for label, value in after.items()
        if value != before[label]
    ]
    if not changes:
        return None
    event = _record(ticket, user, "edited", "\n".join(changes))
    db.session.flush()
    return event


def delete_ticket(ticket: Ticket) -> None:
    db.session.delete(ticket)
    db.session.flush()

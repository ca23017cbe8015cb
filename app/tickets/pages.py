"""What the ticket pages show: choices for the forms and the detail page's facts."""

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.auth.models import Department, Role
from app.customers.picker import picked_customer
from app.extensions import db
from app.fields.models import FIELD_TYPE_LABELS, FIELD_TYPES
from app.fields.values import display_value
from app.grid.columns import user_choices
from app.masking import mask_number
from app.tickets import services
from app.tickets.models import ACTION_LABELS, PRIORITY_LABELS, STATE_LABELS, TicketType
from app.tickets.types import ticket_types
from app.timeutil import format_local


def department_choices():
    return list(db.session.execute(select(Department.id, Department.name).order_by(Department.position, Department.id)))


def role_choices():
    return list(db.session.execute(select(Role.id, Role.name).order_by(Role.name)))


def form_context(user, type_id=None, customer_id=None, call_id=None) -> dict:
    types = ticket_types(enabled_only=True)
    chosen = db.session.get(TicketType, type_id) if type_id else None
    if chosen is None or not chosen.enabled:
        chosen = types[0] if types else None
    customer = services.visible_customer(customer_id, user) if customer_id else None
    call = services.visible_call(call_id, user) if call_id else None
    if customer is None and call is not None and call.customer_id:
        customer = services.visible_customer(call.customer_id, user)
    return {
        "types": types,
        "ticket_type": chosen,
        "customer": customer,
        "call": call,
        "call_number": (mask_number(call.far_number) if user.hides_numbers else call.far_number) if call else "",
        "users": user_choices(),
        "departments": department_choices(),
        "priorities": PRIORITY_LABELS,
    }


def edit_values(ticket) -> MultiDict:
    """The edit form's first values, named as the form posts them (field_<key> for the type's fields)."""
    values = MultiDict(
        {
            "title": ticket.title,
            "content": ticket.content,
            "priority": ticket.priority,
            "due_at": format_local(ticket.due_at, "%Y-%m-%dT%H:%M"),
            "customer_id": ticket.customer_id or "",
        }
    )
    extra = ticket.extra or {}
    for field in ticket.ticket_type.live_fields:
        value = extra.get(field.key)
        name = f"field_{field.key}"
        if field.field_type == "multichoice":
            values.setlist(name, list(value or []))
        elif field.field_type == "bool" and value is not None:
            values[name] = "是" if value else "否"
        elif value is not None:
            values[name] = str(value)
    return values


def edit_context(ticket, user, customer_id) -> dict:
    """The edit page's choices; the customer shown is the one posted back, else the ticket's."""
    customer = picked_customer(customer_id, user, kept=ticket.customer)
    return {"ticket": ticket, "customer": customer, "priorities": PRIORITY_LABELS}


def detail_context(ticket, user) -> dict:
    extra = ticket.extra or {}
    fields = [(f.label, display_value(f.field_type, extra.get(f.key))) for f in ticket.ticket_type.live_fields]
    may_act = services.can_act(ticket, user)
    return {
        "fields": fields,
        "may_act": may_act,
        "next_step": services.next_step(ticket) if may_act else None,
        "assignment": services.assignment_label(ticket),
        "state_labels": STATE_LABELS,
        "priority_labels": PRIORITY_LABELS,
        "action_labels": ACTION_LABELS,
        "users": user_choices() if may_act else [],
        "departments": department_choices() if may_act else [],
        "is_overdue": services.is_overdue(ticket),
        "may_edit": services.can_edit(ticket, user),
    }


def type_context(ticket_type) -> dict:
    return {
        "ticket_type": ticket_type,
        "users": user_choices(),
        "departments": department_choices(),
        "roles": role_choices(),
        "field_types": FIELD_TYPES,
        "field_type_labels": FIELD_TYPE_LABELS,
    }

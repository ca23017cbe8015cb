"""Reading the ticket forms: posted text into the plain values the services take."""

from datetime import datetime

from flask_babel import gettext as _

from app.errors import ValidationError
from app.timeutil import local_zone


def int_or_none(raw):
    try:
        return int(raw) if raw not in (None, "") else None
    except (TypeError, ValueError):
        return None


def local_datetime(raw, label):
    """A datetime-local value ("2025-03-01T14:30") read as local time, returned as naive UTC."""
    text = str(raw or "").strip()
    if not text:
        return None
    try:
        local = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError({label: _("不是有效的时间:%(value)s", value=text)}) from None
    from zoneinfo import ZoneInfo

    aware = local.replace(tzinfo=local_zone()) if local.tzinfo is None else local
    return aware.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def ticket_form_data(form, ticket_type) -> dict:
    extra = {}
    for field in ticket_type.live_fields if ticket_type else ():
        name = f"field_{field.key}"
        extra[field.key] = form.getlist(name) if field.field_type == "multichoice" else form.get(name)
    return {
        "type_id": int_or_none(form.get("type_id")),
        "title": form.get("title", ""),
        "content": form.get("content", ""),
        "priority": form.get("priority", "normal"),
        "customer_id": int_or_none(form.get("customer_id")),
        "call_id": int_or_none(form.get("call_id")),
        "assignee_id": int_or_none(form.get("assignee_id")),
        "department_id": int_or_none(form.get("department_id")),
        "due_at": local_datetime(form.get("due_at"), _("处理时限")),
        "extra": extra,
    }


def edit_form_data(form, ticket_type) -> dict:
    """What the edit form may change: the type, number, call and assignment stay as they are."""
    data = ticket_form_data(form, ticket_type)
    return {key: data[key] for key in ("title", "content", "priority", "customer_id", "due_at", "extra")}


def type_form_data(form) -> dict:
    return {
        "name": form.get("name", ""),
        "number_format": form.get("number_format", ""),
        "default_due_hours": form.get("default_due_hours", "0"),
        "enabled": form.get("enabled") == "1",
    }


def step_form_data(form) -> dict:
    return {
        "name": form.get("name", ""),
        "user_id": int_or_none(form.get("user_id")),
        "department_id": int_or_none(form.get("department_id")),
        "role_id": int_or_none(form.get("role_id")),
        "due_hours": form.get("due_hours", "0"),
        "is_final": form.get("is_final") == "1",
    }


def field_form_data(form) -> dict:
    return {
        "label": form.get("label", ""),
        "field_type": form.get("field_type", ""),
        "required": form.get("required") == "1",
        "options": form.get("options", ""),
    }

"""Ticket types (工单类型): their number format, their own fields and their workflow steps.

A type's fields are kept in TicketField rather than as CustomField rows of a "ticket:<id>" entity:
the custom-field module gives every entity one key space and builds an expression index per key
over the whole table, so two types each with a "cf_1" of different kinds (number vs text) would
share one index that casts the other type's text to a number and fails. Values are cleaned by the
same `app.fields.values.clean_value`, so they parse and display exactly like customer fields.
"""

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.errors import ValidationError
from app.extensions import db
from app.fields.models import FIELD_TYPES
from app.fields.values import MULTI_SEPARATORS, clean_value
from app.tickets.models import Ticket, TicketField, TicketStep, TicketType
from app.tickets.numbering import check_format

DEFAULT_TYPES = (("投诉", "TS{yyyyMMdd}{seq:04}"), ("咨询", "ZX{yyyyMMdd}{seq:04}"), ("回访", "HF{yyyyMMdd}{seq:04}"))
MAX_DUE_HOURS = 24 * 365


def seed_ticket_types() -> None:
    if db.session.scalar(select(TicketType.id).limit(1)) is None:
        for position, (name, number_format) in enumerate(DEFAULT_TYPES):
            db.session.add(TicketType(name=name, number_format=number_format, position=position))
        db.session.flush()


def ticket_types(enabled_only: bool = False) -> list[TicketType]:
    query = select(TicketType).order_by(TicketType.position, TicketType.id)
    if enabled_only:
        query = query.where(TicketType.enabled.is_(True))
    return list(db.session.scalars(query))


def _hours(raw, label) -> int:
    try:
        hours = int(str(raw or 0).strip() or 0)
    except ValueError:
        raise ValidationError({label: _("请填写整数小时数")}) from None
    if not 0 <= hours <= MAX_DUE_HOURS:
        raise ValidationError({label: _("应在 0 到 %(n)s 小时之间", n=MAX_DUE_HOURS)})
    return hours


def save_type(ticket_type: TicketType | None, data: dict) -> TicketType:
    """Create (ticket_type None) or change a type from {name, number_format, default_due_hours, enabled}."""
    errors = {}
    name = " ".join(str(data.get("name") or "").split())
    if not name:
        errors[_("名称")] = _("请填写名称")
    elif len(name) > 40:
        errors[_("名称")] = _("名称不能超过 40 个字符")
    else:
        clash = select(TicketType.id).where(func.lower(TicketType.name) == name.lower())
        if ticket_type is not None:
            clash = clash.where(TicketType.id != ticket_type.id)
        if db.session.scalar(clash) is not None:
            errors[_("名称")] = _("已有同名工单类型:%(name)s", name=name)
    number_format = ""
    due_hours = 0
    try:
        number_format = check_format(data.get("number_format"))
    except ValidationError as exc:
        errors.update(exc.errors)
    try:
        due_hours = _hours(data.get("default_due_hours"), _("默认处理时限"))
    except ValidationError as exc:
        errors.update(exc.errors)
    if errors:
        raise ValidationError(errors)
    if ticket_type is None:
        top = db.session.scalar(select(func.max(TicketType.position)))
        ticket_type = TicketType(position=(top or 0) + 1)
        db.session.add(ticket_type)
    ticket_type.name = name
    ticket_type.number_format = number_format
    ticket_type.default_due_hours = due_hours
    ticket_type.enabled = bool(data.get("enabled", True))
    db.session.flush()
    return ticket_type


def delete_type(ticket_type: TicketType) -> None:
    used = db.session.scalar(select(func.count(Ticket.id)).where(Ticket.type_id == ticket_type.id))
    if used:
        raise ValidationError({_("工单类型"): _("已有 %(n)s 张此类型的工单,只能停用,不能删除", n=used)})
    db.session.delete(ticket_type)
    db.session.flush()


# -- steps ----------------------------------------------------------------------------------------


def _optional_id(raw) -> int | None:
    try:
        return int(raw) if raw not in (None, "") else None
    except (TypeError, ValueError):
        return None


def add_step(ticket_type: TicketType, data: dict) -> TicketStep:
    """Append a step: {name, user_id, department_id, role_id, due_hours, is_final}."""
    errors = {}
    name = " ".join(str(data.get("name") or "").split())
    if not name:
        errors[_("步骤名称")] = _("请填写步骤名称")
    elif len(name) > 40:
        errors[_("步骤名称")] = _("步骤名称不能超过 40 个字符")
    elif any(step.name == name for step in ticket_type.steps):
        errors[_("步骤名称")] = _("已有同名步骤:%(name)s", name=name)
    due_hours = 0
    try:
        due_hours = _hours(data.get("due_hours"), _("处理时限"))
    except ValidationError as exc:
        errors.update(exc.errors)
    if errors:
        raise ValidationError(errors)
    step = TicketStep(
        type_id=ticket_type.id,
        position=max((s.position for s in ticket_type.steps), default=-1) + 1,
        name=name,
        user_id=_optional_id(data.get("user_id")),
        department_id=_optional_id(data.get("department_id")),
        role_id=_optional_id(data.get("role_id")),
        due_hours=due_hours,
        is_final=bool(data.get("is_final")),
    )
    ticket_type.steps.append(step)
    db.session.flush()
    return step


def delete_step(step: TicketStep) -> None:
    """Tickets standing at the step keep their history; they simply have no current step any more."""
    ticket_type = step.ticket_type
    ticket_type.steps.remove(step)
    for position, item in enumerate(ticket_type.steps):
        item.position = position
    db.session.flush()


def move_step(step: TicketStep, direction: str) -> None:
    steps = list(step.ticket_type.steps)
    index = steps.index(step)
    target = index - 1 if direction == "up" else index + 1
    if 0 <= target < len(steps):
        steps[index], steps[target] = steps[target], steps[index]
    for position, item in enumerate(steps):
        item.position = position
    db.session.flush()


# -- fields ---------------------------------------------------------------------------------------


def _options(field_type: str, raw) -> list[str]:
    if field_type not in ("choice", "multichoice"):
        return []
    items = raw if isinstance(raw, list | tuple) else str(raw or "").replace(",", "\n").split("\n")
    options: list[str] = []
    for item in items:
        option = " ".join(str(item).split())
        if not option or option in options:
            continue
        if len(option) > 80 or (field_type == "multichoice" and MULTI_SEPARATORS.search(option)):
            raise ValidationError({_("可选值"): _("可选值不正确:%(option)s", option=option[:20])})
        options.append(option)
    if not options:
        raise ValidationError({_("可选值"): _("单选和多选字段至少需要一个可选值")})
    return options


def add_field(ticket_type: TicketType, data: dict) -> TicketField:
    """Append a field: {label, field_type, required, options (list or one per line)}."""
    errors = {}
    label = " ".join(str(data.get("label") or "").split())
    field_type = str(data.get("field_type") or "")
    if not label:
        errors[_("字段名称")] = _("请填写字段名称")
    elif len(label) > 80:
        errors[_("字段名称")] = _("字段名称不能超过 80 个字符")
    elif any(f.label == label for f in ticket_type.live_fields):
        errors[_("字段名称")] = _("已有同名字段:%(label)s", label=label)
    if field_type not in FIELD_TYPES:
        errors[_("字段类型")] = _("请选择字段类型")
    options = []
    if field_type in FIELD_TYPES:
        try:
            options = _options(field_type, data.get("options"))
        except ValidationError as exc:
            errors.update(exc.errors)
    if errors:
        raise ValidationError(errors)
    keys = db.session.scalars(select(TicketField.key).where(TicketField.type_id == ticket_type.id))
    numbers = [int(k[2:]) for k in keys if k.startswith("tf") and k[2:].isdigit()]
    field = TicketField(
        type_id=ticket_type.id,
        key=f"tf{max(numbers, default=0) + 1}",
        label=label,
        field_type=field_type,
        required=bool(data.get("required")),
        options=options,
        position=max((f.position for f in ticket_type.fields), default=-1) + 1,
    )
    ticket_type.fields.append(field)
    db.session.flush()
    return field


def delete_field(field: TicketField) -> None:
    """The field disappears from forms and pages; values already stored stay in the tickets' JSON."""
    field.retired = True
    db.session.flush()


def clean_extra(ticket_type: TicketType, raw: dict) -> dict:
    """{field key: cleaned value} from values keyed by field key; every problem named by the field's label."""
    cleaned, errors = {}, {}
    for field in ticket_type.live_fields:
        try:
            value = clean_value(field.field_type, (raw or {}).get(field.key), field.options or [])
        except ValidationError as exc:
            errors[field.label] = exc.message
            continue
        if value is None and field.required:
            errors[field.label] = _("必填")
        elif value is not None:
            cleaned[field.key] = value
    if errors:
        raise ValidationError(errors)
    return cleaned

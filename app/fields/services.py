"""Configurable fields (信息扩展配置): defining them and checking the values records carry.

A field's type is fixed once created (stored values and its index depend on it); its label, flags,
order, width and options may change. Options in use cannot be removed, only renamed, which rewrites
the stored values. Parameter lists live in `parameters`; both are re-exported here as one contract.
"""

from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select, update

from app.errors import ValidationError
from app.extensions import db
from app.fields.entities import FIELD_ENTITIES, FieldEntity, register_field_entity  # noqa: F401
from app.fields.expressions import (  # noqa: F401
    drop_field_index,
    ensure_field_index,
    extra_expression,
    index_name,
    multichoice_contains,
)
from app.fields.models import FIELD_TYPES, CustomField
from app.fields.parameters import (  # noqa: F401
    create_param,
    delete_param,
    move_param,
    param_choices,
    param_item_by_label,
    param_items,
    param_label,
    param_usage_count,
    update_param,
)
from app.fields.values import (  # noqa: F401
    MULTI_SEPARATORS,
    clean_value,
    display_value,
    parse_bool_value,
    parse_date_value,
)
from app.timeutil import utcnow

CHOICE_TYPES = ("choice", "multichoice")
WHERE_FLAGS = {"list": "show_in_list", "form": "show_in_form", "pop": "show_in_pop"}
EDITABLE = (
    "label",
    "required",
    "position",
    "width",
    "show_in_list",
    "show_in_form",
    "show_in_pop",
    "options",
    "default_value",
)
WIDTH_RANGE = (40, 600)


def field_entity(entity: str) -> FieldEntity:
    if entity not in FIELD_ENTITIES:
        raise ValidationError({_("对象"): _("不支持扩展字段的对象:%(entity)s", entity=entity)})
    return FIELD_ENTITIES[entity]


def custom_fields(entity: str = "customer", where: str | None = None) -> list[CustomField]:
    """The live fields of `entity` in display order; `where` keeps those shown in list/form/pop."""
    query = select(CustomField).where(CustomField.entity == entity, CustomField.deleted_at.is_(None))
    if where is not None:
        query = query.where(getattr(CustomField, WHERE_FLAGS[where]).is_(True))
    return list(db.session.scalars(query.order_by(CustomField.position, CustomField.id)))


def get_field(field_id: int) -> CustomField | None:
    field = db.session.get(CustomField, field_id)
    return None if field is None or field.deleted_at is not None else field


def _clean_options(field_type: str, options) -> list[str]:
    if field_type not in CHOICE_TYPES:
        return []
    cleaned: list[str] = []
    for raw in options or ():
        option = " ".join(str(raw).split())
        if not option:
            continue
        if len(option) > 80:
            raise ValidationError({_("可选值"): _("“%(option)s”超过 80 个字符", option=option[:20])})
        if field_type == "multichoice" and MULTI_SEPARATORS.search(option):
            raise ValidationError(
                {_("可选值"): _("多选的可选值不能含有逗号、顿号、分号或竖线:%(option)s", option=option)}
            )
        if option in cleaned:
            raise ValidationError({_("可选值"): _("可选值重复:%(option)s", option=option)})
        cleaned.append(option)
    if not cleaned:
        raise ValidationError({_("可选值"): _("单选和多选字段至少需要一个可选值")})
    return cleaned


def _check_definition(field: CustomField) -> None:
    """Every problem with a field definition at once, keyed by the form's labels."""
    errors = {}
    field.label = " ".join((field.label or "").split())
    if not field.label:
        errors[_("名称")] = _("请填写名称")
    elif len(field.label) > 80:
        errors[_("名称")] = _("名称不能超过 80 个字符")
    else:
        clash = select(CustomField.id).where(
            CustomField.entity == field.entity,
            CustomField.deleted_at.is_(None),
            func.lower(CustomField.label) == field.label.lower(),
        )
        if field.id is not None:
            clash = clash.where(CustomField.id != field.id)
        if db.session.scalar(clash.limit(1)) is not None:
            errors[_("名称")] = _("已有同名字段:%(label)s", label=field.label)
    if field.field_type not in FIELD_TYPES:
        errors[_("类型")] = _("请选择字段类型")
    try:
        field.width = int(field.width)
        if not WIDTH_RANGE[0] <= field.width <= WIDTH_RANGE[1]:
            raise ValueError
    except (TypeError, ValueError):
        errors[_("列宽")] = _("列宽应为 %(low)s 到 %(high)s 之间的整数", low=WIDTH_RANGE[0], high=WIDTH_RANGE[1])
    if field.required and not field.show_in_form:
        errors[_("显示位置")] = _("必填字段必须在编辑表单中显示")
    if field.field_type in FIELD_TYPES:
        try:
            field.options = _clean_options(field.field_type, field.options)
        except ValidationError as exc:
            errors.update(exc.errors)
    field.default_value = (field.default_value or "").strip()
    if field.default_value and field.field_type in FIELD_TYPES and _("可选值") not in errors:
        try:
            clean_value(field.field_type, field.default_value, field.options)
        except ValidationError as exc:
            errors[_("默认值")] = exc.message
    if errors:
        raise ValidationError(errors)


def _next_key(entity: str) -> str:
    """cf_<n>, never reusing the key of a retired field."""
    keys = db.session.scalars(select(CustomField.key).where(CustomField.entity == entity))
    numbers = [int(k[3:]) for k in keys if k.startswith("cf_") and k[3:].isdigit()]
    return f"cf_{max(numbers, default=0) + 1}"


def create_field(
    entity,
    label,
    field_type,
    *,
    required=False,
    position=None,
    width=120,
    show_in_list=True,
    show_in_form=True,
    show_in_pop=True,
    options=(),
    default_value="",
) -> CustomField:
    field_entity(entity)
    if position is None:
        top = db.session.scalar(
            select(func.max(CustomField.position)).where(CustomField.entity == entity, CustomField.deleted_at.is_(None))
        )
        position = 0 if top is None else top + 1
    field = CustomField(
        entity=entity,
        label=label,
        field_type=field_type,
        required=bool(required),
        position=int(position),
        width=width,
        show_in_list=bool(show_in_list),
        show_in_form=bool(show_in_form),
        show_in_pop=bool(show_in_pop),
        options=list(options or ()),
        default_value=default_value or "",
    )
    _check_definition(field)
    field.key = _next_key(entity)
    db.session.add(field)
    db.session.flush()
    ensure_field_index(field)
    return field


def option_usage_count(field: CustomField, option: str) -> int:
    entity = FIELD_ENTITIES[field.entity]
    if field.field_type == "multichoice":
        condition = multichoice_contains(field, entity.extra_column, option)
    else:
        condition = extra_expression(field, entity.extra_column) == option
    return db.session.scalar(select(func.count()).select_from(entity.model).where(condition)) or 0


def update_field(field: CustomField, **changes) -> CustomField:
    if "field_type" in changes and changes.pop("field_type") != field.field_type:
        raise ValidationError({_("类型"): _("字段创建后类型不能修改")})
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise TypeError(f"cannot change {', '.join(sorted(unknown))}")
    old_options = list(field.options or [])
    if "position" in changes:
        try:
            changes["position"] = int(changes["position"])
        except (TypeError, ValueError):
            raise ValidationError({_("顺序"): _("顺序应为整数")}) from None
    with db.session.no_autoflush:
        for name, value in changes.items():
            setattr(field, name, list(value or ()) if name == "options" else value)
        try:
            _check_definition(field)
            removed = [o for o in old_options if o not in field.options]
            in_use = [(o, option_usage_count(field, o)) for o in removed]
            in_use = [(o, n) for o, n in in_use if n]
            if in_use:
                detail = "、".join(_("“%(option)s”(%(n)s 条)", option=o, n=n) for o, n in in_use)
                raise ValidationError({_("可选值"): _("以下可选值正在使用,不能删除(可以改名):%(d)s", d=detail)})
        except ValidationError:
            db.session.refresh(field)  # leave the session's copy as stored
            raise
    db.session.flush()
    return field


def rename_option(field: CustomField, old: str, new: str) -> int:
    """Rename a choice option and every stored value that uses it; returns how many records changed."""
    new = " ".join(str(new).split())
    if not new:
        raise ValidationError({_("可选值"): _("请填写新名称")})
    if old not in (field.options or []):
        raise ValidationError({_("可选值"): _("没有这个可选值:%(option)s", option=old)})
    if new == old:
        return 0
    update_field(field, options=[new if o == old else o for o in field.options] + [old])
    entity = FIELD_ENTITIES[field.entity]
    if field.field_type == "multichoice":
        condition = multichoice_contains(field, entity.extra_column, old)
    else:
        condition = extra_expression(field, entity.extra_column) == old
    table = entity.model.__table__
    rows = db.session.execute(select(table.c.id, table.c[entity.column]).where(condition)).all()
    changed = []
    for row_id, extra in rows:
        extra = dict(extra)
        value = extra.get(field.key)
        extra[field.key] = [new if v == old else v for v in value] if isinstance(value, list) else new
        changed.append({"_id": row_id, "_extra": extra})
    if changed:
        statement = update(table).where(table.c.id == bindparam("_id")).values({entity.column: bindparam("_extra")})
        db.session.execute(statement, changed)
        for loaded in list(db.session.identity_map.values()):
            if isinstance(loaded, entity.model):
                db.session.expire(loaded, [entity.column])  # they still hold the old values
    field.options = [o for o in field.options if o != old]
    db.session.flush()
    return len(changed)


def delete_field(field: CustomField) -> None:
    """Retire the field: gone from lists, forms and pops; stored values stay in the JSON untouched."""
    field.deleted_at = utcnow()
    drop_field_index(field)
    db.session.flush()


def move_field(field: CustomField, direction: str) -> None:
    """Swap with the neighbour above ("up") or below ("down"), numbering positions 0..n afresh."""
    fields = custom_fields(field.entity)
    index = fields.index(field)
    target = index - 1 if direction == "up" else index + 1
    if 0 <= target < len(fields):
        fields[index], fields[target] = fields[target], fields[index]
    for position, item in enumerate(fields):
        item.position = position
    db.session.flush()


def validate_extra(entity: str, raw: dict, partial: bool = False) -> dict:
    """Clean values keyed by field key or label into {key: JSON value}; blank values become None.

    Every bad value is reported at once, keyed by the field's label. Without `partial`, required
    fields must be present and filled. Defaults are not applied here (forms pre-fill them)."""
    field_entity(entity)
    fields = custom_fields(entity)
    by_key = {f.key: f for f in fields}
    by_label = {f.label: f for f in fields}
    cleaned, errors = {}, {}
    for name, value in (raw or {}).items():
        field = by_key.get(name) or by_label.get(str(name).strip())
        if field is None:
            errors[str(name)] = _("没有这个扩展字段")
            continue
        try:
            cleaned[field.key] = clean_value(field.field_type, value, field.options or [])
        except ValidationError as exc:
            errors[field.label] = exc.message
    for field in fields:
        missing = cleaned.get(field.key) is None and (not partial or field.key in cleaned)
        if field.required and missing and field.label not in errors:
            errors[field.label] = _("必填")
    if errors:
        raise ValidationError(errors)
    return cleaned


def merge_extra(current: dict | None, cleaned: dict) -> dict:
    """A new dict for the JSON column: `cleaned` laid over `current`, None values removed."""
    merged = dict(current or {})
    for key, value in cleaned.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def field_display(field: CustomField, extra: dict | None) -> str:
    return display_value(field.field_type, (extra or {}).get(field.key))

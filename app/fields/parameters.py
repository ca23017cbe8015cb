"""Parameter lists (参数配置): the values offered for levels, sources, follow-up types and the like.

An item that records point to cannot be deleted (the message says how many use it); it can be
disabled instead, which hides it from new choices while old records keep showing its label.
"""

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.errors import ValidationError
from app.extensions import db
from app.fields.models import ParamItem
from app.fields.params import PARAM_KINDS

LABEL_MAX = 80


def _check_kind(kind: str) -> None:
    if kind not in PARAM_KINDS:
        raise ValidationError({_("参数类型"): _("没有这种参数类型:%(kind)s", kind=kind)})


def param_items(kind: str, include_disabled: bool = True) -> list[ParamItem]:
    query = select(ParamItem).where(ParamItem.kind == kind)
    if not include_disabled:
        query = query.where(ParamItem.enabled.is_(True))
    return list(db.session.scalars(query.order_by(ParamItem.position, ParamItem.id)))


def param_choices(kind: str, include_disabled: bool = False) -> list[tuple[int, str]]:
    """[(id, label)] for a select box, in the configured order."""
    return [(item.id, item.label) for item in param_items(kind, include_disabled)]


def param_label(item_id) -> str:
    if not item_id:
        return ""
    item = db.session.get(ParamItem, int(item_id))
    return item.label if item is not None else ""


def param_item_by_label(kind: str, label) -> ParamItem | None:
    """The item of `kind` called `label` (spaces and letter case ignored), enabled or not."""
    wanted = " ".join(str(label or "").split())
    if not wanted:
        return None
    items = param_items(kind)
    exact = [i for i in items if i.label == wanted]
    if exact:
        return exact[0]
    folded = [i for i in items if i.label.casefold() == wanted.casefold()]
    return folded[0] if folded else None


def _clean_label(kind: str, label, item_id: int | None = None) -> str:
    label = " ".join(str(label or "").split())
    if not label:
        raise ValidationError({_("名称"): _("请填写名称")})
    if len(label) > LABEL_MAX:
        raise ValidationError({_("名称"): _("名称不能超过 %(n)s 个字符", n=LABEL_MAX)})
    clash = param_item_by_label(kind, label)
    if clash is not None and clash.id != item_id:
        raise ValidationError({_("名称"): _("“%(label)s”已经存在", label=label)})
    return label


def create_param(kind: str, label) -> ParamItem:
    _check_kind(kind)
    with db.session.no_autoflush:
        label = _clean_label(kind, label)
        top = db.session.scalar(select(func.max(ParamItem.position)).where(ParamItem.kind == kind))
    item = ParamItem(kind=kind, label=label, position=0 if top is None else top + 1, enabled=True)
    db.session.add(item)
    db.session.flush()
    return item


def update_param(item: ParamItem, label=None, position=None, enabled=None) -> ParamItem:
    if label is not None:
        item.label = _clean_label(item.kind, label, item.id)
    if position is not None:
        item.position = int(position)
    if enabled is not None:
        item.enabled = bool(enabled)
    db.session.flush()
    return item


def move_param(item: ParamItem, direction: str) -> None:
    """Swap with the neighbour above ("up") or below ("down"), numbering positions 0..n afresh."""
    items = param_items(item.kind)
    index = items.index(item)
    target = index - 1 if direction == "up" else index + 1
    if 0 <= target < len(items):
        items[index], items[target] = items[target], items[index]
    for position, each in enumerate(items):
        each.position = position
    db.session.flush()


def param_usage_count(item: ParamItem) -> int:
    """How many records point at `item`: every column with a foreign key to param_item, plus roles
    limited to customer categories."""
    total = 0
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if any(fk.column.table.name == ParamItem.__tablename__ for fk in column.foreign_keys):
                total += db.session.scalar(select(func.count()).select_from(table).where(column == item.id)) or 0
    if item.kind == "customer_category":
        from app.auth.models import Role

        roles = db.session.scalars(select(Role.customer_categories))
        total += sum(1 for ids in roles if item.id in (ids or []))
    return total


def delete_param(item: ParamItem) -> None:
    used = param_usage_count(item)
    if used:
        raise ValidationError(
            {
                _("名称"): _(
                    "“%(label)s”已被 %(n)s 条记录使用,不能删除;可以停用它,停用后不再出现在选择列表中",
                    label=item.label,
                    n=used,
                )
            }
        )
    db.session.delete(item)
    db.session.flush()

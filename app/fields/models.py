"""Configurable fields (信息扩展配置) and parameter lists (参数配置)."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import utcnow

FIELD_TYPES = ("text", "number", "date", "link", "memo", "money", "bool", "choice", "multichoice")
FIELD_TYPE_LABELS = {
    "text": _l("文本"),
    "number": _l("数字"),
    "date": _l("日期"),
    "link": _l("链接"),
    "memo": _l("备注(多行文本)"),
    "money": _l("金额"),
    "bool": _l("是/否"),
    "choice": _l("单选"),
    "multichoice": _l("多选"),
}


class CustomField(db.Model):
    """An admin-defined field of an entity; values live in the entity's `extra` JSON under `key`.

    Deleting a field retires it (`deleted_at`): it disappears everywhere, the values stay in the JSON,
    and its key is never handed to a new field, so old data can never reappear under another label."""

    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(db.String(32), default="customer", index=True)
    key: Mapped[str] = mapped_column(db.String(40))
    label: Mapped[str] = mapped_column(db.String(80))
    field_type: Mapped[str] = mapped_column(db.String(16))
    required: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)
    width: Mapped[int] = mapped_column(default=120)
    show_in_list: Mapped[bool] = mapped_column(default=True)
    show_in_form: Mapped[bool] = mapped_column(default=True)
    show_in_pop: Mapped[bool] = mapped_column(default=True)
    options: Mapped[list] = mapped_column(JSON, default=list)
    default_value: Mapped[str] = mapped_column(db.String(255), default="")
    created_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(db.DateTime)

    __table_args__ = (db.UniqueConstraint("entity", "key", name="uq_custom_field_entity_key"),)

    def __repr__(self):
        return f"<CustomField {self.entity}.{self.key} {self.field_type}>"

    @property
    def audit_label(self) -> str:
        return self.label

    @property
    def hidden(self) -> bool:
        return not (self.show_in_list or self.show_in_form or self.show_in_pop)


class ParamItem(db.Model):
    """One value of a configurable list such as customer levels or follow-up types."""

    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(db.String(40), index=True)
    label: Mapped[str] = mapped_column(db.String(80))
    position: Mapped[int] = mapped_column(default=0)
    enabled: Mapped[bool] = mapped_column(default=True)

    __table_args__ = (db.UniqueConstraint("kind", "label", name="uq_param_item_kind_label"),)

    def __repr__(self):
        return f"<ParamItem {self.kind}:{self.label}>"

    @property
    def audit_label(self) -> str:
        return self.label

"""Turning one row of cells into the values of one customer, or a ValidationError naming the cells.

Lists (categories, phone types, agents, custom fields) are loaded once per import, not per row,
so a row costs only Python work."""

import re
from datetime import date, datetime
from functools import partial
from operator import itemgetter

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from app.auth.models import User
from app.customers.phones import normalize_phone
from app.customers.services import _EMAIL as EMAIL
from app.customers.services import GENDER_WORDS, PARAM_FIELDS, TEXT_FIELDS
from app.errors import ValidationError
from app.extensions import db
from app.fields.models import ParamItem
from app.fields.values import clean_value, parse_date_value
from app.imports.columns import header_key
from app.timeutil import local_today

PARAM_KEYS = {key: kind for key, (_label, kind) in PARAM_FIELDS.items()}
VALUES, EXTRA, PHONES, PHONE_TYPES = range(4)  # where a column's cleaned value goes
REPEATING_TYPES = ("choice", "money", "number", "date", "bool")  # custom field types whose values repeat, immutable
# A mainland mobile written as its eleven ASCII digits: normalize_phone would return it as it is.
_PLAIN_MOBILE = re.compile(r"1[3-9][0-9]{9}\Z")


class RowCleaner:
    def __init__(self, mapping: dict, fields, user, default_category_id=None):
        # Labels resolved once: a lazy string costs a translation lookup every time it is read.
        self.columns = [(index, column.key, str(column.label)) for index, column in sorted(mapping.items())]
        self.name_label = next((label for _i, key, label in self.columns if key == "name"), "name")
        self.user_id = user.id if user else None  # the row cleaning runs in another thread: no ORM object there
        self.default_category_id = default_category_id
        self.fields = {f.key: f for f in fields}
        self.required_fields = [(f.key, f.label) for f in fields if f.required]
        self.params: dict[str, dict[str, int]] = {}
        for item in db.session.scalars(select(ParamItem).where(ParamItem.enabled.is_(True))):
            self.params.setdefault(item.kind, {})[header_key(item.label)] = item.id
        self.users: dict[str, int] = {}
        for found in db.session.scalars(select(User).where(User.enabled.is_(True))):
            self.users.setdefault(found.display_name.strip().lower(), found.id)
            self.users[found.username.lower()] = found.id
        self.may_assign = user is None or user.has_permission("customer.assign")
        self.today = local_today()
        self.region = current_app.config.get("PHONE_DEFAULT_REGION") or "CN"
        self.local_area_code = str(current_app.config.get("PHONE_LOCAL_AREA_CODE") or "").lstrip("0")
        self.plain_mobiles = self.region.upper() == "CN"
        # One (cell index, label, target, key, cleaner) per mapped column, decided once: a row then costs
        # only the cleaners, with no per-cell dispatch on the column's kind.
        plan = [self._plan_column(index, key, label) for index, key, label in self.columns]
        self.steps = [step for _index, *step in plan]
        indices = [index for index, *_step in plan]
        self.width = max(indices, default=-1) + 1
        # A row's mapped cells in one C call, in the order of the steps.
        self.pick = itemgetter(*indices) if len(indices) > 1 else lambda cells: tuple(cells[i] for i in indices)

    def _plan_column(self, index, key, label):
        if key in TEXT_FIELDS:
            return index, label, VALUES, key, _text_cleaner(key, label)
        if key == "gender":
            return index, label, VALUES, key, partial(self._gender, label)
        if key == "birthday":
            return index, label, VALUES, key, _remembered(partial(self._birthday, label))
        if key in PARAM_KEYS:
            return index, label, VALUES, key, self._param_cleaner(PARAM_KEYS[key], label)
        if key == "owner":
            return index, label, VALUES, "owner_id", partial(self._owner, label)
        if key.startswith("phone:"):
            return index, label, PHONES, int(key[6:]), lambda raw: (label, _cell_text(raw))
        if key.startswith("phone_type:"):
            return index, label, PHONE_TYPES, int(key[11:]), self._param_cleaner("phone_type", label)
        field_type, options = self.fields[key].field_type, list(self.fields[key].options or [])
        clean = partial(clean_value, field_type, options=options)
        return index, label, EXTRA, key, _remembered(clean) if field_type in REPEATING_TYPES else clean

    @staticmethod
    def _gender(label, raw) -> str:
        gender = GENDER_WORDS.get(_cell_text(raw))
        if gender is None:
            raise ValidationError({label: _("请填写男、女或留空")})
        return gender

    def _birthday(self, label, raw) -> date:
        day = parse_date_value(raw.date() if isinstance(raw, datetime) else raw)
        if day > self.today:
            raise ValidationError({label: _("日期不能晚于今天")})
        return day

    def _param_cleaner(self, kind, label):
        ids = self.params.get(kind, {})

        def clean(value):
            item_id = ids.get(header_key(value))
            if item_id is None:
                raise ValidationError({label: _("“%(v)s”不在参数列表中", v=value)})
            return item_id

        return _remembered(clean)

    def _owner(self, label, value):
        owner_id = self.users.get(str(value).strip().lower())
        if owner_id is None:
            raise ValidationError({label: _("找不到坐席“%(v)s”", v=value)})
        if not self.may_assign and owner_id != self.user_id:
            raise ValidationError({label: _("您没有把客户分配给其他坐席的权限")})
        return owner_id

    def clean(self, cells: list) -> dict:
        """{built-in key: value, "extra": {...}, "phones": [...]} with only the cells that were filled."""
        values, extra, phones, phone_types, errors = {}, {}, {}, {}, {}
        targets = (values, extra, phones, phone_types)
        if len(cells) < self.width:
            cells = [*cells, *([None] * (self.width - len(cells)))]
        for (label, target, key, cleaner), raw in zip(self.steps, self.pick(cells), strict=True):
            if raw is None or (raw.__class__ is str and (not raw or raw.isspace())):
                continue
            try:
                targets[target][key] = cleaner(raw)
            except ValidationError as exc:
                errors[label] = next(iter(exc.errors.values()))
        for key, label in self.required_fields:
            if extra.get(key) is None and label not in errors:
                errors[label] = _("必填")
        if "name" not in values and self.name_label not in errors:
            errors[self.name_label] = _("请填写姓名")
        cleaned_phones, seen = [], set()
        for slot in sorted(phones):
            label, number = phones[slot]
            if self.plain_mobiles and len(number) == 11 and _PLAIN_MOBILE.match(number):
                normalized, extension, kind = number, "", "mobile"  # what normalize_phone makes of it, sooner
            else:
                try:
                    normalized, extension, kind = normalize_phone(number, self.region, self.local_area_code)
                except ValidationError as exc:
                    errors[label] = next(iter(exc.errors.values()))
                    continue
            if (normalized, extension) in seen:
                continue
            seen.add((normalized, extension))
            cleaned_phones.append(
                {
                    "number": number[:40],
                    "type_id": phone_types.get(slot),
                    "normalized": normalized,
                    "extension": extension,
                    "kind": kind,
                    "position": len(seen) - 1,
                }
            )
        if errors:
            raise ValidationError(errors)
        if self.default_category_id and not values.get("category_id"):
            values["category_id"] = self.default_category_id
        values["extra"] = {k: v for k, v in extra.items() if v is not None}
        values["phones"] = cleaned_phones
        return values


def _remembered(clean, limit: int = 20_000):
    """clean(cell), worked out once per distinct cell: dates, amounts and list values repeat down a column.
    Keyed by type too, as True == 1 == 1.0; a cell that fails is not remembered and fails again."""
    seen = {}

    def remembered(raw):
        key = (raw.__class__, raw)
        value = seen.get(key, seen)
        if value is seen:
            value = clean(raw)
            if len(seen) < limit:
                seen[key] = value
        return value

    return remembered


def _text_cleaner(key, label):
    limit = TEXT_FIELDS[key][1]
    is_email = key == "email"

    def clean(raw) -> str:
        text = raw.strip() if raw.__class__ is str else _cell_text(raw)
        if len(text) > limit:
            raise ValidationError({label: _("不能超过 %(n)s 个字", n=limit)})
        if is_email and not EMAIL.match(text):
            raise ValidationError({label: _("邮箱格式不正确")})
        return text

    return clean


def _cell_text(value) -> str:
    """Spreadsheets hand numbers as floats: 13812345678.0 is the number 13812345678."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()

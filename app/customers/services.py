"""Creating, changing and deleting customers from plain dicts, all-or-nothing.

Every built-in field is checked, custom fields go through the fields service, numbers are
normalized and de-duplicated. Errors name the field (or the phone / contact row) they are about.
"""

import re
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.auth.models import User
from app.customers.access import can_delete, can_edit
from app.customers.models import Contact, Customer, CustomerPhone
from app.customers.phones import normalize_phone, phone_location
from app.errors import ValidationError
from app.extensions import db
from app.fields.models import ParamItem
from app.timeutil import utcnow


class AccessDenied(Exception):
    """The user may not do this to this customer (scope, permission or someone else's lock)."""


TEXT_FIELDS = {
    "name": (_l("姓名"), 120),
    "company": (_l("公司"), 160),
    "native_place": (_l("籍贯"), 80),
    "ethnicity": (_l("民族"), 40),
    "email": (_l("邮箱"), 160),
    "im": (_l("QQ/微信"), 80),
    "address": (_l("地址"), 255),
    "region": (_l("地区"), 80),
    "notes": (_l("备注"), 20000),
}
PARAM_FIELDS = {
    "category_id": (_l("客户分类"), "customer_category"),
    "level_id": (_l("客户级别"), "customer_level"),
    "source_id": (_l("客户来源"), "customer_source"),
    "industry_id": (_l("所属行业"), "industry"),
}
OTHER_FIELDS = {"gender": _l("性别"), "birthday": _l("生日"), "owner_id": _l("所属坐席")}
GENDER_WORDS = {"": "", "M": "M", "F": "F", "男": "M", "女": "F", "m": "M", "f": "F"}
GENDER_LABELS = {"": _l("未知"), "M": _l("男"), "F": _l("女")}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
BUILTIN_FIELDS = {**{k: v[0] for k, v in TEXT_FIELDS.items()}, **{k: v[0] for k, v in PARAM_FIELDS.items()}}
BUILTIN_FIELDS.update(OTHER_FIELDS)


def field_label(key: str) -> str:
    return str(BUILTIN_FIELDS[key])


def clean_builtin(key: str, value, user=None):
    """One built-in field's value as stored, or ValidationError({label: message})."""
    label = field_label(key)
    if key in TEXT_FIELDS:
        text = "" if value is None else str(value).strip()
        if key == "name" and not text:
            raise ValidationError({label: _("请填写姓名")})
        if len(text) > TEXT_FIELDS[key][1]:
            raise ValidationError({label: _("不能超过 %(n)s 个字", n=TEXT_FIELDS[key][1])})
        if key == "email" and text and not _EMAIL.match(text):
            raise ValidationError({label: _("邮箱格式不正确")})
        return text
    if key in PARAM_FIELDS:
        return _clean_param(label, PARAM_FIELDS[key][1], value)
    if key == "gender":
        gender = GENDER_WORDS.get(str(value or "").strip())
        if gender is None:
            raise ValidationError({label: _("请选择男、女或留空")})
        return gender
    if key == "birthday":
        return _clean_date(label, value)
    if key == "owner_id":
        return _clean_owner(label, value, user)
    raise ValidationError({key: _("未知字段")})


def _clean_param(label, kind, value):
    if value in (None, ""):
        return None
    try:
        item_id = int(value)
    except (TypeError, ValueError):
        raise ValidationError({label: _("请选择列表中的值")}) from None
    item = db.session.get(ParamItem, item_id)
    if item is None or item.kind != kind:
        raise ValidationError({label: _("请选择列表中的值")})
    return item_id


def _clean_date(label, value) -> date | None:
    if value in (None, ""):
        return None
    from app.fields.values import parse_date_value

    try:
        day = parse_date_value(value)
    except ValidationError as exc:
        raise ValidationError({label: exc.message or _("日期格式不正确")}) from None
    if day is not None and day > date.today():
        raise ValidationError({label: _("日期不能晚于今天")})
    return day


def _clean_owner(label, value, user):
    if value in (None, ""):
        return None
    try:
        owner_id = int(value)
    except (TypeError, ValueError):
        raise ValidationError({label: _("请选择坐席")}) from None
    owner = db.session.get(User, owner_id)
    if owner is None or not owner.enabled:
        raise ValidationError({label: _("坐席不存在或已停用")})
    if user is not None and owner_id != user.id and not user.has_permission("customer.assign"):
        raise ValidationError({label: _("您没有把客户分配给其他坐席的权限")})
    return owner_id


def clean_phones(rows, prefix: str = "") -> list[dict]:
    """[{number, type_id}] → cleaned rows with normalized keys, duplicates (same key) dropped."""
    cleaned, seen, errors = [], set(), {}
    for index, row in enumerate(rows or [], start=1):
        number = str((row or {}).get("number") or "").strip()
        label = _("%(prefix)s电话%(n)s", prefix=prefix, n=index)
        if not number:
            continue
        try:
            found = normalize_phone(number)
            type_id = _clean_param(label, "phone_type", row.get("type_id"))
        except ValidationError as exc:
            errors[label] = next(iter(exc.errors.values()))
            continue
        key = (found.normalized, found.extension)
        if key in seen:
            continue
        seen.add(key)
        cleaned.append({"number": number[:40], "type_id": type_id, **found._asdict()})
    if errors:
        raise ValidationError(errors)
    return cleaned


def _apply_phones(customer, rows, contact=None):
    existing = {(p.normalized, p.extension): p for p in customer.phones if p.contact is contact}
    keep = []
    for position, row in enumerate(rows):
        phone = existing.pop((row["normalized"], row["extension"]), None)
        if phone is None:
            phone = CustomerPhone()
            customer.phones.append(phone)
        phone.contact = contact
        phone.number, phone.normalized, phone.extension = row["number"], row["normalized"], row["extension"]
        phone.type_id, phone.position = row["type_id"], position
        phone.location = phone_location(row["normalized"])[:80]
        keep.append(phone)
    for phone in existing.values():
        customer.phones.remove(phone)
    return keep


def _clean_contacts(rows) -> list[dict]:
    cleaned, errors = [], {}
    for index, row in enumerate(rows or [], start=1):
        name = str(row.get("name") or "").strip()
        phones = row.get("phones") or []
        if not name and not any(str(p.get("number") or "").strip() for p in phones):
            continue
        prefix = _("联系人%(n)s", n=index)
        if not name:
            errors[prefix + _("姓名")] = _("请填写联系人姓名")
        email = str(row.get("email") or "").strip()
        if email and not _EMAIL.match(email):
            errors[prefix + _("邮箱")] = _("邮箱格式不正确")
        try:
            phones = clean_phones(phones, prefix=prefix)
        except ValidationError as exc:
            errors.update(exc.errors)
        cleaned.append(
            {
                "id": row.get("id"),
                "name": name[:80],
                "title": str(row.get("title") or "").strip()[:80],
                "email": email[:160],
                "notes": str(row.get("notes") or "").strip()[:255],
                "phones": phones,
            }
        )
    if errors:
        raise ValidationError(errors)
    return cleaned


def _apply_contacts(customer, rows):
    by_id = {c.id: c for c in customer.contacts}
    keep = set()
    for row in rows:
        contact = by_id.get(_int_or_none(row["id"]))
        if contact is None:
            contact = Contact()
            customer.contacts.append(contact)
        for key in ("name", "title", "email", "notes"):
            setattr(contact, key, row[key])
        _apply_phones(customer, row["phones"], contact=contact)
        keep.add(id(contact))
    for contact in list(customer.contacts):
        if id(contact) not in keep:
            for phone in [p for p in customer.phones if p.contact is contact]:
                customer.phones.remove(phone)
            customer.contacts.remove(contact)


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _clean(data: dict, user, partial: bool) -> dict:
    """Every key of `data` checked at once; one ValidationError naming every bad field."""
    from app.fields.services import validate_extra

    values, errors = {}, {}
    keys = [k for k in BUILTIN_FIELDS if k in data or (not partial and k == "name")]
    for key in keys:
        try:
            values[key] = clean_builtin(key, data.get(key), user)
        except ValidationError as exc:
            errors.update(exc.errors)
    if "extra" in data or not partial:
        try:
            values["extra"] = validate_extra("customer", data.get("extra") or {}, partial=partial)
        except ValidationError as exc:
            errors.update(exc.errors)
    for key, cleaner in (("phones", clean_phones), ("contacts", _clean_contacts)):
        if key in data:
            try:
                values[key] = cleaner(data[key])
            except ValidationError as exc:
                errors.update(exc.errors)
    if errors:
        raise ValidationError(errors)
    return values


def _apply(customer, values, user):
    for key in BUILTIN_FIELDS:
        if key in values:
            setattr(customer, key, values[key])
    if "extra" in values:
        from app.fields.services import merge_extra

        customer.extra = merge_extra(customer.extra, values["extra"])
    if "phones" in values:
        _apply_phones(customer, values["phones"])
    if "contacts" in values:
        _apply_contacts(customer, values["contacts"])
    customer.updated_by_id = user.id if user else None
    customer.updated_at = utcnow()


def create_customer(data: dict, user=None) -> Customer:
    """A new customer from a plain dict; owned by `user` unless `owner_id` says otherwise."""
    data = dict(data)
    if "owner_id" not in data and user is not None:
        data["owner_id"] = user.id
    values = _clean(data, user, partial=False)
    customer = Customer(created_by_id=user.id if user else None, extra={})
    db.session.add(customer)
    _apply(customer, values, user)
    db.session.flush()
    return customer


def update_customer(customer: Customer, data: dict, user=None) -> Customer:
    """Change the fields present in `data` (phones and contacts, when given, replace the old lists)."""
    if user is not None and not can_edit(customer, user):
        raise AccessDenied(_("您不能修改这个客户"))
    data = dict(data)
    if "owner_id" in data and _int_or_none(data["owner_id"]) == customer.owner_id:
        data.pop("owner_id")  # unchanged: no assign permission needed
    values = _clean(data, user, partial=True)
    _apply(customer, values, user)
    db.session.flush()
    return customer


def delete_customer(customer: Customer, user=None) -> list[str]:
    """Delete one customer; returns the stored file names to remove from disk after the commit."""
    if user is not None and not can_delete(customer, user):
        raise AccessDenied(_("您不能删除这个客户"))
    stored = [f.stored_name for f in customer.files]
    db.session.delete(customer)
    db.session.flush()
    return stored


def phone_conflicts(customer: Customer) -> list[tuple[str, Customer]]:
    """Numbers of `customer` that another customer also has: allowed, but worth telling the user."""
    keys = {p.normalized for p in customer.phones}
    if not keys:
        return []
    rows = db.session.execute(
        select(CustomerPhone.number, CustomerPhone.normalized, Customer)
        .join(Customer, Customer.id == CustomerPhone.customer_id)
        .where(CustomerPhone.normalized.in_(keys), CustomerPhone.customer_id != customer.id)
        .limit(20)
    ).all()
    mine = {p.normalized: p.number for p in customer.phones}
    return [(mine[normalized], other) for _number, normalized, other in rows]


def conflict_warnings(customer: Customer, user) -> list[str]:
    from app.masking import mask_number

    warnings = []
    for number, other in phone_conflicts(customer):
        shown = mask_number(number) if user.hides_numbers else number
        warnings.append(_("号码 %(number)s 也属于客户「%(name)s」", number=shown, name=other.name))
    return warnings

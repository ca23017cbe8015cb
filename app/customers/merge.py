"""Merging two records of the same customer (客户合并): nothing of the removed one is lost."""

from flask_babel import gettext as _

from app.audit.services import record
from app.customers.access import can_edit
from app.customers.models import Customer
from app.customers.services import BUILTIN_FIELDS, AccessDenied
from app.errors import ValidationError
from app.extensions import db
from app.timeutil import utcnow

_EMPTY = (None, "", [], {})


def merge_customers(keep: Customer, other: Customer, user) -> Customer:
    """Move phones, contacts, follow-ups and files of `other` to `keep`, fill `keep`'s empty fields
    (built-in and custom) from `other`, then delete `other`."""
    if keep is None or other is None or keep.id == other.id:
        raise ValidationError({_("客户合并"): _("请选择两个不同的客户")})
    if not (user.has_permission("customer.assign") and can_edit(keep, user) and can_edit(other, user)):
        raise AccessDenied(_("您不能合并这两个客户"))

    filled = {}
    for key in BUILTIN_FIELDS:
        if key == "owner_id" and keep.owner_id is None and other.owner_id is not None:
            keep.owner_id = other.owner_id
            filled[key] = other.owner_id
        elif key != "owner_id" and getattr(keep, key) in _EMPTY and getattr(other, key) not in _EMPTY:
            setattr(keep, key, getattr(other, key))
            filled[key] = str(getattr(other, key))
    extra = dict(keep.extra or {})
    for key, value in (other.extra or {}).items():
        if extra.get(key) in _EMPTY and value not in _EMPTY:
            extra[key] = value
            filled[f"extra.{key}"] = value
    keep.extra = extra
    if other.last_contact_at and (not keep.last_contact_at or other.last_contact_at > keep.last_contact_at):
        keep.last_contact_at = other.last_contact_at
    if other.created_at and keep.created_at and other.created_at < keep.created_at:
        keep.created_at = other.created_at

    known = {(p.normalized, p.extension) for p in keep.phones if p.contact_id is None}
    position = len(keep.phones)
    moved = {"phones": 0, "contacts": len(other.contacts), "followups": len(other.followups), "files": len(other.files)}
    for contact in list(other.contacts):
        contact.customer = keep
    for phone in list(other.phones):
        if phone.contact_id is None and (phone.normalized, phone.extension) in known:
            other.phones.remove(phone)  # the same number twice would add nothing
            continue
        phone.customer = keep
        phone.position = position
        position += 1
        moved["phones"] += 1
    for followup in list(other.followups):
        followup.customer = keep
    for stored in list(other.files):
        stored.customer = keep
    keep.updated_by_id = user.id
    keep.updated_at = utcnow()
    db.session.flush()

    other_id, other_name = other.id, other.name
    db.session.delete(other)
    record(
        "customer",
        keep.id,
        "merge",
        _("合并客户「%(other)s」(%(id)s)到「%(keep)s」", other=other_name, id=other_id, keep=keep.name),
        {"merged_id": [other_id, None], "filled": [None, filled], "moved": [None, moved]},
    )
    db.session.flush()
    return keep

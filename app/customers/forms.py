"""The add/edit page's form fields turned into the plain dict the services take, and back."""

from app.customers.services import BUILTIN_FIELDS, GENDER_LABELS
from app.fields.forms import custom_values
from app.masking import mask_number


def _rows(form, *names):
    columns = [form.getlist(name) for name in names]
    length = max((len(c) for c in columns), default=0)
    return [
        {name: (col[i] if i < len(col) else "") for name, col in zip(names, columns, strict=True)}
        for i in range(length)
    ]


def _keep_masked(number: str, phone_id, existing: dict, masked: bool) -> str:
    """A user who sees masked numbers gets the masked text back; keep the stored number then."""
    phone = existing.get(str(phone_id or ""))
    if masked and phone is not None and number.strip() == mask_number(phone.number):
        return phone.number
    return number


def form_to_data(form, custom_fields, customer=None, masked: bool = False) -> dict:
    """A MultiDict from the customer form → the dict create_customer / update_customer take."""
    data = {key: form.get(key, "") for key in BUILTIN_FIELDS if key in form}
    existing = {str(p.id): p for p in (customer.phones if customer else [])}
    data["phones"] = [
        {"number": _keep_masked(row["phone_number"], row["phone_id"], existing, masked), "type_id": row["phone_type"]}
        for row in _rows(form, "phone_number", "phone_type", "phone_id")
    ]
    contacts = []
    for row in _rows(
        form, "contact_id", "contact_name", "contact_title", "contact_email", "contact_phone", "contact_phone_id"
    ):
        number = _keep_masked(row["contact_phone"], row["contact_phone_id"], existing, masked)
        contacts.append(
            {
                "id": row["contact_id"] or None,
                "name": row["contact_name"],
                "title": row["contact_title"],
                "email": row["contact_email"],
                "phones": [{"number": number}] if number.strip() else [],
            }
        )
    data["contacts"] = contacts
    data["extra"] = custom_values(form, custom_fields)
    return data


def customer_to_form(customer, masked: bool) -> dict:
    """Initial values for the edit page (numbers masked when the user may not see them)."""
    values = {key: getattr(customer, key) for key in BUILTIN_FIELDS}
    values["birthday"] = customer.birthday.isoformat() if customer.birthday else ""
    values["extra"] = dict(customer.extra or {})

    def shown(number):
        return mask_number(number) if masked else number

    values["phones"] = [
        {"id": p.id, "number": shown(p.number), "type_id": p.type_id} for p in customer.phones if p.contact_id is None
    ]
    values["contacts"] = []
    for contact in customer.contacts:
        phone = contact.phones[0] if contact.phones else None
        values["contacts"].append(
            {
                "id": contact.id,
                "name": contact.name,
                "title": contact.title,
                "email": contact.email,
                "phone": shown(phone.number) if phone else "",
                "phone_id": phone.id if phone else "",
            }
        )
    return values


def blank_form(user) -> dict:
    values = dict.fromkeys(BUILTIN_FIELDS, "")
    values.update(owner_id=user.id, extra={}, phones=[{"id": "", "number": "", "type_id": ""}], contacts=[])
    return values


GENDER_CHOICES = [(k, v) for k, v in GENDER_LABELS.items()]


def submitted_values(form, custom_fields) -> dict:
    """What the user typed, to show the form again next to its error messages."""
    values = {key: form.get(key, "") for key in BUILTIN_FIELDS}
    values["extra"] = {
        f.key: form.getlist(f"extra.{f.key}") if f.field_type == "multichoice" else form.get(f"extra.{f.key}", "")
        for f in custom_fields
    }
    values["phones"] = [
        {"id": r["phone_id"], "number": r["phone_number"], "type_id": r["phone_type"]}
        for r in _rows(form, "phone_number", "phone_type", "phone_id")
    ]
    values["contacts"] = [
        {
            "id": r["contact_id"],
            "name": r["contact_name"],
            "title": r["contact_title"],
            "email": r["contact_email"],
            "phone": r["contact_phone"],
            "phone_id": r["contact_phone_id"],
        }
        for r in _rows(
            form, "contact_id", "contact_name", "contact_title", "contact_email", "contact_phone", "contact_phone_id"
        )
    ]
    return values


def form_fields():
    from app.fields.services import custom_fields

    return custom_fields("customer", where="form")


def form_context(user) -> dict:
    """Choice lists for the add/edit page."""
    from sqlalchemy import select

    from app.auth.models import User
    from app.customers.services import PARAM_FIELDS
    from app.extensions import db
    from app.fields.services import param_choices

    if user.has_permission("customer.assign"):
        owners = db.session.execute(
            select(User.id, User.display_name).where(User.enabled.is_(True)).order_by(User.display_name)
        ).all()
    else:
        owners = [(user.id, user.display_name)]
    return {
        "param_fields": [(key, label, param_choices(kind)) for key, (label, kind) in PARAM_FIELDS.items()],
        "phone_types": param_choices("phone_type"),
        "owners": owners,
        "genders": GENDER_CHOICES,
        "custom_fields": form_fields(),
    }


def detail_context(customer, user) -> dict:
    """What the detail page shows, with numbers masked for users who may not see them."""
    from app.customers.access import can_delete, can_edit
    from app.customers.phones import KINDS, display_number
    from app.customers.services import PARAM_FIELDS
    from app.fields.services import custom_fields, field_display, param_choices, param_label
    from app.telephony.admin_services import no_record_numbers_among

    unrecorded = no_record_numbers_among(p.normalized for p in customer.phones)
    phones = [
        {
            "id": p.id,
            "shown": display_number(p, user),
            "type": param_label(p.type_id) if p.type_id else "",
            "location": p.location,
            "contact": p.contact.name if p.contact else "",
            "kind": KINDS.get(_kind_of(p.normalized), ""),
            "no_record": p.normalized in unrecorded,
        }
        for p in customer.phones
    ]
    params = [
        (label, param_label(getattr(customer, key)) if getattr(customer, key) else "")
        for key, (label, _k) in PARAM_FIELDS.items()
    ]
    extra = [(f.label, field_display(f, customer.extra)) for f in custom_fields("customer") if not f.hidden]
    return {
        "phones": phones,
        "params": params,
        "extra_values": extra,
        "gender_label": GENDER_LABELS.get(customer.gender or "", ""),
        "may_edit": can_edit(customer, user),
        "may_delete": can_delete(customer, user),
        "followup_types": param_choices("followup_type"),
        "followup_channels": param_choices("followup_channel"),
        "masked": user.hides_numbers,
    }


def _kind_of(normalized: str) -> str:
    from app.customers.phones import try_normalize

    found = try_normalize(normalized)
    return found.kind if found else ""


def list_context(user) -> dict:
    """The list page's 更多操作: which actions this user has, and what their dialogs need."""
    from flask import url_for
    from flask_babel import gettext as _
    from sqlalchemy import select

    from app.auth.models import User
    from app.extensions import db
    from app.fields.services import custom_fields

    actions = []
    if user.has_permission("customer.assign"):
        actions += [("assign", _("转移/分配")), ("merge", _("客户合并")), ("lock", _("锁定客户"))]
        actions += [("unlock", _("解锁客户")), ("set", _("批量调整"))]
    if user.has_permission("customer.delete"):
        actions.append(("delete", _("批量删除")))
    agents = db.session.execute(
        select(User.id, User.display_name).where(User.enabled.is_(True)).order_by(User.display_name)
    ).all()
    fields = [(key, str(label)) for key, label in BUILTIN_FIELDS.items() if key != "owner_id"]
    fields += [(f.key, f.label) for f in custom_fields("customer")]
    return {
        "batch_actions": actions,
        "batch_config": {
            "grid_id": "customers",
            "agents": [list(a) for a in agents] if actions else [],
            "fields": fields if actions else [],
            "urls": {action: url_for(f"customers.batch_{action}") for action, _label in actions},
            "titles": dict(actions),
            "i18n": {
                "none_selected": _("请先勾选客户"),
                "merge_two": _("合并需要正好勾选两个客户"),
                "done": _("已处理 %(n)s 个客户"),
                "confirm_all": _("将对当前查询的全部客户执行此操作,确定吗?"),
                "failed": _("操作失败"),
            },
        },
    }

"""What the memo pages show: form values in local time, the choices, and the agenda grouped by day."""

from itertools import groupby

from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from app.memos.services import LABEL_NAMES, REMIND_CHOICES, can_edit
from app.timeutil import format_local, to_local

EXPORT_FORMATS = (
    ("xlsx", _l("Excel")),
    ("csv", _l("CSV")),
    ("html", _l("HTML")),
    ("xml", _l("XML")),
    ("ics", _l("iCalendar(日历)")),
)
FORM_FIELDS = ("subject", "place", "label", "start_at", "end_at", "remind_minutes", "customer_id", "content")


def _browser_time(value) -> str:
    return format_local(value, "%Y-%m-%dT%H:%M") if value else ""


def memo_values(memo) -> dict:
    return {
        "subject": memo.subject,
        "place": memo.place,
        "label": memo.label,
        "start_at": _browser_time(memo.start_at),
        "end_at": _browser_time(memo.end_at),
        "remind_minutes": "" if memo.remind_minutes is None else str(memo.remind_minutes),
        "customer_id": memo.customer_id or "",
        "content": memo.content,
    }


def new_values(args) -> dict:
    """A new memo, possibly started from a customer's page (?customer_id=)."""
    return {"label": "normal", "remind_minutes": "15", "customer_id": args.get("customer_id", "")}


def form_context(memo, values, errors=None) -> dict:
    from flask_login import current_user

    from app.customers.picker import picked_customer

    values = {key: values.get(key, "") for key in FORM_FIELDS}
    customer = picked_customer(values["customer_id"], current_user, kept=memo.customer if memo else None)
    return {
        "memo": memo,
        "values": values,
        "errors": errors or {},
        "labels": [(k, str(v)) for k, v in LABEL_NAMES.items()],
        "remind_choices": [("" if m is None else str(m), str(text)) for m, text in REMIND_CHOICES],
        "customer": customer,
        "editable": memo is None or can_edit(memo, current_user),
    }


def agenda_days(memos) -> list[tuple[str, list]]:
    """[(local date and weekday in the user's language, [memo, ...])] in order."""

    def day(memo):
        return format_date(to_local(memo.start_at).date(), "yyyy-MM-dd EEEE")

    return [(key, list(group)) for key, group in groupby(memos, key=day)]

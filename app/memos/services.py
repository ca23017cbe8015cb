"""Memo rules: validation, who sees and changes which memos, and raising each due reminder exactly once.

A due memo is claimed with a conditional UPDATE (fired_at IS NULL → now): when two schedulers run at the
same moment the database lets only one of them change the row, so only that one raises the reminder.
"""

from datetime import UTC, datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from app.errors import ValidationError
from app.extensions import db
from app.memos.models import MAX_REMIND_MINUTES, MEMO_LABELS, Memo
from app.permissions import scope_condition
from app.timeutil import format_local, local_zone, utcnow

LABEL_NAMES = {"normal": _l("普通"), "important": _l("重要"), "urgent": _l("紧急")}
# The choices the form offers; any whole number of minutes in range is accepted.
REMIND_CHOICES = (
    (None, _l("不提醒")),
    (0, _l("开始时")),
    (5, _l("提前5分钟")),
    (15, _l("提前15分钟")),
    (30, _l("提前30分钟")),
    (60, _l("提前1小时")),
    (120, _l("提前2小时")),
    (24 * 60, _l("提前1天")),
    (2 * 24 * 60, _l("提前2天")),
    (7 * 24 * 60, _l("提前1周")),
    (MAX_REMIND_MINUTES, _l("提前2周")),
)
FIRE_BATCH = 500


def parse_local_datetime(value, label, required: bool = False) -> datetime | None:
    """A local "YYYY-MM-DD HH:MM" (or the browser's "YYYY-MM-DDTHH:MM") as naive UTC."""
    if isinstance(value, datetime):
        return value
    text = str(value or "").strip().replace("T", " ")
    if not text:
        if required:
            raise ValidationError({label: _("必须填写")})
        return None
    for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            local = datetime.strptime(text, fmt)
            break
        except ValueError:
            continue
    else:
        raise ValidationError({label: _("时间格式应为 年-月-日 时:分")})
    return local.replace(tzinfo=local_zone()).astimezone(UTC).replace(tzinfo=None)


def _remind_minutes(value) -> int | None:
    if value in (None, ""):
        return None
    try:
        minutes = int(str(value).strip())
    except ValueError:
        raise ValidationError({_("提前提醒"): _("必须是分钟数")}) from None
    if not 0 <= minutes <= MAX_REMIND_MINUTES:
        raise ValidationError({_("提前提醒"): _("只能提前 0 分钟到 2 周")})
    return minutes


def _customer_id(value, user) -> int | None:
    from app.customers.access import can_view
    from app.customers.models import Customer

    if value in (None, ""):
        return None
    try:
        customer = db.session.get(Customer, int(value))
    except (TypeError, ValueError):
        customer = None
    if customer is None or not can_view(customer, user):
        raise ValidationError({_("客户"): _("客户不存在或无权查看")})
    return customer.id


def clean_memo_data(data: dict, user) -> dict:
    """Every field checked before anything is written; errors name the field."""
    errors = {}
    cleaned = {}
    subject = str(data.get("subject") or "").strip()
    if not subject:
        errors[_("主题")] = _("必须填写")
    elif len(subject) > 200:
        errors[_("主题")] = _("最多 200 个字")
    cleaned["subject"] = subject
    place = str(data.get("place") or "").strip()
    if len(place) > 200:
        errors[_("地点")] = _("最多 200 个字")
    cleaned["place"] = place
    label = str(data.get("label") or "normal")
    if label not in MEMO_LABELS:
        errors[_("标签")] = _("请选择列表中的标签")
    cleaned["label"] = label
    cleaned["content"] = str(data.get("content") or "")
    checks = (
        ("start_at", lambda: parse_local_datetime(data.get("start_at"), _("开始时间"), required=True)),
        ("end_at", lambda: parse_local_datetime(data.get("end_at"), _("结束时间"))),
        ("remind_minutes", lambda: _remind_minutes(data.get("remind_minutes"))),
        ("customer_id", lambda: _customer_id(data.get("customer_id"), user)),
    )
    for key, check in checks:
        try:
            cleaned[key] = check()
        except ValidationError as error:
            errors.update(error.errors)
    if cleaned.get("start_at") and cleaned.get("end_at") and cleaned["end_at"] < cleaned["start_at"]:
        errors[_("结束时间")] = _("不能早于开始时间")
    if errors:
        raise ValidationError(errors)
    return cleaned


def _apply(memo: Memo, cleaned: dict) -> None:
    old_remind_at = memo.remind_at
    for key, value in cleaned.items():
        setattr(memo, key, value)
    minutes = memo.remind_minutes
    memo.remind_at = None if minutes is None else memo.start_at - timedelta(minutes=minutes)
    if memo.remind_at != old_remind_at:
        memo.fired_at = None  # rescheduled: remind again at the new time


def create_memo(data: dict, user) -> Memo:
    cleaned = clean_memo_data(data, user)
    memo = Memo(owner_id=user.id, created_by_id=user.id)
    _apply(memo, cleaned)
    db.session.add(memo)
    db.session.flush()
    return memo


def update_memo(memo: Memo, data: dict, user) -> Memo:
    _apply(memo, clean_memo_data(data, user))
    db.session.flush()
    return memo


def delete_memo(memo: Memo) -> None:
    db.session.delete(memo)
    db.session.flush()


def memo_scope(user) -> list:
    """Own memos; with memo.query_all, what the role's data scope allows."""
    condition = scope_condition(user, Memo.owner_id, Memo.created_by_id, module="memo")
    return [] if condition is None else [condition]


def visible_memo(memo_id: int, user) -> Memo | None:
    return db.session.scalar(select(Memo).where(Memo.id == memo_id, *memo_scope(user)))


def can_edit(memo: Memo, user) -> bool:
    return user.is_superuser or memo.owner_id == user.id


def upcoming(user, days: int = 14, now: datetime | None = None) -> list[Memo]:
    """The user's own memos from the start of today for `days` days, soonest first (the agenda)."""
    from app.timeutil import local_day_bounds_utc, local_today

    start, end = local_day_bounds_utc(local_today(), days=days)
    query = select(Memo).where(Memo.owner_id == user.id, Memo.start_at >= start, Memo.start_at < end)
    return list(db.session.scalars(query.order_by(Memo.start_at, Memo.id)))


# -- reminders -------------------------------------------------------------------------------------


def reminder_source_key(memo: Memo) -> str:
    """One reminder per memo and reminder time: a rescheduled memo reminds again, a repeated run does not."""
    return f"memo:{memo.id}@{memo.remind_at:%Y%m%dT%H%M}"


def claim_memo(memo_id: int, now: datetime) -> bool:
    result = db.session.execute(
        update(Memo)
        .where(Memo.id == memo_id, Memo.fired_at.is_(None), Memo.remind_at <= now)
        .values(fired_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def fire_due_memos(now: datetime | None = None) -> int:
    """Raise the reminder of every due memo not yet reminded (also those missed while no worker ran)."""
    from app.reminders.services import create_reminder

    now = now or utcnow()
    due = db.session.scalars(
        select(Memo.id).where(Memo.fired_at.is_(None), Memo.remind_at <= now).order_by(Memo.remind_at).limit(FIRE_BATCH)
    ).all()
    fired = 0
    for memo_id in due:
        if not claim_memo(memo_id, now):
            continue  # another process claimed it first
        memo = db.session.get(Memo, memo_id)
        db.session.refresh(memo)
        when = format_local(memo.start_at, "%m-%d %H:%M")
        body = " · ".join(part for part in (when, memo.place) if part)
        create_reminder(
            memo.owner_id,
            "memo",
            memo.subject,
            body=body,
            link=f"/memos/{memo.id}",
            due_at=memo.remind_at,
            source_key=reminder_source_key(memo),
        )
        fired += 1
    db.session.flush()
    return fired

"""Follow-up records (来往记录): what was said, by which channel, and when to call back."""

from datetime import UTC, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import String, cast, literal, select

from app.customers.access import can_view
from app.customers.models import Customer, FollowUp
from app.customers.services import AccessDenied, _clean_param
from app.errors import ValidationError
from app.extensions import db
from app.jobs.runner import job_handler
from app.permissions import scope_condition
from app.timeutil import local_zone, utcnow

CONTENT_MAX = 10000


def _parse_local_datetime(label, value) -> datetime | None:
    """ "2024-05-06 14:30" or "2024-05-06T14:30" in local time → naive UTC."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        local = value if value.tzinfo else value.replace(tzinfo=local_zone())
    else:
        text = str(value).strip().replace("T", " ")
        for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
            try:
                local = datetime.strptime(text, fmt).replace(tzinfo=local_zone())
                break
            except ValueError:
                continue
        else:
            raise ValidationError({label: _("时间格式应为 2024-05-06 14:30")})
    return local.astimezone(UTC).replace(tzinfo=None)


def add_followup(customer: Customer, data: dict, user) -> FollowUp:
    """Record a follow-up and mark the customer as contacted now."""
    if user is not None and not (user.has_permission("followup.add") and can_view(customer, user)):
        raise AccessDenied(_("您不能给这个客户添加来往记录"))
    errors, values = {}, {}
    for key, label, kind in (
        ("type_id", _("来往类型"), "followup_type"),
        ("channel_id", _("沟通方式"), "followup_channel"),
    ):
        try:
            values[key] = _clean_param(label, kind, data.get(key))
        except ValidationError as exc:
            errors.update(exc.errors)
    content = str(data.get("content") or "").strip()
    if not content:
        errors[_("内容")] = _("请填写来往内容")
    elif len(content) > CONTENT_MAX:
        errors[_("内容")] = _("不能超过 %(n)s 个字", n=CONTENT_MAX)
    try:
        values["next_remind_at"] = _parse_local_datetime(_("下次提醒"), data.get("next_remind_at"))
    except ValidationError as exc:
        errors.update(exc.errors)
    if errors:
        raise ValidationError(errors)
    followup = FollowUp(customer=customer, content=content, created_by_id=user.id if user else None, **values)
    db.session.add(followup)
    customer.last_contact_at = utcnow()
    db.session.flush()
    return followup


def followup_scope(user):
    """Follow-ups the user may query: the followup menu's data scope, within customers the user may see."""
    from app.customers.access import customer_scope

    conditions = list(customer_scope(user))
    scope = scope_condition(user, FollowUp.created_by_id, None, module="followup")
    if scope is not None:
        conditions.append(scope)
    return conditions


def timeline(customer: Customer, limit: int = 200) -> list[FollowUp]:
    query = (
        select(FollowUp)
        .where(FollowUp.customer_id == customer.id)
        .order_by(FollowUp.created_at.desc(), FollowUp.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


def delete_followup(followup: FollowUp, user) -> None:
    if not (user.has_permission("followup.delete") and can_view(followup.customer, user)):
        raise AccessDenied(_("您不能删除这条来往记录"))
    db.session.delete(followup)
    db.session.flush()


# A follow-up's reminder is raised when its time comes, or at the first run after downtime; reminders
# older than this are history (e.g. imported records), not work to announce now.
REMINDER_LOOKBACK = timedelta(days=7)
REMINDER_BATCH = 500


def reminder_source_key(followup_id: int) -> str:
    return f"followup:{followup_id}"


def fire_due_followups(now: datetime | None = None) -> int:
    """Remind each agent of the follow-ups they wrote whose next reminder time has come. The reminder's
    unique source key makes this safe to run in several processes: each follow-up is announced once."""
    from app.reminders.models import Reminder
    from app.reminders.services import create_reminder

    now = now or utcnow()
    key = literal("followup:") + cast(FollowUp.id, String)
    reminded = select(Reminder.id).where(Reminder.source_key == key).exists()
    due = db.session.execute(
        select(
            FollowUp.id, FollowUp.created_by_id, FollowUp.content, FollowUp.next_remind_at, Customer.id, Customer.name
        )
        .join(Customer, Customer.id == FollowUp.customer_id)
        .where(
            FollowUp.next_remind_at <= now,
            FollowUp.next_remind_at > now - REMINDER_LOOKBACK,
            FollowUp.created_by_id.is_not(None),
            ~reminded,
        )
        .order_by(FollowUp.next_remind_at)
        .limit(REMINDER_BATCH)
    ).all()
    for followup_id, user_id, content, remind_at, customer_id, customer_name in due:
        create_reminder(
            user_id,
            "followup",
            _("跟进客户:%(name)s", name=customer_name),
            body=content[:200],
            link=f"/customers/{customer_id}",
            due_at=remind_at,
            source_key=reminder_source_key(followup_id),
        )
    db.session.flush()
    return len(due)


@job_handler("followup_reminders", every=timedelta(minutes=1))
def followup_reminders(job):
    fired = fire_due_followups()
    db.session.commit()  # the reminders go out to the agents' tabs after this
    return {"fired": fired}

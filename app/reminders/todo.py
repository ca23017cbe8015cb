"""The to-do list query: one user's reminders of every kind, filtered by kind, state, time and agent.

Supervisors with reminder.query_all may look at the agents their role's data scope covers; everyone
else sees only their own list.
"""

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from app.auth.models import User
from app.errors import ValidationError
from app.extensions import db
from app.permissions import scope_condition
from app.reminders.models import KINDS, Reminder
from app.timeutil import local_day_bounds_utc

STATES = ("unread", "read", "all")
PAGE_SIZE = 100
MAX_PAGE = 10_000


@dataclass
class TodoFilter:
    kind: str = ""
    state: str = "unread"
    since: date | None = None
    until: date | None = None
    agent_id: int | None = None
    page: int = 1

    def query_args(self, page: int) -> dict:
        """The query string of this filter on another page (for the previous / next links)."""
        args = {"kind": self.kind, "state": self.state, "agent": self.agent_id, "page": page}
        args.update(
            since=self.since.isoformat() if self.since else None, until=self.until.isoformat() if self.until else None
        )
        return {key: value for key, value in args.items() if value not in (None, "")}


def _date(value, label) -> date | None:
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError({label: _("日期格式应为 年-月-日")}) from None


def parse_filter(args, viewer) -> TodoFilter:
    """Check the query string; errors name the filter that is wrong."""
    errors = {}
    found = TodoFilter()
    kind = str(args.get("kind") or "")
    if kind and kind not in KINDS:
        errors[_("类型")] = _("没有这种类型")
    found.kind = kind
    state = str(args.get("state") or ("all" if args.get("all") == "1" else "unread"))
    if state not in STATES:
        errors[_("状态")] = _("只能是未读、已读或全部")
    found.state = state
    for attr, label in (("since", _("开始日期")), ("until", _("结束日期"))):
        try:
            setattr(found, attr, _date(args.get(attr), label))
        except ValidationError as error:
            errors.update(error.errors)
    if found.since and found.until and found.until < found.since:
        errors[_("结束日期")] = _("不能早于开始日期")
    agent = str(args.get("agent") or "").strip()
    if agent:
        try:
            found.agent_id = int(agent)
        except ValueError:
            errors[_("坐席")] = _("没有这个坐席")
        else:
            if found.agent_id not in {user_id for user_id, _name in visible_agents(viewer)}:
                errors[_("坐席")] = _("没有这个坐席或无权查看")
    page = str(args.get("page") or "1").strip()
    if not page.isdigit() or not 1 <= int(page) <= MAX_PAGE:
        errors[_("页码")] = _("页码应为 1 到 %(n)s 的整数", n=MAX_PAGE)
    else:
        found.page = int(page)
    if errors:
        raise ValidationError(errors)
    return found


def can_view_others(viewer) -> bool:
    return viewer.is_superuser or viewer.has_permission("reminder.query_all")


def visible_agents(viewer) -> list[tuple[int, str]]:
    """[(user id, name)] whose to-do lists `viewer` may read, the viewer first."""
    if not can_view_others(viewer):
        return [(viewer.id, viewer.display_name)]
    condition = scope_condition(viewer, User.id, module="reminder")
    query = select(User.id, User.display_name).where(User.enabled.is_(True))
    if condition is not None:
        query = query.where(condition)
    others = [(i, n) for i, n in db.session.execute(query.order_by(User.display_name)) if i != viewer.id]
    return [(viewer.id, viewer.display_name), *others]


def todo_page(viewer, wanted: TodoFilter, size: int = PAGE_SIZE) -> tuple[list[Reminder], bool]:
    """One page of the list, newest first, and whether another page follows."""
    rows = todo_items(viewer, wanted, limit=size + 1, offset=(wanted.page - 1) * size)
    return rows[:size], len(rows) > size


def todo_items(viewer, wanted: TodoFilter, limit: int = PAGE_SIZE, offset: int = 0) -> list[Reminder]:
    query = select(Reminder).where(Reminder.user_id == (wanted.agent_id or viewer.id))
    if wanted.kind:
        query = query.where(Reminder.kind == wanted.kind)
    if wanted.state == "unread":
        query = query.where(Reminder.read_at.is_(None))
    elif wanted.state == "read":
        query = query.where(Reminder.read_at.is_not(None))
    if wanted.since:
        query = query.where(Reminder.due_at >= local_day_bounds_utc(wanted.since)[0])
    if wanted.until:
        query = query.where(Reminder.due_at < local_day_bounds_utc(wanted.until)[1])
    query = query.order_by(Reminder.due_at.desc(), Reminder.id.desc()).limit(limit).offset(offset)
    return list(db.session.scalars(query))

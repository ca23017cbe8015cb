"""The memo list as a data grid: columns, the scoped base query and quick filters."""

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.customers.models import Customer
from app.grid.columns import user_column
from app.grid.services import GridColumn, GridDefinition
from app.memos.models import Memo
from app.memos.services import LABEL_NAMES, memo_scope
from app.timeutil import local_day_bounds_utc, local_today


def _label_name(value, row):
    return str(LABEL_NAMES.get(value, value or ""))


def memo_columns(user) -> list[GridColumn]:
    customer_name = select(Customer.name).where(Customer.id == Memo.customer_id).scalar_subquery()
    return [
        GridColumn("subject", _l("主题"), Memo.subject, type="link", searchable=True, width=200),
        GridColumn("start_at", _l("开始时间"), Memo.start_at, type="datetime", width=140),
        GridColumn("end_at", _l("结束时间"), Memo.end_at, type="datetime", width=140, default_visible=False),
        GridColumn("place", _l("地点"), Memo.place, searchable=True, width=120),
        GridColumn(
            "label",
            _l("标签"),
            Memo.label,
            type="choice",
            choices=lambda: [(k, str(v)) for k, v in LABEL_NAMES.items()],
            format=_label_name,
            width=70,
        ),
        GridColumn("remind_at", _l("提醒时间"), Memo.remind_at, type="datetime", width=140),
        GridColumn("customer", _l("客户"), customer_name, searchable=True, width=120),
        GridColumn("content", _l("内容"), Memo.content, type="memo", searchable=True, width=260),
        user_column("owner", _l("所属坐席"), Memo.owner_id, width=90),
        GridColumn("created_at", _l("创建时间"), Memo.created_at, type="datetime", width=140, default_visible=False),
    ]


def memo_base_query(user):
    return select(Memo).where(*memo_scope(user))


def _starting_within(start_offset: int, days: int):
    start, end = local_day_bounds_utc(local_today() + timedelta(days=start_offset), days=days)
    return (Memo.start_at >= start) & (Memo.start_at < end)


MEMO_GRID = GridDefinition(
    id="memos",
    columns=memo_columns,
    base_query=memo_base_query,
    id_expr=Memo.id,
    default_sort=[("start_at", "desc")],
    quick_filters={
        "mine": (_l("我的备忘"), lambda user: Memo.owner_id == user.id),
        "today": (_l("今天"), lambda user: _starting_within(0, 1)),
        "next_7d": (_l("未来7天"), lambda user: _starting_within(0, 7)),
        "important": (_l("重要/紧急"), lambda user: Memo.label.in_(("important", "urgent"))),
    },
)

"""The ticket lists as data grids: all tickets in the user's scope, and "my tickets"."""

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.auth.models import Department
from app.customers.models import Customer
from app.extensions import db
from app.grid.columns import user_column
from app.grid.services import GridColumn, GridDefinition
from app.tickets.models import PRIORITY_LABELS, STATE_LABELS, Ticket, TicketStep, TicketType
from app.tickets.services import mine_condition, ticket_scope
from app.timeutil import local_day_bounds_utc, local_today, utcnow


def _name(model, label_column, column):
    return select(label_column).where(model.id == column).scalar_subquery()


def _department_choices():
    return [(i, n) for i, n in db.session.execute(select(Department.id, Department.name).order_by(Department.name))]


def _type_choices():
    query = select(TicketType.id, TicketType.name).order_by(TicketType.position, TicketType.id)
    return [(i, n) for i, n in db.session.execute(query)]


def _labels(mapping):
    return lambda: [(key, str(label)) for key, label in mapping.items()]


def ticket_columns(user) -> list[GridColumn]:
    return [
        GridColumn("number", _l("工单编号"), Ticket.number, type="link", searchable=True, width=150),
        GridColumn(
            "type",
            _l("类型"),
            _name(TicketType, TicketType.name, Ticket.type_id),
            type="choice",
            filter_expr=Ticket.type_id,
            choices=_type_choices,
            width=84,
        ),
        GridColumn("title", _l("标题"), Ticket.title, searchable=True, width=200),
        GridColumn(
            "customer", _l("客户"), _name(Customer, Customer.name, Ticket.customer_id), searchable=True, width=110
        ),
        GridColumn(
            "priority",
            _l("优先级"),
            Ticket.priority,
            type="choice",
            choices=_labels(PRIORITY_LABELS),
            format=lambda v, row: str(PRIORITY_LABELS.get(v, v or "")),
            width=84,
        ),
        GridColumn(
            "state",
            _l("状态"),
            Ticket.state,
            type="choice",
            choices=_labels(STATE_LABELS),
            format=lambda v, row: str(STATE_LABELS.get(v, v or "")),
            width=84,
        ),
        GridColumn("step", _l("当前步骤"), _name(TicketStep, TicketStep.name, Ticket.step_id), width=100),
        user_column("assignee", _l("处理人"), Ticket.assignee_id, width=96),
        GridColumn(
            "department",
            _l("处理部门"),
            _name(Department, Department.name, Ticket.department_id),
            type="choice",
            filter_expr=Ticket.department_id,
            choices=_department_choices,
            width=90,
            default_visible=False,
        ),
        GridColumn("due_at", _l("处理时限"), Ticket.due_at, type="datetime", width=130),
        GridColumn("content", _l("内容"), Ticket.content, type="memo", searchable=True, default_visible=False),
        user_column("created_by", _l("创建人"), Ticket.created_by_id, width=90, default_visible=False),
        GridColumn("created_at", _l("创建时间"), Ticket.created_at, type="datetime", width=130),
        GridColumn("updated_at", _l("修改时间"), Ticket.updated_at, type="datetime", width=130, default_visible=False),
        GridColumn("closed_at", _l("关闭时间"), Ticket.closed_at, type="datetime", width=130, default_visible=False),
    ]


def _today(column):
    start, end = local_day_bounds_utc(local_today())
    return (column >= start) & (column < end)


QUICK_FILTERS = {
    "unclosed": (_l("未关闭"), lambda user: Ticket.state != "closed"),
    "overdue": (_l("已超时"), lambda user: (Ticket.state != "closed") & (Ticket.due_at < utcnow())),
    "due_24h": (
        _l("24小时内到期"),
        lambda user: (Ticket.state != "closed") & Ticket.due_at.between(utcnow(), utcnow() + timedelta(hours=24)),
    ),
    "created_today": (_l("今日新建"), lambda user: _today(Ticket.created_at)),
    "created_by_me": (_l("我创建的"), lambda user: Ticket.created_by_id == user.id),
    "closed": (_l("已关闭"), lambda user: Ticket.state == "closed"),
}

TICKET_GRID = GridDefinition(
    id="tickets",
    columns=ticket_columns,
    base_query=lambda user: select(Ticket).where(*ticket_scope(user)),
    id_expr=Ticket.id,
    default_sort=[("created_at", "desc")],
    quick_filters={"mine": (_l("我的工单"), mine_condition), **QUICK_FILTERS},
)

MY_TICKET_GRID = GridDefinition(
    id="my_tickets",
    columns=ticket_columns,
    base_query=lambda user: select(Ticket).where(mine_condition(user)),
    id_expr=Ticket.id,
    default_sort=[("due_at", "asc")],
    quick_filters=QUICK_FILTERS,
)

"""The order search (订单管理): by date, number, customer, product, step and agent, plus the order columns."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.customers.models import Customer
from app.grid.columns import labels_column, param_column, user_column
from app.grid.filters import text_contains
from app.grid.services import GridColumn, GridDefinition
from app.orders.models import STATUS_CANCELLED, STATUS_CLOSED, STATUS_OPEN, Order, OrderLine, OrderStep
from app.permissions import scope_condition
from app.timeutil import local_today

STATUS_LABELS = {STATUS_OPEN: _l("进行中"), STATUS_CLOSED: _l("已结束"), STATUS_CANCELLED: _l("已取消")}
FIELD_TYPE_TO_COLUMN = {"bool": "bool", "choice": "choice", "multichoice": "multichoice"}


def order_scope(user) -> list:
    """Orders the user sold or entered (or their department's / everyone's, by role and order.query_all)."""
    condition = scope_condition(user, Order.seller_id, Order.created_by_id, module="order")
    return [] if condition is None else [condition]


def _step_choices():
    from app.orders.steps import order_steps

    return [(step.id, step.name) for step in order_steps()]


def _product_search(text: str):
    lines = select(OrderLine.order_id).where(
        text_contains(OrderLine.product_name, text) | text_contains(OrderLine.product_code, text)
    )
    return Order.id.in_(lines)


def _products_expr():
    return (
        select(OrderLine.product_name)
        .where(OrderLine.order_id == Order.id)
        .order_by(OrderLine.position)
        .limit(1)
        .scalar_subquery()
    )


def order_columns(user) -> list[GridColumn]:
    from app.fields.services import custom_fields, extra_expression

    columns = [
        GridColumn("number", _l("订单号"), Order.number, type="link", searchable=True, width=150),
        GridColumn("order_date", _l("下单日期"), Order.order_date, type="date", width=115),
        GridColumn("customer", _l("客户"), Customer.name, searchable=True, width=130),
        GridColumn(
            "product",
            _l("产品"),
            _products_expr(),
            sortable=False,
            searchable=True,
            search_condition=_product_search,
            width=150,
        ),
        GridColumn("total", _l("金额"), Order.total, type="money", width=100),
        GridColumn(
            "step",
            _l("步骤"),
            select(OrderStep.name).where(OrderStep.id == Order.step_id).scalar_subquery(),
            type="choice",
            filter_expr=Order.step_id,
            choices=_step_choices,
            width=105,
        ),
        labels_column("status", _l("进度"), Order.status, STATUS_LABELS, width=95),
        param_column("state", _l("订单状态"), Order.state_id, "order_state", width=105),
        user_column("seller", _l("销售员"), Order.seller_id, width=105),
        param_column(
            "payment_method",
            _l("付款方式"),
            Order.payment_method_id,
            "payment_method",
            width=105,
            default_visible=False,
        ),
        param_column(
            "shipping_company",
            _l("货运公司"),
            Order.shipping_company_id,
            "shipping_company",
            width=105,
            default_visible=False,
        ),
        GridColumn("tracking_number", _l("运单号"), Order.tracking_number, searchable=True, default_visible=False),
        GridColumn("notes", _l("备注"), Order.notes, type="memo", default_visible=False),
        GridColumn("created_at", _l("录入时间"), Order.created_at, type="datetime", width=140, default_visible=False),
    ]
    for field in custom_fields("order", where="list"):
        options = list(field.options or [])
        columns.append(
            GridColumn(
                field.key,
                field.label,
                extra_expression(field, Order.extra),
                type=FIELD_TYPE_TO_COLUMN.get(field.field_type, field.field_type),
                width=field.width or 120,
                searchable=field.field_type in ("text", "memo"),
                choices=(lambda options=options: [(o, o) for o in options]) if options else None,
            )
        )
    return columns


def order_base_query(user):
    return select(Order).join(Customer, Customer.id == Order.customer_id).where(*order_scope(user))


ORDER_GRID = GridDefinition(
    id="orders",
    columns=order_columns,
    base_query=order_base_query,
    id_expr=Order.id,
    default_sort=[("order_date", "desc")],
    quick_filters={
        "mine": (_l("我的订单"), lambda user: Order.seller_id == user.id),
        "today": (_l("今天"), lambda user: Order.order_date == local_today()),
        "open": (_l("进行中"), lambda user: Order.status == STATUS_OPEN),
    },
)

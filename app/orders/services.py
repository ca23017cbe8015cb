"""Orders: creating, changing and cancelling them together with the stock they take, in one transaction.

Stock moves by the difference per product (old quantities back, new ones out), products locked in id
order so two orders touching the same products never wait on each other in a circle."""

from collections import Counter
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from app.customers.access import can_view
from app.customers.models import Customer
from app.errors import ValidationError
from app.extensions import db
from app.orders.models import STATUS_CANCELLED, STATUS_CLOSED, STATUS_OPEN, Order, OrderLine
from app.orders.steps import enter_step, first_step
from app.products.numbering import assign_number, temporary_number
from app.products.stock import change_stock
from app.products.values import parse_day, parse_lines, parse_param, parse_user
from app.timeutil import utcnow

ORDER_PREFIX = "DD"
CANCELLED_STATE = "已取消"


def _customer(value, user, errors: dict):
    text = str(value or "").strip()
    customer = db.session.get(Customer, int(text)) if text.isdigit() else None
    if customer is None or not can_view(customer, user):
        errors[_("客户")] = _("请选择您能查看的客户")
        return None
    return customer


def _order_values(data: dict, user) -> tuple[dict, list[dict], dict]:
    from app.fields.services import validate_extra

    errors: dict = {}
    customer = _customer(data.get("customer_id"), user, errors)
    seller = parse_user(data.get("seller_id"), _("销售员"), errors)
    tracking = " ".join(str(data.get("tracking_number") or "").split())
    if len(tracking) > 60:
        errors[_("运单号")] = _("不能超过 %(n)s 个字", n=60)
    notes = str(data.get("notes") or "").strip()
    if len(notes) > 5000:
        errors[_("备注")] = _("不能超过 %(n)s 个字", n=5000)
    values = {
        "customer_id": customer.id if customer else None,
        "seller_id": seller.id if seller else None,
        "order_date": parse_day(data.get("order_date"), _("下单日期"), errors),
        "state_id": parse_param(data.get("state_id"), "order_state", _("订单状态"), errors),
        "payment_method_id": parse_param(data.get("payment_method_id"), "payment_method", _("付款方式"), errors),
        "shipping_company_id": parse_param(data.get("shipping_company_id"), "shipping_company", _("货运公司"), errors),
        "tracking_number": tracking,
        "notes": notes,
    }
    lines = parse_lines(data.get("lines"), errors, with_discount=True)
    extra = {}
    try:
        extra = validate_extra("order", data.get("extra") or {})
    except ValidationError as exc:
        errors.update(exc.errors)
    if errors:
        raise ValidationError(errors)
    return values, lines, extra


def _quantities(lines) -> Counter:
    counts: Counter = Counter()
    for line in lines:
        counts[line.product_id] += line.quantity
    return counts


def _move_stock(before: Counter, after: Counter, reason: str) -> None:
    """Take out what `after` needs beyond `before` and give back what it no longer needs."""
    for product_id in sorted(set(before) | set(after)):
        delta = before.get(product_id, 0) - after.get(product_id, 0)
        if delta:
            change_stock(product_id, delta, reason)


def _set_lines(order: Order, lines: list[dict]) -> None:
    order.lines = [
        OrderLine(
            product_id=line["product"].id,
            position=position,
            product_code=line["product"].code,
            product_name=line["product"].name,
            quantity=line["quantity"],
            unit_price=line["unit_price"],
            discount=line["discount"],
            amount=line["amount"],
        )
        for position, line in enumerate(lines)
    ]
    order.total = sum((line["amount"] for line in lines), Decimal("0"))


def create_order(data: dict, user) -> Order:
    values, lines, extra = _order_values(data, user)
    order = Order(**values, extra=extra, number=temporary_number(), created_by_id=user.id if user else None)
    _set_lines(order, lines)
    # Stock first: a refused order then costs no insert, and the product rows are locked before anything else.
    with db.session.no_autoflush:
        _move_stock(Counter(), _quantities(order.lines), _("新订单"))
    db.session.add(order)
    db.session.flush()
    assign_number(order, ORDER_PREFIX)
    step = first_step()
    if step is not None:
        enter_step(order, step)
    db.session.flush()
    return order


def update_order(order: Order, data: dict, user) -> Order:
    from app.fields.services import merge_extra

    if order.status == STATUS_CANCELLED:
        raise ValidationError({_("订单"): _("订单 %(number)s 已取消,不能修改", number=order.number)})
    values, lines, extra = _order_values(data, user)
    before = _quantities(order.lines)
    for key, value in values.items():
        setattr(order, key, value)
    order.extra = merge_extra(order.extra, extra)
    _set_lines(order, lines)
    db.session.flush()
    _move_stock(before, _quantities(order.lines), _("修改订单 %(number)s", number=order.number))
    db.session.flush()
    return order


def cancel_order(order: Order, user) -> Order:
    from app.fields.services import param_item_by_label

    if order.status == STATUS_CANCELLED:
        raise ValidationError({_("订单"): _("订单 %(number)s 已经取消了", number=order.number)})
    _move_stock(_quantities(order.lines), Counter(), _("取消订单 %(number)s", number=order.number))
    order.status = STATUS_CANCELLED
    order.cancelled_at = utcnow()
    state = param_item_by_label("order_state", CANCELLED_STATE)
    if state is not None:
        order.state_id = state.id
    db.session.flush()
    return order


def close_order(order: Order, user) -> Order:
    if order.status != STATUS_OPEN:
        raise ValidationError({_("订单"): _("只有进行中的订单可以结束")})
    order.status = STATUS_CLOSED
    order.closed_at = utcnow()
    db.session.flush()
    return order


def change_step(order: Order, step_id, user) -> Order:
    from app.orders.models import OrderStep

    if order.status != STATUS_OPEN:
        raise ValidationError({_("步骤"): _("订单已结束或已取消,不能再改步骤")})
    step = db.session.get(OrderStep, int(step_id)) if str(step_id or "").isdigit() else None
    if step is None or not step.enabled:
        raise ValidationError({_("步骤"): _("请选择一个步骤")})
    enter_step(order, step)
    db.session.flush()
    return order


def orders_of_customer(customer_id: int, user=None, limit: int = 50) -> list[Order]:
    """The customer's orders (those `user` may see, when given), newest first: for the customer detail page."""
    from app.orders.grids import order_scope

    scope = order_scope(user) if user is not None else []
    query = (
        select(Order)
        .where(Order.customer_id == customer_id, *scope)
        .order_by(Order.order_date.desc(), Order.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


def can_view_order(order: Order | None, user) -> bool:
    from app.orders.grids import order_scope

    if order is None or not user.has_permission("order.view"):
        return False
    query = select(Order.id).where(Order.id == order.id, *order_scope(user))
    return db.session.scalar(query) is not None

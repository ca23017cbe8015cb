"""Products and purchases: creating, changing, deleting, and receiving a purchase into stock."""

from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from app.errors import ValidationError
from app.extensions import db
from app.products.models import Product, Purchase, PurchaseLine
from app.products.numbering import assign_number, temporary_number
from app.products.stock import change_stock
from app.products.values import parse_day, parse_int, parse_lines, parse_money, parse_param, parse_user
from app.timeutil import utcnow

PURCHASE_PREFIX = "CG"
RECEIVED_STATE = "已收货"


def _clean_text(data: dict, key: str, label: str, errors: dict, limit: int, required=False) -> str:
    value = " ".join(str(data.get(key) or "").split()) if key != "notes" else str(data.get(key) or "").strip()
    if required and not value:
        errors[label] = _("请填写%(label)s", label=label)
    elif len(value) > limit:
        errors[label] = _("不能超过 %(n)s 个字", n=limit)
    return value


def _product_values(data: dict, product: Product | None) -> dict:
    errors: dict = {}
    values = {
        "code": _clean_text(data, "code", _("编号"), errors, 40, required=True),
        "name": _clean_text(data, "name", _("名称"), errors, 120, required=True),
        "unit": _clean_text(data, "unit", _("单位"), errors, 20),
        "notes": _clean_text(data, "notes", _("备注"), errors, 5000),
        "category_id": parse_param(data.get("category_id"), "product_category", _("类别"), errors),
        "purchase_price": parse_money(data.get("purchase_price"), _("进价"), errors),
        "sale_price": parse_money(data.get("sale_price"), _("售价"), errors),
        "low_stock_threshold": parse_int(data.get("low_stock_threshold"), _("库存预警值"), errors),
    }
    if product is None:
        values["stock"] = parse_int(data.get("stock"), _("库存"), errors)
    if values["code"] and _("编号") not in errors:
        clash = select(Product.id).where(func.lower(Product.code) == values["code"].lower())
        if product is not None:
            clash = clash.where(Product.id != product.id)
        if db.session.scalar(clash.limit(1)) is not None:
            errors[_("编号")] = _("编号“%(code)s”已被其他产品使用", code=values["code"])
    if errors:
        raise ValidationError(errors)
    return values


def create_product(data: dict, user) -> Product:
    values = _product_values(data, None)
    product = Product(**values, created_by_id=user.id if user else None)
    db.session.add(product)
    db.session.flush()
    return product


def update_product(product: Product, data: dict, user) -> Product:
    """Stock is not edited here: it changes through orders, purchases and `adjust_stock`."""
    values = _product_values(data, product)
    for key, value in values.items():
        setattr(product, key, value)
    db.session.flush()
    return product


def adjust_stock(product: Product, new_stock, user) -> int:
    errors: dict = {}
    target = parse_int(new_stock, _("库存"), errors)
    if errors:
        raise ValidationError(errors)
    name = user.display_name if user else ""
    return change_stock(product.id, target - product.stock, _("人工调整(%(name)s)", name=name))


def delete_product(product: Product) -> None:
    from app.orders.models import OrderLine

    used = db.session.scalar(select(func.count(PurchaseLine.id)).where(PurchaseLine.product_id == product.id))
    used += db.session.scalar(select(func.count(OrderLine.id)).where(OrderLine.product_id == product.id))
    if used:
        raise ValidationError(
            {_("产品"): _("“%(name)s”已用在 %(n)s 条进货或订单明细中,不能删除", name=product.name, n=used)}
        )
    db.session.delete(product)
    db.session.flush()


# -- purchases ----------------------------------------------------------------------------------


def _purchase_values(data: dict) -> tuple[dict, list[dict]]:
    errors: dict = {}
    values = {
        "supplier": _clean_text(data, "supplier", _("供应商"), errors, 160, required=True),
        "notes": _clean_text(data, "notes", _("备注"), errors, 5000),
        "purchase_date": parse_day(data.get("purchase_date"), _("进货日期"), errors),
        "state_id": parse_param(data.get("state_id"), "purchase_state", _("状态"), errors),
    }
    buyer = parse_user(data.get("buyer_id"), _("采购员"), errors)
    values["buyer_id"] = buyer.id if buyer else None
    lines = parse_lines(data.get("lines"), errors)
    if errors:
        raise ValidationError(errors)
    return values, lines


def _set_purchase_lines(purchase: Purchase, lines: list[dict]) -> None:
    purchase.lines = [
        PurchaseLine(
            product_id=line["product"].id,
            position=position,
            quantity=line["quantity"],
            unit_price=line["unit_price"],
            amount=line["amount"],
        )
        for position, line in enumerate(lines)
    ]
    purchase.total = sum((line["amount"] for line in lines), Decimal("0"))


def create_purchase(data: dict, user) -> Purchase:
    values, lines = _purchase_values(data)
    purchase = Purchase(**values, number=temporary_number(), created_by_id=user.id if user else None)
    _set_purchase_lines(purchase, lines)
    db.session.add(purchase)
    db.session.flush()
    assign_number(purchase, PURCHASE_PREFIX)
    return purchase


def update_purchase(purchase: Purchase, data: dict, user) -> Purchase:
    if purchase.received_at is not None:
        raise ValidationError({_("进货单"): _("进货单 %(number)s 已收货,不能再修改", number=purchase.number)})
    values, lines = _purchase_values(data)
    for key, value in values.items():
        setattr(purchase, key, value)
    _set_purchase_lines(purchase, lines)
    db.session.flush()
    return purchase


def _received_state_id():
    from app.fields.services import param_item_by_label

    item = param_item_by_label("purchase_state", RECEIVED_STATE)
    return item.id if item is not None else None


def receive_purchase(purchase_id: int, user) -> Purchase:
    """Raise stock by every line, once: marking it received is a conditional update, so a second try fails."""
    now = utcnow()
    claimed = db.session.execute(
        update(Purchase)
        .where(Purchase.id == purchase_id, Purchase.received_at.is_(None))
        .values(received_at=now, received_by_id=user.id if user else None)
        .execution_options(synchronize_session=False)
    )
    purchase = db.session.get(Purchase, purchase_id, populate_existing=True)
    if purchase is None:
        raise ValidationError({_("进货单"): _("进货单不存在")})
    if claimed.rowcount != 1:
        raise ValidationError({_("进货单"): _("进货单 %(number)s 已经收过货了", number=purchase.number)})
    for line in sorted(purchase.lines, key=lambda item: item.product_id):
        change_stock(line.product_id, line.quantity, _("进货收货 %(number)s", number=purchase.number))
    purchase.state_id = _received_state_id() or purchase.state_id
    db.session.flush()
    return purchase


def delete_purchase(purchase: Purchase) -> None:
    if purchase.received_at is not None:
        raise ValidationError({_("进货单"): _("进货单 %(number)s 已收货,不能删除", number=purchase.number)})
    db.session.delete(purchase)
    db.session.flush()

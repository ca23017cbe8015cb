"""Parsing what forms send: amounts, quantities, dates, users, parameter items and document lines.

Every problem is reported with the field (or "第N行 …") it belongs to, all at once where possible."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("9999999999.99")
MAX_QUANTITY = 1_000_000


def parse_money(value, label: str, errors: dict, default=Decimal("0")) -> Decimal:
    text = str(value if value is not None else "").strip().replace(",", "").replace("¥", "").replace("￥", "")
    if not text:
        return default
    try:
        amount = Decimal(text)
    except InvalidOperation:
        errors[label] = _("请填写金额,例如 12.50")
        return default
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        errors[label] = _("金额应在 0 到 %(max)s 之间", max=MAX_AMOUNT)
        return default
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def parse_int(value, label: str, errors: dict, default=0, low=0, high=MAX_QUANTITY) -> int:
    text = str(value if value is not None else "").strip()
    if not text:
        return default
    try:
        number = int(text)
    except ValueError:
        errors[label] = _("请填写整数")
        return default
    if not low <= number <= high:
        errors[label] = _("应在 %(low)s 到 %(high)s 之间", low=low, high=high)
        return default
    return number


def parse_day(value, label: str, errors: dict, required=True) -> date | None:
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    if not text:
        if required:
            errors[label] = _("请填写日期")
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[label] = _("日期格式应为 2026-01-31")
        return None


def parse_user(value, label: str, errors: dict, required=True):
    from app.auth.models import User

    text = str(value or "").strip()
    if not text:
        if required:
            errors[label] = _("请选择")
        return None
    user = db.session.get(User, int(text)) if text.isdigit() else None
    if user is None or not user.enabled:
        errors[label] = _("没有这个员工或已停用")
        return None
    return user


def parse_param(value, kind: str, label: str, errors: dict, required=False):
    from app.fields.models import ParamItem

    text = str(value or "").strip()
    if not text:
        if required:
            errors[label] = _("请选择")
        return None
    item = db.session.get(ParamItem, int(text)) if text.isdigit() else None
    if item is None or item.kind != kind:
        errors[label] = _("请从列表中选择")
        return None
    return item.id


def parse_lines(rows, errors: dict, with_discount=False) -> list[dict]:
    """Form rows [{product_id, quantity, unit_price[, discount]}] → checked lines with amounts.

    Blank rows are skipped; at least one line is required."""
    from app.products.models import Product

    lines = []
    for index, row in enumerate(rows or (), start=1):
        if not any(str(row.get(k) or "").strip() for k in ("product_id", "quantity", "unit_price", "discount")):
            continue
        prefix = _("第%(n)s行", n=index)
        product_text = str(row.get("product_id") or "").strip()
        product = db.session.get(Product, int(product_text)) if product_text.isdigit() else None
        if product is None:
            errors[f"{prefix} {_('产品')}"] = _("请选择产品")
        quantity = parse_int(row.get("quantity"), f"{prefix} {_('数量')}", errors, default=0, low=1)
        if not str(row.get("quantity") or "").strip():
            errors[f"{prefix} {_('数量')}"] = _("请填写数量")
        price_default = product.sale_price if product is not None and with_discount else None
        unit_price = parse_money(row.get("unit_price"), f"{prefix} {_('单价')}", errors, default=price_default)
        if unit_price is None:
            errors[f"{prefix} {_('单价')}"] = _("请填写单价")
            unit_price = Decimal("0")
        discount = Decimal("0")
        if with_discount:
            discount = parse_money(row.get("discount"), f"{prefix} {_('优惠')}", errors)
        amount = (unit_price * quantity - discount).quantize(CENT)
        if amount < 0:
            errors[f"{prefix} {_('优惠')}"] = _("优惠不能超过该行金额")
        lines.append(
            {"product": product, "quantity": quantity, "unit_price": unit_price, "discount": discount, "amount": amount}
        )
    if not lines and not errors:
        errors[_("明细")] = _("请至少填写一行产品")
    return lines


def product_choices() -> list[dict]:
    """Products for the line editor: id, code, name, prices and stock."""
    from app.products.models import Product

    products = db.session.scalars(select(Product).order_by(Product.code))
    return [
        {
            "id": p.id,
            "code": p.code,
            "name": p.name,
            "sale_price": f"{p.sale_price:.2f}",
            "purchase_price": f"{p.purchase_price:.2f}",
            "stock": p.stock,
        }
        for p in products
    ]

"""Stock changes: one locked, conditional update per product inside the caller's transaction.

The row is locked first (SELECT … FOR NO KEY UPDATE on PostgreSQL, which order lines' foreign-key checks do
not conflict with; SQLite lets one writer at a time), and the
UPDATE itself carries `stock + delta >= 0`, so two agents selling the last unit cannot both succeed
even where a lock is missing. Crossing the low-stock threshold downwards raises one reminder per crossing.
"""

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import select, update

from app.errors import ValidationError
from app.extensions import db
from app.products.models import Product, StockMovement

LOW_STOCK_PERMISSION = "product.low_stock"


def change_stock(product_id: int, delta: int, reason: str) -> int:
    """Add `delta` (negative: take away) to the product's stock; returns the new stock. Flushes, never commits."""
    delta = int(delta)
    product = db.session.scalar(
        select(Product)
        .where(Product.id == product_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    if product is None:
        raise ValidationError({_("产品"): _("产品不存在或已被删除")})
    if delta == 0:
        return product.stock
    statement = update(Product).where(Product.id == product_id)
    if delta < 0 and not current_app.config.get("ALLOW_NEGATIVE_STOCK"):
        statement = statement.where(Product.stock + delta >= 0)
    result = db.session.execute(
        statement.values(stock=Product.stock + delta).execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.refresh(product, ["stock"])
        raise ValidationError(
            {
                _("库存"): _(
                    "库存不足:%(name)s 现有 %(stock)s,需要 %(need)s",
                    name=product.name,
                    stock=product.stock,
                    need=-delta,
                )
            }
        )
    before = product.stock
    db.session.refresh(product, ["stock", "low_stock_threshold", "low_stock_crossings"])
    db.session.add(StockMovement(product_id=product_id, delta=delta, stock_after=product.stock, reason=reason[:200]))
    threshold = product.low_stock_threshold or 0
    if threshold > 0 and before > threshold >= product.stock:
        product.low_stock_crossings = (product.low_stock_crossings or 0) + 1
        _announce_low_stock(product)
    db.session.flush()
    return product.stock


def low_stock_recipients() -> list[int]:
    """Users whose role receives low-stock reminders (superusers included)."""
    from app.auth.models import User

    users = db.session.scalars(select(User).where(User.enabled.is_(True)))
    return [user.id for user in users if user.has_permission(LOW_STOCK_PERMISSION)]


def _announce_low_stock(product: Product) -> None:
    from app.reminders.services import create_reminder

    title = _("库存不足:%(name)s", name=product.name)
    body = _(
        "%(code)s %(name)s 库存降到 %(stock)s,低于预警值 %(threshold)s。",
        code=product.code,
        name=product.name,
        stock=product.stock,
        threshold=product.low_stock_threshold,
    )
    try:
        link = url_for("products.edit", product_id=product.id)
    except RuntimeError:  # outside a request (jobs, tests calling services): a relative link still works
        link = f"/products/{product.id}/edit"
    for user_id in low_stock_recipients():
        create_reminder(
            user_id,
            "low_stock",
            title,
            body,
            link,
            source_key=f"low_stock:{product.id}:{product.low_stock_crossings}:{user_id}",
        )

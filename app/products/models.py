"""Products with their stock, the stock movements that changed it, and purchases (产品进货) that raise it."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow

Money = db.Numeric(12, 2)


class Product(db.Model):
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(db.String(40), unique=True)
    name: Mapped[str] = mapped_column(db.String(120), index=True)
    category_id: Mapped[int | None] = mapped_column(db.ForeignKey("param_item.id", ondelete="SET NULL"), index=True)
    unit: Mapped[str] = mapped_column(db.String(20), default="")
    purchase_price: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    sale_price: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    stock: Mapped[int] = mapped_column(default=0)
    # Zero: no low-stock warning. Crossing it downwards raises one reminder per crossing.
    low_stock_threshold: Mapped[int] = mapped_column(default=0)
    low_stock_crossings: Mapped[int] = mapped_column(default=0)
    notes: Mapped[str] = mapped_column(db.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(db.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow, onupdate=utcnow)

    category = relationship("ParamItem")

    def __repr__(self):
        return f"<Product {self.code} {self.name}>"

    @property
    def audit_label(self) -> str:
        return f"{self.code} {self.name}"


class StockMovement(db.Model):
    """One change of a product's stock and why (order, cancellation, purchase received, correction)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(db.ForeignKey("product.id", ondelete="CASCADE"), index=True)
    delta: Mapped[int]
    stock_after: Mapped[int]
    reason: Mapped[str] = mapped_column(db.String(200), default="")
    created_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow)

    def __repr__(self):
        return f"<StockMovement product={self.product_id} {self.delta:+d}>"


class Purchase(db.Model):
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(db.String(40), unique=True)
    supplier: Mapped[str] = mapped_column(db.String(160), default="")
    buyer_id: Mapped[int | None] = mapped_column(db.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    purchase_date: Mapped[date] = mapped_column(db.Date, index=True)
    state_id: Mapped[int | None] = mapped_column(db.ForeignKey("param_item.id", ondelete="SET NULL"), index=True)
    total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    notes: Mapped[str] = mapped_column(db.Text, default="")
    received_at: Mapped[datetime | None] = mapped_column(db.DateTime)
    received_by_id: Mapped[int | None] = mapped_column(db.ForeignKey("user.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(db.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow)

    lines = relationship(
        "PurchaseLine", back_populates="purchase", cascade="all, delete-orphan", order_by="PurchaseLine.position"
    )
    buyer = relationship("User", foreign_keys=[buyer_id])
    received_by = relationship("User", foreign_keys=[received_by_id])
    state = relationship("ParamItem")

    def __repr__(self):
        return f"<Purchase {self.number}>"

    @property
    def audit_label(self) -> str:
        return self.number


class PurchaseLine(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    purchase_id: Mapped[int] = mapped_column(db.ForeignKey("purchase.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(db.ForeignKey("product.id", ondelete="RESTRICT"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    quantity: Mapped[int]
    unit_price: Mapped[Decimal] = mapped_column(Money)
    amount: Mapped[Decimal] = mapped_column(Money)

    purchase = relationship("Purchase", back_populates="lines")
    product = relationship("Product")

    def __repr__(self):
        return f"<PurchaseLine {self.product_id} x{self.quantity}>"

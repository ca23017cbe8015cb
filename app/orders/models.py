"""Orders (销售记录): lines of products, the configurable steps an order moves through, attached files."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.customers.models import ExtraJSON
from app.extensions import db
from app.timeutil import utcnow

Money = db.Numeric(12, 2)
STATUS_OPEN, STATUS_CLOSED, STATUS_CANCELLED = "open", "closed", "cancelled"


class OrderStep(db.Model):
    """步骤设置: one stage of the order workflow, in `position` order."""

    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(db.String(60))
    note: Mapped[str] = mapped_column(db.String(255), default="")
    responsible_id: Mapped[int | None] = mapped_column(db.ForeignKey("user.id", ondelete="SET NULL"))
    # Reaching a final step ends the order, unless it waits for someone to close it by hand.
    is_final: Mapped[bool] = mapped_column(default=False)
    manual_close: Mapped[bool] = mapped_column(default=False)
    # Entering this step raises a reminder for the responsible agent.
    remind: Mapped[bool] = mapped_column(default=False)
    enabled: Mapped[bool] = mapped_column(default=True)

    responsible = relationship("User")

    def __repr__(self):
        return f"<OrderStep {self.position} {self.name}>"

    @property
    def audit_label(self) -> str:
        return self.name


class Order(db.Model):
    __tablename__ = "sales_order"  # "order" is a reserved word in SQL
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(db.String(40), unique=True)
    customer_id: Mapped[int] = mapped_column(db.ForeignKey("customer.id", ondelete="RESTRICT"), index=True)
    seller_id: Mapped[int | None] = mapped_column(db.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    order_date: Mapped[date] = mapped_column(db.Date, index=True)
    step_id: Mapped[int | None] = mapped_column(db.ForeignKey("order_step.id", ondelete="SET NULL"), index=True)
    state_id: Mapped[int | None] = mapped_column(db.ForeignKey("param_item.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(db.String(12), default=STATUS_OPEN, index=True)
    payment_method_id: Mapped[int | None] = mapped_column(db.ForeignKey("param_item.id", ondelete="SET NULL"))
    shipping_company_id: Mapped[int | None] = mapped_column(db.ForeignKey("param_item.id", ondelete="SET NULL"))
    tracking_number: Mapped[str] = mapped_column(db.String(60), default="")
    total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    notes: Mapped[str] = mapped_column(db.Text, default="")
    extra: Mapped[dict] = mapped_column(ExtraJSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(db.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow, onupdate=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(db.DateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(db.DateTime)

    customer = relationship("Customer")
    seller = relationship("User", foreign_keys=[seller_id])
    created_by = relationship("User", foreign_keys=[created_by_id])
    step = relationship("OrderStep")
    state = relationship("ParamItem", foreign_keys=[state_id])
    payment_method = relationship("ParamItem", foreign_keys=[payment_method_id])
    shipping_company = relationship("ParamItem", foreign_keys=[shipping_company_id])
    lines = relationship(
        "OrderLine", back_populates="order", cascade="all, delete-orphan", order_by="OrderLine.position"
    )
    files = relationship("OrderFile", back_populates="order", cascade="all, delete-orphan", order_by="OrderFile.id")

    __table_args__ = (
        db.Index("ix_order_date_id", "order_date", "id"),
        db.Index("ix_order_seller_date", "seller_id", "order_date"),
    )

    def __repr__(self):
        return f"<Order {self.number}>"

    @property
    def audit_label(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status == STATUS_OPEN


class OrderLine(db.Model):
    """One product of an order; name and code are copied so a later rename keeps old orders as sold."""

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(db.ForeignKey("sales_order.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(db.ForeignKey("product.id", ondelete="RESTRICT"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    product_code: Mapped[str] = mapped_column(db.String(40), default="")
    product_name: Mapped[str] = mapped_column(db.String(120), index=True)
    quantity: Mapped[int]
    unit_price: Mapped[Decimal] = mapped_column(Money)
    discount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    amount: Mapped[Decimal] = mapped_column(Money)

    order = relationship("Order", back_populates="lines")
    product = relationship("Product")

    def __repr__(self):
        return f"<OrderLine {self.product_code} x{self.quantity}>"


class OrderFile(db.Model):
    """A contract or order form; the bytes live under instance/uploads/orders, never under static/."""

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(db.ForeignKey("sales_order.id", ondelete="CASCADE"), index=True)
    original_name: Mapped[str] = mapped_column(db.String(255))
    stored_name: Mapped[str] = mapped_column(db.String(80), unique=True)
    content_type: Mapped[str] = mapped_column(db.String(120), default="application/octet-stream")
    size: Mapped[int] = mapped_column(default=0)
    uploaded_by_id: Mapped[int | None] = mapped_column(db.ForeignKey("user.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow)

    order = relationship("Order", back_populates="files")
    uploaded_by = relationship("User")

    def __repr__(self):
        return f"<OrderFile {self.id} {self.original_name}>"

"""The customer base: customers, their numbers, contacts, files and follow-up records."""

from datetime import date, datetime

from sqlalchemy import JSON
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow

# JSONB on PostgreSQL so custom fields can carry expression indexes; JSON text elsewhere.
ExtraJSON = JSON().with_variant(JSONB(), "postgresql")

GENDERS = ("", "M", "F")


class Customer(db.Model):
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(db.String(120))
    company: Mapped[str] = mapped_column(db.String(160), default="", index=True)
    gender: Mapped[str] = mapped_column(db.String(1), default="")
    birthday: Mapped[date | None] = mapped_column(db.Date)
    native_place: Mapped[str] = mapped_column(db.String(80), default="")
    ethnicity: Mapped[str] = mapped_column(db.String(40), default="")
    email: Mapped[str] = mapped_column(db.String(160), default="")
    im: Mapped[str] = mapped_column(db.String(80), default="")  # QQ / WeChat
    address: Mapped[str] = mapped_column(db.String(255), default="")
    region: Mapped[str] = mapped_column(db.String(80), default="")
    category_id: Mapped[int | None] = mapped_column(db.ForeignKey("param_item.id", ondelete="SET NULL"), index=True)
    level_id: Mapped[int | None] = mapped_column(db.ForeignKey("param_item.id", ondelete="SET NULL"), index=True)
    source_id: Mapped[int | None] = mapped_column(db.ForeignKey("param_item.id", ondelete="SET NULL"), index=True)
    industry_id: Mapped[int | None] = mapped_column(db.ForeignKey("param_item.id", ondelete="SET NULL"), index=True)
    # No owner: the customer is in the public pool.
    owner_id: Mapped[int | None] = mapped_column(db.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    locked_by_id: Mapped[int | None] = mapped_column(db.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    locked_at: Mapped[datetime | None] = mapped_column(db.DateTime)
    notes: Mapped[str] = mapped_column(db.Text, default="")
    extra: Mapped[dict] = mapped_column(ExtraJSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(db.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(db.ForeignKey("user.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow, onupdate=utcnow)
    last_contact_at: Mapped[datetime | None] = mapped_column(db.DateTime)

    phones = relationship(
        "CustomerPhone", back_populates="customer", cascade="all, delete-orphan", order_by="CustomerPhone.position"
    )
    contacts = relationship("Contact", back_populates="customer", cascade="all, delete-orphan", order_by="Contact.id")
    files = relationship("CustomerFile", back_populates="customer", cascade="all, delete-orphan")
    followups = relationship(
        "FollowUp", back_populates="customer", cascade="all, delete-orphan", order_by="FollowUp.created_at.desc()"
    )
    owner = relationship("User", foreign_keys=[owner_id])
    locked_by = relationship("User", foreign_keys=[locked_by_id])
    created_by = relationship("User", foreign_keys=[created_by_id])
    updated_by = relationship("User", foreign_keys=[updated_by_id])
    category = relationship("ParamItem", foreign_keys=[category_id])
    level = relationship("ParamItem", foreign_keys=[level_id])
    source = relationship("ParamItem", foreign_keys=[source_id])
    industry = relationship("ParamItem", foreign_keys=[industry_id])

    # The grid sorts with id as the tie-breaker: (column, id) lets the database read a page straight
    # off the index even where many rows share a value (never-contacted customers, one import's timestamp).
    __table_args__ = (
        db.Index("ix_customer_created_id", "created_at", "id"),
        db.Index("ix_customer_updated_id", "updated_at", "id"),
        db.Index("ix_customer_last_contact_id", "last_contact_at", "id"),
        db.Index("ix_customer_name_id", "name", "id"),
        db.Index("ix_customer_owner_updated", "owner_id", "updated_at"),
        db.Index("ix_customer_owner_created", "owner_id", "created_at"),
    )

    def __repr__(self):
        return f"<Customer {self.id} {self.name}>"

    @property
    def in_public_pool(self) -> bool:
        return self.owner_id is None

    def can_view(self, user) -> bool:
        from app.customers.access import can_view

        return can_view(self, user)

    def can_edit(self, user) -> bool:
        from app.customers.access import can_edit

        return can_edit(self, user)


class Contact(db.Model):
    """Another person at the customer's company."""

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(db.ForeignKey("customer.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(db.String(80))
    title: Mapped[str] = mapped_column(db.String(80), default="")
    email: Mapped[str] = mapped_column(db.String(160), default="")
    notes: Mapped[str] = mapped_column(db.String(255), default="")

    customer = relationship("Customer", back_populates="contacts")
    phones = relationship("CustomerPhone", back_populates="contact")

    def __repr__(self):
        return f"<Contact {self.id} {self.name}>"


class CustomerPhone(db.Model):
    """A number of a customer (or of one of its contacts), indexed in normalized form for screen-pop."""

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(db.ForeignKey("customer.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int | None] = mapped_column(db.ForeignKey("contact.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(db.String(40))  # as entered
    normalized: Mapped[str] = mapped_column(db.String(32))
    extension: Mapped[str] = mapped_column(db.String(12), default="")
    type_id: Mapped[int | None] = mapped_column(db.ForeignKey("param_item.id", ondelete="SET NULL"))
    location: Mapped[str] = mapped_column(db.String(80), default="")
    position: Mapped[int] = mapped_column(default=0)

    customer = relationship("Customer", back_populates="phones")
    contact = relationship("Contact", back_populates="phones")
    phone_type = relationship("ParamItem")

    # With the customer id in the index, a lookup by number is an index-only scan: the screen-pop
    # on a ring reads no row of this table, only the customer's.
    __table_args__ = (db.Index("ix_customer_phone_normalized_customer", "normalized", "customer_id"),)

    def __repr__(self):
        return f"<CustomerPhone {self.normalized}>"


class FollowUp(db.Model):
    """来往记录: one contact with the customer, with an optional next reminder."""

    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(db.ForeignKey("customer.id", ondelete="CASCADE"), index=True)
    type_id: Mapped[int | None] = mapped_column(db.ForeignKey("param_item.id", ondelete="SET NULL"))
    channel_id: Mapped[int | None] = mapped_column(db.ForeignKey("param_item.id", ondelete="SET NULL"))
    content: Mapped[str] = mapped_column(db.Text, default="")
    next_remind_at: Mapped[datetime | None] = mapped_column(db.DateTime, index=True)
    extra: Mapped[dict] = mapped_column(ExtraJSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(db.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow, index=True)

    customer = relationship("Customer", back_populates="followups")
    followup_type = relationship("ParamItem", foreign_keys=[type_id])
    channel = relationship("ParamItem", foreign_keys=[channel_id])
    created_by = relationship("User")
    files = relationship("CustomerFile", back_populates="followup")

    def __repr__(self):
        return f"<FollowUp {self.id} customer={self.customer_id}>"


class CustomerFile(db.Model):
    """An attached file; the bytes live under instance/uploads, never under static/."""

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(db.ForeignKey("customer.id", ondelete="CASCADE"), index=True)
    followup_id: Mapped[int | None] = mapped_column(db.ForeignKey("follow_up.id", ondelete="SET NULL"), index=True)
    original_name: Mapped[str] = mapped_column(db.String(255))
    stored_name: Mapped[str] = mapped_column(db.String(80), unique=True)
    content_type: Mapped[str] = mapped_column(db.String(120), default="application/octet-stream")
    size: Mapped[int] = mapped_column(default=0)
    uploaded_by_id: Mapped[int | None] = mapped_column(db.ForeignKey("user.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow)

    customer = relationship("Customer", back_populates="files")
    followup = relationship("FollowUp", back_populates="files")
    uploaded_by = relationship("User")

    def __repr__(self):
        return f"<CustomerFile {self.id} {self.original_name}>"

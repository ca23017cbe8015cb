"""Accounts: users, roles with permission sets, departments as a tree, and the login log."""

import secrets
from datetime import datetime

from sqlalchemy import JSON
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow

DATA_SCOPES = ("own", "department", "all")
AGENT_STATUSES = ("online", "busy", "away")


class Department(db.Model):
    __audited__ = ("name", "parent_id", "position")

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(db.String(80))
    parent_id: Mapped[int | None] = mapped_column(db.ForeignKey("department.id", ondelete="RESTRICT"), index=True)
    position: Mapped[int] = mapped_column(default=0)

    parent = relationship("Department", remote_side=[id], backref="children")

    def __repr__(self):
        return f"<Department {self.id} {self.name}>"


class Role(db.Model):
    __audited__ = ("name", "description", "permissions", "data_scope", "hide_numbers", "customer_categories")

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(db.String(80), unique=True)
    description: Mapped[str] = mapped_column(db.String(255), default="")
    # Permission codes from app.permissions.PERMISSIONS.
    permissions: Mapped[list] = mapped_column(JSON, default=list)
    data_scope: Mapped[str] = mapped_column(db.String(16), default="own")
    hide_numbers: Mapped[bool] = mapped_column(default=False)
    # Customer categories (param item ids) this role may see; empty means every category.
    customer_categories: Mapped[list] = mapped_column(JSON, default=list)

    def __repr__(self):
        return f"<Role {self.id} {self.name}>"


class User(db.Model):
    # Never the password hash or session token: a password change is recorded as its own entry.
    __audited__ = (
        "username",
        "display_name",
        "must_change_password",
        "enabled",
        "is_superuser",
        "department_id",
        "role_id",
        "extension",
        "mobile",
        "email",
        "lock_limit",
        "lock_days",
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(db.String(64), unique=True)
    display_name: Mapped[str] = mapped_column(db.String(80))
    password_hash: Mapped[str] = mapped_column(db.String(255))
    must_change_password: Mapped[bool] = mapped_column(default=True)
    # Rotated on password change or reset so every other session of the user ends.
    session_token: Mapped[str] = mapped_column(db.String(32), default=lambda: secrets.token_hex(16))
    enabled: Mapped[bool] = mapped_column(default=True)
    is_superuser: Mapped[bool] = mapped_column(default=False)
    department_id: Mapped[int | None] = mapped_column(db.ForeignKey("department.id"), index=True)
    role_id: Mapped[int | None] = mapped_column(db.ForeignKey("role.id"), index=True)
    extension: Mapped[str] = mapped_column(db.String(32), default="", index=True)
    mobile: Mapped[str] = mapped_column(db.String(32), default="")
    email: Mapped[str] = mapped_column(db.String(120), default="")
    locale: Mapped[str] = mapped_column(db.String(10), default="")
    # How many customers the agent may lock, and after how many days a lock lapses (0: no limit).
    lock_limit: Mapped[int] = mapped_column(default=0)
    lock_days: Mapped[int] = mapped_column(default=0)
    agent_status: Mapped[str] = mapped_column(db.String(16), default="online")
    agent_status_at: Mapped[datetime | None] = mapped_column(db.DateTime)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(db.DateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(db.DateTime)
    created_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow)

    department = relationship(Department)
    role = relationship(Role)

    def __repr__(self):
        return f"<User {self.id} {self.username}>"

    @property
    def audit_label(self) -> str:
        return f"{self.display_name} ({self.username})"

    # Flask-Login protocol
    @property
    def is_authenticated(self):
        return True

    @property
    def is_active(self):
        return self.enabled

    @property
    def is_anonymous(self):
        return False

    def get_id(self):
        return f"{self.id}:{self.session_token}"

    def has_permission(self, code: str) -> bool:
        if self.is_superuser:
            return True
        return bool(self.role and code in (self.role.permissions or ()))

    @property
    def data_scope(self) -> str:
        if self.is_superuser:
            return "all"
        return self.role.data_scope if self.role else "own"

    @property
    def hides_numbers(self) -> bool:
        return bool(not self.is_superuser and self.role and self.role.hide_numbers)

    @property
    def visible_customer_categories(self) -> list[int]:
        """Category ids the user may see; empty means all."""
        if self.is_superuser or not self.role:
            return []
        return list(self.role.customer_categories or [])


class LoginLog(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(db.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    username: Mapped[str] = mapped_column(db.String(64))
    ip: Mapped[str] = mapped_column(db.String(64), default="")
    user_agent: Mapped[str] = mapped_column(db.String(255), default="")
    success: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str] = mapped_column(db.String(64), default="")

    def __repr__(self):
        return f"<LoginLog {self.username} {self.success}>"

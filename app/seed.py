"""Defaults every new installation starts with: parameter lists and three roles. Idempotent."""

from sqlalchemy import select

from app.auth.models import Department, Role
from app.extensions import db
from app.fields.models import ParamItem
from app.fields.params import PARAM_KINDS

DEFAULT_ROLES = {
    "坐席": (
        "own",
        ["customer.view", "customer.add", "customer.edit", "followup.view", "followup.add"],
    ),
    "组长": (
        "department",
        [
            "customer.view",
            "customer.query_all",
            "customer.add",
            "customer.edit",
            "customer.export",
            "customer.assign",
            "followup.view",
            "followup.query_all",
            "followup.add",
        ],
    ),
    "管理员": (
        "all",
        [
            "customer.view",
            "customer.query_all",
            "customer.add",
            "customer.edit",
            "customer.delete",
            "customer.export",
            "customer.import",
            "customer.assign",
            "followup.view",
            "followup.query_all",
            "followup.add",
            "followup.delete",
            "system.users",
            "system.roles",
            "system.departments",
            "system.logs",
            "system.fields",
            "system.params",
        ],
    ),
}
DEFAULT_DEPARTMENTS = ["客服部", "销售部", "综合部"]


def seed_defaults() -> None:
    for kind, (_label, values) in PARAM_KINDS.items():
        if db.session.scalar(select(ParamItem.id).where(ParamItem.kind == kind).limit(1)) is None:
            for position, value in enumerate(values):
                db.session.add(ParamItem(kind=kind, label=value, position=position))
    for name, (scope, permissions) in DEFAULT_ROLES.items():
        if db.session.scalar(select(Role.id).where(Role.name == name)) is None:
            db.session.add(Role(name=name, data_scope=scope, permissions=permissions))
    if db.session.scalar(select(Department.id).limit(1)) is None:
        for position, name in enumerate(DEFAULT_DEPARTMENTS):
            db.session.add(Department(name=name, position=position))
    db.session.flush()

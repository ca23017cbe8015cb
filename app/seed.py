"""Defaults every new installation starts with: parameter lists and three roles. Idempotent."""

from sqlalchemy import select

from app.auth.models import Department, Role
from app.extensions import db
from app.fields.models import ParamItem
from app.fields.params import PARAM_KINDS
from app.permissions import PERMISSIONS

_AGENT = [
    "customer.view",
    "customer.add",
    "customer.edit",
    "followup.view",
    "followup.add",
    "phone.use",
    "calls.view",
    "calls.listen",
    "ticket.view",
    "ticket.add",
    "ticket.edit",
    "order.view",
    "order.add",
    "order.edit",
    "product.view",
    "faq.view",
]
_LEAD = _AGENT + [
    "customer.query_all",
    "customer.export",
    "customer.assign",
    "followup.query_all",
    "phone.monitor",
    "calls.query_all",
    "calls.export",
    "calls.download",
    "ticket.query_all",
    "order.query_all",
    "order.cancel",
    "memo.query_all",
    "reminder.query_all",
    "staff.view",
]
# role name -> (data scope, permissions); None stands for every permission there is (the admin role).
DEFAULT_ROLES = {"坐席": ("own", _AGENT), "组长": ("department", _LEAD), "管理员": ("all", None)}
DEFAULT_DEPARTMENTS = ["客服部", "销售部", "综合部"]


def seed_defaults() -> None:
    for kind, (_label, values) in PARAM_KINDS.items():
        if db.session.scalar(select(ParamItem.id).where(ParamItem.kind == kind).limit(1)) is None:
            for position, value in enumerate(values):
                db.session.add(ParamItem(kind=kind, label=value, position=position))
    for name, (scope, permissions) in DEFAULT_ROLES.items():
        if db.session.scalar(select(Role.id).where(Role.name == name)) is None:
            granted = list(PERMISSIONS) if permissions is None else permissions
            db.session.add(Role(name=name, data_scope=scope, permissions=granted))
    if db.session.scalar(select(Department.id).limit(1)) is None:
        for position, name in enumerate(DEFAULT_DEPARTMENTS):
            db.session.add(Department(name=name, position=position))
    db.session.flush()
    # tickets: the default ticket types 投诉 / 咨询 / 回访
    from app.tickets.types import seed_ticket_types

    seed_ticket_types()

"""Tickets (工单): complaints, enquiries and call-backs that move through a type's steps until closed."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.menu import register_menu
from app.permissions import register_menu_permissions, register_permission

bp = Blueprint("tickets", __name__, url_prefix="/tickets", template_folder="templates")

_group = _l("工单")
register_menu_permissions("ticket", _group)  # ticket.view / ticket.query_all / ticket.delete
register_permission("ticket.add", _group, _l("新建"))
register_permission("ticket.edit", _group, _l("修改工单、处理他人工单"))
register_permission("ticket.admin", _group, _l("工单类型设置"))

register_menu("customer", _l("我的工单"), "tickets.mine", "ticket.view", order=30)
register_menu("customer", _l("工单"), "tickets.index", "ticket.view", order=31)
register_menu("system", _l("工单类型"), "tickets.type_list", "ticket.admin", order=70)

from app.tickets import admin_views, tasks, views  # noqa: E402,F401

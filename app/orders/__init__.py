"""Orders (销售记录 / 订单管理): lines, stock, configurable steps and columns, files and the printable PDF."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.fields.entities import register_field_entity
from app.menu import register_menu
from app.orders.models import Order
from app.permissions import register_menu_permissions, register_permission

bp = Blueprint("orders", __name__, url_prefix="/orders", template_folder="templates")

_group = _l("订单管理")
register_menu_permissions("order", _group)  # order.view / order.query_all / order.delete
register_permission("order.add", _group, _l("新增"))
register_permission("order.edit", _group, _l("修改、改步骤、上传附件"))
register_permission("order.cancel", _group, _l("取消订单"))
register_permission("order.settings", _group, _l("步骤设置"))

register_menu("customer", _l("订单管理"), "orders.index", "order.view", order=30)
register_menu("system", _l("订单步骤设置"), "orders.steps", "order.settings", order=70)

register_field_entity("order", _l("订单"), Order)  # 订单栏目: custom fields of orders


@bp.app_context_processor
def _customer_orders_helper():
    """`orders_of_customer` for templates/orders/_customer_orders.html, included by the customer page."""
    from app.orders.services import orders_of_customer

    return {"orders_of_customer": orders_of_customer}


from app.orders import views  # noqa: E402,F401

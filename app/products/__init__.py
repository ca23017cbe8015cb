"""Products, stock and purchases (产品 / 产品进货)."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.menu import register_menu
from app.permissions import register_menu_permissions, register_permission

bp = Blueprint("products", __name__, url_prefix="/products", template_folder="templates")

_group = _l("产品管理")
register_menu_permissions("product", _group)  # product.view / product.query_all / product.delete
register_permission("product.add", _group, _l("新增"))
register_permission("product.edit", _group, _l("修改与调整库存"))
register_permission("product.low_stock", _group, _l("接收低库存提醒"))
_pgroup = _l("产品进货")
register_menu_permissions("purchase", _pgroup)
register_permission("purchase.add", _pgroup, _l("新增"))
register_permission("purchase.edit", _pgroup, _l("修改"))
register_permission("purchase.receive", _pgroup, _l("收货入库"))

register_menu("customer", _l("产品管理"), "products.index", "product.view", order=40)
register_menu("customer", _l("产品进货"), "products.purchases", "purchase.view", order=50)

from app.products import views  # noqa: E402,F401

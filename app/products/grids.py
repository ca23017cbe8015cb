"""The product list and the purchase list as data grids."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.grid.columns import param_column, user_column
from app.grid.services import GridColumn, GridDefinition
from app.permissions import scope_condition
from app.products.models import Product, Purchase, PurchaseLine


def product_columns(user) -> list[GridColumn]:
    return [
        GridColumn("code", _l("编号"), Product.code, type="link", searchable=True, width=110),
        GridColumn("name", _l("名称"), Product.name, searchable=True, width=180),
        param_column("category", _l("类别"), Product.category_id, "product_category", width=100),
        GridColumn("unit", _l("单位"), Product.unit, width=60, default_visible=False),
        GridColumn("purchase_price", _l("进价"), Product.purchase_price, type="money", width=90),
        GridColumn("sale_price", _l("售价"), Product.sale_price, type="money", width=90),
        GridColumn("stock", _l("库存"), Product.stock, type="number", width=80),
        GridColumn("low_stock_threshold", _l("库存预警值"), Product.low_stock_threshold, type="number", width=90),
        GridColumn("notes", _l("备注"), Product.notes, type="memo", searchable=True, width=200),
        GridColumn("updated_at", _l("修改时间"), Product.updated_at, type="datetime", width=140, default_visible=False),
    ]


PRODUCT_GRID = GridDefinition(
    id="products",
    columns=product_columns,
    base_query=lambda user: select(Product),
    id_expr=Product.id,
    default_sort=[("code", "asc")],
    quick_filters={
        "low": (
            _l("库存不足"),
            lambda user: (Product.low_stock_threshold > 0) & (Product.stock <= Product.low_stock_threshold),
        )
    },
)


def purchase_scope(user) -> list:
    condition = scope_condition(user, Purchase.buyer_id, Purchase.created_by_id, module="purchase")
    return [] if condition is None else [condition]


def _product_search(text: str):
    from app.grid.filters import text_contains

    lines = select(PurchaseLine.purchase_id).join(Product, Product.id == PurchaseLine.product_id)
    return Purchase.id.in_(lines.where(text_contains(Product.name, text) | text_contains(Product.code, text)))


def purchase_columns(user) -> list[GridColumn]:
    first_product = (
        select(Product.name)
        .join(PurchaseLine, PurchaseLine.product_id == Product.id)
        .where(PurchaseLine.purchase_id == Purchase.id)
        .order_by(PurchaseLine.position)
        .limit(1)
        .scalar_subquery()
    )
    return [
        GridColumn("number", _l("进货单号"), Purchase.number, type="link", searchable=True, width=150),
        GridColumn("purchase_date", _l("进货日期"), Purchase.purchase_date, type="date", width=100),
        GridColumn("supplier", _l("供应商"), Purchase.supplier, searchable=True, width=160),
        GridColumn(
            "product", _l("产品"), first_product, sortable=False, searchable=True, search_condition=_product_search
        ),
        user_column("buyer", _l("采购员"), Purchase.buyer_id, width=90),
        param_column("state", _l("状态"), Purchase.state_id, "purchase_state", width=90),
        GridColumn("total", _l("金额"), Purchase.total, type="money", width=100),
        GridColumn("received_at", _l("收货时间"), Purchase.received_at, type="datetime", width=140),
        GridColumn("notes", _l("备注"), Purchase.notes, type="memo", default_visible=False),
    ]


PURCHASE_GRID = GridDefinition(
    id="purchases",
    columns=purchase_columns,
    base_query=lambda user: select(Purchase).where(*purchase_scope(user)),
    id_expr=Purchase.id,
    default_sort=[("purchase_date", "desc")],
    quick_filters={"pending": (_l("待收货"), lambda user: Purchase.received_at.is_(None))},
)

"""Product and purchase pages: lists, add/edit forms with product lines, stock adjustment, receiving."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.errors import ValidationError
from app.extensions import db
from app.grid.columns import user_choices
from app.grid.routes import add_grid_routes
from app.permissions import require_permission
from app.products import bp, forms, services
from app.products.grids import PRODUCT_GRID, PURCHASE_GRID, purchase_scope
from app.products.models import Product, Purchase
from app.products.values import product_choices

add_grid_routes(
    bp,
    "/",
    PRODUCT_GRID,
    permission="product.view",
    endpoints=("index", "data", "export"),
    export_name=_l("产品"),
    template="products/index.html",
)
add_grid_routes(
    bp,
    "/purchases/",
    PURCHASE_GRID,
    permission="purchase.view",
    endpoints=("purchases", "purchases_data", "purchases_export"),
    export_name=_l("产品进货"),
    template="products/purchases.html",
)


def _product_form(product, values, errors=None, status=200):
    from app.fields.services import param_choices

    categories = param_choices("product_category")
    page = render_template(
        "products/form.html", product=product, values=values, errors=errors or {}, categories=categories
    )
    return page, status


def _save_product(product):
    data = forms.product_data(request.form)
    try:
        if product is None:
            product = services.create_product(data, current_user)
        else:
            services.update_product(product, data, current_user)
    except ValidationError as exc:
        db.session.rollback()
        return _product_form(product, data, exc.errors, 400)
    db.session.commit()
    flash(_("产品“%(name)s”已保存。", name=product.name), "success")
    return redirect(url_for("products.index"))


@bp.route("/new", methods=["GET", "POST"])
@require_permission("product.add")
def create():
    if request.method == "POST":
        return _save_product(None)
    return _product_form(None, forms.product_values(None))


@bp.route("/<int:product_id>/edit", methods=["GET", "POST"])
@require_permission("product.edit")
def edit(product_id):
    product = db.get_or_404(Product, product_id)
    if request.method == "POST":
        return _save_product(product)
    return _product_form(product, forms.product_values(product))


@bp.route("/<int:product_id>/stock", methods=["POST"])
@require_permission("product.edit")
def adjust(product_id):
    product = db.get_or_404(Product, product_id)
    try:
        services.adjust_stock(product, request.form.get("stock"), current_user)
    except ValidationError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        db.session.commit()
        flash(_("库存已调整为 %(n)s。", n=product.stock), "success")
    return redirect(url_for("products.edit", product_id=product_id))


@bp.route("/<int:product_id>/delete", methods=["POST"])
@require_permission("product.delete")
def delete(product_id):
    product = db.get_or_404(Product, product_id)
    try:
        services.delete_product(product)
    except ValidationError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("products.edit", product_id=product_id))
    db.session.commit()
    flash(_("产品已删除。"), "success")
    return redirect(url_for("products.index"))


# -- purchases ----------------------------------------------------------------------------------


def _purchase_or_404(purchase_id) -> Purchase:
    from sqlalchemy import select

    purchase = db.session.scalar(select(Purchase).where(Purchase.id == purchase_id, *purchase_scope(current_user)))
    if purchase is None:
        abort(404)
    return purchase


def _purchase_form(purchase, values, errors=None, status=200):
    from app.fields.services import param_choices

    page = render_template(
        "products/purchase_form.html",
        purchase=purchase,
        values=values,
        errors=errors or {},
        states=param_choices("purchase_state"),
        buyers=user_choices(),
        products=product_choices(),
    )
    return page, status


def _save_purchase(purchase):
    data = forms.purchase_data(request.form)
    try:
        if purchase is None:
            purchase = services.create_purchase(data, current_user)
        else:
            services.update_purchase(purchase, data, current_user)
    except ValidationError as exc:
        db.session.rollback()
        return _purchase_form(purchase, forms.submitted(data), exc.errors, 400)
    db.session.commit()
    flash(_("进货单 %(number)s 已保存。", number=purchase.number), "success")
    return redirect(url_for("products.purchase_detail", purchase_id=purchase.id))


@bp.route("/purchases/new", methods=["GET", "POST"])
@require_permission("purchase.add")
def purchase_create():
    if request.method == "POST":
        return _save_purchase(None)
    return _purchase_form(None, forms.purchase_values(None, current_user))


@bp.route("/purchases/<int:purchase_id>")
@require_permission("purchase.view")
def purchase_detail(purchase_id):
    return render_template("products/purchase_detail.html", purchase=_purchase_or_404(purchase_id))


@bp.route("/purchases/<int:purchase_id>/edit", methods=["GET", "POST"])
@require_permission("purchase.edit")
def purchase_edit(purchase_id):
    purchase = _purchase_or_404(purchase_id)
    if request.method == "POST":
        return _save_purchase(purchase)
    return _purchase_form(purchase, forms.purchase_values(purchase, current_user))


@bp.route("/purchases/<int:purchase_id>/receive", methods=["POST"])
@require_permission("purchase.receive")
def purchase_receive(purchase_id):
    purchase = _purchase_or_404(purchase_id)
    try:
        services.receive_purchase(purchase.id, current_user)
    except ValidationError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        db.session.commit()
        flash(_("进货单 %(number)s 已收货,库存已增加。", number=purchase.number), "success")
    return redirect(url_for("products.purchase_detail", purchase_id=purchase_id))


@bp.route("/purchases/<int:purchase_id>/delete", methods=["POST"])
@require_permission("purchase.delete")
def purchase_delete(purchase_id):
    purchase = _purchase_or_404(purchase_id)
    try:
        services.delete_purchase(purchase)
    except ValidationError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("products.purchase_detail", purchase_id=purchase_id))
    db.session.commit()
    flash(_("进货单已删除。"), "success")
    return redirect(url_for("products.purchases"))

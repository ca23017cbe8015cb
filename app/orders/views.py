"""Order pages: the search grid, add/edit with product lines, detail with steps and files, cancel, PDF."""

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.customers.picker import picked_customer
from app.errors import ValidationError
from app.extensions import db
from app.grid.routes import add_grid_routes
from app.orders import bp, files, forms, services
from app.orders.grids import ORDER_GRID, STATUS_LABELS
from app.orders.models import Order, OrderFile
from app.orders.pdf import order_pdf
from app.orders.steps import order_steps
from app.permissions import require_permission

add_grid_routes(
    bp,
    "/",
    ORDER_GRID,
    permission="order.view",
    endpoints=("index", "data", "export"),
    export_name=_l("订单"),
    template="orders/index.html",
)


def _order_or_404(order_id: int) -> Order:
    order = db.session.get(Order, order_id)
    if not services.can_view_order(order, current_user):
        abort(404)
    return order


def _form(order, values, errors=None, status=200):
    context = forms.form_context(current_user)
    customer = picked_customer(values.get("customer_id"), current_user, kept=order.customer if order else None)
    page = render_template(
        "orders/form.html", order=order, values=values, errors=errors or {}, customer=customer, **context
    )
    return page, status


def _save(order):
    data = forms.order_data(request.form, forms.form_context(current_user)["custom_fields"])
    try:
        if order is None:
            order = services.create_order(data, current_user)
        else:
            services.update_order(order, data, current_user)
    except ValidationError as exc:
        db.session.rollback()
        return _form(order, dict(data, lines=data["lines"] or [{}]), exc.errors, 400)
    db.session.commit()
    flash(_("订单 %(number)s 已保存。", number=order.number), "success")
    return redirect(url_for("orders.detail", order_id=order.id))


@bp.route("/new", methods=["GET", "POST"])
@require_permission("order.add")
def create():
    if request.method == "POST":
        return _save(None)
    fields = forms.form_context(current_user)["custom_fields"]
    return _form(None, forms.blank_order(current_user, fields, request.args.get("customer_id", "")))


@bp.route("/<int:order_id>")
@require_permission("order.view")
def detail(order_id):
    order = _order_or_404(order_id)
    from app.fields.services import custom_fields, field_display

    extra = [(f.label, field_display(f, order.extra)) for f in custom_fields("order") if not f.hidden]
    return render_template(
        "orders/detail.html",
        order=order,
        steps=order_steps(include_disabled=False),
        extra_values=extra,
        status_labels=STATUS_LABELS,
    )


@bp.route("/<int:order_id>/edit", methods=["GET", "POST"])
@require_permission("order.edit")
def edit(order_id):
    order = _order_or_404(order_id)
    if request.method == "POST":
        return _save(order)
    return _form(order, forms.order_values(order))


def _act(order_id, action, done_message):
    order = _order_or_404(order_id)
    try:
        action(order)
    except ValidationError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        db.session.commit()
        flash(done_message, "success")
    return redirect(url_for("orders.detail", order_id=order_id))


@bp.route("/<int:order_id>/cancel", methods=["POST"])
@require_permission("order.cancel")
def cancel(order_id):
    return _act(order_id, lambda order: services.cancel_order(order, current_user), _("订单已取消,库存已退回。"))


@bp.route("/<int:order_id>/close", methods=["POST"])
@require_permission("order.edit")
def close(order_id):
    return _act(order_id, lambda order: services.close_order(order, current_user), _("订单已结束。"))


@bp.route("/<int:order_id>/step", methods=["POST"])
@require_permission("order.edit")
def step(order_id):
    step_id = request.form.get("step_id")
    return _act(order_id, lambda order: services.change_step(order, step_id, current_user), _("步骤已更新。"))


@bp.route("/<int:order_id>/pdf")
@require_permission("order.view")
def pdf(order_id):
    order = _order_or_404(order_id)
    response = Response(order_pdf(order), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{order.number}.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/<int:order_id>/files", methods=["POST"])
@require_permission("order.edit")
def upload_file(order_id):
    order = _order_or_404(order_id)
    upload = request.files.get("file")
    try:
        files.save_upload(order, upload.filename if upload else "", upload.stream if upload else None, current_user)
    except ValidationError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        db.session.commit()
        flash(_("附件已上传。"), "success")
    return redirect(url_for("orders.detail", order_id=order_id, _anchor="files"))


@bp.route("/files/<int:file_id>")
@require_permission("order.view")
def download_file(file_id):
    item = db.session.get(OrderFile, file_id)
    if item is None:
        abort(404)
    _order_or_404(item.order_id)
    return files.ORDER_FILES.download(item)


@bp.route("/files/<int:file_id>/delete", methods=["POST"])
@require_permission("order.edit")
def delete_file(file_id):
    item = db.session.get(OrderFile, file_id)
    if item is None:
        abort(404)
    order_id = _order_or_404(item.order_id).id
    stored = files.delete_file(item)
    db.session.commit()
    files.remove_stored([stored])
    flash(_("附件已删除。"), "success")
    return redirect(url_for("orders.detail", order_id=order_id, _anchor="files"))


from app.orders import step_views  # noqa: E402,F401

"""Customer pages: the list, the detail page, add/edit, delete, follow-ups and files."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.customers import bp, files, followups, forms, services
from app.customers.access import can_delete, can_edit, can_view
from app.customers.grids import CUSTOMER_GRID
from app.customers.models import Customer
from app.customers.services import AccessDenied
from app.errors import ValidationError
from app.extensions import db
from app.grid.routes import add_grid_routes
from app.grid.services import grid_config
from app.permissions import require_permission


def _customer_or_404(customer_id: int) -> Customer:
    customer = db.session.get(Customer, customer_id)
    if customer is None or not can_view(customer, current_user):
        abort(404)
    return customer


@bp.route("/")
@require_permission("customer.view")
def index():
    context = forms.list_context(current_user)
    return render_template("customers/index.html", grid=grid_config(CUSTOMER_GRID, current_user), **context)


add_grid_routes(
    bp,
    "/",
    CUSTOMER_GRID,
    permission="customer.view",
    endpoints=("index", "data", "export"),
    export_name=_l("客户资料"),
    export_permission="customer.export",
)


@bp.route("/<int:customer_id>")
@require_permission("customer.view")
def detail(customer_id):
    customer = _customer_or_404(customer_id)
    page = forms.detail_context(customer, current_user)
    return render_template("customers/detail.html", customer=customer, timeline=followups.timeline(customer), **page)


def _render_form(customer, values, errors=None, status=200):
    context = forms.form_context(current_user)
    page = render_template("customers/form.html", customer=customer, values=values, errors=errors or {}, **context)
    return page, status


def _save(customer):
    fields = forms.form_fields()
    masked = current_user.hides_numbers
    data = forms.form_to_data(request.form, fields, customer, masked)
    try:
        if customer is None:
            customer = services.create_customer(data, current_user)
        else:
            services.update_customer(customer, data, current_user)
    except ValidationError as exc:
        db.session.rollback()
        return _render_form(customer, forms.submitted_values(request.form, fields), exc.errors, 400)
    warnings = services.conflict_warnings(customer, current_user)
    db.session.commit()
    flash(_("客户资料已保存。"), "success")
    for warning in warnings:
        flash(warning, "warning")
    return redirect(url_for("customers.detail", customer_id=customer.id))


@bp.route("/new", methods=["GET", "POST"])
@require_permission("customer.add")
def create():
    if request.method == "POST":
        return _save(None)
    return _render_form(None, forms.blank_form(current_user))


@bp.route("/<int:customer_id>/edit", methods=["GET", "POST"])
@require_permission("customer.edit")
def edit(customer_id):
    customer = _customer_or_404(customer_id)
    if not can_edit(customer, current_user):
        abort(403)
    if request.method == "POST":
        return _save(customer)
    return _render_form(customer, forms.customer_to_form(customer, current_user.hides_numbers))


@bp.route("/<int:customer_id>/delete", methods=["POST"])
@require_permission("customer.delete")
def delete(customer_id):
    customer = _customer_or_404(customer_id)
    if not can_delete(customer, current_user):
        abort(403)
    stored = services.delete_customer(customer, current_user)
    db.session.commit()
    files.remove_stored(stored)
    flash(_("客户已删除。"), "success")
    return redirect(url_for("customers.index"))


@bp.route("/<int:customer_id>/followups", methods=["POST"])
@require_permission("followup.add")
def add_followup(customer_id):
    customer = _customer_or_404(customer_id)
    stored = []
    try:
        followup = followups.add_followup(customer, request.form, current_user)
        for upload in request.files.getlist("files"):
            if upload and upload.filename:
                stored.append(files.save_upload(customer, upload.filename, upload.stream, current_user, followup))
    except (ValidationError, AccessDenied) as exc:
        db.session.rollback()
        files.remove_stored([s.stored_name for s in stored])
        flash(getattr(exc, "message", None) or str(exc), "danger")
    else:
        db.session.commit()
        flash(_("来往记录已添加。"), "success")
    return redirect(url_for("customers.detail", customer_id=customer.id, _anchor="followups"))


@bp.route("/<int:customer_id>/files", methods=["POST"])
@require_permission("customer.edit")
def upload_file(customer_id):
    customer = _customer_or_404(customer_id)
    if not can_edit(customer, current_user):
        abort(403)
    upload = request.files.get("file")
    try:
        files.save_upload(customer, upload.filename if upload else "", upload.stream if upload else None, current_user)
    except ValidationError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("customers.detail", customer_id=customer.id, _anchor="files"))
    db.session.commit()
    flash(_("附件已上传。"), "success")
    return redirect(url_for("customers.detail", customer_id=customer.id, _anchor="files"))


@bp.route("/files/<int:file_id>")
@require_permission("customer.view")
def download_file(file_id):
    item = files.file_for_download(file_id, current_user)
    if item is None:
        abort(404)
    return files.CUSTOMER_FILES.download(item)


@bp.route("/files/<int:file_id>/delete", methods=["POST"])
@require_permission("customer.edit")
def delete_file(file_id):
    item = files.file_for_download(file_id, current_user)
    if item is None or not can_edit(item.customer, current_user):
        abort(404)
    customer_id = item.customer_id
    stored = files.delete_file(item)
    db.session.commit()
    files.remove_stored([stored])
    flash(_("附件已删除。"), "success")
    return redirect(url_for("customers.detail", customer_id=customer_id, _anchor="files"))

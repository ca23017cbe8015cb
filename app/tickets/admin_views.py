"""工单类型: the admin pages for types, their fields and their steps (permission ticket.admin)."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.errors import ValidationError
from app.extensions import db
from app.permissions import require_permission
from app.tickets import bp, forms, pages, types
from app.tickets.models import TicketField, TicketStep, TicketType


def _type_or_404(type_id: int) -> TicketType:
    return db.session.get(TicketType, type_id) or abort(404)


def _back(type_id: int, anchor: str = ""):
    return redirect(url_for("tickets.type_edit", type_id=type_id, _anchor=anchor or None))


def _change(type_id: int, change, success: str, anchor: str):
    """Run one change; a bad value is flashed with the field it concerns, nothing is saved."""
    try:
        change()
    except ValidationError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return _back(type_id, anchor)
    db.session.commit()
    flash(success, "success")
    return _back(type_id, anchor)


@bp.route("/types")
@require_permission("ticket.admin")
def type_list():
    return render_template("tickets/types.html", types=types.ticket_types(), errors={}, values={})


@bp.route("/types/new", methods=["POST"])
@require_permission("ticket.admin")
def type_create():
    try:
        ticket_type = types.save_type(None, forms.type_form_data(request.form))
    except ValidationError as exc:
        db.session.rollback()
        page = render_template("tickets/types.html", types=types.ticket_types(), errors=exc.errors, values=request.form)
        return page, 400
    db.session.commit()
    flash(_("已新增工单类型“%(name)s”。", name=ticket_type.name), "success")
    return _back(ticket_type.id)


@bp.route("/types/<int:type_id>", methods=["GET", "POST"])
@require_permission("ticket.admin")
def type_edit(type_id):
    ticket_type = _type_or_404(type_id)
    if request.method == "GET":
        return render_template("tickets/type_edit.html", **pages.type_context(ticket_type))
    return _change(type_id, lambda: types.save_type(ticket_type, forms.type_form_data(request.form)), _("已保存。"), "")


@bp.route("/types/<int:type_id>/delete", methods=["POST"])
@require_permission("ticket.admin")
def type_delete(type_id):
    ticket_type = _type_or_404(type_id)
    try:
        types.delete_type(ticket_type)
    except ValidationError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return _back(type_id)
    db.session.commit()
    flash(_("工单类型已删除。"), "success")
    return redirect(url_for("tickets.type_list"))


@bp.route("/types/<int:type_id>/steps", methods=["POST"])
@require_permission("ticket.admin")
def step_add(type_id):
    ticket_type = _type_or_404(type_id)
    add = lambda: types.add_step(ticket_type, forms.step_form_data(request.form))  # noqa: E731
    return _change(type_id, add, _("已添加步骤。"), "steps")


@bp.route("/steps/<int:step_id>/move", methods=["POST"])
@require_permission("ticket.admin")
def step_move(step_id):
    step = db.session.get(TicketStep, step_id) or abort(404)
    direction = "up" if request.form.get("direction") == "up" else "down"
    return _change(step.type_id, lambda: types.move_step(step, direction), _("已保存。"), "steps")


@bp.route("/steps/<int:step_id>/delete", methods=["POST"])
@require_permission("ticket.admin")
def step_delete(step_id):
    step = db.session.get(TicketStep, step_id) or abort(404)
    return _change(step.type_id, lambda: types.delete_step(step), _("已删除步骤。"), "steps")


@bp.route("/types/<int:type_id>/fields", methods=["POST"])
@require_permission("ticket.admin")
def field_add(type_id):
    ticket_type = _type_or_404(type_id)
    add = lambda: types.add_field(ticket_type, forms.field_form_data(request.form))  # noqa: E731
    return _change(type_id, add, _("已添加字段。"), "fields")


@bp.route("/fields/<int:field_id>/delete", methods=["POST"])
@require_permission("ticket.admin")
def field_delete(field_id):
    field = db.session.get(TicketField, field_id) or abort(404)
    return _change(field.type_id, lambda: types.delete_field(field), _("已删除字段。"), "fields")

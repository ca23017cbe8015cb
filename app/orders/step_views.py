"""步骤设置: the admin page listing order steps, with add, edit, reorder and delete."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.errors import ValidationError
from app.extensions import db
from app.grid.columns import user_choices
from app.orders import bp, steps
from app.orders.models import OrderStep
from app.permissions import require_permission


def _page(editing=None, values=None, errors=None, status=200):
    page = render_template(
        "orders/steps.html",
        steps=steps.order_steps(),
        editing=editing,
        values=values or {},
        errors=errors or {},
        users=user_choices(),
    )
    return page, status


@bp.route("/steps", methods=["GET", "POST"], endpoint="steps")
@require_permission("order.settings")
def steps_page():
    if request.method == "GET":
        return _page(values={"enabled": True})
    try:
        step = steps.create_step(request.form)
    except ValidationError as exc:
        db.session.rollback()
        return _page(values=request.form, errors=exc.errors, status=400)
    db.session.commit()
    flash(_("已新增步骤“%(name)s”。", name=step.name), "success")
    return redirect(url_for("orders.steps"))


@bp.route("/steps/<int:step_id>", methods=["GET", "POST"])
@require_permission("order.settings")
def step_edit(step_id):
    step = db.get_or_404(OrderStep, step_id)
    if request.method == "GET":
        return _page(step, values=step.__dict__)
    try:
        steps.update_step(step, request.form)
    except ValidationError as exc:
        db.session.rollback()
        return _page(step, values=request.form, errors=exc.errors, status=400)
    db.session.commit()
    flash(_("步骤已保存。"), "success")
    return redirect(url_for("orders.steps"))


@bp.route("/steps/<int:step_id>/move", methods=["POST"])
@require_permission("order.settings")
def step_move(step_id):
    direction = request.form.get("direction")
    if direction not in ("up", "down"):
        abort(400)
    steps.move_step(db.get_or_404(OrderStep, step_id), direction)
    db.session.commit()
    return redirect(url_for("orders.steps"))


@bp.route("/steps/<int:step_id>/delete", methods=["POST"])
@require_permission("order.settings")
def step_delete(step_id):
    try:
        steps.delete_step(db.get_or_404(OrderStep, step_id))
    except ValidationError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        db.session.commit()
        flash(_("步骤已删除。"), "success")
    return redirect(url_for("orders.steps"))

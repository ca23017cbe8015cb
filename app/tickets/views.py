"""Ticket pages: the lists, raising a ticket, its detail page and the actions on it."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.errors import ValidationError
from app.extensions import db
from app.grid.routes import add_grid_routes
from app.permissions import require_permission
from app.tickets import bp, forms, pages, services
from app.tickets.grids import MY_TICKET_GRID, TICKET_GRID
from app.tickets.models import TicketType

add_grid_routes(
    bp,
    "/",
    TICKET_GRID,
    permission="ticket.view",
    endpoints=("index", "data", "export"),
    export_name=_l("工单"),
    template="tickets/index.html",
)
add_grid_routes(
    bp,
    "/mine",
    MY_TICKET_GRID,
    permission="ticket.view",
    endpoints=("mine", "mine_data", "mine_export"),
    export_name=_l("我的工单"),
    template="tickets/mine.html",
)


def _ticket_or_404(ticket_id: int):
    return services.visible_ticket(ticket_id, current_user) or abort(404)


def _form_page(values, errors=None, status=200):
    context = pages.form_context(
        current_user,
        forms.int_or_none(values.get("type_id")),
        forms.int_or_none(values.get("customer_id")),
        forms.int_or_none(values.get("call_id")),
    )
    return render_template("tickets/form.html", values=values, errors=errors or {}, **context), status


@bp.route("/new", methods=["GET", "POST"])
@require_permission("ticket.add")
def create():
    if request.method == "GET" or request.form.get("reload"):
        return _form_page(request.values)
    try:
        ticket_type = db.session.get(TicketType, forms.int_or_none(request.form.get("type_id")) or 0)
        ticket = services.create_ticket(forms.ticket_form_data(request.form, ticket_type), current_user)
    except ValidationError as exc:
        db.session.rollback()
        return _form_page(request.form, exc.errors, 400)
    db.session.commit()
    flash(_("工单 %(number)s 已创建。", number=ticket.number), "success")
    return redirect(url_for("tickets.detail", ticket_id=ticket.id))


@bp.route("/<int:ticket_id>")
@require_permission("ticket.view")
def detail(ticket_id):
    ticket = _ticket_or_404(ticket_id)
    return render_template("tickets/detail.html", ticket=ticket, **pages.detail_context(ticket, current_user))


def _edit_page(ticket, values, errors=None, status=200):
    context = pages.edit_context(ticket, current_user, forms.int_or_none(values.get("customer_id")))
    return render_template("tickets/edit.html", values=values, errors=errors or {}, **context), status


@bp.route("/<int:ticket_id>/edit", methods=["GET", "POST"])
@require_permission("ticket.edit")
def edit(ticket_id):
    ticket = _ticket_or_404(ticket_id)
    if ticket.is_closed:
        flash(_("工单已关闭,请先重新打开"), "danger")
        return redirect(url_for("tickets.detail", ticket_id=ticket_id))
    if not services.can_edit(ticket, current_user):
        abort(403)
    if request.method == "GET":
        return _edit_page(ticket, pages.edit_values(ticket))
    try:
        event = services.edit_ticket(ticket, forms.edit_form_data(request.form, ticket.ticket_type), current_user)
    except services.NotAllowed:
        abort(403)
    except ValidationError as exc:
        db.session.rollback()
        return _edit_page(ticket, request.form, exc.errors, 400)
    db.session.commit()
    flash(_("已保存。") if event else _("没有修改。"), "success" if event else "info")
    return redirect(url_for("tickets.detail", ticket_id=ticket_id))


@bp.route("/<int:ticket_id>/act", methods=["POST"])
@require_permission("ticket.view")
def act(ticket_id):
    ticket = _ticket_or_404(ticket_id)
    form = request.form
    try:
        services.act(
            ticket,
            current_user,
            form.get("action", ""),
            form.get("note", ""),
            forms.int_or_none(form.get("assignee_id")),
            forms.int_or_none(form.get("department_id")),
        )
    except services.NotAllowed:
        abort(403)
    except ValidationError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("tickets.detail", ticket_id=ticket_id))
    db.session.commit()
    flash(_("已保存。"), "success")
    return redirect(url_for("tickets.detail", ticket_id=ticket_id))


@bp.route("/<int:ticket_id>/delete", methods=["POST"])
@require_permission("ticket.delete")
def delete(ticket_id):
    ticket = _ticket_or_404(ticket_id)
    number = ticket.number
    services.delete_ticket(ticket)
    db.session.commit()
    flash(_("工单 %(number)s 已删除。", number=number), "success")
    return redirect(url_for("tickets.index"))

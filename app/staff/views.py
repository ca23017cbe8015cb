"""Staff pages: the list (grid + export), the profile with the employee's orders, add/edit/delete."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.errors import ValidationError
from app.extensions import db
from app.grid.routes import add_grid_routes
from app.permissions import require_permission
from app.staff import bp, services
from app.staff.grids import EMPLOYEE_GRID
from app.staff.models import Employee

add_grid_routes(
    bp,
    "/",
    EMPLOYEE_GRID,
    permission="staff.view",
    endpoints=("index", "data", "export"),
    export_name=_l("员工信息"),
    template="staff/index.html",
    export_permission="staff.export",
)


def _employee_or_404(employee_id: int) -> Employee:
    return db.session.get(Employee, employee_id) or abort(404)


@bp.route("/<int:employee_id>")
@require_permission("staff.view")
def detail(employee_id):
    employee = _employee_or_404(employee_id)
    orders = services.employee_orders(employee)
    return render_template("staff/detail.html", employee=employee, orders=orders, genders=services.GENDER_LABELS)


def _save(employee):
    try:
        employee = services.save_employee(request.form, employee)
    except ValidationError as exc:
        db.session.rollback()
        page = render_template(
            "staff/form.html", employee=employee, values=request.form, errors=exc.errors, **services.form_choices()
        )
        return page, 400
    db.session.commit()
    flash(_("员工信息已保存。"), "success")
    return redirect(url_for("staff.detail", employee_id=employee.id))


@bp.route("/new", methods=["GET", "POST"])
@require_permission("staff.add")
def create():
    if request.method == "POST":
        return _save(None)
    return render_template("staff/form.html", employee=None, values={}, errors={}, **services.form_choices())


@bp.route("/<int:employee_id>/edit", methods=["GET", "POST"])
@require_permission("staff.edit")
def edit(employee_id):
    employee = _employee_or_404(employee_id)
    if request.method == "POST":
        return _save(employee)
    values = services.employee_to_form(employee)
    return render_template("staff/form.html", employee=employee, values=values, errors={}, **services.form_choices())


@bp.route("/<int:employee_id>/delete", methods=["POST"])
@require_permission("staff.delete")
def delete(employee_id):
    services.delete_employee(_employee_or_404(employee_id))
    db.session.commit()
    flash(_("员工信息已删除。"), "success")
    return redirect(url_for("staff.index"))

"""Roles and departments pages."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.auth.models import Department, Role
from app.errors import ValidationError
from app.extensions import db
from app.grid.routes import add_grid_routes
from app.permissions import require_permission
from app.system import bp, departments, roles
from app.system.grids import ROLES_GRID
from app.system.views import apply_and_redirect


def _role_or_404(role_id: int) -> Role:
    return db.session.get(Role, role_id) or abort(404)


def _department_or_404(department_id: int) -> Department:
    return db.session.get(Department, department_id) or abort(404)


def _role_form_data() -> dict:
    form = request.form
    return {
        "name": form.get("name", ""),
        "description": form.get("description", ""),
        "data_scope": form.get("data_scope", ""),
        "hide_numbers": bool(form.get("hide_numbers")),
        "permissions": form.getlist("permissions"),
        "customer_categories": form.getlist("customer_categories"),
    }


def _role_form(role: Role | None, data: dict | None = None, errors: dict | None = None, status: int = 200):
    saved = set(role.permissions or []) if role else set()
    granted = set(data["permissions"]) if data is not None else saved
    page = render_template(
        "system/role_form.html",
        role=role,
        values=data,
        errors=errors or {},
        scopes=roles.DATA_SCOPE_LABELS,
        categories=roles.category_choices(),
        matrix=roles.permission_matrix(granted),
    )
    return page, status


def _save_role(role: Role | None):
    data = _role_form_data()
    try:
        saved = roles.save_role(role, data)
    except ValidationError as exc:
        db.session.rollback()
        return _role_form(role, data, exc.errors, 400)
    db.session.commit()
    flash(_("已保存角色 %(name)s。", name=saved.name), "success")
    return redirect(url_for("system.roles_page"))


add_grid_routes(
    bp,
    "/roles",
    ROLES_GRID,
    permission="system.roles",
    endpoints=("roles_page", "roles_data", "roles_export"),
    export_name=_l("角色权限"),
    template="system/roles.html",
)


@bp.route("/roles/new", methods=["GET", "POST"])
@require_permission("system.roles")
def role_new():
    return _save_role(None) if request.method == "POST" else _role_form(None)


@bp.route("/roles/<int:role_id>/edit", methods=["GET", "POST"])
@require_permission("system.roles")
def role_edit(role_id):
    role = _role_or_404(role_id)
    return _save_role(role) if request.method == "POST" else _role_form(role)


@bp.route("/roles/<int:role_id>/delete", methods=["POST"])
@require_permission("system.roles")
def role_delete(role_id):
    role = _role_or_404(role_id)
    return apply_and_redirect(lambda: roles.delete_role(role), _("角色已删除。"), url_for("system.roles_page"))


@bp.route("/departments")
@require_permission("system.departments")
def departments_page():
    tree = departments.department_tree()
    return render_template("system/departments.html", tree=tree, choices=departments.department_choices())


@bp.route("/departments", methods=["POST"])
@require_permission("system.departments")
def department_create():
    name, parent = request.form.get("name", ""), request.form.get("parent_id")
    action = lambda: departments.create_department(name, parent)  # noqa: E731
    return apply_and_redirect(action, _("部门已添加。"), url_for("system.departments_page"))


@bp.route("/departments/<int:department_id>/rename", methods=["POST"])
@require_permission("system.departments")
def department_rename(department_id):
    department, name = _department_or_404(department_id), request.form.get("name", "")
    action = lambda: departments.rename_department(department, name)  # noqa: E731
    return apply_and_redirect(action, _("部门已改名。"), url_for("system.departments_page"))


@bp.route("/departments/<int:department_id>/move", methods=["POST"])
@require_permission("system.departments")
def department_move(department_id):
    department, parent = _department_or_404(department_id), request.form.get("parent_id")
    action = lambda: departments.move_department(department, parent)  # noqa: E731
    return apply_and_redirect(action, _("部门已移动。"), url_for("system.departments_page"))


@bp.route("/departments/<int:department_id>/delete", methods=["POST"])
@require_permission("system.departments")
def department_delete(department_id):
    department = _department_or_404(department_id)
    action = lambda: departments.delete_department(department)  # noqa: E731
    return apply_and_redirect(action, _("部门已删除。"), url_for("system.departments_page"))

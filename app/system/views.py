"""User management pages. Roles and departments are in org_views."""

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from app.auth.models import Role, User
from app.errors import ValidationError
from app.extensions import db
from app.grid.routes import add_grid_routes
from app.permissions import require_permission
from app.sockets import end_user_sockets
from app.system import bp, users
from app.system.audit_text import login_reason
from app.system.departments import department_choices
from app.system.grids import USERS_GRID
from app.telephony.admin_services import send_to_switch


def apply_and_redirect(action, success_message: str, target: str):
    """Run a service call as one unit of work: commit and confirm, or roll back and show why."""
    try:
        action()
    except ValidationError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        db.session.commit()
        flash(success_message, "success")
    return redirect(target)


def _user_or_404(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


def _user_form(user: User | None, errors: dict | None = None, status: int = 200):
    values = request.form if request.method == "POST" else None
    page = render_template(
        "system/user_form.html",
        user=user,
        values=values,
        errors=errors or {},
        departments=department_choices(),
        roles=list(db.session.scalars(select(Role).order_by(Role.name))),
        recent_logins=users.recent_logins(user) if user else [],
        login_reason=login_reason,
    )
    return page, status


def _unregister_phone(commands: list[str]) -> None:
    """After the commit: drop the phone's registration now, or tell the admin it lasts until it expires."""
    if not send_to_switch(commands):
        flash(_("交换机未连接:话机原有的注册到期前仍然有效。"), "warning")


def _one_time_password(user: User, password: str, created: bool):
    """Shown once, never stored in the session or a cache."""
    response = make_response(
        render_template("system/one_time_password.html", user=user, password=password, created=created)
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _superuser_flag():
    return bool(request.form.get("is_superuser")) if current_user.is_superuser else None


add_grid_routes(
    bp,
    "/users",
    USERS_GRID,
    permission="system.users",
    endpoints=("users_page", "users_data", "users_export"),
    export_name=_l("用户列表"),
    template="system/users.html",
)


@bp.route("/users/new", methods=["GET", "POST"])
@require_permission("system.users")
def user_new():
    if request.method == "GET":
        return _user_form(None)
    try:
        user, password = users.create_user(current_user, request.form, superuser=bool(_superuser_flag()))
    except ValidationError as exc:
        db.session.rollback()
        return _user_form(None, exc.errors, 400)
    db.session.commit()
    return _one_time_password(user, password, created=True)


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@require_permission("system.users")
def user_edit(user_id):
    user = _user_or_404(user_id)
    if request.method == "GET":
        return _user_form(user)
    try:
        commands = users.update_user(current_user, user, request.form, superuser=_superuser_flag())
    except ValidationError as exc:
        db.session.rollback()
        return _user_form(db.session.get(User, user_id), exc.errors, 400)
    db.session.commit()
    flash(_("已保存用户 %(name)s。", name=user.display_name), "success")
    _unregister_phone(commands)
    return redirect(url_for("system.user_edit", user_id=user.id))


@bp.route("/users/<int:user_id>/enabled", methods=["POST"])
@require_permission("system.users")
def user_set_enabled(user_id):
    user, enabled = _user_or_404(user_id), request.form.get("enabled") == "1"
    message = _("账号已启用。") if enabled else _("账号已停用,该用户的登录已失效。")
    commands = []
    response = apply_and_redirect(
        lambda: commands.extend(users.set_enabled(current_user, user, enabled)),
        message,
        url_for("system.user_edit", user_id=user_id),
    )
    if not user.enabled:
        end_user_sockets(user.id)
    _unregister_phone(commands)
    return response


@bp.route("/users/<int:user_id>/reset-password", methods=["POST"])
@require_permission("system.users")
def user_reset_password(user_id):
    user = _user_or_404(user_id)
    try:
        password = users.admin_reset_password(current_user, user)
    except ValidationError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("system.user_edit", user_id=user_id))
    db.session.commit()
    end_user_sockets(user.id)
    return _one_time_password(user, password, created=False)


@bp.route("/users/<int:user_id>/delete", methods=["POST"])
@require_permission("system.users")
def user_delete(user_id):
    user = _user_or_404(user_id)
    try:
        commands = users.delete_user(current_user, user)
    except ValidationError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("system.user_edit", user_id=user_id))
    db.session.commit()
    flash(_("用户已删除。"), "success")
    _unregister_phone(commands)
    return redirect(url_for("system.users_page"))


from app.system import org_views  # noqa: E402,F401

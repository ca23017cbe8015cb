from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from app.auth import bp, services
from app.extensions import db
from app.permissions import login_required, public
from app.sockets import end_user_sockets


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    error = None
    if request.method == "POST":
        try:
            user = services.authenticate(
                request.form.get("username", ""),
                request.form.get("password", ""),
                ip=request.remote_addr or "",
                user_agent=request.headers.get("User-Agent", ""),
            )
        except services.AuthError as exc:
            error = str(exc)
        else:
            locale = session.get("locale")
            session.clear()  # a fresh session: nothing set before login survives it
            if locale:
                session["locale"] = locale
            login_user(user)
            session.permanent = True
            if user.must_change_password:
                return redirect(url_for("auth.change_password"))
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", error=error), (401 if error else 200)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Ends the session on the server too, so a copied cookie no longer signs anyone in."""
    user_id = current_user.id
    services.end_sessions(current_user)
    db.session.commit()
    logout_user()
    session.clear()
    end_user_sockets(user_id)
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    error = None
    if request.method == "POST":
        try:
            services.change_password(
                current_user,
                request.form.get("current_password", ""),
                request.form.get("new_password", ""),
                request.form.get("confirm_password", ""),
            )
        except services.AuthError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
            login_user(current_user._get_current_object())  # new session token: keep this session, end others
            flash(_("密码已修改。"), "success")
            return redirect(url_for("home.index"))
    return render_template("auth/change_password.html", error=error), (400 if error else 200)


@bp.route("/account/language", methods=["POST"])
@public
def set_language():
    language = request.form.get("language", "")
    if language not in current_app.config["LANGUAGES"]:
        flash(_("不支持的语言。"), "danger")
    else:
        session["locale"] = language
        if current_user.is_authenticated:
            current_user.locale = language
            db.session.commit()
    return redirect(_safe_next(request.form.get("next")))


@bp.route("/health")
@public
def health():
    return {"status": "ok"}

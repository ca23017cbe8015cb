"""Request-wide behaviour: who is acting (for the audit log), forced password change, headers, errors."""

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from app.audit.services import set_actor

# Endpoints a user who must change the password may still reach.
_PASSWORD_CHANGE_ALLOWED = {
    "auth.change_password",
    "auth.logout",
    "static",
    "vendor",
    "auth.health",
    "auth.set_language",
}


class SessionInterface(SecureCookieSessionInterface):
    """Mark the session cookie Secure whenever the request itself came over HTTPS."""

    def get_cookie_secure(self, app):
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)


def install(app):
    app.session_interface = SessionInterface()
    install_frontend(app)

    @app.before_request
    def identify_actor():
        if current_user.is_authenticated:
            set_actor(current_user.id, current_user.display_name, request.remote_addr or "")
        else:
            set_actor(None, "", request.remote_addr or "")
        if (
            current_user.is_authenticated
            and current_user.must_change_password
            and request.endpoint not in _PASSWORD_CHANGE_ALLOWED
        ):
            if request.method == "GET" and not request.path.startswith("/api/"):
                flash(_("请先修改初始密码。"), "warning")
                return redirect(url_for("auth.change_password"))
            return jsonify(error=_("请先修改初始密码。")), 403
        return None

    @app.teardown_request
    def forget_actor(exc=None):
        set_actor(None, "", "")

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
            "script-src 'self'; connect-src 'self' ws: wss:; media-src 'self' blob:; frame-ancestors 'self'",
        )
        return response

    def _error(status, message):
        if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json" or request.is_json:
            return jsonify(error=message), status
        return render_template("error.html", status=status, message=message), status

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _error(400, _("页面已过期或请求无效(CSRF),请刷新后重试。"))

    @app.errorhandler(403)
    def forbidden(error):
        return _error(403, _("您没有权限执行此操作。"))

    @app.errorhandler(404)
    def not_found(error):
        return _error(404, _("页面或记录不存在。"))

    @app.errorhandler(413)
    def too_large(error):
        return _error(413, _("上传的文件太大。"))


# Front-end packages installed from the npm registry by the scripts; only these folders are served.
VENDOR_PACKAGES = ("socket.io-client", "tabulator-tables")


def install_frontend(app):
    import os

    from flask import abort, send_from_directory
    from flask_babel import get_locale
    from flask_babel import lazy_gettext as _l

    from app.menu import menu_for
    from app.permissions import public

    node_modules = os.path.join(os.path.dirname(app.root_path), "node_modules")

    @public
    def vendor(filename):
        package = filename.split("/", 1)[0]
        if package not in VENDOR_PACKAGES or "/dist/" not in filename:
            abort(404)
        return send_from_directory(node_modules, filename, max_age=86400)

    app.add_url_rule("/vendor/<path:filename>", endpoint="vendor", view_func=vendor)

    statuses = (("online", _l("在线")), ("busy", _l("忙碌")), ("away", _l("离开")))

    from app.timeutil import format_local

    app.add_template_filter(format_local, "localtime")

    @app.context_processor
    def layout_helpers():
        return {
            "main_menu": lambda: menu_for(current_user),
            "agent_statuses": lambda: statuses,
            "current_locale_tag": lambda: str(get_locale() or "zh_CN").replace("_", "-"),
        }

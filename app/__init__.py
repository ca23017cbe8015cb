"""Zuoxi: a browser call center and CRM that drives FreeSWITCH."""

import hmac
import logging
import os

from flask import Flask, has_request_context, session
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from app.config import load_config
from app.extensions import babel, configure_sqlite, csrf, db, login_manager, migrate, socketio
from app.permissions import refuse_anonymous
from app.schema import include_schema_object

BLUEPRINT_MODULES = (
    "auth",
    "home",
    "system",
    "fields",
    "grid",
    "jobs",
    "customers",
    "audit",
    "imports",
    "telephony",
    "reminders",
    "memos",
    "calendar",
    "faq",
    "staff",
    "tickets",
    "products",
    "orders",
)


def create_app(config_override=None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    load_config(app, config_override)
    os.makedirs(app.instance_path, exist_ok=True)
    logging.basicConfig(
        level=app.config.get("LOG_LEVEL", "INFO"), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )

    if app.config["PROXY_COUNT"]:
        n = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)

    db.init_app(app)
    with app.app_context():
        configure_sqlite(db.engine)
    migrate.init_app(
        app,
        db,
        directory=os.path.join(os.path.dirname(__file__), "migrations"),
        render_as_batch=True,
        compare_type=True,
        include_object=include_schema_object,
    )
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"
    login_manager.unauthorized_handler(refuse_anonymous)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: app.config["BABEL_DEFAULT_TIMEZONE"])
    socketio.init_app(
        app,
        async_mode=app.config.get("SOCKETIO_ASYNC_MODE") or None,
        message_queue=app.config.get("SOCKETIO_MESSAGE_QUEUE") or None,
        cors_allowed_origins=app.config.get("SOCKETIO_CORS_ORIGINS") or [],
        manage_session=False,
    )

    from app import audit, hooks, models  # noqa: F401

    audit.services.install()
    for name in BLUEPRINT_MODULES:
        module = __import__(f"app.{name}", fromlist=["bp"])
        for blueprint in getattr(module, "blueprints", (module.bp,)):
            app.register_blueprint(blueprint)
    hooks.install(app)

    from app import cli, sockets

    cli.install(app)
    sockets.install()
    return app


@login_manager.user_loader
def load_user(value: str):
    from app.auth.models import User

    try:
        user_id, token = value.split(":", 1)
        user = db.session.get(User, int(user_id))
    except (ValueError, TypeError):
        return None
    if user is None or not user.enabled or not hmac.compare_digest(user.session_token.encode(), token.encode()):
        return None
    return user


def select_locale():
    from flask import current_app

    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # command line and background jobs speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("locale")
    if current_user and current_user.is_authenticated and current_user.locale:
        chosen = current_user.locale
    if chosen in languages:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]

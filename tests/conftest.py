"""Fixtures shared by every test: the app on the chosen database, a rolled-back session per test,
users, roles and a signed-in client.

The database is ZUOXI_TEST_DATABASE_URL (PostgreSQL in scripts/test's second pass) or a fresh SQLite
file; Redis is ZUOXI_TEST_REDIS_URL when given.
"""

import os
import re
import secrets

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.orm import scoped_session, sessionmaker

from app import create_app
from app.audit.services import set_actor
from app.extensions import db

pytest_plugins = ["tests.support.fixtures"]

TEST_PASSWORD = "Passw0rd-test"


def pytest_configure(config):
    """The telephony tests replay the FreeSWITCH captures kept beside the repository: without them, say so
    once, here, instead of a hundred failures that do not name the cause."""
    from tests.support.captures import CAPTURES

    if not CAPTURES.is_dir():
        raise pytest.UsageError(
            f"FreeSWITCH captures not found in {CAPTURES}: they come beside the repository as "
            "../shared/freeswitch-events/; set ZUOXI_CAPTURES to where they are."
        )


def test_database_url(tmp_path_factory) -> str:
    url = os.environ.get("ZUOXI_TEST_DATABASE_URL")
    if url:
        return url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "zuoxi-test.db")


def is_postgres(app) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")


def reset_schema(app) -> None:
    with app.app_context():
        if is_postgres(app):
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        else:
            db.drop_all()
        db.create_all()
        from app.seed import seed_defaults

        seed_defaults()
        db.session.commit()


def _fresh_request_globals():
    """Each test holds one app context open (for its rolled-back session), and requests reuse it; empty
    `g` so nothing cached by a previous request (signed-in user, CSRF token, locale) leaks into the next."""
    from flask import g, has_app_context

    if has_app_context():
        g.__dict__.clear()


class CsrfClient(FlaskClient):
    """A test client that sends the page's CSRF token on state-changing requests, as the browser does.

    Pass csrf=False to send a request without one."""

    _token = None

    def open(self, *args, **kwargs):
        _fresh_request_globals()
        send_token = kwargs.pop("csrf", True)
        method = (kwargs.get("method") or "GET").upper()
        if send_token and method in ("POST", "PUT", "PATCH", "DELETE"):
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("X-CSRFToken", self.csrf_token())
            kwargs["headers"] = headers
        return super().open(*args, **kwargs)

    def csrf_token(self) -> str:
        _fresh_request_globals()
        page = super().open("/login", method="GET", follow_redirects=True).get_data(as_text=True)
        match = re.search(r'name="csrf-token" content="([^"]+)"', page)
        assert match, "no CSRF token on the login page"
        return match.group(1)


def make_test_app(tmp_path_factory, **overrides):
    config = {
        "SECRET_KEY": secrets.token_hex(16),
        "TESTING": True,
        "DATABASE_URL": test_database_url(tmp_path_factory),
        "REDIS_URL": os.environ.get("ZUOXI_TEST_REDIS_URL", ""),
        "JOBS_RUN_IN_PROCESS": False,
        "UPLOAD_DIR": str(tmp_path_factory.mktemp("uploads")),
        "SOCKETIO_ASYNC_MODE": "threading",
    }
    config.update(overrides)
    app = create_app(config)
    app.test_client_class = CsrfClient
    return app


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    app = make_test_app(tmp_path_factory)
    reset_schema(app)
    return app


@pytest.fixture(autouse=True)
def _db_rollback(request, app):
    """Each test runs inside a transaction rolled back at the end (savepoints for its commits)."""
    if "live_server" in request.fixturenames or request.node.get_closest_marker("browser"):
        yield
        return
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original = db.session
        db.session = scoped_session(sessionmaker(bind=connection, join_transaction_mode="create_savepoint"))
        app.extensions.pop("zuoxi_login_counter", None)
        set_actor(None, "", "")  # the previous test's signed-in user is gone with its rollback
        try:
            yield
        finally:
            db.session.remove()
            db.session = original
            outer.rollback()
            connection.close()
            _flush_redis(app)


def _flush_redis(app):
    url = app.config.get("REDIS_URL")
    if url:
        import redis

        client = redis.Redis.from_url(url)
        for key in client.scan_iter("zuoxi:*"):
            client.delete(key)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_role():
    from app.auth.models import Role

    def factory(name=None, permissions=(), data_scope="own", hide_numbers=False, customer_categories=()):
        role = Role(
            name=name or f"role-{secrets.token_hex(3)}",
            permissions=list(permissions),
            data_scope=data_scope,
            hide_numbers=hide_numbers,
            customer_categories=list(customer_categories),
        )
        db.session.add(role)
        db.session.commit()
        return role

    return factory


@pytest.fixture
def make_user():
    from app.auth.models import User
    from app.auth.services import set_password

    def factory(username=None, password=TEST_PASSWORD, role=None, superuser=False, must_change=False, **fields):
        user = User(
            username=username or f"user{secrets.token_hex(3)}",
            display_name=fields.pop("display_name", None) or (username or "测试用户"),
            role=role,
            is_superuser=superuser,
            **fields,
        )
        set_password(user, password, must_change=must_change)
        db.session.add(user)
        db.session.commit()
        return user

    return factory


@pytest.fixture
def admin(make_user):
    return make_user("root", superuser=True, display_name="管理员")


class AuthActions:
    def __init__(self, client):
        self.client = client

    def login(self, user_or_name, password=TEST_PASSWORD):
        username = getattr(user_or_name, "username", user_or_name)
        return self.client.post("/login", data={"username": username, "password": password})

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def admin_client(client, auth, admin):
    response = auth.login(admin)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client

"""Browser tests: Debian's Chromium driven by Playwright against the real server (tests/support/live_server.py).

Fixtures: ``live_server`` (one per session), ``start_live_server(**env)`` for a private one, ``browser``,
``context``/``page`` (1280×800, zh-CN), ``login_page(user, password)``, ``live_data`` to arrange users,
roles and customers directly in the live server's database. A failing test leaves a screenshot in
``test-artifacts/``.
"""

import os
import re
import secrets
from pathlib import Path

import pytest

from tests.support.live_server import ROOT, LiveServer, drop_postgres_database

CHROMIUM = os.environ.get("ZUOXI_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = ROOT / "test-artifacts"
LIVE_PASSWORD = "Live-passw0rd"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    for item in items:
        if Path(str(item.fspath)).parent == Path(__file__).parent:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def start_live_server(tmp_path_factory):
    """Start a private live server: start_live_server(suffix="shell", SOCKETIO_MESSAGE_QUEUE=...)."""
    servers = []

    def start(suffix: str | None = None, **env) -> LiveServer:
        suffix = suffix or f"live{len(servers)}"
        workdir = tmp_path_factory.mktemp(suffix)
        from tests.support.live_server import fresh_database_url

        server = LiveServer(workdir, fresh_database_url(workdir, suffix), extra_env=env)
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()
        if server.database_url.startswith("postgresql"):
            drop_postgres_database(server.database_url)


@pytest.fixture(scope="session")
def live_server(start_live_server):
    """The shared server; in the PostgreSQL + Redis pass it fans Socket.IO out through Redis, as deployed."""
    env = {}
    if os.environ.get("ZUOXI_TEST_REDIS_URL"):
        env["ZUOXI_SOCKETIO_MESSAGE_QUEUE"] = os.environ["ZUOXI_TEST_REDIS_URL"]
        env["ZUOXI_REDIS_URL"] = os.environ["ZUOXI_TEST_REDIS_URL"]
    return start_live_server("live", **env)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (scripts/test does it as root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def page(context, request):
    page = context.new_page()
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        save_screenshot(page, request.node.name)


def save_screenshot(page, name: str) -> Path | None:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / (re.sub(r"[^\w.-]+", "_", name) + ".png")
    try:
        page.screenshot(path=str(path), full_page=True)
    except Exception:  # noqa: BLE001 - a closed page must not hide the real failure
        return None
    return path


def login(page, base_url: str, username: str, password: str):
    page.goto(base_url + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form.form-stack button[type=submit]")
    page.wait_for_load_state()
    return page


@pytest.fixture
def login_page(page, live_server):
    """login_page(user_or_name, password=LIVE_PASSWORD) -> the page, signed in on the shared live server."""

    def sign_in(user, password=LIVE_PASSWORD, server=None):
        base = (server or live_server).url
        return login(page, base, getattr(user, "username", user), password)

    return sign_in


class LiveData:
    """Arrange rows in a live server's database, committed so the server sees them."""

    def __init__(self, server: LiveServer):
        self.server = server

    def run(self, func):
        from app.extensions import db

        with self.server.app().app_context():
            result = func()
            db.session.commit()
            return result

    def create_role(self, name=None, permissions=(), data_scope="own", hide_numbers=False, **fields):
        from app.auth.models import Role
        from app.extensions import db

        def make():
            role = Role(
                name=name or f"角色{secrets.token_hex(2)}",
                permissions=list(permissions),
                data_scope=data_scope,
                hide_numbers=hide_numbers,
                **fields,
            )
            db.session.add(role)
            db.session.flush()
            return role.id

        return self.run(make)

    def create_user(self, username=None, password=LIVE_PASSWORD, superuser=False, role_id=None, **fields):
        """The new user's id; signs in with `password` and is not asked to change it unless must_change=True."""
        from app.auth.models import User
        from app.auth.services import set_password
        from app.extensions import db

        must_change = fields.pop("must_change", False)
        username = username or f"u{secrets.token_hex(3)}"

        def make():
            user = User(
                username=username,
                display_name=fields.pop("display_name", username),
                is_superuser=superuser,
                role_id=role_id,
                **fields,
            )
            set_password(user, password, must_change=must_change)
            db.session.add(user)
            db.session.flush()
            return user.id

        return self.run(make)

    def create_customer(self, name="测试客户", phones=(), **fields):
        """The new customer's id; `phones` are numbers as entered, indexed by the customers' normalizer."""
        from app.customers.models import Customer, CustomerPhone
        from app.customers.phones import normalize_phone
        from app.extensions import db

        def make():
            customer = Customer(name=name, **fields)
            db.session.add(customer)
            db.session.flush()
            for position, number in enumerate(phones):
                key = normalize_phone(number)
                db.session.add(
                    CustomerPhone(
                        customer_id=customer.id,
                        number=number,
                        normalized=key.normalized,
                        extension=key.extension,
                        position=position,
                    )
                )
            db.session.flush()
            return customer.id

        return self.run(make)


@pytest.fixture
def live_data(live_server):
    return LiveData(live_server)

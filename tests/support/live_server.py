"""The real web process (``python wsgi.py``: gevent, Socket.IO) on a random port with its own database,
for browser tests and anything else that must talk to the server the way a browser does.

The database is a fresh SQLite file, or, when ZUOXI_TEST_DATABASE_URL names a PostgreSQL server, a fresh
database ``<name>_live`` (or another suffix) on that server. The schema comes from ``flask db upgrade``
when migration revisions exist, from ``db.create_all()`` otherwise; then the defaults are seeded.
"""

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS = ROOT / "app" / "migrations" / "versions"
START_TIMEOUT_SECONDS = 30


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def has_revisions() -> bool:
    return any(MIGRATIONS.glob("*.py"))


def fresh_database_url(workdir: Path, suffix: str = "live") -> str:
    """A new, empty database next to the test database (same PostgreSQL server) or a new SQLite file."""
    base = os.environ.get("ZUOXI_TEST_DATABASE_URL", "")
    if base.startswith("postgresql"):
        return recreate_postgres_database(base, suffix)
    return "sqlite:///" + str(workdir / f"zuoxi-{suffix}.db")


def recreate_postgres_database(base_url: str, suffix: str) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(base_url)
    name = f"{url.database}_{suffix}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(database_url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    finally:
        admin.dispose()


class LiveServer:
    """One server process. ``url`` is its base address; ``app()`` is an in-process app on the same
    database for arranging data; ``flask(...)`` runs the real command line against that database."""

    def __init__(self, workdir: Path, database_url: str | None = None, extra_env: dict | None = None):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.database_url = database_url or fresh_database_url(self.workdir)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.secret_key = secrets.token_hex(24)
        self.extra_env = dict(extra_env or {})
        self.log_path = self.workdir / f"server-{self.port}.log"
        self.process: subprocess.Popen | None = None
        self._app = None

    def env(self) -> dict:
        env = dict(os.environ)
        for key in [k for k in env if k.startswith("ZUOXI_") and not k.startswith("ZUOXI_TEST_")]:
            del env[key]  # the developer's own settings must not leak into the test server
        env.update(
            {
                "PYTHONPATH": str(ROOT),
                "FLASK_APP": "app:create_app",
                "ZUOXI_SECRET_KEY": self.secret_key,
                "ZUOXI_DATABASE_URL": self.database_url,
                "ZUOXI_HOST": "127.0.0.1",
                "ZUOXI_PORT": str(self.port),
                "ZUOXI_UPLOAD_DIR": str(self.workdir / "uploads"),
                "ZUOXI_LOG_LEVEL": "WARNING",
            }
        )
        env.update({k: str(v) for k, v in self.extra_env.items()})
        return env

    def prepare_schema(self) -> None:
        from flask_migrate import upgrade

        from app.extensions import db
        from app.seed import seed_defaults

        app = self.app()
        with app.app_context():
            if has_revisions():
                upgrade()
            else:
                db.create_all()
            seed_defaults()
            db.session.commit()

    def start(self) -> "LiveServer":
        self.prepare_schema()
        log = open(self.log_path, "wb")  # noqa: SIM115 - the child writes to it until stop()
        self.process = subprocess.Popen(
            [sys.executable, "wsgi.py"], cwd=ROOT, env=self.env(), stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        self.wait_until_healthy()
        return self

    def wait_until_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the live server exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.1)  # polling a starting process; nothing to wait on instead
        self.stop()
        raise RuntimeError(f"the live server did not answer /health in {START_TIMEOUT_SECONDS}s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self._app is not None:
            from app.extensions import db

            with self._app.app_context():
                db.session.remove()
                db.engine.dispose()

    def app(self):
        """An app in this process bound to the server's database (threading Socket.IO, no job worker)."""
        if self._app is None:
            from app import create_app

            self._app = create_app(
                {
                    "SECRET_KEY": self.secret_key,
                    "DATABASE_URL": self.database_url,
                    "UPLOAD_DIR": str(self.workdir / "uploads"),
                    "JOBS_RUN_IN_PROCESS": False,
                    "SOCKETIO_ASYNC_MODE": "threading",
                }
            )
        return self._app

    def flask(self, *args: str, timeout: int = 60) -> subprocess.CompletedProcess:
        """The real ``flask`` command line against this server's database."""
        result = subprocess.run(
            [sys.executable, "-m", "flask", *args],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise RuntimeError(f"flask {' '.join(args)} exited with {result.returncode}:\n{result.stderr[-3000:]}")
        return result

"""Migrations: one line of history with dated file names, and `flask db upgrade` on an empty database
builds exactly the schema the models describe (on SQLite, and on PostgreSQL when that is the test database).

No revision at all is a failure, not a skip: scripts/run depends on `flask db upgrade`."""

import os
import re
import secrets
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from app.schema import include_schema_object
from tests.support.live_server import drop_postgres_database, recreate_postgres_database

MIGRATIONS = Path(__file__).resolve().parents[2] / "app" / "migrations"
DATED_NAME = re.compile(r"^(\d{8})_\w+\.py$")


def revision_files():
    return sorted(p.name for p in (MIGRATIONS / "versions").glob("*.py"))


def test_there_is_exactly_one_head():
    heads = ScriptDirectory(str(MIGRATIONS)).get_heads()
    assert len(heads) == 1, f"expected one head, found {heads or 'no revision at all'}"


def test_revision_file_names_start_with_a_date():
    names = revision_files()
    assert names, "app/migrations/versions holds no revision"
    undated = [name for name in names if not DATED_NAME.match(name)]
    assert not undated, f"revision files must be named YYYYMMDD_…: {undated}"
    for name in names:
        year, month, day = int(name[:4]), int(name[4:6]), int(name[6:8])
        assert 2020 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31, name


def schema_differences(database_url):
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db

    app = create_app(
        {"SECRET_KEY": secrets.token_hex(8), "DATABASE_URL": database_url, "SOCKETIO_ASYNC_MODE": "threading"}
    )
    with app.app_context():
        try:
            upgrade()
            with db.engine.connect() as connection:
                context = MigrationContext.configure(
                    connection, opts={"compare_type": True, "include_object": include_schema_object}
                )
                return compare_metadata(context, db.metadata)
        finally:
            db.session.remove()
            db.engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_upgrade_builds_exactly_the_models_schema(backend, tmp_path):
    base = os.environ.get("ZUOXI_TEST_DATABASE_URL", "")
    if backend == "postgresql" and not base.startswith("postgresql"):
        pytest.skip("PostgreSQL is checked in scripts/test's PostgreSQL pass (ZUOXI_TEST_DATABASE_URL)")
    assert revision_files(), "app/migrations/versions holds no revision: generate the initial migration"
    if backend == "sqlite":
        url = "sqlite:///" + str(tmp_path / "migrated.db")
    else:
        url = recreate_postgres_database(base, "migrations")
    try:
        differences = schema_differences(url)
    finally:
        if backend == "postgresql":
            drop_postgres_database(url)
    assert differences == [], "the migrations and the models disagree:\n" + "\n".join(map(str, differences))

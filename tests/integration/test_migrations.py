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


def faq_search_objects(connection) -> list:
    """The dialect-only objects behind the FAQ search: SQLite's full-text table and triggers, PostgreSQL's
    search indexes."""
    from sqlalchemy import text

    if connection.dialect.name == "postgresql":
        query = "SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE 'ix_faq_entry_search%'"
    else:
        query = (
            "SELECT type, name, sql FROM sqlite_master WHERE name LIKE 'faq_gram%' OR name LIKE 'faq_entry_%' "
            "OR name IN ('faq_trigram', 'faq_bigram') ORDER BY name"
        )
    return [tuple(row) for row in connection.execute(text(query))]


def database_url(backend, tmp_path, name) -> str:
    if backend == "sqlite":
        return "sqlite:///" + str(tmp_path / f"{name}.db")
    return recreate_postgres_database(os.environ["ZUOXI_TEST_DATABASE_URL"], name)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_faq_entries_written_before_the_search_change_are_found_after_upgrade(backend, tmp_path, monkeypatch):
    """The revision that changed the FAQ search derives the search columns again for existing entries,
    and leaves exactly the full-text table, triggers and indexes create_all makes."""
    from flask_migrate import upgrade
    from sqlalchemy import text
    from sqlalchemy.orm import scoped_session, sessionmaker

    from app import create_app
    from app.extensions import db
    from app.faq import services

    if backend == "postgresql" and not os.environ.get("ZUOXI_TEST_DATABASE_URL", "").startswith("postgresql"):
        pytest.skip("PostgreSQL is checked in scripts/test's PostgreSQL pass (ZUOXI_TEST_DATABASE_URL)")
    insert_old_entry = text(
        "INSERT INTO faq_entry (title, keywords, answer_html, answer_text, search_text, search_grams, extra, "
        "created_at, updated_at) VALUES (:title, '', '', :answer, :old_text, '', '{}', "
        "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
    )
    urls = {"migrated": database_url(backend, tmp_path, "faq_migrated")}
    try:
        app = create_app(
            {"SECRET_KEY": secrets.token_hex(8), "DATABASE_URL": urls["migrated"], "SOCKETIO_ASYNC_MODE": "threading"}
        )
        with app.app_context():
            upgrade(revision="1d7b52ebd6d1")
            with db.engine.begin() as connection:
                for title, answer in [("配送时间", "退货请寄回"), ("如何办理退货", "登录后申请")]:
                    connection.execute(insert_old_entry, {"title": title, "answer": answer, "old_text": title + answer})
            upgrade()
            monkeypatch.setattr(db, "session", scoped_session(sessionmaker(bind=db.engine)))  # not the test's
            assert [e.title for e in services.search("退货")] == ["如何办理退货", "配送时间"]
            assert [e.title for e in services.search("寄")] == ["配送时间"]
            db.session.remove()
            with db.engine.connect() as connection:
                migrated = faq_search_objects(connection)
            db.engine.dispose()
        urls["created"] = database_url(backend, tmp_path, "faq_created")
        fresh = create_app(
            {"SECRET_KEY": secrets.token_hex(8), "DATABASE_URL": urls["created"], "SOCKETIO_ASYNC_MODE": "threading"}
        )
        with fresh.app_context():
            db.create_all()
            with db.engine.connect() as connection:
                created = faq_search_objects(connection)
            db.engine.dispose()
    finally:
        if backend == "postgresql":
            for url in urls.values():
                drop_postgres_database(url)
    assert migrated == created
    if backend == "sqlite":
        assert {"faq_gram", "faq_entry_gram_ai", "faq_entry_gram_ad", "faq_entry_gram_au"} <= {
            row[1] for row in migrated
        }
    else:
        assert [row[0] for row in migrated] == ["ix_faq_entry_search_grams"]

"""A CDR POST while the database is unavailable answers non-2xx, so FreeSWITCH retries; the retry lands once."""

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import scoped_session, sessionmaker

from app.extensions import db
from app.telephony.models_calls import CallLeg, CallRecord
from tests.support.captures import cdr_posts
from tests.support.cdr_replay import CDR_PASSWORD, CDR_USER, post_raw


@pytest.fixture(autouse=True)
def cdr_credentials(app, monkeypatch):
    monkeypatch.setitem(app.config, "CDR_USER", CDR_USER)
    monkeypatch.setitem(app.config, "CDR_PASSWORD", CDR_PASSWORD)


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def test_post_while_database_is_down_is_503_and_the_retry_lands_once(client, make_user, tmp_path):
    make_user("agent1001", extension="1001")
    first, second, retry = cdr_posts("cdr-retry-once")
    # The outage: the app's session points at a database that cannot be opened.
    working = db.session
    broken_engine = create_engine(f"sqlite:///{tmp_path}/missing-folder/zuoxi.db")
    db.session = scoped_session(sessionmaker(bind=broken_engine))
    try:
        assert post_raw(client, first).status_code == 503
    finally:
        db.session.remove()
        db.session = working
        broken_engine.dispose()
    assert count(CallRecord) == 0 and count(CallLeg) == 0

    assert post_raw(client, second).status_code == 200
    assert post_raw(client, retry).status_code == 200  # FreeSWITCH's retry of the first POST, 2 s later
    assert post_raw(client, retry).status_code == 200  # and once more, as a retry racing a late 200 would

    [call] = db.session.scalars(select(CallRecord)).all()
    assert count(CallLeg) == 2
    assert call.status == "answered" and call.direction == "inbound"

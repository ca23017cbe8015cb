"""The switchboard against a real FreeSWITCH: run with FS_ESL_URL=esl://ClueCon@127.0.0.1:8021 (skipped otherwise)."""

import pytest

from app.telephony.errors import SwitchError
from tests.freeswitch.conftest import NEEDS_SWITCH

pytestmark = [pytest.mark.freeswitch, NEEDS_SWITCH]


def test_connects_and_answers_status(real_switchboard):
    assert "UP" in real_switchboard.api("status")
    assert real_switchboard.health()[0]["connected"] is True


def test_event_subscription_delivers_background_jobs(real_switchboard):
    events = []
    real_switchboard.subscribe(lambda node, event: events.append(event))
    body = real_switchboard.bgapi("status")
    real_switchboard.flush()
    assert "UP" in body
    assert any(e["Event-Name"] == "BACKGROUND_JOB" and e.get("Job-Command") == "status" for e in events)


def test_unknown_uuid_raises_switch_error(real_switchboard):
    with pytest.raises(SwitchError) as error:
        real_switchboard.api("uuid_hold 00000000-0000-0000-0000-000000000000")
    assert "No such channel" in error.value.reply


def test_originate_to_an_unregistered_user_fails(real_switchboard):
    with pytest.raises(SwitchError) as error:
        real_switchboard.bgapi("originate user/1019 &park()", timeout=30)
    assert "USER_NOT_REGISTERED" in error.value.reply

"""CDR ingestion: every captured mod_json_cdr POST replayed through /freeswitch/cdr, legs joined into calls."""

import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.telephony.models_calls import CallLeg, CallRecord
from tests.support.captures import cdr_posts
from tests.support.cdr_replay import CDR_PASSWORD, CDR_USER, post_raw, replay

EPOCH = datetime(1970, 1, 1)


def at(uepoch: int) -> datetime:
    return EPOCH + timedelta(microseconds=uepoch)


def all_calls() -> list[CallRecord]:
    return list(db.session.scalars(select(CallRecord).order_by(CallRecord.id)))


@pytest.fixture(autouse=True)
def cdr_credentials(app, monkeypatch):
    monkeypatch.setitem(app.config, "CDR_USER", CDR_USER)
    monkeypatch.setitem(app.config, "CDR_PASSWORD", CDR_PASSWORD)
    monkeypatch.setitem(app.config, "SWITCH_ALLOWED_IPS", "127.0.0.1,::1")


@pytest.fixture
def agent(make_user):
    return make_user("agent1001", extension="1001", display_name="坐席一")


@pytest.fixture
def second_agent(make_user):
    return make_user("agent1002", extension="1002", display_name="坐席二")


def test_inbound_answered_becomes_one_answered_inbound_call(client, agent):
    replay(client, "inbound-answered")

    [call] = all_calls()
    assert call.direction == "inbound" and call.status == "answered"
    assert (call.caller_number, call.callee_number) == ("1000", "1001")
    assert call.agent_id == agent.id and call.agent_extension == "1001"
    assert call.started_at == at(1795239914228005)
    assert call.answered_at == at(1795239915247980)
    assert call.ended_at == at(1795239917287979)
    assert (call.ring_seconds, call.talk_seconds) == (1, 2)
    assert call.hangup_cause == "NORMAL_CLEARING" and call.hangup_by == "caller"
    assert call.uuid == "9f0c696e-61fe-41bc-b8ac-801bee1efe01"
    assert sorted(leg.uuid for leg in call.legs) == [
        "0d54986d-89c0-49fc-854e-cf3a6666eb83",
        "9f0c696e-61fe-41bc-b8ac-801bee1efe01",
    ]


def test_legs_in_either_order_give_the_same_call(client, agent):
    replay(client, "inbound-answered", order=[1, 0])
    [call] = all_calls()
    assert (call.direction, call.status, call.caller_number, call.agent_id) == ("inbound", "answered", "1000", agent.id)
    assert call.talk_seconds == 2


def test_repeated_posts_never_duplicate(client, agent):
    replay(client, "inbound-answered")
    replay(client, "inbound-answered")
    replay(client, "inbound-answered", order=[1])
    assert len(all_calls()) == 1
    assert db.session.scalar(select(func.count(CallLeg.id))) == 2


def test_inbound_missed_is_a_missed_call_of_the_agent(client, agent):
    replay(client, "inbound-missed")
    [call] = all_calls()
    assert (call.direction, call.status) == ("inbound", "missed")
    assert call.agent_id == agent.id
    assert call.answered_at is None and call.talk_seconds == 0
    assert call.ring_seconds == 2
    assert call.hangup_cause == "ORIGINATOR_CANCEL" and call.hangup_by == "caller"


def test_click_to_dial_is_an_outbound_call_of_the_agent(client, agent):
    replay(client, "click-to-dial")
    [call] = all_calls()
    assert (call.direction, call.status) == ("outbound", "answered")
    assert (call.caller_number, call.callee_number) == ("1001", "1002")
    assert call.agent_id == agent.id
    assert call.far_number == "1002"
    assert call.talk_seconds == 3
    assert call.hangup_by == "callee"  # 1002 hung up


def test_call_between_two_agents_is_internal(client, agent, second_agent):
    replay(client, "click-to-dial")
    [call] = all_calls()
    assert call.direction == "internal" and call.far_number == ""


def test_blind_transfer_joins_three_legs_into_one_call(client, agent, second_agent):
    replay(client, "blind-transfer")
    [call] = all_calls()
    assert len(call.legs) == 3
    assert call.direction == "inbound" and call.status == "answered"
    assert call.agent_id == agent.id  # who took the call before transferring it
    assert {leg.user_id for leg in call.legs} == {None, agent.id, second_agent.id}
    assert call.talk_seconds == 12


@pytest.mark.parametrize("scenario, legs", [("attended-transfer", 4), ("attended-transfer-3way", 4), ("park", 3)])
def test_transfers_and_park_stay_one_call(client, agent, second_agent, scenario, legs):
    replay(client, scenario)
    [call] = all_calls()
    assert len(call.legs) == legs
    assert call.direction == "inbound" and call.status == "answered"
    assert call.caller_number == "1000" and call.agent_id == agent.id


def test_eavesdrop_leg_joins_the_monitored_call_without_changing_it(client, agent, second_agent):
    replay(client, "eavesdrop")
    [call] = all_calls()
    monitors = [leg for leg in call.legs if leg.monitor]
    assert len(monitors) == 1 and monitors[0].user_id == second_agent.id
    assert (call.caller_number, call.agent_id, call.status) == ("1000", agent.id, "answered")


def test_form_urlencoded_variant_is_accepted(client, agent):
    replay(client, "cdr-form-urlencoded")
    [call] = all_calls()
    assert len(call.legs) == 2 and call.status == "answered"
    assert call.caller_number == "1000"


def test_url_encoded_variables_are_decoded(client, agent):
    replay(client, "inbound-answered")
    leg = db.session.scalar(select(CallLeg).where(CallLeg.uuid == "9f0c696e-61fe-41bc-b8ac-801bee1efe01"))
    assert leg.details["sip_from_display"] == "Customer 1000"  # sent as Customer%201000
    assert leg.channel_name == "sofia/internal/1000@127.0.0.1"


def test_wrong_password_is_401(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "CDR_PASSWORD", "another-secret")
    response = post_raw(client, cdr_posts("inbound-answered")[0])
    assert response.status_code == 401
    assert all_calls() == []


def test_missing_credentials_are_401(client):
    response = post_raw(client, cdr_posts("inbound-answered")[0], headers={"Authorization": None})
    assert response.status_code == 401


def test_unconfigured_password_refuses_everything(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "CDR_PASSWORD", "")
    assert post_raw(client, cdr_posts("inbound-answered")[0]).status_code == 401


def test_source_outside_the_allow_list_is_403(client):
    raw = cdr_posts("inbound-answered")[0]
    response = post_raw(client, raw, environ_overrides={"REMOTE_ADDR": "203.0.113.9"})
    assert response.status_code == 403
    assert all_calls() == []


@pytest.mark.parametrize(
    "body, field",
    [
        (b"this is not json", "cdr"),
        (b'{"variables": "nope"}', "variables"),
        (b'{"variables": {"direction": "inbound"}}', "uuid"),
        (b"cdr=%7Bbroken", "cdr"),
    ],
)
def test_bad_body_is_400_naming_the_problem(client, body, field):
    response = post_raw(client, cdr_posts("inbound-answered")[0], body=body)
    assert response.status_code == 400
    assert field in response.get_json()["errors"]
    assert all_calls() == []


def _to_mobile(raw: bytes, uuid: str | None = None, **variables) -> bytes:
    """A captured agent leg turned into the leg the dialplan bridges to the agent's mobile over a trunk."""
    from tests.support.cdr_replay import cdr_json

    data = cdr_json(raw)
    mobile = {"channel_name": "sofia/gateway/gw1/13812345678", "sip_gateway_name": "gw1", "sip_to_user": "13812345678"}
    data["variables"].update({**mobile, **variables})
    if uuid:
        data["variables"]["uuid"] = uuid
    return json.dumps(data, separators=(",", ":")).encode()


def test_call_forwarded_to_a_busy_agents_mobile_is_that_agents_answered_call(client, make_user):
    """Busy/away with forwarding: the dialplan bridges straight to the mobile; the call is still the agent's."""
    from tests.support.cdr_replay import with_variables

    agent = make_user("agent2001", extension="2001", mobile="13812345678")
    origin, agent_leg = cdr_posts("inbound-answered")
    assert post_raw(client, origin, body=with_variables(origin, zuoxi_target_user_id=agent.id)).status_code == 200
    assert post_raw(client, agent_leg, body=_to_mobile(agent_leg)).status_code == 200

    [call] = all_calls()
    assert (call.direction, call.status, call.agent_id) == ("inbound", "answered", agent.id)
    assert call.talk_seconds == 2 and call.trunk == "gw1"


def test_call_the_extension_left_unanswered_and_the_mobile_took_is_answered_not_missed(client, agent):
    """异常转手机: the extension rang out, then the mobile answered. No missed-call reminder for that."""
    from app.reminders.models import Reminder
    from tests.support.cdr_replay import with_variables

    origin, answered_leg = cdr_posts("inbound-answered")
    rang_out = cdr_posts("inbound-missed")[0]  # the agent's leg that rang without an answer
    a_uuid = "9f0c696e-61fe-41bc-b8ac-801bee1efe01"
    extension_leg = with_variables(
        rang_out, uuid="5b1f3c2e-8d0a-4f6e-9c1b-2a7d4e6f8a90", originator=a_uuid, originating_leg_uuid=a_uuid,
        signal_bond=a_uuid, call_uuid=a_uuid, start_uepoch="1795239914228005", end_uepoch="1795239915000000",
        hangup_cause="NO_ANSWER",
    )  # fmt: skip
    assert post_raw(client, origin, body=with_variables(origin, zuoxi_target_user_id=agent.id)).status_code == 200
    assert post_raw(client, rang_out, body=extension_leg).status_code == 200
    # so far the call looks missed and the agent is reminded; the mobile's leg withdraws that
    assert db.session.scalar(select(func.count()).select_from(Reminder)) == 1
    assert post_raw(client, answered_leg, body=_to_mobile(answered_leg)).status_code == 200

    [call] = all_calls()
    assert len(call.legs) == 3
    assert (call.status, call.agent_id, call.talk_seconds) == ("answered", agent.id, 2)
    assert db.session.scalar(select(func.count()).select_from(Reminder)) == 0


def test_call_to_an_agent_who_chose_busy_is_that_agents_busy_call(client, agent):
    from app.reminders.models import Reminder
    from tests.support.cdr_replay import with_variables

    origin = next(raw for raw in cdr_posts("inbound-missed") if b"originated_legs" in raw)
    body = with_variables(origin, zuoxi_target_user_id=agent.id, zuoxi_refused="agent_unavailable", originated_legs="")
    assert post_raw(client, origin, body=body).status_code == 200
    [call] = all_calls()
    assert (call.direction, call.status, call.agent_id, call.talk_seconds) == ("inbound", "busy", agent.id, 0)
    assert db.session.scalar(select(func.count()).select_from(Reminder)) == 0

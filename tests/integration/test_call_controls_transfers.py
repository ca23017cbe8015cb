# ruff: noqa: F811 - the fixtures imported from phone_support are requested by name
"""Attended transfer and its outcomes, park slots, picking up a colleague, and dialling a customer's
number by id (the number never reaches the browser)."""

import json

import pytest

from app.telephony.live import Channel
from app.timeutil import utcnow
from tests.integration.phone_support import (  # noqa: F401 - fixtures used by name
    AGENT_LEG,
    COLLEAGUE_LEG,
    CONSULT_LEG,
    CUSTOMER_LEG,
    TARGET_LEG,
    agent,
    agent_client,
    live,
    phone_role,
    phone_switch,
    put_call,
    sent,
    valet_reply,
)


def post(client, url, data=None):
    return client.post(url, data=json.dumps(data or {}), content_type="application/json")


def state(client):
    return client.get("/phone/state", headers={"Accept": "application/json"}).get_json()


def consult_leg_from(command: str) -> str:
    return command.split("origination_uuid=", 1)[1].split(",", 1)[0].split("}", 1)[0]


def answer_consult(live, consult_uuid):
    """The target picked up: the consult leg (agent phone) is bridged to the target's leg."""
    now = utcnow()
    live.channels[consult_uuid] = Channel(
        uuid=consult_uuid, node="", direction="outbound", caller_number="1001", caller_name="", destination="1001",
        extension="1001", far_number="1002", state="active", created_at=now, answered_at=now, other_uuid=TARGET_LEG,
    )  # fmt: skip
    live.channels[TARGET_LEG] = Channel(
        uuid=TARGET_LEG, node="", direction="outbound", caller_number="1001", caller_name="", destination="1002",
        extension="1002", far_number="1001", state="active", created_at=now, answered_at=now, other_uuid=consult_uuid,
    )  # fmt: skip


@pytest.fixture
def consulting(agent_client, live, make_user, phone_switch):
    """An inbound call on 1001, consult started towards colleague 1002 who has answered."""
    make_user("colleague", extension="1002", display_name="同事二")
    put_call(live, "1001", "13900001111")
    response = post(agent_client, "/phone/consult", {"target": "1002"})
    assert response.status_code == 200, response.get_json()
    consult_uuid = consult_leg_from(sent(phone_switch)[1])
    answer_consult(live, consult_uuid)
    phone_switch.commands.clear()
    return consult_uuid


def test_consult_holds_customer_and_rings_agent_phone_for_target(agent_client, live, agent, make_user, phone_switch):
    make_user("colleague", extension="1002", display_name="同事二")
    put_call(live, "1001", "13900001111")
    response = post(agent_client, "/phone/consult", {"target": "1002"})
    assert response.status_code == 200
    commands = sent(phone_switch)
    assert commands[0] == f"api uuid_hold {AGENT_LEG}"
    consult_uuid = consult_leg_from(commands[1])
    assert commands[1] == (
        f"bgapi originate {{origination_caller_id_number=1001,origination_caller_id_name=坐席一,"
        f"zuoxi_user_id={agent.id},ignore_early_media=true,origination_uuid={consult_uuid},zuoxi_consult=true}}"
        "user/1001@127.0.0.1 1002 XML default"
    )
    consult = state(agent_client)["consult"]
    assert consult["state"] == "consulting"
    assert consult["target"] == "同事二"
    assert consult["actions"] == ["complete", "threeway", "reconsult", "cancel"]
    again = post(agent_client, "/phone/consult", {"target": "1002"})
    assert again.status_code == 400
    assert "正在转接" in again.get_json()["error"]


def test_complete_bridges_customer_with_target(agent_client, consulting, phone_switch):
    assert post(agent_client, "/phone/consult/complete").status_code == 200
    assert sent(phone_switch) == [f"api uuid_bridge {CUSTOMER_LEG} {TARGET_LEG}"]
    assert state(agent_client)["consult"] is None


def test_complete_before_target_answers_sends_customer_to_target(agent_client, live, consulting, phone_switch):
    live.channels[TARGET_LEG].state = "ringing"
    assert post(agent_client, "/phone/consult/complete").status_code == 200
    assert sent(phone_switch) == [
        f"api uuid_transfer {CUSTOMER_LEG} 1002 XML default",
        f"api uuid_kill {consulting}",
    ]


def test_threeway_then_leave(agent_client, consulting, phone_switch):
    assert post(agent_client, "/phone/consult/threeway").status_code == 200
    room = f"3way-{CUSTOMER_LEG[:8]}"
    assert sent(phone_switch) == [
        f"api uuid_hold off {AGENT_LEG}",
        f"api uuid_transfer {CUSTOMER_LEG} -both conference:{room}@default inline",
        f"api uuid_transfer {TARGET_LEG} conference:{room}@default inline",
    ]
    assert state(agent_client)["consult"]["actions"] == ["leave", "end"]
    refused = post(agent_client, "/phone/consult/complete")
    assert refused.status_code == 400
    phone_switch.commands.clear()
    assert post(agent_client, "/phone/consult/end").status_code == 200
    assert sent(phone_switch) == [f"api conference {room} hup all"]


def test_reconsult_then_cancel(agent_client, consulting, phone_switch):
    assert post(agent_client, "/phone/consult/reconsult").status_code == 200
    assert sent(phone_switch) == [f"api uuid_kill {consulting}"]
    assert state(agent_client)["consult"]["state"] == "choosing"
    phone_switch.commands.clear()
    assert post(agent_client, "/phone/consult/cancel").status_code == 200
    assert sent(phone_switch) == [f"api uuid_hold off {AGENT_LEG}"]
    assert state(agent_client)["consult"] is None


def test_reconsult_with_new_target_calls_it_without_holding_again(agent_client, consulting, phone_switch):
    response = post(agent_client, "/phone/consult/reconsult", {"target": "13812345678"})
    assert response.status_code == 200
    commands = sent(phone_switch)
    assert commands[0] == f"api uuid_kill {consulting}"
    assert len(commands) == 2 and commands[1].endswith("user/1001@127.0.0.1 13812345678 XML default")
    assert state(agent_client)["consult"]["state"] == "consulting"


def test_cancel_kills_consult_and_resumes_customer(agent_client, consulting, phone_switch):
    assert post(agent_client, "/phone/consult/cancel").status_code == 200
    assert sent(phone_switch) == [f"api uuid_kill {consulting}", f"api uuid_hold off {AGENT_LEG}"]


def test_consult_action_without_session_or_unknown(agent_client, live, phone_switch):
    put_call(live, "1001", "13900001111")
    response = post(agent_client, "/phone/consult/complete")
    assert response.status_code == 400
    assert "没有进行中的转接" in response.get_json()["error"]
    assert sent(phone_switch) == []


# -- park -----------------------------------------------------------------------------------------


def test_park_takes_first_free_slot(agent_client, live, phone_switch):
    put_call(live, "1001", "13900001111")
    phone_switch.respond("valet_info", valet_reply({"6001": "aaaaaaaa-0000-4000-8000-000000000001"}))
    response = post(agent_client, "/phone/park")
    assert response.status_code == 200
    assert response.get_json()["slot"] == 2
    assert sent(phone_switch, include_queries=True) == [
        "api valet_info zuoxi_lot",
        f"api uuid_transfer {CUSTOMER_LEG} 6002 XML default",
    ]


def test_park_in_occupied_or_invalid_slot_is_refused(agent_client, live, phone_switch):
    put_call(live, "1001", "13900001111")
    phone_switch.respond("valet_info", valet_reply({"6003": "aaaaaaaa-0000-4000-8000-000000000001"}))
    assert "已占用" in post(agent_client, "/phone/park", {"slot": 3}).get_json()["error"]
    assert post(agent_client, "/phone/park", {"slot": 7}).status_code == 400
    full = {str(6000 + n): f"aaaaaaaa-0000-4000-8000-00000000000{n}" for n in range(1, 7)}
    phone_switch.respond("valet_info", valet_reply(full))
    assert "都已占用" in post(agent_client, "/phone/park").get_json()["error"]
    assert sent(phone_switch) == []


def test_pickup_slot_originates_into_the_slot(agent_client, agent, phone_switch):
    phone_switch.respond("valet_info", valet_reply({"6004": "aaaaaaaa-0000-4000-8000-000000000001"}))
    assert post(agent_client, "/phone/pickup-slot", {"slot": 4}).status_code == 200
    assert sent(phone_switch)[-1].endswith("}user/1001@127.0.0.1 6004 XML default")
    empty = post(agent_client, "/phone/pickup-slot", {"slot": 5})
    assert empty.status_code == 400
    assert "没有通话" in empty.get_json()["error"]


def test_state_lists_parked_slots(agent_client, live, phone_switch):
    put_call(live, "1009", "13900001111", agent_leg=COLLEAGUE_LEG)
    phone_switch.respond("valet_info", valet_reply({"6002": CUSTOMER_LEG}))
    slots = state(agent_client)["slots"]
    assert [s["occupied"] for s in slots] == [False, True, False, False, False, False]
    assert slots[1]["number"] == "13900001111"


# -- intercept ------------------------------------------------------------------------------------


def _ringing_colleague(live, make_user, department):
    make_user("colleague", extension="1009", department=department)
    put_call(live, "1009", "13900001111", state="ringing", agent_leg=COLLEAGUE_LEG)


def test_intercept_colleague_in_same_department(agent_client, agent, live, make_user, phone_switch):
    from app.auth.models import Department
    from app.extensions import db

    team = Department(name="一组")
    db.session.add(team)
    agent.department = team
    db.session.commit()
    _ringing_colleague(live, make_user, team)
    assert state(agent_client)["ringing"] == [{"uuid": COLLEAGUE_LEG, "name": "colleague", "extension": "1009"}]
    assert post(agent_client, "/phone/intercept", {"uuid": COLLEAGUE_LEG}).status_code == 200
    assert sent(phone_switch)[-1].endswith(f"}}user/1001@127.0.0.1 &intercept({COLLEAGUE_LEG})")


def test_intercept_other_department_refused(agent_client, live, make_user, phone_switch):
    from app.auth.models import Department
    from app.extensions import db

    other = Department(name="二组")
    db.session.add(other)
    db.session.commit()
    _ringing_colleague(live, make_user, other)
    response = post(agent_client, "/phone/intercept", {"uuid": COLLEAGUE_LEG})
    assert response.status_code == 403
    assert state(agent_client)["ringing"] == []
    assert sent(phone_switch) == []


# -- dial a customer's number by id ---------------------------------------------------------------


def test_dial_customer_phone_by_id_never_returns_the_number(client, auth, make_user, make_role, make_customer,
                                                            live, phone_switch):  # fmt: skip
    role = make_role(permissions=["phone.use", "customer.view", "customer.query_all"], data_scope="all",
                     hide_numbers=True)  # fmt: skip
    user = make_user("masked", role=role, extension="1003")
    customer = make_customer("张三", phones=["13812345678"])
    auth.login(user)
    page = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert "13812345678" not in page
    response = post(client, "/phone/dial", {"phone_id": customer.phones[0].id})
    assert response.status_code == 200
    assert "13812345678" not in response.get_data(as_text=True)
    assert response.get_json()["target"] == "张三"
    assert sent(phone_switch)[-1].endswith("}user/1003@127.0.0.1 13812345678 XML default")


def test_dial_customer_phone_outside_scope_is_refused(make_user, make_role, make_customer, client, auth, live,
                                                      phone_switch):  # fmt: skip
    owner = make_user("owner")
    customer = make_customer("李四", user=owner, phones=["13812345678"], owner_id=owner.id)
    auth.login(make_user("own-only", role=make_role(permissions=["phone.use", "customer.view"]), extension="1004"))
    response = post(client, "/phone/dial", {"phone_id": customer.phones[0].id})
    assert response.status_code == 403
    assert "13812345678" not in response.get_data(as_text=True)
    assert post(client, "/phone/dial", {"phone_id": "x"}).status_code == 403
    assert sent(phone_switch) == []

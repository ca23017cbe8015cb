# ruff: noqa: F811 - the fixtures imported from phone_support are requested by name
"""Call controls from the browser: each endpoint sends exactly the right event-socket command, refuses
bad input (400) and other agents' calls (403), and says the switch is down (503)."""

import json

from tests.integration.phone_support import (  # noqa: F401 - fixtures used by name
    AGENT_LEG,
    CUSTOMER_LEG,
    agent,
    agent_client,
    live,
    phone_role,
    phone_switch,
    put_call,
    sent,
    stub_switch,
)


def post(client, url, data=None):
    return client.post(url, data=json.dumps(data or {}), content_type="application/json")


# -- dialling -------------------------------------------------------------------------------------


def test_dial_rings_agent_phone_then_number_with_caller_id_variables(agent_client, agent, phone_switch):
    response = post(agent_client, "/phone/dial", {"number": "010-8765 4321"})
    assert response.status_code == 200, response.get_json()
    assert sent(phone_switch) == [
        f"bgapi originate {{origination_caller_id_number=1001,origination_caller_id_name=坐席一,"
        f"zuoxi_user_id={agent.id},ignore_early_media=true}}user/1001@127.0.0.1 01087654321 XML default"
    ]


def test_dial_mobile_and_internal_extension(agent_client, make_user, phone_switch):
    make_user("colleague", extension="1002", display_name="同事")
    assert post(agent_client, "/phone/dial", {"number": "+86 138-1234-5678"}).status_code == 200
    assert post(agent_client, "/phone/dial", {"number": "1002"}).status_code == 200
    assert sent(phone_switch)[0].endswith("}user/1001@127.0.0.1 13812345678 XML default")
    assert sent(phone_switch)[1].endswith("}user/1001@127.0.0.1 1002 XML default")


def test_dial_refuses_garbage_without_sending(agent_client, phone_switch):
    response = post(agent_client, "/phone/dial", {"number": "abc; uuid_kill all"})
    assert response.status_code == 400
    assert "电话号码" in response.get_json()["error"] or "号码" in response.get_json()["error"]
    assert sent(phone_switch) == []


def test_dial_without_extension_is_refused(client, auth, make_user, phone_role, phone_switch):
    auth.login(make_user("noext", role=phone_role))
    response = post(client, "/phone/dial", {"number": "13812345678"})
    assert response.status_code == 400
    assert "分机" in response.get_json()["error"]
    assert sent(phone_switch) == []


def test_dial_while_on_a_call_is_refused(agent_client, live, phone_switch):
    put_call(live, "1001", "13900001111")
    response = post(agent_client, "/phone/dial", {"number": "13812345678"})
    assert response.status_code == 400
    assert "通话中" in response.get_json()["error"]
    assert sent(phone_switch) == []


def test_originate_failure_is_explained(agent_client, phone_switch):
    phone_switch.respond("originate", "-ERR USER_NOT_REGISTERED\n")
    response = post(agent_client, "/phone/dial", {"number": "13812345678"})
    assert response.status_code == 502
    assert "未注册" in response.get_json()["error"]


def test_no_switch_says_so(agent_client, app, live):  # no switchboard in this process
    app.extensions.pop("zuoxi_switchboard", None)
    response = post(agent_client, "/phone/dial", {"number": "13812345678"})
    assert response.status_code == 503
    assert response.get_json()["error"] == "交换机未连接"


def test_switch_timeout_is_504(agent_client, live, stub_switch):
    from app.telephony.errors import SwitchTimeout

    put_call(live, "1001", "13900001111")

    def slow(command):
        raise SwitchTimeout("no answer")

    stub_switch.respond("uuid_hold", slow)
    response = post(agent_client, "/phone/hold")
    assert response.status_code == 504
    assert "超时" in response.get_json()["error"]


def test_phone_use_permission_required(client, auth, make_user, make_role, phone_switch):
    auth.login(make_user("plain", extension="1005", role=make_role(permissions=["customer.view"])))
    assert post(client, "/phone/dial", {"number": "13812345678"}).status_code == 403
    assert client.get("/phone/state", headers={"Accept": "application/json"}).status_code == 403
    assert sent(phone_switch) == []


def test_commands_need_csrf_token(agent_client, phone_switch):
    response = agent_client.post("/phone/dial", json={"number": "13812345678"}, csrf=False)
    assert response.status_code == 400
    assert sent(phone_switch) == []


# -- controls of the current call ----------------------------------------------------------------


def test_hold_resume_mute_hangup_act_on_agent_leg(agent_client, live, phone_switch):
    put_call(live, "1001", "13900001111")
    for url, body in (
        ("/phone/hold", {}),
        ("/phone/unhold", {}),
        ("/phone/mute", {"muted": True}),
        ("/phone/mute", {"muted": False}),
        ("/phone/hangup", {}),
    ):
        assert post(agent_client, url, body).status_code == 200, url
    assert sent(phone_switch) == [
        f"api uuid_hold {AGENT_LEG}",
        f"api uuid_hold off {AGENT_LEG}",
        f"api uuid_audio {AGENT_LEG} start read mute -4",
        f"api uuid_audio {AGENT_LEG} stop",
        f"api uuid_kill {AGENT_LEG}",
    ]


def test_dtmf_goes_to_the_far_party_and_is_validated(agent_client, live, phone_switch):
    put_call(live, "1001", "95588")
    assert post(agent_client, "/phone/dtmf", {"digits": "1#"}).status_code == 200
    bad = post(agent_client, "/phone/dtmf", {"digits": "1 & uuid_kill"})
    assert bad.status_code == 400
    assert "按键" in bad.get_json()["error"]
    assert sent(phone_switch) == [f"api uuid_send_dtmf {CUSTOMER_LEG} 1#"]


def test_answer_only_while_ringing(agent_client, live, phone_switch):
    put_call(live, "1001", "13900001111", state="ringing")
    assert post(agent_client, "/phone/answer").status_code == 200
    assert sent(phone_switch) == [f"api uuid_phone_event {AGENT_LEG} talk"]
    live.channels[AGENT_LEG].state = "active"
    response = post(agent_client, "/phone/answer")
    assert response.status_code == 400
    assert "振铃" in response.get_json()["error"]


def test_no_call_no_command(agent_client, live, phone_switch):
    response = post(agent_client, "/phone/hold")
    assert response.status_code == 400
    assert "没有通话" in response.get_json()["error"]
    assert sent(phone_switch) == []


def test_another_agents_call_is_refused(agent_client, live, make_user, phone_switch):
    make_user("other", extension="1009")
    put_call(live, "1009", "13900001111")
    for url in ("/phone/hangup", "/phone/hold", "/phone/transfer"):
        response = post(agent_client, url, {"uuid": AGENT_LEG, "target": "13812345678"})
        assert response.status_code == 403, url
        assert "不是您的通话" in response.get_json()["error"]
    response = post(agent_client, "/phone/hangup", {"uuid": CUSTOMER_LEG})
    assert response.status_code == 403
    assert sent(phone_switch) == []


def test_monitor_may_act_on_another_agents_call(client, auth, make_user, make_role, live, phone_switch):
    auth.login(make_user("boss", extension="1008", role=make_role(permissions=["phone.use", "phone.monitor"])))
    put_call(live, "1009", "13900001111")
    assert post(client, "/phone/hangup", {"uuid": CUSTOMER_LEG}).status_code == 200
    assert sent(phone_switch) == [f"api uuid_kill {AGENT_LEG}"]


def test_bad_uuid_is_400(agent_client, live, phone_switch):
    response = post(agent_client, "/phone/hangup", {"uuid": "../../etc"})
    assert response.status_code == 400
    response = post(agent_client, "/phone/hangup", {"uuid": "0d7c9d71-0000-4000-8000-000000000000"})
    assert response.status_code == 400
    assert "已结束" in response.get_json()["error"]
    assert sent(phone_switch) == []


def test_switch_refusal_is_translated(agent_client, live, phone_switch):
    put_call(live, "1001", "13900001111")
    phone_switch.respond("uuid_hold", "-ERR No such channel!\n")
    response = post(agent_client, "/phone/hold")
    assert response.status_code == 502
    assert response.get_json()["error"] == "该通话已结束"


# -- blind transfer --------------------------------------------------------------------------------


def test_blind_transfer_to_extension_group_and_number(agent_client, live, make_user, phone_switch):
    from app.extensions import db
    from app.telephony.models_config import AgentGroup

    make_user("colleague", extension="1002")
    group = AgentGroup(name="售后组", number="8001")
    db.session.add(group)
    db.session.commit()
    put_call(live, "1001", "13900001111")
    for target in ("1002", f"group:{group.id}", "8001", "0755-23456789"):
        assert post(agent_client, "/phone/transfer", {"target": target}).status_code == 200, target
    assert sent(phone_switch) == [
        f"api uuid_transfer {CUSTOMER_LEG} 1002 XML default",
        f"api uuid_transfer {CUSTOMER_LEG} 8001 XML default",
        f"api uuid_transfer {CUSTOMER_LEG} 8001 XML default",
        f"api uuid_transfer {CUSTOMER_LEG} 075523456789 XML default",
    ]


def test_blind_transfer_refuses_bad_targets(agent_client, live, phone_switch):
    put_call(live, "1001", "13900001111")
    for target, words in (("", "转接目标"), ("1001", "自己"), ("group:999", "坐席组"), ("12", "转接目标")):
        response = post(agent_client, "/phone/transfer", {"target": target})
        assert response.status_code == 400, target
        assert words in response.get_json()["error"], (target, response.get_json())
    assert sent(phone_switch) == []


def test_blind_transfer_to_a_colleague_who_chose_away_is_refused_unless_forwarded(
    agent_client, live, make_user, phone_switch
):
    """An away colleague's phone is a busy line: the customer would hear a busy tone and be lost."""
    from app.extensions import db
    from app.telephony.models_agent import AgentPresence

    colleague = make_user("away1002", extension="1002", display_name="小李", mobile="13700001234")
    colleague.agent_status = "away"
    db.session.commit()
    put_call(live, "1001", "13900001111")
    response = post(agent_client, "/phone/transfer", {"target": "1002"})
    assert response.status_code == 400 and "小李 正忙或离开" in response.get_json()["error"]
    assert sent(phone_switch) == []

    db.session.add(AgentPresence(user_id=colleague.id, chosen_status="away", forward_to_mobile=True))
    db.session.commit()  # calls for the colleague now go to the mobile
    assert post(agent_client, "/phone/transfer", {"target": "1002"}).status_code == 200
    assert sent(phone_switch) == [f"api uuid_transfer {CUSTOMER_LEG} 1002 XML default"]


def test_transfer_needs_a_connected_call(agent_client, live, phone_switch):
    put_call(live, "1001", "13900001111", state="ringing")
    response = post(agent_client, "/phone/transfer", {"target": "13812345678"})
    assert response.status_code == 400
    assert "接通" in response.get_json()["error"]

# ruff: noqa: F811 - the fixtures imported from phone_support are requested by name
"""The phone bar: shown to agents with phone.use, its state (masked numbers), speed dial, hotkey
settings, today's calls with callback, and redial."""

import json
from datetime import timedelta

from app.extensions import db
from app.timeutil import utcnow
from tests.integration.phone_support import (  # noqa: F401 - fixtures used by name
    AGENT_LEG,
    agent,
    agent_client,
    live,
    phone_role,
    phone_switch,
    put_call,
    sent,
)


def post(client, url, data=None):
    return client.post(url, data=json.dumps(data or {}), content_type="application/json")


def get_json(client, url):
    return client.get(url, headers={"Accept": "application/json"}).get_json()


def test_layout_has_phone_bar_only_for_phone_users(agent_client, client, auth, make_user, make_role):
    page = agent_client.get("/").get_data(as_text=True)
    assert 'id="phonebar"' in page
    assert "js/phonebar.js" in page
    assert "&#34;answer&#34;: &#34;F8&#34;" in page or "&#34;answer&#34;:&#34;F8&#34;" in page
    auth.logout()
    auth.login(make_user("clerk", role=make_role(permissions=["customer.view"])))
    assert 'id="phonebar"' not in client.get("/").get_data(as_text=True)


def test_state_shows_call_with_customer_and_masks_for_hiding_roles(client, auth, make_user, make_role,
                                                                   make_customer, live):  # fmt: skip
    role = make_role(permissions=["phone.use", "customer.view", "customer.query_all"], data_scope="all",
                     hide_numbers=True)  # fmt: skip
    auth.login(make_user("masked", role=role, extension="1003"))
    make_customer("王五", phones=["13812345678"])
    put_call(live, "1003", "13812345678")
    body = client.get("/phone/state").get_data(as_text=True)
    state = json.loads(body)
    assert "13812345678" not in body
    assert state["call"]["number"] == "138****5678"
    assert state["call"]["customer"]["name"] == "王五"
    assert state["call"]["state"] == "active"
    assert state["call"]["direction"] == "inbound"
    assert state["call"]["connected"] is True
    assert state["call"]["uuid"] == AGENT_LEG


def test_state_idle_and_switch_offline(agent_client, app, phone_switch):
    state = get_json(agent_client, "/phone/state")
    assert state["call"] is None
    assert state["switch"] == "online"
    app.extensions.pop("zuoxi_switchboard", None)
    offline = get_json(agent_client, "/phone/state")
    assert offline["switch"] == "offline"
    assert len(offline["slots"]) == 6


def test_a_switch_without_park_slots_is_still_online(agent_client, phone_switch):
    phone_switch.respond("valet_info", "-ERR valet_info Command not found!\n")
    state = get_json(agent_client, "/phone/state")
    assert state["switch"] == "online"
    assert not any(slot["occupied"] for slot in state["slots"])


# -- speed dial -----------------------------------------------------------------------------------


def test_speed_dial_add_list_dial_delete(agent_client, agent, phone_switch):
    response = post(agent_client, "/phone/speed-dial", {"name": "前台", "number": "010-87654321"})
    assert response.status_code == 200, response.get_json()
    entry_id = response.get_json()["id"]
    entries = get_json(agent_client, "/phone/speed-dial")["entries"]
    assert [(e["name"], e["number"], e["shared"]) for e in entries] == [("前台", "010-87654321", False)]
    assert post(agent_client, f"/phone/speed-dial/{entry_id}/dial").status_code == 200
    assert sent(phone_switch)[-1].endswith("}user/1001@127.0.0.1 01087654321 XML default")
    assert post(agent_client, f"/phone/speed-dial/{entry_id}/delete").status_code == 200
    assert get_json(agent_client, "/phone/speed-dial")["entries"] == []


def test_speed_dial_validation_and_shared_needs_admin(agent_client):
    bad = post(agent_client, "/phone/speed-dial", {"name": "x", "number": "not a number"})
    assert bad.status_code == 400
    assert "号码" in bad.get_json()["error"]
    no_name = post(agent_client, "/phone/speed-dial", {"name": "", "number": "13812345678"})
    assert no_name.status_code == 400
    assert "名称" in no_name.get_json()["error"]
    shared = post(agent_client, "/phone/speed-dial", {"name": "总机", "number": "4008123123", "shared": True})
    assert shared.status_code == 403


def test_speed_dial_of_someone_else_is_invisible(agent_client, make_user):
    from app.telephony.models_phone import SpeedDial

    other = make_user("other", extension="1009")
    entry = SpeedDial(user_id=other.id, name="私人", number="13812345678")
    company = SpeedDial(user_id=None, name="总机", number="4008123123")
    db.session.add_all([entry, company])
    db.session.commit()
    names = [e["name"] for e in get_json(agent_client, "/phone/speed-dial")["entries"]]
    assert names == ["总机"]
    assert post(agent_client, f"/phone/speed-dial/{entry.id}/dial").status_code == 400
    assert post(agent_client, f"/phone/speed-dial/{company.id}/delete").status_code == 403


def test_speed_dial_from_customer_keeps_hidden_number_hidden(client, auth, make_user, make_role, make_customer,
                                                             phone_switch, live):  # fmt: skip
    role = make_role(permissions=["phone.use", "customer.view", "customer.query_all"], data_scope="all",
                     hide_numbers=True)  # fmt: skip
    auth.login(make_user("masked", role=role, extension="1003"))
    customer = make_customer("赵六", phones=["13812345678"])
    response = post(client, "/phone/speed-dial", {"name": "", "customer_phone_id": customer.phones[0].id})
    assert response.status_code == 200
    listing = client.get("/phone/speed-dial")
    assert "13812345678" not in listing.get_data(as_text=True)
    assert [(e["name"], e["number"]) for e in listing.get_json()["entries"]] == [("赵六", "138****5678")]
    entry_id = response.get_json()["id"]
    assert "13812345678" not in post(client, f"/phone/speed-dial/{entry_id}/dial").get_data(as_text=True)
    assert sent(phone_switch)[-1].endswith("}user/1003@127.0.0.1 13812345678 XML default")


# -- hotkeys --------------------------------------------------------------------------------------


def test_hotkey_settings_page_saves_and_validates(agent_client):
    page = agent_client.get("/phone/settings").get_data(as_text=True)
    assert "热键设置" in page and 'value="F8"' in page
    saved = agent_client.post("/phone/settings", data={"answer": "ctrl+alt+a", "hangup": "F9", "next": ""})
    assert saved.status_code == 302
    page = agent_client.get("/phone/settings").get_data(as_text=True)
    assert 'value="Ctrl+Alt+A"' in page and 'value="F9"' in page
    assert "&#34;next&#34;: &#34;&#34;" in agent_client.get("/").get_data(as_text=True)
    bad = agent_client.post("/phone/settings", data={"answer": "A", "hangup": "F9", "next": "F9"})
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    assert "字母和数字键需要与 Ctrl 或 Alt 组合" in text and "热键 F9 重复" in text
    reserved = agent_client.post("/phone/settings", data={"answer": "F5", "hangup": "", "next": ""})
    assert reserved.status_code == 400


# -- today's calls, callback, redial ----------------------------------------------------------------


def _call(agent, **fields):
    from app.telephony.models_calls import CallRecord

    now = utcnow()
    values = {"direction": "inbound", "status": "missed", "caller_number": "13900001111", "callee_number": "1001",
                  "far_number": "13900001111", "agent_id": agent.id, "agent_extension": "1001", "started_at": now,
                  "ended_at": now + timedelta(seconds=20)}  # fmt: skip
    values.update(fields)
    call = CallRecord(**values)
    db.session.add(call)
    db.session.commit()
    return call


def test_today_calls_and_callback(agent_client, agent, make_user, phone_switch):
    call = _call(agent)
    calls = get_json(agent_client, "/phone/today")["calls"]
    assert [c["id"] for c in calls] == [call.id]
    assert post(agent_client, "/phone/callback", {"call_id": call.id}).status_code == 200
    assert sent(phone_switch)[-1].endswith("}user/1001@127.0.0.1 13900001111 XML default")
    other = make_user("other", extension="1009")
    foreign = _call(other, callee_number="1009", agent_extension="1009")
    response = post(agent_client, "/phone/callback", {"call_id": foreign.id})
    assert response.status_code == 403
    assert post(agent_client, "/phone/callback", {"call_id": 999999}).status_code == 400


def test_redial_calls_last_dialled_number(agent_client, agent, phone_switch):
    assert "没有可重拨" in post(agent_client, "/phone/redial").get_json()["error"]
    _call(agent, direction="outbound", status="answered", caller_number="1001", callee_number="13812345678",
          far_number="13812345678")  # fmt: skip
    assert post(agent_client, "/phone/redial").status_code == 200
    assert sent(phone_switch)[-1].endswith("}user/1001@127.0.0.1 13812345678 XML default")

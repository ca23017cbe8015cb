"""Agent states as the agent sees them (header, pushes) and as supervisors read them (status log)."""

from datetime import timedelta

from app.extensions import db, socketio
from app.telephony import agent_state
from app.telephony.live import LiveModel
from app.telephony.models_agent import AgentPresence
from app.timeutil import utcnow
from tests.unit.test_live_model import events, feed


def test_call_driven_states_are_pushed_and_shown_in_the_header(app, client, auth, make_user):
    agent = make_user("state1", extension="1001")
    auth.login(agent)
    tab = socketio.test_client(app, flask_test_client=client)
    tab.get_received()

    feed(LiveModel(app, inline=True), events("inbound-answered"))

    pushed = [m["args"][0]["status"] for m in tab.get_received() if m["name"] == "agent_status"]
    assert pushed == ["ringing", "talking", "wrapup"]
    page = client.get("/").get_data(as_text=True)
    assert '<option value="wrapup" disabled selected>' in page
    tab.disconnect()


def test_choosing_online_during_wrapup_ends_it(client, auth, make_user, app):
    agent = make_user("state2", extension="1001")
    feed(LiveModel(app, inline=True), events("inbound-answered"))
    assert agent.agent_status == "wrapup"
    auth.login(agent)
    response = client.post("/account/status", data={"status": "online"}, headers={"Accept": "application/json"})
    assert response.get_json() == {"status": "online"}
    assert agent_state.end_due_wrapups(utcnow() + timedelta(hours=1)) == []


def test_per_agent_wrapup_seconds_of_zero_skips_wrapup(make_user, app):
    agent = make_user("state3", extension="1001")
    agent_state.set_wrapup_seconds(agent.id, 0)
    feed(LiveModel(app, inline=True), events("inbound-answered"))
    assert agent.agent_status == "online"


def test_status_log_grid_lists_periods_within_the_viewers_scope(client, auth, make_user, make_role, app):
    viewer_role = make_role("状态日志查看", permissions=["calls.view"])
    agent = make_user("state4", extension="1001", display_name="甲坐席")
    other = make_user("state5", role=viewer_role, display_name="乙坐席")
    feed(LiveModel(app, inline=True), events("inbound-missed"))

    auth.login(other)
    page = client.get("/phone/agent-status-log")
    assert page.status_code == 200 and "坐席状态日志" in page.get_data(as_text=True)
    mine = client.get("/phone/agent-status-log/data").get_json()
    assert mine["data"] == []  # without calls.query_all an agent sees only their own periods

    auth.logout()
    admin = make_user("state6", superuser=True)
    auth.login(admin)
    rows = client.get("/phone/agent-status-log/data", query_string={"sort": '[{"field":"started_at","dir":"asc"}]'})
    data = [r for r in rows.get_json()["data"] if r["agent"] == "甲坐席"]
    assert [(r["from_status"], r["status"]) for r in data] == [("在线", "振铃"), ("振铃", "在线")]
    assert data[0]["seconds"] is not None and data[1]["ended_at"] in ("", None)
    assert agent.id


def test_status_log_is_in_the_report_menu(client, auth, make_user, make_role):
    role = make_role("报表查看", permissions=["calls.view"])
    auth.login(make_user("state7", role=role))
    page = client.get("/").get_data(as_text=True)
    assert "报表" in page and 'href="/phone/agent-status-log"' in page


def test_forward_to_mobile_when_busy(client, auth, make_user, make_role):
    role = make_role("转手机坐席", permissions=["phone.use"])
    agent = make_user("state8", role=role, extension="1001", mobile="13700001234")
    auth.login(agent)
    response = client.post("/phone/agent/forward", json={"status": "busy", "forward": True})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert db.session.get(AgentPresence, agent.id).forward_to_mobile
    assert agent_state.forward_to_mobile_number(agent) == "13700001234"
    assert 'id="forward-mobile"' in client.get("/").get_data(as_text=True)

    client.post("/account/status", data={"status": "online"})
    assert agent_state.forward_to_mobile_number(agent) == ""  # online: calls ring the extension


def test_forward_to_mobile_needs_a_mobile_number(client, auth, make_user, make_role):
    role = make_role("无手机坐席", permissions=["phone.use"])
    auth.login(make_user("state9", role=role, extension="1001"))
    response = client.post("/phone/agent/forward", json={"status": "away", "forward": True})
    assert response.status_code == 400 and "手机号" in response.get_json()["error"]


def test_a_burst_written_as_one_batch_keeps_every_period(make_user):
    """Several agents' changes in one batch: each agent's periods follow on, the ones ended within
    the batch are closed, and the header state is the last one."""
    from sqlalchemy import select

    from app.telephony.models_agent import AgentStatusLog

    first, second = make_user("burst1", extension="1001"), make_user("burst2", extension="1002")
    agent_state.set_status(second, "busy")
    db.session.commit()
    start = utcnow()
    changes = agent_state.apply_call_activities(
        [
            (first.id, "ringing", "call-a", start),
            (second.id, "ringing", "call-b", start + timedelta(seconds=1)),
            (first.id, "talking", "call-a", start + timedelta(seconds=5)),
            (second.id, "idle", "call-b", start + timedelta(seconds=9)),  # missed: back to busy
        ]
    )
    db.session.commit()

    assert changes == [(first.id, "ringing"), (second.id, "ringing"), (first.id, "talking"), (second.id, "busy")]
    assert (first.agent_status, second.agent_status) == ("talking", "busy")
    rows = db.session.scalars(select(AgentStatusLog).order_by(AgentStatusLog.id)).all()
    assert [(r.user_id, r.from_status, r.status) for r in rows] == [
        (second.id, "online", "busy"),
        (first.id, "online", "ringing"),
        (second.id, "busy", "ringing"),
        (first.id, "ringing", "talking"),
        (second.id, "ringing", "busy"),
    ]
    assert rows[0].ended_at == start + timedelta(seconds=1)  # the chosen busy ends when the phone rings
    assert [r.seconds for r in rows[1:]] == [5, 8, None, None]
    assert [r.call_uuid for r in rows[1:4]] == ["call-a", "call-b", "call-a"]
    assert db.session.get(AgentPresence, first.id).chosen_status == "online"


def test_an_unknown_activity_writes_nothing(make_user):
    import pytest

    agent = make_user("burst3", extension="1001")
    with pytest.raises(ValueError):
        agent_state.apply_call_activities([(agent.id, "ringing", "", utcnow()), (agent.id, "dancing", "", utcnow())])
    db.session.rollback()
    assert agent.agent_status == "online"

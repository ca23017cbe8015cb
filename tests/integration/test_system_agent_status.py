"""The agent status in the header (在线/忙碌/离开): saved, shown, and pushed to every tab of the user."""

from app.extensions import db, socketio


def test_status_change_is_saved_shown_and_pushed(app, client, auth, make_user):
    agent = make_user("agent20")
    auth.login(agent)
    tab = socketio.test_client(app, flask_test_client=client)
    assert tab.is_connected()
    tab.get_received()

    response = client.post("/account/status", data={"status": "busy"}, headers={"Accept": "application/json"})
    assert response.get_json() == {"status": "busy"}
    db.session.refresh(agent)
    assert agent.agent_status == "busy" and agent.agent_status_at is not None
    assert {"name": "agent_status", "args": [{"status": "busy"}], "namespace": "/"} in tab.get_received()

    page = client.get("/").get_data(as_text=True)
    assert '<option value="busy" selected>' in page
    tab.disconnect()


def test_unknown_status_is_refused(client, auth, make_user):
    agent = make_user("agent21")
    auth.login(agent)
    response = client.post("/account/status", data={"status": "asleep"}, follow_redirects=True)
    assert "未知的坐席状态" in response.get_data(as_text=True)
    db.session.refresh(agent)
    assert agent.agent_status == "online"

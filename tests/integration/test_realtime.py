"""Socket.IO: who may connect, and that an event for a user reaches every tab of that user and no one else.

The path through the Redis message queue (an emitter in another process) is tested end to end in
tests/browser/test_shell.py, against the real gevent server."""

from app.extensions import socketio
from app.sockets import emit_to_user


def events(socket_client, name):
    return [event["args"][0] for event in socket_client.get_received() if event["name"] == name]


def connect(app, client):
    return socketio.test_client(app, flask_test_client=client)


def test_anonymous_socket_is_refused(app, client):
    socket_client = connect(app, client)
    assert not socket_client.is_connected()


def test_user_who_must_change_password_is_refused(app, client, auth, make_user):
    user = make_user("newcomer", must_change=True)
    auth.login(user)
    socket_client = connect(app, client)
    assert not socket_client.is_connected()


def test_signed_in_socket_is_greeted_in_its_room(app, client, auth, make_user):
    user = make_user("greeted")
    auth.login(user)
    socket_client = connect(app, client)
    assert socket_client.is_connected()
    greetings = events(socket_client, "hello")
    assert [g["user_id"] for g in greetings] == [user.id]


def test_event_reaches_every_tab_of_the_user_and_nobody_else(app, client, auth, make_user):
    agent = make_user("agent_tabs")
    other = make_user("other_agent")
    auth.login(agent)
    first_tab, second_tab = connect(app, client), connect(app, client)
    other_client = app.test_client()
    other_client.post("/login", data={"username": other.username, "password": "Passw0rd-test"})
    other_tab = connect(app, other_client)
    assert first_tab.is_connected() and second_tab.is_connected() and other_tab.is_connected()
    for tab in (first_tab, second_tab, other_tab):
        tab.get_received()

    with app.app_context():
        emit_to_user(agent.id, "notify", {"title": "来电 13812345678"})

    assert events(first_tab, "notify") == [{"title": "来电 13812345678"}]
    assert events(second_tab, "notify") == [{"title": "来电 13812345678"}]
    assert events(other_tab, "notify") == []


def test_agent_status_change_is_announced_to_the_users_tabs(app, client, auth, make_user):
    agent = make_user("status_tabs")
    other = make_user("status_other")
    auth.login(agent)
    tab = connect(app, client)
    other_client = app.test_client()
    other_client.post("/login", data={"username": other.username, "password": "Passw0rd-test"})
    other_tab = connect(app, other_client)
    tab.get_received()
    other_tab.get_received()

    response = client.post("/account/status", data={"status": "busy"}, headers={"Accept": "application/json"})

    assert response.get_json() == {"status": "busy"}
    assert events(tab, "agent_status") == [{"status": "busy"}]
    assert events(other_tab, "agent_status") == []


def test_signing_out_ends_the_right_to_connect(app, client, auth, make_user):
    user = make_user("leaver")
    auth.login(user)
    assert connect(app, client).is_connected()
    auth.logout()
    assert not connect(app, client).is_connected()

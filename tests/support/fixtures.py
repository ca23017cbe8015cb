"""Fixtures for telephony tests: a fake switch on a random port and a switchboard connected to it.

The switchboard's greenlets run in this thread's gevent hub: they make progress whenever the test
waits on something of gevent's (`switchboard.flush()`, `wait_connected()`, an api call, an Event),
so tests wait on those, never on time.sleep."""

import pytest

from tests.support.fake_switch import FakeSwitch


@pytest.fixture
def fake_switch():
    switch = FakeSwitch().start()
    yield switch
    switch.stop()


@pytest.fixture
def switchboard(app, fake_switch):
    """A started Switchboard for the test app, connected to `fake_switch` and returned by
    get_switchboard(). Subscribe handlers (or install the live model) on it; `flush()` waits until
    every event the switch sent so far has been handled."""
    from app.telephony.switchboard import Switchboard

    previous = app.extensions.get("zuoxi_switchboard")
    board = Switchboard(app, [fake_switch.url])
    app.extensions["zuoxi_switchboard"] = board
    board.start()
    assert board.wait_connected(5), f"switchboard did not connect to the fake switch: {board.health()}"
    yield board
    board.stop()
    if previous is None:
        app.extensions.pop("zuoxi_switchboard", None)
    else:
        app.extensions["zuoxi_switchboard"] = previous


@pytest.fixture
def tab(app):
    """A signed-in browser tab of a user: its own HTTP client (`socket.http`) and Socket.IO connection,
    where the user's pops arrive."""
    from app.extensions import socketio
    from tests.conftest import AuthActions

    opened = []

    def open_tab(user):
        http = app.test_client()
        assert AuthActions(http).login(user).status_code == 302
        socket = socketio.test_client(app, flask_test_client=http)
        assert socket.is_connected()
        socket.get_received()
        opened.append(socket)
        socket.http = http
        return socket

    yield open_tab
    for socket in opened:
        if socket.is_connected():
            socket.disconnect()


def pops(socket) -> list[dict]:
    """The screen-pops a tab received since it was last read."""
    return [m["args"][0] for m in socket.get_received() if m["name"] == "screen_pop"]

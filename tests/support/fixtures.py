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

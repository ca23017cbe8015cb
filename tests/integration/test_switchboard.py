"""The product's event-socket client (unpatched) against the fake switch: auth, commands, events."""

import threading

import gevent
import pytest
from gevent.event import Event

from app.telephony.errors import SwitchError, SwitchTimeout, SwitchUnavailable
from app.telephony.switchboard import Switchboard, get_switchboard, start_switchboard

CUSTOMER, AGENT = "13812345678", "8001"


def collect(board):
    events = []
    board.subscribe(lambda node, event: events.append(event))
    return events


def named(events, name):
    return [e for e in events if e["Event-Name"] == name]


def test_wrong_password_is_refused_and_reported(app, fake_switch):
    board = Switchboard(app, [fake_switch.url.replace("ClueCon", "wrong")]).start()
    try:
        assert not board.wait_connected(1)
        health = board.health()[0]
        assert health["connected"] is False
        assert "-ERR invalid" in health["last_error"]
        assert fake_switch.commands[0] == "auth wrong"
        with pytest.raises(SwitchUnavailable):
            board.api("status")
    finally:
        board.stop()


def test_api_replies_come_back_exactly_and_errors_raise(switchboard, fake_switch):
    assert switchboard.api("show registrations as json") == '{"row_count": 0}'
    fake_switch.respond("uuid_getvar", "1000")
    assert switchboard.api("uuid_getvar abc sip_from_user") == "1000"
    with pytest.raises(SwitchError) as error:
        switchboard.api("uuid_hold 00000000-0000-0000-0000-000000000000")
    assert error.value.reply == "-ERR No such channel!"
    with pytest.raises(SwitchError):
        switchboard.api("nosuchcommand")


def test_a_command_times_out_and_the_next_one_gets_its_own_reply(switchboard, fake_switch):
    release = threading.Event()

    def slow(command):
        release.wait(5)
        return "late"

    fake_switch.respond("slow", slow)
    with pytest.raises(SwitchTimeout):
        switchboard.api("slow thing", timeout=0.3)
    release.set()
    assert switchboard.api("uptime") == "60"


def test_bgapi_waits_for_its_background_job(switchboard, fake_switch):
    events = collect(switchboard)
    body = switchboard.bgapi(f"originate {{origination_caller_id_number={AGENT}}}user/{AGENT} &bridge(user/{CUSTOMER})")
    assert body.startswith("+OK ")
    switchboard.flush()
    agent_leg = body.split()[1]
    answers = named(events, "CHANNEL_ANSWER")
    assert agent_leg in {e["Unique-ID"] for e in answers}
    assert {e["Caller-Destination-Number"] for e in named(events, "CHANNEL_CREATE")} >= {AGENT}

    fake_switch.respond("originate user/1003", "-ERR USER_NOT_REGISTERED\n")
    with pytest.raises(SwitchError) as error:
        switchboard.bgapi("originate user/1003 &park()")
    assert error.value.reply == "-ERR USER_NOT_REGISTERED"


@pytest.mark.parametrize("encoding", ["json", "plain"])
def test_inbound_call_events_reach_subscribers_with_their_headers(app, fake_switch, encoding):
    board = Switchboard(app, [fake_switch.url], encoding=encoding).start()
    try:
        assert board.wait_connected(5)
        events = collect(board)
        played = fake_switch.play("inbound-answered", replace={"1000": CUSTOMER, "1001": AGENT})
        board.flush()
        wanted = set(board.events.split()) - {"CUSTOM"}
        expected = [e for e in played if e["Event-Name"] in wanted]
        assert [e["Event-Name"] for e in events] == [e["Event-Name"] for e in expected]
        agent_answer = next(e for e in named(events, "CHANNEL_ANSWER") if e["Call-Direction"] == "outbound")
        sent = next(e for e in named(played, "CHANNEL_ANSWER") if e["Call-Direction"] == "outbound")
        assert agent_answer["Unique-ID"] == sent["Unique-ID"]
        assert agent_answer["Caller-Caller-ID-Number"] == CUSTOMER
        assert agent_answer["Caller-Destination-Number"] == AGENT
        assert agent_answer["Channel-Name"] == f"sofia/internal/{AGENT}@127.0.0.1:5090"
        assert not named(events, "API") and not named(events, "CHANNEL_STATE")  # not subscribed
    finally:
        board.stop()


def test_a_slow_subscriber_does_not_delay_another(switchboard, fake_switch):
    release, fast_done = Event(), Event()
    slow_seen, fast_seen = [], []

    def slow(node, event):
        slow_seen.append(event)
        release.wait(10)

    def fast(node, event):
        fast_seen.append(event)
        if event["Event-Name"] == "CHANNEL_DESTROY" and len(named(fast_seen, "CHANNEL_DESTROY")) == 2:
            fast_done.set()

    switchboard.subscribe(slow)
    switchboard.subscribe(fast)
    fake_switch.play("inbound-answered")
    assert fast_done.wait(3), "the fast subscriber waited for the slow one"
    assert len(slow_seen) == 1
    release.set()
    switchboard.flush()
    assert len(slow_seen) == len(fast_seen)


def test_reconnects_after_a_drop_and_runs_on_connect_again(switchboard, fake_switch):
    connected = Event()
    switchboard.on_connect(lambda node: connected.set())
    events = collect(switchboard)
    fake_switch.play("inbound-answered", until="CHANNEL_BRIDGE")
    switchboard.flush()

    fake_switch.drop_clients()
    started = gevent.get_hub().loop.now()
    assert connected.wait(2), "no reconnect within 2 s"
    assert gevent.get_hub().loop.now() - started < 2
    assert switchboard.wait_connected(1)
    assert switchboard.health()[0]["reconnects"] == 1
    assert fake_switch.connections == 2
    # the switch still has the call: a re-sync after the reconnect sees it
    channels = switchboard.api("show channels as json")
    assert events[-1]["Unique-ID"] in channels
    fake_switch.play("inbound-answered", after="CHANNEL_BRIDGE", fresh_uuids=False)
    switchboard.flush()
    assert named(events, "CHANNEL_HANGUP_COMPLETE")


def test_commands_waiting_on_a_dropped_connection_fail_at_once(switchboard, fake_switch):
    release = threading.Event()
    fake_switch.respond("hang", lambda command: release.wait(5) and "never")
    waiter = gevent.spawn(switchboard.api, "hang", timeout=5)
    gevent.sleep(0)  # let it send
    fake_switch.drop_clients()
    with pytest.raises(SwitchUnavailable):
        waiter.get(timeout=2)
    release.set()


def test_an_unreachable_node_leaves_the_app_running_and_offline(app):
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    board = Switchboard(app, [f"esl://ClueCon@127.0.0.1:{port}"]).start()
    try:
        assert not board.wait_connected(0.3)
        health = board.health()[0]
        assert health["connected"] is False and health["last_error"]
        with pytest.raises(SwitchUnavailable):
            board.api("status")
    finally:
        board.stop()


def test_start_switchboard_reads_the_configured_nodes(app, fake_switch, monkeypatch):
    monkeypatch.setitem(app.config, "FREESWITCH_NODES", fake_switch.url)
    saved = {key: app.extensions.pop(key, None) for key in ("zuoxi_switchboard", "zuoxi_live_model")}
    try:
        board = start_switchboard(app)
        with app.app_context():
            assert get_switchboard() is board
        assert start_switchboard(app) is board
        assert board.wait_connected(5)
        assert board.api("uptime") == "60"
        board.stop()
    finally:
        for key, value in saved.items():  # also ends the live model's wrap-up sweeper it started
            app.extensions.pop(key, None)
            if value is not None:
                app.extensions[key] = value


def test_commands_from_another_thread_are_run_in_the_switchboard_hub(switchboard):
    """e.g. a Socket.IO handler thread: the call is handed to the hub that owns the connection."""
    reply = gevent.get_hub().threadpool.spawn(switchboard.api, "uptime").get(timeout=5)
    assert reply == "60"

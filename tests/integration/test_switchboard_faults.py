"""Malformed frames are skipped with a log line naming the problem; the connection and its greenlets live on."""

import logging

import pytest

GOOD = b'{"Event-Name":"HEARTBEAT","Event-Info":"System Ready"}'


def frame(body: bytes, length=None, extra=b"") -> bytes:
    size = str(len(body) if length is None else length).encode()
    return b"Content-Length: " + size + b"\nContent-Type: text/event-json\n" + extra + b"\n" + body


MALFORMED = {
    "bad Content-Length": frame(GOOD, length="12x"),
    "not UTF-8": frame(b'{"Event-Name":"HEARTBEAT","Event-Info":"\xff\xfe"}'),
    "duplicate header": frame(GOOD, extra=b"Content-Type: text/event-json\n"),
    "invalid JSON": frame(b'{"Event-Name":"HEARTB'),
    "bytes of garbage": b"\x00\x01garbage line\nmore\n\n",
    "Content-Length": frame(GOOD, length=len(GOOD) + 40),  # longer than the body: eats into the next frame
}


@pytest.mark.parametrize("problem", list(MALFORMED))
def test_a_malformed_frame_is_skipped_and_later_events_still_arrive(switchboard, fake_switch, caplog, problem):
    events = []
    switchboard.subscribe(lambda node, event: events.append(event))
    link = switchboard.links[next(iter(switchboard.links))]
    reader = link.esl._receive_events_greenlet
    with caplog.at_level(logging.WARNING, logger="app.telephony.esl"):
        fake_switch.send_raw(MALFORMED[problem])
        fake_switch.play("inbound-answered")
        switchboard.flush()
    assert any(problem in record.getMessage() for record in caplog.records), caplog.text
    assert len([e for e in events if e["Event-Name"] == "CHANNEL_DESTROY"]) == 2
    assert [e for e in events if e["Event-Name"] == "HEARTBEAT"] == []
    assert not reader.dead and link.esl._receive_events_greenlet is reader
    assert switchboard.health()[0]["reconnects"] == 0


def test_a_truncated_frame_at_the_end_of_the_stream_is_logged_and_reconnected(switchboard, fake_switch, caplog):
    from gevent.event import Event

    reconnected = Event()
    switchboard.on_connect(lambda node: reconnected.set())
    with caplog.at_level(logging.WARNING, logger="app.telephony.esl"):
        fake_switch.send_raw(frame(GOOD[:20], length=len(GOOD)))
        fake_switch.drop_clients(abrupt=False)
        assert reconnected.wait(2)
    assert "truncated" in caplog.text
    assert switchboard.api("uptime") == "60"


def test_a_failing_subscriber_is_logged_and_keeps_receiving(switchboard, fake_switch, caplog):
    seen = []

    def fragile(node, event):
        seen.append(event["Event-Name"])
        if len(seen) == 1:
            raise RuntimeError("boom")

    switchboard.subscribe(fragile)
    with caplog.at_level(logging.ERROR, logger="app.telephony.switchboard"):
        fake_switch.play("inbound-answered")
        switchboard.flush()
    assert "boom" in caplog.text
    assert seen.count("CHANNEL_DESTROY") == 2


def test_health_page_shows_each_node_and_its_reconnects(switchboard, fake_switch, admin_client):
    from gevent.event import Event

    reconnected = Event()
    switchboard.on_connect(lambda node: reconnected.set())
    fake_switch.drop_clients()
    assert reconnected.wait(2) and switchboard.wait_connected(2)
    page = admin_client.get("/phone/switch").get_data(as_text=True)
    node = f"127.0.0.1:{fake_switch.port}"
    assert node in page and "在线" in page
    assert '<td class="num reconnects">1</td>' in page
    data = admin_client.get("/phone/switch.json").get_json()
    assert data["nodes"][0]["node"] == node and data["nodes"][0]["reconnects"] == 1
    assert data["nodes"][0]["connected"] is True
    assert "ClueCon" not in page


def test_health_page_needs_the_admin_permission(switchboard, client, auth, make_user):
    auth.login(make_user())
    assert client.get("/phone/switch").status_code == 403
    assert client.get("/phone/switch.json").status_code == 403

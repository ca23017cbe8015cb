"""The fake switch speaks FreeSWITCH's bytes: checked against the captures with a bare socket."""

import json
import socket

import pytest

from tests.support.captures import load_frames, split_frames
from tests.support.fake_switch import json_frame, plain_frame


def read_frames(sock, count):
    data = b""
    while True:
        try:
            frames = split_frames(data)
        except ValueError:
            frames = []
        if len(frames) >= count:
            return frames
        chunk = sock.recv(65536)
        if not chunk:
            return split_frames(data)
        data += chunk


@pytest.fixture
def raw(fake_switch):
    sock = socket.create_connection(("127.0.0.1", fake_switch.port), timeout=5)
    yield sock
    sock.close()


@pytest.mark.parametrize("scenario", ["inbound-answered", "click-to-dial"])
def test_plain_and_json_frames_are_built_byte_for_byte_as_freeswitch_does(scenario):
    for frame in load_frames(f"{scenario}.plain-events.txt"):
        if frame.content_type == "text/event-plain":
            pairs = plain_pairs(frame.body)
            assert plain_frame(pairs) == frame.raw
    for frame in load_frames(f"{scenario}.json-events.txt"):
        if frame.content_type == "text/event-json":
            assert json_frame(json.loads(frame.body, object_pairs_hook=list)) == frame.raw


def plain_pairs(body: bytes):
    from urllib.parse import unquote

    head, _sep, rest = body.decode().partition("\n\n")
    pairs = [(name, unquote(value)) for name, _s, value in (line.partition(": ") for line in head.split("\n"))]
    pairs = [(n, v.split("ARRAY::", 1)[1].split("|:") if v.startswith("ARRAY::") else v) for n, v in pairs]
    if rest:
        pairs.append(("_body", rest))
    return pairs


def test_wrong_password_gets_invalid_then_a_disconnect_notice_and_close(raw):
    assert read_frames(raw, 1)[0].raw == b"Content-Type: auth/request\n\n"
    raw.sendall(b"auth nope\n\n")
    frames = read_frames(raw, 2)
    expected = load_frames("auth-failure.raw.txt")
    assert [f.raw for f in frames] == [f.raw for f in expected[1:]]
    assert raw.recv(10) == b""


def test_commands_get_the_replies_freeswitch_gives(raw, fake_switch):
    read_frames(raw, 1)
    raw.sendall(b"auth ClueCon\n\nevent json CHANNEL_ANSWER\n\nnosuchcommand\n\nevent json\n\napi uuid_kill x\n\n")
    frames = read_frames(raw, 5)
    assert [f.headers.get("Reply-Text") for f in frames[:4]] == [
        "+OK accepted",
        "+OK event listener enabled json",
        "-ERR command not found",
        "-ERR no keywords supplied",
    ]
    assert frames[4].raw == b"Content-Type: api/response\nContent-Length: 22\n\n-ERR No such channel!\n"
    raw.sendall(b"bgapi originate user/1003 &park()\nJob-UUID: my-job\n\n")
    reply = read_frames(raw, 1)[0]
    assert reply.headers["Reply-Text"] == "+OK Job-UUID: my-job" and reply.headers["Job-UUID"] == "my-job"
    assert fake_switch.commands[-1] == "bgapi originate user/1003 &park()"


def test_only_subscribed_events_are_sent_in_the_chosen_encoding(raw, fake_switch):
    read_frames(raw, 1)
    raw.sendall(b"auth ClueCon\n\nevent plain CHANNEL_ANSWER CUSTOM sofia::register\n\n")
    read_frames(raw, 2)
    fake_switch.play("inbound-answered")
    fake_switch.play("registration")
    raw.sendall(b"exit\n\n")
    frames = read_frames(raw, 6)
    events = [f.event() for f in frames if f.content_type == "text/event-plain"]
    assert [e["Event-Name"] for e in events] == ["CHANNEL_ANSWER", "CHANNEL_ANSWER", "CUSTOM", "CUSTOM"]
    assert {e["Event-Subclass"] for e in events if e["Event-Name"] == "CUSTOM"} == {"sofia::register"}
    assert frames[-1].content_type == "text/disconnect-notice"


def test_show_commands_follow_the_played_calls_and_registrations(fake_switch):
    assert fake_switch._answer("show channels as json") == '{"row_count": 0}'
    played = fake_switch.play("inbound-answered", until="CHANNEL_BRIDGE")
    fake_switch.play("registration")
    channels = json.loads(fake_switch._answer("show channels as json"))
    assert channels["row_count"] == 2
    assert {r["uuid"] for r in channels["rows"]} == {e["Unique-ID"] for e in played if "Unique-ID" in e}
    calls = json.loads(fake_switch._answer("show calls as json"))["rows"]
    assert calls[0]["cid_num"] == "1000" and calls[0]["b_dest"] == "1001"
    registrations = json.loads(fake_switch._answer("show registrations as json"))["rows"]
    assert {r["reg_user"] for r in registrations} == {"1001", "1002"}
    assert registrations[0]["url"] == "sofia/internal/sip:1001@127.0.0.1:5090;transport=udp"
    leg = channels["rows"][0]["uuid"]
    assert fake_switch._answer(f"uuid_hold {leg}") == "+OK Success\n"
    fake_switch.play("inbound-answered", after="CHANNEL_BRIDGE", fresh_uuids=False)
    assert fake_switch._answer(f"uuid_hold {leg}") == "+OK Success\n"  # fresh uuids: a different call


def test_fresh_uuids_and_replacements_apply_to_values_only(fake_switch):
    first = fake_switch.play("inbound-answered", replace={"1000": "13812345678"})
    second = fake_switch.play("inbound-answered", replace={"1000": "13812345678"})
    assert first[0]["Unique-ID"] != second[0]["Unique-ID"]
    create = next(e for e in first if e["Event-Name"] == "CHANNEL_CREATE")
    assert create["Caller-Caller-ID-Number"] == "13812345678"
    assert create["Channel-Name"] == "sofia/internal/13812345678@127.0.0.1"
    registered = fake_switch.play("registration", replace={"1001": "8001"})
    register = next(e for e in registered if e.get("Event-Subclass") == "sofia::register")
    assert register["username"] == "8001" and register["network-port"] == "5090"
    assert register["Event-Date-Timestamp"].isdigit() and "8001" not in register["Event-Date-Timestamp"]

"""Event throughput of the whole switchboard path against greenswitch's bare parse of the same bytes.

The stream is every JSON capture's events that the product subscribes to, concatenated and repeated to
--events or more. Whole path: fake switch → our client's frame parse → subscriber queue → the live
model's handle_event (its database writes and emits). Bare: greenswitch's own parser reading the same
bytes from a local socket pair, counting events. Last line:
    esl_events events_per_s=<x> ratio_to_bare_parse=<y>
Run: .venv/bin/python scripts/bench/esl_events.py [--events N]
"""

import os
import secrets
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

import gevent
import gevent.socket
from gevent.event import Event

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.support.captures import CAPTURES  # noqa: E402
from tests.support.fake_switch import FakeSwitch, Subscription, json_frame, scenario_events  # noqa: E402


def recorded_stream(events_wanted: int) -> tuple[bytes, int]:
    from app.telephony.esl import EVENT_NAMES

    subscription = Subscription("json", EVENT_NAMES.split())
    frames = []
    for path in sorted(CAPTURES.glob("*.json-events.txt")):
        for pairs in scenario_events(path.name.split(".json-events")[0]):
            headers = dict(pairs)
            if subscription.wants(headers.get("Event-Name", ""), headers.get("Event-Subclass", "")):
                frames.append(json_frame(pairs))
    repeat = -(-events_wanted // len(frames))
    return b"".join(frames) * repeat, len(frames) * repeat


def bare_parse(stream: bytes, count: int) -> float:
    """greenswitch's reader and dispatcher as they are, except that a JSON body is read with json.loads:
    greenswitch parses every body as "Name: value" lines and dies on the first JSON event."""
    import json

    from greenswitch.esl import ESLEvent, ESLProtocol

    plain_parse = ESLEvent.parse_data

    def parse_data(self, data):
        if data.startswith("{"):
            self.headers.update(json.loads(data))
        else:
            plain_parse(self, data)

    ESLEvent.parse_data = parse_data

    reader_end, writer_end = socket.socketpair()
    protocol = ESLProtocol()
    protocol.sock = gevent.socket.socket(fileno=reader_end.detach())
    protocol.sock_file = protocol.sock.makefile("rb")
    protocol.connected = True
    seen, done = [0], Event()

    def count_event(event):
        seen[0] += 1
        if seen[0] == count:
            done.set()

    protocol.register_handle("*", count_event)
    started = time.perf_counter()
    threading.Thread(target=writer_end.sendall, args=(stream,), daemon=True).start()
    protocol.start_event_handlers()
    assert done.wait(600), f"bare parse saw {seen[0]} of {count}"
    elapsed = time.perf_counter() - started
    protocol._run = False
    writer_end.close()
    ESLEvent.parse_data = plain_parse
    return count / elapsed


def make_app():
    from app import create_app
    from app.extensions import db
    from app.seed import seed_defaults

    folder = tempfile.mkdtemp(prefix="zuoxi-bench-")
    url = os.environ.get("ZUOXI_BENCH_DATABASE_URL") or f"sqlite:///{folder}/bench.db"
    app = create_app(
        {
            "SECRET_KEY": secrets.token_hex(16),
            "DATABASE_URL": url,
            "SOCKETIO_ASYNC_MODE": "threading",
            "JOBS_RUN_IN_PROCESS": False,
            "LOG_LEVEL": "WARNING",
        }
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
        seed_defaults()
        from app.auth.models import User

        for extension in ("1001", "1002"):
            db.session.add(
                User(username=f"agent{extension}", display_name=extension, extension=extension, password_hash="x")
            )
        db.session.commit()
    return app


def whole_path(stream: bytes, count: int) -> tuple[float, str]:
    from app.telephony.switchboard import Switchboard

    app = make_app()
    fake = FakeSwitch().start()
    board = Switchboard(app, [fake.url])
    try:
        from app.telephony.live import install_live_model

        with app.app_context():
            install_live_model(app, board)
        subject = "live model"
    except ImportError:
        subject = "no live model (app.telephony.live missing): counting subscriber only"
    seen, done = [0], Event()

    def count_event(node, event):
        seen[0] += 1
        if seen[0] == count:
            done.set()

    board.subscribe(count_event)
    board.start()
    assert board.wait_connected(10), board.health()
    started = time.perf_counter()
    fake.send_raw(stream)
    assert done.wait(600), f"whole path saw {seen[0]} of {count}"
    board.flush(timeout=600)  # the live model's database writes and emits are done too
    elapsed = time.perf_counter() - started
    board.stop()
    fake.stop()
    return count / elapsed, subject


def main():
    import argparse

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=50_000, help="events in the recorded stream (at least)")
    args = parser.parse_args()
    stream, count = recorded_stream(args.events)
    print(f"stream: {count} events, {len(stream) / 1e6:.1f} MB")
    bare = bare_parse(stream, count)
    print(f"bare greenswitch parse: {bare:,.0f} events/s")
    ours, subject = whole_path(stream, count)
    print(f"whole switchboard path ({subject}): {ours:,.0f} events/s")
    print(f"esl_events events_per_s={ours:.0f} ratio_to_bare_parse={ours / bare:.2f}")


if __name__ == "__main__":
    main()

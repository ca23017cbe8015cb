#!/usr/bin/env python3
"""Screen-pop latency: from the fake switch writing an agent's ringing event to that agent's socket getting the pop.

    .venv/bin/python scripts/bench/screen_pop.py --customers 20000
    .venv/bin/python scripts/bench/screen_pop.py --db postgresql://postgres@127.0.0.1:5432/zuoxi_bench

A real server (`python wsgi.py`, gevent) runs on a random port with FREESWITCH_NODES pointing at a
FakeSwitch in this process; 240 agents are signed in, each with a Socket.IO connection (Engine.IO 4
over a websocket); the switch plays 240 inbound calls (distinct agent and customer) within one
second. The target database's tables are dropped and created again. The last line is always
`screen_pop calls=<n> customers=<n> p50_ms=<x> p99_ms=<y>`.

This process is gevent-patched: 240 listening sockets and the switch's writer are greenlets, so the
moment a pop arrives is read off at once instead of after a queue of OS threads waits for the GIL.
"""

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import http.cookiejar  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import secrets  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import urllib.parse  # noqa: E402
import urllib.request  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import phone_lookup  # noqa: E402  (its bulk customer loader)

PASSWORD = "Bench-pass-2024"


def prepare_database(url: str, workdir: str, customers: int, agents: int) -> None:
    from sqlalchemy import text

    from app import create_app
    from app.auth.models import Role, User
    from app.auth.services import set_password
    from app.extensions import db
    from app.seed import seed_defaults

    app = create_app({"SECRET_KEY": "setup", "DATABASE_URL": url, "UPLOAD_DIR": workdir, "LOG_LEVEL": "WARNING"})
    with app.app_context():
        postgres = url.startswith("postgresql")
        if postgres:
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        else:
            db.drop_all()
        db.create_all()
        seed_defaults()
        db.session.commit()
        started = time.perf_counter()
        (phone_lookup.load_postgres if postgres else phone_lookup.load_sqlite)(db.engine, customers)
        print(f"loaded {customers} customers in {time.perf_counter() - started:.1f}s", file=sys.stderr)
        role = Role(name="bench-agent", permissions=["phone.use", "customer.view", "followup.add"], data_scope="all")
        db.session.add(role)
        template = User(username="template", display_name="t", password_hash="")
        set_password(template, PASSWORD, must_change=False)
        for i in range(agents):
            db.session.add(
                User(
                    username=f"agent{i}",
                    display_name=f"坐席{i}",
                    password_hash=template.password_hash,
                    must_change_password=False,
                    role=role,
                    extension=str(8000 + i),
                )
            )
        db.session.commit()
    with app.app_context():
        db.engine.dispose()


def start_server(url: str, workdir: str, switch_url: str) -> tuple[subprocess.Popen, str]:
    from tests.support.live_server import free_port

    port = free_port()
    env = dict(
        os.environ,
        ZUOXI_SECRET_KEY=secrets.token_hex(16),
        ZUOXI_DATABASE_URL=url,
        ZUOXI_UPLOAD_DIR=workdir,
        ZUOXI_PORT=str(port),
        ZUOXI_HOST="127.0.0.1",
        ZUOXI_FREESWITCH_NODES=switch_url,
        ZUOXI_LOG_LEVEL="WARNING",
    )
    log = open(os.path.join(workdir, "server.log"), "w")  # noqa: SIM115
    process = subprocess.Popen([sys.executable, "wsgi.py"], cwd=ROOT, env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/login", timeout=2).read()  # noqa: S310 (our own http URL)
            return process, base
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"server did not start; see {workdir}/server.log")


def login(base: str, username: str) -> str:
    """The Cookie header of a signed-in session."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/login", timeout=30).read().decode()
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"username": username, "password": PASSWORD, "csrf_token": token}).encode()
    request = urllib.request.Request(base + "/login", data=form, headers={"X-CSRFToken": token})  # noqa: S310
    opener.open(request, timeout=30)
    return "; ".join(f"{c.name}={c.value}" for c in jar)


class PopListener:
    """A minimal Socket.IO client (Engine.IO 4, websocket transport) recording when each pop arrives."""

    def __init__(self, base: str, cookie: str, arrivals: dict, lock: threading.Lock):
        import simple_websocket

        url = base.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
        self.ws = simple_websocket.Client.connect(url, headers={"Cookie": cookie})
        self.ws.send("40")  # the namespace connect; the server's open packet comes with its answer
        self.joined = threading.Event()
        self.arrivals, self.lock = arrivals, lock
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        while True:
            try:
                message = self.ws.receive()
            except Exception:  # closed
                return
            if message is None:
                return
            received = time.perf_counter()
            if message == "2":
                self.ws.send("3")
            elif message.startswith("40"):
                self.joined.set()
            elif message.startswith('42["screen_pop"'):
                name, payload = json.loads(message[2:])
                with self.lock:
                    self.arrivals.setdefault(payload["number"], received)

    def close(self):
        self.ws.close()


def ringing_bytes(number: str, extension: str, clients) -> list[bytes]:
    """For each subscribed client, the bytes of one inbound call up to the agent phone's ringing
    (CHANNEL_PROGRESS), rendered ahead so the timed loop only writes."""
    from tests.support.fake_switch import _substituter, json_frame, plain_frame, scenario_events

    events = scenario_events("inbound-answered")
    names = [dict(e).get("Event-Name") for e in events]
    substitute = _substituter({"1000": number, "1001": extension}, {}, True)
    sent = [[(k, substitute(v)) for k, v in pairs] for pairs in events[: names.index("CHANNEL_PROGRESS") + 1]]
    result = []
    for client in clients:
        frame = json_frame if client.subscription.encoding == "json" else plain_frame
        wanted = [
            p
            for p in sent
            if client.subscription.wants(dict(p).get("Event-Name", ""), dict(p).get("Event-Subclass", ""))
        ]
        result.append(b"".join(frame(pairs) for pairs in wanted))
    return result


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--calls", type=int, default=240)
    parser.add_argument("--db", default="", help="database URL (default: a temporary SQLite file)")
    args = parser.parse_args()

    from tests.support.fake_switch import FakeSwitch

    workdir = tempfile.mkdtemp(prefix="zuoxi-bench-pop-")
    url = args.db or "sqlite:///" + os.path.join(workdir, "bench.db")
    prepare_database(url, workdir, args.customers, args.calls)
    switch = FakeSwitch().start()
    process, base = start_server(url, workdir, switch.url)
    listeners = []
    try:
        with ThreadPoolExecutor(16) as pool:
            cookies = list(pool.map(lambda i: login(base, f"agent{i}"), range(args.calls)))
        arrivals, lock = {}, threading.Lock()
        listeners = [PopListener(base, cookie, arrivals, lock) for cookie in cookies]
        if not all(listener.joined.wait(10) for listener in listeners):
            raise SystemExit("some agents' sockets were refused")
        deadline = time.monotonic() + 10
        while not switch._subscribed() and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.0)  # let the sockets join their rooms and the switchboard settle after its resync

        step = args.customers // args.calls
        calls = [(phone_lookup.mobile(1 + i * step), str(8000 + i)) for i in range(args.calls)]
        clients = switch._subscribed()
        chunks = [ringing_bytes(number, extension, clients) for number, extension in calls]
        written = {}
        start = time.perf_counter()
        for index, (number, _extension) in enumerate(calls):
            target = start + index / args.calls  # all calls start within one second
            while time.perf_counter() < target:
                time.sleep(0.0005)
            written[number] = time.perf_counter()
            for client, data in zip(clients, chunks[index], strict=True):
                client.write(data)
        deadline = time.monotonic() + 30
        while len(arrivals) < len(calls) and time.monotonic() < deadline:
            time.sleep(0.05)
        missing = [n for n, _ext in calls if n not in arrivals]
        if missing:
            print(f"{len(missing)} pops never arrived, e.g. {missing[:3]}", file=sys.stderr)
        latencies = [arrivals[n] - written[n] for n, _ext in calls if n in arrivals]
    finally:
        for listener in listeners:
            listener.close()
        process.terminate()
        process.wait(10)
        switch.stop()
    print(f"screen_pop spread_s={max(written.values()) - min(written.values()):.3f} received={len(latencies)}")
    print(
        f"screen_pop calls={args.calls} customers={args.customers} "
        f"p50_ms={percentile(latencies, 0.5):.1f} p99_ms={percentile(latencies, 0.99):.1f}"
    )


if __name__ == "__main__":
    main()

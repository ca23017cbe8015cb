"""A fake FreeSWITCH event socket that speaks the real inbound ESL wire protocol, for tests and benches.

It answers as the captures in ../shared/freeswitch-events/ show: `auth/request` on connect, `auth`,
`event json|plain <names>`, `api` (api/response with a Content-Length body, no newline added), `bgapi`
(command/reply with the Job-UUID, then a BACKGROUND_JOB event), `exit`. `play(scenario)` replays a
capture's events to every subscribed client in the encoding it chose; the switch's channel and
registration tables follow the played events, so `show channels as json` & co. answer what a
re-syncing client would see. Each client has one writer thread, so replies never overtake events.
"""

import json
import re
import socket
import threading
import uuid
from queue import Queue
from urllib.parse import quote

from tests.support.captures import CAPTURES, split_frames

PLAIN_SAFE = "/,()*'"  # with Python's own - _ . ~: what FreeSWITCH leaves unencoded
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
DISCONNECT = b"Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n"
_scenario_cache: dict[str, list] = {}


def scenario_events(scenario: str) -> list[list[tuple[str, str]]]:
    """The JSON events of a capture as lists of (name, value) pairs (FreeSWITCH repeats some names)."""
    if scenario not in _scenario_cache:
        frames = split_frames((CAPTURES / f"{scenario}.json-events.txt").read_bytes())
        _scenario_cache[scenario] = [
            json.loads(f.body, object_pairs_hook=list) for f in frames if f.content_type == "text/event-json"
        ]
    return _scenario_cache[scenario]


def reply_of(scenario: str, command: str) -> str:
    """What the switch answered to `api <command>` in a capture (for respond())."""
    frames = split_frames((CAPTURES / f"{scenario}.json-events.txt").read_bytes())
    commands = [
        line.split(">>> api ", 1)[1]
        for line in (CAPTURES / f"{scenario}.commands.txt").read_text().splitlines()
        if ">>> api " in line
    ]
    replies = [f.body.decode() for f in frames if f.content_type == "api/response"]
    return dict(zip(commands, replies, strict=False))[command]


def json_frame(pairs) -> bytes:
    body = ("{" + ",".join(f"{_json(k)}:{_json(v)}" for k, v in pairs) + "}").encode()
    return b"Content-Length: %d\nContent-Type: text/event-json\n\n%s" % (len(body), body)


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def plain_frame(pairs) -> bytes:
    lines = [f"{k}: {quote(_plain_value(v), safe=PLAIN_SAFE)}\n" for k, v in pairs if k != "_body"]
    body = ("".join(lines) + "\n" + dict(pairs).get("_body", "")).encode()
    return b"Content-Length: %d\nContent-Type: text/event-plain\n\n%s" % (len(body), body)


def _plain_value(value) -> str:
    """JSON gives array headers as lists; plain spells them ARRAY::a|:b."""
    return "ARRAY::" + "|:".join(value) if isinstance(value, list) else value


def command_reply(text: str, **headers) -> bytes:
    extra = "".join(f"{k.replace('_', '-')}: {v}\n" for k, v in headers.items())
    return f"Content-Type: command/reply\nReply-Text: {text}\n{extra}\n".encode()


def api_response(body: str) -> bytes:
    data = body.encode()
    return b"Content-Type: api/response\nContent-Length: %d\n\n%s" % (len(data), data)


def disconnect_notice() -> bytes:
    return b"Content-Type: text/disconnect-notice\nContent-Length: %d\n\n%s" % (len(DISCONNECT), DISCONNECT)


class Subscription:
    def __init__(self, encoding: str, words: list[str]):
        self.encoding = encoding
        self.all = "ALL" in words
        self.names, self.subclasses = set(), set()
        custom = False
        for word in words:
            if word == "CUSTOM":
                custom = True
            elif custom:
                self.subclasses.add(word)
            else:
                self.names.add(word)
        self.any_custom = custom and not self.subclasses

    def wants(self, name: str, subclass: str) -> bool:
        if self.all or name in self.names:
            return True
        return name == "CUSTOM" and (self.any_custom or subclass in self.subclasses)


class FakeClient:
    def __init__(self, switch: "FakeSwitch", sock: socket.socket):
        self.switch, self.sock = switch, sock
        self.authed = False
        self.subscription: Subscription | None = None
        self.outbox: Queue = Queue()
        self.closed = False
        threading.Thread(target=self._write_loop, daemon=True, name="fake-switch-writer").start()
        threading.Thread(target=self._read_loop, daemon=True, name="fake-switch-reader").start()
        self.write(b"Content-Type: auth/request\n\n")

    def write(self, data: bytes) -> None:
        self.outbox.put(data)

    def close_after_writes(self) -> None:
        self.outbox.put(None)

    def abort(self) -> None:
        """Abrupt close, as when the switch dies: no notice, RST on the wire."""
        self.closed = True
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self.outbox.put(None)

    def _write_loop(self) -> None:
        while (data := self.outbox.get()) is not None:
            try:
                self.sock.sendall(data)
            except OSError:
                break
        self.closed = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes our reader thread, sends FIN
        except OSError:
            pass
        self.sock.close()
        self.switch._forget(self)

    def _read_loop(self) -> None:
        buffer = b""
        while not self.closed:
            try:
                chunk = self.sock.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            buffer += chunk
            while b"\n\n" in buffer:
                message, buffer = buffer.split(b"\n\n", 1)
                self.switch._handle(self, message.decode("utf-8", "replace"))
        self.close_after_writes()


class FakeSwitch:
    def __init__(self, password: str = "ClueCon"):  # noqa: S107
        self.password = password
        self.commands: list[str] = []
        self.clients: list[FakeClient] = []
        self.responders: list[tuple[str, object]] = []
        self.channels: dict[str, dict] = {}  # uuid -> last headers seen
        self.bridges: dict[str, str] = {}  # a-leg uuid -> b-leg uuid
        self.registrations: dict[str, dict] = {}
        self.connections = 0
        self._lock = threading.RLock()
        self._listener = None

    # -- server ---------------------------------------------------------------------------------------
    def start(self) -> "FakeSwitch":
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept_loop, daemon=True, name="fake-switch-accept").start()
        return self

    @property
    def url(self) -> str:
        return f"esl://{self.password}@127.0.0.1:{self.port}"

    def _accept_loop(self) -> None:
        while True:
            try:
                sock, _address = self._listener.accept()
            except OSError:
                return
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                self.connections += 1
                self.clients.append(FakeClient(self, sock))

    def _forget(self, client: FakeClient) -> None:
        with self._lock:
            if client in self.clients:
                self.clients.remove(client)

    def stop(self) -> None:
        if self._listener is not None:
            self._listener.close()
        self.drop_clients()

    def drop_clients(self, abrupt: bool = True) -> None:
        """Close every connection: abruptly (RST, unsent bytes lost) or after what is queued (FIN)."""
        with self._lock:
            clients, self.clients = list(self.clients), []
        for client in clients:
            if abrupt:
                client.abort()
            else:
                client.close_after_writes()

    def send_raw(self, data: bytes) -> None:
        """Bytes as they are, to every authenticated client (for malformed-frame tests)."""
        for client in self._subscribed():
            client.write(data)

    def _subscribed(self) -> list[FakeClient]:
        with self._lock:
            return [c for c in self.clients if c.authed and c.subscription is not None and not c.closed]

    # -- commands -------------------------------------------------------------------------------------
    def respond(self, prefix: str, reply) -> None:
        """Answer api/bgapi commands starting with `prefix` by `reply` (a string, or a callable taking
        the command and returning one). Later calls win over earlier ones and over the defaults."""
        self.responders.insert(0, (prefix, reply))

    def _handle(self, client: FakeClient, message: str) -> None:
        line, *header_lines = message.split("\n")
        headers = dict(h.split(": ", 1) for h in header_lines if ": " in h)
        self.commands.append(line)
        verb, _sep, rest = line.partition(" ")
        if verb == "auth":
            if rest == self.password:
                client.authed = True
                client.write(command_reply("+OK accepted"))
            else:
                client.write(command_reply("-ERR invalid") + disconnect_notice())
                client.close_after_writes()
        elif not client.authed:
            client.write(command_reply("-ERR invalid"))
        elif verb == "event":
            encoding, _sep, names = rest.partition(" ")
            words = names.split()
            if encoding not in ("json", "plain", "xml") or not words:
                client.write(command_reply("-ERR no keywords supplied"))
                return
            client.subscription = Subscription(encoding, words)
            client.write(command_reply(f"+OK event listener enabled {encoding}"))
        elif verb == "api":
            client.write(api_response(self._answer(rest)))
        elif verb == "bgapi":
            job = headers.get("Job-UUID") or str(uuid.uuid4())
            client.write(command_reply(f"+OK Job-UUID: {job}", Job_UUID=job))
            self._background(rest, job)
        elif verb == "exit":
            client.write(command_reply("+OK bye") + disconnect_notice())
            client.close_after_writes()
        else:
            client.write(command_reply("-ERR command not found"))

    def _answer(self, command: str) -> str:
        for prefix, reply in self.responders:
            if command.startswith(prefix):
                return reply(command) if callable(reply) else reply
        return self._default_answer(command)

    def _default_answer(self, command: str) -> str:
        name, _sep, args = command.partition(" ")
        with self._lock:
            if command == "show channels as json":
                return _table([_channel_row(h) for h in self.channels.values()])
            if command == "show calls as json":
                return _table(
                    [
                        _call_row(self.channels[a], self.channels[b])
                        for a, b in self.bridges.items()
                        if a in self.channels and b in self.channels
                    ]
                )
            if command == "show registrations as json":
                return _table(list(self.registrations.values()))
            if name in ("uptime", "status"):
                return "UP 0 years, 0 days, 0 hours, 1 minute\n" if name == "status" else "60"
            if name.startswith("uuid_"):
                target = args.split(" ")[0] if args else ""
                if name == "uuid_exists":
                    return "true" if target in self.channels else "false"
                if target not in self.channels:
                    return "-ERR No such channel!\n"
                return "+OK Success\n" if name == "uuid_hold" else "+OK\n"
        return f"-ERR {name} Command not found!\n"

    def _background(self, command: str, job: str) -> None:
        for prefix, reply in self.responders:
            if command.startswith(prefix):
                body = reply(command) if callable(reply) else reply
                self._send_job(command, job, body)
                return
        if command.startswith("originate "):
            self._originate(command, job)
        else:
            self._send_job(command, job, self._answer(command))

    def _send_job(self, command: str, job: str, body: str) -> None:
        name, _sep, arg = command.partition(" ")
        pairs = [
            ("Event-Name", "BACKGROUND_JOB"),
            ("Core-UUID", "fake-switch"),
            ("Job-UUID", job),
            ("Job-Command", name),
            ("Job-Command-Arg", arg),
            ("Content-Length", str(len(body.encode()))),
            ("_body", body),
        ]
        self._send_events([pairs])

    def _originate(self, command: str, job: str) -> None:
        """Replay click-to-dial: the agent leg rings and answers, BACKGROUND_JOB, then the customer leg."""
        replace = {}
        agent = re.search(r"user/([^\s@&]+)", command)
        if agent:
            replace["1001"] = agent.group(1)
        target = re.search(r"&bridge\((?:[^)]*/)?([^/)@]+)(?:@[^)]*)?\)", command) or re.search(
            r"^originate \S+ (\S+)", command
        )
        if target:
            replace["1002"] = target.group(1)
        captured_job = next(v for e in scenario_events("click-to-dial") for k, v in e if k == "Job-UUID")
        self.play("click-to-dial", replace=replace, uuids={captured_job: job})

    # -- events ---------------------------------------------------------------------------------------
    def play(
        self,
        scenario: str,
        replace: dict | None = None,
        fresh_uuids: bool = True,
        until: str | None = None,
        after: str | None = None,
        uuids: dict | None = None,
    ) -> list[dict]:
        """Send a capture's events to every subscribed client, in its encoding and subscription.

        replace maps values to substitute wherever they stand alone in a header value (e.g.
        {"1000": "13812345678", "1001": "8001"}); fresh_uuids gives the call new uuids (pass `uuids`
        to pin some, e.g. the mapping of an earlier partial play); until / after cut the capture
        after / before the first event with that name. Returns the events sent, as dicts."""
        events = scenario_events(scenario)
        names = [dict(e).get("Event-Name") for e in events]
        if after:
            events = events[names.index(after) + 1 :]
            names = names[names.index(after) + 1 :]
        if until:
            events = events[: names.index(until) + 1]
        mapping = dict(uuids or {})
        substitute = _substituter(replace or {}, mapping, fresh_uuids)
        sent = [[(k, substitute(v)) for k, v in pairs] for pairs in events]
        self._send_events(sent)
        return [dict(pairs) for pairs in sent]

    def _send_events(self, events: list[list[tuple[str, str]]]) -> None:
        with self._lock:
            for pairs in events:
                self._track(dict(pairs))
        for client in self._subscribed():
            chunks = []
            for pairs in events:
                headers = dict(pairs)
                if client.subscription.wants(headers.get("Event-Name", ""), headers.get("Event-Subclass", "")):
                    chunks.append(json_frame(pairs) if client.subscription.encoding == "json" else plain_frame(pairs))
            if chunks:
                client.write(b"".join(chunks))

    def _track(self, event: dict) -> None:
        name, leg = event.get("Event-Name"), event.get("Unique-ID", "")
        if name == "CHANNEL_DESTROY":
            self.channels.pop(leg, None)
            self.bridges.pop(leg, None)
        elif leg and name and name.startswith("CHANNEL_"):
            self.channels[leg] = event
        if name == "CHANNEL_BRIDGE":
            self.bridges[event.get("Bridge-A-Unique-ID", "")] = event.get("Bridge-B-Unique-ID", "")
        elif name == "CHANNEL_UNBRIDGE":
            self.bridges.pop(event.get("Bridge-A-Unique-ID", ""), None)
        elif name == "CUSTOM" and event.get("Event-Subclass") == "sofia::register":
            self.registrations[event.get("username", "")] = _registration_row(event)
        elif name == "CUSTOM" and event.get("Event-Subclass") == "sofia::unregister":
            self.registrations.pop(event.get("username", ""), None)


def _substituter(replace: dict, mapping: dict, fresh_uuids: bool):
    words = (
        re.compile("|".join(rf"(?<![0-9A-Za-z]){re.escape(k)}(?![0-9A-Za-z])" for k in replace)) if replace else None
    )

    def new_uuid(match):
        old = match.group(0)
        if old not in mapping:
            mapping[old] = str(uuid.uuid4()) if fresh_uuids else old
        return mapping[old]

    def substitute(value):
        if isinstance(value, list):
            return [substitute(item) for item in value]
        if mapping or fresh_uuids:
            value = UUID_RE.sub(new_uuid, value)
        if words is not None:
            value = words.sub(lambda m: replace[m.group(0)], value)
        return value

    return substitute


def _table(rows: list[dict]) -> str:
    return json.dumps({"row_count": len(rows), "rows": rows}, separators=(",", ":")) if rows else '{"row_count": 0}'


def _channel_row(h: dict) -> dict:
    return {
        "uuid": h.get("Unique-ID", ""),
        "direction": h.get("Call-Direction", ""),
        "created": h.get("Caller-Channel-Created-Time", ""),
        "created_epoch": str(int(h.get("Caller-Channel-Created-Time") or 0) // 1_000_000),
        "name": h.get("Channel-Name", ""),
        "state": h.get("Channel-State", ""),
        "cid_name": h.get("Caller-Caller-ID-Name", ""),
        "cid_num": h.get("Caller-Caller-ID-Number", ""),
        "dest": h.get("Caller-Destination-Number", ""),
        "callstate": h.get("Channel-Call-State", ""),
        "callee_name": h.get("Caller-Callee-ID-Name", ""),
        "callee_num": h.get("Caller-Callee-ID-Number", ""),
        "call_uuid": h.get("Channel-Call-UUID", ""),
        "presence_id": h.get("Channel-Presence-ID", ""),
        "hostname": h.get("FreeSWITCH-Hostname", ""),
    }


def _call_row(a: dict, b: dict) -> dict:
    row = _channel_row(a)
    row.update({f"b_{k}": v for k, v in _channel_row(b).items() if k != "call_uuid"})
    return row


def _registration_row(event: dict) -> dict:
    return {
        "reg_user": event.get("username", ""),
        "realm": event.get("realm", ""),
        "token": event.get("call-id", ""),
        "url": f"sofia/{event.get('profile-name', 'internal')}/{_contact_uri(event.get('contact', ''))}",
        "expires": event.get("expires", ""),
        "network_ip": event.get("network-ip", ""),
        "network_port": event.get("network-port", ""),
        "network_proto": "udp",
        "hostname": event.get("FreeSWITCH-Hostname", ""),
        "metadata": "",
    }


def _contact_uri(contact: str) -> str:
    """'"1001" <sip:1001@127.0.0.1:5090;transport=udp>' → 'sip:1001@127.0.0.1:5090;transport=udp'."""
    match = re.search(r"<([^>]*)>", contact)
    return match.group(1) if match else contact

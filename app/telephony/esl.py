"""One inbound event-socket connection to one FreeSWITCH node: greenswitch's `InboundESL`, hardened.

greenswitch connects, authenticates and matches replies to commands in order; we keep that. What we
replace is its frame handling, because one bad frame kills it: a non-UTF-8 body raises inside the read
greenlet (the connection then looks alive while every later command hangs), a short read loops for ever,
and JSON events are not parsed at all. Here every frame is validated and a bad one is skipped with a
log line naming the problem; every command has a timeout; a closed socket fails the commands waiting
on it. Bytes before a frame start (garbage, or the rest of a frame whose Content-Length lied) are
skipped up to the next "Content-Type: " / "Content-Length: " line, which is how every FreeSWITCH frame
begins, so the stream re-synchronises in place instead of dropping the connection and losing the
events in flight. Events go to `on_event(event)` from the read loop, which must only queue them.
"""

import logging
import uuid
from urllib.parse import unquote

import gevent
import gevent.lock
import orjson
from gevent.event import AsyncResult, Event
from greenswitch.esl import InboundESL, NotConnectedError

from app.telephony.errors import SwitchError, SwitchTimeout, SwitchUnavailable

log = logging.getLogger(__name__)

# What the product listens to (the CUSTOM subclasses follow the word CUSTOM, as FreeSWITCH wants).
# Only what the live model reads (and BACKGROUND_JOB for bgapi, HEARTBEAT for node health): each event
# is several kilobytes of JSON, and CHANNEL_EXECUTE alone would add one per dialplan step of every call.
EVENT_NAMES = (
    "CHANNEL_CREATE CHANNEL_PROGRESS CHANNEL_PROGRESS_MEDIA CHANNEL_ANSWER CHANNEL_BRIDGE CHANNEL_UNBRIDGE "
    "CHANNEL_HOLD CHANNEL_UNHOLD CHANNEL_HANGUP CHANNEL_HANGUP_COMPLETE CHANNEL_DESTROY CHANNEL_CALLSTATE "
    "CHANNEL_PARK BACKGROUND_JOB HEARTBEAT "
    "CUSTOM sofia::register sofia::unregister valet_parking::info conference::maintenance"
)
FRAME_STARTS = (b"Content-Type: ", b"Content-Length: ")
MAX_HEADER_LINE = 64 * 1024
# Events are several kilobytes each: a read buffer of many events makes one system call per burst
# instead of one or two per event.
READ_BUFFER = 256 * 1024
MAX_BODY = 32 * 1024 * 1024


class Reply:
    """A command/reply or api/response, shaped like greenswitch's ESLEvent (`headers`, `data`)."""

    __slots__ = ("headers", "data")

    def __init__(self, headers: dict, data: str):
        self.headers = headers
        self.data = data


class FrameProblem(Exception):
    """One frame could not be used; the message says why (it goes to the log)."""


class EventSocket(InboundESL):
    """A hardened greenswitch connection. `open()` connects, authenticates and subscribes."""

    def __init__(self, host, port, password, on_event=None, timeout=5.0, name=""):
        super().__init__(host, port, password, timeout=timeout)
        self.name = name or f"{host}:{port}"
        self.on_event = on_event or (lambda event: None)
        self.closed = Event()
        self.close_reason = ""
        self._send_lock = gevent.lock.Semaphore()
        self._jobs: dict[str, AsyncResult] = {}

    # -- life cycle ---------------------------------------------------------------------------------
    def open(self, events: str = EVENT_NAMES, encoding: str = "json") -> None:
        """Connect, authenticate and subscribe, all within the timeout; raise SwitchProblem otherwise."""
        try:
            with gevent.Timeout(self.timeout, SwitchTimeout(f"{self.name}: no auth/request")):
                self.connect()
        except (OSError, NotConnectedError) as exc:
            self.close(f"connect failed: {exc}")
            raise SwitchUnavailable(f"{self.name}: {exc}") from exc
        except ValueError as exc:  # greenswitch's authenticate() on "-ERR invalid"
            self.close("authentication refused")
            raise SwitchError("-ERR invalid", "auth") from exc
        except Exception:
            self.close("connect failed")
            raise
        reply = self.send(f"event {encoding} {events}")
        if not reply.data.startswith("+OK"):
            self.close(f"subscription refused: {reply.data}")
            raise SwitchError(reply.data, "event")

    def start_event_handlers(self):
        """Only our read loop: events are handed to `on_event`, not to greenswitch's dispatcher.
        (greenswitch made `sock_file` just before with the default 8 KB buffer; nothing is read yet.)"""
        self.sock_file = self.sock.makefile("rb", buffering=READ_BUFFER)
        self._receive_events_greenlet = gevent.spawn(self.receive_events)

    def close(self, reason: str = "closed") -> None:
        if not self.close_reason:
            self.close_reason = reason
        self._run = False
        self.connected = False
        sock = getattr(self, "sock", None)
        if sock is not None:
            try:
                sock.close()
            except OSError:
                pass
        reader = self._receive_events_greenlet
        if reader is not None and not reader.dead and reader is not gevent.getcurrent():
            reader.kill(block=False)
        self._fail_waiters()
        self.closed.set()

    def _fail_waiters(self) -> None:
        problem = SwitchUnavailable(f"{self.name}: connection lost ({self.close_reason})")
        pending, self._commands_sent = self._commands_sent, []
        for waiter in pending:
            if not waiter.ready():
                waiter.set_exception(problem)
        jobs, self._jobs = self._jobs, {}
        for waiter in jobs.values():
            if not waiter.ready():
                waiter.set_exception(problem)

    # -- commands -----------------------------------------------------------------------------------
    def send(self, data: str, timeout: float | None = None) -> Reply:
        """Send one command and wait for its reply. A reply that comes after the timeout is matched
        to this (abandoned) command and dropped, so later commands still get their own replies."""
        if not self.connected:
            raise SwitchUnavailable(f"{self.name}: not connected")
        waiter = AsyncResult()
        with self._send_lock:  # the reply order is the send order: append and send as one step
            self._commands_sent.append(waiter)
            try:
                self.sock.sendall((data + "\n\n").encode("utf-8"))
            except OSError as exc:
                self.close(f"send failed: {exc}")
                raise SwitchUnavailable(f"{self.name}: {exc}") from exc
        try:
            return waiter.get(timeout=timeout or self.timeout)
        except gevent.Timeout:
            raise SwitchTimeout(f"{self.name}: no reply to {data.split(' ', 2)[:2]} in {timeout}s") from None

    def api(self, command: str, timeout: float | None = None) -> str:
        body = self.send(f"api {command}", timeout).data
        if body.startswith(("-ERR", "-USAGE")):
            raise SwitchError(body, command)
        return body

    def bgapi(self, command: str, timeout: float | None = None) -> str:
        """Run in the background and wait for its BACKGROUND_JOB. We choose the Job-UUID ourselves
        (FreeSWITCH honours a Job-UUID header), so the job can never finish before we wait for it."""
        job_uuid = str(uuid.uuid4())
        waiter = self._jobs[job_uuid] = AsyncResult()
        try:
            reply = self.send(f"bgapi {command}\nJob-UUID: {job_uuid}", timeout)
            if not reply.data.startswith("+OK"):
                raise SwitchError(reply.data, command)
            body = waiter.get(timeout=timeout or self.timeout)
        except gevent.Timeout:
            raise SwitchTimeout(
                f"{self.name}: background job {command.split(' ', 1)[0]} took over {timeout}s"
            ) from None
        finally:
            self._jobs.pop(job_uuid, None)
        if body.startswith(("-ERR", "-USAGE")):
            raise SwitchError(body, command)
        return body

    # -- reading frames -----------------------------------------------------------------------------
    def receive_events(self):
        """The read loop: never raises; ends when the socket does."""
        reason = "connection closed by the switch"
        try:
            while self._run:
                try:
                    frame = self._read_frame()
                    if frame is None:
                        break
                    self.handle_frame(*frame)
                except FrameProblem as problem:
                    log.warning("ESL %s: skipped a malformed frame: %s", self.name, problem)
        except (OSError, ValueError) as exc:
            reason = f"read failed: {exc}"
        except gevent.GreenletExit:
            reason = self.close_reason or "closed"
        except Exception as exc:  # never let the loop die silently with the socket half alive
            log.exception("ESL %s: read loop failed", self.name)
            reason = f"read loop failed: {exc}"
        self.close(reason)

    def _read_frame(self):
        """(headers, body) of the next frame, or None at end of stream."""
        readline = self.sock_file.readline
        skipped = 0
        while True:
            line = readline(MAX_HEADER_LINE)
            if not line:
                return None
            if line.startswith(FRAME_STARTS):
                break
            if line == b"\n":
                continue
            cut = min((i for i in (line.find(s) for s in FRAME_STARTS) if i >= 0), default=-1)
            if cut >= 0:
                skipped += cut
                line = line[cut:]
                break
            skipped += len(line)
        if skipped:
            log.warning("ESL %s: skipped %d bytes of garbage before a frame", self.name, skipped)
        headers, problems = {}, []
        while line not in (b"\n", b""):
            if not line.endswith(b"\n"):
                raise FrameProblem("header line too long or stream ended inside the headers")
            try:
                name, sep, value = line[:-1].decode("utf-8").partition(": ")
            except UnicodeDecodeError:
                problems.append("header line is not UTF-8")
                name, sep, value = "", "", ""
            if not sep:
                problems.append(f"header line without a colon {line[:40]!r}")
            elif name in headers:
                problems.append(f"duplicate header {name}")
            else:
                headers[name] = value
            line = readline(MAX_HEADER_LINE)
        length_text = headers.get("Content-Length")
        if length_text is not None and not (length_text.isdigit() and int(length_text) <= MAX_BODY):
            raise FrameProblem(f"bad Content-Length {length_text!r}")
        body = b""
        if length_text:
            body = self.sock_file.read(int(length_text))
            if len(body) < int(length_text):
                self._run = False
                raise FrameProblem(f"truncated: {len(body)} of {length_text} bytes before the socket closed")
        if problems:
            raise FrameProblem(", ".join(problems))
        return headers, body

    def handle_frame(self, headers: dict, body: bytes) -> None:
        content_type = headers.get("Content-Type")
        if content_type == "text/event-json":
            self._deliver(self._json_event(body))
        elif content_type == "text/event-plain":
            self._deliver(plain_event(body))
        elif content_type == "command/reply":
            self._reply(Reply(headers, headers.get("Reply-Text", "")))
        elif content_type == "api/response":
            self._reply(Reply(headers, _text(body)))
        elif content_type == "auth/request":
            self._auth_request_event.set()
        elif content_type == "text/disconnect-notice":
            log.info("ESL %s: disconnect notice: %s", self.name, _text(body).strip())
        elif content_type == "text/rude-rejection":
            log.error("ESL %s: refused by the switch's ACL: %s", self.name, _text(body).strip())
            self.connected = False
            self._auth_request_event.set()
        elif content_type != "log/data":
            raise FrameProblem(f"unknown Content-Type {content_type!r}")

    def _reply(self, reply: Reply) -> None:
        if not self._commands_sent:
            raise FrameProblem(f"reply with no command waiting: {reply.data[:60]!r}")
        self._commands_sent.pop(0).set(reply)

    @staticmethod
    def _json_event(body: bytes) -> dict:
        """Real events repeat some keys (e.g. Hangup-Cause); as in any JSON reader, the last wins.

        orjson: events are several kilobytes each and arrive by the thousand; it reads them about
        three times faster than the standard library, and checks the UTF-8 as it goes."""
        try:
            event = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            if "utf-8" in str(exc).lower():
                raise FrameProblem(f"JSON event is not UTF-8 ({exc})") from None
            raise FrameProblem(f"invalid JSON event, or a wrong Content-Length ({exc})") from None
        return event

    def _deliver(self, event) -> None:
        if not isinstance(event, dict) or not isinstance(event.get("Event-Name"), str):
            raise FrameProblem("event without Event-Name")
        if event["Event-Name"] == "BACKGROUND_JOB":
            waiter = self._jobs.get(event.get("Job-UUID", ""))
            if waiter is not None:
                waiter.set(event.get("_body", ""))
        self.on_event(event)


def _text(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FrameProblem(f"body is not UTF-8 ({exc.reason} at byte {exc.start})") from None


def plain_event(body: bytes) -> dict:
    """A text/event-plain body: URL-encoded "Name: value" lines, then (BACKGROUND_JOB) a blank line
    and Content-Length bytes of body, which becomes "_body" as in the JSON encoding."""
    text = _text(body)
    head, _sep, rest = text.partition("\n\n")
    event = {}
    for line in head.split("\n"):
        if not line:
            continue
        name, sep, value = line.partition(": ")
        if not sep:
            raise FrameProblem(f"event header line without a colon {line[:40]!r}")
        event[name] = unquote(value)  # FreeSWITCH repeats some headers (Hangup-Cause…): the last wins
    if "Content-Length" in event:
        length = event["Content-Length"]
        if not length.isdigit():
            raise FrameProblem(f"bad inner Content-Length {length!r}")
        event["_body"] = rest[: int(length)]
    return event


def parse_url(url: str, default_password: str = "ClueCon") -> tuple[str, int, str]:  # noqa: S107 (FS default)
    """esl://password@host:port → (host, port, password)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url if "://" in url else f"esl://{url}")
    if not parts.hostname:
        raise ValueError(f"no host in FreeSWITCH node URL {url!r}")
    password = unquote(parts.password or parts.username or "") or default_password
    return parts.hostname, parts.port or 8021, password

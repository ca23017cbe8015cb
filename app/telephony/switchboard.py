"""The switchboard: one event-socket connection per FreeSWITCH node, kept up, and the one door through
which the app sends commands and receives events.

Each node has a supervisor greenlet that connects, re-connects after a drop (at once, then with a
back-off of 0.5 s doubling up to ESL_RECONNECT_MAX_SECONDS) and runs the `on_connect` handlers so
the live state is re-synced. Events are queued per subscriber and handled by that subscriber's own
worker greenlet inside an app context: the socket read loop never waits for a handler, a slow
subscriber delays only itself, and each subscriber sees every node's events in the switch's order.

All greenlets live in the gevent hub of the thread that called `start()` (the main thread of the
patched web process). A command from another OS thread is handed over to that hub and waited for.
"""

import logging
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import UTC, datetime
from time import time

import click
import gevent
from flask import current_app
from flask.cli import with_appcontext
from gevent._hub_local import get_hub_if_exists
from gevent.event import Event
from gevent.queue import JoinableQueue

from app.telephony.errors import SwitchTimeout, SwitchUnavailable
from app.telephony.esl import EVENT_NAMES, EventSocket, parse_url
from app.timeutil import utcnow

log = logging.getLogger(__name__)
FIRST_BACKOFF_SECONDS = 0.5


class NodeLink:
    """One configured node: its current connection and what the health page shows."""

    def __init__(self, url: str):
        self.host, self.port, self.password = parse_url(url)
        self.name = f"{self.host}:{self.port}"
        self.esl: EventSocket | None = None
        self.connected_since = None
        self.last_event_time = 0.0  # time.time() of the last event: a clock read is all an event pays
        self.reconnects = 0
        self.last_error = ""
        self.events = 0
        self.ready = Event()
        self.supervisor = None

    @property
    def connected(self) -> bool:
        return self.esl is not None and self.esl.connected


class Subscriber:
    def __init__(self, handler, settle=None):
        self.handler = handler
        self.settle = settle
        self.queue = JoinableQueue()
        self.worker = None


class Switchboard:
    def __init__(self, app, node_urls, events: str = EVENT_NAMES, encoding: str = "json"):
        self.app = app
        self.links = {link.name: link for link in (NodeLink(url) for url in node_urls if url.strip())}
        self.events = events
        self.encoding = encoding
        self.command_timeout = float(app.config.get("ESL_COMMAND_TIMEOUT") or 5.0)
        self.job_timeout = float(app.config.get("ESL_BGAPI_TIMEOUT") or 90.0)
        self.max_backoff = float(app.config.get("ESL_RECONNECT_MAX_SECONDS") or 30.0)
        self.subscribers: list[Subscriber] = []
        self.connect_handlers = []
        self.running = False
        self.stopped = False
        self._hub = None

    # -- life cycle ---------------------------------------------------------------------------------
    def start(self) -> "Switchboard":
        self._hub = gevent.get_hub()
        self.running = True
        for subscriber in self.subscribers:
            self._start_worker(subscriber)
        for link in self.links.values():
            link.supervisor = gevent.spawn(self._supervise, link)
        return self

    def stop(self) -> None:
        self.running = False
        self.stopped = True  # for good: what was started alongside it (the live model's sweeps) ends too
        for link in self.links.values():
            if link.supervisor is not None:
                link.supervisor.kill(block=False)
            if link.esl is not None:
                link.esl.close("switchboard stopped")
        for subscriber in self.subscribers:
            if subscriber.worker is not None:
                subscriber.worker.kill(block=False)
        gevent.sleep(0)

    def wait_connected(self, timeout: float = 5.0, node: str | None = None) -> bool:
        links = [self._link(node)] if node else list(self.links.values())
        return all(link.ready.wait(timeout) for link in links)

    def _supervise(self, link: NodeLink) -> None:
        delay, first = FIRST_BACKOFF_SECONDS, True
        while self.running:
            esl = EventSocket(
                link.host, link.port, link.password, self._queue_for(link), self.command_timeout, link.name
            )
            try:
                esl.open(self.events, self.encoding)
            except Exception as exc:
                link.last_error = str(exc) or type(exc).__name__
                log.warning("switchboard: %s unreachable (%s), next try in %.1fs", link.name, link.last_error, delay)
                gevent.sleep(delay)
                delay = min(delay * 2, self.max_backoff)
                continue
            if not first:
                link.reconnects += 1
            first, delay = False, FIRST_BACKOFF_SECONDS
            link.esl, link.connected_since, link.last_error = esl, utcnow(), ""
            log.info("switchboard: connected to %s", link.name)
            resyncs = [gevent.spawn(self._run_connect_handler, h, link.name) for h in list(self.connect_handlers)]
            gevent.joinall(resyncs, timeout=self.command_timeout * 4)  # `ready` means re-synced too
            link.ready.set()
            esl.closed.wait()
            link.ready.clear()
            link.last_error = esl.close_reason
            log.warning("switchboard: lost %s (%s), reconnecting", link.name, esl.close_reason)

    def _run_connect_handler(self, handler, node: str) -> None:
        with self.app.app_context():
            try:
                handler(node)
            except Exception:
                log.exception("switchboard: on_connect handler %s failed for %s", _name(handler), node)

    # -- events -------------------------------------------------------------------------------------
    def subscribe(self, handler, settle=None) -> None:
        """handler(node, event) runs in its own worker greenlet, in an app context, in event order.
        `settle(timeout)`, when given, waits until the work the handler handed on is done too (the
        live model's database writes and emits), for `flush`."""
        subscriber = Subscriber(handler, settle)
        self.subscribers.append(subscriber)
        if self.running:
            self._start_worker(subscriber)

    def on_connect(self, handler) -> None:
        """handler(node) after every (re)connect of a node, e.g. to re-sync live state."""
        self.connect_handlers.append(handler)

    def _queue_for(self, link: NodeLink):
        def on_event(event: dict) -> None:
            link.events += 1
            link.last_event_time = time()
            item = (link.name, event)
            for subscriber in self.subscribers:
                subscriber.queue.put(item)

        return on_event

    def _start_worker(self, subscriber: Subscriber) -> None:
        subscriber.worker = gevent.spawn(self._work, subscriber)

    def _work(self, subscriber: Subscriber) -> None:
        from app.extensions import db

        with self.app.app_context():
            while True:
                node, event = subscriber.queue.get()
                try:
                    subscriber.handler(node, event)
                except Exception:
                    log.exception("switchboard: handler %s failed on %s", _name(subscriber.handler), _describe(event))
                    db.session.rollback()
                finally:
                    subscriber.queue.task_done()

    def flush(self, timeout: float = 5.0) -> None:
        """Wait until every event each node sent before now has been handled by every subscriber
        (a round trip on each connection, then the subscriber queues drain, then what they handed
        on settles). For tests and tools."""
        for link in self.links.values():
            if link.connected:
                self.api("uptime", node=link.name, timeout=timeout)
        for subscriber in self.subscribers:
            if not subscriber.queue.join(timeout):
                raise SwitchTimeout(f"subscriber {_name(subscriber.handler)} still busy after {timeout}s")
        for subscriber in self.subscribers:
            if subscriber.settle is not None and not subscriber.settle(timeout):
                raise SwitchTimeout(f"subscriber {_name(subscriber.handler)} still writing after {timeout}s")

    # -- commands -----------------------------------------------------------------------------------
    def api(self, command: str, node: str | None = None, timeout: float | None = None) -> str:
        """The reply body of `api <command>`; SwitchError on "-ERR …"."""
        return self._call(lambda esl: esl.api(command, timeout or self.command_timeout), node, timeout)

    def bgapi(self, command: str, node: str | None = None, timeout: float | None = None) -> str:
        """The BACKGROUND_JOB body of `bgapi <command>` (e.g. "+OK <uuid>\\n"); SwitchError on "-ERR …"."""
        return self._call(lambda esl: esl.bgapi(command, timeout or self.job_timeout), node, timeout)

    def _link(self, node: str | None) -> NodeLink:
        if node:
            link = self.links.get(node)
            if link is None:
                raise SwitchUnavailable(f"unknown node {node}")
            return link
        for link in self.links.values():
            if link.connected:
                return link
        raise SwitchUnavailable("no FreeSWITCH node is connected")

    def _call(self, action, node, timeout):
        if get_hub_if_exists() is self._hub or self._hub is None:
            link = self._link(node)
            if not link.connected:
                raise SwitchUnavailable(f"{link.name} is not connected")
            return action(link.esl)
        # Another OS thread: run it in the switchboard's hub and wait here.
        future = Future()

        def run():
            try:
                future.set_result(self._call(action, node, timeout))
            except BaseException as exc:
                future.set_exception(exc)

        self._hub.loop.run_callback_threadsafe(gevent.spawn, run)
        wait = (timeout or max(self.command_timeout, self.job_timeout)) + 1
        try:
            return future.result(wait)
        except FutureTimeout:
            raise SwitchTimeout(f"switchboard did not answer in {wait}s") from None

    # -- health -------------------------------------------------------------------------------------
    def health(self) -> list[dict]:
        return [
            {
                "node": link.name,
                "connected": link.connected,
                "connected_since": link.connected_since if link.connected else None,
                "last_event_at": _utc(link.last_event_time) if link.last_event_time else None,
                "reconnects": link.reconnects,
                "last_error": link.last_error,
                "events": link.events,
                "backlog": max((s.queue.qsize() for s in self.subscribers), default=0),
            }
            for link in self.links.values()
        ]


def _utc(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC).replace(tzinfo=None)


def _name(handler) -> str:
    return getattr(handler, "__qualname__", None) or repr(handler)


def _describe(event: dict) -> str:
    return f"{event.get('Event-Name')} {event.get('Unique-ID', '')}".strip()


def node_urls(app) -> list[str]:
    value = app.config.get("FREESWITCH_NODES") or ""
    if isinstance(value, list | tuple):
        return [str(url) for url in value]
    return [url.strip() for url in str(value).split(",") if url.strip()]


def get_switchboard(app=None) -> Switchboard | None:
    app = app or current_app
    return app.extensions.get("zuoxi_switchboard")


def start_switchboard(app) -> Switchboard:
    """Create, wire (live model) and start this process's switchboard; idempotent."""
    board = app.extensions.get("zuoxi_switchboard")
    if board is not None:
        return board
    board = app.extensions["zuoxi_switchboard"] = Switchboard(app, node_urls(app))
    try:
        from app.telephony.live import install_live_model
    except ImportError:  # the live model is optional for the switchboard itself
        install_live_model = None
    if install_live_model is not None:
        with app.app_context():
            install_live_model(app, board)
    board.start()
    if not board.links:
        log.info("switchboard: no FreeSWITCH node configured (FREESWITCH_NODES); telephony is offline")
    return board


def start_in_process(app) -> Switchboard | None:
    """wsgi.py: run the switchboard inside the web process unless it runs on its own."""
    if app.config.get("SWITCHBOARD_IN_PROCESS"):
        return start_switchboard(app)
    return None


@click.command("switchboard")
@with_appcontext
def switchboard_command():
    """Run the switchboard on its own (set SWITCHBOARD_IN_PROCESS=false for the web workers).

    Start it as `flask --app wsgi switchboard` so gevent patches the process first. Browser events
    leave through the Socket.IO message queue (SOCKETIO_MESSAGE_QUEUE), which the web workers relay."""
    app = current_app._get_current_object()
    if not app.config.get("SOCKETIO_MESSAGE_QUEUE"):
        click.echo("warning: SOCKETIO_MESSAGE_QUEUE is empty, so no browser will see this process's events")
    from gevent import monkey

    if not monkey.is_module_patched("socket"):
        click.echo("warning: gevent has not patched this process; use `flask --app wsgi switchboard`")
    board = start_switchboard(app)
    click.echo(f"switchboard running for {', '.join(board.links) or 'no node'} (Ctrl-C stops)")
    try:
        while True:
            gevent.sleep(3600)
    except KeyboardInterrupt:
        board.stop()

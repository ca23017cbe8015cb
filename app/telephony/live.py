"""The live call model: every channel on every node, fed by switchboard events, in memory.

Channels are keyed on Unique-ID and paired by Bridge-A/B-Unique-ID (Channel-Call-UUID and
Other-Leg-Unique-ID change meaning during a call, see the captures' README). A leg is an agent's
when its SIP user is a User.extension, read from the agent directory's in-memory snapshot
(directory.py). ``handle_event`` is on the hot path and never touches the database: it only notes
when an agent starts or stops ringing or talking, and when a pop is due, and hands that work to
background workers: pops first and concurrently (one customer query, then the emit), state
changes in order and in batches behind them.
``resync`` rebuilds a node's channels from ``show channels/calls/registrations as json``.
"""

import json
import logging
import queue
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import has_app_context

from app.extensions import db, socketio
from app.telephony.directory import get_directory
from app.timeutil import utcnow

log = logging.getLogger(__name__)
CALL_STATES = {
    "RINGING": "ringing",
    "EARLY": "early",
    "ACTIVE": "active",
    "UNHELD": "active",
    "RING_WAIT": "active",
    "HELD": "held",
    "HANGUP": "hangup",
}


@dataclass(slots=True)
class Channel:
    uuid: str
    node: str
    direction: str  # as FreeSWITCH says: "inbound" (the phone called us) or "outbound" (we rang it)
    caller_number: str
    caller_name: str
    destination: str
    extension: str = ""  # the agent's extension when this leg is an agent phone
    far_number: str = ""  # the other party as seen from this leg
    state: str = "ringing"
    created_at: datetime | None = None
    answered_at: datetime | None = None
    other_uuid: str = ""
    call_uuid: str = ""
    user_id: int | None = None
    origin_uuid: str = ""  # the leg that originated this one (Other-Leg-Unique-ID at creation)
    parked_slot: str = ""
    hangup_cause: str = ""
    popped: bool = False

    @property
    def agent_placed(self) -> bool:
        """The agent started this call: dialled from the phone, or a click-to-dial rang it first."""
        return self.direction == "inbound" or not self.origin_uuid


def _epoch_datetime(microseconds: str | None) -> datetime:
    try:
        value = int(microseconds or 0)
    except ValueError:
        value = 0
    seconds = value / 1e6 if value else time.time()
    return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)


def _sip_user(channel_name: str) -> str:
    """sofia/internal/1001@127.0.0.1:5090 → 1001; gateways and other endpoints give ""."""
    parts = channel_name.split("/", 2)
    if len(parts) < 3 or parts[0] != "sofia" or parts[1] == "gateway":
        return ""
    return parts[2].split("@", 1)[0]


class LiveModel:
    def __init__(self, app, inline: bool = False):
        self.app = app
        # inline: side effects run at once in the caller's app context (tests that feed events by hand).
        self.inline = inline
        self.channels: dict[str, Channel] = {}
        self.registrations: dict[str, dict] = {}
        self.activity: dict[int, str] = {}
        self.directory = get_directory(app)
        self._queue: queue.Queue = queue.Queue()
        self._pops: queue.Queue = queue.Queue()
        self._workers_started = False
        self._handlers = {
            "CHANNEL_CREATE": self._on_create,
            "CHANNEL_PROGRESS": self._on_progress,
            "CHANNEL_PROGRESS_MEDIA": self._on_progress,
            "CHANNEL_ANSWER": self._on_answer,
            "CHANNEL_CALLSTATE": self._on_callstate,
            "CHANNEL_BRIDGE": self._on_bridge,
            "CHANNEL_UNBRIDGE": self._on_unbridge,
            "CHANNEL_HOLD": self._on_hold,
            "CHANNEL_UNHOLD": self._on_unhold,
            "CHANNEL_PARK": self._on_park,
            "CHANNEL_HANGUP": self._on_hangup,
            "CHANNEL_HANGUP_COMPLETE": self._on_hangup,
            "CHANNEL_DESTROY": self._on_destroy,
            "CUSTOM": self._on_custom,
        }

    # -- reading ---------------------------------------------------------------------------------

    def channel(self, uuid: str) -> Channel | None:
        return self.channels.get(uuid)

    def channels_of_extension(self, extension: str) -> list[Channel]:
        return [c for c in self.channels.values() if c.extension == extension and c.state != "hangup"]

    def current_channel_of(self, extension: str) -> Channel | None:
        """The agent's own leg of its call: talking or held first, then ringing; the newest wins."""
        legs = self.channels_of_extension(extension)
        if not legs:
            return None
        rank = {"active": 2, "held": 2, "early": 1, "ringing": 1}
        return max(legs, key=lambda c: (rank.get(c.state, 0), c.created_at or datetime.min))

    def peer_of(self, uuid: str) -> Channel | None:
        leg = self.channels.get(uuid)
        if leg is None:
            return None
        if leg.other_uuid and (peer := self.channels.get(leg.other_uuid)) is not None:
            return peer
        for other in self.channels.values():  # a leg still ringing: known only by who originated it
            if other.origin_uuid == uuid and other.state != "hangup":
                return other
        if leg.origin_uuid:
            return self.channels.get(leg.origin_uuid)
        return None

    def is_registered(self, extension: str) -> bool:
        return extension in self.registrations

    # -- agents by extension -------------------------------------------------------------------

    @contextmanager
    def _database(self):
        if has_app_context():
            yield
            return
        with self.app.app_context():
            try:
                yield
            finally:
                db.session.remove()

    def refresh_agents(self) -> None:
        with self._database():
            self.directory.refresh()

    def _snapshot(self, unknown_extension: str = ""):
        """The agent directory's snapshot; reading it again (rarely) needs the database."""
        with self._database():
            return self.directory.current(unknown_extension)

    def _prepare_pops(self, snapshot) -> None:
        socketio.start_background_task(self._prepare_card_queries, snapshot)

    def _prepare_card_queries(self, snapshot) -> None:
        """Each agent's pop query built ahead (one at a time, letting events through in between), so
        no agent's first ring pays for it."""
        from app.telephony.screenpop import card_query_of

        with self.app.app_context():
            try:
                for agent in list(snapshot.agents.values()):
                    if self.directory.snapshot is not snapshot:
                        return  # replaced meanwhile: the new one prepares its own
                    card_query_of(agent, snapshot)
                    socketio.sleep(0)
            finally:
                db.session.remove()

    def user_of_extension(self, extension: str) -> int | None:
        if not extension:
            return None
        return self._snapshot(extension).by_extension.get(extension)

    def _agent_of(self, direction: str, name: str, dialed: str, username: str) -> tuple[str, int | None]:
        candidates = (dialed, _sip_user(name)) if direction == "outbound" else (_sip_user(name), username)
        for candidate in candidates:
            usable = candidate and candidate.isdigit() and len(candidate) <= 8
            if usable and (user_id := self.user_of_extension(candidate)) is not None:
                return candidate, user_id
        return "", None

    # -- events ----------------------------------------------------------------------------------

    def handle_event(self, node: str, event: dict) -> None:
        handler = self._handlers.get(event.get("Event-Name", ""))
        if handler is not None:
            handler(node, event)

    def _new_channel(self, node: str, event: dict) -> Channel:
        uuid = event["Unique-ID"]
        direction = event.get("Call-Direction", "")
        name = event.get("Channel-Name", "")
        origin = event.get("Other-Leg-Unique-ID", "") if event.get("Other-Type") == "originator" else ""
        leg = Channel(
            uuid=uuid,
            node=node,
            direction=direction,
            caller_number=event.get("Caller-Caller-ID-Number", ""),
            caller_name=event.get("Caller-Caller-ID-Name", ""),
            destination=event.get("Caller-Destination-Number", ""),
            created_at=_epoch_datetime(event.get("Caller-Channel-Created-Time")),
            origin_uuid=origin,
            call_uuid=uuid,
        )
        leg.extension, leg.user_id = self._agent_of(
            direction, name, event.get("variable_dialed_user", ""), event.get("Caller-Username", "")
        )
        if origin and (parent := self.channels.get(origin)) is not None:
            leg.call_uuid = parent.call_uuid
        if direction == "inbound":
            leg.far_number = leg.destination
        elif origin:
            leg.far_number = leg.caller_number
        else:  # originated by a command: the number it will call, when the command said so
            leg.far_number = event.get("variable_zuoxi_far_number", "")
        self.channels[uuid] = leg
        return leg

    def _leg(self, node: str, event: dict) -> Channel | None:
        uuid = event.get("Unique-ID")
        if not uuid:
            return None
        leg = self.channels.get(uuid)
        if leg is None:
            leg = self._new_channel(node, event)
        return leg

    def _on_create(self, node, event):
        if event.get("Unique-ID") in self.channels:
            return
        leg = self._new_channel(node, event)
        parent = self.channels.get(leg.origin_uuid) if leg.origin_uuid else None
        if parent is not None and parent.user_id is not None and not parent.far_number:
            # A click-to-dial's agent leg learns whom it calls when the leg it originates is created.
            parent.far_number = leg.extension or leg.destination
            self._maybe_pop(parent)
        if leg.user_id is not None:
            if leg.agent_placed:
                self._maybe_pop(leg)
            self._agent_changed(leg)

    def _on_progress(self, node, event):
        leg = self._leg(node, event)
        if leg is not None and leg.state == "ringing" and event["Event-Name"] == "CHANNEL_PROGRESS_MEDIA":
            leg.state = "early"
        self._ringing(leg)

    def _ringing(self, leg):
        if leg is not None and leg.user_id is not None:
            self._maybe_pop(leg)
            self._agent_changed(leg)

    def _on_answer(self, node, event):
        leg = self._leg(node, event)
        if leg is None:
            return
        leg.state = "active"
        leg.answered_at = _epoch_datetime(event.get("Caller-Channel-Answered-Time"))
        self._agent_changed(leg)

    def _on_callstate(self, node, event):
        state = CALL_STATES.get(event.get("Channel-Call-State", ""))
        leg = self._leg(node, event) if state else None
        if leg is None or leg.state == "hangup":
            return
        if state == "early" and leg.state == "active":
            return
        leg.state = state
        if state == "ringing":
            self._ringing(leg)
        else:
            self._agent_changed(leg)

    def _on_bridge(self, node, event):
        a = self.channels.get(event.get("Bridge-A-Unique-ID", ""))
        b = self.channels.get(event.get("Bridge-B-Unique-ID", ""))
        if a is None or b is None:
            return
        a.other_uuid, b.other_uuid = b.uuid, a.uuid
        b.call_uuid = a.call_uuid
        for leg, peer in ((a, b), (b, a)):
            if leg.user_id is not None:
                seen = peer.caller_number if peer.direction == "inbound" else peer.destination
                leg.far_number = peer.extension or seen
                self._agent_changed(leg)

    def _on_unbridge(self, node, event):
        a = self.channels.get(event.get("Bridge-A-Unique-ID", ""))
        b = self.channels.get(event.get("Bridge-B-Unique-ID", ""))
        if a is not None and b is not None and a.other_uuid == b.uuid:
            a.other_uuid = ""
        if b is not None and a is not None and b.other_uuid == a.uuid:
            b.other_uuid = ""

    def _on_hold(self, node, event):
        leg = self.channels.get(event.get("Unique-ID", ""))
        if leg is not None and leg.state != "hangup":
            leg.state = "held"

    def _on_unhold(self, node, event):
        leg = self.channels.get(event.get("Unique-ID", ""))
        if leg is not None and leg.state == "held":
            leg.state = "active"

    def _on_park(self, node, event):
        leg = self._leg(node, event)
        if leg is not None:
            leg.parked_slot = leg.parked_slot or "park"

    def _on_hangup(self, node, event):
        leg = self.channels.get(event.get("Unique-ID", ""))
        if leg is None or leg.state == "hangup":
            return
        leg.state = "hangup"
        leg.hangup_cause = event.get("Hangup-Cause", "")
        self._agent_changed(leg)

    def _on_destroy(self, node, event):
        leg = self.channels.pop(event.get("Unique-ID", ""), None)
        if leg is None:
            return
        if (peer := self.channels.get(leg.other_uuid)) is not None and peer.other_uuid == leg.uuid:
            peer.other_uuid = ""
        if leg.state != "hangup":
            leg.state = "hangup"
            self._agent_changed(leg)

    def _on_custom(self, node, event):
        subclass = event.get("Event-Subclass", "")
        if subclass == "sofia::register":
            self.registrations[event.get("username", "")] = {
                "node": node,
                "contact": event.get("contact", ""),
                "network_ip": event.get("network-ip", ""),
                "expires": event.get("expires", ""),
            }
        elif subclass in ("sofia::unregister", "sofia::expire"):
            self.registrations.pop(event.get("username", ""), None)
        elif subclass == "valet_parking::info":
            leg = self.channels.get(event.get("Unique-ID", ""))
            if leg is not None:
                leg.parked_slot = event.get("Valet-Extension", "") if event.get("Action") == "hold" else ""

    # -- agent activity and pops ----------------------------------------------------------------

    def activity_of(self, user_id: int) -> str:
        """ "talking", "ringing" or "idle", from the agent's live legs."""
        ringing = False
        for leg in self.channels.values():
            if leg.user_id != user_id or leg.state == "hangup":
                continue
            if leg.state in ("active", "held") or leg.direction == "inbound":
                return "talking"
            ringing = True
        return "ringing" if ringing else "idle"

    def _agent_changed(self, leg: Channel) -> None:
        if leg.user_id is None:
            return
        activity = self.activity_of(leg.user_id)
        if self.activity.get(leg.user_id, "idle") == activity:
            return
        self.activity[leg.user_id] = activity
        self._submit(_apply_activity, leg.user_id, activity, leg.call_uuid, utcnow())

    def _maybe_pop(self, leg: Channel) -> None:
        if leg.popped or not leg.far_number or leg.state == "hangup":
            return
        leg.popped = True
        pop = {
            "uuid": leg.uuid,
            "call_uuid": leg.call_uuid,
            "direction": "outbound" if leg.agent_placed else "inbound",
            "number": leg.far_number,
            "extension": leg.extension,
            "internal_user_id": self._snapshot().by_extension.get(leg.far_number),
        }
        self._submit(_send_pop, self.directory, leg.user_id, pop, ordered=False)

    def _submit(self, func, *args, ordered: bool = True) -> None:
        if self.inline:
            _run_effect(func, *args)
            return
        self.start_workers()
        (self._queue if ordered else self._pops).put((func, args))

    def start_workers(self) -> None:
        """install_live_model starts them before the first call (starting them costs time)."""
        if self._workers_started:
            return
        self._workers_started = True
        socketio.start_background_task(self._worker)
        for _ in range(POP_WORKERS):
            socketio.start_background_task(self._pop_worker)

    def _worker(self):
        """State changes in order, as many as are waiting in one transaction: under a burst of calls a
        commit per change would fall behind the switch. Pops go first; a batch is small enough that
        writing it never holds a pop back for long."""
        while True:
            first = self._queue.get()
            self._let_pops_go_first()
            batch = _drain(self._queue, BATCH_SIZE, first)
            with self.app.app_context():
                try:
                    _run_batch(batch)
                finally:
                    db.session.remove()
                    _done(self._queue, len(batch))

    def _let_pops_go_first(self) -> None:
        """A ringing agent wants the pop before the header's 振铃: while pops wait, state writes wait
        (a little: they are never held back longer than STATE_DEFER_SECONDS)."""
        deadline = time.monotonic() + STATE_DEFER_SECONDS
        while not self._pops.empty() and time.monotonic() < deadline:
            socketio.sleep(0.002)

    def _pop_worker(self):
        """Pops build concurrently on a few workers. A pop only reads: it goes out as soon as it is
        built, and its transaction ends after it. Each worker keeps a connection of its own, so no
        pool check-out (and its ping) stands in front of a pop."""
        connection = None
        while True:
            if connection is None:
                connection = self._pop_connection()
            batch = _drain(self._pops, BATCH_SIZE)
            with self.app.app_context():
                try:
                    for func, args in batch:
                        connection = _run_read_only(connection, func, *args)
                finally:
                    db.session.remove()
                    _done(self._pops, len(batch))

    def _pop_connection(self):
        """A pop worker's connection, opened and warmed while no pop waits for it."""
        from app.telephony.screenpop import warm_up

        with self.app.app_context():
            try:
                connection = db.engine.connect()
                warm_up(connection)
                return connection
            except Exception:
                log.exception("live model: no database connection for the pops yet")
                return None

    def settle(self, timeout: float) -> bool:
        """Wait until every pop and state change handed to the workers so far is done (switchboard
        `flush`); False when `timeout` runs out first."""
        deadline = time.monotonic() + timeout
        for source in (self._pops, self._queue):
            with source.all_tasks_done:
                while source.unfinished_tasks:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        return False
                    source.all_tasks_done.wait(remaining)
        return True

    # -- resync ------------------------------------------------------------------------------------

    def resync(self, node: str, switchboard) -> None:
        """Rebuild this node's channels from the switch; whatever it no longer has is dropped."""
        rows = _rows(switchboard.api("show channels as json", node=node))
        calls = _rows(switchboard.api("show calls as json", node=node))
        registrations = _rows(switchboard.api("show registrations as json", node=node))
        self.refresh_agents()
        present = {row.get("uuid") for row in rows}
        for uuid in [u for u, leg in self.channels.items() if leg.node == node and u not in present]:
            del self.channels[uuid]
        for row in rows:
            if row.get("uuid") and row["uuid"] not in self.channels:
                self._channel_from_row(node, row)
        for row in calls:
            a, b = self.channels.get(row.get("uuid", "")), self.channels.get(row.get("b_uuid", ""))
            if a is not None and b is not None:
                a.other_uuid, b.other_uuid, b.call_uuid = b.uuid, a.uuid, a.call_uuid
        for extension in [e for e, r in self.registrations.items() if r.get("node") == node]:
            del self.registrations[extension]
        for row in registrations:
            self.registrations[row.get("reg_user", "")] = {"node": node, "contact": row.get("url", "")}
        users = {leg.user_id for leg in self.channels.values() if leg.user_id is not None}
        self.activity = {user_id: self.activity_of(user_id) for user_id in users}
        self._submit(_settle_after_resync, dict(self.activity))

    def _channel_from_row(self, node: str, row: dict) -> Channel:
        direction = row.get("direction", "")
        leg = Channel(
            uuid=row["uuid"],
            node=node,
            direction=direction,
            caller_number=row.get("cid_num", ""),
            caller_name=row.get("cid_name", ""),
            destination=row.get("dest", ""),
            state=CALL_STATES.get(row.get("callstate", ""), "ringing"),
            created_at=_epoch_datetime(str(int(row.get("created_epoch") or 0) * 1_000_000)),
            call_uuid=row.get("call_uuid") or row["uuid"],
            popped=True,  # never pop again for a call that was already ringing before the reconnect
        )
        leg.extension, leg.user_id = self._agent_of(direction, row.get("name", ""), row.get("dest", ""), "")
        leg.far_number = leg.destination if direction == "inbound" else leg.caller_number
        self.channels[leg.uuid] = leg
        return leg


def _rows(reply: str) -> list[dict]:
    try:
        return json.loads(reply or "{}").get("rows") or []
    except (ValueError, AttributeError):
        log.warning("resync: unreadable reply %r", (reply or "")[:200])
        return []


POP_WORKERS = 4
BATCH_SIZE = 200
STATE_DEFER_SECONDS = 0.5


def _done(source: queue.Queue, count: int) -> None:
    for _ in range(count):
        source.task_done()


def _drain(source: queue.Queue, limit: int, first=None) -> list:
    """`first` or the next item (waiting for it), and whatever else is already queued, up to `limit`."""
    batch = [source.get() if first is None else first]
    while len(batch) < limit:
        try:
            batch.append(source.get_nowait())
        except queue.Empty:
            break
    return batch


def _run_batch(batch) -> None:
    """Several units of work in one transaction, announcements after the one commit. Agents' call
    activities next to each other are written together; when such a group fails, each is tried on
    its own, so one failing change is rolled back alone (each unit has its own savepoint)."""
    announcements = []
    for group in _groups(batch):
        if len(group) == 1:
            _run_batch_units(group, announcements)
            continue
        try:
            with db.session.begin_nested():
                after_commit = _apply_activities(group)
        except Exception:
            _run_batch_units(group, announcements)  # one at a time: only the failing change is lost
            continue
        if after_commit:
            announcements.append(after_commit)
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("live model: a batch of %d state changes could not be stored", len(batch))
        return
    for announce in announcements:
        announce()


def _groups(batch) -> list[list]:
    """The batch in order, consecutive call activities as one group, everything else alone."""
    groups = []
    for unit in batch:
        if unit[0] is _apply_activity and groups and groups[-1][0][0] is _apply_activity:
            groups[-1].append(unit)
        else:
            groups.append([unit])
    return groups


def _run_batch_units(units, announcements: list) -> None:
    for func, args in units:
        try:
            with db.session.begin_nested():
                after_commit = func(*args)
        except Exception:
            log.exception("live model: %s failed", getattr(func, "__name__", func))
            continue
        if after_commit:
            announcements.append(after_commit)


def _run_read_only(connection, func, *args):
    """A unit that only reads, on `connection` (opened when None): its announcement right away, then
    the end of its transaction. Returns the connection to use next (None after a failure: a new one)."""
    try:
        connection = connection if connection is not None and not connection.closed else db.engine.connect()
        announce = func(*args, connection=connection)
        if announce:
            announce()
        connection.rollback()
        return connection
    except Exception:
        log.exception("live model: %s failed", getattr(func, "__name__", func))
        if connection is not None:
            connection.invalidate()
            connection.close()
        return None


def _run_effect(func, *args) -> None:
    """One unit of work: the change, its commit, then its announcements."""
    try:
        after_commit = func(*args)
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("live model: %s failed", getattr(func, "__name__", func))
        return
    if after_commit:
        after_commit()


def _apply_activity(user_id: int, activity: str, call_uuid: str, at: datetime):
    return _apply_activities([(_apply_activity, (user_id, activity, call_uuid, at))])


def _apply_activities(units):
    from app.telephony import agent_state

    changes = agent_state.apply_call_activities([args for _func, args in units])

    def announce():  # one agent at a time, letting a pop that is ready go out in between
        for change in changes:
            agent_state.announce([change])
            socketio.sleep(0)

    return announce


def _settle_after_resync(activity: dict):
    from app.telephony import agent_state

    changes = agent_state.settle_idle_agents({u for u, a in activity.items() if a != "idle"})
    for user_id, current in activity.items():
        if current != "idle":
            changes.extend(agent_state.apply_call_activity(user_id, current))
    changes.extend(agent_state.end_due_wrapups())
    return lambda: agent_state.announce(changes)


def _send_pop(directory, user_id: int, pop: dict, connection=None):
    """Only what the pop needs: the agent from the directory, one customer query, the emit."""
    from app.telephony import screenpop

    snapshot = directory.current()
    agent = snapshot.agents.get(user_id)
    if agent is None:  # disabled, or no longer has this extension
        return None
    payload = screenpop.build_pop(agent, pop, snapshot, connection)
    return lambda: screenpop.emit_pop(user_id, payload)


def get_live_model(app=None) -> "LiveModel":
    from flask import current_app

    app = app or current_app._get_current_object()
    model = app.extensions.get("zuoxi_live_model")
    if model is None:
        model = app.extensions["zuoxi_live_model"] = LiveModel(app)
    return model


def install_live_model(app, switchboard, inline: bool = False) -> LiveModel:
    """Called by the switchboard when it starts: feed the model and re-sync it after every connect,
    and end wrap-ups on time (a sweep every second, so a restart never leaves anyone stuck).
    `inline` runs the database work in the switchboard's handler greenlet (tests)."""
    model = LiveModel(app, inline=inline)
    app.extensions["zuoxi_live_model"] = model
    switchboard.subscribe(model.handle_event, settle=model.settle)
    switchboard.on_connect(lambda node: model.resync(node, switchboard))
    _warm_up()
    if not inline:
        model.directory.on_refresh = model._prepare_pops
        model.start_workers()

        def in_service() -> bool:
            """The periodic tasks end with the switchboard, or when another model replaces this one."""
            return not switchboard.stopped and app.extensions.get("zuoxi_live_model") is model

        socketio.start_background_task(_wrapup_sweeper, model, in_service)
        socketio.start_background_task(_directory_keeper, model, in_service)
    return model


def _directory_keeper(model: LiveModel, in_service) -> None:
    """Read the agent directory again before it is old, here, so that no ring ever waits for it
    (changes made in this process are read at once anyway; this is for other processes' changes)."""
    from app.telephony.directory import REFRESH_SECONDS

    while in_service():
        socketio.sleep(REFRESH_SECONDS / 2)
        if not in_service():  # stopped while asleep: touch nothing of the database any more
            return
        try:
            model.refresh_agents()
        except Exception:
            log.exception("live model: reading the agent directory failed")


def _warm_up() -> None:
    """Load the number-location data now (a big module, a noticeable pause) rather than at the first ring."""
    from app.customers.phones import phone_location

    phone_location("+14155552671")
    phone_location("13800138000")  # the Chinese names are a module of their own


def _wrapup_sweeper(model: LiveModel, in_service, interval: float = 1.0) -> None:
    from app.telephony import agent_state

    def sweep():
        changes = agent_state.end_due_wrapups()
        return lambda: agent_state.announce(changes)

    while in_service():
        model._submit(sweep)
        socketio.sleep(interval)

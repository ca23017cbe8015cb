"""Fixtures for the scenarios against a real FreeSWITCH (FS_ESL_URL set; see README "Tests against a real switch").

The switch runs the stock vanilla configuration with the two files of tests/freeswitch/conf/ copied over
it: agents 8401-8403 in domain zuoxi.test whose "phones" are loopback handsets, and a small default
dialplan standing in for the one the app serves. Nothing here touches a SIP phone: a handset rings (its
agent leg sends CHANNEL_PROGRESS) and the test picks it up with `uuid_answer`.

Everything goes through the product: the real Switchboard, the live model installed on it (inline, so
agent states and pops are written by the switchboard's own greenlets) and the call-control functions
the phone bar calls. Tests wait on the switch's events with a deadline, never on time. Afterwards every
channel created while the test ran is hung up: use a switch kept for these tests, one session at a time."""

import os
import time
import uuid

import gevent
import pytest
from gevent.event import Event
from sqlalchemy import select

from app.extensions import db
from app.telephony.errors import SwitchError

FS_ESL_URL = os.environ.get("FS_ESL_URL", "")
NEEDS_SWITCH = pytest.mark.skipif(
    not FS_ESL_URL, reason="needs a real FreeSWITCH: set FS_ESL_URL=esl://password@host:8021"
)
TEST_DOMAIN = "zuoxi.test"
HANDSETS = "zuoxi_handsets"
EVENT_WAIT_SECONDS = float(os.environ.get("FS_EVENT_WAIT_SECONDS", "15"))
AGENT_PERMISSIONS = ["phone.use", "customer.view", "customer.add", "followup.add"]


class CallWatcher:
    """Every event the switchboard delivered during the test, and waiting for the one a test needs.

    It is one more subscriber of the switchboard: when it has seen an event, `flush()` makes sure the live
    model (another subscriber) has handled it too, so the test then reads what the product made of it."""

    def __init__(self, board):
        self.board = board
        self.events: list[dict] = []
        self._arrived = Event()
        self.tag = f"zuoxi-fs-{uuid.uuid4().hex[:12]}"
        self.background: list[gevent.Greenlet] = []
        board.subscribe(self._on_event)

    def _on_event(self, node, event):
        self.events.append(event)
        self._arrived.set()

    def mark(self) -> int:
        """A position in the event list: wait_for(..., since=mark) ignores what came before."""
        return len(self.events)

    def wait_for(self, predicate, what: str, since: int = 0, timeout: float = EVENT_WAIT_SECONDS) -> dict:
        deadline = time.monotonic() + timeout
        position = since
        while True:
            self._arrived.clear()
            for event in self.events[position:]:
                if predicate(event):
                    self.board.flush()
                    return event
            position = len(self.events)
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self._arrived.wait(remaining):
                names = [f"{e.get('Event-Name')} {e.get('Unique-ID', '')}" for e in self.events[since:]][-30:]
                raise AssertionError(f"the switch sent no {what} within {timeout}s; last events: {names}")

    # -- staging calls -------------------------------------------------------------------------------

    def customer_calls(self, extension: str, number: str) -> str:
        """A customer's call from `number` to an agent: a loopback whose B leg is the customer's leg (inbound,
        as a call from a trunk) running the default dialplan. Returns the loopback A leg (the customer's
        "phone"); killing it is the customer hanging up."""
        phone = str(uuid.uuid4())
        variables = ",".join(
            [
                f"origination_uuid={phone}",
                f"origination_caller_id_number={number}",
                f"origination_caller_id_name={number}",
                f"zuoxi_fs_test={self.tag}",
                "originate_timeout=60",
            ]
        )
        self.run_in_background(f"originate {{{variables}}}loopback/{extension}/default &park()")
        return phone

    def run_in_background(self, command: str) -> None:
        """A bgapi whose answer comes only when someone picks up (originate): its result does not matter."""

        def run():
            try:
                self.board.bgapi(command, timeout=90)
            except SwitchError:
                pass  # abandoned or refused: the test looks at the events instead

        self.background.append(gevent.spawn(run))

    def handset_rings(self, destination: str, since: int = 0) -> dict:
        """The CHANNEL_PROGRESS of the loopback leg ringing `destination` (an agent's extension or an
        outside number). Its Unique-ID is the leg the app sees; variable_other_loopback_leg_uuid is the
        handset that picks up."""
        return self.wait_for(
            lambda e: (
                e.get("Event-Name") == "CHANNEL_PROGRESS"
                and e.get("Caller-Context") == HANDSETS
                and e.get("Caller-Destination-Number") == destination
                and e.get("variable_loopback_leg") == "A"
            ),
            f"ringing of handset {destination}",
            since,
        )

    def pick_up(self, ringing: dict) -> None:
        handset = ringing["variable_other_loopback_leg_uuid"]
        assert self.board.api(f"uuid_answer {handset}").startswith("+OK")

    def answered(self, leg: str, since: int = 0) -> dict:
        return self.wait_for(
            lambda e: e.get("Event-Name") == "CHANNEL_ANSWER" and e.get("Unique-ID") == leg, f"answer of {leg}", since
        )

    def bridged(self, *legs: str, since: int = 0) -> dict:
        wanted = set(legs)
        return self.wait_for(
            lambda e: (
                e.get("Event-Name") == "CHANNEL_BRIDGE"
                and wanted <= {e.get("Bridge-A-Unique-ID"), e.get("Bridge-B-Unique-ID")}
            ),
            f"bridge of {sorted(wanted)}",
            since,
        )

    def destroyed(self, leg: str, since: int = 0) -> dict:
        return self.wait_for(
            lambda e: e.get("Event-Name") == "CHANNEL_DESTROY" and e.get("Unique-ID") == leg, f"end of {leg}", since
        )

    def hang_up(self, leg: str) -> None:
        self.board.api(f"uuid_kill {leg}")

    # -- cleaning up ------------------------------------------------------------------------------------

    def clean_up(self) -> None:
        """Hang up every channel this test's calls created, and wait (bounded) until the switch let them go."""
        created = {e["Unique-ID"] for e in self.events if e.get("Event-Name") == "CHANNEL_CREATE"}
        gone = {e["Unique-ID"] for e in self.events if e.get("Event-Name") == "CHANNEL_DESTROY"}
        try:
            self.board.api(f"hupall NORMAL_CLEARING zuoxi_fs_test {self.tag}")
        except SwitchError:
            pass
        for leg in created - gone:
            try:
                self.board.api(f"uuid_kill {leg}")
            except SwitchError:
                pass  # already gone
        deadline = time.monotonic() + EVENT_WAIT_SECONDS
        while time.monotonic() < deadline:
            self._arrived.clear()
            gone = {e["Unique-ID"] for e in self.events if e.get("Event-Name") == "CHANNEL_DESTROY"}
            if not created - gone:
                break
            self._arrived.wait(max(deadline - time.monotonic(), 0))
        gevent.killall(self.background, block=False)


@pytest.fixture
def real_switchboard(app):
    """The product's switchboard connected to the real switch (no live model)."""
    from app.telephony.switchboard import Switchboard

    if not FS_ESL_URL:
        pytest.skip("needs a real FreeSWITCH: set FS_ESL_URL")
    board = Switchboard(app, [FS_ESL_URL]).start()
    assert board.wait_connected(10), board.health()
    yield board
    board.stop()


@pytest.fixture
def switch(app, monkeypatch):
    """The switchboard on the real switch, with the live model installed on it as in production (inline),
    registered as the app's switchboard so the call controls use it; yields the test's CallWatcher."""
    from app.telephony.live import install_live_model
    from app.telephony.switchboard import Switchboard

    if not FS_ESL_URL:
        pytest.skip("needs a real FreeSWITCH: set FS_ESL_URL")
    monkeypatch.setitem(app.config, "SIP_DOMAIN", TEST_DOMAIN)
    saved = {key: app.extensions.get(key) for key in ("zuoxi_switchboard", "zuoxi_live_model")}
    board = Switchboard(app, [FS_ESL_URL])
    app.extensions["zuoxi_switchboard"] = board
    watcher = CallWatcher(board)
    board.start()
    assert board.wait_connected(10), board.health()
    for module in ("mod_loopback", "mod_dptools"):
        if board.api(f"module_exists {module}").strip() != "true":
            board.stop()
            pytest.skip(f"the switch has no {module}")
    # Installed once connected: a re-sync on connect would end its app context, and with it the test's
    # database session (the test's users would be detached).
    watcher.model = install_live_model(app, board, inline=True)
    try:
        yield watcher
    finally:
        watcher.clean_up()
        board.stop()
        for key, value in saved.items():
            app.extensions.pop(key, None)
            if value is not None:
                app.extensions[key] = value


@pytest.fixture
def agent_role(make_role):
    return make_role("真实交换机坐席", permissions=AGENT_PERMISSIONS, data_scope="own")


@pytest.fixture
def agents(make_user, agent_role):
    """The test agents, on the extensions the switch's test directory knows."""
    return {
        ext: make_user(f"fs{ext}", role=agent_role, extension=ext, display_name=f"坐席{ext}")
        for ext in ("8401", "8402", "8403")
    }


@pytest.fixture
def make_customer():
    from app.customers.services import create_customer

    def factory(name, user, phones):
        customer = create_customer({"name": name, "phones": [{"number": p} for p in phones]}, user)
        db.session.commit()
        return customer

    return factory


def statuses(user) -> list[str]:
    """The agent's status history, oldest first (what 坐席状态 shows)."""
    from app.telephony.models_agent import AgentStatusLog

    rows = db.session.scalars(
        select(AgentStatusLog.status).where(AgentStatusLog.user_id == user.id).order_by(AgentStatusLog.id)
    )
    return list(rows)


def status_of(user) -> str:
    db.session.refresh(user)
    return user.agent_status

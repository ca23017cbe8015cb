"""The live call model fed with the events a real FreeSWITCH sent (the captures), agent states following."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.telephony import agent_state
from app.telephony.live import LiveModel
from app.telephony.models_agent import AgentStatusLog
from app.timeutil import utcnow
from tests.support.captures import load_events, load_frames

_WORD = r"(?<![\w-]){}(?!\w)"


def events(scenario: str, replace: dict | None = None, encoding: str = "json") -> list[dict]:
    """The scenario's events; `replace` swaps numbers the way the fake switch does (whole numbers only)."""
    result = load_events(scenario, encoding)
    for old, new in (replace or {}).items():
        pattern = re.compile(_WORD.format(re.escape(old)))
        result = [{k: pattern.sub(new, v) if isinstance(v, str) else v for k, v in e.items()} for e in result]
    return result


class Player:
    """Plays a scenario's events into the model, stopping where a test wants to look."""

    def __init__(self, model, items):
        self.model, self.items, self.position = model, items, 0

    def until(self, wanted) -> dict:
        while self.position < len(self.items):
            event = self.items[self.position]
            self.position += 1
            self.model.handle_event("fs1", event)
            if wanted(event):
                return event
        raise AssertionError("the scenario ended before the awaited event")

    def rest(self) -> None:
        for event in self.items[self.position :]:
            self.model.handle_event("fs1", event)
        self.position = len(self.items)


def named(name):
    return lambda event: event["Event-Name"] == name


def feed(model, items):
    Player(model, items).rest()


def statuses(user) -> list[str]:
    rows = db.session.scalars(
        select(AgentStatusLog.status).where(AgentStatusLog.user_id == user.id).order_by(AgentStatusLog.id)
    )
    return list(rows)


@pytest.fixture
def model(app):
    return LiveModel(app, inline=True)


@pytest.fixture
def agents(make_user):
    return {ext: make_user(f"agent{ext}", extension=ext, display_name=f"坐席{ext}") for ext in ("1001", "1002")}


def test_inbound_answered_rings_then_talks_then_wraps_up(model, agents):
    agent = agents["1001"]
    call = Player(model, events("inbound-answered"))
    call.until(named("CHANNEL_PROGRESS"))
    leg = model.current_channel_of("1001")
    assert leg is not None and leg.direction == "outbound" and leg.far_number == "1000"
    assert agent.agent_status == "ringing"
    assert model.peer_of(leg.uuid).caller_number == "1000"

    call.rest()
    assert statuses(agent) == ["ringing", "talking", "wrapup"]
    assert agent.agent_status == "wrapup"
    assert model.channels == {}

    agent_state.end_due_wrapups(utcnow() + timedelta(seconds=60))
    assert agent.agent_status == "online"
    rows = db.session.scalars(
        select(AgentStatusLog).where(AgentStatusLog.user_id == agent.id).order_by(AgentStatusLog.id)
    ).all()
    assert [row.from_status for row in rows] == ["online", "ringing", "talking", "wrapup"]
    assert all(row.ended_at is not None and row.seconds is not None for row in rows[:-1])
    assert rows[-1].ended_at is None


def test_wrapup_is_not_over_before_its_time(model, agents, app):
    agent = agents["1001"]
    feed(model, events("inbound-answered"))
    assert agent_state.end_due_wrapups(utcnow() + timedelta(seconds=app.config["WRAPUP_SECONDS"] - 5)) == []
    assert agent.agent_status == "wrapup"


def test_plain_encoding_gives_the_same_states(model, agents):
    feed(model, events("inbound-answered", encoding="plain"))
    assert statuses(agents["1001"]) == ["ringing", "talking", "wrapup"]


def test_missed_call_rings_then_goes_back_to_the_chosen_state(model, agents):
    agent = agents["1001"]
    agent_state.set_status(agent, "busy")
    feed(model, events("inbound-missed"))
    assert statuses(agent) == ["busy", "ringing", "busy"]
    assert agent.agent_status == "busy"
    assert model.channels == {}


def test_chosen_state_during_a_call_applies_after_it(model, agents):
    agent = agents["1001"]
    call = Player(model, events("inbound-answered"))
    call.until(named("CHANNEL_BRIDGE"))
    assert agent.agent_status == "talking"
    agent_state.set_status(agent, "away")
    assert agent.agent_status == "talking"
    call.rest()
    agent_state.end_due_wrapups(utcnow() + timedelta(seconds=60))
    assert agent.agent_status == "away"


def test_click_to_dial_agent_phone_rings_first_then_calls_out(model, agents):
    agent, callee = agents["1001"], agents["1002"]
    call = Player(model, events("click-to-dial"))
    call.until(named("CHANNEL_BRIDGE"))
    own = model.current_channel_of("1001")
    assert own.agent_placed and own.far_number == "1002" and own.state == "active"
    assert model.peer_of(own.uuid).extension == "1002"
    call.rest()
    assert statuses(agent) == ["ringing", "talking", "wrapup"]
    assert statuses(callee) == ["ringing", "talking", "wrapup"]


def test_blind_transfer_moves_the_caller_to_the_second_agent(model, agents):
    call = Player(model, events("blind-transfer"))
    call.until(named("CHANNEL_BRIDGE"))
    caller = model.peer_of(model.current_channel_of("1001").uuid)
    call.until(named("CHANNEL_BRIDGE"))
    assert model.current_channel_of("1001") is None
    second = model.current_channel_of("1002")
    assert second.state == "active" and second.far_number == "1000"
    assert model.peer_of(second.uuid) is caller
    assert agents["1001"].agent_status == "wrapup" and agents["1002"].agent_status == "talking"
    call.rest()
    assert statuses(agents["1002"]) == ["ringing", "talking", "wrapup"]
    assert model.channels == {}


def test_attended_transfer_ends_with_caller_bridged_to_the_consulted_agent(model, agents):
    call = Player(model, events("attended-transfer"))
    held = call.until(named("CHANNEL_HOLD"))
    caller_leg = model.channel(held["Unique-ID"])
    assert caller_leg.state == "held"
    assert agents["1001"].agent_status == "talking"
    call.until(named("CHANNEL_BRIDGE"))  # the consult call: the agent's second leg and 1002
    assert len(model.channels_of_extension("1001")) == 2
    call.until(named("CHANNEL_BRIDGE"))  # uuid_bridge: the caller and 1002
    consulted = model.current_channel_of("1002")
    assert model.peer_of(consulted.uuid) is caller_leg and caller_leg.state == "active"
    assert model.current_channel_of("1001") is None
    call.rest()
    assert agents["1001"].agent_status == "wrapup" and agents["1002"].agent_status == "wrapup"
    assert model.channels == {}


def test_hold_and_unhold_follow_the_leg_that_was_held(model, agents):
    call = Player(model, events("hold-unhold"))
    held = call.until(named("CHANNEL_HOLD"))
    assert model.channel(held["Unique-ID"]).state == "held"
    call.until(named("CHANNEL_UNHOLD"))
    assert model.channel(held["Unique-ID"]).state == "active"
    assert agents["1001"].agent_status == "talking"
    call.rest()
    assert model.channels == {}
    assert statuses(agents["1001"]) == ["ringing", "talking", "wrapup"]


def test_park_marks_the_slot_and_pickup_clears_it(model, agents):
    call = Player(model, events("park"))
    parked = call.until(lambda e: e.get("Event-Subclass") == "valet_parking::info" and e["Action"] == "hold")
    leg = model.channel(parked["Unique-ID"])
    assert leg.parked_slot == "6001"
    assert agents["1001"].agent_status == "wrapup"
    call.until(named("CHANNEL_BRIDGE"))
    assert leg.parked_slot == ""
    assert model.peer_of(leg.uuid).extension == "1002"
    call.rest()
    assert model.channels == {}
    assert statuses(agents["1002"]) == ["ringing", "talking", "wrapup"]


def test_registrations_come_and_go(model, agents):
    feed(model, events("registration"))
    assert model.is_registered("1001") and model.is_registered("1002")
    feed(model, events("unregistration"))
    assert not model.is_registered("1001")


class RecordedSwitch:
    """Answers api commands with what the real switch answered in the api-misc capture."""

    def __init__(self):
        replies = [f.body.decode() for f in load_frames("api-misc.json-events.txt") if f.content_type == "api/response"]
        self.replies = {"show channels as json": replies[0], "show calls as json": replies[1]}
        self.replies["show registrations as json"] = '{"row_count": 0}'

    def api(self, command, node=None, timeout=None):
        return self.replies[command]


def test_resync_drops_stale_channels_and_derives_states(model, agents):
    stuck = agents["1002"]
    Player(model, events("inbound-missed", replace={"1001": "1002"})).until(named("CHANNEL_PROGRESS"))
    assert stuck.agent_status == "ringing"
    stale = set(model.channels)

    model.resync("fs1", RecordedSwitch())
    assert not stale & set(model.channels)
    agent_leg = model.current_channel_of("1001")
    assert agent_leg is not None and agent_leg.state == "active" and agent_leg.far_number == "1000"
    assert model.peer_of(agent_leg.uuid).caller_number == "1000"
    assert agents["1001"].agent_status == "talking"
    assert stuck.agent_status == "online"

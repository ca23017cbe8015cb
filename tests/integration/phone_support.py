"""Fixtures for the call-control and phone-bar tests: a signed-in agent on extension 1001, the real live
model holding the calls a test puts there, and a switch that records what the app sends.

`phone_switch` is the fake switch of tests/support (the real wire protocol) with a switchboard connected
to it; `stub_switch` is a test double of the network for the one case the fake switch cannot stage.
Test modules import these fixtures by name."""

from datetime import timedelta

import pytest

from app.telephony.errors import SwitchError
from app.timeutil import utcnow

AGENT_LEG = "827decf7-55e0-47cc-84e3-0e3cfd8d529d"
CUSTOMER_LEG = "0fc98597-9c7c-4501-ab1d-b60a87434946"
CONSULT_LEG = "8c04c021-38dc-4e59-800d-fcb0c6d9be91"
TARGET_LEG = "86855166-f29e-42b7-b878-5e91bc57eeb7"
COLLEAGUE_LEG = "c9bd324d-941d-43f8-86aa-d6473bd3f971"
VALET_EMPTY = '<lots>\n  <lot name="zuoxi_lot">\n  </lot>\n</lots>'


def valet_reply(slots: dict) -> str:
    """`valet_info zuoxi_lot` as FreeSWITCH prints it, with these slots (number → uuid) occupied."""
    rows = "".join(f'    <extension uuid="{uuid}">{slot}</extension>\n' for slot, uuid in slots.items())
    return f'<lots>\n  <lot name="zuoxi_lot">\n{rows}  </lot>\n</lots>'


class RecordingSwitch:
    """Answers api/bgapi like a FreeSWITCH node (defaults from the captures) and keeps what was sent."""

    def __init__(self):
        self.commands: list[str] = []
        self.replies: list[tuple[str, object]] = []

    def respond(self, prefix: str, reply) -> None:
        self.replies.insert(0, (prefix, reply))

    def _answer(self, kind: str, command: str) -> str:
        self.commands.append(f"{kind} {command}")
        for prefix, reply in self.replies:
            if command.startswith(prefix):
                text = reply(command) if callable(reply) else reply
                break
        else:
            text = self._default(command)
        if text.startswith("-ERR"):
            raise SwitchError(text, command)
        return text

    @staticmethod
    def _default(command: str) -> str:
        if command.startswith("originate"):
            return "+OK 4f998022-0fdb-4e03-bc70-50c94e8df94d\n"
        if command.startswith("valet_info"):
            return VALET_EMPTY
        if command.startswith("uuid_bridge"):
            return "+OK " + command.split()[-1] + "\n"
        if command.startswith(("uuid_hold", "uuid_send_dtmf", "uuid_audio", "uuid_phone_event")):
            return "+OK Success\n"
        return "+OK\n"

    def api(self, command, node=None, timeout=None):
        return self._answer("api", command)

    def bgapi(self, command, node=None, timeout=None):
        return self._answer("bgapi", command)


def sent(switch, include_queries: bool = False) -> list[str]:
    """The api/bgapi commands the app sent that act on calls (valet_info only when asked for; the
    switchboard's own uptime/show commands left out)."""
    own = ("api uptime", "api show ", "api status")
    return [
        c
        for c in switch.commands
        if c.startswith(("api ", "bgapi "))
        and not c.startswith(own)
        and (include_queries or not c.startswith("api valet_info"))
    ]


def put_call(live, extension, far_number, state="active", agent_leg=AGENT_LEG, far_leg=CUSTOMER_LEG, node=""):
    """A call between an agent's phone and a far party, as the live model holds it after the events."""
    from app.telephony.live import Channel

    now = utcnow()
    answered = now if state in ("active", "held") else None
    far = Channel(
        uuid=far_leg,
        node=node,
        direction="inbound",
        caller_number=far_number,
        caller_name=far_number,
        destination=extension,
        far_number=extension,
        state="early" if state == "ringing" else state,
        created_at=now - timedelta(seconds=5),
        answered_at=answered,
        other_uuid=agent_leg if answered else "",
        call_uuid=far_leg,
    )
    agent = Channel(
        uuid=agent_leg,
        node=node,
        direction="outbound",
        caller_number=far_number,
        caller_name=far_number,
        destination=extension,
        extension=extension,
        far_number=far_number,
        state=state,
        created_at=now - timedelta(seconds=4),
        answered_at=answered,
        other_uuid=far_leg if answered else "",
        call_uuid=far_leg,
        origin_uuid=far_leg,
    )
    live.channels[far.uuid] = far
    live.channels[agent.uuid] = agent
    return agent, far


@pytest.fixture
def phone_switch(fake_switch, switchboard):
    """The fake switch (real ESL wire protocol) behind a connected switchboard. The calls the tests put
    in the live model exist only there, so the switch is told to answer for their uuids as FreeSWITCH
    would for live channels (replies copied from the captures)."""
    fake_switch.respond("uuid_", "+OK Success\n")
    fake_switch.respond("uuid_kill", "+OK\n")
    fake_switch.respond("uuid_transfer", "+OK\n")
    fake_switch.respond("uuid_bridge", lambda command: "+OK " + command.split()[-1] + "\n")
    fake_switch.respond("valet_info", VALET_EMPTY)
    fake_switch.respond("conference", "+OK hup 9\n+OK hup 8\n")
    return fake_switch


@pytest.fixture
def stub_switch(app):
    """The network double for what the fake switch cannot stage (a node that never answers)."""
    switch = RecordingSwitch()
    previous = app.extensions.get("zuoxi_switchboard")
    app.extensions["zuoxi_switchboard"] = switch
    yield switch
    if previous is None:
        app.extensions.pop("zuoxi_switchboard", None)
    else:
        app.extensions["zuoxi_switchboard"] = previous


@pytest.fixture
def live(app):
    from app.telephony.live import LiveModel

    model = LiveModel(app, inline=True)
    previous = app.extensions.get("zuoxi_live_model")
    app.extensions["zuoxi_live_model"] = model
    yield model
    if previous is None:
        app.extensions.pop("zuoxi_live_model", None)
    else:
        app.extensions["zuoxi_live_model"] = previous


@pytest.fixture
def phone_role(make_role):
    return make_role(permissions=["phone.use", "customer.view", "customer.query_all"], data_scope="all")


@pytest.fixture
def agent(make_user, phone_role):
    return make_user("agent1001", role=phone_role, extension="1001", display_name="坐席一")


@pytest.fixture
def agent_client(client, auth, agent, live):
    response = auth.login(agent)
    assert response.status_code == 302
    return client

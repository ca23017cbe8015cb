"""An inbound call end to end in a real browser: the real server's switchboard connected to a fake
FreeSWITCH, the screen-pop in every tab of the agent whose phone rings (and in no other agent's), a
follow-up saved from the pop during the call, then the CDRs posted as mod_json_cdr posts them and the
call in the call list with its duration, customer and that follow-up."""

import http.client
import json
import os
import re
import secrets
import time
import uuid
from datetime import date, datetime, timedelta
from urllib.parse import quote, unquote, urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LIVE_PASSWORD, LiveData, login
from tests.support.captures import cdr_posts
from tests.support.cdr_replay import CDR_PASSWORD, CDR_USER, replace_number, split_request
from tests.support.fake_switch import UUID_RE, FakeSwitch, scenario_events
from tests.support.live_server import LiveServer, drop_postgres_database, fresh_database_url

pytestmark = pytest.mark.browser

SCENARIO = "inbound-answered"
CUSTOMER_NUMBER = "13812345678"
MASKED_NUMBER = "138****5678"
NUMBERS = {"1000": CUSTOMER_NUMBER, "1001": "1001"}  # the captured caller 1000 becomes the customer
CAPTURED_CALLER_LEG = "9f0c696e-61fe-41bc-b8ac-801bee1efe01"  # leg A of the capture: the call's uuid
EMPTY_PARK_LOT = '<lots>\n  <lot name="zuoxi_lot">\n  </lot>\n</lots>\n'
SWITCH_ONLINE = """() => {
  const request = new XMLHttpRequest();
  request.open("GET", "/phone/state", false);
  request.setRequestHeader("Accept", "application/json");
  request.send();
  return request.status === 200 && JSON.parse(request.responseText).switch === "online";
}"""
RECORD_POPS = """() => {
  window.receivedPops = [];
  window.Zuoxi.on("screen_pop", (pop) => window.receivedPops.push(pop));
}"""


# -- the call's CDRs, as FreeSWITCH would post them for this very call ----------------------------


def fresh_uuids(raw_cdrs: list[bytes]) -> dict:
    """New uuids for every uuid of the capture (events and CDRs), shared by the events and the CDRs."""
    found = set()
    for event in scenario_events(SCENARIO):
        for _name, value in event:
            found.update(UUID_RE.findall(" ".join(value) if isinstance(value, list) else value))
    for raw in raw_cdrs:
        found.update(UUID_RE.findall(raw.decode("latin-1")))
    return {old: str(uuid.uuid4()) for old in found}


def _phase(key: str) -> str:
    name = key.lower()
    if name.startswith("end") or "hangup" in name:
        return "end"
    if name.startswith(("answer", "bridge")):
        return "answer"
    return "start"


def _shift(value: str, offset_seconds: int) -> str:
    """An epoch (s or µs) or a 'YYYY-MM-DD HH:MM:SS' stamp moved by whole seconds; 0 and the rest unchanged."""
    text = unquote(value)
    if text.isdigit() and int(text) > 0:
        number = int(text)
        if number > 10**14:
            return str(number + offset_seconds * 1_000_000)
        if 10**9 <= number < 10**11:
            return str(number + offset_seconds)
        return value
    if re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", text):
        moved = datetime.strptime(text, "%Y-%m-%d %H:%M:%S") + timedelta(seconds=offset_seconds)
        return quote(moved.strftime("%Y-%m-%d %H:%M:%S"), safe="")
    return value


def _is_time_variable(key: str) -> bool:
    return key.endswith(("_epoch", "_uepoch", "_stamp")) or key == "Event-Date-Timestamp"


def _recompute_durations(variables: dict) -> None:
    """billsec & co. from the moved times, as FreeSWITCH computes them (whole units, rounded down)."""
    start, answer, end = (int(variables.get(f"{k}_uepoch") or 0) for k in ("start", "answer", "end"))
    spans = {"bill": (answer, end), "flow_bill": (start, end), "answer": (start, answer), "wait": (start, answer)}
    for name, (since, until) in spans.items():
        if since and until:
            micros = until - since
            for suffix, unit in (("sec", 1_000_000), ("msec", 1000), ("usec", 1)):
                if f"{name}{suffix}" in variables:
                    variables[f"{name}{suffix}"] = str(micros // unit)
    for key, unit in (("duration", 1_000_000), ("mduration", 1000), ("uduration", 1)):
        if key in variables and start and end:
            variables[key] = str((end - start) // unit)


def cdr_of_this_call(raw: bytes, uuids: dict, offsets: dict) -> tuple[str, dict, bytes]:
    """(path, headers, body) of a captured CDR request rewritten for the played call: its numbers, its
    uuids and its moments (start, answer, end phases moved to when the test played them)."""
    target, headers, _original = split_request(raw)
    body = replace_number(raw, "1000", CUSTOMER_NUMBER).decode()
    body = UUID_RE.sub(lambda m: uuids.get(m.group(0), m.group(0)), body)
    data = json.loads(body)
    variables = data["variables"]
    for key, value in list(variables.items()):
        if isinstance(value, str) and _is_time_variable(key):
            variables[key] = _shift(value, offsets[_phase(key)])
    for flow in data.get("callflow") or []:
        times = flow.get("times") or {}
        for key, value in list(times.items()):
            times[key] = _shift(str(value), offsets[_phase(key)])
    _recompute_durations(variables)
    path = "/freeswitch" + UUID_RE.sub(lambda m: uuids.get(m.group(0), m.group(0)), target)
    sent = {k: v for k, v in headers.items() if k in ("Authorization", "User-Agent", "Accept", "Content-Type")}
    return path, sent, json.dumps(data, separators=(",", ":")).encode()


def capture_moments(raw_cdrs: list[bytes]) -> dict:
    """When the captured call started, was answered and ended (µs since the epoch)."""
    values = [json.loads(split_request(raw)[2])["variables"] for raw in raw_cdrs]
    return {
        "start": min(int(v["start_uepoch"]) for v in values),
        "answer": min(int(v["answer_uepoch"]) for v in values if int(v["answer_uepoch"])),
        "end": max(int(v["end_uepoch"]) for v in values),
    }


def phase_offsets(captured: dict, real: dict) -> dict:
    """Whole-second shifts mapping each captured moment onto the real one, never running backwards."""
    offsets, floor = {}, None
    for phase in ("start", "answer", "end"):
        offset = round(real[phase] - captured[phase] / 1e6)
        offsets[phase] = offset if floor is None else max(offset, floor)
        floor = offsets[phase]
    return offsets


def post_cdr(server_url: str, path: str, headers: dict, body: bytes) -> dict:
    address = urlsplit(server_url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode()
    finally:
        connection.close()
    assert response.status == 200, f"CDR post answered {response.status}: {text}"
    return json.loads(text)


# -- the scene --------------------------------------------------------------------------------------


@pytest.fixture
def fake_switch():
    switch = FakeSwitch().start()
    switch.respond("valet_info", EMPTY_PARK_LOT)
    yield switch
    switch.stop()


@pytest.fixture
def phone_server(tmp_path_factory, fake_switch):
    """A live server of its own whose switchboard connects to the fake switch and which takes CDRs.

    It comes with its schema but not yet started: the test arranges its agents first, so the switchboard
    knows their extensions from its very first sync, then calls start()."""
    env = {
        "ZUOXI_FREESWITCH_NODES": fake_switch.url,
        "ZUOXI_CDR_USER": CDR_USER,
        "ZUOXI_CDR_PASSWORD": CDR_PASSWORD,
        "ZUOXI_SWITCH_ALLOWED_IPS": "127.0.0.1",
    }
    if os.environ.get("ZUOXI_TEST_REDIS_URL"):
        env["ZUOXI_SOCKETIO_MESSAGE_QUEUE"] = os.environ["ZUOXI_TEST_REDIS_URL"]
        env["ZUOXI_REDIS_URL"] = os.environ["ZUOXI_TEST_REDIS_URL"]
    workdir = tmp_path_factory.mktemp("callflow")
    server = LiveServer(workdir, fresh_database_url(workdir, "callflow"), extra_env=env)
    server.prepare_schema()
    yield server
    server.stop()
    if server.database_url.startswith("postgresql"):
        drop_postgres_database(server.database_url)


def signed_in_tab(page, server, username: str | None):
    """The page signed in (username) or opened in a context already signed in (None), its live connection up."""
    if username:
        login(page, server.url, username, LIVE_PASSWORD)
    else:
        page.goto(server.url + "/")
    expect(page.locator("#rt-status")).to_have_attribute("data-state", "connected")
    return page


def add_order(number: str, customer_id: int, seller_id: int) -> None:
    from app.extensions import db
    from app.orders.models import Order

    db.session.add(Order(number=number, customer_id=customer_id, seller_id=seller_id, order_date=date.today()))


def test_inbound_call_pops_in_every_tab_of_the_agent_and_lands_in_the_call_list(
    phone_server, fake_switch, browser, context, page
):
    data = LiveData(phone_server)
    tag = secrets.token_hex(3)
    role = data.create_role(
        f"坐席{tag}",
        permissions=["phone.use", "customer.view", "followup.add", "calls.view", "order.view"],
        hide_numbers=True,
    )
    agent = data.create_user(f"agent_{tag}", role_id=role, extension="1001", display_name=f"坐席甲{tag}")
    data.create_user(f"other_{tag}", role_id=role, extension="1002", display_name=f"坐席乙{tag}")
    customer_name = f"王建国{tag}"
    customer = data.create_customer(customer_name, phones=[CUSTOMER_NUMBER], owner_id=agent)
    order_number = f"SO-{tag}"
    data.run(lambda: add_order(order_number, customer, agent))
    phone_server.start()

    first_tab = signed_in_tab(page, phone_server, f"agent_{tag}")
    second_tab = signed_in_tab(context.new_page(), phone_server, None)  # same browser, second tab
    other_context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    other_context.set_default_timeout(10_000)
    try:
        other_agent = signed_in_tab(other_context.new_page(), phone_server, f"other_{tag}")
        for tab in (first_tab, second_tab, other_agent):
            tab.evaluate(RECORD_POPS)
        first_tab.wait_for_function(SWITCH_ONLINE, polling=200)  # the server's switchboard reached the switch

        raw_cdrs = cdr_posts(SCENARIO)
        uuids = fresh_uuids(raw_cdrs)
        real = {"start": time.time()}
        fake_switch.play(SCENARIO, replace=NUMBERS, uuids=uuids, until="CHANNEL_PROGRESS_MEDIA")

        # 1001 rings: both of the agent's tabs pop the customer, the number masked as the role wants.
        for tab in (first_tab, second_tab):
            pop = tab.locator("#screen-pop")
            expect(pop).to_be_visible()
            expect(pop.locator(".pop-card h2").first).to_contain_text(customer_name)
            expect(pop.locator(".pop-number")).to_have_text(MASKED_NUMBER)
            expect(pop).not_to_contain_text(CUSTOMER_NUMBER)
            expect(pop.locator(".pop-list a", has_text=order_number)).to_be_visible()  # the customer's orders

        real["answer"] = time.time()
        fake_switch.play(SCENARIO, replace=NUMBERS, uuids=uuids, after="CHANNEL_PROGRESS_MEDIA", until="CHANNEL_BRIDGE")

        # During the call the agent notes what the customer wants, in the pop of one tab.
        note = f"客户询问发货时间,约好明天回电 {tag}"
        form = first_tab.locator("#screen-pop form.pop-followup")
        form.locator("textarea[name=content]").fill(note)
        form.locator("button[type=submit]").click()
        expect(form.locator(".pop-message.ok")).to_have_text("来往记录已保存。")

        real["end"] = time.time()
        fake_switch.play(SCENARIO, replace=NUMBERS, uuids=uuids, after="CHANNEL_BRIDGE")

        # mod_json_cdr posts one CDR per leg once the channels are gone.
        offsets = phase_offsets(capture_moments(raw_cdrs), real)
        posted = [cdr_of_this_call(raw, uuids, offsets) for raw in raw_cdrs]
        call_ids = {post_cdr(phone_server.url, *request)["call_id"] for request in posted}
        assert len(call_ids) == 1, call_ids
        legs = [json.loads(body)["variables"] for _path, _headers, body in posted]
        agent_leg = next(v for v in legs if v.get("originator"))
        talk = (max(int(v["end_uepoch"]) for v in legs) - int(agent_leg["answer_uepoch"])) / 1e6
        talk_seconds = round(talk)
        assert talk_seconds >= 1, talk

        # The other agent's phone never rang: no pop reached that page.
        expect(other_agent.locator("#screen-pop")).to_be_hidden()
        assert other_agent.evaluate("window.receivedPops") == []
        for tab in (first_tab, second_tab):  # one pop per ring, not another at the answer or the hang-up
            pops = tab.evaluate("window.receivedPops")
            assert [(p["number"], p["known"], p["call_uuid"]) for p in pops] == [
                (MASKED_NUMBER, True, uuids[CAPTURED_CALLER_LEG])
            ], pops
    finally:
        other_context.close()

    first_tab.goto(phone_server.url + "/phone/calls")
    rows = first_tab.locator("#grid-calls .tabulator-row")
    expect(rows).to_have_count(1)
    row = rows.first
    expect(row.locator(".tabulator-cell[tabulator-field='customer']")).to_have_text(customer_name)
    expect(row.locator(".tabulator-cell[tabulator-field='talk_seconds']")).to_have_text(str(talk_seconds))
    expect(row.locator(".tabulator-cell[tabulator-field='status']")).to_have_text("已接通")
    expect(row.locator(".tabulator-cell[tabulator-field='caller_number']")).to_have_text(MASKED_NUMBER)

    row.locator("a.zgrid-row-link").click()
    expect(first_tab).to_have_url(re.compile(rf"/phone/calls/{call_ids.pop()}$"))
    facts = first_tab.locator(".call-facts")
    expect(facts.locator("dt", has_text="通话时长").locator("xpath=following-sibling::dd[1]")).to_have_text(
        f"{talk_seconds} 秒"
    )
    expect(facts.locator("dt", has_text="客户").locator("xpath=following-sibling::dd[1]")).to_have_text(customer_name)
    expect(first_tab.locator("#followups")).to_contain_text(note)
    expect(first_tab.locator("#followups")).to_contain_text(f"坐席甲{tag}")
    expect(first_tab.locator("body")).not_to_contain_text(CUSTOMER_NUMBER)

"""The call list and the lookups built on call records: customer matching, grid, scope, masking, detail."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.customers.models import Customer
from app.customers.phones import phone_location
from app.extensions import db
from app.telephony.calls import last_dialled_number, today_calls
from app.telephony.models_calls import CallRecord, calls_of_customer
from app.timeutil import utcnow
from tests.support.captures import cdr_posts
from tests.support.cdr_replay import CDR_PASSWORD, CDR_USER, post_raw, replace_number, with_variables

CUSTOMER_NUMBER = "13812345678"
CALL_PERMISSIONS = ["calls.view", "calls.export", "calls.listen", "calls.download"]


@pytest.fixture(autouse=True)
def cdr_credentials(app, monkeypatch):
    monkeypatch.setitem(app.config, "CDR_USER", CDR_USER)
    monkeypatch.setitem(app.config, "CDR_PASSWORD", CDR_PASSWORD)


@pytest.fixture
def agent_role(make_role):
    return make_role("通话坐席", permissions=CALL_PERMISSIONS + ["customer.view"], data_scope="own")


@pytest.fixture
def agent(make_user, agent_role):
    return make_user("agent1001", extension="1001", display_name="坐席一", role=agent_role)


def replay_as_customer(client, scenario):
    for raw in cdr_posts(scenario):
        response = post_raw(client, raw, body=replace_number(raw, "1000", CUSTOMER_NUMBER))
        assert response.status_code == 200, response.get_data(as_text=True)


def make_call(agent=None, **fields):
    values = {
        "direction": "inbound",
        "status": "answered",
        "caller_number": CUSTOMER_NUMBER,
        "callee_number": "1001",
        "far_number": CUSTOMER_NUMBER,
        "far_normalized": CUSTOMER_NUMBER,
        "started_at": utcnow() - timedelta(minutes=5),
        "talk_seconds": 30,
    }
    values.update(fields)
    call = CallRecord(agent_id=agent.id if agent else None, **values)
    db.session.add(call)
    db.session.commit()
    return call


def grid(client, **params):
    args = {k: json.dumps(v) if isinstance(v, list) else v for k, v in params.items()}
    response = client.get("/phone/calls/data", query_string=args)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["data"]


def test_inbound_call_is_matched_to_the_customer_by_number(client, agent, make_customer):
    customer = make_customer("王先生", phones=[CUSTOMER_NUMBER], user=agent)
    updated_before = customer.updated_at
    replay_as_customer(client, "inbound-answered")

    [call] = db.session.scalars(select(CallRecord)).all()
    assert call.customer_id == customer.id
    assert call.far_number == CUSTOMER_NUMBER and call.caller_number == CUSTOMER_NUMBER
    assert call.location and call.location == phone_location(CUSTOMER_NUMBER)
    db.session.expire_all()
    refreshed = db.session.get(Customer, customer.id)
    assert refreshed.last_contact_at == call.started_at
    assert refreshed.updated_at == updated_before  # noting a contact is not an edit
    assert calls_of_customer(customer.id) == [call]


def test_recording_and_blacklist_variables_are_kept(client, agent):
    first, second = cdr_posts("inbound-answered")
    body = with_variables(first, zuoxi_recording="2026-11-21/9f0c.wav", zuoxi_blacklisted="true")
    assert post_raw(client, first, body=body).status_code == 200
    assert post_raw(client, second).status_code == 200
    [call] = db.session.scalars(select(CallRecord)).all()
    assert call.recording_path == "2026-11-21/9f0c.wav" and call.has_recording
    assert call.status == "blocked" and call.blacklisted


def test_grid_shows_own_calls_only_for_an_own_scope_role(client, auth, agent, make_user):
    colleague = make_user("agent1002", extension="1002")
    mine = make_call(agent)
    make_call(colleague, caller_number="13900000000", far_number="13900000000")
    auth.login(agent)
    assert [row["id"] for row in grid(client)] == [mine.id]
    assert client.get(f"/phone/calls/{mine.id}").status_code == 200


def test_call_of_another_agent_is_not_found(client, auth, agent, make_user):
    other = make_call(make_user("agent1002", extension="1002"))
    auth.login(agent)
    assert client.get(f"/phone/calls/{other.id}").status_code == 404


def test_grid_filters_and_sorts(admin_client, agent):
    long_call = make_call(agent, talk_seconds=300, location="北京市")
    missed = make_call(agent, status="missed", talk_seconds=0, caller_number="02087654321", far_number="02087654321")
    outbound = make_call(agent, direction="outbound", talk_seconds=10, trunk="电信线路", has_recording=True)

    rows = grid(admin_client, filter=[{"field": "status", "op": "eq", "value": "missed"}])
    assert [r["id"] for r in rows] == [missed.id] and rows[0]["status"] == "未接"
    rows = grid(admin_client, filter=[{"field": "direction", "op": "eq", "value": "outbound"}])
    assert [r["id"] for r in rows] == [outbound.id] and rows[0]["direction"] == "呼出"
    rows = grid(admin_client, filter=[{"field": "has_recording", "op": "eq", "value": True}])
    assert [r["id"] for r in rows] == [outbound.id]
    rows = grid(admin_client, filter=[{"field": "trunk", "op": "contains", "value": "电信"}])
    assert [r["id"] for r in rows] == [outbound.id]
    rows = grid(admin_client, filter=[{"field": "location", "op": "eq", "value": "北京市"}])
    assert [r["id"] for r in rows] == [long_call.id]
    rows = grid(admin_client, sort=[{"field": "talk_seconds", "dir": "desc"}])
    assert [r["id"] for r in rows] == [long_call.id, outbound.id, missed.id]
    rows = grid(admin_client, q="020-87654321")
    assert [r["id"] for r in rows] == [missed.id]


def test_grid_masks_customer_numbers_but_not_extensions(client, auth, make_role, make_user):
    role = make_role("隐藏号码", permissions=CALL_PERMISSIONS, data_scope="all", hide_numbers=True)
    masked_user = make_user("masked", role=role, extension="1009")
    make_call(masked_user)
    auth.login(masked_user)
    [row] = grid(client)
    assert row["caller_number"] == "138****5678"
    assert row["callee_number"] == "1001"
    export = client.get("/phone/calls/export", query_string={"format": "csv"})
    assert export.status_code == 200
    text = export.get_data().decode("utf-8-sig")
    assert "138****5678" in text and CUSTOMER_NUMBER not in text


def test_export_needs_its_permission(client, auth, make_role, make_user):
    viewer = make_user("viewer", role=make_role(permissions=["calls.view"]))
    auth.login(viewer)
    assert client.get("/phone/calls").status_code == 200
    assert client.get("/phone/calls/export", query_string={"format": "csv"}).status_code == 403


def test_call_detail_lists_the_legs(client, auth, agent):
    replay_as_customer(client, "inbound-answered")
    call = db.session.scalars(select(CallRecord)).one()
    auth.login(agent)
    page = client.get(f"/phone/calls/{call.id}").get_data(as_text=True)
    assert "坐席一" in page and CUSTOMER_NUMBER in page and "NORMAL_CLEARING" in page


def test_call_detail_offers_a_ticket_for_this_call_only_to_who_may_raise_one(client, auth, agent, make_user, make_role):
    call = make_call(agent)
    auth.login(agent)
    assert f"/tickets/new?call_id={call.id}" not in client.get(f"/phone/calls/{call.id}").get_data(as_text=True)
    auth.logout()
    raiser = make_user(
        "raiser",
        role=make_role(
            permissions=CALL_PERMISSIONS + ["calls.query_all", "ticket.view", "ticket.add"], data_scope="all"
        ),
    )
    auth.login(raiser)
    page = client.get(f"/phone/calls/{call.id}").get_data(as_text=True)
    assert f'href="/tickets/new?call_id={call.id}"' in page and "新建工单" in page


def test_today_calls_and_redial(agent, make_user):
    make_call(agent, started_at=utcnow() - timedelta(days=3))
    placed = make_call(agent, direction="outbound", caller_number="1001", callee_number="02087654321")
    received = make_call(agent)
    rows = today_calls(agent)
    assert [r["id"] for r in rows] == [received.id, placed.id]
    assert rows[0]["number"] == CUSTOMER_NUMBER and rows[0]["direction_label"] == "呼入"
    assert last_dialled_number(agent) == "02087654321"
    assert last_dialled_number(make_user("nobody", extension="1010")) == ""


def test_call_detail_shows_the_follow_ups_of_this_call_not_of_another(client, auth, agent, make_customer):
    from app.customers.models import FollowUp

    customer = make_customer("王五", user=agent, phones=[CUSTOMER_NUMBER])
    db.session.commit()
    replay_as_customer(client, "inbound-answered")
    call = db.session.scalars(select(CallRecord)).one()
    during = call.started_at + timedelta(seconds=30)
    leg_uuid = call.legs[0].uuid
    for content, call_uuid in (
        ("本次通话记录", leg_uuid),
        ("另一通电话的记录", "not-this-call"),
        ("未关联的记录", None),
    ):
        extra = {"call_uuid": call_uuid} if call_uuid else {}
        db.session.add(FollowUp(customer_id=customer.id, content=content, extra=extra, created_at=during))
    db.session.commit()
    auth.login(agent)
    page = client.get(f"/phone/calls/{call.id}").get_data(as_text=True)
    assert "本次通话记录" in page and "未关联的记录" in page
    assert "另一通电话的记录" not in page

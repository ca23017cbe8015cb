"""Reminders: missed calls become a to-do for the agent who missed them, announced to that agent's tabs."""

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db, socketio
from app.reminders.models import Reminder
from app.reminders.services import create_reminder
from app.reminders.todo import PAGE_SIZE
from app.telephony.models_calls import CallRecord
from app.timeutil import utcnow
from tests.support.cdr_replay import CDR_PASSWORD, CDR_USER, replay


@pytest.fixture(autouse=True)
def cdr_credentials(app, monkeypatch):
    monkeypatch.setitem(app.config, "CDR_USER", CDR_USER)
    monkeypatch.setitem(app.config, "CDR_PASSWORD", CDR_PASSWORD)


@pytest.fixture
def agent(make_user):
    return make_user("agent1001", extension="1001", display_name="坐席一")


def reminders_of(user):
    return list(db.session.scalars(select(Reminder).where(Reminder.user_id == user.id)))


def notices(socket_client):
    return [e["args"][0] for e in socket_client.get_received() if e["name"] == "notify"]


def test_missed_call_raises_one_reminder_for_the_agent(app, client, agent, make_user):
    bystander = make_user("agent1002", extension="1002")
    switch = app.test_client()  # FreeSWITCH posts without the agent's session
    replay(switch, "inbound-missed")
    replay(switch, "inbound-missed")  # FreeSWITCH repeating itself raises nothing new

    [reminder] = reminders_of(agent)
    call = db.session.scalars(select(CallRecord)).one()
    assert reminder.kind == "missed_call" and "1000" in reminder.title
    assert reminder.link == f"/phone/calls/{call.id}"
    assert reminder.source_key == "missed_call:b8c76cc9-2ddd-4fe1-b84d-199c3dd055d7"
    assert reminders_of(bystander) == []


def test_missed_call_is_announced_to_the_agents_tabs_only(app, client, auth, agent, make_user):
    other = make_user("other")
    auth.login(agent)
    agent_tab = socketio.test_client(app, flask_test_client=client)
    other_client = app.test_client()
    other_client.post("/login", data={"username": other.username, "password": "Passw0rd-test"})
    other_tab = socketio.test_client(app, flask_test_client=other_client)
    agent_tab.get_received(), other_tab.get_received()

    replay(app.test_client(), "inbound-missed")

    [notice] = notices(agent_tab)
    assert "1000" in notice["title"] and notice["link"].startswith("/phone/calls/")
    assert notices(other_tab) == []


def test_answered_call_raises_no_reminder(app, agent):
    replay(app.test_client(), "inbound-answered")
    assert reminders_of(agent) == []


def test_create_reminder_is_idempotent_on_its_source(agent):
    first = create_reminder(agent.id, "memo", "回电王先生", source_key="memo:1")
    second = create_reminder(agent.id, "memo", "回电王先生(重复)", source_key="memo:1")
    db.session.commit()
    assert first.id == second.id and len(reminders_of(agent)) == 1


def test_rolled_back_reminder_is_not_announced(app, client, auth, agent):
    auth.login(agent)
    tab = socketio.test_client(app, flask_test_client=client)
    tab.get_received()
    create_reminder(agent.id, "memo", "不会保存")
    db.session.rollback()
    db.session.commit()
    assert notices(tab) == []
    create_reminder(agent.id, "memo", "会保存")
    db.session.commit()
    assert [n["title"] for n in notices(tab)] == ["会保存"]


def test_todo_page_marks_read_and_counts(client, auth, agent, make_user):
    mine = create_reminder(agent.id, "missed_call", "漏接来电 13812345678", source_key="missed_call:x")
    theirs = create_reminder(make_user("other").id, "memo", "别人的待办")
    db.session.commit()
    auth.login(agent)
    page = client.get("/reminders/").get_data(as_text=True)
    assert "漏接来电 13812345678" in page and "别人的待办" not in page
    assert client.get("/reminders/count").get_json() == {"unread": 1}

    assert client.post(f"/reminders/{theirs.id}/read").status_code == 404
    assert client.post(f"/reminders/{mine.id}/read").status_code == 302
    assert client.get("/reminders/count").get_json() == {"unread": 0}
    assert "漏接来电 13812345678" not in client.get("/reminders/").get_data(as_text=True)
    assert "漏接来电 13812345678" in client.get("/reminders/?all=1").get_data(as_text=True)


def test_mark_read_needs_csrf(client, auth, agent):
    reminder = create_reminder(agent.id, "memo", "待办")
    db.session.commit()
    auth.login(agent)
    assert client.post(f"/reminders/{reminder.id}/read", csrf=False).status_code == 400


def test_todo_list_pages_through_a_long_list_keeping_the_filter(client, auth, agent):
    for n in range(PAGE_SIZE + 5):
        create_reminder(agent.id, "memo", f"备忘{n:03d}", due_at=utcnow() - timedelta(minutes=n))
    create_reminder(agent.id, "missed_call", "未接 13800001111")
    db.session.commit()
    auth.login(agent)

    first = client.get("/reminders/?kind=memo").get_data(as_text=True)
    assert "备忘000" in first and f"备忘{PAGE_SIZE - 1:03d}" in first and f"备忘{PAGE_SIZE:03d}" not in first
    assert 'rel="prev"' not in first and "未接 13800001111" not in first
    next_link = html.unescape(re.search(r'rel="next" href="([^"]+)"', first).group(1))
    assert "kind=memo" in next_link and "page=2" in next_link

    second = client.get(next_link).get_data(as_text=True)
    assert f"备忘{PAGE_SIZE:03d}" in second and f"备忘{PAGE_SIZE + 4:03d}" in second and "备忘000" not in second
    assert 'rel="next"' not in second and 'rel="prev"' in second and "未接 13800001111" not in second


def test_todo_list_refuses_a_bad_page_number(client, auth, agent):
    auth.login(agent)
    response = client.get("/reminders/?page=0")
    assert response.status_code == 400 and "页码" in response.get_data(as_text=True)

"""The home page: the agent's own figures for today, today's calls, memos, to-dos, dial pad, empty states."""

import re
from datetime import timedelta

import pytest

from app.extensions import db
from app.timeutil import format_local, utcnow


def figure(page: str, name: str) -> str:
    match = re.search(rf'data-figure="{name}">([^<]*)<', page)
    return match.group(1) if match else None


def test_home_page_without_any_data_shows_empty_states(client, auth, make_user, make_role):
    user = make_user("agent1", role=make_role(permissions=["phone.use"]))
    auth.login(user)
    page = client.get("/").get_data(as_text=True)
    assert figure(page, "calls_answered") == "0"
    assert figure(page, "talk_time") == "0:00:00"
    assert figure(page, "todo_count") == "0"
    assert "今天还没有通话" in page
    assert "短信功能尚未启用" in page
    assert "还没有快速拨号" in page
    assert 'data-dialpad-call data-dial=""' in page


def test_home_page_counts_only_todays_calls_of_this_agent(client, auth, make_user, make_role, make_customer):
    from app.reminders.services import create_reminder
    from app.telephony.models_calls import CallRecord

    user = make_user("agent2", role=make_role(permissions=["phone.use", "customer.view"]))
    other = make_user("agent3")
    customer = make_customer("上海宏达贸易", user=user)
    now = utcnow()
    db.session.add_all(
        [
            CallRecord(direction="inbound", status="answered", agent_id=user.id, started_at=now, talk_seconds=125,
                       far_number="13800138000", customer_id=customer.id),
            CallRecord(direction="outbound", status="answered", agent_id=user.id, started_at=now, talk_seconds=60),
            CallRecord(direction="inbound", status="missed", agent_id=user.id, started_at=now),
            CallRecord(direction="inbound", status="answered", agent_id=other.id, started_at=now, talk_seconds=999),
            CallRecord(direction="inbound", status="answered", agent_id=user.id, started_at=now - timedelta(days=2),
                       talk_seconds=999),
        ]
    )  # fmt: skip
    create_reminder(user.id, "missed_call", "未接来电 13800138000")
    db.session.commit()
    auth.login(user)
    page = client.get("/").get_data(as_text=True)
    assert figure(page, "calls_answered") == "1"
    assert figure(page, "calls_made") == "1"
    assert figure(page, "talk_time") == "0:03:05"
    assert figure(page, "todo_count") == "1"
    assert figure(page, "created_today") == "1"
    assert "上海宏达贸易" in page
    assert page.count("<tr>") == 3 + 1  # three calls of today plus the header row


def test_home_page_lists_todays_memos(client, auth, make_user):
    create_memo = pytest.importorskip("app.memos.services").create_memo
    user = make_user("agent4")
    create_memo({"subject": "回访王先生", "start_at": format_local(utcnow() + timedelta(minutes=30))}, user)
    db.session.commit()
    auth.login(user)
    page = client.get("/").get_data(as_text=True)
    assert "回访王先生" in page
    assert "您没有使用话机的权限" in page

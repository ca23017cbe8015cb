"""Due reminders with several processes, and the to-do list's filters."""

import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import scoped_session, sessionmaker

from app.auth.models import User
from app.extensions import db
from app.memos.models import Memo
from app.memos.services import fire_due_memos
from app.reminders.models import Reminder
from app.reminders.services import create_reminder
from app.timeutil import utcnow
from tests.conftest import is_postgres


def test_two_schedulers_at_once_raise_one_memo_reminder(app, monkeypatch):
    """Two workers (threads with their own connections) claim the same due memo at the same moment."""
    if not is_postgres(app):
        pytest.skip("needs concurrent writers: PostgreSQL")
    own_sessions = scoped_session(sessionmaker(bind=db.engine))  # one session and connection per thread
    monkeypatch.setattr(db, "session", own_sessions)
    user = User(username="race-memo", display_name="竞争", password_hash="x")
    db.session.add(user)
    db.session.flush()
    memo = Memo(owner_id=user.id, subject="并发提醒", start_at=utcnow(), remind_minutes=0, remind_at=utcnow())
    db.session.add(memo)
    db.session.commit()
    user_id, memo_id = user.id, memo.id
    db.session.remove()
    barrier, fired, errors = threading.Barrier(2), [], []

    def worker():
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                fired.append(fire_due_memos())
                db.session.commit()
            except Exception as exc:  # reported below; a thread cannot fail the test by itself
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    try:
        assert errors == [] and sorted(fired) == [0, 1]
        count = db.session.scalar(select(func.count(Reminder.id)).where(Reminder.user_id == user_id))
        assert count == 1
    finally:
        db.session.execute(delete(Reminder).where(Reminder.user_id == user_id))
        db.session.execute(delete(Memo).where(Memo.id == memo_id))
        db.session.execute(delete(User).where(User.id == user_id))
        db.session.commit()
        db.session.remove()


@pytest.fixture
def todo(make_user):
    agent = make_user("todoagent", display_name="坐席甲")
    at = datetime(2031, 3, 10, 2, 0)  # 10:00 on 10 March in Shanghai
    items = {
        "memo": create_reminder(agent.id, "memo", "备忘:回访", due_at=at),
        "missed": create_reminder(agent.id, "missed_call", "漏接来电 13800000000", due_at=at + timedelta(days=1)),
        "birthday": create_reminder(agent.id, "birthday", "张三的生日", due_at=at + timedelta(days=5)),
        "stock": create_reminder(agent.id, "low_stock", "库存不足:茶叶", due_at=at + timedelta(days=5)),
    }
    items["missed"].read_at = at + timedelta(days=1, hours=1)
    db.session.commit()
    return agent, items


def titles(client, query):
    page = client.get("/reminders/" + query).get_data(as_text=True)
    return {t for t in ("备忘:回访", "漏接来电 13800000000", "张三的生日", "库存不足:茶叶") if t in page}


def test_todo_filters_by_kind_state_and_time(client, auth, todo):
    agent, _items = todo
    auth.login(agent)
    assert titles(client, "") == {"备忘:回访", "张三的生日", "库存不足:茶叶"}
    assert titles(client, "?state=all&kind=missed_call") == {"漏接来电 13800000000"}
    assert titles(client, "?state=read") == {"漏接来电 13800000000"}
    assert titles(client, "?state=all&since=2031-03-11&until=2031-03-11") == {"漏接来电 13800000000"}
    assert titles(client, "?since=2031-03-12") == {"张三的生日", "库存不足:茶叶"}
    assert titles(client, "?kind=low_stock") == {"库存不足:茶叶"}


def test_bad_todo_filters_are_named(client, auth, todo):
    agent, _items = todo
    auth.login(agent)
    response = client.get("/reminders/?kind=nonsense&since=2031-02-30&state=maybe")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "类型:" in page and "开始日期:" in page and "状态:" in page


def test_agent_filter_needs_permission_and_scope(client, auth, todo, make_user, make_role):
    agent, _items = todo
    plain = make_user("plainagent")
    auth.login(plain)
    response = client.get(f"/reminders/?agent={agent.id}")
    assert response.status_code == 400 and "备忘:回访" not in response.get_data(as_text=True)

    auth.logout()
    supervisor = make_user("supervisor", role=make_role(permissions=["reminder.query_all"], data_scope="all"))
    auth.login(supervisor)
    page = client.get(f"/reminders/?agent={agent.id}&state=all").get_data(as_text=True)
    assert "备忘:回访" in page and "漏接来电 13800000000" in page
    assert "标为已读" not in page  # someone else's to-dos are read-only


def test_mark_read_moves_an_item_out_of_unread(client, auth, todo):
    agent, items = todo
    auth.login(agent)
    assert client.post(f"/reminders/{items['stock'].id}/read").status_code == 302
    assert titles(client, "") == {"备忘:回访", "张三的生日"}
    assert "库存不足:茶叶" in titles(client, "?state=read")

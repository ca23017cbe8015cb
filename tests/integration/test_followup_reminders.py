"""A follow-up's "next reminder" time reminds the agent who wrote it, once, also after downtime."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.customers.followups import fire_due_followups
from app.customers.models import FollowUp
from app.extensions import db, socketio
from app.jobs.runner import run_due_jobs, schedule_periodic_jobs
from app.reminders.models import Reminder
from app.timeutil import format_local, utcnow


@pytest.fixture
def agent(make_user, make_role):
    role = make_role(permissions=["customer.view", "customer.add", "customer.edit", "followup.view", "followup.add"])
    return make_user("follower", display_name="跟进坐席", role=role)


def followup_reminders(user_id):
    return list(db.session.scalars(select(Reminder).where(Reminder.user_id == user_id, Reminder.kind == "followup")))


def write_followup(client, customer, remind_at, content="客户要求下周再联系"):
    response = client.post(
        f"/customers/{customer.id}/followups",
        data={"content": content, "next_remind_at": format_local(remind_at, "%Y-%m-%d %H:%M")},
    )
    assert response.status_code in (200, 302), response.get_data(as_text=True)
    return db.session.scalars(select(FollowUp).where(FollowUp.customer_id == customer.id)).one()


def test_due_followup_reminds_its_author_once_after_a_restart(app, client, auth, agent, make_customer):
    customer = make_customer("周先生", user=agent)
    agent_id, customer_id = agent.id, customer.id
    auth.login(agent)
    write_followup(client, customer, utcnow() - timedelta(hours=3))
    tab = socketio.test_client(app, flask_test_client=client)
    tab.get_received()

    schedule_periodic_jobs()  # what a worker does when it starts again
    run_due_jobs(app)

    [reminder] = followup_reminders(agent_id)
    assert reminder.title == "跟进客户:周先生" and reminder.body == "客户要求下周再联系"
    assert reminder.link == f"/customers/{customer_id}" and reminder.read_at is None
    assert [e["args"][0]["title"] for e in tab.get_received() if e["name"] == "notify"] == ["跟进客户:周先生"]

    assert fire_due_followups() == 0
    db.session.commit()
    assert len(followup_reminders(agent_id)) == 1
    assert not [e for e in tab.get_received() if e["name"] == "notify"]


def test_followup_waits_for_its_time(client, auth, agent, make_customer):
    customer = make_customer("吴女士", user=agent)
    auth.login(agent)
    write_followup(client, customer, utcnow() + timedelta(hours=2))

    assert fire_due_followups() == 0
    assert fire_due_followups(now=utcnow() + timedelta(hours=2, minutes=1)) == 1
    assert len(followup_reminders(agent.id)) == 1


def test_followups_without_a_time_or_long_past_raise_nothing(agent, make_customer):
    customer = make_customer("郑先生", user=agent)
    db.session.add(FollowUp(customer=customer, content="没有提醒", created_by_id=agent.id))
    db.session.add(
        FollowUp(
            customer=customer, content="旧记录", created_by_id=agent.id, next_remind_at=utcnow() - timedelta(days=30)
        )
    )
    db.session.commit()

    assert fire_due_followups() == 0
    assert followup_reminders(agent.id) == []

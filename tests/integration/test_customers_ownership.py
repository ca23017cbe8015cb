"""Assign, lock, merge, batch set and batch delete: what changes, what is refused, what is audited."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.audit.models import AuditLog
from app.customers.merge import merge_customers
from app.customers.models import Customer, FollowUp
from app.customers.ownership import Targets, assign, batch_set, lock, release_expired_locks, unlock
from app.errors import ValidationError
from app.extensions import db
from app.jobs.runner import enqueue, run_due_jobs
from app.timeutil import utcnow

LEAD = ["customer.view", "customer.query_all", "customer.edit", "customer.assign", "customer.delete", "followup.add"]


@pytest.fixture(autouse=True)
def _request_context(app):
    from app.audit.services import set_actor

    set_actor(None, "", "")
    with app.test_request_context():
        yield


@pytest.fixture
def lead(make_user, make_role):
    return make_user("lead", role=make_role(permissions=LEAD, data_scope="all"))


def owners(customers):
    db.session.expire_all()
    return [db.session.get(Customer, c.id).owner_id for c in customers]


def test_assign_selected_first_n_and_all_matching(admin_client, admin, make_user, make_customer):
    agent = make_user("agent")
    group = [make_customer(f"批量{i}", company="批量公司", user=admin) for i in range(5)]
    other = make_customer("别的", company="别家", user=admin)
    assert assign(Targets(ids=[group[0].id]), "agent", admin, agent.id) == 1
    assert owners(group[:2]) == [agent.id, admin.id]

    params = {"filter": json.dumps([{"field": "company", "op": "eq", "value": "批量公司"}])}
    response = admin_client.post(
        "/customers/batch/assign", json={"mode": "first", "limit": 3, "params": params, "assign": "pool"}
    )
    assert response.get_json() == {"count": 3}
    assert owners(group) == [None, None, None, admin.id, admin.id]
    response = admin_client.post("/customers/batch/assign", json={"mode": "all", "params": params, "assign": "private"})
    assert response.get_json() == {"count": 5}
    assert owners(group + [other]) == [admin.id] * 6
    entry = db.session.scalars(select(AuditLog).where(AuditLog.action == "assign").order_by(AuditLog.id.desc())).first()
    assert entry is not None and entry.changes["ids"][1] == 5


def test_assign_refuses_bad_agent_and_skips_what_the_user_cannot_see(make_user, make_role, make_customer, admin):
    own = make_user("own", role=make_role(permissions=LEAD[:1] + LEAD[2:], data_scope="own"))
    mine, theirs = make_customer("我的", user=own), make_customer("别人的", user=admin)
    with pytest.raises(ValidationError) as info:
        assign(Targets(ids=[mine.id]), "agent", own, agent_id=987654)
    assert "坐席" in info.value.errors
    assert assign(Targets(ids=[mine.id, theirs.id]), "pool", own) == 1
    assert owners([mine, theirs]) == [None, admin.id]


def test_lock_limit_other_agents_and_auto_unlock(app, lead, make_user, make_customer, admin):
    lead.lock_limit, lead.lock_days = 2, 3
    db.session.commit()
    customers = [make_customer(f"锁{i}", user=lead) for i in range(3)]
    with pytest.raises(ValidationError) as info:
        lock(Targets(ids=[c.id for c in customers]), lead)
    assert "最多可锁定 2" in info.value.message
    assert lock(Targets(ids=[customers[0].id, customers[1].id]), lead) == 2

    other = make_user("other", role=lead.role)
    locked = db.session.get(Customer, customers[0].id)
    assert not locked.can_edit(other) and locked.can_edit(lead)
    assert assign(Targets(ids=[locked.id]), "pool", other) == 0
    assert batch_set(Targets(ids=[locked.id]), "company", "改不了", other) == 0

    locked.locked_at = utcnow() - timedelta(days=4)
    db.session.commit()
    ids, lead_id = [c.id for c in customers], lead.id
    enqueue("customer_unlock_expired", {}, None)
    db.session.commit()
    run_due_jobs(app)  # the scheduler's way: a job in its own app context
    assert db.session.get(Customer, ids[0]).locked_by_id is None
    assert db.session.get(Customer, ids[1]).locked_by_id == lead_id
    assert release_expired_locks() == 0
    from app.auth.models import User

    assert unlock(Targets(ids=[ids[1]]), db.session.get(User, lead_id)) == 1


def test_merge_keeps_everything(lead, make_customer, param_id):
    from app.customers.followups import add_followup

    keep = make_customer("合并甲", user=lead, phones=["13812345678"], company="")
    other = make_customer(
        "合并乙",
        user=lead,
        company="乙公司",
        email="b@example.cn",
        phones=["138 1234 5678", "010-87654321"],
        contacts=[{"name": "乙的同事", "phones": [{"number": "13900000000"}]}],
    )
    add_followup(other, {"content": "上次来电"}, lead)
    db.session.commit()
    other_id = other.id
    merge_customers(keep, other, lead)
    db.session.commit()
    db.session.expire_all()
    kept = db.session.get(Customer, keep.id)
    assert db.session.get(Customer, other_id) is None
    assert kept.name == "合并甲" and kept.company == "乙公司" and kept.email == "b@example.cn"
    assert sorted(p.normalized for p in kept.phones) == ["1087654321", "13812345678", "13900000000"]
    assert [c.name for c in kept.contacts] == ["乙的同事"]
    assert [f.content for f in db.session.scalars(select(FollowUp).where(FollowUp.customer_id == kept.id))] == [
        "上次来电"
    ]
    assert kept.last_contact_at is not None
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "merge"))
    assert entry.entity_id == str(kept.id) and "合并乙" in entry.summary


def test_batch_set_builtin_and_param_fields(admin_client, admin, make_customer, param_id):
    a, b = make_customer("调整A", user=admin), make_customer("调整B", user=admin)
    response = admin_client.post("/customers/batch/set", json={"ids": [a.id, b.id], "field": "name", "value": "客户C"})
    assert response.get_json() == {"count": 2}
    db.session.expire_all()
    assert {db.session.get(Customer, c.id).name for c in (a, b)} == {"客户C"}
    bad = admin_client.post("/customers/batch/set", json={"ids": [a.id], "field": "email", "value": "nope"})
    assert bad.status_code == 400 and "邮箱" in bad.get_json()["errors"]
    level = param_id("customer_level", "重要客户")
    assert batch_set(Targets(ids=[a.id]), "level_id", level, admin) == 1
    assert db.session.get(Customer, a.id).level_id == level


def test_batch_delete_selected_and_all_matching_needs_password(admin_client, admin, make_customer):
    from tests.conftest import TEST_PASSWORD

    doomed = [make_customer(f"删{i}", company="待删公司", user=admin) for i in range(3)]
    survivor = make_customer("留下", company="别家", user=admin)
    ids = [c.id for c in doomed] + [survivor.id]
    assert admin_client.post("/customers/batch/delete", json={"ids": [ids[0]]}).get_json() == {"count": 1}
    params = {"filter": json.dumps([{"field": "company", "op": "eq", "value": "待删公司"}])}
    wrong = admin_client.post("/customers/batch/delete", json={"mode": "all", "params": params, "password": "x"})
    assert wrong.status_code == 400 and "密码" in wrong.get_json()["errors"]
    assert db.session.get(Customer, ids[1]) is not None
    ok = admin_client.post("/customers/batch/delete", json={"mode": "all", "params": params, "password": TEST_PASSWORD})
    assert ok.get_json() == {"count": 2}
    db.session.expire_all()
    assert [db.session.get(Customer, i) is None for i in ids] == [True, True, True, False]
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "delete", AuditLog.entity_id == "batch"))


def test_batch_actions_need_their_permission(client, auth, make_user, make_role, make_customer):
    agent = make_user("agent", role=make_role(permissions=["customer.view", "customer.edit"]))
    customer = make_customer("无权", user=agent)
    auth.login(agent)
    assert client.post("/customers/batch/assign", json={"ids": [customer.id], "assign": "pool"}).status_code == 403
    assert client.post("/customers/batch/delete", json={"ids": [customer.id]}).status_code == 403
    assert client.post("/customers/batch/assign", json={"ids": [customer.id]}, csrf=False).status_code in (400, 403)

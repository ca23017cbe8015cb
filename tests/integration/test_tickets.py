"""Tickets through their services and pages: numbers, per-type fields, steps, permissions, overdue reminders."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.errors import ValidationError
from app.extensions import db
from app.reminders.models import Reminder
from app.tickets import services, tasks, types
from app.tickets.models import Ticket, TicketEvent, TicketType
from app.tickets.numbering import check_format, next_number
from app.timeutil import local_today, utcnow

AGENT_PERMISSIONS = ["ticket.view", "ticket.add", "customer.view"]


@pytest.fixture
def complaint():
    """A type 投诉单 with a required choice field, a number field and two steps."""
    ticket_type = types.save_type(None, {"name": "投诉单", "number_format": "TS{yyyyMMdd}{seq:04}"})
    types.add_field(
        ticket_type, {"label": "投诉渠道", "field_type": "choice", "required": True, "options": "电话,微信"}
    )
    types.add_field(ticket_type, {"label": "赔付金额", "field_type": "money"})
    db.session.commit()
    return ticket_type


@pytest.fixture
def agent_role(make_role):
    return make_role("工单坐席", AGENT_PERMISSIONS)


def raise_ticket(ticket_type, user, **data):
    values = {"type_id": ticket_type.id, "title": "空调不制冷", "extra": {}, **data}
    if ticket_type.live_fields and not data.get("extra"):
        values["extra"] = {ticket_type.live_fields[0].key: "电话"}
    ticket = services.create_ticket(values, user)
    db.session.commit()
    return ticket


def test_default_types_are_seeded():
    names = [t.name for t in types.ticket_types()]
    assert names[:3] == ["投诉", "咨询", "回访"]


def test_numbers_follow_the_format_and_never_repeat(complaint, admin):
    day = local_today().strftime("%Y%m%d")
    numbers = [raise_ticket(complaint, admin).number for _ in range(3)]
    assert numbers == [f"TS{day}0001", f"TS{day}0002", f"TS{day}0003"]
    # Another type with the same format shares the counter instead of handing out TS…0001 again.
    twin = types.save_type(None, {"name": "投诉副本", "number_format": "TS{yyyyMMdd}{seq:04}"})
    assert raise_ticket(twin, admin).number == f"TS{day}0004"


def test_sequence_restarts_with_a_new_date_prefix(app):
    first_day = utcnow() - timedelta(days=3)
    assert next_number("X{yyyyMMdd}-{seq:3}", first_day).endswith("-001")
    assert next_number("X{yyyyMMdd}-{seq:3}", first_day).endswith("-002")
    assert next_number("X{yyyyMMdd}-{seq:3}").endswith("-001")


@pytest.mark.parametrize(
    "bad, message",
    [
        ("TS{yyyyMMdd}", "序号"),
        ("TS{seq}{seq}", "序号"),
        ("TS{abc}{seq}", "{abc}"),
        ("工单{seq}", "字母、数字"),
    ],
)
def test_bad_number_format_is_named(bad, message):
    with pytest.raises(ValidationError) as caught:
        check_format(bad)
    assert "编号格式" in caught.value.errors
    assert message in caught.value.errors["编号格式"]


def test_type_names_are_unique_and_formats_checked():
    with pytest.raises(ValidationError) as caught:
        types.save_type(None, {"name": "投诉", "number_format": "nope"})
    assert set(caught.value.errors) == {"名称", "编号格式"}


def test_fields_of_the_type_are_validated_naming_the_field(complaint, admin):
    channel, amount = (f.key for f in complaint.live_fields)
    with pytest.raises(ValidationError) as caught:
        services.create_ticket(
            {"type_id": complaint.id, "title": "", "extra": {channel: "邮件", amount: "很多"}}, admin
        )
    errors = caught.value.errors
    assert "标题" in errors
    assert "邮件" in errors["投诉渠道"] and "电话" in errors["投诉渠道"]
    assert "赔付金额" in errors
    db.session.rollback()
    assert db.session.scalar(select(func.count(Ticket.id))) == 0

    with pytest.raises(ValidationError) as caught:
        services.create_ticket({"type_id": complaint.id, "title": "无渠道", "extra": {}}, admin)
    assert caught.value.errors == {"投诉渠道": "必填"}

    ticket = raise_ticket(complaint, admin, extra={channel: "微信", amount: "¥1,200.5"})
    assert ticket.extra == {channel: "微信", amount: 1200.5}


def test_fields_of_another_type_do_not_apply(complaint, admin):
    enquiry = db.session.scalar(select(TicketType).where(TicketType.name == "咨询"))
    ticket = raise_ticket(enquiry, admin, extra={})
    assert ticket.extra == {}


def test_steps_move_with_who_and_when_and_hand_over(complaint, admin, make_user, agent_role):
    first = make_user("first_agent", role=agent_role, display_name="受理员")
    second = make_user("second_agent", role=agent_role, display_name="处理员")
    types.add_step(complaint, {"name": "受理", "user_id": first.id, "due_hours": "4"})
    types.add_step(complaint, {"name": "处理", "user_id": second.id, "is_final": True})
    db.session.commit()

    ticket = raise_ticket(complaint, admin)
    assert (ticket.step.name, ticket.assignee_id, ticket.state) == ("受理", first.id, "open")
    assert ticket.due_at is not None and ticket.due_at > utcnow() + timedelta(hours=3)

    with pytest.raises(services.NotAllowed):
        services.act(ticket, second, "advance", "抢先")

    before = utcnow()
    services.act(ticket, first, "advance", "已核实")
    db.session.commit()
    assert (ticket.step.name, ticket.assignee_id, ticket.state) == ("处理", second.id, "handling")

    services.act(ticket, second, "callback", "客户表示满意")
    services.act(ticket, second, "advance", "")
    db.session.commit()
    assert ticket.state == "closed" and ticket.closed_at is not None

    events = db.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id))
    history = [(e.action, e.step_name, e.user_id) for e in events]
    assert history == [
        ("created", "受理", admin.id),
        ("step", "处理", first.id),
        ("callback", "处理", second.id),
        ("closed", "处理", second.id),
    ]
    step_event = db.session.scalar(select(TicketEvent).where(TicketEvent.action == "step"))
    assert step_event.at >= before.replace(microsecond=0) and "受理 → 处理" in step_event.note

    with pytest.raises(ValidationError):
        services.act(ticket, second, "comment", "关了还能写?")


def test_ticket_changes_reach_the_audit_log(complaint, admin):
    from app.audit.models import AuditLog

    ticket = raise_ticket(complaint, admin)
    services.act(ticket, admin, "close", "重复工单")
    db.session.commit()
    entries = db.session.scalars(
        select(AuditLog).where(AuditLog.entity == "ticket", AuditLog.entity_id == str(ticket.id))
    )
    assert {e.action for e in entries} >= {"create", "update"}


def test_only_responsible_or_query_all_with_edit_may_act(complaint, admin, make_user, make_role, agent_role):
    owner = make_user("ticket_owner", role=agent_role)
    bystander = make_user("bystander", role=agent_role)
    supervisor = make_user(
        "supervisor", role=make_role("工单主管", [*AGENT_PERMISSIONS, "ticket.query_all", "ticket.edit"], "all")
    )
    viewer_all = make_user("viewer_all", role=make_role("只看全部", [*AGENT_PERMISSIONS, "ticket.query_all"], "all"))
    ticket = raise_ticket(complaint, admin, assignee_id=owner.id)

    assert services.can_view(ticket, owner) and services.can_act(ticket, owner)
    assert not services.can_view(ticket, bystander)
    assert services.can_view(ticket, viewer_all) and not services.can_act(ticket, viewer_all)
    assert services.can_act(ticket, supervisor)
    with pytest.raises(services.NotAllowed):
        services.act(ticket, viewer_all, "comment", "看看")


def test_customer_must_be_visible_to_the_creator(complaint, make_user, make_customer, agent_role):
    mine = make_user("cust_owner", role=agent_role)
    other = make_user("cust_other", role=agent_role)
    customer = make_customer("王先生", user=mine, owner_id=mine.id)
    with pytest.raises(ValidationError) as caught:
        services.create_ticket(
            {
                "type_id": complaint.id,
                "title": "t",
                "customer_id": customer.id,
                "extra": {complaint.live_fields[0].key: "电话"},
            },
            other,
        )
    assert "客户" in caught.value.errors
    db.session.rollback()
    ticket = raise_ticket(complaint, mine, customer_id=customer.id)
    assert ticket.customer_id == customer.id


def test_overdue_job_reminds_once(app, complaint, make_user, agent_role):
    from app.jobs.models import Job
    from app.jobs.runner import run_due_jobs

    owner = make_user("late_owner", role=agent_role)
    ticket = raise_ticket(complaint, owner, due_at=utcnow() - timedelta(minutes=10))
    done_ticket = raise_ticket(complaint, owner, due_at=utcnow() - timedelta(minutes=10))
    services.act(done_ticket, owner, "close", "")
    db.session.commit()

    owner_id, ticket_id, number = owner.id, ticket.id, ticket.number  # run_due_jobs ends the session
    for _ in range(2):
        db.session.add(Job(kind="ticket_overdue", payload={}))
        db.session.commit()
        run_due_jobs(app)
    reminders = db.session.scalars(select(Reminder).where(Reminder.user_id == owner_id)).all()
    assert [(r.kind, r.link) for r in reminders] == [("ticket_overdue", f"/tickets/{ticket_id}")]
    assert number in reminders[0].title

    # A new due time that passes again is worth a new reminder.
    db.session.get(Ticket, ticket_id).due_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    tasks.remind_overdue()
    db.session.commit()
    assert db.session.scalar(select(func.count(Reminder.id)).where(Reminder.user_id == owner_id)) == 2


def test_ticket_pages_need_their_permissions(client, auth, make_user, make_role):
    plain = make_user("no_tickets", role=make_role("无工单", ["customer.view"]))
    auth.login(plain)
    assert client.get("/tickets/").status_code == 403
    assert client.get("/tickets/new").status_code == 403
    assert client.get("/tickets/types").status_code == 403


def test_create_through_the_page_and_act(client, auth, complaint, make_user, make_role, make_customer):
    role = make_role("页面坐席", [*AGENT_PERMISSIONS, "ticket.admin"])
    agent = make_user("page_agent", role=role)
    customer = make_customer("李女士", user=agent, owner_id=agent.id)
    auth.login(agent)
    page = client.get(f"/tickets/new?customer_id={customer.id}&type_id={complaint.id}").get_data(as_text=True)
    assert "李女士" in page and "投诉渠道" in page
    channel = complaint.live_fields[0].key

    bad = client.post("/tickets/new", data={"type_id": complaint.id, "title": "x", f"field_{channel}": "邮件"})
    assert bad.status_code == 400 and "投诉渠道" in bad.get_data(as_text=True)

    response = client.post(
        "/tickets/new",
        data={"type_id": complaint.id, "customer_id": customer.id, "title": "<b>坏了</b>", f"field_{channel}": "电话"},
    )
    assert response.status_code == 302
    ticket = db.session.scalar(select(Ticket).where(Ticket.customer_id == customer.id))
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "&lt;b&gt;坏了&lt;/b&gt;" in detail and "<b>坏了</b>" not in detail
    assert client.post(f"/tickets/{ticket.id}/act", data={"action": "comment", "note": "已联系"}).status_code == 302
    assert "已联系" in client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert client.post(f"/tickets/{ticket.id}/act", data={"action": "comment"}, csrf=False).status_code == 400


def test_grid_filters_and_my_tickets(client, auth, complaint, make_user, make_role, agent_role):
    import json

    me = make_user("grid_me", role=agent_role)
    other = make_user("grid_other", role=agent_role)
    boss = make_user("grid_boss", superuser=True)
    raise_ticket(complaint, boss, title="我的空调", assignee_id=me.id)
    raise_ticket(complaint, boss, title="别人的冰箱", assignee_id=other.id, priority="urgent")
    late = raise_ticket(complaint, boss, title="超时的洗衣机", assignee_id=me.id, due_at=utcnow() - timedelta(hours=1))

    auth.login(me)
    rows = client.get("/tickets/mine/data").get_json()["data"]
    assert sorted(r["title"] for r in rows) == ["我的空调", "超时的洗衣机"]
    assert client.get("/tickets/data").get_json()["total"] == 2  # the other agent's ticket stays hidden
    overdue = client.get("/tickets/mine/data?quick=overdue").get_json()["data"]
    assert [r["id"] for r in overdue] == [late.id]

    auth.logout()
    auth.login(boss)
    urgent = client.get(
        "/tickets/data", query_string={"filter": json.dumps([{"field": "priority", "op": "in", "value": ["urgent"]}])}
    )
    assert urgent.status_code == 200, urgent.get_json()
    assert [r["title"] for r in urgent.get_json()["data"]] == ["别人的冰箱"]
    assert [r["priority"] for r in urgent.get_json()["data"]] == ["紧急"]
    searched = client.get("/tickets/data?q=洗衣机").get_json()["data"]
    assert [r["title"] for r in searched] == ["超时的洗衣机"]
    export = client.get("/tickets/export?format=csv")
    assert export.status_code == 200 and "别人的冰箱" in export.get_data(as_text=True)
    assert re.search(r"TS\d{12}", export.get_data(as_text=True))


def test_ticket_from_a_call_record_takes_its_customer(client, auth, complaint, make_user, make_customer, agent_role):
    from app.telephony.models_calls import CallRecord

    agent = make_user("call_agent", role=agent_role)
    customer = make_customer("孙先生", user=agent, owner_id=agent.id)
    call = CallRecord(uuid="call-ticket-1", direction="inbound", far_number="13800001234", customer_id=customer.id)
    call.agent_id = agent.id
    db.session.add(call)
    db.session.commit()
    auth.login(agent)
    assert "孙先生" in client.get(f"/tickets/new?call_id={call.id}").get_data(as_text=True)
    ticket = raise_ticket(complaint, agent, call_id=call.id)
    assert (ticket.call_id, ticket.customer_id) == (call.id, customer.id)

    stranger = make_user("call_stranger", role=agent_role)
    with pytest.raises(ValidationError) as caught:
        raise_ticket(complaint, stranger, call_id=call.id)
    assert "通话记录" in caught.value.errors


def test_type_admin_page_names_the_bad_field(client, auth, make_user, make_role):
    auth.login(make_user("type_admin", role=make_role("工单管理", ["ticket.view", "ticket.admin"])))
    response = client.post("/tickets/types/new", data={"name": "", "number_format": "AB{seq}{dd"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "名称" in page and "编号格式" in page
    assert db.session.scalar(select(func.count(TicketType.id))) == 3
    response = client.post(
        "/tickets/types/new", data={"name": "售后", "number_format": "SH{yyMM}{seq:5}", "enabled": "1"}
    )
    created = db.session.scalar(select(TicketType).where(TicketType.name == "售后"))
    assert response.status_code == 302 and created.number_format == "SH{yyMM}{seq:5}"
    step = client.post(
        f"/tickets/types/{created.id}/steps", data={"name": "核实", "due_hours": "-1"}, follow_redirects=True
    )
    assert "处理时限" in step.get_data(as_text=True) and not created.steps


# -- editing a ticket -----------------------------------------------------------------------------

EDITOR_PERMISSIONS = [*AGENT_PERMISSIONS, "ticket.edit"]


def edit_form(ticket, **changes):
    """The edit form as the page fills it, with `changes` applied (field_<key> for the type's fields)."""
    form = {"title": ticket.title, "content": ticket.content, "priority": ticket.priority, "due_at": ""}
    form["customer_id"] = str(ticket.customer_id or "")
    for key, value in (ticket.extra or {}).items():
        form[f"field_{key}"] = str(value)
    form.update(changes)
    return form


def edit_events(ticket):
    return db.session.scalars(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket.id, TicketEvent.action == "edited")
    ).all()


def test_creator_with_edit_permission_edits_through_the_page(client, auth, complaint, make_user, make_role):
    from app.audit.models import AuditLog

    editor = make_user("ticket_editor", role=make_role("工单编辑", EDITOR_PERMISSIONS), display_name="编辑员")
    channel, amount = (f.key for f in complaint.live_fields)
    ticket = raise_ticket(complaint, editor, title="空调不制冷", content="第一次报修")
    auth.login(editor)
    detail = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert f"/tickets/{ticket.id}/edit" in detail
    page = client.get(f"/tickets/{ticket.id}/edit").get_data(as_text=True)
    assert 'value="空调不制冷"' in page and "投诉渠道" in page and "第一次报修" in page

    response = client.post(
        f"/tickets/{ticket.id}/edit",
        data=edit_form(
            ticket,
            title="空调<b>漏水</b>",
            priority="urgent",
            due_at="2030-01-02T09:30",
            **{f"field_{channel}": "微信", f"field_{amount}": "300"},
        ),
    )
    assert response.status_code == 302
    db.session.expire_all()
    ticket = db.session.get(Ticket, ticket.id)
    assert (ticket.title, ticket.priority, ticket.content) == ("空调<b>漏水</b>", "urgent", "第一次报修")
    assert ticket.extra == {channel: "微信", amount: 300.0}
    assert ticket.due_at is not None and ticket.number.startswith("TS")

    [event] = edit_events(ticket)
    assert event.user_id == editor.id
    lines = event.note.splitlines()
    assert "标题:空调不制冷 → 空调<b>漏水</b>" in lines
    assert "优先级:普通 → 紧急" in lines
    assert "投诉渠道:电话 → 微信" in lines and "赔付金额:(空) → 300.00" in lines
    assert not any(line.startswith("内容") for line in lines)  # unchanged fields are not listed
    history = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "空调&lt;b&gt;漏水&lt;/b&gt;" in history and "<b>漏水</b>" not in history

    audit = db.session.scalars(
        select(AuditLog).where(AuditLog.entity == "ticket", AuditLog.entity_id == str(ticket.id))
    ).all()
    assert any(e.action == "update" and "title" in e.changes for e in audit)

    # Saving the form unchanged writes no history line.
    assert (
        client.post(f"/tickets/{ticket.id}/edit", data=edit_form(ticket, due_at="2030-01-02T09:30")).status_code == 302
    )
    assert len(edit_events(ticket)) == 1


def test_bad_edit_names_the_fields_and_changes_nothing(client, auth, complaint, admin):
    ticket = raise_ticket(complaint, admin, title="原标题")
    channel, amount = (f.key for f in complaint.live_fields)
    auth.login(admin)
    response = client.post(
        f"/tickets/{ticket.id}/edit",
        data=edit_form(ticket, title="", **{f"field_{channel}": "邮件", f"field_{amount}": "很多"}),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "标题" in page and "投诉渠道" in page and "赔付金额" in page
    db.session.expire_all()
    ticket = db.session.get(Ticket, ticket.id)
    assert ticket.title == "原标题" and ticket.extra == {channel: "电话"}
    assert edit_events(ticket) == []


def test_edit_refuses_a_customer_the_editor_may_not_see(client, auth, complaint, make_user, make_role, make_customer):
    editor = make_user("cust_editor", role=make_role("工单编辑2", EDITOR_PERMISSIONS))
    stranger = make_user("cust_stranger", role=make_role("别组", AGENT_PERMISSIONS))
    theirs = make_customer("别人的客户", user=stranger, owner_id=stranger.id)
    mine = make_customer("我的客户", user=editor, owner_id=editor.id)
    ticket = raise_ticket(complaint, editor)
    auth.login(editor)
    forged = client.post(f"/tickets/{ticket.id}/edit", data=edit_form(ticket, customer_id=str(theirs.id)))
    assert forged.status_code == 400 and "没有这个客户,或无权查看" in forged.get_data(as_text=True)
    assert db.session.get(Ticket, ticket.id).customer_id is None

    assert (
        client.post(f"/tickets/{ticket.id}/edit", data=edit_form(ticket, customer_id=str(mine.id))).status_code == 302
    )
    db.session.expire_all()
    ticket = db.session.get(Ticket, ticket.id)
    assert ticket.customer_id == mine.id
    assert "客户:(空) → 我的客户" in edit_events(ticket)[0].note
    page = client.get(f"/tickets/{ticket.id}/edit").get_data(as_text=True)
    assert 'value="我的客户"' in page and f'value="{mine.id}"' in page


def test_edit_needs_the_edit_permission_on_a_ticket_of_ones_own(
    client, auth, complaint, admin, make_user, make_role, agent_role
):
    creator = make_user("plain_creator", role=agent_role)
    editor = make_user("other_editor", role=make_role("工单编辑3", EDITOR_PERMISSIONS))
    supervisor = make_user(
        "edit_supervisor", role=make_role("工单主管2", [*EDITOR_PERMISSIONS, "ticket.query_all"], "all")
    )
    ticket = raise_ticket(complaint, creator, title="不许改")
    number = ticket.number

    auth.login(creator)  # raised it, but the role lacks ticket.edit
    assert f"/tickets/{ticket.id}/edit" not in client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert client.get(f"/tickets/{ticket.id}/edit").status_code == 403
    assert client.post(f"/tickets/{ticket.id}/edit", data=edit_form(ticket, title="改了")).status_code == 403
    auth.logout()

    auth.login(editor)  # may edit, but this ticket is neither theirs nor visible to them
    assert client.post(f"/tickets/{ticket.id}/edit", data=edit_form(ticket, title="改了")).status_code == 404
    auth.logout()
    with pytest.raises(services.NotAllowed):
        services.edit_ticket(ticket, {"title": "改了", "extra": dict(ticket.extra)}, creator)
    db.session.rollback()
    assert db.session.get(Ticket, ticket.id).title == "不许改"

    auth.login(supervisor)  # query_all + edit: anyone's ticket
    response = client.post(f"/tickets/{ticket.id}/edit", data=edit_form(ticket, title="主管改的"))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).title == "主管改的"
    assert client.post(f"/tickets/{ticket.id}/edit", data=edit_form(ticket), csrf=False).status_code == 400
    assert db.session.get(Ticket, ticket.id).number == number


def test_closed_ticket_is_read_only_until_reopened(client, auth, complaint, admin):
    ticket = raise_ticket(complaint, admin, title="已办结")
    services.act(ticket, admin, "close", "处理完毕")
    db.session.commit()
    auth.login(admin)
    assert f"/tickets/{ticket.id}/edit" not in client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    refused = client.post(f"/tickets/{ticket.id}/edit", data=edit_form(ticket, title="关了还改"), follow_redirects=True)
    assert "工单已关闭,请先重新打开" in refused.get_data(as_text=True)
    with pytest.raises(ValidationError) as caught:
        services.edit_ticket(ticket, {"title": "关了还改", "extra": dict(ticket.extra)}, admin)
    assert "工单" in caught.value.errors
    db.session.rollback()
    assert db.session.get(Ticket, ticket.id).title == "已办结"

    services.act(db.session.get(Ticket, ticket.id), admin, "reopen", "")
    db.session.commit()
    assert client.post(f"/tickets/{ticket.id}/edit", data=edit_form(ticket, title="重开后修改")).status_code == 302
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).title == "重开后修改"

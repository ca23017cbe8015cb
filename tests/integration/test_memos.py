"""Memos: the form and its errors, who sees what, reminders fired exactly once (also after a restart), exports."""

from datetime import UTC, datetime, timedelta

import icalendar
import pytest
from defusedxml import ElementTree
from sqlalchemy import func, select

from app.extensions import db, socketio
from app.jobs.models import Job
from app.jobs.runner import run_due_jobs, schedule_periodic_jobs
from app.memos.models import Memo
from app.memos.services import create_memo, fire_due_memos, update_memo
from app.reminders.models import Reminder
from app.timeutil import format_local, utcnow


@pytest.fixture
def agent(make_user):
    return make_user("memoagent", display_name="备忘坐席")


def local_text(value: datetime) -> str:
    return format_local(value, "%Y-%m-%dT%H:%M")


def memo_reminders(user):
    user_id = user if isinstance(user, int) else user.id
    return list(db.session.scalars(select(Reminder).where(Reminder.user_id == user_id, Reminder.kind == "memo")))


def make_memo(user, start, remind_minutes=15, **fields):
    data = {"subject": "回访王先生", "start_at": local_text(start), "remind_minutes": remind_minutes, **fields}
    memo = create_memo(data, user)
    db.session.commit()
    return memo


def test_memo_form_saves_in_local_time(client, auth, agent):
    auth.login(agent)
    response = client.post(
        "/memos/new",
        data={"subject": "拜访客户", "place": "北京朝阳", "label": "urgent", "start_at": "2031-05-06T09:30",
              "end_at": "2031-05-06T10:30", "remind_minutes": "60", "content": "带合同"},
    )  # fmt: skip
    assert response.status_code == 302
    memo = db.session.scalars(select(Memo).where(Memo.owner_id == agent.id)).one()
    assert memo.start_at == datetime(2031, 5, 6, 1, 30)  # 09:30 in Shanghai is 01:30 UTC
    assert memo.remind_at == datetime(2031, 5, 6, 0, 30)
    assert memo.fired_at is None
    page = client.get("/memos/data").get_json()
    assert [row["subject"] for row in page["data"]] == ["拜访客户"]
    assert page["data"][0]["start_at"] == "2031-05-06 09:30" and page["data"][0]["label"] == "紧急"


def test_bad_memo_names_each_field_and_writes_nothing(client, auth, agent, make_user, make_customer):
    hidden = make_customer("别人的客户", user=make_user("owner2", superuser=True))  # not visible to the agent
    auth.login(agent)
    response = client.post(
        "/memos/new",
        data={"subject": "", "start_at": "2031-13-01 10:00", "remind_minutes": "99999", "customer_id": hidden.id},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    for label in ("主题", "开始时间", "提前提醒", "客户"):
        assert f"{label}:" in page
    response = client.post(
        "/memos/new", data={"subject": "x", "start_at": "2031-05-06T10:00", "end_at": "2031-05-06T09:00"}
    )
    assert response.status_code == 400 and "结束时间:不能早于开始时间" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Memo.id))) == 0


def test_memos_are_private_to_their_owner(client, auth, agent, make_user):
    memo = make_memo(make_user("other"), utcnow() + timedelta(days=1), subject="别人的备忘")
    auth.login(agent)
    assert client.get(f"/memos/{memo.id}").status_code == 404
    assert client.post(f"/memos/{memo.id}/delete").status_code == 404
    assert client.get("/memos/data").get_json()["data"] == []


def test_missed_memo_fires_once_after_restart(app, client, auth, agent):
    """The app was down when the reminder fell due: the first scheduler run raises it, later runs do not."""
    make_memo(agent, utcnow() - timedelta(hours=2), remind_minutes=30, place="会议室A")
    agent_id = agent.id  # the job runner ends its session: keep the id, not the object
    auth.login(agent)
    tab = socketio.test_client(app, flask_test_client=client)
    tab.get_received()

    schedule_periodic_jobs()  # what the worker does when it starts again
    assert run_due_jobs(app) >= 1
    job = db.session.scalars(select(Job).where(Job.kind == "memo_reminders")).one()
    assert job.state == "done" and job.result == {"fired": 1}
    [reminder] = memo_reminders(agent_id)
    assert reminder.title == "回访王先生" and "会议室A" in reminder.body and reminder.read_at is None
    assert [e["args"][0]["title"] for e in tab.get_received() if e["name"] == "notify"] == ["回访王先生"]

    schedule_periodic_jobs()
    run_due_jobs(app)
    assert fire_due_memos() == 0
    db.session.commit()
    assert len(memo_reminders(agent_id)) == 1
    assert not [e for e in tab.get_received() if e["name"] == "notify"]


def test_memo_not_yet_due_waits_and_a_rescheduled_one_fires_again(agent):
    memo = make_memo(agent, utcnow() + timedelta(hours=2), remind_minutes=60)
    assert fire_due_memos() == 0
    assert fire_due_memos(now=utcnow() + timedelta(minutes=61)) == 1
    db.session.commit()
    update_memo(memo, {"subject": "改期", "start_at": local_text(utcnow() + timedelta(days=1)), "remind_minutes": "0"},
                agent)  # fmt: skip
    db.session.commit()
    assert memo.fired_at is None
    assert fire_due_memos(now=utcnow() + timedelta(days=1, minutes=1)) == 1
    db.session.commit()
    assert [r.title for r in sorted(memo_reminders(agent), key=lambda r: r.id)] == ["回访王先生", "改期"]


def test_unread_memo_reminder_is_announced_at_next_login(client, auth, agent):
    make_memo(agent, utcnow() - timedelta(hours=1))
    fire_due_memos()
    db.session.commit()
    auth.login(agent)
    page = client.get("/").get_data(as_text=True)
    assert "您有 1 条未读待办事项" in page


def test_ics_export_parses_with_utc_times_and_alarm(client, auth, agent):
    start = datetime(2031, 10, 1, 2, 0)  # 10:00 in Shanghai
    make_memo(agent, start, remind_minutes=30, subject="中秋回访; 带礼品, 逗号", place="上海", label="important",
              end_at=local_text(start + timedelta(hours=1)), content="第一行\n第二行 " + "很长的内容" * 30)  # fmt: skip
    auth.login(agent)
    response = client.get("/memos/export?format=ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    body = response.get_data()
    assert b"\r\n" in body and all(len(line) <= 75 for line in body.split(b"\r\n"))
    calendar = icalendar.Calendar.from_ical(body)
    [event] = calendar.walk("VEVENT")
    assert event.decoded("dtstart") == start.replace(tzinfo=UTC)
    assert event.decoded("dtend") == (start + timedelta(hours=1)).replace(tzinfo=UTC)
    assert str(event["summary"]) == "中秋回访; 带礼品, 逗号" and str(event["location"]) == "上海"
    assert str(event["description"]).startswith("第一行\n第二行")
    [alarm] = event.walk("VALARM")
    assert alarm.decoded("trigger") == timedelta(minutes=-30)
    assert b"DTSTART:20311001T020000Z" in body


def test_html_xml_excel_and_csv_exports(client, auth, agent):
    make_memo(agent, datetime(2031, 1, 2, 1, 0), subject="<script>alert(1)</script>", place="=cmd")
    auth.login(agent)
    html = client.get("/memos/export?format=html")
    assert html.status_code == 200 and "attachment" in html.headers["Content-Disposition"]
    text = html.get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text and "<script>alert" not in text
    assert "2031-01-02 09:00" in text
    xml = ElementTree.fromstring(client.get("/memos/export?format=xml").get_data())
    [memo] = xml.findall("memo")
    assert memo.findtext("subject") == "<script>alert(1)</script>" and memo.findtext("place") == "=cmd"
    assert memo.find("subject").get("label") == "主题"
    csv_text = client.get("/memos/export?format=csv").get_data().decode("utf-8-sig")
    assert "'=cmd" in csv_text and "主题" in csv_text
    xlsx = client.get("/memos/export?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.get_data()[:2] == b"PK"
    assert client.get("/memos/export?format=pdf").status_code == 400


def test_memo_pages_render_and_agenda_lists_the_next_two_weeks(client, auth, agent):
    soon = make_memo(agent, utcnow() + timedelta(days=1), subject="明天的会", place="三楼")
    make_memo(agent, utcnow() + timedelta(days=30), subject="下个月的会")
    auth.login(agent)
    assert "添加备忘" in client.get("/memos/").get_data(as_text=True)
    form = client.get("/memos/new").get_data(as_text=True)
    assert 'name="start_at"' in form and "提前2周" in form
    agenda = client.get("/memos/agenda").get_data(as_text=True)
    assert "明天的会" in agenda and "三楼" in agenda and "下个月的会" not in agenda
    detail = client.get(f"/memos/{soon.id}").get_data(as_text=True)
    assert 'value="明天的会"' in detail and local_text(soon.start_at) in detail


def test_supervisor_reads_but_cannot_change_an_agents_memo(client, auth, agent, make_user, make_role):
    memo = make_memo(agent, utcnow() + timedelta(days=1), subject="坐席的备忘")
    boss = make_user("boss", role=make_role(permissions=["memo.query_all"], data_scope="all"))
    auth.login(boss)
    assert "坐席的备忘" in client.get(f"/memos/{memo.id}").get_data(as_text=True)
    assert client.post(f"/memos/{memo.id}", data={"subject": "改了", "start_at": "2031-01-01T10:00"}).status_code == 403
    assert client.post(f"/memos/{memo.id}/delete").status_code == 403
    assert db.session.get(Memo, memo.id).subject == "坐席的备忘"

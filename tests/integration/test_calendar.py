"""Holidays for any year, company days, the holiday greeting reminder and hook, birthday reminders."""

from datetime import date

import pytest
from sqlalchemy import select

from app.calendar import hooks
from app.calendar.reminders import birthday_in_year, fire_birthday_reminders, fire_holiday_reminders
from app.calendar.services import add_company_holiday, holidays_for_year
from app.errors import ValidationError
from app.extensions import db
from app.reminders.models import Reminder


def festival_days(year) -> dict[str, date]:
    return {h.name: h.day for h in holidays_for_year(year) if h.kind == "festival"}


@pytest.mark.parametrize(
    ("year", "spring", "mid_autumn", "eve", "dragon_boat"),
    [
        (2026, date(2026, 2, 17), date(2026, 9, 25), date(2026, 2, 16), date(2026, 6, 19)),
        (2031, date(2031, 1, 23), date(2031, 10, 1), date(2031, 1, 22), date(2031, 6, 24)),
    ],
)
def test_lunar_festivals_land_on_the_right_day(year, spring, mid_autumn, eve, dragon_boat):
    days = festival_days(year)
    assert days["春节"] == spring and days["中秋节"] == mid_autumn
    assert days["除夕"] == eve and days["端午节"] == dragon_boat
    assert days["国庆节"] == date(year, 10, 1) and days["元旦"] == date(year, 1, 1)


def test_statutory_days_off_are_listed_with_the_festivals():
    by_day = {}
    for h in holidays_for_year(2026):
        by_day.setdefault(h.day, []).append(h)
    assert [h.kind for h in by_day[date(2026, 2, 18)]] == ["rest"]  # 春节 holiday, second day
    assert by_day[date(2026, 2, 17)][0].day_off and by_day[date(2026, 2, 17)][0].greet
    assert not by_day[date(2026, 3, 3)][0].day_off  # 元宵节 is a festival, not a day off
    qingming = next(h for h in holidays_for_year(2026) if h.name == "清明节")
    assert qingming.day_off and not qingming.greet


def test_holiday_page_and_company_days(client, auth, admin, make_user):
    auth.login(make_user("viewer"))
    page = client.get("/calendar/holidays?year=2031").get_data(as_text=True)
    assert "2031-01-23" in page and "中秋节" in page and "添加公司节日" not in page
    assert client.post("/calendar/holidays", data={"day": "2031-06-18", "name": "店庆"}).status_code == 403
    assert client.get("/calendar/holidays?year=abc").status_code == 404
    auth.logout()

    auth.login(admin)
    bad = client.post("/calendar/holidays", data={"day": "2031-02-30", "name": "", "year": "2031"})
    assert bad.status_code == 400 and "日期:" in bad.get_data(as_text=True) and "名称:" in bad.get_data(as_text=True)
    response = client.post("/calendar/holidays", data={"day": "2031-06-18", "name": "店庆<b>", "greet": "1"})
    assert response.status_code == 302
    page = client.get("/calendar/holidays?year=2031").get_data(as_text=True)
    assert "店庆&lt;b&gt;" in page
    with pytest.raises(ValidationError) as error:
        add_company_holiday({"day": "2031-06-18", "name": "店庆<b>"}, admin)
    assert "名称" in error.value.errors


def test_holiday_reminder_once_per_user_and_hook_once(app, make_user, make_customer, monkeypatch):
    first, second = make_user("h1"), make_user("h2")
    make_user("gone", enabled=False)
    make_customer("节日客户")
    calls = []
    monkeypatch.setattr(hooks, "on_holiday", [])
    hooks.holiday_greeting_hook(
        lambda holiday, customers: calls.append((holiday.name, db.session.execute(customers).all()))
    )

    assert fire_holiday_reminders(date(2031, 10, 1)) == 2  # the disabled account gets none
    db.session.commit()
    assert fire_holiday_reminders(date(2031, 10, 1)) == 0  # the second run of the day raises nothing
    db.session.commit()
    titles = {r.user_id: r.title for r in db.session.scalars(select(Reminder).where(Reminder.kind == "holiday"))}
    assert set(titles) == {first.id, second.id} and "中秋节" in titles[first.id] and "国庆节" in titles[first.id]
    assert sorted(name for name, _rows in calls) == ["中秋节", "国庆节"]
    assert all(len(rows) == 1 for _name, rows in calls)
    assert fire_holiday_reminders(date(2031, 10, 8)) == 0  # an ordinary day


def test_company_day_greets_only_when_asked(make_user, admin):
    make_user("agent-x")
    add_company_holiday({"day": "2031-06-18", "name": "盘点日"}, admin)
    assert fire_holiday_reminders(date(2031, 6, 18)) == 0
    add_company_holiday({"day": "2031-06-18", "name": "店庆", "greet": "1"}, admin)
    assert fire_holiday_reminders(date(2031, 6, 18)) >= 1


def test_customer_birthday_reminded_days_ahead_once(app, make_user, make_customer):
    owner = make_user("bdowner")
    make_customer("寿星", user=owner, owner_id=owner.id, birthday=date(1980, 5, 9))
    make_customer("太远", user=owner, owner_id=owner.id, birthday=date(1980, 5, 20))
    make_customer("无主", user=owner, owner_id=None, birthday=date(1980, 5, 9))
    assert app.config["BIRTHDAY_REMIND_DAYS"] == 3
    assert fire_birthday_reminders(date(2031, 5, 5)) == 0  # four days ahead: not yet
    assert fire_birthday_reminders(date(2031, 5, 6)) == 1
    db.session.commit()
    assert fire_birthday_reminders(date(2031, 5, 7)) == 0
    assert fire_birthday_reminders(date(2031, 5, 9)) == 0
    [reminder] = db.session.scalars(select(Reminder).where(Reminder.kind == "birthday", Reminder.user_id == owner.id))
    assert "寿星" in reminder.title and "05-09" in reminder.title
    assert fire_birthday_reminders(date(2032, 5, 8)) == 1  # next year, once again


def test_leap_day_birthdays_fall_on_28_february_in_common_years(make_user, make_customer):
    assert birthday_in_year(date(2000, 2, 29), 2031) == date(2031, 2, 28)
    assert birthday_in_year(date(2000, 2, 29), 2032) == date(2032, 2, 29)
    owner = make_user("leapowner")
    make_customer("闰日", user=owner, owner_id=owner.id, birthday=date(2000, 2, 29))
    assert fire_birthday_reminders(date(2031, 2, 28), days=0) == 1
    assert fire_birthday_reminders(date(2032, 2, 28), days=0) == 0
    assert fire_birthday_reminders(date(2032, 2, 29), days=0) == 1


def test_staff_birthdays_go_to_staff_managers(make_user, make_role, admin):
    employee_model = pytest.importorskip("app.staff.models").Employee
    manager = make_user("hr", role=make_role(permissions=["staff.view"]))
    agent = make_user("plain-agent")
    db.session.add(employee_model(name="李四", birthday=date(1990, 12, 31)))
    db.session.commit()
    assert fire_birthday_reminders(date(2031, 12, 29)) >= 2
    recipients = set(db.session.scalars(select(Reminder.user_id).where(Reminder.kind == "birthday")))
    assert {manager.id, admin.id} <= recipients and agent.id not in recipients

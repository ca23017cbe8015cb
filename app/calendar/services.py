"""China's holidays for any year, computed, plus the company's own days.

Two maintained libraries do the calendar arithmetic: `holidays` knows the statutory days off (with the
State Council's make-up arrangements where published), `lunar-python` converts the lunar calendar so
the traditional festivals (除夕, 春节, 元宵, 端午, 七夕, 中秋, 重阳, 腊八) land on the right solar day.
"""

from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache

import holidays as holiday_library
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from lunar_python import Lunar, LunarYear
from sqlalchemy import extract, select

from app.calendar.models import CompanyHoliday
from app.errors import ValidationError
from app.extensions import db

MIN_YEAR, MAX_YEAR = 1901, 2099  # the range both libraries compute reliably

# (lunar month, lunar day, name); day 0 means the last day of the month (除夕 is 29 or 30 of the 12th month).
LUNAR_FESTIVALS = (
    (1, 1, "春节"),
    (1, 15, "元宵节"),
    (5, 5, "端午节"),
    (7, 7, "七夕节"),
    (8, 15, "中秋节"),
    (9, 9, "重阳节"),
    (12, 8, "腊八节"),
    (12, 0, "除夕"),
)
SOLAR_FESTIVALS = ((1, 1, "元旦"), (3, 8, "妇女节"), (5, 1, "劳动节"), (5, 4, "青年节"), (6, 1, "儿童节"),
                   (9, 10, "教师节"), (10, 1, "国庆节"))  # fmt: skip
# Festivals one does not send cheerful greetings for.
NO_GREETING = {"清明节"}
KIND_LABELS = {"festival": _l("节日"), "rest": _l("法定假日"), "company": _l("公司节日")}
# The festival names in the user's language (the names above stay the keys).
FESTIVAL_LABELS = {
    "春节": _l("春节"), "元宵节": _l("元宵节"), "端午节": _l("端午节"), "七夕节": _l("七夕节"), "中秋节": _l("中秋节"),
    "重阳节": _l("重阳节"), "腊八节": _l("腊八节"), "除夕": _l("除夕"), "元旦": _l("元旦"), "妇女节": _l("妇女节"),
    "劳动节": _l("劳动节"), "青年节": _l("青年节"), "儿童节": _l("儿童节"), "教师节": _l("教师节"),
    "国庆节": _l("国庆节"), "清明节": _l("清明节"),
}  # fmt: skip


@dataclass(frozen=True)
class Holiday:
    day: date
    name: str
    kind: str  # festival (the day itself), rest (a statutory day off), company
    greet: bool = False
    day_off: bool = False
    id: int | None = None  # the CompanyHoliday row, for company days

    @property
    def label(self) -> str:
        return str(FESTIVAL_LABELS.get(self.name, self.name))


def check_year(year) -> int:
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise ValidationError({_("年份"): _("必须是整数")}) from None
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationError({_("年份"): _("只支持 %(low)d 到 %(high)d 年", low=MIN_YEAR, high=MAX_YEAR)})
    return year


def _lunar_to_solar(lunar_year: int, month: int, day: int) -> date:
    if day == 0:
        day = LunarYear.fromYear(lunar_year).getMonth(month).getDayCount()
    solar = Lunar.fromYmd(lunar_year, month, day).getSolar()
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


@lru_cache(maxsize=64)
def computed_holidays(year: int) -> tuple[Holiday, ...]:
    """Festivals and statutory days off of one solar year; pure arithmetic, so cached per process."""
    found: dict[tuple[date, str], Holiday] = {}
    # A solar year holds the end of the previous lunar year (腊八, 除夕 in January or February).
    for lunar_year in (year - 1, year):
        for month, day, name in LUNAR_FESTIVALS:
            solar = _lunar_to_solar(lunar_year, month, day)
            if solar.year == year:
                found[(solar, name)] = Holiday(solar, name, "festival", greet=True)
    for month, day, name in SOLAR_FESTIVALS:
        found[(date(year, month, day), name)] = Holiday(date(year, month, day), name, "festival", greet=True)
    statutory = holiday_library.China(years=year, language="zh_CN")
    for day, names in sorted(statutory.items()):
        for name in names.split("; "):
            same = [key for key, h in found.items() if h.day == day and h.name.removesuffix("节") in name]
            for key in same:  # the festival itself is a day off this year
                found[key] = replace(found[key], day_off=True)
            if not same and name == "清明节":
                found[(day, name)] = Holiday(day, name, "festival", greet=False, day_off=True)
            elif not same:
                found[(day, name)] = Holiday(day, name, "rest", day_off=True)
    return tuple(sorted(found.values(), key=lambda h: (h.day, h.kind != "festival", h.name)))


def company_holidays(year: int) -> list[Holiday]:
    rows = db.session.scalars(
        select(CompanyHoliday).where(extract("year", CompanyHoliday.day) == year).order_by(CompanyHoliday.day)
    )
    return [Holiday(row.day, row.name, "company", greet=row.greet, id=row.id) for row in rows]


def holidays_for_year(year) -> list[Holiday]:
    year = check_year(year)
    merged = list(computed_holidays(year)) + company_holidays(year)
    return sorted(merged, key=lambda h: (h.day, h.kind != "festival", h.name))


def holidays_on(day: date) -> list[Holiday]:
    return [h for h in holidays_for_year(day.year) if h.day == day]


def greeting_holidays_on(day: date) -> list[Holiday]:
    return [h for h in holidays_on(day) if h.greet and h.name not in NO_GREETING]


def add_company_holiday(data: dict, user) -> CompanyHoliday:
    errors = {}
    name = str(data.get("name") or "").strip()
    if not name:
        errors[_("名称")] = _("必须填写")
    elif len(name) > 80:
        errors[_("名称")] = _("最多 80 个字")
    try:
        day = date.fromisoformat(str(data.get("day") or "").strip())
        check_year(day.year)
    except ValueError:
        errors[_("日期")] = _("日期格式应为 年-月-日")
        day = None
    except ValidationError as error:
        errors[_("日期")] = next(iter(error.errors.values()))
        day = None
    note = str(data.get("note") or "").strip()
    if len(note) > 200:
        errors[_("备注")] = _("最多 200 个字")
    if not errors and db.session.scalar(
        select(CompanyHoliday.id).where(CompanyHoliday.day == day, CompanyHoliday.name == name)
    ):
        errors[_("名称")] = _("这一天已有同名节日")
    if errors:
        raise ValidationError(errors)
    greet = str(data.get("greet") or "").lower() in ("1", "on", "true", "y", "yes")
    holiday = CompanyHoliday(day=day, name=name, greet=greet, note=note, created_by_id=user.id if user else None)
    db.session.add(holiday)
    db.session.flush()
    return holiday


def delete_company_holiday(holiday_id: int) -> bool:
    holiday = db.session.get(CompanyHoliday, holiday_id)
    if holiday is None:
        return False
    db.session.delete(holiday)
    db.session.flush()
    return True

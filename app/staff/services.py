"""Employee profiles: validation, create/update/delete, the orders credited to an employee, birthdays ahead."""

import re
from datetime import date, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.auth.models import Department, User
from app.errors import ValidationError
from app.extensions import db
from app.fields.values import parse_date_value
from app.staff.models import Employee

GENDER_LABELS = {"": "", "M": _l("男"), "F": _l("女")}
TEXT_FIELDS = {"name": (_l("姓名"), 80), "title": (_l("职务"), 80), "phone": (_l("电话"), 40),
               "email": (_l("邮箱"), 160), "notes": (_l("备注"), 2000)}  # fmt: skip
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^[0-9+\-() ]*$")


def _date(value, label, errors):
    if value in (None, ""):
        return None
    try:
        return parse_date_value(value)
    except ValidationError as exc:
        errors[str(label)] = exc.message
        return None


def _reference(value, model, label, errors):
    if value in (None, "", "0"):
        return None
    try:
        found = db.session.get(model, int(str(value).strip()))
    except ValueError:
        found = None
    if found is None:
        errors[str(label)] = _("不存在")
        return None
    return found.id


def clean(data: dict, employee: Employee | None = None) -> dict:
    """Plain values → column values; every bad value at once, keyed by the field's label."""
    errors, values = {}, {}
    for key, (label, limit) in TEXT_FIELDS.items():
        value = str(data.get(key) or "").strip()
        if len(value) > limit:
            errors[str(label)] = _("不能超过 %(n)d 个字", n=limit)
        values[key] = value
    if not values["name"]:
        errors[str(TEXT_FIELDS["name"][0])] = _("必填")
    if values["email"] and not _EMAIL.match(values["email"]):
        errors[str(TEXT_FIELDS["email"][0])] = _("邮箱格式不正确")
    if not _PHONE.match(values["phone"]):
        errors[str(TEXT_FIELDS["phone"][0])] = _("只能包含数字、空格和 + - ( )")
    values["gender"] = str(data.get("gender") or "")
    if values["gender"] not in GENDER_LABELS:
        errors[_("性别")] = _("无效的选项")
    values["birthday"] = _date(data.get("birthday"), _l("生日"), errors)
    values["hire_date"] = _date(data.get("hire_date"), _l("入职日期"), errors)
    if values["birthday"] and values["birthday"] > date.today():
        errors[_("生日")] = _("不能晚于今天")
    values["department_id"] = _reference(data.get("department_id"), Department, _l("部门"), errors)
    values["user_id"] = _reference(data.get("user_id"), User, _l("登录账号"), errors)
    if values["user_id"] is not None:
        other = db.session.scalar(select(Employee).where(Employee.user_id == values["user_id"]))
        if other is not None and other is not employee:
            errors[_("登录账号")] = _("已关联员工“%(name)s”", name=other.name)
    if errors:
        raise ValidationError(errors)
    return values


def save_employee(data: dict, employee: Employee | None = None) -> Employee:
    values = clean(data, employee)
    if employee is None:
        employee = Employee()
        db.session.add(employee)
    for key, value in values.items():
        setattr(employee, key, value)
    db.session.flush()
    return employee


def delete_employee(employee: Employee) -> None:
    db.session.delete(employee)
    db.session.flush()


def employee_to_form(employee: Employee) -> dict:
    values = {key: getattr(employee, key) for key in (*TEXT_FIELDS, "gender", "department_id", "user_id")}
    values["birthday"] = employee.birthday.isoformat() if employee.birthday else ""
    values["hire_date"] = employee.hire_date.isoformat() if employee.hire_date else ""
    return values


def form_choices() -> dict:
    departments = db.session.execute(
        select(Department.id, Department.name).order_by(Department.position, Department.name)
    )
    users = db.session.execute(select(User.id, User.display_name).order_by(User.display_name))
    return {
        "departments": list(departments),
        "users": list(users),
        "genders": [(k, v) for k, v in GENDER_LABELS.items() if k],
    }


def employee_orders(employee: Employee, limit: int = 50):
    """Orders credited to the employee's login account; None when the orders module is not installed."""
    try:
        from app.orders.models import Order
    except ImportError:
        return None
    if employee.user_id is None:
        return []
    query = (
        select(Order)
        .where(Order.seller_id == employee.user_id)
        .order_by(Order.order_date.desc(), Order.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


def upcoming_birthdays(today: date, days: int) -> list[tuple[Employee, date]]:
    """Employees whose birthday falls within `days` days from `today` (29 February counts as 1 March
    in other years), with the date of that birthday; for the to-do list's birthday reminders."""
    found = []
    for employee in db.session.scalars(select(Employee).where(Employee.birthday.is_not(None))):
        for year in (today.year, today.year + 1):
            try:
                day = employee.birthday.replace(year=year)
            except ValueError:
                day = date(year, 3, 1)
            if today <= day <= today + timedelta(days=days):
                found.append((employee, day))
                break
    return sorted(found, key=lambda pair: pair[1])

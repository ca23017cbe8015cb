"""The employee list as a data grid."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.auth.models import Department, User
from app.extensions import db
from app.grid.columns import labels_column
from app.grid.services import GridColumn, GridDefinition
from app.staff.models import Employee
from app.staff.services import GENDER_LABELS


def _department_choices():
    return list(db.session.execute(select(Department.id, Department.name).order_by(Department.position)))


def employee_columns(user) -> list[GridColumn]:
    department = select(Department.name).where(Department.id == Employee.department_id).scalar_subquery()
    account = select(User.username).where(User.id == Employee.user_id).scalar_subquery()
    return [
        GridColumn("name", _l("姓名"), Employee.name, type="link", searchable=True, width=100),
        labels_column("gender", _l("性别"), Employee.gender, GENDER_LABELS, width=60),
        GridColumn(
            "department",
            _l("部门"),
            department,
            type="choice",
            filter_expr=Employee.department_id,
            choices=_department_choices,
            width=110,
        ),
        GridColumn("title", _l("职务"), Employee.title, searchable=True, width=100),
        GridColumn("phone", _l("电话"), Employee.phone, searchable=True, width=130),
        GridColumn("email", _l("邮箱"), Employee.email, searchable=True, width=160),
        GridColumn("birthday", _l("生日"), Employee.birthday, type="date", width=100),
        GridColumn("hire_date", _l("入职日期"), Employee.hire_date, type="date", width=100),
        GridColumn("account", _l("登录账号"), account, width=100),
        GridColumn("notes", _l("备注"), Employee.notes, type="memo", searchable=True, default_visible=False),
    ]


EMPLOYEE_GRID = GridDefinition(
    id="staff",
    columns=employee_columns,
    base_query=lambda user: select(Employee),
    id_expr=Employee.id,
    default_sort=[("name", "asc")],
    quick_filters={"linked": (_l("有登录账号"), lambda user: Employee.user_id.is_not(None))},
)

"""The lists of the system chapter as data-grid definitions: users, roles, the login log and the audit log."""

import json

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, cast, func, or_, select

from app.audit.models import AuditLog
from app.auth.models import Department, LoginLog, Role, User
from app.extensions import db
from app.grid.columns import labels_column, local_minutes, local_seconds
from app.grid.filters import text_contains
from app.grid.services import GridColumn, GridDefinition
from app.system.audit_text import ACTION_LABELS, ENTITY_LABELS, LOGIN_REASONS, describe_changes
from app.system.roles import DATA_SCOPE_LABELS


def _department_choices():
    from app.system.departments import department_choices

    return department_choices()


def _role_choices():
    return [(r.id, r.name) for r in db.session.scalars(select(Role).order_by(Role.name))]


def _user_columns(user):
    department_name = select(Department.name).where(Department.id == User.department_id).scalar_subquery()
    role_name = select(Role.name).where(Role.id == User.role_id).scalar_subquery()
    return [
        GridColumn("username", _l("登录名"), User.username, searchable=True, width=120),
        GridColumn("display_name", _l("姓名"), User.display_name, searchable=True, width=110),
        GridColumn(
            "department",
            _l("部门"),
            department_name,
            type="choice",
            choices=_department_choices,
            filter_expr=User.department_id,
            width=110,
        ),
        GridColumn("role", _l("角色"), role_name, type="choice", choices=_role_choices, filter_expr=User.role_id),
        GridColumn("extension", _l("分机号"), User.extension, searchable=True, width=90),
        GridColumn("mobile", _l("手机号"), User.mobile, searchable=True, width=120),
        GridColumn("enabled", _l("启用"), User.enabled, type="bool", width=70),
        GridColumn("is_superuser", _l("超级用户"), User.is_superuser, type="bool", width=80),
        GridColumn(
            "last_login_at", _l("最后登录"), User.last_login_at, type="datetime", format=local_minutes, width=140
        ),
        GridColumn("lock_limit", _l("锁定上限"), User.lock_limit, type="number", width=80),
        GridColumn("lock_days", _l("锁定天数"), User.lock_days, type="number", width=80),
        GridColumn("email", _l("邮箱"), User.email, searchable=True, default_visible=False),
        GridColumn(
            "created_at", _l("创建时间"), User.created_at, type="datetime", format=local_minutes, default_visible=False
        ),
    ]


USERS_GRID = GridDefinition(
    id="users",
    columns=_user_columns,
    base_query=lambda user: select(User.id),
    id_expr=User.id,
    default_sort=[("username", "asc")],
)


def _role_columns(user):
    user_count = select(func.count(User.id)).where(User.role_id == Role.id).scalar_subquery()
    # Both SQLite and PostgreSQL know json_array_length for the JSON list of permission codes.
    permission_count = func.coalesce(func.json_array_length(Role.permissions), 0)
    return [
        GridColumn("name", _l("角色名称"), Role.name, searchable=True, width=140),
        GridColumn("description", _l("说明"), Role.description, searchable=True, width=220),
        labels_column("data_scope", _l("数据范围"), Role.data_scope, DATA_SCOPE_LABELS, width=120),
        GridColumn("hide_numbers", _l("隐藏客户号码"), Role.hide_numbers, type="bool", width=150),
        GridColumn("permission_count", _l("权限数"), permission_count, type="number", width=110),
        GridColumn("user_count", _l("用户数"), user_count, type="number", width=110),
    ]


ROLES_GRID = GridDefinition(
    id="roles",
    columns=_role_columns,
    base_query=lambda user: select(Role.id),
    id_expr=Role.id,
    default_sort=[("name", "asc")],
)


def _login_columns(user):
    return [
        GridColumn("at", _l("时间"), LoginLog.at, type="datetime", format=local_seconds, width=150),
        GridColumn("username", _l("用户"), LoginLog.username, searchable=True, width=120),
        GridColumn("ip", _l("IP 地址"), LoginLog.ip, searchable=True, width=130),
        GridColumn("success", _l("登录成功"), LoginLog.success, type="bool", width=80),
        labels_column("reason", _l("原因"), LoginLog.reason, LOGIN_REASONS, width=130),
        GridColumn("user_agent", _l("浏览器"), LoginLog.user_agent, searchable=True, default_visible=False, width=260),
    ]


LOGIN_LOG_GRID = GridDefinition(
    id="login_log",
    columns=_login_columns,
    base_query=lambda user: select(LoginLog.id),
    id_expr=LoginLog.id,
    default_sort=[("at", "desc")],
)


def _entity_choices():
    present = db.session.scalars(select(AuditLog.entity).distinct().order_by(AuditLog.entity))
    return [(name, str(ENTITY_LABELS.get(name, name))) for name in present]


def _changes_contain(text: str):
    """Search the stored before/after values, also in the escaped form JSON gives non-ASCII text."""
    stored = cast(AuditLog.changes, String)
    escaped = json.dumps(text)[1:-1]
    return or_(text_contains(stored, text), text_contains(stored, escaped))


def _audit_columns(user):
    return [
        GridColumn("at", _l("时间"), AuditLog.at, type="datetime", format=local_seconds, width=150),
        GridColumn("user_name", _l("操作人"), AuditLog.user_name, searchable=True, width=100),
        GridColumn("ip", _l("IP 地址"), AuditLog.ip, searchable=True, width=120),
        labels_column("action", _l("操作"), AuditLog.action, ACTION_LABELS, width=80),
        GridColumn(
            "entity",
            _l("对象"),
            AuditLog.entity,
            type="choice",
            choices=_entity_choices,
            format=lambda value, row: str(ENTITY_LABELS.get(value, value)),
            width=90,
        ),
        GridColumn("entity_id", _l("记录编号"), AuditLog.entity_id, searchable=True, width=80),
        GridColumn("summary", _l("摘要"), AuditLog.summary, searchable=True, width=160),
        GridColumn(
            "changes",
            _l("变更内容(修改前 → 修改后)"),
            AuditLog.changes,
            type="memo",
            sortable=False,
            filterable=False,
            searchable=True,
            search_condition=_changes_contain,
            format=lambda value, row: describe_changes(value),
            width=420,
        ),
    ]


AUDIT_GRID = GridDefinition(
    id="audit_log",
    columns=_audit_columns,
    base_query=lambda user: select(AuditLog.id),
    id_expr=AuditLog.id,
    default_sort=[("at", "desc")],
)

"""Audit entries in words: action and entity names, field labels, and "before → after" per field."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

ACTION_LABELS = {
    "create": _l("新增"),
    "update": _l("修改"),
    "delete": _l("删除"),
    "password_change": _l("修改密码"),
    "password_reset": _l("重置密码"),
    "merge": _l("合并"),
    "assign": _l("分配"),
    "batch": _l("批量操作"),
}

ENTITY_LABELS = {
    "user": _l("用户"),
    "role": _l("角色"),
    "department": _l("部门"),
    "customer": _l("客户"),
    "follow_up": _l("来往记录"),
    "custom_field": _l("扩展字段"),
    "param_item": _l("参数"),
}

# Column names shared by several tables mean the same thing in each ("name" is a role's or a department's name).
FIELD_LABELS = {
    "username": _l("登录名"),
    "display_name": _l("姓名"),
    "must_change_password": _l("须修改密码"),
    "enabled": _l("启用"),
    "is_superuser": _l("超级用户"),
    "department_id": _l("部门"),
    "role_id": _l("角色"),
    "extension": _l("分机号"),
    "mobile": _l("手机号"),
    "email": _l("邮箱"),
    "lock_limit": _l("锁定上限"),
    "lock_days": _l("锁定天数"),
    "name": _l("名称"),
    "description": _l("说明"),
    "permissions": _l("权限"),
    "data_scope": _l("数据范围"),
    "hide_numbers": _l("隐藏客户号码"),
    "customer_categories": _l("可见客户分类"),
    "parent_id": _l("上级部门"),
    "position": _l("排序"),
    "label": _l("名称"),
    "kind": _l("类别"),
    "owner_id": _l("归属坐席"),
    "notes": _l("备注"),
}

LOGIN_REASONS = {
    "": _l("成功"),
    "bad_password": _l("密码错误"),
    "unknown_user": _l("用户不存在"),
    "disabled": _l("账号已停用"),
    "locked": _l("账号锁定中"),
    "locked_out": _l("错误过多,已锁定"),
    "ip_throttled": _l("地址失败过多"),
}

MAX_VALUE_CHARS = 80


def login_reason(code: str) -> str:
    return str(LOGIN_REASONS.get(code or "", code))


def describe_value(value) -> str:
    if value is None or value == "":
        return _("(空)")
    if value is True:
        return _("是")
    if value is False:
        return _("否")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) if value else _("(空)")
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items()) if value else _("(空)")
    text = str(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


def describe_changes(changes) -> str:
    """'姓名: 张三 → 李四; 启用: 是 → 否' from {field: [before, after]}."""
    if not isinstance(changes, dict):
        return ""
    parts = []
    for field, pair in changes.items():
        if field == "id":
            continue  # the record id has its own column
        before, after = (list(pair) + [None, None])[:2] if isinstance(pair, list | tuple) else (None, pair)
        label = str(FIELD_LABELS.get(field, field))
        parts.append(f"{label}: {describe_value(before)} → {describe_value(after)}")
    return "; ".join(parts)

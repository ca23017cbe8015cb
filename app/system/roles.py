"""Roles: a name, a data scope, number hiding, visible customer categories and a set of permission codes."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.auth.models import DATA_SCOPES, Role, User
from app.errors import ValidationError
from app.extensions import db
from app.fields.models import ParamItem
from app.permissions import PERMISSIONS, permission_groups

DATA_SCOPE_LABELS = {"own": _l("本人"), "department": _l("本部门"), "all": _l("全部")}


def category_choices() -> list[ParamItem]:
    return list(
        db.session.scalars(
            select(ParamItem).where(ParamItem.kind == "customer_category").order_by(ParamItem.position, ParamItem.id)
        )
    )


def permission_matrix(granted: set[str]):
    """[(group label, [(code, label, checked)])] for the role editor, in registration order."""
    return [
        (group, [(code, label, code in granted) for code, label in items])
        for group, items in permission_groups().items()
    ]


def clean_role_data(data, role: Role | None = None) -> dict:
    """`data`: name, description, data_scope, hide_numbers, permissions (list), customer_categories (list)."""
    errors: dict[str, str] = {}
    name = str(data.get("name") or "").strip()
    if not name or len(name) > 80:
        errors[_("角色名称")] = _("请填写角色名称(不超过 80 个字符)。")
    else:
        clash = select(Role.id).where(func.lower(Role.name) == name.lower())
        if role is not None and role.id is not None:
            clash = clash.where(Role.id != role.id)
        if db.session.scalar(clash) is not None:
            errors[_("角色名称")] = _("角色“%(name)s”已存在。", name=name)
    description = str(data.get("description") or "").strip()
    if len(description) > 255:
        errors[_("说明")] = _("说明不能超过 255 个字符。")
    scope = str(data.get("data_scope") or "")
    if scope not in DATA_SCOPES:
        errors[_("数据范围")] = _("请选择本人、本部门或全部。")
    codes = [str(c) for c in data.get("permissions") or []]
    unknown = sorted({c for c in codes if c not in PERMISSIONS})
    if unknown:
        errors[_("权限")] = _("未知的权限代码:%(codes)s", codes=", ".join(unknown))
    valid_categories = {item.id for item in category_choices()}
    categories = []
    for raw in data.get("customer_categories") or []:
        raw = str(raw).strip()
        if not raw.isdigit() or int(raw) not in valid_categories:
            errors[_("可见客户分类")] = _("所选的客户分类不存在。")
            break
        categories.append(int(raw))
    if errors:
        raise ValidationError(errors)
    ordered_codes = [code for code in PERMISSIONS if code in set(codes)]
    return {
        "name": name,
        "description": description,
        "data_scope": scope,
        "hide_numbers": bool(data.get("hide_numbers")),
        "permissions": ordered_codes,
        "customer_categories": sorted(set(categories)),
    }


def save_role(role: Role | None, data) -> Role:
    cleaned = clean_role_data(data, role)
    if role is None:
        role = Role()
        db.session.add(role)
    for key, value in cleaned.items():
        setattr(role, key, value)
    db.session.flush()
    return role


def delete_role(role: Role) -> None:
    in_use = db.session.scalar(select(func.count(User.id)).where(User.role_id == role.id))
    if in_use:
        raise ValidationError(
            {_("删除"): _("角色“%(name)s”正由 %(n)s 个用户使用,请先给他们换一个角色。", name=role.name, n=in_use)}
        )
    db.session.delete(role)
    db.session.flush()

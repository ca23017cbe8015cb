"""Departments as a tree: add a child, rename, move under another (never under itself), delete when empty."""

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.auth.models import Department, User
from app.errors import ValidationError
from app.extensions import db
from app.permissions import department_subtree_ids


def department_tree() -> list[tuple[Department, int, int]]:
    """Every department as (department, depth, member count), parents before their children."""
    departments = list(db.session.scalars(select(Department).order_by(Department.position, Department.name)))
    counts = dict(
        db.session.execute(
            select(User.department_id, func.count(User.id))
            .where(User.department_id.is_not(None))
            .group_by(User.department_id)
        ).all()
    )
    children: dict[int | None, list[Department]] = {}
    for department in departments:
        children.setdefault(department.parent_id, []).append(department)
    ordered: list[tuple[Department, int, int]] = []

    def walk(parent_id, depth):
        for department in children.get(parent_id, []):
            ordered.append((department, depth, counts.get(department.id, 0)))
            walk(department.id, depth + 1)

    walk(None, 0)
    return ordered


def department_choices() -> list[tuple[int, str]]:
    """(id, indented name) for select boxes, in tree order."""
    return [(d.id, "\u3000" * depth + d.name) for d, depth, _count in department_tree()]


def _clean_name(name: str, parent_id: int | None, department_id: int | None = None) -> str:
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise ValidationError({_("部门名称"): _("请填写部门名称(不超过 80 个字符)。")})
    same_parent = Department.parent_id.is_(None) if parent_id is None else Department.parent_id == parent_id
    clash = select(Department.id).where(Department.name == name, same_parent)
    if department_id is not None:
        clash = clash.where(Department.id != department_id)
    if db.session.scalar(clash) is not None:
        raise ValidationError({_("部门名称"): _("同一上级下已有名为“%(name)s”的部门。", name=name)})
    return name


def _parent_id(raw) -> int | None:
    raw = str(raw or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or db.session.get(Department, int(raw)) is None:
        raise ValidationError({_("上级部门"): _("所选的上级部门不存在。")})
    return int(raw)


def create_department(name: str, parent_raw=None) -> Department:
    parent_id = _parent_id(parent_raw)
    position = db.session.scalar(select(func.coalesce(func.max(Department.position), -1) + 1)) or 0
    department = Department(name=_clean_name(name, parent_id), parent_id=parent_id, position=position)
    db.session.add(department)
    db.session.flush()
    return department


def rename_department(department: Department, name: str) -> None:
    department.name = _clean_name(name, department.parent_id, department.id)
    db.session.flush()


def move_department(department: Department, parent_raw) -> None:
    """Put the department under another one (or at the top); its own subtree is not a valid target."""
    parent_id = _parent_id(parent_raw)
    if parent_id is not None and parent_id in department_subtree_ids(department.id):
        raise ValidationError({_("上级部门"): _("不能把部门移到它自己或它的下级部门之下。")})
    _clean_name(department.name, parent_id, department.id)
    department.parent_id = parent_id
    db.session.flush()


def delete_department(department: Department) -> None:
    members = db.session.scalar(select(func.count(User.id)).where(User.department_id == department.id))
    children = db.session.scalar(select(func.count(Department.id)).where(Department.parent_id == department.id))
    if members or children:
        raise ValidationError(
            {
                _("删除"): _(
                    "部门“%(name)s”还有 %(u)s 个用户、%(c)s 个下级部门,清空后才能删除。",
                    name=department.name,
                    u=members,
                    c=children,
                )
            }
        )
    db.session.delete(department)
    db.session.flush()

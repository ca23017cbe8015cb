"""User accounts as an administrator manages them: create, edit, enable, reset, delete.

Rules that protect the installation live here: nobody locks themselves out, the last enabled superuser
stays, only a superuser may grant superuser or touch a superuser's account, and users with history are
disabled rather than deleted.

Disabling, deleting or renumbering a user returns the switch commands that drop the phone registered
under the old extension; the view sends them after the commit.
"""

import re

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from app.auth.models import Department, LoginLog, Role, User
from app.auth.passwords import generate_password
from app.auth.services import reset_password, set_password
from app.errors import ValidationError
from app.extensions import db
from app.telephony.admin_services import unregister_phone_commands

USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$")
EXTENSION_RE = re.compile(r"^\d{2,12}$")
MOBILE_RE = re.compile(r"^(?:\+?86)?1[3-9]\d{9}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _text(data, key) -> str:
    return str(data.get(key) or "").strip()


def _int_field(data, key, label, errors, maximum=100000) -> int:
    raw = _text(data, key) or "0"
    if not raw.isdigit() or int(raw) > maximum:
        errors[label] = _("请输入 0 到 %(max)s 之间的整数。", max=maximum)
        return 0
    return int(raw)


def _id_of(model, raw, label, errors):
    raw = str(raw or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or db.session.get(model, int(raw)) is None:
        errors[label] = _("所选项不存在。")
        return None
    return int(raw)


def clean_user_data(data, user: User | None = None) -> dict:
    """The fields of the user form, checked; ValidationError names every bad field at once."""
    errors: dict[str, str] = {}
    username = _text(data, "username")
    if not USERNAME_RE.match(username):
        errors[_("登录名")] = _("2–64 个字符,只能包含字母、数字和 . _ - @,以字母或数字开头。")
    else:
        clash = select(User.id).where(func.lower(User.username) == username.lower())
        if user is not None and user.id is not None:
            clash = clash.where(User.id != user.id)
        if db.session.scalar(clash) is not None:
            errors[_("登录名")] = _("登录名“%(name)s”已被使用。", name=username)
    display_name = _text(data, "display_name")
    if not display_name or len(display_name) > 80:
        errors[_("姓名")] = _("请填写姓名(不超过 80 个字符)。")
    extension = _text(data, "extension")
    if extension:
        if not EXTENSION_RE.match(extension):
            errors[_("分机号")] = _("分机号只能是 2–12 位数字。")
        else:
            taken = select(User.username).where(User.extension == extension)
            if user is not None and user.id is not None:
                taken = taken.where(User.id != user.id)
            other = db.session.scalar(taken)
            if other is not None:
                errors[_("分机号")] = _("分机号 %(ext)s 已分配给 %(user)s。", ext=extension, user=other)
    mobile = re.sub(r"[\s-]", "", _text(data, "mobile"))
    if mobile and not MOBILE_RE.match(mobile):
        errors[_("手机号")] = _("请输入 11 位中国大陆手机号。")
    email = _text(data, "email")
    if email and (len(email) > 120 or not EMAIL_RE.match(email)):
        errors[_("邮箱")] = _("邮箱格式不正确。")
    cleaned = {
        "username": username,
        "display_name": display_name,
        "extension": extension,
        "mobile": mobile,
        "email": email,
        "department_id": _id_of(Department, data.get("department_id"), _("部门"), errors),
        "role_id": _id_of(Role, data.get("role_id"), _("角色"), errors),
        "lock_limit": _int_field(data, "lock_limit", _("锁定客户上限"), errors),
        "lock_days": _int_field(data, "lock_days", _("锁定天数"), errors, maximum=3650),
    }
    if errors:
        raise ValidationError(errors)
    return cleaned


def _require_may_manage(actor: User, user: User) -> None:
    if user.is_superuser and not actor.is_superuser:
        raise ValidationError({_("超级用户"): _("只有超级用户可以修改超级用户的账号。")})


def _enabled_superusers() -> int:
    return db.session.scalar(select(func.count(User.id)).where(User.is_superuser.is_(True), User.enabled.is_(True)))


def _keeps_a_superuser(user: User) -> bool:
    """False when `user` is the only enabled superuser left."""
    return not (user.is_superuser and user.enabled and _enabled_superusers() <= 1)


def create_user(actor: User, data, superuser: bool = False) -> tuple[User, str]:
    """The new user and the one-time password to show once; the user must change it at first login."""
    cleaned = clean_user_data(data)
    if superuser and not actor.is_superuser:
        raise ValidationError({_("超级用户"): _("只有超级用户可以设定超级用户。")})
    user = User(**cleaned, is_superuser=bool(superuser))
    password = generate_password()
    set_password(user, password, must_change=True)
    db.session.add(user)
    db.session.flush()
    return user, password


def update_user(actor: User, user: User, data, superuser: bool | None = None) -> list[str]:
    _require_may_manage(actor, user)
    cleaned = clean_user_data(data, user)
    if superuser is not None and superuser != user.is_superuser:
        set_superuser(actor, user, superuser)
    old_extension = user.extension
    for key, value in cleaned.items():
        setattr(user, key, value)
    db.session.flush()
    return unregister_phone_commands(old_extension) if old_extension != user.extension else []


def set_superuser(actor: User, user: User, flag: bool) -> None:
    if not actor.is_superuser:
        raise ValidationError({_("超级用户"): _("只有超级用户可以设定超级用户。")})
    if not flag and not _keeps_a_superuser(user):
        raise ValidationError({_("超级用户"): _("这是最后一个启用的超级用户,不能取消。")})
    user.is_superuser = flag


def set_enabled(actor: User, user: User, enabled: bool) -> list[str]:
    _require_may_manage(actor, user)
    if not enabled:
        if user.id == actor.id:
            raise ValidationError({_("状态"): _("不能停用自己的账号。")})
        if not _keeps_a_superuser(user):
            raise ValidationError({_("状态"): _("这是最后一个启用的超级用户,不能停用。")})
    user.enabled = enabled
    db.session.flush()
    return [] if enabled else unregister_phone_commands(user.extension)


def admin_reset_password(actor: User, user: User) -> str:
    """A random one-time password; every session of the user ends (its session token rotates)."""
    _require_may_manage(actor, user)
    password = reset_password(user)
    db.session.flush()
    return password


def linked_records(user: User) -> dict[str, int]:
    """What still points at the user: the reason to disable rather than delete."""
    from app.customers.models import Customer, CustomerFile, FollowUp

    customers = db.session.scalar(
        select(func.count(Customer.id)).where(
            or_(
                Customer.owner_id == user.id,
                Customer.created_by_id == user.id,
                Customer.updated_by_id == user.id,
                Customer.locked_by_id == user.id,
            )
        )
    )
    followups = db.session.scalar(select(func.count(FollowUp.id)).where(FollowUp.created_by_id == user.id))
    files = db.session.scalar(select(func.count(CustomerFile.id)).where(CustomerFile.uploaded_by_id == user.id))
    return {"customers": customers or 0, "followups": followups or 0, "files": files or 0}


def delete_user(actor: User, user: User) -> list[str]:
    _require_may_manage(actor, user)
    if user.id == actor.id:
        raise ValidationError({_("删除"): _("不能删除自己的账号。")})
    if not _keeps_a_superuser(user):
        raise ValidationError({_("删除"): _("这是最后一个启用的超级用户,不能删除。")})
    linked = linked_records(user)
    if any(linked.values()):
        raise ValidationError(
            {
                _("删除"): _(
                    "该用户还关联 %(c)s 个客户、%(f)s 条来往记录、%(u)s 个附件,不能删除;请改为停用。",
                    c=linked["customers"],
                    f=linked["followups"],
                    u=linked["files"],
                )
            }
        )
    extension = user.extension
    try:
        with db.session.begin_nested():
            db.session.delete(user)
            db.session.flush()
    except IntegrityError as exc:
        raise ValidationError({_("删除"): _("该用户还有关联的业务数据,不能删除;请改为停用。")}) from exc
    return unregister_phone_commands(extension)


def recent_logins(user: User, limit: int = 10) -> list[LoginLog]:
    return list(
        db.session.scalars(
            select(LoginLog).where(LoginLog.user_id == user.id).order_by(LoginLog.id.desc()).limit(limit)
        )
    )

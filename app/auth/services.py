"""Signing in and out, lock-outs, password changes and the first administrator."""

import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.auth import throttle
from app.auth.models import LoginLog, User
from app.auth.passwords import generate_password, hash_password, needs_rehash, verify_password
from app.extensions import db
from app.timeutil import utcnow


class AuthError(ValueError):
    """A refusal with a message the user may read."""


def find_user(username: str) -> User | None:
    username = (username or "").strip()
    if not username:
        return None
    return db.session.scalar(select(User).where(func.lower(User.username) == username.lower()))


def _log(user, username, ip, user_agent, success, reason=""):
    db.session.add(
        LoginLog(
            user_id=user.id if user else None,
            username=(username or "")[:64],
            ip=(ip or "")[:64],
            user_agent=(user_agent or "")[:255],
            success=success,
            reason=reason,
        )
    )


def authenticate(username: str, password: str, ip: str = "", user_agent: str = "") -> User:
    """The user whose credentials these are, or AuthError. Commits the login log either way."""
    cfg = current_app.config
    counter = throttle.counter()
    if counter.get(throttle.ip_key(ip)) >= cfg["LOGIN_IP_MAX_FAILURES"]:
        _log(None, username, ip, user_agent, False, "ip_throttled")
        db.session.commit()
        raise AuthError(_("此地址登录失败次数过多,请稍后再试。"))

    user = find_user(username)
    now = utcnow()
    if user is not None and user.locked_until and user.locked_until > now:
        verify_password(None, password)
        _log(user, username, ip, user_agent, False, "locked")
        db.session.commit()
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        raise AuthError(_("账号已临时锁定,请在 %(minutes)s 分钟后再试。", minutes=minutes))

    ok = verify_password(user.password_hash if user else None, password or "")
    if not ok or user is None or not user.enabled:
        counter.incr(throttle.ip_key(ip), cfg["LOGIN_LOCKOUT_SECONDS"])
        reason = "bad_password" if user is not None and not ok else ("disabled" if user else "unknown_user")
        if user is not None and not ok:
            user.failed_logins += 1
            if user.failed_logins >= cfg["LOGIN_MAX_FAILURES"]:
                user.locked_until = now + timedelta(seconds=cfg["LOGIN_LOCKOUT_SECONDS"])
                user.failed_logins = 0
                reason = "locked_out"
        _log(user, username, ip, user_agent, False, reason)
        db.session.commit()
        if reason == "locked_out":
            raise AuthError(_("密码错误次数过多,账号已临时锁定。"))
        if reason == "disabled":
            raise AuthError(_("账号已停用,请联系管理员。"))
        raise AuthError(_("用户名或密码错误。"))

    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    _log(user, username, ip, user_agent, True)
    db.session.commit()
    return user


def validate_new_password(password: str, confirm: str, username: str = "") -> str:
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if password != confirm:
        raise AuthError(_("两次输入的新密码不一致。"))
    if len(password) < minimum:
        raise AuthError(_("新密码至少需要 %(n)s 个字符。", n=minimum))
    if password.isdigit() or password.isalpha():
        raise AuthError(_("新密码需同时包含字母和数字。"))
    if username and username.lower() in password.lower():
        raise AuthError(_("新密码不能包含登录名。"))
    return password


def change_password(user: User, current: str, new: str, confirm: str) -> None:
    if not verify_password(user.password_hash, current or ""):
        raise AuthError(_("当前密码不正确。"))
    validate_new_password(new, confirm, user.username)
    if verify_password(user.password_hash, new):
        raise AuthError(_("新密码不能与当前密码相同。"))
    set_password(user, new, must_change=False)
    _record_password_event(user, "password_change")


def set_password(user: User, password: str, must_change: bool) -> None:
    user.password_hash = hash_password(password)
    user.must_change_password = must_change
    end_sessions(user)
    user.failed_logins = 0
    user.locked_until = None


def end_sessions(user: User) -> None:
    """Every session cookie issued to the user stops working, copies included: the cookie names the
    session token, and the user loader accepts only the current one."""
    user.session_token = secrets.token_hex(16)


def reset_password(user: User) -> str:
    """A random one-time password the user must change at next login."""
    password = generate_password()
    set_password(user, password, must_change=True)
    _record_password_event(user, "password_reset")
    return password


def _record_password_event(user: User, action: str) -> None:
    """The audit log notes that the password changed, never the hash."""
    from app.audit.services import record

    if user.id is not None:
        record("user", user.id, action, summary=user.audit_label)


def create_first_admin(username: str = "admin") -> str | None:
    """The superuser with a one-time password, or None when any user already exists."""
    if db.session.scalar(select(func.count(User.id))):
        return None
    password = generate_password()
    admin = User(username=username, display_name=_("系统管理员"), is_superuser=True, must_change_password=True)
    set_password(admin, password, must_change=True)
    db.session.add(admin)
    db.session.commit()
    return password

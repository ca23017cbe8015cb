"""Ticket numbers from a per-type format such as "TS{yyyyMMdd}{seq:04}".

Tokens: date parts made of yyyy, yy, MM, dd, HH (local time), and exactly one {seq} or {seq:N}
(zero-padded to N digits). The sequence counts per rendered prefix, so "TS{yyyyMMdd}{seq:04}"
restarts every day, and two types sharing a format share a counter instead of clashing.
"""

import re

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.errors import ValidationError
from app.extensions import db
from app.tickets.models import TicketCounter
from app.timeutil import to_local, utcnow

_TOKEN = re.compile(r"\{([^{}]*)\}")
_SEQ = re.compile(r"^seq(?::(\d{1,2}))?$")
_DATE_PARTS = (("yyyy", "%Y"), ("yy", "%y"), ("MM", "%m"), ("dd", "%d"), ("HH", "%H"))
_LITERAL = re.compile(r"^[A-Za-z0-9_\-]*$")
MAX_NUMBER = 60


def _date_token(token: str) -> str | None:
    """strftime pattern for a date token like "yyyyMMdd", None when it is not one."""
    rest, pattern = token, ""
    while rest:
        for part, code in _DATE_PARTS:
            if rest.startswith(part):
                pattern += code
                rest = rest[len(part) :]
                break
        else:
            return None
    return pattern


def check_format(number_format: str) -> str:
    """The format, stripped; ValidationError keyed 编号格式 naming what is wrong."""
    label = _("编号格式")
    text = (number_format or "").strip()
    if not text:
        raise ValidationError({label: _("请填写编号格式")})
    if len(text) > 60:
        raise ValidationError({label: _("编号格式不能超过 60 个字符")})
    seqs = 0
    for token in _TOKEN.findall(text):
        if _SEQ.match(token):
            seqs += 1
        elif not token or _date_token(token) is None:
            raise ValidationError({label: _("不认识的占位符:{%(token)s}", token=token)})
    if seqs != 1:
        raise ValidationError({label: _("编号格式必须含有且只含有一个 {seq} 或 {seq:4} 这样的序号")})
    if not _LITERAL.match(_TOKEN.sub("", text)):
        raise ValidationError({label: _("占位符以外只能使用字母、数字、短横线和下划线")})
    return text


def render_prefix(number_format: str, when=None) -> tuple[str, int]:
    """(the format with its date tokens filled and the sequence left as "{seq}", the sequence width)."""
    local = to_local(when or utcnow())
    width = 0

    def fill(match):
        nonlocal width
        token = match.group(1)
        seq = _SEQ.match(token)
        if seq:
            width = int(seq.group(1) or 0)
            return "{seq}"
        return local.strftime(_date_token(token))

    return _TOKEN.sub(fill, number_format), width


def _next_value(scope: str) -> int:
    """Increment the counter of `scope` with a row lock held until commit, so parallel tickets never share a value."""
    for _attempt in range(3):
        result = db.session.execute(
            update(TicketCounter).where(TicketCounter.scope == scope).values(value=TicketCounter.value + 1)
        )
        if result.rowcount == 1:
            return db.session.scalar(select(TicketCounter.value).where(TicketCounter.scope == scope))
        try:
            with db.session.begin_nested():
                db.session.add(TicketCounter(scope=scope, value=1))
            return 1
        except IntegrityError:
            continue  # another transaction created it first: increment theirs
    raise RuntimeError(f"could not take a ticket number for {scope}")


def next_number(number_format: str, when=None) -> str:
    prefix, width = render_prefix(number_format, when)
    value = _next_value(prefix)
    number = prefix.replace("{seq}", str(value).zfill(width))
    if len(number) > MAX_NUMBER:
        raise ValidationError({_("编号格式"): _("生成的编号太长")})
    return number

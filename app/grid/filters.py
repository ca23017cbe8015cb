"""Per-column filter conditions: operator checks, typed value parsing and the SQL they become.

Values arrive as JSON from the browser; each is parsed by the column's type (numbers, YYYY-MM-DD
dates, yes/no, list choices) and bound as a parameter, never pasted into SQL text.
"""

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import and_, not_, or_

from app.errors import ValidationError
from app.timeutil import local_day_bounds_utc, local_zone

TEXT_TYPES = ("text", "memo", "link")
NUMBER_TYPES = ("number", "money")
DATE_TYPES = ("date", "datetime")
COLUMN_TYPES = TEXT_TYPES + NUMBER_TYPES + DATE_TYPES + ("bool", "choice", "multichoice")

# Operators each column type accepts, in the order the filter popover lists them.
OPERATORS_BY_TYPE = {
    "text": ("contains", "eq", "ne", "notcontains", "starts", "ends", "in", "empty", "notempty"),
    "number": ("eq", "ne", "lt", "le", "gt", "ge", "between", "in", "empty", "notempty"),
    "date": ("eq", "ne", "lt", "le", "gt", "ge", "between", "empty", "notempty"),
    "bool": ("eq", "ne", "empty", "notempty"),
    "choice": ("eq", "ne", "in", "empty", "notempty"),
    "multichoice": ("contains", "notcontains", "empty", "notempty"),
}
for _alias, _base in (("memo", "text"), ("link", "text"), ("money", "number"), ("datetime", "date")):
    OPERATORS_BY_TYPE[_alias] = OPERATORS_BY_TYPE[_base]

NO_VALUE_OPS = ("empty", "notempty")
LIST_OPS = ("in",)
MAX_LIST_VALUES = 200
MAX_TEXT_LENGTH = 200
LIKE_ESCAPE = "/"

_TRUE = {"1", "true", "yes", "y", "on", "是", "真"}
_FALSE = {"0", "false", "no", "n", "off", "否", "假"}
_DATETIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M")


def like_pattern(text: str, prefix: str = "%", suffix: str = "%") -> str:
    """A LIKE pattern that matches `text` literally: % _ and the escape character lose their meaning."""
    escaped = text.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", LIKE_ESCAPE + "%").replace("_", LIKE_ESCAPE + "_")
    return f"{prefix}{escaped}{suffix}"


def text_contains(expr, text: str):
    """Case-insensitive contains: ILIKE on PostgreSQL, lower() LIKE lower() on SQLite."""
    return expr.ilike(like_pattern(text), escape=LIKE_ESCAPE)


def _fail(column, message):
    raise ValidationError({str(column.label): message})


def parse_value(column, raw):
    """One filter value in the column's Python type; raises ValidationError naming the column."""
    kind = column.type
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        _fail(column, _("请输入筛选值"))
    if isinstance(raw, (list, dict)):
        _fail(column, _("筛选值格式不正确"))
    if kind in NUMBER_TYPES:
        return _parse_number(column, raw)
    if kind in DATE_TYPES:
        return _parse_date(column, raw)
    if kind == "bool":
        return _parse_bool(column, raw)
    if kind == "choice":
        return _parse_choice(column, raw)
    text = str(raw).strip()
    if len(text) > MAX_TEXT_LENGTH:
        _fail(column, _("筛选值太长(最多 %(n)d 个字)", n=MAX_TEXT_LENGTH))
    return text


def _parse_number(column, raw):
    if isinstance(raw, bool):
        _fail(column, _("“%(value)s”不是数字", value=raw))
    try:
        number = Decimal(str(raw).strip().replace(",", ""))
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        _fail(column, _("“%(value)s”不是数字", value=raw))
    return int(number) if number == number.to_integral_value() and abs(number) < 2**63 else float(number)


def _parse_date(column, raw):
    text = str(raw).strip()
    if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", text):
        try:
            return date(*(int(part) for part in text.split("-")))
        except ValueError:
            pass
    elif column.type == "datetime":
        for fmt in _DATETIME_FORMATS:
            try:
                return datetime.strptime(text, fmt)
            except ValueError:
                continue
    _fail(column, _("“%(value)s”不是有效日期(格式 YYYY-MM-DD)", value=text))


def _parse_bool(column, raw):
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    _fail(column, _("请选择“是”或“否”"))


def _parse_choice(column, raw):
    if column.choices is None:
        return raw
    for value, _label in column.choices():
        if str(value) == str(raw).strip():
            return value
    _fail(column, _("“%(value)s”不是可选的值", value=raw))


def parse_values(column, raw, op):
    """The value(s) an operator needs: none, a [low, high] pair, a list, or one value."""
    if op in NO_VALUE_OPS:
        return None
    if op == "between":
        if not isinstance(raw, list) or len(raw) != 2:
            _fail(column, _("“介于”需要两个值"))
        low, high = parse_value(column, raw[0]), parse_value(column, raw[1])
        return (high, low) if _ordering_key(low) > _ordering_key(high) else (low, high)
    if op in LIST_OPS:
        if not isinstance(raw, list) or not raw:
            _fail(column, _("请至少选择一个值"))
        if len(raw) > MAX_LIST_VALUES:
            _fail(column, _("最多选择 %(n)d 个值", n=MAX_LIST_VALUES))
        return [parse_value(column, item) for item in raw]
    return parse_value(column, raw)


def _ordering_key(value):
    # A datetime column may get a day on one side and a minute on the other: compare them as datetimes.
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day)
    return value


def condition_for(column, op, value):
    """The SQL condition for one already-parsed operator and value."""
    expr = column.filter_expr if column.filter_expr is not None else column.expr
    if column.type == "datetime" and value is not None:
        return _datetime_condition(expr, op, value)
    textual = column.type in TEXT_TYPES or column.type == "multichoice"
    if op == "empty":
        return or_(expr.is_(None), expr == "") if textual else expr.is_(None)
    if op == "notempty":
        return and_(expr.is_not(None), expr != "") if textual else expr.is_not(None)
    if op == "contains":
        return text_contains(expr, _multichoice_token(column, value))
    if op == "notcontains":
        return or_(expr.is_(None), not_(text_contains(expr, _multichoice_token(column, value))))
    if op == "starts":
        return expr.ilike(like_pattern(value, prefix=""), escape=LIKE_ESCAPE)
    if op == "ends":
        return expr.ilike(like_pattern(value, suffix=""), escape=LIKE_ESCAPE)
    if op == "eq":
        return expr == value
    if op == "ne":
        return or_(expr != value, expr.is_(None))
    if op == "in":
        return expr.in_(value)
    if op == "between":
        return expr.between(value[0], value[1])
    return {"lt": expr < value, "le": expr <= value, "gt": expr > value, "ge": expr >= value}[op]


def _multichoice_token(column, value):
    # Multi-choice values are stored as a JSON list of strings; match one whole quoted item.
    return f'"{value}"' if column.type == "multichoice" else value


def _instant_bounds(value) -> tuple[datetime, datetime]:
    """The UTC span a local date (the whole day) or local minute/second denotes."""
    if isinstance(value, datetime):
        start = value.replace(tzinfo=local_zone())
        step = timedelta(seconds=1) if value.second else timedelta(minutes=1)
        return start.astimezone(UTC).replace(tzinfo=None), (start + step).astimezone(UTC).replace(tzinfo=None)
    return local_day_bounds_utc(value)


def _datetime_condition(expr, op, value):
    """Datetime columns hold naive UTC; the user speaks local days, so a day becomes a UTC range."""
    if op == "between":
        start, end = _instant_bounds(value[0])[0], _instant_bounds(value[1])[1]
        return and_(expr >= start, expr < end)
    if op == "in":
        return or_(*(_datetime_condition(expr, "eq", item) for item in value))
    start, end = _instant_bounds(value)
    return {
        "eq": and_(expr >= start, expr < end),
        "ne": or_(expr < start, expr >= end, expr.is_(None)),
        "lt": expr < start,
        "le": expr < end,
        "gt": expr >= end,
        "ge": expr >= start,
    }[op]


def check_operator(column, op) -> None:
    if op not in OPERATORS_BY_TYPE.get(column.type, ()):
        _fail(column, _("不支持的筛选方式“%(op)s”", op=op))

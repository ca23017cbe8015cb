"""Turning what people type (or what a spreadsheet holds) into the typed value a custom field stores.

Every parser accepts the forms Chinese users and Excel produce and raises ValidationError with a
message (keyed by "") that the caller re-keys with the field's label. Blank input cleans to None.
"""

import re
import unicodedata
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from urllib.parse import urlsplit

from flask_babel import gettext as _

from app.errors import ValidationError

TEXT_MAX = 255
MEMO_MAX = 10000
LINK_MAX = 800  # keeps a btree index entry well under PostgreSQL's 2704-byte limit
MONEY_LIMIT = Decimal("1e13")
CENT = Decimal("0.01")

# Separators people use between the values of a multiple choice, in one cell or one box.
MULTI_SEPARATORS = re.compile(r"[,,、;;|\n]")

_DATE_PARTS = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_SERIAL = re.compile(r"^\d{5}(?:\.\d+)?$")  # typed serials: 10000 (1927) to 99999 (2173)
_EXCEL_EPOCH = date(1899, 12, 30)  # serial 61 and later; Excel counts a 29 Feb 1900 that never was
_EXCEL_MAX_SERIAL = 2958465  # 9999-12-31

_TRUE_WORDS = {"是", "yes", "y", "1", "true", "t", "√", "✓", "✔", "on", "对", "有"}
_FALSE_WORDS = {"否", "no", "n", "0", "false", "f", "×", "✗", "✘", "x", "off", "错", "无"}


def is_blank(value) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple | set):
        return all(is_blank(v) for v in value)
    return False


def _normal(value) -> str:
    """Full-width digits and punctuation (１２３,。) folded to ASCII, outer space removed."""
    return unicodedata.normalize("NFKC", str(value)).strip()


def _from_excel_serial(serial: float) -> date:
    whole = int(serial)
    if not 1 <= whole <= _EXCEL_MAX_SERIAL or whole == 60:
        raise ValidationError(_("不是有效的日期:%(value)s", value=serial))
    if whole < 60:
        return date(1899, 12, 31) + timedelta(days=whole)
    return _EXCEL_EPOCH + timedelta(days=whole)


def _ymd(year: str, month: str, day: str, original) -> date:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise ValidationError(_("不是有效的日期:%(value)s", value=original)) from None


def parse_date_value(value) -> date:
    """1985-5-6, 1985/05/06, 1985.5.6, 1985年5月6日, 19850506, an Excel serial (31173) or a date/datetime."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool) or value is None:
        raise ValidationError(_("不是有效的日期:%(value)s", value=value))
    if isinstance(value, int | float | Decimal):
        if isinstance(value, int) and 10000101 <= value <= 99991231:
            text = str(value)
            return _ymd(text[:4], text[4:6], text[6:], value)
        return _from_excel_serial(float(value))
    text = _normal(value)
    match = _DATE_PARTS.match(text) or _COMPACT_DATE.match(text)
    if match:
        return _ymd(*match.groups(), original=value)
    if _SERIAL.match(text):
        return _from_excel_serial(float(text))
    raise ValidationError(_("无法识别的日期:%(value)s(请用 1985-05-06 这样的格式)", value=value))


def parse_bool_value(value) -> bool:
    """是/否, yes/no, 1/0, true/false, √/×, on/off (what a checkbox sends)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    word = _normal(value).casefold()
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    raise ValidationError(_("请填写“是”或“否”,不能识别:%(value)s", value=value))


def _decimal(value, cleaned: str) -> Decimal:
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        raise ValidationError(_("不是有效的数字:%(value)s", value=value)) from None
    if not number.is_finite():
        raise ValidationError(_("不是有效的数字:%(value)s", value=value))
    return number


def parse_number_value(value) -> int | float:
    if isinstance(value, bool):
        raise ValidationError(_("不是有效的数字:%(value)s", value=value))
    if isinstance(value, int):
        return value
    text = value if isinstance(value, float | Decimal) else _normal(value).replace(",", "").replace(" ", "")
    number = _decimal(value, str(text))
    if number == number.to_integral_value() and abs(number) < 2**53:
        return int(number)
    return float(number)


def parse_money_value(value) -> float:
    """Amounts rounded half-up to the cent and kept as a JSON number, so they sort as numbers."""
    if isinstance(value, bool):
        raise ValidationError(_("不是有效的金额:%(value)s", value=value))
    if isinstance(value, int | float | Decimal):
        text = str(value)
    else:
        text = _normal(value)
        for token in ("¥", "¥", "RMB", "CNY", "元", ",", " "):
            text = text.replace(token, "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValidationError(_("不是有效的金额:%(value)s", value=value)) from None
    if not number.is_finite() or abs(number) >= MONEY_LIMIT:
        raise ValidationError(_("不是有效的金额:%(value)s", value=value))
    return float(number.quantize(CENT, rounding=ROUND_HALF_UP))


def _plain_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # spreadsheets hand codes like 1001 over as 1001.0
    return str(value)


def parse_text_value(value) -> str:
    text = " ".join(_plain_text(value).split())
    if len(text) > TEXT_MAX:
        raise ValidationError(_("不能超过 %(n)s 个字符", n=TEXT_MAX))
    return text


def parse_memo_value(value) -> str:
    text = _plain_text(value).replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(text) > MEMO_MAX:
        raise ValidationError(_("不能超过 %(n)s 个字符", n=MEMO_MAX))
    return text


def parse_link_value(value) -> str:
    """Only http(s) addresses, so a stored link can never run script when clicked."""
    text = str(value).strip()
    if re.match(r"^[\w-]+(\.[\w-]+)+(?:[:/?#]|$)", text) and "://" not in text:
        text = "http://" + text
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or re.search(r"[\s\x00-\x1f]", text):
        raise ValidationError(_("请填写以 http:// 或 https:// 开头的网址"))
    if len(text) > LINK_MAX:
        raise ValidationError(_("不能超过 %(n)s 个字符", n=LINK_MAX))
    return text


def _option_list(options) -> str:
    return "、".join(options)


def parse_choice_value(value, options) -> str:
    text = _plain_text(value).strip()
    if text not in options:
        raise ValidationError(_("“%(value)s”不是可选值(可选:%(options)s)", value=text, options=_option_list(options)))
    return text


def parse_multichoice_value(value, options) -> list[str]:
    items = value if isinstance(value, list | tuple | set) else MULTI_SEPARATORS.split(_plain_text(value))
    chosen: list[str] = []
    for item in items:
        text = _plain_text(item).strip()
        if text and text not in chosen:
            chosen.append(text)
    unknown = [c for c in chosen if c not in options]
    if unknown:
        raise ValidationError(
            _(
                "“%(value)s”不是可选值(可选:%(options)s)",
                value=_option_list(unknown),
                options=_option_list(options),
            )
        )
    return chosen


def clean_value(field_type: str, value, options=()):
    """The stored form of `value` for a field of `field_type`; None when blank."""
    if is_blank(value):
        return None
    if field_type == "text":
        return parse_text_value(value) or None
    if field_type == "memo":
        return parse_memo_value(value) or None
    if field_type == "link":
        return parse_link_value(value)
    if field_type == "number":
        return parse_number_value(value)
    if field_type == "money":
        return parse_money_value(value)
    if field_type == "date":
        return parse_date_value(value).isoformat()
    if field_type == "bool":
        return parse_bool_value(value)
    if field_type == "choice":
        return parse_choice_value(value, options)
    if field_type == "multichoice":
        return parse_multichoice_value(value, options) or None
    raise ValueError(f"unknown field type {field_type}")


def display_value(field_type: str, value) -> str:
    """A stored value as a person reads it in a list, a pop or an export."""
    if value is None or value == "" or value == []:
        return ""
    if field_type == "money":
        return f"{Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP):,}"
    if field_type == "bool":
        return _("是") if value else _("否")
    if field_type == "multichoice" and isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)

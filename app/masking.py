"""Hiding customer numbers (隐藏客户号码) in lists, pops and exports.

One function masks every written form of a number the same way: the country code, the trunk 0 and the
area code stay visible (they say where a number is, not whose it is), the subscriber number is starred
except its last digits, and an extension after the number stays as written. Only digits are replaced,
so spaces, dashes and brackets keep their places.
"""

import re
from functools import lru_cache

_DIGIT = re.compile(r"\d")
# 转8001, 分机8001, ext 8001, ext.8001, x8001, #8001 at the end of the text.
_EXTENSION_WORD = re.compile(r"\s*(?:转|分机|ext\.?|extension|x|#)\s*\d{1,8}\s*$", re.IGNORECASE)
# "-8001" after a complete landline ("010-87654321-8001").
_SEPARATED_TAIL = re.compile(r"\d\s*-\s*\d{1,6}\s*$")
_MOBILE = re.compile(r"1[3-9]\d{9}")
_SPACED_86 = re.compile(r"86[\s\-.]")
_MIN_HIDDEN = 4  # a number of seven digits or more always hides at least this many


def mask_number(number: str | None) -> str:
    """+86 138****2222, 138****2222, 010-****4321, 0755-****5678 转8001, +1 41****2671, ***88."""
    if not number:
        return ""
    text = str(number)
    end = _number_end(text)
    positions = [m.start() for m in _DIGIT.finditer(text, 0, end)]
    digits = _digits(text, end)
    country = _country_code_length(text, digits)
    mainland = country == 0 or digits[:country].endswith("86")
    head, hidden = _hidden_span(digits[country:], mainland)
    start = country + head
    starred = set(positions[start : start + hidden])
    chars = ["*" if i in starred else ch for i, ch in enumerate(text)]
    if country and positions[country - 1] + 1 == positions[country]:
        chars[positions[country - 1]] += " "  # "+8613812342222" reads as "+86 138****2222"
    return "".join(chars)


def _digits(text: str, end: int) -> str:
    return "".join(str(int(ch)) for ch in _DIGIT.findall(text, 0, end))  # full-width digits count too


def _number_end(text: str) -> int:
    """Where the number proper ends: an extension after it is not masked."""
    word = _EXTENSION_WORD.search(text)
    if word and word.start() > 0:
        return word.start()
    tail = _SEPARATED_TAIL.search(text)
    if tail:
        head = _digits(text, tail.start() + 1)
        country = _country_code_length(text, head)
        national = head[country:]
        if country and not head[:country].endswith("86"):
            return len(text)
        if not country and len(national) in (7, 8) and national[0] in "23456789":
            return tail.start() + 1  # a local number without area code
        if not national.startswith("0") and (country or len(national) < 10):
            national = "0" + national
        if len(national) in (11, 12) and not _MOBILE.fullmatch(national[1:]):
            return tail.start() + 1
    return len(text)


def _country_code_length(text: str, digits: str) -> int:
    """How many leading digits are the country code, counting an international prefix 00 with it."""
    stripped = text.lstrip(" (")
    if stripped.startswith("+"):
        return _known_country_code(digits)
    if digits.startswith("00") and len(digits) > 6:
        found = _known_country_code(digits[2:])
        return found + 2 if found else 0
    if (
        digits.startswith("86")
        and len(digits) >= 9
        and ((len(digits) == 13 and _MOBILE.fullmatch(digits[2:])) or _SPACED_86.match(stripped))
    ):
        return 2
    return 0


@lru_cache(maxsize=1024)
def _known_country_code(digits: str) -> int:
    if digits.startswith("86"):
        return 2
    from phonenumbers import COUNTRY_CODE_TO_REGION_CODE

    for size in (1, 2, 3):
        if len(digits) > size + 3 and int(digits[:size]) in COUNTRY_CODE_TO_REGION_CODE:
            return size
    return 0


def _hidden_span(national: str, mainland: bool) -> tuple[int, int]:
    """(digits kept before the stars, digits starred) for a number without its country code."""
    size = len(national)
    if size < 3:
        return 0, size
    if size <= 6:  # short and service numbers: only the last two digits stay
        return 0, size - 2
    trunk = 1 if national.startswith("0") else 0
    rest = national[trunk:]
    if _MOBILE.fullmatch(rest):
        return _spread(size, trunk + 3, 4)
    if mainland and len(rest) in (10, 11) and (rest[0] in "23456789" or rest.startswith("10")):
        area = 2 if rest[0] == "2" or rest.startswith("10") else 3
        if len(rest) - area in (7, 8):
            return _spread(size, trunk + area, 4)
    # Numbers of other countries and anything unrecognised: a short lead (area code) and four last digits.
    return _spread(size, max(0, min(3, size - 4 - _MIN_HIDDEN)), 4)


def _spread(size: int, head: int, tail: int) -> tuple[int, int]:
    """Shrink the visible tail, then the head, until at least _MIN_HIDDEN digits are starred."""
    while size - head - tail < _MIN_HIDDEN and tail > 2:
        tail -= 1
    while size - head - tail < _MIN_HIDDEN and head > 0:
        head -= 1
    return head, max(size - head - tail, 0)

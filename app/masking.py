"""Hiding customer numbers (隐藏客户号码) in lists, pops and exports."""

import re

_DIGIT = re.compile(r"\d")


def mask_number(number: str | None) -> str:
    """138****5678: keep the first three and last four digits, star the middle; short numbers keep
    only their last two digits."""
    if not number:
        return ""
    digits = [m.start() for m in _DIGIT.finditer(number)]
    if len(digits) >= 8:
        hidden = set(digits[3:-4])
    elif len(digits) >= 3:
        hidden = set(digits[:-2])
    else:
        hidden = set(digits)
    return "".join("*" if i in hidden else ch for i, ch in enumerate(number))

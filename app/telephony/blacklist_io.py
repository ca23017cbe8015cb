"""Blacklist import (cloud-callcenter-admin §七.6): a sheet of 号码 / 类型 / 前缀 / 原因, as the grid exports it.

Import takes each good row and reports every bad one by its row number; a row is written whole or not at all."""

import csv
import io

from flask_babel import gettext as _

from app.errors import ValidationError
from app.extensions import db
from app.telephony.admin_services import add_blacklist_entry
from app.telephony.models_config import BLACKLIST_DIRECTIONS

MAX_ROWS = 50_000
HEADERS = {"号码": "number", "类型": "direction", "前缀": "is_prefix", "原因": "reason"}


def _read_rows(filename: str, content: bytes) -> list[list[str]]:
    if filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).active
        except Exception:  # openpyxl raises many kinds on a damaged file
            raise ValidationError({_("文件"): _("无法读取这个 Excel 文件。")}) from None
        return [["" if v is None else str(v).strip() for v in row] for row in sheet.iter_rows(values_only=True)]
    if filename.lower().endswith(".csv"):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = content.decode("gb18030", errors="replace")
        return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text))]
    raise ValidationError({_("文件"): _("只能导入 .xlsx 或 .csv 文件。")})


def _direction_key(text: str) -> str:
    for key, label in BLACKLIST_DIRECTIONS.items():
        if text in (key, str(label)):
            return key
    return text or "inbound"


def import_blacklist(filename: str, content: bytes, actor) -> tuple[int, list[str]]:
    """(rows added or updated, messages for bad rows as "第 N 行:…")."""
    rows = _read_rows(filename, content)
    if not rows:
        raise ValidationError({_("文件"): _("文件是空的。")})
    header = [HEADERS.get(cell) for cell in rows[0]]
    if "number" not in header:
        raise ValidationError({_("文件"): _("第一行须是标题,且包含“号码”一栏。")})
    if len(rows) - 1 > MAX_ROWS:
        raise ValidationError({_("文件"): _("一次最多导入 %(n)d 行。", n=MAX_ROWS)})
    done, problems = 0, []
    for number, row in enumerate(rows[1:], start=2):
        data = {key: row[i] if i < len(row) else "" for i, key in enumerate(header) if key}
        if not any(data.values()):
            continue
        data["direction"] = _direction_key(data.get("direction", ""))
        data["is_prefix"] = "1" if data.get("is_prefix") in ("是", "1", "true", "Y", "y", "TRUE") else ""
        savepoint = db.session.begin_nested()
        try:
            add_blacklist_entry(data, actor)
        except ValidationError as exc:
            savepoint.rollback()
            problems.append(_("第 %(n)d 行:%(message)s", n=number, message=exc.message))
        else:
            savepoint.commit()
            done += 1
    return done, problems

"""Each user's column order, visibility and widths for a grid (the column chooser, 栏目选择)."""

import re

from flask_babel import gettext as _
from sqlalchemy import delete, select

from app.errors import ValidationError
from app.extensions import db
from app.grid.models import GridPreference

GRID_ID_PATTERN = re.compile(r"[A-Za-z0-9_.-]{1,64}")
MAX_SAVED_COLUMNS = 300
MIN_WIDTH, MAX_WIDTH = 30, 2000


def check_grid_id(grid_id: str) -> str:
    if not GRID_ID_PATTERN.fullmatch(grid_id or ""):
        raise ValidationError({"grid": _("表格编号无效")})
    return grid_id


def saved_columns(user, grid_id: str) -> list[dict] | None:
    """The user's saved entries, or None when the user never chose columns for this grid."""
    if user is None or not getattr(user, "id", None):
        return None
    stmt = select(GridPreference.columns).where(GridPreference.user_id == user.id, GridPreference.grid_id == grid_id)
    return db.session.scalar(stmt)


def clean_entries(payload) -> list[dict]:
    """Check the shape of a posted column list: keys, optional widths and visibility, no duplicates."""
    columns = payload.get("columns") if isinstance(payload, dict) else None
    if not isinstance(columns, list):
        raise ValidationError({"columns": _("缺少栏目列表")})
    if len(columns) > MAX_SAVED_COLUMNS:
        raise ValidationError({"columns": _("栏目太多")})
    entries, seen = [], set()
    for index, item in enumerate(columns, start=1):
        key = item.get("key") if isinstance(item, dict) else None
        if not isinstance(key, str) or not 0 < len(key) <= 64:
            raise ValidationError({"columns": _("第 %(n)d 个栏目的名称无效", n=index)})
        width = item.get("width")
        if width is not None and (isinstance(width, bool) or not isinstance(width, (int, float))):
            raise ValidationError({"columns": _("第 %(n)d 个栏目的宽度无效", n=index)})
        visible = item.get("visible", True)
        if not isinstance(visible, bool):
            raise ValidationError({"columns": _("第 %(n)d 个栏目的显示设置无效", n=index)})
        if key in seen:
            continue
        seen.add(key)
        entry = {"key": key, "visible": visible}
        if width is not None:
            entry["width"] = int(min(max(width, MIN_WIDTH), MAX_WIDTH))
        entries.append(entry)
    return entries


def save_columns(user, grid_id: str, payload) -> GridPreference:
    check_grid_id(grid_id)
    entries = clean_entries(payload)
    pref = db.session.scalar(
        select(GridPreference).where(GridPreference.user_id == user.id, GridPreference.grid_id == grid_id)
    )
    if pref is None:
        pref = GridPreference(user_id=user.id, grid_id=grid_id)
        db.session.add(pref)
    pref.columns = entries
    db.session.flush()
    return pref


def reset_columns(user, grid_id: str) -> None:
    check_grid_id(grid_id)
    db.session.execute(
        delete(GridPreference).where(GridPreference.user_id == user.id, GridPreference.grid_id == grid_id)
    )
    db.session.flush()


def arrange(columns: list, saved: list[dict] | None) -> list[tuple]:
    """[(column, visible, width)] in the user's order.

    Saved keys that no longer exist are ignored; columns the user never saw (added since) follow at
    the end, shown or hidden by their default. An entry without "visible" counts as shown.
    """
    by_key = {column.key: column for column in columns}
    arranged, placed = [], set()
    for entry in saved or ():
        column = by_key.get(entry.get("key")) if isinstance(entry, dict) else None
        if column is None or column.key in placed:
            continue
        placed.add(column.key)
        width = entry.get("width") if isinstance(entry.get("width"), int) else column.width
        arranged.append((column, bool(entry.get("visible", True)), width))
    for column in columns:
        if column.key not in placed:
            arranged.append((column, column.default_visible, column.width))
    return arranged

"""The one data grid every list uses: definitions, request parameters, paged queries and exports.

A list declares a GridDefinition (its columns and the scoped base query); the browser sends page,
size, sort, filter, q and quick; this module validates them against the columns, builds the SQL
with bound parameters only, and answers one page with a capped count so huge tables stay fast.
"""

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import jsonify
from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select

from app.errors import ValidationError
from app.extensions import db
from app.grid import filters, prefs
from app.masking import mask_number
from app.timeutil import format_local

MAX_PAGE = 1_000_000
MAX_SORTS = 5
MAX_FILTERS = 30
MAX_SEARCH_LENGTH = 100
# Counting every match of a broad filter over a million rows costs more than the page itself: count up to
# this many, show "more than N", and count exactly only when the user asks (?count=exact).
DEFAULT_COUNT_CAP = 1_000
_NUMBER_RUN = re.compile(r"[^,，;；、/]+")


@dataclass
class GridColumn:
    key: str
    label: object
    expr: Any
    type: str = "text"
    sortable: bool = True
    filterable: bool = True
    searchable: bool = False
    default_visible: bool = True
    width: int = 120
    choices: Callable[[], list[tuple[Any, str]]] | None = None
    filter_expr: Any = None
    format: Callable[[Any, Mapping], Any] | None = None
    mask_phone: bool = False
    export: bool = True
    # Replaces the ILIKE of the search box for this column, e.g. a lookup in a normalized phone index.
    search_condition: Callable[[str], Any] | None = None

    def __post_init__(self):
        if self.type not in filters.COLUMN_TYPES:
            raise ValueError(f"unknown grid column type {self.type!r}")


@dataclass
class GridDefinition:
    id: str
    columns: Callable[[Any], list[GridColumn]]
    base_query: Callable[[Any], Any]
    id_expr: Any
    default_sort: list[tuple[str, str]]
    quick_filters: dict[str, tuple[object, Callable[[Any], Any]]] = field(default_factory=dict)
    page_sizes: tuple = (20, 50, 100, 200)
    # Counting stops here: beyond it the total shows as "10000+" instead of scanning every row.
    count_cap: int = DEFAULT_COUNT_CAP


@dataclass
class GridQuery:
    """Validated request parameters of one grid request."""

    columns: list[GridColumn]
    page: int
    size: int
    sort: list[tuple[GridColumn, str]]
    conditions: list = field(default_factory=list)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size


def _json_param(args: Mapping, name: str, label):
    raw = args.get(name)
    if raw in (None, ""):
        return []
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise ValidationError({label: _("参数格式不正确")}) from None
    if not isinstance(raw, list):
        raise ValidationError({label: _("参数格式不正确")})
    return raw


def _int_param(args: Mapping, name: str, label, default: int, low: int, high: int) -> int:
    raw = args.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise ValidationError({label: _("必须是整数")}) from None
    if not low <= value <= high:
        raise ValidationError({label: _("必须在 %(low)d 到 %(high)d 之间", low=low, high=high)})
    return value


def _column(by_key: dict, key, what: str) -> GridColumn:
    column = by_key.get(key) if isinstance(key, str) else None
    if column is None:
        raise ValidationError({what: _("没有栏目“%(key)s”", key=key)})
    return column


def _parse_sort(definition, args, by_key) -> list[tuple[GridColumn, str]]:
    items = _json_param(args, "sort", _("排序")) or [{"field": k, "dir": d} for k, d in definition.default_sort]
    if len(items) > MAX_SORTS:
        raise ValidationError({_("排序"): _("最多按 %(n)d 个栏目排序", n=MAX_SORTS)})
    sort = []
    for item in items:
        if not isinstance(item, dict):
            raise ValidationError({_("排序"): _("参数格式不正确")})
        column = _column(by_key, item.get("field"), _("排序"))
        direction = str(item.get("dir") or "asc").lower()
        if not column.sortable:
            raise ValidationError({str(column.label): _("此栏目不能排序")})
        if direction not in ("asc", "desc"):
            raise ValidationError({str(column.label): _("排序方向只能是升序或降序")})
        sort.append((column, direction))
    return sort


def _filter_condition(item, by_key):
    if not isinstance(item, dict):
        raise ValidationError({_("筛选"): _("参数格式不正确")})
    column = _column(by_key, item.get("field"), _("筛选"))
    if not column.filterable:
        raise ValidationError({str(column.label): _("此栏目不能筛选")})
    parts = []
    for op_key, value_key in (("op", "value"), ("op2", "value2")):
        op = item.get(op_key)
        if op_key == "op2" and op in (None, ""):
            break
        filters.check_operator(column, op)
        parts.append(filters.condition_for(column, op, filters.parse_values(column, item.get(value_key), op)))
    join = item.get("join") or "and"
    if join not in ("and", "or"):
        raise ValidationError({str(column.label): _("两个条件只能用“且”或“或”连接")})
    return parts[0] if len(parts) == 1 else (and_ if join == "and" else or_)(*parts)


def _search_condition(columns, text: str):
    searchable = [c for c in columns if c.searchable]
    if not searchable:
        return None
    return or_(
        *(c.search_condition(text) if c.search_condition else filters.text_contains(c.expr, text) for c in searchable)
    )


def parse_grid_params(definition: GridDefinition, args: Mapping, user) -> GridQuery:
    """Check every parameter against the user's columns; raise ValidationError naming what is wrong."""
    columns = definition.columns(user)
    by_key = {c.key: c for c in columns}
    page = _int_param(args, "page", _("页码"), 1, 1, MAX_PAGE)
    size = _int_param(args, "size", _("每页条数"), definition.page_sizes[0], 1, max(definition.page_sizes))
    sort = _parse_sort(definition, args, by_key)
    items = _json_param(args, "filter", _("筛选"))
    if len(items) > MAX_FILTERS:
        raise ValidationError({_("筛选"): _("筛选条件太多")})
    conditions = [_filter_condition(item, by_key) for item in items]
    text = str(args.get("q") or "").strip()
    if len(text) > MAX_SEARCH_LENGTH:
        raise ValidationError({_("搜索"): _("搜索内容太长(最多 %(n)d 个字)", n=MAX_SEARCH_LENGTH)})
    if text and (condition := _search_condition(columns, text)) is not None:
        conditions.append(condition)
    quick = str(args.get("quick") or "")
    if quick:
        if quick not in definition.quick_filters:
            raise ValidationError({_("快速筛选"): _("没有快速筛选“%(name)s”", name=quick)})
        condition = definition.quick_filters[quick][1](user)
        if condition is not None:
            conditions.append(condition)
    return GridQuery(columns=columns, page=page, size=size, sort=sort, conditions=conditions)


def _filtered(definition, query: GridQuery, user):
    stmt = definition.base_query(user)
    for condition in query.conditions:
        stmt = stmt.where(condition)
    return stmt


def _ordered_rows(definition, query: GridQuery, user):
    """The filtered query selecting "id" and every column (labelled by key), in the requested order."""
    stmt = _filtered(definition, query, user).with_only_columns(
        definition.id_expr.label("id"), *(c.expr.label(c.key) for c in query.columns), maintain_column_froms=True
    )
    order = [c.expr.desc() if d == "desc" else c.expr.asc() for c, d in query.sort]
    # The id breaks ties so a row never shows on two pages.
    tie = query.sort[0][1] if query.sort else "asc"
    order.append(definition.id_expr.desc() if tie == "desc" else definition.id_expr.asc())
    return stmt.order_by(None).order_by(*order)


def grid_condition(definition: GridDefinition, args: Mapping, user):
    """A SELECT of the ids of every row the current filters match, for "all matching" batch actions."""
    query = parse_grid_params(definition, args, user)
    return _filtered(definition, query, user).with_only_columns(definition.id_expr, maintain_column_froms=True)


def display_value(column: GridColumn, value, row: Mapping, user):
    """The value a user is shown: the column's format, then number masking when the role hides numbers."""
    if column.format is not None:
        value = column.format(value, row)
    if column.mask_phone and value and user is not None and getattr(user, "hides_numbers", False):
        value = mask_numbers_in(value)
    return value


def mask_numbers_in(value):
    if isinstance(value, (list, tuple)):
        return [mask_numbers_in(item) for item in value]
    # Several numbers in one cell ("138…, 010-…") are masked one by one.
    return _NUMBER_RUN.sub(lambda match: mask_number(match.group()), str(value))


def json_value(column: GridColumn, value):
    if isinstance(value, datetime):
        return format_local(value, "%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if column.type == "money" and isinstance(value, Decimal | int | float) and not isinstance(value, bool):
        return f"{Decimal(str(value)):.2f}"
    if isinstance(value, Decimal):
        return float(value)
    return value


def run_grid_query(definition: GridDefinition, args: Mapping, user) -> dict:
    query = parse_grid_params(definition, args, user)
    stmt = _ordered_rows(definition, query, user).limit(query.size).offset(query.offset)
    rows = db.session.execute(stmt).mappings().all()
    data = []
    for row in rows:
        item = {"id": row["id"]}
        for column in query.columns:
            item[column.key] = json_value(column, display_value(column, row[column.key], row, user))
        data.append(item)

    if 0 < len(rows) < query.size or (not rows and query.page == 1):
        total, capped = query.offset + len(rows), False
    else:
        ids = _filtered(definition, query, user).with_only_columns(definition.id_expr, maintain_column_froms=True)
        if args.get("count") == "exact":
            total, capped = db.session.scalar(select(func.count()).select_from(ids.subquery())), False
        else:
            capped_ids = ids.limit(definition.count_cap + 1).subquery()
            counted = db.session.scalar(select(func.count()).select_from(capped_ids))
            total, capped = min(counted, definition.count_cap), counted > definition.count_cap
    last_page = max(1, math.ceil(total / query.size))
    if capped:
        last_page = max(last_page, query.page + (1 if len(rows) == query.size else 0))
    return {
        "data": data,
        "last_page": last_page,
        "total": total,
        "total_capped": capped,
        "page": query.page,
        "size": query.size,
    }


def grid_json_response(definition: GridDefinition, args: Mapping, user):
    try:
        return jsonify(run_grid_query(definition, args, user))
    except ValidationError as error:
        return jsonify(error.as_json()), 400


def visible_columns(definition: GridDefinition, user, columns=None) -> list[tuple[GridColumn, int]]:
    """[(column, width)] the user shows, in the user's order."""
    columns = definition.columns(user) if columns is None else columns
    arranged = prefs.arrange(columns, prefs.saved_columns(user, definition.id))
    return [(column, width) for column, visible, width in arranged if visible]


def export_rows(definition: GridDefinition, args: Mapping, user, limit: int):
    """(columns to write, an iterator of display values per row) for the current query, all pages."""
    query = parse_grid_params(definition, args, user)
    columns = [(c, w) for c, w in visible_columns(definition, user, query.columns) if c.export]
    stmt = _ordered_rows(definition, query, user).limit(limit)

    def rows():
        result = db.session.execute(stmt, execution_options={"yield_per": 1000})
        for row in result.mappings():
            yield [display_value(column, row[column.key], row, user) for column, _width in columns]

    return columns, rows()


def grid_export_response(definition: GridDefinition, args: Mapping, user, fmt: str, filename: str):
    from flask import current_app

    from app.grid import export

    try:
        if fmt not in ("xlsx", "csv"):
            raise ValidationError({_("导出格式"): _("只能导出 Excel 或 CSV")})
        columns, rows = export_rows(definition, args, user, current_app.config["EXPORT_MAX_ROWS"])
    except ValidationError as error:
        return jsonify(error.as_json()), 400
    if fmt == "csv":
        return export.csv_response(columns, rows, filename)
    return export.xlsx_response(columns, rows, filename)


def grid_config(definition: GridDefinition, user) -> dict:
    from app.grid.ui import build_config

    return build_config(definition, user)

"""The blacklist (call firewall, cloud-callcenter-admin §七.6) and the no-record numbers
(desktop-callcenter-crm §5.3) as shared data grids.

Numbers are masked for a role that hides numbers (they are often customers' numbers); the search still
takes the whole number. The blacklist's first four column labels are the import sheet's headers
(号码 / 类型 / 前缀 / 原因), so an exported file can be edited and imported again as it is.
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from app.customers.phones import try_normalize
from app.grid.columns import labels_column, local_minutes, user_column
from app.grid.filters import text_contains
from app.grid.services import GridColumn, GridDefinition
from app.telephony.models_config import BLACKLIST_DIRECTIONS, BlacklistEntry, NoRecordNumber


def number_search(column):
    """Numbers are stored normalized: "+86 138-1234-5678" finds 13812345678, digits find part of a number."""

    def condition(text: str):
        conditions = [text_contains(column, text)]
        found = try_normalize(text)
        if found is not None:
            conditions.append(column == found.normalized)
        digits = "".join(ch for ch in text if ch.isdigit())
        if digits and digits != text:
            conditions.append(text_contains(column, digits))
        return or_(*conditions)

    return condition


def number_column(column, width: int) -> GridColumn:
    """A list's number: found by any written form, masked for a role that hides numbers."""
    return GridColumn(
        "number",
        _l("号码"),
        column,
        searchable=True,
        mask_phone=True,
        search_condition=number_search(column),
        width=width,
    )


def blacklist_columns(user) -> list[GridColumn]:
    return [
        number_column(BlacklistEntry.number, width=140),
        labels_column("direction", _l("类型"), BlacklistEntry.direction, BLACKLIST_DIRECTIONS, width=120),
        GridColumn("is_prefix", _l("前缀"), BlacklistEntry.is_prefix, type="bool", width=90),
        GridColumn("reason", _l("原因"), BlacklistEntry.reason, searchable=True, width=200),
        GridColumn("hit_count", _l("拦截次数"), BlacklistEntry.hit_count, type="number", width=120),
        GridColumn(
            "last_hit_at", _l("最近拦截"), BlacklistEntry.last_hit_at, type="datetime", format=local_minutes, width=140
        ),
        GridColumn(
            "created_at", _l("添加时间"), BlacklistEntry.created_at, type="datetime", format=local_minutes, width=140
        ),
        user_column("created_by", _l("添加人"), BlacklistEntry.created_by_id, default_visible=False, width=100),
    ]


BLACKLIST_GRID = GridDefinition(
    id="blacklist",
    columns=blacklist_columns,
    base_query=lambda user: select(BlacklistEntry.id),
    id_expr=BlacklistEntry.id,
    default_sort=[("created_at", "desc")],
)


def no_record_columns(user) -> list[GridColumn]:
    return [
        number_column(NoRecordNumber.number, width=160),
        GridColumn("note", _l("备注"), NoRecordNumber.note, searchable=True, width=260),
        GridColumn(
            "created_at", _l("添加时间"), NoRecordNumber.created_at, type="datetime", format=local_minutes, width=140
        ),
    ]


NO_RECORD_GRID = GridDefinition(
    id="no_record",
    columns=no_record_columns,
    base_query=lambda user: select(NoRecordNumber.id),
    id_expr=NoRecordNumber.id,
    default_sort=[("number", "asc")],
)

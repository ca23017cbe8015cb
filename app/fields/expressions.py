"""SQL for a custom field's value inside its entity's JSON column, and the index behind it.

`extra_expression` renders exactly the expression `ensure_field_index` indexes, so PostgreSQL and
SQLite use the index for filters and sorts on custom fields:

    PostgreSQL  (extra ->> 'cf_1')                 CAST((extra ->> 'cf_1') AS NUMERIC)
    SQLite      json_extract(extra, '$.cf_1')      CAST(json_extract(extra, '$.cf_1') AS NUMERIC)

Dates are stored as 'YYYY-MM-DD' text, so they compare and sort as text (compare with isoformat()).
"""

import re

from sqlalchemy import Boolean, Float, String, exists, func, literal_column, select
from sqlalchemy import column as sql_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

from app.extensions import db
from app.fields.entities import FIELD_ENTITIES

NUMERIC_TYPES = ("number", "money")
# Long free text: a btree entry has a size limit, and nobody sorts by a memo.
UNINDEXED_TYPES = ("memo",)
_SAFE_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def _value_kind(field_type: str) -> str:
    if field_type in NUMERIC_TYPES:
        return "numeric"
    if field_type == "bool":
        return "bool"
    return "text"


class ExtraValue(ColumnElement):
    """One key of a JSON column as a typed scalar (text, NUMERIC or boolean)."""

    __visit_name__ = "extra_value"
    inherit_cache = True
    _traverse_internals = [
        ("json_column", InternalTraversal.dp_clauseelement),
        ("field_key", InternalTraversal.dp_string),
        ("kind", InternalTraversal.dp_string),
    ]

    def __init__(self, json_column, field_key: str, kind: str = "text"):
        if not _SAFE_KEY.match(field_key):
            raise ValueError(f"unsafe custom field key {field_key!r}")
        self.json_column = json_column
        self.field_key = field_key
        self.kind = kind
        self.type = {"numeric": Float(asdecimal=False), "bool": Boolean()}.get(kind, String())

    @property
    def _from_objects(self):
        return self.json_column._from_objects


@compiles(ExtraValue)
def _compile_json1(element, compiler, **kw):
    """SQLite (and any database with JSON1-style json_extract)."""
    sql = f"json_extract({compiler.process(element.json_column, **kw)}, '$.{element.field_key}')"
    return f"CAST({sql} AS NUMERIC)" if element.kind == "numeric" else sql


@compiles(ExtraValue, "postgresql")
def _compile_postgresql(element, compiler, **kw):
    sql = f"({compiler.process(element.json_column, **kw)} ->> '{element.field_key}')"
    if element.kind == "numeric":
        return f"CAST({sql} AS NUMERIC)"
    if element.kind == "bool":
        return f"CAST({sql} AS BOOLEAN)"
    return sql


def extra_expression(field, extra_column) -> ColumnElement:
    """The typed value of `field` in `extra_column` (e.g. Customer.extra), for WHERE and ORDER BY."""
    return ExtraValue(extra_column, field.key, _value_kind(field.field_type))


def multichoice_contains(field, extra_column, option: str):
    """True where the multiple-choice `field` has `option` among its values."""
    dialect = db.session.get_bind().dialect.name
    if not _SAFE_KEY.match(field.key):
        raise ValueError(f"unsafe custom field key {field.key!r}")
    if dialect == "postgresql":
        return extra_column.op("->")(literal_column(f"'{field.key}'")).op("?", is_comparison=True)(option)
    items = func.json_each(extra_column, literal_column(f"'$.{field.key}'")).table_valued("value")
    return exists(select(1).select_from(items).where(items.c.value == option))


def index_name(field) -> str:
    return f"ix_{FIELD_ENTITIES[field.entity].table}_{field.key}"


def _index_ddl(field, dialect) -> str | None:
    entity = FIELD_ENTITIES[field.entity]
    table = dialect.identifier_preparer.quote(entity.table)
    column = dialect.identifier_preparer.quote(entity.column)
    name = index_name(field)
    if field.field_type in UNINDEXED_TYPES:
        return None
    if field.field_type == "multichoice":
        if dialect.name != "postgresql":
            return None  # SQLite cannot index the members of a JSON array
        return f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (({column} -> '{field.key}'))"
    expression = extra_expression(field, sql_column(entity.column))
    return f"CREATE INDEX IF NOT EXISTS {name} ON {table} (({expression.compile(dialect=dialect)}))"


def ensure_field_index(field) -> str | None:
    """Create the expression index for `field` (inside the current transaction); returns its name.

    On PostgreSQL this takes a write lock on the table until the transaction commits, which is
    acceptable for an administrator adding a field; memo fields are not indexed."""
    dialect = db.session.get_bind().dialect
    ddl = _index_ddl(field, dialect)
    if ddl is None:
        return None
    db.session.execute(db.text(ddl))
    return index_name(field)


def drop_field_index(field) -> None:
    db.session.execute(db.text(f"DROP INDEX IF EXISTS {index_name(field)}"))

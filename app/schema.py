"""What schema comparisons (migrations, their test) leave alone: objects the app creates at run time
rather than through models — custom fields' expression indexes and SQLite's full-text shadow tables —
and the FAQ search indexes, which exist on one dialect only and are created by explicit DDL."""

import re

_RUNTIME_INDEX = re.compile(r"^ix_\w+_cf_\d+$")
_FTS_TABLE = re.compile(r"^faq_gram(_\w+)?$")
_DIALECT_INDEX = re.compile(r"^ix_faq_entry_search_\w+$")


def include_schema_object(obj, name, type_, reflected, compare_to) -> bool:
    runtime_index = type_ == "index" and _RUNTIME_INDEX.match(name or "")
    fts_table = type_ == "table" and _FTS_TABLE.match(name or "")
    if type_ == "index" and _DIALECT_INDEX.match(name or ""):
        return False
    return not (reflected and (runtime_index or fts_table))

"""Substring search over FAQ entries that works for Chinese (no spaces between words).

Every entry carries `search_text` (lower-cased title, keywords and answer) and `search_grams` (its distinct
two-character pieces). The indexes:

- SQLite: FTS5 `faq_trigram` (trigram tokenizer, a phrase query is a substring match for 3+ characters)
  and FTS5 `faq_bigram` over the grams for 2-character queries; both external-content tables kept in step
  with faq_entry by triggers, so bulk inserts are indexed too.
- PostgreSQL: pg_trgm GIN on search_text (LIKE '%…%' for 3+ characters; pg_trgm hashes non-ASCII
  trigrams, which works for Chinese in C.UTF-8 / UTF-8 locales) and a GIN array index on the grams
  (pg_trgm extracts no trigram from a 2-character pattern).
- One character, or 2 with punctuation: a plain LIKE scan.

The migration must run `install(connection)` after creating faq_entry (the extension on PostgreSQL, the
FTS tables and triggers on SQLite); production PostgreSQL needs `CREATE EXTENSION pg_trgm` rights once.
"""

from sqlalchemy import DDL, column, event, literal_column, select, table, text
from sqlalchemy.dialects.postgresql import ARRAY

from app.extensions import db
from app.faq.models import FaqEntry

_SQLITE_CREATE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS faq_trigram USING fts5("
    "search_text, content='faq_entry', content_rowid='id', tokenize='trigram')",
    "CREATE VIRTUAL TABLE IF NOT EXISTS faq_bigram USING fts5("
    "search_grams, content='faq_entry', content_rowid='id', tokenize='unicode61', detail='none')",
    "CREATE TRIGGER IF NOT EXISTS faq_entry_search_ai AFTER INSERT ON faq_entry BEGIN "
    "INSERT INTO faq_trigram(rowid, search_text) VALUES (new.id, new.search_text); "
    "INSERT INTO faq_bigram(rowid, search_grams) VALUES (new.id, new.search_grams); END",
    "CREATE TRIGGER IF NOT EXISTS faq_entry_search_ad AFTER DELETE ON faq_entry BEGIN "
    "INSERT INTO faq_trigram(faq_trigram, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO faq_bigram(faq_bigram, rowid, search_grams) VALUES ('delete', old.id, old.search_grams); END",
    "CREATE TRIGGER IF NOT EXISTS faq_entry_search_au AFTER UPDATE OF search_text, search_grams ON faq_entry BEGIN "
    "INSERT INTO faq_trigram(faq_trigram, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO faq_bigram(faq_bigram, rowid, search_grams) VALUES ('delete', old.id, old.search_grams); "
    "INSERT INTO faq_trigram(rowid, search_text) VALUES (new.id, new.search_text); "
    "INSERT INTO faq_bigram(rowid, search_grams) VALUES (new.id, new.search_grams); END",
)
_SQLITE_DROP = ("DROP TABLE IF EXISTS faq_trigram", "DROP TABLE IF EXISTS faq_bigram")
_POSTGRES_EXTENSION = "CREATE EXTENSION IF NOT EXISTS pg_trgm"

event.listen(FaqEntry.__table__, "before_create", DDL(_POSTGRES_EXTENSION).execute_if(dialect="postgresql"))
for _statement in _SQLITE_CREATE:
    event.listen(FaqEntry.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
for _statement in _SQLITE_DROP:
    event.listen(FaqEntry.__table__, "before_drop", DDL(_statement).execute_if(dialect="sqlite"))


def install(connection) -> None:
    """For the migration: what create_all does through the DDL events above."""
    if connection.dialect.name == "postgresql":
        connection.execute(text(_POSTGRES_EXTENSION))
    elif connection.dialect.name == "sqlite":
        for statement in _SQLITE_CREATE:
            connection.execute(text(statement))


def search_text_of(title: str, keywords: str, answer_text: str) -> str:
    return " ".join(part.strip() for part in (title, keywords, answer_text)).lower()


def grams_of(search_text: str) -> str:
    """The distinct two-character pieces made of letters or digits (punctuation and spaces split words)."""
    seen = dict.fromkeys(
        search_text[i : i + 2]
        for i in range(len(search_text) - 1)
        if search_text[i].isalnum() and search_text[i + 1].isalnum()
    )
    return " ".join(seen)


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def contains(column, term: str):
    return column.like(_like_pattern(term), escape="\\")


def _quoted(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _fts_match(table_name: str, term: str):
    fts = table(table_name, column("rowid"))
    return select(fts.c.rowid).where(literal_column(table_name).op("MATCH")(_quoted(term)))


def term_condition(term: str):
    """The WHERE clause: entries whose search_text contains `term` (already lower-cased), through an index."""
    dialect = db.session.get_bind().dialect.name
    two_letter_word = len(term) == 2 and term.isalnum()
    if dialect == "sqlite":
        if len(term) >= 3:
            return FaqEntry.id.in_(_fts_match("faq_trigram", term))
        if two_letter_word:
            return FaqEntry.id.in_(_fts_match("faq_bigram", term))
    elif dialect == "postgresql" and two_letter_word:
        grams = db.func.string_to_array(FaqEntry.search_grams, literal_column("' '"), type_=ARRAY(db.Text))
        return grams.contains([term])
    return contains(FaqEntry.search_text, term)  # PostgreSQL: pg_trgm serves this LIKE for 3+ characters

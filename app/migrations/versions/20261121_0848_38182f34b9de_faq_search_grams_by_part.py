"""faq search grams by part

The FAQ search looks for a word group by group (title, keywords, answer) and stops when the page is
full, instead of ranking every match: search_text now separates the parts with newlines, search_grams
holds one- and two-character pieces tagged with their part, and one index covers the grams — FTS5
`faq_gram` on SQLite, a GIN index over the grams plus an id-bucket token on PostgreSQL (pg_trgm is no
longer used; the extension is left installed).

Revision ID: 38182f34b9de
Revises: 1d7b52ebd6d1
Create Date: 2026-11-21 08:48:44.103985

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy import Text  # alembic writes JSONB(astext_type=Text()) unqualified


# revision identifiers, used by Alembic.
revision = '38182f34b9de'
down_revision = '1d7b52ebd6d1'
branch_labels = None
depends_on = None

BATCH = 2000

_OLD_SQLITE = (
    "CREATE VIRTUAL TABLE faq_trigram USING fts5("
    "search_text, content='faq_entry', content_rowid='id', tokenize='trigram')",
    "CREATE VIRTUAL TABLE faq_bigram USING fts5("
    "search_grams, content='faq_entry', content_rowid='id', tokenize='unicode61', detail='none')",
    "CREATE TRIGGER faq_entry_search_ai AFTER INSERT ON faq_entry BEGIN "
    "INSERT INTO faq_trigram(rowid, search_text) VALUES (new.id, new.search_text); "
    "INSERT INTO faq_bigram(rowid, search_grams) VALUES (new.id, new.search_grams); END",
    "CREATE TRIGGER faq_entry_search_ad AFTER DELETE ON faq_entry BEGIN "
    "INSERT INTO faq_trigram(faq_trigram, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO faq_bigram(faq_bigram, rowid, search_grams) VALUES ('delete', old.id, old.search_grams); END",
    "CREATE TRIGGER faq_entry_search_au AFTER UPDATE OF search_text, search_grams ON faq_entry BEGIN "
    "INSERT INTO faq_trigram(faq_trigram, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO faq_bigram(faq_bigram, rowid, search_grams) VALUES ('delete', old.id, old.search_grams); "
    "INSERT INTO faq_trigram(rowid, search_text) VALUES (new.id, new.search_text); "
    "INSERT INTO faq_bigram(rowid, search_grams) VALUES (new.id, new.search_grams); END",
)
_NEW_SQLITE = (
    "CREATE VIRTUAL TABLE faq_gram USING fts5("
    "search_grams, content='faq_entry', content_rowid='id', tokenize='ascii', detail='none', columnsize=0)",
    "CREATE TRIGGER faq_entry_gram_ai AFTER INSERT ON faq_entry BEGIN "
    "INSERT INTO faq_gram(rowid, search_grams) VALUES (new.id, new.search_grams); END",
    "CREATE TRIGGER faq_entry_gram_ad AFTER DELETE ON faq_entry BEGIN "
    "INSERT INTO faq_gram(faq_gram, rowid, search_grams) VALUES ('delete', old.id, old.search_grams); END",
    "CREATE TRIGGER faq_entry_gram_au AFTER UPDATE OF search_grams ON faq_entry BEGIN "
    "INSERT INTO faq_gram(faq_gram, rowid, search_grams) VALUES ('delete', old.id, old.search_grams); "
    "INSERT INTO faq_gram(rowid, search_grams) VALUES (new.id, new.search_grams); END",
)
_NEW_POSTGRES_INDEX = (
    "CREATE INDEX ix_faq_entry_search_grams ON faq_entry USING gin "
    "((array_append(string_to_array(search_grams, ' '), '#' || (id / 1024)::text))) WITH (fastupdate = off)"
)


def _old_columns(title, keywords, answer_text):
    """search_text and search_grams as revision 1d7b52ebd6d1 derived them."""
    search_text = " ".join(part.strip() for part in (title, keywords, answer_text)).lower()
    grams = dict.fromkeys(
        search_text[i : i + 2]
        for i in range(len(search_text) - 1)
        if search_text[i].isalnum() and search_text[i + 1].isalnum()
    )
    return search_text, " ".join(grams)


def _new_columns(title, keywords, answer_text):
    from app.faq.search_index import grams_of, search_text_of

    search_text = search_text_of(title, keywords, answer_text)
    return search_text, grams_of(search_text)


def _rederive(derive):
    """Rewrite both derived columns of every entry, a batch at a time."""
    bind = op.get_bind()
    update = sa.text("UPDATE faq_entry SET search_text = :text, search_grams = :grams WHERE id = :id")
    last = 0
    while True:
        rows = bind.execute(
            sa.text(
                "SELECT id, title, keywords, answer_text FROM faq_entry WHERE id > :last ORDER BY id LIMIT :n"
            ),
            {"last": last, "n": BATCH},
        ).all()
        if not rows:
            return
        values = []
        for row in rows:
            search_text, grams = derive(row.title or "", row.keywords or "", row.answer_text or "")
            values.append({"id": row.id, "text": search_text, "grams": grams})
        bind.execute(update, values)
        last = rows[-1].id


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP INDEX IF EXISTS ix_faq_entry_search_trgm')
        op.execute('DROP INDEX IF EXISTS ix_faq_entry_search_grams')
        _rederive(_new_columns)
        op.execute(_NEW_POSTGRES_INDEX)
    else:
        for name in ('faq_entry_search_ai', 'faq_entry_search_ad', 'faq_entry_search_au'):
            op.execute(f'DROP TRIGGER IF EXISTS {name}')
        op.execute('DROP TABLE IF EXISTS faq_trigram')
        op.execute('DROP TABLE IF EXISTS faq_bigram')
        _rederive(_new_columns)
        for statement in _NEW_SQLITE:
            op.execute(statement)
        op.execute("INSERT INTO faq_gram(faq_gram) VALUES ('rebuild')")


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP INDEX IF EXISTS ix_faq_entry_search_grams')
        _rederive(_old_columns)
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        op.execute('CREATE INDEX ix_faq_entry_search_trgm ON faq_entry USING gin (search_text gin_trgm_ops)')
        op.execute("CREATE INDEX ix_faq_entry_search_grams ON faq_entry USING gin (string_to_array(search_grams, ' '))")
    else:
        for name in ('faq_entry_gram_ai', 'faq_entry_gram_ad', 'faq_entry_gram_au'):
            op.execute(f'DROP TRIGGER IF EXISTS {name}')
        op.execute('DROP TABLE IF EXISTS faq_gram')
        _rederive(_old_columns)
        for statement in _OLD_SQLITE:
            op.execute(statement)
        op.execute("INSERT INTO faq_trigram(faq_trigram) VALUES ('rebuild')")
        op.execute("INSERT INTO faq_bigram(faq_bigram) VALUES ('rebuild')")

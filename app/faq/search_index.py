"""Substring search over FAQ entries that works for Chinese (no spaces between words), fast enough for
every keystroke at 100,000 entries.

Every entry carries two derived columns:

- `search_text`: "title\\nkeywords\\nanswer", lower-cased, whitespace inside each part collapsed to one
  space. Query words never contain whitespace, so a LIKE pattern can tell in which part a word lies:
  '%w%\\n%\\n%' is "in the title", '%w%\\n%' "in the title or the keywords", 'w%\\n%\\n%' "title starts
  with w".
- `search_grams`: the distinct one- and two-character pieces of each part's letters and digits and its
  punctuation marks (as "x" + hex code point), tagged with the part they come from (`t` title,
  `k` keywords, `a` answer, `s` the first one or two characters of the title), space-separated:
  "t退 t退货 tx25 k退 …".

The index over the grams answers "which entries have these pieces in this part" — exact for words of
one or two letters/digits, a close superset otherwise (which the LIKE then checks):

- SQLite: FTS5 table `faq_gram` (ascii tokenizer: every non-ASCII character is a token character, so a
  gram is one token; detail=none), kept in step with faq_entry by triggers. FTS5 walks a term's matches
  newest id first, so a LIMIT stops the walk as soon as the page is full.
- PostgreSQL: a GIN index over the grams plus a token for the entry's id bucket ("#97" for ids
  99328-100351, see app/faq/models.py). GIN gives no order, so the newest matches are looked for among
  the newest buckets first (the bucket tokens keep the index scan inside them), then older ones, and
  the search stops when the page is full: a common word never makes the database visit all its
  matches.

create_all builds the SQLite table and triggers through the DDL events below; migrations write the same
DDL out (tests/integration/test_migrations.py compares the two).
"""

from sqlalchemy import DDL, column, event, literal_column, select, table
from sqlalchemy.dialects.postgresql import ARRAY

from app.extensions import db
from app.faq.models import GRAM_INDEX_EXPRESSION, ID_BUCKET, FaqEntry

TITLE, KEYWORDS, ANSWER, TITLE_START = "t", "k", "a", "s"
MAX_QUERY_GRAMS = 8  # enough to make a long word selective; the LIKE checks the rest
WINDOW_BUCKETS = (2, 16)  # PostgreSQL: id buckets looked at first, then next, before all older entries

_SQLITE_CREATE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS faq_gram USING fts5("
    "search_grams, content='faq_entry', content_rowid='id', tokenize='ascii', detail='none', columnsize=0)",
    "CREATE TRIGGER IF NOT EXISTS faq_entry_gram_ai AFTER INSERT ON faq_entry BEGIN "
    "INSERT INTO faq_gram(rowid, search_grams) VALUES (new.id, new.search_grams); END",
    "CREATE TRIGGER IF NOT EXISTS faq_entry_gram_ad AFTER DELETE ON faq_entry BEGIN "
    "INSERT INTO faq_gram(faq_gram, rowid, search_grams) VALUES ('delete', old.id, old.search_grams); END",
    "CREATE TRIGGER IF NOT EXISTS faq_entry_gram_au AFTER UPDATE OF search_grams ON faq_entry BEGIN "
    "INSERT INTO faq_gram(faq_gram, rowid, search_grams) VALUES ('delete', old.id, old.search_grams); "
    "INSERT INTO faq_gram(rowid, search_grams) VALUES (new.id, new.search_grams); END",
)
_SQLITE_DROP = ("DROP TABLE IF EXISTS faq_gram",)

for _statement in _SQLITE_CREATE:
    event.listen(FaqEntry.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
for _statement in _SQLITE_DROP:
    event.listen(FaqEntry.__table__, "before_drop", DDL(_statement).execute_if(dialect="sqlite"))


# -- derived columns ----------------------------------------------------------------------------------


def search_text_of(title: str, keywords: str, answer_text: str) -> str:
    return "\n".join(" ".join(part.lower().split()) for part in (title, keywords, answer_text))


def _word_runs(part: str) -> list[str]:
    """The maximal runs of letters and digits: grams never span punctuation or spaces."""
    runs, current = [], []
    for char in part:
        if char.isalnum():
            current.append(char)
        elif current:
            runs.append("".join(current))
            current = []
    if current:
        runs.append("".join(current))
    return runs


def _grams(part: str) -> dict[str, None]:
    grams: dict[str, None] = {}
    for run in _word_runs(part):
        grams.update(dict.fromkeys(run))
        grams.update(dict.fromkeys(run[i : i + 2] for i in range(len(run) - 1)))
    return grams


def _marks(part: str) -> dict[str, None]:
    """Punctuation and symbols, each as "x" + its hex code point (the full-text tokenizer would drop the
    character itself); three characters or more, so never mistaken for a gram."""
    return {f"x{ord(char):x}": None for char in part if not char.isalnum() and not char.isspace()}


def grams_of(search_text: str) -> str:
    """The tagged grams of a search_text (see the module docstring)."""
    title, keywords, answer = (search_text.split("\n", 2) + ["", ""])[:3]
    tokens = [TITLE_START + gram for gram in _grams(title[:2]) if title.startswith(gram)]
    for tag, part in ((TITLE, title), (KEYWORDS, keywords), (ANSWER, answer)):
        tokens.extend(tag + gram for gram in _grams(part))
        tokens.extend(tag + mark for mark in _marks(part))
    return " ".join(tokens)


# -- query side ---------------------------------------------------------------------------------------


def word_grams(word: str) -> list[str]:
    """Grams every text containing `word` has: its two-character pieces (single characters for a word
    of one letter, its punctuation for a word without letters), at most MAX_QUERY_GRAMS of them spread
    over the word."""
    pieces = list(dict.fromkeys(g for g in _grams(word) if len(g) == 2)) or list(_grams(word)) or list(_marks(word))
    if len(pieces) > MAX_QUERY_GRAMS:
        step = (len(pieces) - 1) / (MAX_QUERY_GRAMS - 1)
        pieces = [pieces[round(i * step)] for i in range(MAX_QUERY_GRAMS)]
    return pieces


def _start_gram(word: str) -> str | None:
    """The `s` gram of titles starting with `word`."""
    head = _word_runs(word[:2])
    if not head or not word.startswith(head[0]):
        return None
    return TITLE_START + head[0]


def _escaped(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _like(pattern: str):
    return FaqEntry.search_text.like(pattern, escape="\\")


def anywhere(word: str):
    return _like(f"%{_escaped(word)}%")


def in_title(word: str):
    return _like(f"%{_escaped(word)}%\n%\n%")


def title_starts_with(word: str):
    return _like(f"{_escaped(word)}%\n%\n%")


def in_title_or_keywords(word: str):
    return _like(f"%{_escaped(word)}%\n%")


def _groups(word: str) -> list[tuple[list[str], list]]:
    """The result groups, best first, as (grams the index must find, exact conditions): titles starting
    with the word, other titles containing it, keywords containing it, answers containing it. Each entry
    falls in one group only."""
    grams = word_grams(word)
    start = _start_gram(word)
    return [
        (([start] if start else []) + [TITLE + g for g in grams], [title_starts_with(word)]),
        ([TITLE + g for g in grams], [in_title(word), ~title_starts_with(word)]),
        ([KEYWORDS + g for g in grams], [in_title_or_keywords(word), ~in_title(word)]),
        ([ANSWER + g for g in grams], [anywhere(word), ~in_title_or_keywords(word)]),
    ]


def ranked_ids(word: str, filters: list, limit: int) -> list[int]:
    """Ids of the first `limit` entries containing `word` (and meeting the filters), group by group,
    newest first within a group; a group is only searched when the ones before it left room."""
    if db.session.get_bind().dialect.name == "postgresql":
        top = db.session.scalar(select(db.func.max(FaqEntry.id)))
        if top is None:
            return []

        def newest_ids(grams, conditions, wanted):
            return _postgres_newest_ids(grams, conditions, wanted, top)
    else:
        newest_ids = _sqlite_newest_ids
    ids: list[int] = []
    for grams, conditions in _groups(word):
        ids.extend(newest_ids(grams, conditions + filters, limit - len(ids)))
        if len(ids) >= limit:
            break
    return ids


def _sqlite_newest_ids(grams: list[str], conditions: list, limit: int) -> list[int]:
    """Ids of up to `limit` entries having every gram and meeting the conditions, newest first: FTS5
    yields the matches by descending rowid, and the LIMIT ends the walk."""
    fts = table("faq_gram", column("rowid"))
    match = " AND ".join(f'"{gram}"' for gram in grams)  # grams are letters and digits only: no quoting
    statement = (
        select(FaqEntry.id)
        .select_from(fts)
        .join(FaqEntry, FaqEntry.id == fts.c.rowid)
        .where(literal_column("faq_gram").op("MATCH")(match), *conditions)
        .order_by(fts.c.rowid.desc())
        .limit(limit)
    )
    return list(db.session.scalars(statement))


def _postgres_newest_ids(grams: list[str], conditions: list, limit: int, top: int) -> list[int]:
    """The same for PostgreSQL (`top` is the highest id): first among the newest WINDOW_BUCKETS[0] buckets,
    then the next WINDOW_BUCKETS[1], the bucket tokens keeping the index scan itself inside the window;
    then everything older, on the grams alone (a bucket token costs a posting list of ID_BUCKET entries,
    so a wide window would cost more than the few matches a word that rare has left)."""
    indexed = literal_column(GRAM_INDEX_EXPRESSION, type_=ARRAY(db.Text))
    found: list[int] = []
    upper = top // ID_BUCKET + 1  # buckets [lower, upper) are looked at in a round
    for width in (*WINDOW_BUCKETS, None):
        if upper <= 0 or len(found) >= limit:
            break
        lower = 0 if width is None else max(0, upper - width)
        window = [FaqEntry.id >= lower * ID_BUCKET, FaqEntry.id < upper * ID_BUCKET]  # bounds any plan
        if width is not None:
            window.append(indexed.overlap([f"#{bucket}" for bucket in range(lower, upper)]))
        statement = (
            select(FaqEntry.id)
            .where(indexed.contains(grams), *window, *conditions)
            .order_by(FaqEntry.id.desc())
            .limit(limit - len(found))
        )
        found.extend(db.session.scalars(statement))
        upper = lower
    return found

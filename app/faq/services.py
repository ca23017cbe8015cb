"""FAQ rules: categories, entries (sanitized answer, extra fields, derived search columns) and the grouped search."""

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.errors import ValidationError
from app.extensions import db
from app.faq import search_index
from app.faq.models import FaqCategory, FaqEntry
from app.faq.sanitize import clean_html, plain_text

MAX_QUERY_TERMS = 5
MAX_TERM_LENGTH = 50
SNIPPET_CHARS = 90


# -- categories ---------------------------------------------------------------------------------------


def category_tree() -> list[tuple[FaqCategory, int]]:
    """Every category with its depth, parents before children, siblings by position then name."""
    rows = db.session.scalars(select(FaqCategory).order_by(FaqCategory.position, FaqCategory.name)).all()
    children: dict = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)
    ordered: list = []

    def walk(parent_id, depth):
        for row in children.get(parent_id, []):
            ordered.append((row, depth))
            walk(row.id, depth + 1)

    walk(None, 0)
    return ordered


def descendant_ids(category_id: int) -> list[int]:
    ids, frontier = [category_id], [category_id]
    while frontier:
        frontier = list(db.session.scalars(select(FaqCategory.id).where(FaqCategory.parent_id.in_(frontier))))
        ids.extend(frontier)
    return ids


def save_category(data: dict, category: FaqCategory | None = None) -> FaqCategory:
    name = (data.get("name") or "").strip()
    errors = {}
    if not name:
        errors[_("分类名称")] = _("必填")
    elif len(name) > 80:
        errors[_("分类名称")] = _("不能超过 %(n)d 个字", n=80)
    parent_id = _optional_id(data.get("parent_id"), FaqCategory, _("上级分类"), errors)
    if category is not None and parent_id is not None and parent_id in descendant_ids(category.id):
        errors[_("上级分类")] = _("不能选择自己或自己的下级")
    if errors:
        raise ValidationError(errors)
    if category is None:
        category = FaqCategory()
        db.session.add(category)
    category.name, category.parent_id = name, parent_id
    category.position = _int(data.get("position"), 0)
    db.session.flush()
    return category


def delete_category(category: FaqCategory) -> None:
    """Entries of the category (and of its sub-categories) stay, without a category."""
    db.session.delete(category)
    db.session.flush()


# -- entries ------------------------------------------------------------------------------------------


def _int(value, default):
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default


def _optional_id(value, model, label, errors):
    if value in (None, "", "0"):
        return None
    found = db.session.get(model, _int(value, 0))
    if found is None:
        errors[label] = _("不存在")
        return None
    return found.id


def _clean_keywords(raw: str) -> str:
    """Keywords separated by commas, spaces or 、; stored as "a,b,c" without duplicates."""
    parts = [p.strip() for p in str(raw or "").replace(",", ",").replace("、", ",").replace(" ", ",").split(",")]
    return ",".join(dict.fromkeys(p for p in parts if p))


def save_entry(data: dict, user, entry: FaqEntry | None = None) -> FaqEntry:
    """Create or update an entry from plain values; every bad value is reported at once."""
    from app.fields.services import merge_extra, validate_extra

    errors = {}
    title = (data.get("title") or "").strip()
    if not title:
        errors[_("标题")] = _("必填")
    elif len(title) > 200:
        errors[_("标题")] = _("不能超过 %(n)d 个字", n=200)
    keywords = _clean_keywords(data.get("keywords"))
    if len(keywords) > 300:
        errors[_("关键词")] = _("不能超过 %(n)d 个字", n=300)
    answer_html = clean_html(data.get("answer") or "")
    answer_text = plain_text(answer_html)
    if not answer_text and "<img" not in answer_html:
        errors[_("答案")] = _("必填")
    category_id = _optional_id(data.get("category_id"), FaqCategory, _("分类"), errors)
    try:
        extra = validate_extra("faq", data.get("extra") or {}, partial=entry is not None)
    except ValidationError as exc:
        errors.update(exc.errors)
    if errors:
        raise ValidationError(errors)
    if entry is None:
        entry = FaqEntry(created_by_id=user.id if user else None, extra={})
        db.session.add(entry)
    entry.title, entry.keywords, entry.category_id = title, keywords, category_id
    entry.answer_html, entry.answer_text = answer_html, answer_text
    entry.extra = merge_extra(entry.extra, extra)
    entry.updated_by_id = user.id if user else None
    refresh_search_columns(entry)
    db.session.flush()
    return entry


def refresh_search_columns(entry) -> None:
    entry.search_text = search_index.search_text_of(entry.title, entry.keywords or "", entry.answer_text or "")
    entry.search_grams = search_index.grams_of(entry.search_text)


def delete_entry(entry: FaqEntry) -> list[str]:
    """Delete the entry; returns the stored file names to remove once the deletion has committed."""
    stored = [f.stored_name for f in entry.files]
    db.session.delete(entry)
    db.session.flush()
    return stored


# -- search -------------------------------------------------------------------------------------------


def query_terms(query: str) -> list[str]:
    """Words of the query (spaces separate them; Chinese needs none), lower-cased, longest first."""
    terms = [t[:MAX_TERM_LENGTH] for t in str(query or "").lower().split() if t]
    terms = list(dict.fromkeys(terms))[:MAX_QUERY_TERMS]
    return sorted(terms, key=len, reverse=True)


def search(
    query: str, category_id: int | None = None, limit: int = 20, offset: int = 0, *, options=()
) -> list[FaqEntry]:
    """Entries containing every word of the query, newest first within groups: titles starting with the
    longest word, other titles containing it, keywords containing it, then answers containing it.

    Only as many entries as the page needs are looked at, group by group: a common word matches tens of
    thousands of entries, too many to rank on every keystroke. An empty query lists the most recently
    updated entries. `options` are loader options for the entries returned."""
    terms = query_terms(query)
    options = [selectinload(FaqEntry.category), *options]
    filters = []
    if category_id:
        filters.append(FaqEntry.category_id.in_(descendant_ids(category_id)))
    if not terms:
        statement = select(FaqEntry).where(*filters).order_by(FaqEntry.updated_at.desc(), FaqEntry.id.desc())
        return list(db.session.scalars(statement.options(*options).limit(limit).offset(offset)))
    main, others = terms[0], terms[1:]
    filters.extend(search_index.anywhere(term) for term in others)
    ids = search_index.ranked_ids(main, filters, offset + limit)[offset:]
    if not ids:
        return []
    loaded = {
        entry.id: entry for entry in db.session.scalars(select(FaqEntry).where(FaqEntry.id.in_(ids)).options(*options))
    }
    return [loaded[entry_id] for entry_id in ids if entry_id in loaded]


def snippet(entry: FaqEntry, query: str) -> str:
    """A piece of the answer around the first word of the query found in it."""
    text = (entry.answer_text or "").replace("\n", " ")
    lowered = text.lower()
    at = min((lowered.find(t) for t in query_terms(query) if t in lowered), default=0)
    start = max(0, at - SNIPPET_CHARS // 3)
    piece = text[start : start + SNIPPET_CHARS]
    return ("…" if start else "") + piece + ("…" if start + SNIPPET_CHARS < len(text) else "")


def search_results(query: str, category_id: int | None = None, limit: int = 20) -> list[dict]:
    """The compact JSON the side panel shows; answer_html is the sanitized answer."""
    return [
        {
            "id": entry.id,
            "title": entry.title,
            "category": entry.category.name if entry.category else "",
            "keywords": entry.keywords.split(",") if entry.keywords else [],
            "snippet": snippet(entry, query),
            "answer_html": entry.answer_html,
            "files": [{"id": f.id, "name": f.original_name} for f in entry.files],
        }
        for entry in search(query, category_id, limit, options=[selectinload(FaqEntry.files)])
    ]

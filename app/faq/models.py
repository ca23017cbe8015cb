"""The FAQ knowledge base: categories (a tree), entries with a sanitized rich-text answer, attached files.

`search_text` and `search_grams` are derived from title, keywords and answer by the service; the search
indexes (app/faq/search_index.py) are built over them."""

from datetime import datetime

from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.customers.models import ExtraJSON
from app.extensions import db
from app.timeutil import utcnow

# What PostgreSQL's FAQ search index covers: the entry's grams and "#<id // ID_BUCKET>", so that one index
# scan can look for a word among the newest entries only.
ID_BUCKET = 1024
GRAM_INDEX_EXPRESSION = f"array_append(string_to_array(search_grams, ' '), '#' || (id / {ID_BUCKET})::text)"


class FaqCategory(db.Model):
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(db.String(80))
    parent_id: Mapped[int | None] = mapped_column(db.ForeignKey("faq_category.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)

    parent = relationship("FaqCategory", remote_side=[id], back_populates="children")
    children = relationship("FaqCategory", back_populates="parent", order_by="FaqCategory.position")

    def __repr__(self):
        return f"<FaqCategory {self.id} {self.name}>"


class FaqEntry(db.Model):
    __audited__ = ("category_id", "title", "keywords", "answer_html", "extra")

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int | None] = mapped_column(db.ForeignKey("faq_category.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(db.String(200))
    keywords: Mapped[str] = mapped_column(db.String(300), default="")
    answer_html: Mapped[str] = mapped_column(db.Text, default="")  # sanitized on the way in
    answer_text: Mapped[str] = mapped_column(db.Text, default="")  # the answer without markup
    # Lower-cased "title\nkeywords\nanswer": what a LIKE checks a word against (app/faq/search_index.py).
    search_text: Mapped[str] = mapped_column(db.Text, default="")
    # Each part's one- and two-character pieces and punctuation, tagged with the part: what the index covers.
    search_grams: Mapped[str] = mapped_column(db.Text, default="")
    extra: Mapped[dict] = mapped_column(ExtraJSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(db.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(db.ForeignKey("user.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow, onupdate=utcnow, index=True)

    category = relationship("FaqCategory")
    files = relationship("FaqFile", back_populates="entry", cascade="all, delete-orphan", order_by="FaqFile.id")
    created_by = relationship("User", foreign_keys=[created_by_id])
    updated_by = relationship("User", foreign_keys=[updated_by_id])

    __table_args__ = (
        # PostgreSQL: GIN over the grams plus the entry's id bucket, see app/faq/search_index.py (SQLite: the
        # FTS5 table faq_gram, created there). No fastupdate: entries change rarely, and every search would
        # scan the pending list.
        db.Index(
            "ix_faq_entry_search_grams",
            db.text(GRAM_INDEX_EXPRESSION),
            postgresql_using="gin",
            postgresql_with={"fastupdate": "off"},
        ).ddl_if(dialect="postgresql"),
    )

    def __repr__(self):
        return f"<FaqEntry {self.id} {self.title}>"


class FaqFile(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(db.ForeignKey("faq_entry.id", ondelete="CASCADE"), index=True)
    original_name: Mapped[str] = mapped_column(db.String(255))
    stored_name: Mapped[str] = mapped_column(db.String(80))
    content_type: Mapped[str] = mapped_column(db.String(100), default="application/octet-stream")
    size: Mapped[int] = mapped_column(default=0)
    uploaded_by_id: Mapped[int | None] = mapped_column(db.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow)

    entry = relationship("FaqEntry", back_populates="files")

    def __repr__(self):
        return f"<FaqFile {self.id} {self.original_name}>"

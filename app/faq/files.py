"""Files attached to FAQ entries: the shared upload rules, stored under UPLOAD_DIR/faq with random names."""

from app.extensions import db
from app.faq.models import FaqFile
from app.uploads import UploadFolder

FOLDER = UploadFolder("faq")


def upload_dir() -> str:
    return FOLDER.directory()


def save_upload(entry, filename: str, stream, user) -> FaqFile:
    """Store one uploaded file for `entry`; the caller commits (and removes the file on rollback)."""
    stored = FOLDER.store(filename, stream)
    item = FaqFile(
        entry=entry,
        original_name=stored.original_name,
        stored_name=stored.stored_name,
        content_type=stored.content_type,
        size=stored.size,
        uploaded_by_id=user.id if user else None,
    )
    db.session.add(item)
    db.session.flush()
    return item


def stored_path(item: FaqFile) -> str:
    return FOLDER.path_of(item.stored_name)


def delete_file(item: FaqFile) -> str:
    stored = item.stored_name
    db.session.delete(item)
    db.session.flush()
    return stored


def remove_stored(names) -> None:
    FOLDER.remove(names)

"""Attached files: size- and type-checked, stored under UPLOAD_DIR with random names, served only to
users who may see the customer."""

import os

from app.customers.access import can_view
from app.customers.models import CustomerFile
from app.extensions import db
from app.uploads import UploadFolder

FOLDER = UploadFolder("customers")


def upload_dir() -> str:
    return FOLDER.directory()


def save_upload(customer, filename: str, stream, user, followup=None) -> CustomerFile:
    """Store one uploaded file for `customer`; the caller commits (and removes the file on rollback)."""
    stored = FOLDER.store(filename, stream)
    item = CustomerFile(
        customer=customer,
        followup=followup,
        original_name=stored.original_name,
        stored_name=stored.stored_name,
        content_type=stored.content_type,
        size=stored.size,
        uploaded_by_id=user.id if user else None,
    )
    db.session.add(item)
    db.session.flush()
    return item


def stored_path(item: CustomerFile) -> str:
    return FOLDER.path_of(item.stored_name)


def file_for_download(file_id: int, user) -> CustomerFile | None:
    """The file when `user` may see its customer; None otherwise (the view answers 404 either way)."""
    item = db.session.get(CustomerFile, file_id)
    if item is None or not can_view(item.customer, user) or not os.path.exists(stored_path(item)):
        return None
    return item


def delete_file(item: CustomerFile) -> str:
    stored = item.stored_name
    db.session.delete(item)
    db.session.flush()
    return stored


def remove_stored(names) -> None:
    FOLDER.remove(names)

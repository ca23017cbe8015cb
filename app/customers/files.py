"""Attached files: size- and type-checked, stored under UPLOAD_DIR with random names, served only to
users who may see the customer."""

import os

from app.customers.access import can_view
from app.customers.models import CustomerFile
from app.extensions import db
from app.uploads import Attachments

CUSTOMER_FILES = Attachments("customers", CustomerFile, "customer")
stored_path = CUSTOMER_FILES.path_of
delete_file = CUSTOMER_FILES.delete
remove_stored = CUSTOMER_FILES.remove


def save_upload(customer, filename: str, stream, user, followup=None) -> CustomerFile:
    """Store one uploaded file for `customer` (and the follow-up it came with); the caller commits."""
    return CUSTOMER_FILES.save(customer, filename, stream, user, followup=followup)


def file_for_download(file_id: int, user) -> CustomerFile | None:
    """The file when `user` may see its customer; None otherwise (the view answers 404 either way)."""
    item = db.session.get(CustomerFile, file_id)
    if item is None or not can_view(item.customer, user) or not os.path.exists(stored_path(item)):
        return None
    return item

"""Files attached to an order (contract, order form): the shared upload rules, stored under
UPLOAD_DIR/orders with random names, served only to users who may see the order."""

from app.extensions import db
from app.orders.models import OrderFile
from app.uploads import UploadFolder

FOLDER = UploadFolder("orders")


def upload_dir() -> str:
    return FOLDER.directory()


def save_upload(order, filename: str, stream, user) -> OrderFile:
    """Store one uploaded file for `order`; the caller commits (and removes the file on rollback)."""
    stored = FOLDER.store(filename, stream)
    item = OrderFile(
        order=order,
        original_name=stored.original_name,
        stored_name=stored.stored_name,
        content_type=stored.content_type,
        size=stored.size,
        uploaded_by_id=user.id if user else None,
    )
    db.session.add(item)
    db.session.flush()
    return item


def stored_path(item: OrderFile) -> str:
    return FOLDER.path_of(item.stored_name)


def delete_file(item: OrderFile) -> str:
    stored = item.stored_name
    db.session.delete(item)
    db.session.flush()
    return stored


def remove_stored(names) -> None:
    FOLDER.remove(names)

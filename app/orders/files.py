"""Files attached to an order (contract, order form): checked like customer files, stored under
UPLOAD_DIR/orders with random names, served only to users who may see the order."""

import os
import secrets

from flask import current_app
from flask_babel import gettext as _

from app.customers.files import CHUNK, CONTENT_TYPES, SIGNATURES
from app.errors import ValidationError
from app.extensions import db
from app.orders.models import OrderFile

_FIELD = "附件"


def upload_dir() -> str:
    path = os.path.join(current_app.config["UPLOAD_DIR"], "orders")
    os.makedirs(path, exist_ok=True)
    return path


def _check(extension: str, head: bytes, filename: str) -> None:
    signatures = SIGNATURES.get(extension)
    mismatch = bool(signatures) and not head.startswith(signatures)
    if mismatch or (extension == "webp" and head[8:12] != b"WEBP"):
        raise ValidationError({_(_FIELD): _("文件“%(name)s”的内容与扩展名不符", name=filename)})


def save_upload(order, filename: str, stream, user) -> OrderFile:
    """Store one uploaded file for `order`; the caller commits (and removes the file on rollback)."""
    filename = os.path.basename((filename or "").replace("\\", "/")).strip()[:255]
    if not filename or stream is None:
        raise ValidationError({_(_FIELD): _("请选择文件")})
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    allowed = current_app.config["UPLOAD_ALLOWED_EXTENSIONS"]
    if extension not in allowed:
        raise ValidationError(
            {_(_FIELD): _("不允许上传此类型的文件:%(name)s(允许:%(list)s)", name=filename, list=", ".join(allowed))}
        )
    limit = int(current_app.config["UPLOAD_MAX_BYTES"])
    stored_name = secrets.token_hex(16) + "." + extension
    path = os.path.join(upload_dir(), stored_name)
    size = 0
    try:
        with open(path, "wb") as out:
            chunk = stream.read(CHUNK)
            _check(extension, chunk, filename)
            while chunk:
                size += len(chunk)
                if size > limit:
                    raise ValidationError(
                        {_(_FIELD): _("文件“%(name)s”超过 %(mb)s MB", name=filename, mb=round(limit / 1048576, 1))}
                    )
                out.write(chunk)
                chunk = stream.read(CHUNK)
        if size == 0:
            raise ValidationError({_(_FIELD): _("文件“%(name)s”是空的", name=filename)})
    except Exception:
        remove_stored([stored_name])
        raise
    item = OrderFile(
        order=order,
        original_name=filename,
        stored_name=stored_name,
        content_type=CONTENT_TYPES.get(extension, "application/octet-stream"),
        size=size,
        uploaded_by_id=user.id if user else None,
    )
    db.session.add(item)
    db.session.flush()
    return item


def stored_path(item: OrderFile) -> str:
    return os.path.join(upload_dir(), os.path.basename(item.stored_name))


def delete_file(item: OrderFile) -> str:
    stored = item.stored_name
    db.session.delete(item)
    db.session.flush()
    return stored


def remove_stored(names) -> None:
    directory = upload_dir()
    for name in names:
        try:
            os.remove(os.path.join(directory, os.path.basename(name)))
        except FileNotFoundError:
            pass

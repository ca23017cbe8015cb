"""Attached files: size- and type-checked, stored under UPLOAD_DIR with random names, served only to
users who may see the customer."""

import os
import secrets

from flask import current_app
from flask_babel import gettext as _

from app.customers.access import can_view
from app.customers.models import CustomerFile
from app.errors import ValidationError
from app.extensions import db

CHUNK = 64 * 1024
# Leading bytes a file of that extension must start with; a .png that is really HTML is refused.
SIGNATURES = {
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "gif": (b"GIF87a", b"GIF89a"),
    "webp": (b"RIFF",),
    "pdf": (b"%PDF-",),
    "zip": (b"PK\x03\x04", b"PK\x05\x06"),
    "xlsx": (b"PK\x03\x04",),
    "docx": (b"PK\x03\x04",),
}
CONTENT_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "pdf": "application/pdf",
    "txt": "text/plain; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
}
_FIELD = "附件"


def upload_dir() -> str:
    path = os.path.join(current_app.config["UPLOAD_DIR"], "customers")
    os.makedirs(path, exist_ok=True)
    return path


def _extension(filename: str) -> str:
    name = os.path.basename(filename.replace("\\", "/"))
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _check_signature(extension: str, head: bytes, filename: str) -> None:
    signatures = SIGNATURES.get(extension)
    if signatures and not head.startswith(signatures):
        raise ValidationError({_(_FIELD): _("文件“%(name)s”的内容与扩展名不符", name=filename)})
    if extension == "webp" and head[8:12] != b"WEBP":
        raise ValidationError({_(_FIELD): _("文件“%(name)s”的内容与扩展名不符", name=filename)})


def save_upload(customer, filename: str, stream, user, followup=None) -> CustomerFile:
    """Store one uploaded file for `customer`; the caller commits (and removes the file on rollback)."""
    filename = os.path.basename((filename or "").replace("\\", "/")).strip()[:255]
    if not filename:
        raise ValidationError({_(_FIELD): _("请选择文件")})
    extension = _extension(filename)
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
            head = stream.read(CHUNK)
            _check_signature(extension, head, filename)
            chunk = head
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
    item = CustomerFile(
        customer=customer,
        followup=followup,
        original_name=filename,
        stored_name=stored_name,
        content_type=CONTENT_TYPES.get(extension, "application/octet-stream"),
        size=size,
        uploaded_by_id=user.id if user else None,
    )
    db.session.add(item)
    db.session.flush()
    return item


def stored_path(item: CustomerFile) -> str:
    return os.path.join(upload_dir(), os.path.basename(item.stored_name))


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
    """Remove files from disk once the deleting transaction has committed."""
    directory = upload_dir()
    for name in names:
        try:
            os.remove(os.path.join(directory, os.path.basename(name)))
        except FileNotFoundError:
            pass

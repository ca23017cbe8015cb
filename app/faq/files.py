"""Files attached to FAQ entries: the customer files' rules (allowed extensions, size limit, content
signature) under UPLOAD_DIR/faq with random names."""

import os
import secrets

from flask import current_app
from flask_babel import gettext as _

from app.customers.files import CHUNK, CONTENT_TYPES, SIGNATURES
from app.errors import ValidationError
from app.extensions import db
from app.faq.models import FaqFile

_FIELD = "附件"


def upload_dir() -> str:
    path = os.path.join(current_app.config["UPLOAD_DIR"], "faq")
    os.makedirs(path, exist_ok=True)
    return path


def _refuse(message) -> ValidationError:
    return ValidationError({_(_FIELD): message})


def _read_checked(stream, out, extension: str, filename: str) -> int:
    limit = int(current_app.config["UPLOAD_MAX_BYTES"])
    head = stream.read(CHUNK)
    signatures = SIGNATURES.get(extension)
    if (signatures and not head.startswith(signatures)) or (extension == "webp" and head[8:12] != b"WEBP"):
        raise _refuse(_("文件“%(name)s”的内容与扩展名不符", name=filename))
    size, chunk = 0, head
    while chunk:
        size += len(chunk)
        if size > limit:
            raise _refuse(_("文件“%(name)s”超过 %(mb)s MB", name=filename, mb=round(limit / 1048576, 1)))
        out.write(chunk)
        chunk = stream.read(CHUNK)
    if size == 0:
        raise _refuse(_("文件“%(name)s”是空的", name=filename))
    return size


def save_upload(entry, filename: str, stream, user) -> FaqFile:
    """Store one uploaded file for `entry`; the caller commits (and removes the file on rollback)."""
    filename = os.path.basename((filename or "").replace("\\", "/")).strip()[:255]
    if not filename:
        raise _refuse(_("请选择文件"))
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    allowed = current_app.config["UPLOAD_ALLOWED_EXTENSIONS"]
    if extension not in allowed:
        raise _refuse(_("不允许上传此类型的文件:%(name)s(允许:%(list)s)", name=filename, list=", ".join(allowed)))
    stored_name = secrets.token_hex(16) + "." + extension
    try:
        with open(os.path.join(upload_dir(), stored_name), "wb") as out:
            size = _read_checked(stream, out, extension, filename)
    except Exception:
        remove_stored([stored_name])
        raise
    item = FaqFile(
        entry=entry,
        original_name=filename,
        stored_name=stored_name,
        content_type=CONTENT_TYPES.get(extension, "application/octet-stream"),
        size=size,
        uploaded_by_id=user.id if user else None,
    )
    db.session.add(item)
    db.session.flush()
    return item


def stored_path(item: FaqFile) -> str:
    return os.path.join(upload_dir(), os.path.basename(item.stored_name))


def delete_file(item: FaqFile) -> str:
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

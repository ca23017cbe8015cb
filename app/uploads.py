"""Uploaded files, one rule set for every module: allowed extensions, a size limit, content that matches
the extension, random names on disk under UPLOAD_DIR/<folder> (never under static/), and removal only
after the deleting transaction has committed."""

import os
import secrets
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _

from app.errors import ValidationError

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
FIELD = "附件"


@dataclass(frozen=True)
class StoredUpload:
    original_name: str
    stored_name: str
    content_type: str
    size: int


def _refuse(message) -> ValidationError:
    return ValidationError({_(FIELD): message})


def clean_filename(filename: str | None) -> str:
    return os.path.basename((filename or "").replace("\\", "/")).strip()[:255]


def extension_of(filename: str) -> str:
    return filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


def _check_signature(extension: str, head: bytes, filename: str) -> None:
    signatures = SIGNATURES.get(extension)
    if (signatures and not head.startswith(signatures)) or (extension == "webp" and head[8:12] != b"WEBP"):
        raise _refuse(_("文件“%(name)s”的内容与扩展名不符", name=filename))


class UploadFolder:
    def __init__(self, name: str):
        self.name = name

    def directory(self) -> str:
        path = os.path.join(current_app.config["UPLOAD_DIR"], self.name)
        os.makedirs(path, exist_ok=True)
        return path

    def path_of(self, stored_name: str) -> str:
        return os.path.join(self.directory(), os.path.basename(stored_name))

    def store(self, filename: str | None, stream) -> StoredUpload:
        """Write one upload after checking it; nothing is left on disk when it is refused."""
        filename = clean_filename(filename)
        if not filename or stream is None:
            raise _refuse(_("请选择文件"))
        extension = extension_of(filename)
        allowed = current_app.config["UPLOAD_ALLOWED_EXTENSIONS"]
        if extension not in allowed:
            raise _refuse(_("不允许上传此类型的文件:%(name)s(允许:%(list)s)", name=filename, list=", ".join(allowed)))
        limit = int(current_app.config["UPLOAD_MAX_BYTES"])
        stored_name = secrets.token_hex(16) + "." + extension
        size = 0
        try:
            with open(self.path_of(stored_name), "wb") as out:
                chunk = stream.read(CHUNK)
                _check_signature(extension, chunk, filename)
                while chunk:
                    size += len(chunk)
                    if size > limit:
                        raise _refuse(_("文件“%(name)s”超过 %(mb)s MB", name=filename, mb=round(limit / 1048576, 1)))
                    out.write(chunk)
                    chunk = stream.read(CHUNK)
            if size == 0:
                raise _refuse(_("文件“%(name)s”是空的", name=filename))
        except Exception:
            self.remove([stored_name])
            raise
        content_type = CONTENT_TYPES.get(extension, "application/octet-stream")
        return StoredUpload(filename, stored_name, content_type, size)

    def remove(self, names) -> None:
        """Remove files from disk once the deleting transaction has committed."""
        for name in names:
            try:
                os.remove(self.path_of(name))
            except FileNotFoundError:
                pass


class Attachments:
    """The files attached to records of one model (customer files, order files, FAQ files): the rows
    that describe them and the bytes under their folder."""

    def __init__(self, folder: str, model, owner_field: str):
        self.folder, self.model, self.owner_field = UploadFolder(folder), model, owner_field

    def save(self, owner, filename: str, stream, user, **links):
        """Store one upload for `owner`; the caller commits (and removes the file on rollback)."""
        from app.extensions import db

        stored = self.folder.store(filename, stream)
        item = self.model(
            **{self.owner_field: owner},
            **links,
            original_name=stored.original_name,
            stored_name=stored.stored_name,
            content_type=stored.content_type,
            size=stored.size,
            uploaded_by_id=user.id if user else None,
        )
        db.session.add(item)
        db.session.flush()
        return item

    def path_of(self, item) -> str:
        return self.folder.path_of(item.stored_name)

    def download(self, item):
        """The stored file as a download under its original name, kept out of shared caches (customers'
        documents). The caller has checked the user may see it."""
        from flask import send_file

        response = send_file(
            self.path_of(item), mimetype=item.content_type, as_attachment=True, download_name=item.original_name
        )
        response.headers["Cache-Control"] = "private, no-store"
        return response

    def delete(self, item) -> str:
        """Delete the row; returns the stored name to remove from disk once the commit went through."""
        from app.extensions import db

        stored = item.stored_name
        db.session.delete(item)
        db.session.flush()
        return stored

    def remove(self, names) -> None:
        self.folder.remove(names)

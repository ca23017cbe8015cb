"""Streaming the current grid query to CSV or Excel, safe to open in a spreadsheet.

CSV is written row by row as the database yields them; Excel goes through openpyxl's write-only
workbook into a spooled temporary file, so memory stays flat however many rows are exported.
"""

import csv
import io
import re
from datetime import date, datetime
from decimal import Decimal
from tempfile import SpooledTemporaryFile
from urllib.parse import quote

from flask import Response, stream_with_context
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from app.timeutil import format_local, to_local

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A spreadsheet treats a cell starting with these as a formula (or strips them and then does).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CSV_BATCH_ROWS = 500
CHUNK_BYTES = 64 * 1024
_UNSAFE_FILENAME = re.compile(r'[\x00-\x1f\x7f"\\/:*?<>|;]+')


def safe_text(text: str) -> str:
    """Text a spreadsheet will show as text: a leading formula character gets a quote in front."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def cell_value(column, value, for_excel: bool):
    """One exported cell: local times, 是/否, joined lists, numbers kept numeric for Excel."""
    if value is None:
        return None if for_excel else ""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, datetime):
        return to_local(value).replace(tzinfo=None) if for_excel else format_local(value, "%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value if for_excel else value.isoformat()
    if isinstance(value, (int, float, Decimal)):
        if column.type == "money" and not for_excel:
            return f"{Decimal(str(value)):.2f}"
        return value if for_excel else str(value)
    if isinstance(value, (list, tuple)):
        value = "、".join(str(item) for item in value)
    return safe_text(str(value))


def content_disposition(filename: str) -> str:
    """attachment with an ASCII fallback and the real (Chinese) name per RFC 5987."""
    cleaned = _UNSAFE_FILENAME.sub("_", filename).strip(" .") or "export"
    stem, dot, ext = cleaned.rpartition(".")
    fallback = cleaned.encode("ascii", "ignore").decode().strip(" ._") or "export"
    if dot and not stem.encode("ascii", "ignore").decode().strip(" ._"):
        fallback = f"export.{ext}"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(cleaned, safe='')}"


def _with_extension(filename: str, ext: str) -> str:
    return filename if filename.lower().endswith("." + ext) else f"{filename}.{ext}"


def csv_response(columns, rows, filename: str) -> Response:
    def generate():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        buffer.write("\ufeff")  # the BOM tells Excel the file is UTF-8, so Chinese shows right
        writer.writerow([safe_text(str(column.label)) for column, _width in columns])
        for count, values in enumerate(rows, start=1):
            writer.writerow(
                [cell_value(column, value, False) for (column, _w), value in zip(columns, values, strict=True)]
            )
            if count % CSV_BATCH_ROWS == 0:
                yield buffer.getvalue().encode("utf-8")
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue().encode("utf-8")

    response = Response(stream_with_context(generate()), mimetype="text/csv")
    response.headers["Content-Disposition"] = content_disposition(_with_extension(filename, "csv"))
    response.headers["Cache-Control"] = "no-store"
    return response


def write_xlsx(columns, rows, target, title: str = "Sheet1") -> None:
    """Write the rows into `target` (a path or binary file) with a bold, frozen header row."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_UNSAFE_FILENAME.sub("_", title)[:31] or "Sheet1")
    sheet.freeze_panes = "A2"
    for index, (_column, width) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(8, min(80, round(width / 7)))
    header = []
    for column, _width in columns:
        cell = WriteOnlyCell(sheet, value=safe_text(str(column.label)))
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for values in rows:
        sheet.append([cell_value(column, value, True) for (column, _w), value in zip(columns, values, strict=True)])
    workbook.save(target)


def xlsx_response(columns, rows, filename: str) -> Response:
    filename = _with_extension(filename, "xlsx")
    spool = SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - closed by the generator below
    try:
        write_xlsx(columns, rows, spool, title=filename.rsplit(".", 1)[0])
    except BaseException:
        spool.close()
        raise
    size = spool.tell()
    spool.seek(0)

    def chunks():
        try:
            while data := spool.read(CHUNK_BYTES):
                yield data
        finally:
            spool.close()

    response = Response(chunks(), mimetype=XLSX_MIMETYPE, direct_passthrough=True)
    response.headers["Content-Length"] = str(size)
    response.headers["Content-Disposition"] = content_disposition(filename)
    response.headers["Cache-Control"] = "no-store"
    return response

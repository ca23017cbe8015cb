"""Reading an import file row by row without holding it in memory: .xlsx (openpyxl read-only) or .csv
(UTF-8 with or without BOM, or GB18030 as Chinese Excel writes it)."""

import codecs
import csv
import zipfile

from defusedxml import DefusedXmlException
from flask_babel import gettext as _

from app.errors import ValidationError

XLSX_MAGIC = b"PK\x03\x04"


def detect_kind(filename: str, head: bytes) -> str:
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        if not head.startswith(XLSX_MAGIC):
            raise ValidationError({_("文件"): _("文件扩展名是 .xlsx,但内容不是 Excel 文件")})
        return "xlsx"
    if name.endswith(".csv"):
        if head.startswith(XLSX_MAGIC) or b"\x00" in head[:4096]:
            raise ValidationError({_("文件"): _("文件扩展名是 .csv,但内容不是文本")})
        return "csv"
    raise ValidationError({_("文件"): _("只支持 .xlsx 和 .csv 文件")})


def csv_encoding(path: str) -> str:
    with open(path, "rb") as handle:
        sample = handle.read(1 << 20)
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"


class ImportFile:
    """Iterates (row number, [cell values]) after the header row; row numbers are as a spreadsheet shows them."""

    def __init__(self, path: str, kind: str):
        self.path, self.kind = path, kind
        self._workbook = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self._workbook is not None:
            self._workbook.close()

    def _xlsx_rows(self):
        import openpyxl

        try:
            self._workbook = openpyxl.load_workbook(self.path, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise ValidationError({_("文件"): _("无法读取 Excel 文件:%(e)s", e=type(exc).__name__)}) from None
        self._sheet = self._workbook.worksheets[0]
        return enumerate(self._sheet.iter_rows(values_only=True), start=1)

    def _csv_rows(self):
        handle = open(self.path, encoding=csv_encoding(self.path), newline="", errors="strict")  # noqa: SIM115
        self._handle = handle
        return enumerate(csv.reader(handle), start=1)

    def rows(self):
        source = self._xlsx_rows() if self.kind == "xlsx" else self._csv_rows()
        try:
            for number, values in source:
                if values and any(v not in (None, "") for v in values):
                    yield number, list(values)
        except UnicodeDecodeError:
            raise ValidationError({_("文件"): _("CSV 文件编码无法识别,请另存为 UTF-8")}) from None
        except csv.Error as exc:
            raise ValidationError({_("文件"): _("CSV 格式错误:%(e)s", e=str(exc))}) from None
        finally:
            if self.kind == "csv":
                self._handle.close()

    def estimated_rows(self) -> int:
        """Data rows, for the progress bar (the xlsx dimension or the csv line count)."""
        if self.kind == "xlsx":
            if self._workbook is None:
                self._xlsx_rows()
            return max(0, (self._sheet.max_row or 1) - 1)
        lines = 0
        with open(self.path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                lines += block.count(b"\n")
        return max(0, lines - 1)


_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def xlsx_header(path: str) -> list[str] | None:
    """The first row of the first sheet, read straight from the archive.

    Checking an upload's header must not cost what reading the whole file costs (openpyxl parses
    every shared string up front), so this reads only the first row and the strings it uses.
    None when the layout is unusual; the caller then falls back to openpyxl."""
    from defusedxml.ElementTree import iterparse

    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "xl/worksheets/sheet1.xml" not in names:
                return None
            cells = []
            with archive.open("xl/worksheets/sheet1.xml") as sheet:
                for _event, element in iterparse(sheet, events=("end",)):
                    if element.tag == _NS + "c":
                        value = element.find(_NS + "v")
                        inline = element.find(f"{_NS}is/{_NS}t")
                        kind = element.get("t", "n")
                        text = inline.text if inline is not None else (value.text if value is not None else "")
                        cells.append((_column_index(element.get("r", "")), kind, text or ""))
                    elif element.tag == _NS + "row":
                        if cells:
                            break
                        element.clear()
            wanted = {int(text) for _i, kind, text in cells if kind == "s" and text.isdigit()}
            strings = _shared_strings(archive, max(wanted)) if wanted and "xl/sharedStrings.xml" in names else {}
    except (zipfile.BadZipFile, KeyError, ValueError, SyntaxError, DefusedXmlException):
        return None
    row = [""] * (max((i for i, _k, _t in cells), default=-1) + 1)
    for index, kind, text in cells:
        row[index] = strings.get(int(text), "") if kind == "s" and text.isdigit() else text
    return row


def _shared_strings(archive, last: int) -> dict[int, str]:
    from defusedxml.ElementTree import iterparse

    found, index = {}, 0
    with archive.open("xl/sharedStrings.xml") as handle:
        for _event, element in iterparse(handle, events=("end",)):
            if element.tag == _NS + "si":
                found[index] = "".join(t.text or "" for t in element.iter(_NS + "t"))
                index += 1
                element.clear()
                if index > last:
                    break
    return found


def _column_index(reference: str) -> int:
    letters = "".join(ch for ch in reference if ch.isalpha())
    number = 0
    for ch in letters:
        number = number * 26 + (ord(ch.upper()) - 64)
    return max(number - 1, 0)


def xlsx_dimension_rows(path: str) -> int:
    """Data rows by the sheet's recorded used range (0 when the file records none)."""
    import re

    with zipfile.ZipFile(path) as archive, archive.open("xl/worksheets/sheet1.xml") as sheet:
        head = sheet.read(4096).decode("utf-8", "replace")
    match = re.search(r'<dimension ref="[A-Z]+\d+:[A-Z]+(\d+)"', head)
    return max(0, int(match.group(1)) - 1) if match else 0


def header_and_rows(import_file: ImportFile):
    """The first non-empty row as the header, and an iterator over the rest."""
    rows = import_file.rows()
    for _number, values in rows:
        return [("" if v is None else str(v)) for v in values], rows
    raise ValidationError({_("文件"): _("文件是空的")})

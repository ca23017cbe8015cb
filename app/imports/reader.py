"""Reading an import file row by row without holding it in memory: .xlsx (openpyxl read-only) or .csv
(UTF-8 with or without BOM, or GB18030 as Chinese Excel writes it)."""

import codecs
import csv
import os
import pickle
import subprocess
import sys
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
    """Iterates (row number, [cell values]) after the header row; row numbers are as a spreadsheet shows them.

    An .xlsx is read by a child process (sheet_reader.py) that hands the rows over a pipe, so that
    reading it, the larger part of an import, runs beside the import's own work; a .csv is read here."""

    def __init__(self, path: str, kind: str):
        self.path, self.kind = path, kind
        self._workbook = None
        self._reader = None
        self._handle = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self._workbook is not None:
            self._workbook.close()
        if self._reader is not None:
            self._reader.stop()
        if self._handle is not None:
            self._handle.close()

    def _open_workbook(self):
        import openpyxl

        try:
            self._workbook = openpyxl.load_workbook(self.path, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise unreadable_xlsx(type(exc).__name__) from None
        self._sheet = self._workbook.worksheets[0]

    def rows(self):
        """The non-empty rows, from a reader started now, in the caller's thread (under gevent, the hub's)."""
        if self.kind == "xlsx":
            self._reader = SheetReaderProcess(self.path)  # it leaves out empty rows itself
            return self._reader.rows()
        self._handle = open(self.path, encoding=csv_encoding(self.path), newline="", errors="strict")  # noqa: SIM115
        return self._csv_rows(csv.reader(self._handle))

    def _csv_rows(self, reader):
        try:
            for number, values in enumerate(reader, start=1):
                if any(values):  # a CSV cell is a string, empty or not
                    yield number, values
        except UnicodeDecodeError:
            raise ValidationError({_("文件"): _("CSV 文件编码无法识别,请另存为 UTF-8")}) from None
        except csv.Error as exc:
            raise ValidationError({_("文件"): _("CSV 格式错误:%(e)s", e=str(exc))}) from None
        finally:
            self._handle.close()

    def estimated_rows(self) -> int:
        """Data rows, for the progress bar (the xlsx dimension or the csv line count)."""
        if self.kind == "xlsx":
            if self._workbook is None:
                self._open_workbook()
            return max(0, (self._sheet.max_row or 1) - 1)
        lines = 0
        with open(self.path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                lines += block.count(b"\n")
        return max(0, lines - 1)


def unreadable_xlsx(kind: str) -> ValidationError:
    return ValidationError({_("文件"): _("无法读取 Excel 文件:%(e)s", e=kind)})


class _CellUnpickler(pickle.Unpickler):
    """Cell values only: what openpyxl hands out, and nothing a pickle could be made to build."""

    ALLOWED = {("datetime", name) for name in ("datetime", "date", "time", "timedelta")}

    def find_class(self, module, name):
        if (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not a cell value")


class SheetReaderProcess:
    """The child process reading an .xlsx (sheet_reader.py), and the rows it sends.

    The pipe is a plain file descriptor, read with blocking reads: the rows are taken in the import's
    read-ahead thread, an OS thread also under gevent, so the wait holds up nothing else."""

    SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sheet_reader.py")

    def __init__(self, path: str):
        read_end, write_end = os.pipe()
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-I", self.SCRIPT, path], stdin=subprocess.DEVNULL, stdout=write_end
            )
        except BaseException:
            os.close(read_end)
            raise
        finally:
            os.close(write_end)
        self.stream = os.fdopen(read_end, "rb", buffering=1 << 16)

    def rows(self):
        while True:
            try:
                # One unpickler per message: an unpickler remembers every object it has loaded.
                message = _CellUnpickler(self.stream).load()
            except EOFError:  # killed, or out of its memory: it had no chance to say why
                raise ValidationError({_("文件"): _("读取 Excel 文件的进程意外退出,文件可能已损坏或太大")}) from None
            except pickle.UnpicklingError as exc:
                raise unreadable_xlsx(str(exc)) from None
            if message[0] == "rows":
                for number, values in message[1]:
                    yield number, list(values)
            elif message[0] == "end":
                return
            else:
                raise unreadable_xlsx(str(message[1]))

    def stop(self) -> None:
        self.stream.close()
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


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
    return split_header(import_file.rows())


def split_header(rows):
    for _number, values in rows:
        return [("" if v is None else str(v)) for v in values], rows
    raise ValidationError({_("文件"): _("文件是空的")})

"""Importing customers from .xlsx or .csv in the background.

Each row is all-or-nothing: a row that fails validation (or, rarely, the database) is listed in a
downloadable report with its reason, and every good row goes in. New customers are written in
bulk per chunk; rows matching an existing customer by any number are skipped, overwritten, or
overwritten and reassigned, as the user chose (cloud-callcenter-admin §二.2.3)."""

import contextvars
import gc
import io
import logging
import os
import secrets
import shutil
import sqlite3
import sys
import threading
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from functools import lru_cache, partial
from itertools import chain, islice

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import bindparam, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from app.audit.services import record
from app.customers.models import Customer, CustomerPhone
from app.customers.phones import phone_location
from app.errors import ValidationError
from app.extensions import db
from app.fields.models import ParamItem
from app.fields.services import custom_fields, merge_extra
from app.imports.cleaning import RowCleaner
from app.imports.columns import map_headers
from app.imports.reader import (
    ImportFile,
    detect_kind,
    header_and_rows,
    split_header,
    xlsx_dimension_rows,
    xlsx_header,
)
from app.imports.report import ErrorReport
from app.jobs.models import Job
from app.jobs.runner import enqueue, report_progress
from app.timeutil import utcnow

log = logging.getLogger(__name__)
JOB_KIND = "customer_import"
CHUNK = 1000
EXISTING_MODES = ("skip", "overwrite", "reassign")
ASSIGN_TO = ("private", "public")


def import_dir() -> str:
    path = os.path.join(current_app.instance_path, "imports")
    os.makedirs(path, exist_ok=True)
    return path


def parse_options(form) -> dict:
    existing = form.get("existing", "skip")
    assign_to = form.get("assign_to", "private")
    errors = {}
    if existing not in EXISTING_MODES:
        errors[_("已存在的客户")] = _("请选择跳过、覆盖或覆盖并重新分配")
    if assign_to not in ASSIGN_TO:
        errors[_("分配到")] = _("请选择私有或公共池")
    category_id = form.get("category_id") or None
    if category_id is not None:
        item = db.session.get(ParamItem, int(category_id)) if str(category_id).isdigit() else None
        if item is None or item.kind != "customer_category":
            errors[_("客户分类")] = _("请选择列表中的分类")
        category_id = item.id if item else None
    if errors:
        raise ValidationError(errors)
    return {"existing": existing, "assign_to": assign_to, "category_id": category_id}


def start_import(upload, options: dict, user) -> Job:
    """Store the upload outside the web root, check its header now, and queue the rest."""
    if upload is None or not upload.filename:
        raise ValidationError({_("文件"): _("请选择要导入的文件")})
    limit = current_app.config["IMPORT_MAX_BYTES"]
    kind = detect_kind(upload.filename, upload.stream.read(8192))
    upload.stream.seek(0)
    path = os.path.join(import_dir(), f"{secrets.token_hex(12)}.{kind}")
    with open(path, "wb") as target:
        shutil.copyfileobj(upload.stream, target, 1 << 20)
    if os.path.getsize(path) > limit:
        os.remove(path)
        raise ValidationError({_("文件"): _("文件超过 %(mb)s MB 上限", mb=limit // (1024 * 1024))})
    try:
        headers, total = _quick_header(path, kind)
        mapping, unknown = map_headers(headers, custom_fields("customer"))
        if not any(c.key == "name" for c in mapping.values()):
            raise ValidationError({_("表头"): _("找不到“客户姓名”列,请使用导入模板")})
    except ValidationError:
        os.remove(path)
        raise
    payload = {
        "path": os.path.basename(path),
        "kind": kind,
        "filename": os.path.basename(upload.filename)[:200],
        "options": options,
        "unknown_columns": unknown,
        "locale": str(get_locale() or "zh_CN"),
    }
    return enqueue(JOB_KIND, payload, user.id if user else None, total=total)


def _quick_header(path: str, kind: str) -> tuple[list[str], int]:
    if kind == "xlsx":
        header = xlsx_header(path)
        if header is not None and any(header):
            return header, xlsx_dimension_rows(path)
    with ImportFile(path, kind) as import_file:
        headers, _rows = header_and_rows(import_file)
        return headers, import_file.estimated_rows()


@contextmanager
def _fewer_collections():
    """The reader makes millions of short-lived objects while the import keeps a large working set
    (numbers seen, rows of the chunk): at the default thresholds the collector keeps rescanning that
    set. Collect far less often while importing; what is garbage is still freed by reference counts."""
    before = gc.get_threshold()
    gc.set_threshold(50_000, 50, 1000)
    try:
        yield
    finally:
        gc.set_threshold(*before)


class ImportRun:
    """One job's pass over its file."""

    def __init__(self, job: Job, user):
        self.job, self.user = job, user
        self.user_id = user.id if user else None  # read once: the user object expires at every commit
        self.options = job.payload["options"]
        self.path = os.path.join(import_dir(), job.payload["path"])
        self.counts = {"created": 0, "updated": 0, "skipped": 0, "failed": 0}
        # Numbers the current chunk has written → customer id. Earlier chunks' are in the database (and
        # found there), so memory stays flat however many rows the file has.
        self.known_numbers: dict[str, int] = {}

    def run(self) -> dict:
        with _fewer_collections(), ImportFile(self.path, self.job.payload["kind"]) as import_file:
            # The first row may take a while (a workbook's shared strings come first): wait for it
            # the way the read-ahead waits, without holding up a gevent server.
            headers, rows = _start_in_thread(partial(split_header, import_file.rows()))()
            fields = custom_fields("customer")
            mapping, _unknown = map_headers(headers, fields)
            cleaner = RowCleaner(mapping, fields, self.user, self.options.get("category_id"))
            self.report = ErrorReport(self.job.id, headers)
            done = 0
            with ReadAhead(rows, cleaner.clean) as chunks:
                for chunk in chunks:
                    done += self._chunk(chunk)
                    report_progress(self.job, done, max(self.job.total, done))  # commits the chunk with it
            report_progress(self.job, done, done)
        report_name = self.report.save(import_dir())
        record("customer", "import", "import", _("导入 %(f)s", f=self.job.payload["filename"]), dict(self.counts))
        db.session.commit()
        os.remove(self.path)
        return {**self.counts, "report": report_name, "unknown_columns": self.job.payload["unknown_columns"]}

    def _chunk(self, chunk) -> int:
        """Write one chunk of cleaned rows (uncommitted): new customers in bulk, matches per the chosen option.

        A row whose number an earlier row of the file already brought in is a match too, also within
        the chunk: the rows before it are written first, so it finds the customer they made."""
        good = []
        for number, cells, values, error in chunk:
            if error is None:
                good.append((number, cells, values))
            else:
                self._fail(number, cells, error)
        existing = self._existing_owners([values for _n, _c, values in good])
        known = self.known_numbers = {}
        skip = self.options["existing"] == "skip"
        new_rows, new_numbers = [], set()
        for row in good:
            numbers = [phone["normalized"] for phone in row[2]["phones"]]
            match = _owner_of(numbers, existing, known)
            if match is None and not new_numbers.isdisjoint(numbers):
                if skip:
                    self.counts["skipped"] += 1
                    continue
                self._insert_new(new_rows)
                new_rows, new_numbers = [], set()
                match = _owner_of(numbers, existing, known)
            if match is None:
                new_rows.append(row)
                new_numbers.update(numbers)
            elif skip:
                self.counts["skipped"] += 1
            else:
                self._update_existing(*row, match)
        self._insert_new(new_rows)
        return len(chunk)

    def _fail(self, number, cells, message):
        self.counts["failed"] += 1
        self.report.add(number, cells, message)

    def _existing_owners(self, rows) -> dict[str, int]:
        wanted = list({p["normalized"] for values in rows for p in values["phones"]})
        found = {}
        for start in range(0, len(wanted), 500):
            found.update(db.session.execute(_owners_query(), {"numbers": wanted[start : start + 500]}).all())
        return found

    def _insert_new(self, rows):
        if not rows:
            return
        try:
            with db.session.begin_nested():
                written = self._bulk_insert(rows)
        except (IntegrityError, DBAPIError):
            # Isolate the bad row(s): one savepoint per row, so every good row still goes in.
            for row in rows:
                try:
                    with db.session.begin_nested():
                        written = self._bulk_insert([row])
                except (IntegrityError, DBAPIError) as exc:
                    self._fail(row[0], row[1], _("数据库拒绝了这一行:%(e)s", e=str(exc.orig)[:200]))
                else:
                    self._written(written)
        else:
            self._written(written)

    def _written(self, written: tuple[int, dict[str, int]]) -> None:
        """New customers are counted, and their numbers remembered, only once their savepoint is kept."""
        created, numbers = written
        self.counts["created"] += created
        self.known_numbers.update(numbers)

    def _bulk_insert(self, rows) -> tuple[int, dict[str, int]]:
        """INSERT the rows' customers and their numbers; returns how many, and {number: new customer id}."""
        layout = _customer_layout(db.session.connection().dialect)
        now = utcnow()
        blank = layout.blank_record(
            owner_id=self.user_id if self.options["assign_to"] == "private" else None,
            created_by_id=self.user_id,
            updated_by_id=self.user_id,
            created_at=now,
            updated_at=now,
        )
        slots = layout.slots
        records = []
        for _number, _cells, values in rows:
            record = blank.copy()
            for key, value in values.items():
                index, process = slots[key]
                record[index] = value if process is None else process(value)
            records.append(record[:-1])
        ids = _insert_returning_ids(layout, records)
        phones, numbers = [], {}
        for customer_id, (_number, _cells, values) in zip(ids, rows, strict=True):
            for phone in values["phones"]:
                phones.append(_phone_record(customer_id, phone))
                numbers[phone["normalized"]] = customer_id
        if phones:
            _write_records(CustomerPhone.__table__, PHONE_COLUMNS, phones)
        return len(rows), numbers

    def _update_existing(self, number, cells, values, customer_id):
        try:
            with db.session.begin_nested():
                customer = db.session.get(Customer, customer_id)
                if customer.locked_by_id and self.user and customer.locked_by_id != self.user_id:
                    raise ValidationError(_("客户已被其他坐席锁定"))
                for key, value in values.items():
                    if key == "extra":
                        customer.extra = merge_extra(customer.extra, value)
                    elif key != "phones":
                        setattr(customer, key, value)
                have = {(p.normalized, p.extension) for p in customer.phones}
                for phone in values["phones"]:
                    if (phone["normalized"], phone["extension"]) not in have:
                        row = _phone_row(customer.id, phone)
                        row["position"] = len(customer.phones)
                        customer.phones.append(CustomerPhone(**{k: v for k, v in row.items() if k != "customer_id"}))
                if self.options["existing"] == "reassign":
                    customer.owner_id = self.user_id if self.options["assign_to"] == "private" else None
                customer.updated_by_id = self.user_id
                customer.updated_at = utcnow()
                db.session.flush()
            self.counts["updated"] += 1
            for phone in values["phones"]:
                self.known_numbers.setdefault(phone["normalized"], customer_id)
        except ValidationError as exc:
            self._fail(number, cells, exc.message)
        except (IntegrityError, DBAPIError) as exc:
            self._fail(number, cells, _("数据库拒绝了这一行:%(e)s", e=str(exc.orig)[:200]))


@lru_cache(maxsize=1)
def _owners_query():
    """Built once, so SQLAlchemy compiles it once: a chunk asks it a few times."""
    numbers = bindparam("numbers", expanding=True)
    return select(CustomerPhone.normalized, CustomerPhone.customer_id).where(CustomerPhone.normalized.in_(numbers))


def _owner_of(numbers, existing: dict, known: dict) -> int | None:
    """The customer that has one of these numbers, in the base before this chunk or written since."""
    for number in numbers:
        owner = existing.get(number) or known.get(number)
        if owner is not None:
            return owner
    return None


class ReadAhead:
    """Chunks of read and cleaned rows; the next chunk is read in an OS thread while the caller writes
    the current one.

    Taking rows (from the sheet reader's pipe, or parsing a CSV) and cleaning them is Python work; the
    database drivers let go of the GIL while the database works on a statement (psycopg2 while
    PostgreSQL does, sqlite3 while SQLite does, and a chunk goes in a few multi-row statements), so the
    two overlap. One chunk
    at most is read ahead: memory stays flat whatever the file's size. Leaving the block waits for
    that chunk, so the file is never closed under the reader."""

    def __init__(self, rows, clean):
        self.rows, self.clean = rows, clean
        self.pending = None

    def __enter__(self):
        return self._chunks()

    def __exit__(self, *exc):
        if self.pending is not None:
            pending, self.pending = self.pending, None
            try:
                pending()
            except Exception:  # already leaving with an error of its own, or with every row read
                log.debug("read-ahead ended with an error", exc_info=True)

    def _read(self) -> list:
        """(row number, cells, cleaned values or None, error message or None) for up to CHUNK rows."""
        chunk, clean = [], self.clean
        for number, cells in islice(self.rows, CHUNK):
            try:
                chunk.append((number, cells, clean(cells), None))
            except ValidationError as exc:
                chunk.append((number, cells, None, exc.message))
        return chunk

    def _chunks(self):
        self.pending = _start_in_thread(self._read)
        while True:
            pending, self.pending = self.pending, None
            chunk = pending()
            if not chunk:
                return
            self.pending = _start_in_thread(self._read)
            yield chunk


def _start_in_thread(func):
    """Run func in an OS thread, in a copy of the caller's context (app context, forced locale); returns
    a function that waits for its result and raises its exception. Under the gevent web server, whose
    threads are greenlets, one of gevent's pool of real threads, so the waiting greenlet yields."""
    run = contextvars.copy_context().run
    monkey = sys.modules.get("gevent.monkey")
    if monkey is not None and monkey.is_module_patched("threading"):
        from gevent import get_hub

        return get_hub().threadpool.spawn(run, func).get
    outcome = {}

    def target():
        try:
            outcome["result"] = run(func)
        except BaseException as exc:  # handed to the waiting caller
            outcome["error"] = exc

    thread = threading.Thread(target=target, name="import-read-ahead", daemon=True)
    thread.start()

    def wait():
        thread.join()
        if "error" in outcome:
            raise outcome.pop("error")
        return outcome.pop("result")

    return wait


PHONE_COLUMNS = ("customer_id", "number", "normalized", "extension", "type_id", "location", "position")


def _phone_record(customer_id, phone) -> tuple:
    return (
        customer_id,
        phone["number"],
        phone["normalized"],
        phone["extension"],
        phone["type_id"],
        phone_location(phone["normalized"])[:80],
        phone["position"],
    )


def _phone_row(customer_id, phone) -> dict:
    return dict(zip(PHONE_COLUMNS, _phone_record(customer_id, phone), strict=True))


class _CustomerLayout:
    """Customer's columns in table order, with their bind processors for one dialect: a new customer
    is one list in that order, so the driver gets it without a dict per row."""

    def __init__(self, dialect):
        table = Customer.__table__
        self.columns = [column.name for column in table.c]  # every column: the driver fills in no defaults
        self.position = {name: index for index, name in enumerate(self.columns)}
        self.processors = [column.type._cached_bind_processor(dialect) for column in table.c]
        # (index, bind processor) by a cleaned row's key; its numbers go to a last slot, cut off after.
        self.slots = {name: (index, self.processors[index]) for name, index in self.position.items()}
        self.slots["phones"] = (len(self.columns), None)
        defaults = _column_defaults()
        self.defaults = [defaults.get(name) for name in self.columns]

    def blank_record(self, **values) -> list:
        """A record of the defaults and the given values, through the bind processors (and the numbers' slot)."""
        record = self.defaults.copy()
        for name, value in values.items():
            record[self.position[name]] = value
        pairs = zip(record, self.processors, strict=True)
        return [value if process is None else process(value) for value, process in pairs] + [None]


@lru_cache(maxsize=4)
def _customer_layout(dialect) -> _CustomerLayout:
    return _CustomerLayout(dialect)


def _insert_returning_ids(layout: _CustomerLayout, records: list[list]) -> list[int]:
    """Bulk INSERT of customer records (lists in column order, id unset), returning their ids in order.

    Ids are reserved first so one executemany can write them all: PostgreSQL hands out a block from
    the sequence; SQLite allows one writer at a time, so once the first row is in (and the write lock
    held) the next ids are ours."""
    table = Customer.__table__
    connection = db.session.connection()
    id_index = layout.position["id"]
    if connection.dialect.name == "postgresql":
        ids = list(
            connection.execute(
                text("SELECT nextval(pg_get_serial_sequence('customer', 'id')) FROM generate_series(1, :n)"),
                {"n": len(records)},
            ).scalars()
        )
        for record, new_id in zip(records, ids, strict=True):
            record[id_index] = new_id
        _write_records(table, layout.columns, records)
        return ids
    first_id = _write_records(table, layout.columns, records[:1])
    ids = list(range(first_id, first_id + len(records)))
    for record, new_id in zip(records[1:], ids[1:], strict=True):
        record[id_index] = new_id
    if len(records) > 1:
        _write_records(table, layout.columns, records[1:])
    return ids


def _write_records(table, columns, records) -> int | None:
    """Records (sequences in the order of `columns`, values already as the driver takes them) straight
    to the driver inside the session's transaction; the last row id SQLite assigned, for one record."""
    connection = db.session.connection()
    dialect = connection.dialect
    quote = dialect.identifier_preparer.quote
    head = f"INSERT INTO {dialect.identifier_preparer.format_table(table)} ({', '.join(quote(c) for c in columns)})"
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        if dialect.name == "postgresql" and _green_psycopg():
            from psycopg2.extras import execute_values  # COPY is refused with gevent's wait callback

            execute_values(cursor, head + " VALUES %s", records, page_size=1000)
            return None
        if dialect.name == "postgresql":
            # COPY: the lines cost the Python side little, and the server reads them faster than VALUES.
            lines = "".join(["\t".join([_copy_field(value) for value in record]) + "\n" for record in records])
            # Read in one piece: each read takes the GIL back, waiting for the reader thread to let go of it.
            cursor.copy_expert(f"COPY {head[len('INSERT INTO ') :]} FROM STDIN", io.StringIO(lines), len(lines) + 1)
            return None
        row = f"({', '.join('?' * len(columns))})"
        if len(records) == 1:
            cursor.execute(f"{head} VALUES {row}", records[0])
            return cursor.lastrowid
        # Many rows to one statement: the driver lets go of the GIL once per statement while SQLite
        # works, where executemany takes it back after every row (and waits for the reader thread).
        limit = cursor.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // len(columns)
        step = max(1, min(limit, 1000))
        for start in range(0, len(records), step):
            batch = records[start : start + step]
            cursor.execute(f"{head} VALUES {', '.join([row] * len(batch))}", list(chain.from_iterable(batch)))
        return None
    except dialect.dbapi.Error as exc:
        # As SQLAlchemy reports it (IntegrityError …), so the caller isolates the bad row as usual.
        raise DBAPIError.instance(head, None, exc, dialect.dbapi.Error, dialect=dialect) from exc
    finally:
        cursor.close()


def _green_psycopg() -> bool:
    """psycopg2 made cooperative for gevent (psycogreen), as under the web server."""
    from psycopg2.extensions import get_wait_callback

    return get_wait_callback() is not None


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_field(value) -> str:
    """One value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if value.__class__ is str:
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            return value.translate(_COPY_ESCAPES)
        return value
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, int | float | Decimal | date):  # a datetime is a date
        return str(value)
    raise TypeError(f"no COPY form for {type(value).__name__}")


@lru_cache(maxsize=1)
def _column_defaults() -> dict:
    """Scalar column defaults of Customer, for the columns a sparse row leaves out."""
    defaults = {}
    for column in Customer.__table__.c:
        if column.default is not None and not callable(column.default.arg):
            defaults[column.name] = column.default.arg
    defaults["extra"] = {}
    return defaults

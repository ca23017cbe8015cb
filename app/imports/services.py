"""Importing customers from .xlsx or .csv in the background.

Each row is all-or-nothing: a row that fails validation (or, rarely, the database) is listed in a
downloadable report with its reason, and every good row goes in. New customers are written in
bulk per chunk; rows matching an existing customer by any number are skipped, overwritten, or
overwritten and reassigned, as the user chose (cloud-callcenter-admin §二.2.3)."""

import gc
import logging
import os
import secrets
import shutil
from contextlib import contextmanager
from functools import lru_cache

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import insert, select, text
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
from app.imports.reader import ImportFile, detect_kind, header_and_rows, xlsx_dimension_rows, xlsx_header
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
        self.options = job.payload["options"]
        self.path = os.path.join(import_dir(), job.payload["path"])
        self.counts = {"created": 0, "updated": 0, "skipped": 0, "failed": 0}
        self.known_numbers: dict[str, int] = {}  # numbers written by this import so far → customer id

    def run(self) -> dict:
        with _fewer_collections(), ImportFile(self.path, self.job.payload["kind"]) as import_file:
            headers, rows = header_and_rows(import_file)
            mapping, _unknown = map_headers(headers, custom_fields("customer"))
            self.cleaner = RowCleaner(mapping, custom_fields("customer"), self.user, self.options.get("category_id"))
            self.report = ErrorReport(self.job.id, headers)
            chunk, done = [], 0
            for number, cells in rows:
                chunk.append((number, cells))
                if len(chunk) >= CHUNK:
                    done += self._chunk(chunk)
                    chunk = []
                    report_progress(self.job, done, max(self.job.total, done))
            done += self._chunk(chunk)
            report_progress(self.job, done, done)
        report_name = self.report.save(import_dir())
        record("customer", "import", "import", _("导入 %(f)s", f=self.job.payload["filename"]), dict(self.counts))
        db.session.commit()
        os.remove(self.path)
        return {**self.counts, "report": report_name, "unknown_columns": self.job.payload["unknown_columns"]}

    def _chunk(self, chunk) -> int:
        good = []
        for number, cells in chunk:
            try:
                good.append((number, cells, self.cleaner.clean(cells)))
            except ValidationError as exc:
                self._fail(number, cells, exc.message)
        existing = self._existing_owners([v for _n, _c, v in good])
        new_rows = []
        for number, cells, values in good:
            match = next((existing[p["normalized"]] for p in values["phones"] if p["normalized"] in existing), None)
            if match is None:
                new_rows.append((number, cells, values))
            elif self.options["existing"] == "skip":
                self.counts["skipped"] += 1
            else:
                self._update_existing(number, cells, values, match)
        self._insert_new(new_rows)
        db.session.commit()
        return len(chunk)

    def _fail(self, number, cells, message):
        self.counts["failed"] += 1
        self.report.add(number, cells, message)

    def _existing_owners(self, rows) -> dict[str, int]:
        numbers = {p["normalized"] for values in rows for p in values["phones"]}
        found = {n: self.known_numbers[n] for n in numbers if n in self.known_numbers}
        wanted = list(numbers - set(found))
        for start in range(0, len(wanted), 500):
            query = select(CustomerPhone.normalized, CustomerPhone.customer_id).where(
                CustomerPhone.normalized.in_(wanted[start : start + 500])
            )
            found.update(dict(db.session.execute(query).all()))
        return found

    def _owner_for_new(self, values):
        if "owner_id" in values:
            return values["owner_id"]
        return self.user.id if self.options["assign_to"] == "private" and self.user else None

    def _insert_new(self, rows):
        if not rows:
            return
        try:
            with db.session.begin_nested():
                self._bulk_insert(rows)
        except (IntegrityError, DBAPIError):
            # Isolate the bad row(s): one savepoint per row, so every good row still goes in.
            for row in rows:
                try:
                    with db.session.begin_nested():
                        self._bulk_insert([row])
                except (IntegrityError, DBAPIError) as exc:
                    self._fail(row[0], row[1], _("数据库拒绝了这一行:%(e)s", e=str(exc.orig)[:200]))

    def _bulk_insert(self, rows):
        now, actor = utcnow(), self.user.id if self.user else None
        customers = []
        for _number, _cells, values in rows:
            record_values = {k: v for k, v in values.items() if k not in ("phones",)}
            record_values.update(
                owner_id=self._owner_for_new(values),
                created_by_id=actor,
                updated_by_id=actor,
                created_at=now,
                updated_at=now,
            )
            customers.append(record_values)
        ids = _insert_returning_ids(customers)
        phones = []
        for customer_id, (_number, _cells, values) in zip(ids, rows, strict=True):
            for phone in values["phones"]:
                phones.append(_phone_row(customer_id, phone))
                self.known_numbers[phone["normalized"]] = customer_id
        if phones:
            _executemany(CustomerPhone.__table__, phones)
        self.counts["created"] += len(rows)

    def _update_existing(self, number, cells, values, customer_id):
        try:
            with db.session.begin_nested():
                customer = db.session.get(Customer, customer_id)
                if customer.locked_by_id and self.user and customer.locked_by_id != self.user.id:
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
                    customer.owner_id = self.user.id if self.options["assign_to"] == "private" and self.user else None
                customer.updated_by_id = self.user.id if self.user else None
                customer.updated_at = utcnow()
                db.session.flush()
            self.counts["updated"] += 1
        except ValidationError as exc:
            self._fail(number, cells, exc.message)
        except (IntegrityError, DBAPIError) as exc:
            self._fail(number, cells, _("数据库拒绝了这一行:%(e)s", e=str(exc.orig)[:200]))


def _phone_row(customer_id, phone) -> dict:
    return {
        "customer_id": customer_id,
        "number": phone["number"],
        "normalized": phone["normalized"],
        "extension": phone["extension"],
        "type_id": phone["type_id"],
        "location": phone_location(phone["normalized"])[:80],
        "position": phone["position"],
    }


def _insert_returning_ids(rows: list[dict]) -> list[int]:
    """Bulk INSERT of customers, returning their ids in the order of `rows`.

    Ids are reserved first so one executemany can write them all: PostgreSQL hands out a block from
    the sequence; SQLite allows one writer at a time, so once the first row is in (and the write lock
    held) the next ids are ours."""
    table = Customer.__table__
    defaults = _column_defaults()
    columns = [column.name for column in table.c]  # every column: the driver fills in no defaults
    blank = {c: defaults.get(c) for c in columns}
    filled = [{**blank, **row} for row in rows]
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        ids = list(
            connection.execute(
                text("SELECT nextval(pg_get_serial_sequence('customer', 'id')) FROM generate_series(1, :n)"),
                {"n": len(rows)},
            ).scalars()
        )
    else:
        first = {k: v for k, v in filled[0].items() if k != "id"}
        first_id = connection.execute(insert(table).returning(table.c.id), first).scalar_one()
        ids = list(range(first_id, first_id + len(rows)))
        filled, ids_to_write = filled[1:], ids[1:]
        for row, new_id in zip(filled, ids_to_write, strict=True):
            row["id"] = new_id
        if filled:
            _executemany(table, filled)
        return ids
    for row, new_id in zip(filled, ids, strict=True):
        row["id"] = new_id
    _executemany(table, filled)
    return ids


def _executemany(table, rows: list[dict]) -> None:
    """Rows (all with the same keys) straight to the driver inside the session's transaction.

    The values go through SQLAlchemy's own bind processors, so they are stored exactly as the ORM
    stores them; what is skipped is its per-row statement machinery, most of an import's own cost."""
    connection = db.session.connection()
    dialect = connection.dialect
    columns = list(rows[0])
    processors = [table.c[name].type._cached_bind_processor(dialect) for name in columns]
    records = [
        tuple(
            value if process is None else process(value)
            for value, process in zip(row.values(), processors, strict=True)
        )
        for row in rows
    ]
    quote = dialect.identifier_preparer.quote
    head = f"INSERT INTO {dialect.identifier_preparer.format_table(table)} ({', '.join(quote(c) for c in columns)})"
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        if dialect.name == "postgresql":
            from psycopg2.extras import execute_values

            execute_values(cursor, head + " VALUES %s", records, page_size=1000)
        else:
            cursor.executemany(head + f" VALUES ({', '.join('?' * len(columns))})", records)
    except dialect.dbapi.Error as exc:
        # As SQLAlchemy reports it (IntegrityError …), so the caller isolates the bad row as usual.
        raise DBAPIError.instance(head, None, exc, dialect.dbapi.Error, dialect=dialect) from exc
    finally:
        cursor.close()


@lru_cache(maxsize=1)
def _column_defaults() -> dict:
    """Scalar column defaults of Customer, for the columns a sparse row leaves out."""
    defaults = {}
    for column in Customer.__table__.c:
        if column.default is not None and not callable(column.default.arg):
            defaults[column.name] = column.default.arg
    defaults["extra"] = {}
    return defaults

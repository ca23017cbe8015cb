#!/usr/bin/env python3
"""How fast screen-pop finds a customer by number: find_customers_by_phone against a bare indexed SELECT.

    .venv/bin/python scripts/bench/phone_lookup.py --customers 20000
    .venv/bin/python scripts/bench/phone_lookup.py --db postgresql://postgres@127.0.0.1:5432/zuoxi_bench

The target database's tables are dropped and created again. The last line is always
`phone_lookup customers=<n> p99_ms=<x> ratio_to_bare_select=<y>`.
"""

import argparse
import io
import os
import random
import secrets
import sys
import tempfile
import time

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))


def mobile(i: int) -> str:
    return f"13{i % 10}{i:08d}"[:11]


def landline(i: int) -> str:
    return f"75{5 + i % 3}{2 + i % 7}{i:07d}"[-11:]


def dialled_forms(normalized: str) -> list[str]:
    """Ways a caller ID or a person may write the same number."""
    if normalized.startswith("1") and len(normalized) == 11:
        return [
            normalized,
            "+86" + normalized,
            "0086" + normalized,
            f"{normalized[:3]}-{normalized[3:7]}-{normalized[7:]}",
        ]
    return [
        "0" + normalized,
        "+86" + normalized,
        f"0{normalized[:3]}-{normalized[3:]}",
        f"(0{normalized[:3]}) {normalized[3:]}",
    ]


def rows(count: int):
    """(customer row, [phone rows]) with one or two numbers per customer."""
    for i in range(1, count + 1):
        phones = [(i, mobile(i), mobile(i), 0)]
        if i % 2 == 0:
            phones.append((i, "0" + landline(i), landline(i), 1))
        yield i, phones


def load_sqlite(engine, count: int):
    raw = engine.raw_connection()
    cursor = raw.cursor()
    cursor.execute("BEGIN")
    batch_c, batch_p = [], []
    now = "2024-01-01 00:00:00"
    for customer_id, phones in rows(count):
        batch_c.append((customer_id, f"客户{customer_id}", "", "", "", "", "", "", "", "", "{}", now, now))
        batch_p.extend((cid, number, norm, "", "", pos) for cid, number, norm, pos in phones)
        if len(batch_c) >= 50000:
            _flush_sqlite(cursor, batch_c, batch_p)
    _flush_sqlite(cursor, batch_c, batch_p)
    cursor.execute("COMMIT")
    cursor.execute("ANALYZE")
    raw.close()


def _flush_sqlite(cursor, batch_c, batch_p):
    cursor.executemany(
        "INSERT INTO customer (id, name, company, gender, native_place, ethnicity, email, im, address, region, extra,"
        " created_at, updated_at, notes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '')",
        batch_c,
    )
    cursor.executemany(
        "INSERT INTO customer_phone (customer_id, number, normalized, extension, location, position)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        batch_p,
    )
    batch_c.clear()
    batch_p.clear()


def load_postgres(engine, count: int):
    raw = engine.raw_connection()
    cursor = raw.cursor()
    customers, phones = io.StringIO(), io.StringIO()
    for customer_id, numbers in rows(count):
        customers.write(f"{customer_id}\t客户{customer_id}\t\t\t\t\t\t\t\t\t{{}}\t2024-01-01\t2024-01-01\t\n")
        for cid, number, norm, pos in numbers:
            phones.write(f"{cid}\t{number}\t{norm}\t\t\t{pos}\n")
    customers.seek(0)
    phones.seek(0)
    cursor.copy_expert(
        "COPY customer (id, name, company, gender, native_place, ethnicity, email, im, address, region, extra,"
        " created_at, updated_at, notes) FROM STDIN",
        customers,
    )
    cursor.copy_expert(
        "COPY customer_phone (customer_id, number, normalized, extension, location, position) FROM STDIN", phones
    )
    cursor.execute("SELECT setval('customer_id_seq', %s)", (count,))
    raw.commit()
    # A base in use has been vacuumed (autovacuum does it): hint bits and the visibility map are set, so
    # the first lookup of a customer does not pay for a freshly copied page (and the bare select after
    # it, on the same page, would not).
    raw.driver_connection.autocommit = True
    cursor.execute("VACUUM ANALYZE customer")
    cursor.execute("VACUUM ANALYZE customer_phone")
    raw.close()


def p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--lookups", type=int, default=5000)
    parser.add_argument("--db", default="", help="database URL (default: a temporary SQLite file)")
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="zuoxi-bench-")
    url = args.db or "sqlite:///" + os.path.join(workdir, "bench.db")

    from sqlalchemy import text

    from app import create_app
    from app.customers.phones import find_customers_by_phone
    from app.extensions import db

    app = create_app(
        {
            "SECRET_KEY": secrets.token_hex(16),
            "DATABASE_URL": url,
            "UPLOAD_DIR": workdir,
            "JOBS_RUN_IN_PROCESS": False,
            "SOCKETIO_ASYNC_MODE": "threading",
            "LOG_LEVEL": "WARNING",
        }
    )
    with app.app_context(), app.test_request_context():
        postgres = url.startswith("postgresql")
        if postgres:
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        else:
            db.drop_all()
        db.create_all()
        started = time.perf_counter()
        (load_postgres if postgres else load_sqlite)(db.engine, args.customers)
        print(f"loaded {args.customers} customers in {time.perf_counter() - started:.1f}s", file=sys.stderr)

        rng = random.Random(7)
        picks = []
        for _ in range(args.lookups):
            i = rng.randint(1, args.customers)
            normalized = landline(i) if i % 2 == 0 and rng.random() < 0.5 else mobile(i)
            picks.append((normalized, rng.choice(dialled_forms(normalized))))

        bare = text("SELECT customer_id FROM customer_phone WHERE normalized = :n")
        for normalized, form in picks[:200]:  # warm caches and the connection pool
            find_customers_by_phone(form)
            db.session.execute(bare, {"n": normalized}).all()

        ours, plain = [], []
        for normalized, form in picks:
            t0 = time.perf_counter()
            found = find_customers_by_phone(form)
            t1 = time.perf_counter()
            db.session.execute(bare, {"n": normalized}).all()
            t2 = time.perf_counter()
            assert found, f"no customer for {form}"
            ours.append(t1 - t0)
            plain.append(t2 - t1)
            db.session.expunge_all()
        db.session.remove()

    ours_p99, bare_p99 = p99(ours), p99(plain)
    print(f"find_customers_by_phone p50_ms={sorted(ours)[len(ours) // 2] * 1000:.3f} bare p99_ms={bare_p99:.3f}")
    print(
        f"phone_lookup customers={args.customers} p99_ms={ours_p99:.3f} ratio_to_bare_select={ours_p99 / bare_p99:.2f}"
    )


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""How fast the customer list answers one 50-row page with three filters (one on a custom field) and a sort.

    .venv/bin/python scripts/bench/customer_list.py --customers 20000
    .venv/bin/python scripts/bench/customer_list.py --db postgresql://postgres@127.0.0.1:5432/zuoxi_bench

PostgreSQL only. The target database's public schema is dropped and created again; by default the
database `zuoxi_bench` on 127.0.0.1 is used and created when missing. Customers are loaded with COPY,
then `run_grid_query` — the code path behind the list page — is timed in-process with the parameters
a browser sends. The last line is always `customer_list customers=<n> p95_ms=<x>`.

To look into a slow figure without loading again: `--reuse` keeps the loaded data, `--explain` prints
EXPLAIN ANALYZE of one page per sort, `--index "CREATE INDEX …"` and `--count-cap N` try a change
for that run (an index created this way stays in the bench database until the next full load).
"""

import argparse
import io
import json
import os
import random
import sys
import time
from datetime import datetime, timedelta

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432"
DEFAULT_DB = "zuoxi_bench"
AGENTS = 50
CHUNK = 100_000
PAGE_SIZE = 50

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂华建国志红文玉兰春梅海燕小鹏飞宇浩然欣怡子涵思远佳琪"
CITIES = [
    "北京",
    "上海",
    "广州",
    "深圳",
    "杭州",
    "成都",
    "武汉",
    "南京",
    "重庆",
    "西安",
    "苏州",
    "天津",
    "长沙",
    "郑州",
]
WORDS = ["华信", "宏达", "金泰", "恒通", "远航", "新世纪", "博雅", "鑫源", "中联", "天成", "瑞丰", "安达", "汇智"]
TRADES = ["科技", "贸易", "实业", "电子", "物流", "医药", "教育咨询", "建材", "食品", "网络"]
REGIONS = ["华北", "华东", "华南", "华中", "西南", "西北", "东北"]
INTENTS = ["高", "中", "低"]


def server_and_database(url: str) -> tuple[str, str]:
    base, _, name = url.rpartition("/")
    return base, name.split("?", 1)[0]


def ensure_database(url: str) -> None:
    """Create the bench database when it does not exist yet (needs a role allowed to CREATE DATABASE)."""
    import psycopg2

    base, name = server_and_database(url)
    conn = psycopg2.connect(base + "/postgres")
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{name}"')
                print(f"created database {name}", flush=True)
    finally:
        conn.close()


def rebuild_schema():
    from sqlalchemy import text

    from app.extensions import db
    from app.seed import seed_defaults

    with db.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    db.create_all()
    seed_defaults()
    db.session.commit()


def create_fields():
    from app.extensions import db
    from app.fields.services import create_field

    budget = create_field("customer", "预算", "money")
    intent = create_field("customer", "意向程度", "choice", options=INTENTS)
    db.session.commit()
    return budget, intent


def create_users():
    """An administrator (role data scope "all") and AGENTS agents (scope "own")."""
    from sqlalchemy import select

    from app.auth.models import Department, Role, User
    from app.extensions import db

    roles = {r.name: r for r in db.session.scalars(select(Role))}
    departments = list(db.session.scalars(select(Department).order_by(Department.id)))
    admin = User(username="bench_admin", display_name="管理员甲", password_hash="!", role=roles["管理员"])
    db.session.add(admin)
    agents = []
    for i in range(AGENTS):
        name = SURNAMES[i % len(SURNAMES)] + GIVEN[(i * 7) % len(GIVEN)] + GIVEN[(i * 3 + 1) % len(GIVEN)]
        agent = User(
            username=f"agent{i:02d}",
            display_name=name,
            password_hash="!",
            role=roles["坐席"],
            department=departments[i % len(departments)],
            extension=f"{8001 + i}",
        )
        db.session.add(agent)
        agents.append(agent)
    db.session.commit()
    return admin, agents


def param_ids() -> dict[str, list[int]]:
    from sqlalchemy import select

    from app.extensions import db
    from app.fields.models import ParamItem

    kinds = ("customer_category", "customer_level", "customer_source", "industry", "phone_type")
    found = {kind: [] for kind in kinds}
    for kind, item_id in db.session.execute(
        select(ParamItem.kind, ParamItem.id).where(ParamItem.kind.in_(kinds)).order_by(ParamItem.position)
    ):
        found[kind].append(item_id)
    return found


def _ts(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S")


def customer_chunks(count: int, agent_ids: list[int], params: dict, budget_key: str, intent_key: str, now: datetime):
    """(customers text, phones text) for COPY, CHUNK customers at a time, with plausible distributions."""
    rng = random.Random(20240601)
    span = 730 * 86400
    level_weights = [5, 20, 50, 25]
    # A few agents hold many more customers than the rest, as in a real team.
    agent_weights = [1 + 6 * (i < 5) + 2 * (i < 15) for i in range(len(agent_ids))]
    mobile_type, office_type = params["phone_type"][0], params["phone_type"][1]
    customers, phones = io.StringIO(), io.StringIO()
    for cid in range(1, count + 1):
        created = now - timedelta(seconds=rng.randrange(span))
        age = (now - created).total_seconds()
        updated = created + timedelta(seconds=age * (1 - rng.random() ** 3))
        contacted = r"\N" if rng.random() < 0.3 else _ts(created + timedelta(seconds=age * rng.random()))
        owner = r"\N" if rng.random() < 0.2 else str(rng.choices(agent_ids, agent_weights)[0])
        creator = owner if owner != r"\N" and rng.random() < 0.7 else str(rng.choice(agent_ids))
        extra = {}
        if rng.random() < 0.75:
            extra[budget_key] = round(rng.lognormvariate(8.5, 1.2), 2)
        if rng.random() < 0.6:
            extra[intent_key] = rng.choice(INTENTS)
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
        company = rng.choice(CITIES) + rng.choice(WORDS) + rng.choice(TRADES) + "有限公司"
        customers.write(
            "\t".join(
                (
                    str(cid),
                    name,
                    company,
                    rng.choice(("M", "F", "")),
                    rng.choice(CITIES),
                    "汉族",
                    f"{rng.randrange(10**7, 10**9)}@qq.com" if rng.random() < 0.4 else "",
                    "",
                    "",
                    rng.choice(REGIONS),
                    str(rng.choice(params["customer_category"])),
                    str(rng.choices(params["customer_level"], level_weights)[0]),
                    str(rng.choice(params["customer_source"])),
                    str(rng.choice(params["industry"])),
                    owner,
                    "",
                    json.dumps(extra, ensure_ascii=False),
                    creator,
                    _ts(created),
                    creator,
                    _ts(updated),
                    contacted,
                )
            )
            + "\n"
        )
        mobile = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"
        phones.write(f"{cid}\t{mobile}\t{mobile}\t\t{mobile_type}\t\t0\n")
        if rng.random() < 0.3:
            office = f"{rng.choice(('10', '21', '755', '571'))}{rng.randrange(10**7, 10**8)}"
            phones.write(f"{cid}\t0{office}\t{office}\t\t{office_type}\t\t1\n")
        if cid % CHUNK == 0 or cid == count:
            yield customers, phones
            customers, phones = io.StringIO(), io.StringIO()


CUSTOMER_COPY = (
    "COPY customer (id, name, company, gender, native_place, ethnicity, email, im, address, region, category_id,"
    " level_id, source_id, industry_id, owner_id, notes, extra, created_by_id, created_at, updated_by_id,"
    " updated_at, last_contact_at)"
    " FROM STDIN"
)
PHONE_COPY = "COPY customer_phone (customer_id, number, normalized, extension, type_id, location, position) FROM STDIN"


def load_customers(count: int, agent_ids, params, budget_key, intent_key, now) -> None:
    from app.extensions import db

    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("SET synchronous_commit = off")
        # Building the secondary indexes once after COPY is several times faster than maintaining them per row.
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'"
            " AND tablename IN ('customer', 'customer_phone') AND indexname NOT LIKE 'pk_%%'"
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        raw.commit()
        started = time.perf_counter()
        done = 0
        for customers, phones in customer_chunks(count, agent_ids, params, budget_key, intent_key, now):
            customers.seek(0)
            phones.seek(0)
            cursor.copy_expert(CUSTOMER_COPY, customers)
            cursor.copy_expert(PHONE_COPY, phones)
            raw.commit()
            done = min(count, done + CHUNK)
            rate = done / max(time.perf_counter() - started, 1e-9)
            print(f"loaded {done}/{count} customers ({rate:,.0f}/s)", flush=True)
        for _name, definition in indexes:
            cursor.execute(definition)
            raw.commit()
        print(f"rebuilt {len(indexes)} indexes after {time.perf_counter() - started:.1f}s", flush=True)
        cursor.execute("SELECT setval('customer_id_seq', %s)", (count,))
        cursor.execute("SELECT setval('customer_phone_id_seq', (SELECT max(id) FROM customer_phone))")
        raw.commit()
        raw.driver_connection.autocommit = True  # VACUUM refuses to run inside a transaction
        cursor.execute("VACUUM ANALYZE customer")
        cursor.execute("VACUUM ANALYZE customer_phone")
        raw.driver_connection.autocommit = False
        print(f"load and analyze took {time.perf_counter() - started:.1f}s", flush=True)
    finally:
        raw.close()


SORTS = [
    [{"field": "updated_at", "dir": "desc"}],
    [{"field": "created_at", "dir": "desc"}],
    [{"field": "last_contact_at", "dir": "desc"}],
    [{"field": "name", "dir": "asc"}],
]


def request_args(rng: random.Random, levels: list[int], budget_key: str, now: datetime) -> dict:
    """The query string a browser sends for one page: three filters, one sort."""
    if rng.random() < 0.5:
        level = {"field": "level", "op": "in", "value": rng.sample(levels[:3], 2)}
    else:
        level = {"field": "level", "op": "eq", "value": rng.choice(levels[:3])}
    since = (now - timedelta(days=rng.randrange(120, 600))).date().isoformat()
    filters = [
        level,
        {"field": "created_at", "op": "ge", "value": since},
        {"field": budget_key, "op": "gt", "value": rng.choice((3000, 5000, 8000))},
    ]
    sort = rng.choice(SORTS + [[{"field": budget_key, "dir": "desc"}]])
    return {
        "page": str(rng.randint(1, 5)),
        "size": str(PAGE_SIZE),
        "sort": json.dumps(sort),
        "filter": json.dumps(filters, ensure_ascii=False),
    }


def time_queries(user, arg_list: list[dict], warmup: int) -> list[float]:
    from app.customers.grids import CUSTOMER_GRID
    from app.extensions import db
    from app.grid.services import run_grid_query

    samples = []
    for i, args in enumerate(arg_list):
        t0 = time.perf_counter()
        result = run_grid_query(CUSTOMER_GRID, args, user)
        elapsed = time.perf_counter() - t0
        db.session.rollback()  # one request, one transaction
        if i == 0 and not result["data"]:
            raise SystemExit(f"the bench query matched nothing: {args}")
        if i >= warmup:
            samples.append(elapsed * 1000)
    return samples


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def explain(user, args: dict) -> str:
    """EXPLAIN ANALYZE of the page query the grid builds for `args`."""
    from app.customers.grids import CUSTOMER_GRID
    from app.extensions import db
    from app.grid.services import _ordered_rows, parse_grid_params

    query = parse_grid_params(CUSTOMER_GRID, args, user)
    stmt = _ordered_rows(CUSTOMER_GRID, query, user).limit(query.size).offset(query.offset)
    compiled = stmt.compile(dialect=db.engine.dialect)
    conn = db.session.connection()
    lines = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + str(compiled), compiled.params).scalars().all()
    db.session.rollback()
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--db", default=f"{DEFAULT_SERVER}/{DEFAULT_DB}", help="PostgreSQL URL")
    parser.add_argument("--reuse", action="store_true", help="keep the loaded data of a previous run")
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of one query per sort")
    parser.add_argument("--index", action="append", default=[], help="CREATE INDEX statement to try first")
    parser.add_argument("--count-cap", type=int, default=0, help="try another cap on the grid's row count")
    args = parser.parse_args()
    if not args.db.startswith("postgresql"):
        parser.error("--db must be a postgresql:// URL")
    ensure_database(args.db)

    from sqlalchemy import select, text

    from app import create_app
    from app.auth.models import User
    from app.extensions import db
    from app.fields.services import custom_fields
    from app.timeutil import utcnow

    app = create_app(
        {
            "SECRET_KEY": "bench",
            "DATABASE_URL": args.db,
            "JOBS_RUN_IN_PROCESS": False,
            "SOCKETIO_ASYNC_MODE": "threading",
            "LOG_LEVEL": "WARNING",
        }
    )
    now = utcnow().replace(microsecond=0)
    with app.app_context(), app.test_request_context():
        if args.reuse:
            fields = {f.label: f for f in custom_fields("customer")}
            budget = fields["预算"]
            admin = db.session.scalar(select(User).where(User.username == "bench_admin"))
            agents = list(db.session.scalars(select(User).where(User.username.like("agent%")).order_by(User.id)))
            count = db.session.scalar(text("SELECT count(*) FROM customer"))
            now = db.session.scalar(text("SELECT max(created_at) FROM customer"))
        else:
            rebuild_schema()
            budget, intent = create_fields()
            admin, agents = create_users()
            count = args.customers
            load_customers(count, [a.id for a in agents], param_ids(), budget.key, intent.key, now)
        budget_key = budget.key
        levels = param_ids()["customer_level"]
        for ddl in args.index:
            started = time.perf_counter()
            with db.engine.begin() as conn:
                conn.execute(text(ddl))
                conn.execute(text("ANALYZE customer"))
            print(f"index ready in {time.perf_counter() - started:.1f}s: {ddl}", flush=True)

        if args.count_cap:
            from app.customers.grids import CUSTOMER_GRID

            CUSTOMER_GRID.count_cap = args.count_cap
            print(f"count cap set to {args.count_cap} for this run", flush=True)

        rng = random.Random(42)
        arg_list = [request_args(rng, levels, budget_key, now) for _ in range(args.warmup + args.queries)]
        if args.explain:
            for sort in SORTS + [[{"field": budget_key, "dir": "desc"}]]:
                sample = dict(arg_list[0], sort=json.dumps(sort), page="5")
                print(f"--- EXPLAIN sort={sort[0]['field']} {sample['filter']}", flush=True)
                print(explain(admin, sample), flush=True)

        admin_ms = time_queries(admin, arg_list, args.warmup)
        agent = agents[0]
        agent_ms = time_queries(agent, arg_list, args.warmup)
        by_sort: dict[str, list[float]] = {}
        for sample_args, ms in zip(arg_list[args.warmup :], admin_ms, strict=True):
            by_sort.setdefault(json.loads(sample_args["sort"])[0]["field"], []).append(ms)
        db.session.remove()

    for key, samples in sorted(by_sort.items()):
        print(
            f"  sort={key} n={len(samples)}"
            f" p50_ms={percentile(samples, 0.5):.1f} p95_ms={percentile(samples, 0.95):.1f}"
        )
    print(f"agent scope=own p50_ms={percentile(agent_ms, 0.5):.1f} p95_ms={percentile(agent_ms, 0.95):.1f}")
    print(f"admin scope=all p50_ms={percentile(admin_ms, 0.5):.1f} max_ms={max(admin_ms):.1f}")
    print(f"customer_list customers={count} p95_ms={percentile(admin_ms, 0.95):.1f}")


if __name__ == "__main__":
    main()

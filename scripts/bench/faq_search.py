#!/usr/bin/env python3
"""How fast the FAQ search answers Chinese substring queries (2–4 characters) over many entries.

    .venv/bin/python scripts/bench/faq_search.py                       # SQLite file in a temp directory
    .venv/bin/python scripts/bench/faq_search.py --entries 10000       # a quick run
    .venv/bin/python scripts/bench/faq_search.py --db postgresql://postgres@127.0.0.1:5432/zuoxi_faq_bench

Entries are generated from a vocabulary of common CRM / after-sales phrases combined at random and
bulk-inserted (on PostgreSQL the search indexes are dropped for the load and built afterwards, on SQLite
the FTS triggers fill the indexes while loading). Then `app.faq.services.search` — the code behind the
FAQ page and the side panel — is timed in-process for each query. The target PostgreSQL database's
public schema is dropped and created again (the database is created when missing).
The last line is always `faq_search entries=<n> p95_ms=<x>`.
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))

CHUNK = 5_000
PHRASES = [
    "如何办理退货", "退货运费由谁承担", "申请退款多久到账", "发票怎么开", "电子发票下载", "增值税专用发票",
    "保修期多久", "整机保修一年", "电池保修半年", "上门安装预约", "安装费用说明", "物流查询方法",
    "快递多久送达", "更换收货地址", "修改订单信息", "取消订单流程", "会员积分规则", "积分兑换礼品",
    "优惠券使用说明", "优惠券过期怎么办", "账号密码找回", "手机号换绑", "实名认证失败", "支付失败处理",
    "分期付款说明", "货到付款", "七天无理由退换", "质量问题换货", "维修网点查询", "寄修流程",
    "配件购买渠道", "产品说明书下载", "售后服务热线", "投诉建议渠道", "客服工作时间", "预约回访时间",
    "价格保护政策", "赠品如何领取", "包装破损处理", "签收注意事项", "开箱验货", "以旧换新活动",
    "企业采购合同", "对公转账信息", "批量订购优惠", "延保服务购买", "固件升级方法", "网络连接故障",
    "无法开机处理", "屏幕显示异常", "充电速度慢", "噪音过大怎么办", "清洁保养建议", "儿童安全锁设置",
]  # fmt: skip
CONNECTORS = ["请注意", "一般情况下", "如有疑问请联系客服", "具体以页面为准", "可在我的订单中操作", "需提供购买凭证"]
KEYWORDS = ["退货", "退款", "发票", "保修", "安装", "物流", "快递", "积分", "优惠券", "账号", "支付", "维修",
            "配件", "投诉", "价格", "赠品", "换货", "合同", "升级", "故障"]  # fmt: skip
QUERIES = ["退货", "发票", "保修期", "退款", "物流", "换货", "安装", "会员积分", "快递", "开发票", "维修",
           "优惠券", "无理由", "找回", "分期", "故障", "升级", "签收", "延保", "到账"]  # fmt: skip


def generate_rows(count: int, seed: int, user_id=None):
    """Rows for a bulk INSERT into faq_entry, with the derived search columns the service would compute."""
    from app.faq.search_index import grams_of, search_text_of
    from app.timeutil import utcnow

    rng = random.Random(seed)
    now = utcnow()
    for number in range(count):
        title = "".join(rng.sample(PHRASES, 2)) + f"({number})"
        keywords = ",".join(rng.sample(KEYWORDS, 3))
        sentences = [p + "," + rng.choice(CONNECTORS) for p in rng.sample(PHRASES, rng.randint(3, 6))]
        answer_text = "。".join(sentences) + "。"
        search_text = search_text_of(title, keywords, answer_text)
        yield {
            "title": title,
            "keywords": keywords,
            "answer_html": "<p>" + answer_text + "</p>",
            "answer_text": answer_text,
            "search_text": search_text,
            "search_grams": grams_of(search_text),
            "extra": {},
            "created_by_id": user_id,
            "created_at": now,
            "updated_at": now,
        }


def prepare_database(url: str) -> None:
    if not url.startswith("postgresql"):
        return
    import psycopg2

    base, _, name = url.rpartition("/")
    conn = psycopg2.connect(base + "/postgres")
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def load(entries: int, seed: int) -> float:
    from sqlalchemy import insert, text

    from app.extensions import db
    from app.faq.models import FaqEntry

    postgres = db.engine.dialect.name == "postgresql"
    if postgres:
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    if not postgres and db.inspect(db.engine).has_table("faq_entry"):
        raise SystemExit("the SQLite bench database already has FAQ tables: give a new file with --db")
    db.create_all()
    indexes = [i for i in FaqEntry.__table__.indexes if i.name.startswith("ix_faq_entry_search")]
    started = time.perf_counter()
    if postgres:
        for index in indexes:
            index.drop(db.engine)
    rows = generate_rows(entries, seed)
    while True:
        chunk = [row for _, row in zip(range(CHUNK), rows, strict=False)]
        if not chunk:
            break
        db.session.execute(insert(FaqEntry), chunk)
        db.session.commit()
    if postgres:
        for index in indexes:
            index.create(db.engine)
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE faq_entry"))
    return time.perf_counter() - started


def run(queries: int, seed: int) -> list[float]:
    from app.extensions import db
    from app.faq.services import search

    rng = random.Random(seed + 1)
    for query in QUERIES:  # warm the caches once
        search(query)
    timings = []
    for _ in range(queries):
        query = rng.choice(QUERIES)
        started = time.perf_counter()
        results = search(query, limit=20)
        timings.append((time.perf_counter() - started) * 1000)
        assert all(query in (r.search_text or "") for r in results), query
        db.session.rollback()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--db", default="", help="SQLAlchemy URL; default: a SQLite file in a temp directory")
    parser.add_argument("--seed", type=int, default=20240501)
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="zuoxi-faq-bench-")
    url = args.db or "sqlite:///" + os.path.join(workdir, "faq_bench.db")
    prepare_database(url)
    from app import create_app

    app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": url, "UPLOAD_DIR": workdir})
    with app.app_context():
        seconds = load(args.entries, args.seed)
        print(f"loaded {args.entries} entries into {url.split('://')[0]} in {seconds:.1f} s", flush=True)
        timings = run(args.queries, args.seed)
    timings.sort()
    p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
    print(f"queries={len(timings)} median_ms={statistics.median(timings):.2f} max_ms={timings[-1]:.2f}")
    print(f"faq_search entries={args.entries} p95_ms={p95:.2f}")


if __name__ == "__main__":
    main()

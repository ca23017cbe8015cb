"""The benchmark scripts stay in step with the code they measure (they are not run by the suite)."""

import importlib.util
import json
import random
from datetime import timedelta
from pathlib import Path

from app.customers.grids import CUSTOMER_GRID
from app.customers.models import Customer
from app.extensions import db
from app.fields.services import create_field, param_items
from app.grid.services import run_grid_query
from app.seed import seed_defaults
from app.timeutil import utcnow

BENCH = Path(__file__).resolve().parents[2] / "scripts" / "bench"


def load_bench(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_customer_list_copy_rows_have_one_value_per_column():
    bench = load_bench("customer_list")
    params = {kind: [10, 11, 12, 13] for kind in ("customer_category", "customer_level", "customer_source")}
    params.update(industry=[20, 21], phone_type=[30, 31])
    chunks = list(bench.customer_chunks(250, [1, 2, 3], params, "cf_1", "cf_2", utcnow()))
    customers, phones = chunks[0]
    columns = bench.CUSTOMER_COPY.split("(", 1)[1].split(")", 1)[0].split(",")
    phone_columns = bench.PHONE_COPY.split("(", 1)[1].split(")", 1)[0].split(",")
    lines = customers.getvalue().splitlines()
    assert len(lines) == 250
    assert {len(line.split("\t")) for line in lines} == {len(columns)}
    assert {len(line.split("\t")) for line in phones.getvalue().splitlines()} == {len(phone_columns)}


def test_customer_list_requests_are_accepted_by_the_grid_and_find_rows(app, make_user):
    bench = load_bench("customer_list")
    with app.test_request_context():
        seed_defaults()
        budget = create_field("customer", "预算", "money")
        levels = [item.id for item in param_items("customer_level")]
        now = utcnow()
        for level in levels[:3]:
            db.session.add(
                Customer(name="甲", level_id=level, extra={budget.key: 9000.0}, created_at=now - timedelta(days=1))
            )
        db.session.flush()
        admin = make_user(superuser=True)
        rng = random.Random(1)
        for _ in range(10):
            args = dict(bench.request_args(rng, levels, budget.key, now), page="1")
            result = run_grid_query(CUSTOMER_GRID, args, admin)
            wanted = json.loads(args["filter"])[0]["value"]
            assert 1 <= result["total"] <= 3
            assert len(result["data"]) == (len(wanted) if isinstance(wanted, list) else 1)

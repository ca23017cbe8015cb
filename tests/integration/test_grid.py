"""The reusable data grid over HTTP: paging, sorting, filters, search, column prefs and exports.

Test grids over User and Customer rows are served by a test-only blueprint on an app of this module
(the shared app may already have served requests, after which Flask refuses new blueprints).
"""

import csv
import importlib.util
import io
import json
from datetime import date, datetime
from pathlib import Path

import pytest
from flask import Blueprint, render_template_string, request
from flask_login import current_user
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.audit.services import set_actor
from app.auth.models import User
from app.customers.models import Customer, CustomerPhone
from app.extensions import db
from app.grid.models import GridPreference
from app.grid.services import (
    GridColumn,
    GridDefinition,
    grid_condition,
    grid_config,
    grid_export_response,
    grid_json_response,
)
from app.permissions import login_required

STATUSES = [("online", "在线"), ("busy", "忙碌"), ("away", "离开")]


def user_columns(user):
    return [
        GridColumn("username", "登录名", User.username, searchable=True),
        GridColumn("display_name", "姓名", User.display_name, searchable=True),
        GridColumn("mobile", "手机", User.mobile, mask_phone=True, searchable=True),
        GridColumn("lock_limit", "锁定上限", User.lock_limit, type="number"),
        GridColumn("created_at", "创建时间", User.created_at, type="datetime"),
        GridColumn("enabled", "启用", User.enabled, type="bool"),
        GridColumn("agent_status", "状态", User.agent_status, type="choice", choices=lambda: STATUSES),
        GridColumn("extension", "分机", User.extension, default_visible=False, export=False),
    ]


USERS = GridDefinition(
    id="gtest_users",
    columns=user_columns,
    base_query=lambda user: select(User).where(User.username.startswith("gt-")),
    id_expr=User.id,
    default_sort=[("username", "asc")],
    quick_filters={"disabled": ("已停用", lambda user: User.enabled.is_(False))},
)

first_phone = (
    select(CustomerPhone.number)
    .where(CustomerPhone.customer_id == Customer.id)
    .order_by(CustomerPhone.position)
    .limit(1)
    .scalar_subquery()
)

CUSTOMERS = GridDefinition(
    id="gtest_customers",
    columns=lambda user: [
        GridColumn("name", "客户名称", Customer.name, searchable=True),
        GridColumn("company", "单位", Customer.company, searchable=True),
        GridColumn("birthday", "生日", Customer.birthday, type="date"),
        GridColumn("phone", "电话", first_phone, mask_phone=True),
        GridColumn("notes", "备注", Customer.notes, type="memo"),
    ],
    base_query=lambda user: select(Customer),
    id_expr=Customer.id,
    default_sort=[("name", "asc")],
    page_sizes=(5, 50),
    count_cap=5,
)

GRIDS = {USERS.id: USERS, CUSTOMERS.id: CUSTOMERS}
test_bp = Blueprint("gridtest", __name__, url_prefix="/gridtest")


@test_bp.route("/<grid_id>/data")
@login_required
def data(grid_id):
    return grid_json_response(GRIDS[grid_id], request.args, current_user)


@test_bp.route("/<grid_id>/export")
@login_required
def export_data(grid_id):
    return grid_export_response(GRIDS[grid_id], request.args, current_user, request.args.get("format", ""), "测试导出")


@test_bp.route("/<grid_id>/page")
@login_required
def page(grid_id):
    source = (
        '{% from "grid/macros.html" import data_grid %}{{ data_grid(config, "/data", "/export", True, "/x/{id}") }}'
    )
    return render_template_string(source, config=grid_config(GRIDS[grid_id], current_user))


def root_conftest():
    """tests/conftest.py itself (a nearer conftest.py shadows the plain module name)."""
    spec = importlib.util.spec_from_file_location("zuoxi_root_conftest", Path(__file__).parents[1] / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    helpers = root_conftest()
    app = helpers.make_test_app(tmp_path_factory)
    app.register_blueprint(test_bp)
    set_actor(None, "")  # seeding must not be attributed to a user of an earlier module's request
    helpers.reset_schema(app)
    return app


@pytest.fixture(autouse=True)
def no_leftover_audit_actor():
    # The acting user of an earlier request would otherwise be blamed for (and referenced by) rows
    # inserted outside a request, here and in later test modules.
    set_actor(None, "")
    yield
    set_actor(None, "")


@pytest.fixture
def people():
    """Five users whose fields differ in every column type the user grid shows."""
    rows = [
        ("gt-alice", "Alice 王", "13812345678", 5, datetime(2024, 3, 1, 17, 0), True, "online"),
        ("gt-bob", "Bob 李", "13900001111", 10, datetime(2024, 1, 5, 2, 0), True, "busy"),
        ("gt-carol", "Carol 50%_off", "", 0, datetime(2023, 12, 31, 20, 0), False, "away"),
        ("gt-dave", "=cmd|' /C calc'!A0", "+8613700002222", 7, datetime(2024, 3, 2, 3, 0), True, "online"),
        ("gt-erin", "erin 张", "01088886666", 3, datetime(2024, 2, 10, 8, 0), False, "busy"),
    ]
    users = {}
    for username, name, mobile, lock_limit, created_at, enabled, status in rows:
        user = User(
            username=username,
            display_name=name,
            password_hash="x",
            must_change_password=False,
            mobile=mobile,
            lock_limit=lock_limit,
            created_at=created_at,
            enabled=enabled,
            agent_status=status,
        )
        db.session.add(user)
        users[username] = user
    db.session.commit()
    return users


def fetch(client, grid="gtest_users", **params):
    for key in ("sort", "filter"):
        if key in params and not isinstance(params[key], str):
            params[key] = json.dumps(params[key])
    return client.get(f"/gridtest/{grid}/data", query_string=params)


def names(client, **params):
    response = fetch(client, **params)
    assert response.status_code == 200, response.get_json()
    return [row["username"] for row in response.get_json()["data"]]


# -- sorting ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "direction", "expected"),
    [
        ("username", "asc", ["gt-alice", "gt-bob", "gt-carol", "gt-dave", "gt-erin"]),
        ("username", "desc", ["gt-erin", "gt-dave", "gt-carol", "gt-bob", "gt-alice"]),
        ("lock_limit", "asc", ["gt-carol", "gt-erin", "gt-alice", "gt-dave", "gt-bob"]),
        ("lock_limit", "desc", ["gt-bob", "gt-dave", "gt-alice", "gt-erin", "gt-carol"]),
        ("created_at", "asc", ["gt-carol", "gt-bob", "gt-erin", "gt-alice", "gt-dave"]),
        ("created_at", "desc", ["gt-dave", "gt-alice", "gt-erin", "gt-bob", "gt-carol"]),
    ],
)
def test_sorts_text_number_and_datetime_columns(admin_client, people, field, direction, expected):
    assert names(admin_client, sort=[{"field": field, "dir": direction}]) == expected


def test_sorts_by_several_columns_and_dates(admin_client, people):
    order = names(admin_client, sort=[{"field": "enabled", "dir": "asc"}, {"field": "lock_limit", "dir": "desc"}])
    assert order == ["gt-erin", "gt-carol", "gt-bob", "gt-dave", "gt-alice"]
    for name, birthday in (("甲", date(1990, 5, 6)), ("乙", date(1985, 1, 2)), ("丙", date(2001, 12, 30))):
        db.session.add(Customer(name=name, birthday=birthday))
    db.session.commit()
    response = fetch(admin_client, "gtest_customers", sort=[{"field": "birthday", "dir": "desc"}])
    rows = response.get_json()["data"]
    assert [(r["name"], r["birthday"]) for r in rows] == [
        ("丙", "2001-12-30"),
        ("甲", "1990-05-06"),
        ("乙", "1985-01-02"),
    ]


# -- filters ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"field": "display_name", "op": "contains", "value": "bob"}, ["gt-bob"]),
        ({"field": "display_name", "op": "contains", "value": "50%_"}, ["gt-carol"]),
        ({"field": "display_name", "op": "contains", "value": "%"}, ["gt-carol"]),
        ({"field": "display_name", "op": "notcontains", "value": "o"}, ["gt-alice", "gt-dave", "gt-erin"]),
        ({"field": "username", "op": "eq", "value": "gt-bob"}, ["gt-bob"]),
        ({"field": "username", "op": "ne", "value": "gt-bob"}, ["gt-alice", "gt-carol", "gt-dave", "gt-erin"]),
        ({"field": "display_name", "op": "starts", "value": "ERIN"}, ["gt-erin"]),
        ({"field": "display_name", "op": "ends", "value": "王"}, ["gt-alice"]),
        ({"field": "username", "op": "in", "value": ["gt-bob", "gt-erin"]}, ["gt-bob", "gt-erin"]),
        ({"field": "mobile", "op": "empty"}, ["gt-carol"]),
        ({"field": "mobile", "op": "notempty"}, ["gt-alice", "gt-bob", "gt-dave", "gt-erin"]),
        ({"field": "lock_limit", "op": "eq", "value": "7"}, ["gt-dave"]),
        ({"field": "lock_limit", "op": "ne", "value": 7}, ["gt-alice", "gt-bob", "gt-carol", "gt-erin"]),
        ({"field": "lock_limit", "op": "lt", "value": 5}, ["gt-carol", "gt-erin"]),
        ({"field": "lock_limit", "op": "le", "value": 5}, ["gt-alice", "gt-carol", "gt-erin"]),
        ({"field": "lock_limit", "op": "gt", "value": 7}, ["gt-bob"]),
        ({"field": "lock_limit", "op": "ge", "value": "7"}, ["gt-bob", "gt-dave"]),
        ({"field": "lock_limit", "op": "between", "value": [10, 5]}, ["gt-alice", "gt-bob", "gt-dave"]),
        ({"field": "lock_limit", "op": "in", "value": [0, 3]}, ["gt-carol", "gt-erin"]),
        # Local days (Asia/Shanghai): 2024-03-01 17:00 UTC is 2024-03-02 01:00 local.
        ({"field": "created_at", "op": "eq", "value": "2024-03-02"}, ["gt-alice", "gt-dave"]),
        ({"field": "created_at", "op": "lt", "value": "2024-01-01"}, []),
        ({"field": "created_at", "op": "le", "value": "2024-01-01"}, ["gt-carol"]),
        ({"field": "created_at", "op": "gt", "value": "2024-03-01"}, ["gt-alice", "gt-dave"]),
        ({"field": "created_at", "op": "ge", "value": "2024-02-10"}, ["gt-alice", "gt-dave", "gt-erin"]),
        ({"field": "created_at", "op": "between", "value": ["2024-01-05", "2024-02-10"]}, ["gt-bob", "gt-erin"]),
        ({"field": "created_at", "op": "ne", "value": "2024-03-02"}, ["gt-bob", "gt-carol", "gt-erin"]),
        ({"field": "enabled", "op": "eq", "value": False}, ["gt-carol", "gt-erin"]),
        ({"field": "enabled", "op": "ne", "value": "是"}, ["gt-carol", "gt-erin"]),
        ({"field": "agent_status", "op": "eq", "value": "busy"}, ["gt-bob", "gt-erin"]),
        ({"field": "agent_status", "op": "in", "value": ["away", "busy"]}, ["gt-bob", "gt-carol", "gt-erin"]),
    ],
)
def test_every_operator_filters_rows(admin_client, people, condition, expected):
    assert names(admin_client, filter=[condition]) == expected


def test_two_conditions_joined_by_and_or_or(admin_client, people):
    either = {"field": "lock_limit", "op": "lt", "value": 4, "join": "or", "op2": "gt", "value2": 8}
    assert names(admin_client, filter=[either]) == ["gt-bob", "gt-carol", "gt-erin"]
    both = {"field": "lock_limit", "op": "ge", "value": 3, "join": "and", "op2": "le", "value2": 5}
    assert names(admin_client, filter=[both]) == ["gt-alice", "gt-erin"]
    two_filters = [{"field": "enabled", "op": "eq", "value": True}, {"field": "lock_limit", "op": "gt", "value": 6}]
    assert names(admin_client, filter=two_filters) == ["gt-bob", "gt-dave"]


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"filter": [{"field": "salary", "op": "eq", "value": 1}]}, "salary"),
        ({"filter": [{"field": "lock_limit", "op": "contains", "value": 1}]}, "锁定上限"),
        ({"filter": [{"field": "lock_limit", "op": "gt", "value": "十"}]}, "锁定上限"),
        ({"filter": [{"field": "created_at", "op": "eq", "value": "2024/13/01"}]}, "创建时间"),
        ({"filter": [{"field": "created_at", "op": "between", "value": ["2024-01-01"]}]}, "创建时间"),
        ({"filter": [{"field": "agent_status", "op": "eq", "value": "asleep"}]}, "状态"),
        ({"filter": [{"field": "lock_limit", "op": "eq", "value": 1, "op2": "lt", "value2": ""}]}, "锁定上限"),
        ({"filter": [{"field": "enabled", "op": "eq", "value": True, "join": "xor", "op2": "empty"}]}, "启用"),
        ({"filter": "[not json"}, "筛选"),
        ({"sort": [{"field": "username", "dir": "sideways"}]}, "登录名"),
        ({"sort": [{"field": "nope", "dir": "asc"}]}, "nope"),
        ({"page": "0"}, "页码"),
        ({"page": "abc"}, "页码"),
        ({"size": "5000"}, "每页条数"),
        ({"quick": "bogus"}, "bogus"),
    ],
)
def test_bad_parameters_answer_400_naming_the_column(admin_client, people, params, named):
    response = fetch(admin_client, **params)
    assert response.status_code == 400
    assert named in response.get_json()["error"]


# -- paging, quick filters, search -------------------------------------------------------------


def test_pages_and_total(admin_client, people):
    first = fetch(admin_client, page=1, size=2).get_json()
    third = fetch(admin_client, page=3, size=2).get_json()
    assert [r["username"] for r in first["data"]] == ["gt-alice", "gt-bob"]
    assert [r["username"] for r in third["data"]] == ["gt-erin"]
    assert (first["total"], first["last_page"], first["total_capped"]) == (5, 3, False)
    assert third["total"] == 5


def test_count_is_capped_on_large_results(admin_client):
    db.session.add_all(Customer(name=f"客户{n:02d}") for n in range(12))
    db.session.commit()
    first = fetch(admin_client, "gtest_customers", size=5).get_json()
    assert (first["total"], first["total_capped"]) == (5, True)
    assert first["last_page"] == 2  # there is always a next page while pages come back full
    third = fetch(admin_client, "gtest_customers", size=5, page=3).get_json()
    assert [r["name"] for r in third["data"]] == ["客户10", "客户11"]
    assert (third["total"], third["total_capped"], third["last_page"]) == (12, False, 3)


def test_quick_filter_and_search(admin_client, people):
    assert names(admin_client, quick="disabled") == ["gt-carol", "gt-erin"]
    assert names(admin_client, q="ALICE") == ["gt-alice"]
    assert names(admin_client, q="张") == ["gt-erin"]
    assert names(admin_client, q="_off") == ["gt-carol"]
    assert names(admin_client, q="1390000") == ["gt-bob"]
    assert names(admin_client, q="b", quick="disabled") == []


def test_all_matching_condition_selects_the_filtered_ids(app, people):
    with app.test_request_context():
        args = {"filter": json.dumps([{"field": "lock_limit", "op": "ge", "value": 7}])}
        ids = set(db.session.scalars(grid_condition(USERS, args, people["gt-alice"])))
    assert ids == {people["gt-bob"].id, people["gt-dave"].id}


def test_masked_numbers_for_a_role_that_hides_them(client, auth, make_role, make_user, people):
    role = make_role(permissions=[], hide_numbers=True)
    auth.login(make_user("gt-zoe", role=role))
    rows = fetch(client, filter=[{"field": "username", "op": "in", "value": ["gt-alice", "gt-dave"]}]).get_json()
    assert [r["mobile"] for r in rows["data"]] == ["138****5678", "+86 137****2222"]


# -- column preferences -------------------------------------------------------------------------


def saved(client, columns):
    return client.post("/grid/gtest_users/prefs", json={"columns": columns})


def test_column_prefs_saved_per_user_and_reset(app, client, auth, make_user, people):
    mia, noah = make_user("gt-mia"), make_user("gt-noah")
    auth.login(mia)
    response = saved(
        client,
        [
            {"key": "lock_limit", "width": 90},
            {"key": "username", "width": 200},
            {"key": "mobile", "visible": False},
            {"key": "gone", "width": 50},
        ],
    )
    assert response.status_code == 200
    with app.test_request_context():
        config = grid_config(USERS, mia)
        others = grid_config(USERS, noah)
    shown = [(c["key"], c["width"]) for c in config["columns"] if c["visible"]]
    # Chosen order first, then the columns not mentioned by their defaults (extension stays hidden).
    assert shown == [
        ("lock_limit", 90),
        ("username", 200),
        ("display_name", 120),
        ("created_at", 120),
        ("enabled", 120),
        ("agent_status", 120),
    ]
    assert [c["key"] for c in others["columns"] if c["visible"]][:3] == ["username", "display_name", "mobile"]

    assert client.delete("/grid/gtest_users/prefs").status_code == 200
    assert (
        db.session.scalar(select(func.count()).select_from(GridPreference).where(GridPreference.user_id == mia.id)) == 0
    )


@pytest.mark.parametrize(
    "payload", [{"columns": "username"}, {"columns": [{"width": 3}]}, {"columns": [{"key": "a", "visible": "no"}]}, []]
)
def test_bad_prefs_are_refused(client, auth, make_user, payload):
    auth.login(make_user("gt-olga"))
    response = client.post("/grid/gtest_users/prefs", json=payload)
    assert response.status_code == 400
    assert "栏目" in response.get_json()["error"]


def test_prefs_need_login_and_csrf(client, auth, make_user):
    assert client.post("/grid/gtest_users/prefs", json={"columns": []}).status_code in (302, 401)
    auth.login(make_user("gt-pete"))
    assert client.post("/grid/gtest_users/prefs", json={"columns": []}, csrf=False).status_code == 400


# -- exports ------------------------------------------------------------------------------------


def download(client, fmt, **params):
    for key in ("sort", "filter"):
        if key in params:
            params[key] = json.dumps(params[key])
    return client.get("/gridtest/gtest_users/export", query_string={"format": fmt, **params})


def test_csv_export_follows_filters_with_bom_and_safe_cells(admin_client, people):
    response = download(admin_client, "csv", filter=[{"field": "lock_limit", "op": "ge", "value": 5}])
    assert response.status_code == 200
    assert "filename*=UTF-8''%E6%B5%8B%E8%AF%95%E5%AF%BC%E5%87%BA.csv" in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == ["登录名", "姓名", "手机", "锁定上限", "创建时间", "启用", "状态"]
    assert [r[0] for r in rows[1:]] == ["gt-alice", "gt-bob", "gt-dave"]
    dave = rows[3]
    assert dave[1] == "'=cmd|' /C calc'!A0" and dave[2] == "'+8613700002222"
    assert rows[1][4:6] == ["2024-03-02 01:00:00", "是"]


def test_xlsx_export_keeps_masking_order_and_injection_guard(client, auth, make_role, make_user, people):
    auth.login(make_user("qa-quinn", role=make_role(hide_numbers=True)))
    saved(client, [{"key": "mobile"}, {"key": "display_name"}, {"key": "username", "visible": False}])
    response = download(client, "xlsx", sort=[{"field": "lock_limit", "dir": "desc"}], q="gt-")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.get_data()), read_only=True).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["手机", "姓名", "锁定上限", "创建时间", "启用", "状态"]
    assert [r[1] for r in rows[1:]] == ["Bob 李", "'=cmd|' /C calc'!A0", "Alice 王", "erin 张", "Carol 50%_off"]
    assert rows[1][0] == "139****1111" and rows[2][0] == "'+86 137****2222"
    assert rows[1][2] == 10 and rows[1][3] == datetime(2024, 1, 5, 10, 0)


def test_export_rejects_bad_format_and_bad_filters(admin_client, people):
    assert download(admin_client, "pdf").status_code == 400
    response = download(admin_client, "csv", filter=[{"field": "lock_limit", "op": "gt", "value": "x"}])
    assert response.status_code == 400 and "锁定上限" in response.get_json()["error"]


# -- the page macro -----------------------------------------------------------------------------


def test_macro_renders_config_as_escaped_json(admin_client):
    STATUSES.append(("evil", "</script><script>alert(1)</script>"))
    try:
        page = admin_client.get("/gridtest/gtest_users/page").get_data(as_text=True)
    finally:
        STATUSES.pop()
    assert 'class="zgrid-config"' in page and "js/grid.js" in page
    assert "<script>alert(1)" not in page
    start = page.index('class="zgrid-config">') + len('class="zgrid-config">')
    config = json.loads(page[start : page.index("</script>", start)])
    assert config["data_url"] == "/data" and config["row_link"] == "/x/{id}" and config["selectable"] is True
    assert config["prefs_url"] == "/grid/gtest_users/prefs"
    assert ["evil", "</script><script>alert(1)</script>"] in next(
        c["choices"] for c in config["columns"] if c["key"] == "agent_status"
    )
    assert config["i18n"]["total"] == "共 %(n)s 条"

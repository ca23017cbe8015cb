"""Customers: saving with validation, lookup by any form of a number, data scope and number masking."""

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.audit.models import AuditLog
from app.customers.models import Customer, CustomerPhone
from app.customers.phones import find_customers_by_phone
from app.customers.services import create_customer, update_customer
from app.errors import ValidationError
from app.extensions import db

AGENT = ["customer.view", "customer.add", "customer.edit", "followup.view", "followup.add"]


@pytest.fixture(autouse=True)
def _request_context(app):
    from app.audit.services import set_actor

    set_actor(None, "", "")  # the actor of an earlier test's request must not sign this test's changes
    with app.test_request_context():
        yield


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_create_keeps_every_field_and_normalizes_numbers(make_user, make_customer, param_id):
    agent = make_user("agent1")
    level = param_id("customer_level", "VIP客户")
    mobile = param_id("phone_type", "手机")
    customer = make_customer(
        "张三",
        user=agent,
        company="深圳星河科技",
        gender="男",
        birthday="1985-5-6",
        email="zhang@example.cn",
        level_id=level,
        phones=[{"number": "+86 138 1234 5678", "type_id": mobile}, "0755-2345 6789转801", "138-1234-5678"],
        contacts=[{"name": "李四", "title": "采购", "phones": [{"number": "13900001111"}]}],
    )
    assert customer.owner_id == agent.id and customer.created_by_id == agent.id
    assert customer.gender == "M" and customer.birthday.isoformat() == "1985-05-06" and customer.level_id == level
    own = [(p.normalized, p.extension) for p in customer.phones if p.contact_id is None]
    assert own == [("13812345678", ""), ("75523456789", "801")]  # the duplicate form was dropped
    assert [p.location for p in customer.phones if p.extension] == ["广东省深圳市"]
    assert customer.contacts[0].phones[0].normalized == "13900001111"


@pytest.mark.parametrize(
    ("fields", "label"),
    [
        ({"name": "  "}, "姓名"),
        ({"email": "not-an-email"}, "邮箱"),
        ({"birthday": "1985-13-45"}, "生日"),
        ({"gender": "unknown"}, "性别"),
        ({"owner_id": 999999}, "所属坐席"),
        ({"phones": [{"number": "13812345678"}, {"number": "abc"}]}, "电话2"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(make_user, fields, label):
    agent = make_user("agent1")
    before = (count(Customer), count(CustomerPhone))
    with pytest.raises(ValidationError) as info:
        create_customer({"name": "王五", **fields}, agent)
    db.session.rollback()
    assert label in info.value.errors
    assert (count(Customer), count(CustomerPhone)) == before


def test_param_of_the_wrong_kind_is_refused(make_user, param_id):
    with pytest.raises(ValidationError) as info:
        create_customer({"name": "王五", "category_id": param_id("customer_level", "VIP客户")}, make_user())
    assert "客户分类" in info.value.errors


def test_every_bad_field_is_reported_at_once(make_user):
    with pytest.raises(ValidationError) as info:
        create_customer({"name": "", "email": "x", "phones": [{"number": "12"}]}, make_user())
    assert {"姓名", "邮箱", "电话1"} <= set(info.value.errors)


def test_update_replaces_phones_and_is_all_or_nothing(make_user, make_customer):
    agent = make_user("agent1", role=None, superuser=True)
    customer = make_customer("赵六", user=agent, phones=["13812345678"])
    with pytest.raises(ValidationError):
        update_customer(customer, {"company": "新公司", "email": "bad"}, agent)
    db.session.rollback()
    assert db.session.get(Customer, customer.id).company == ""
    update_customer(customer, {"phones": [{"number": "010-87654321"}]}, agent)
    db.session.commit()
    assert [p.normalized for p in customer.phones] == ["1087654321"]


@pytest.mark.parametrize(
    "dialled", ["13812345678", "+8613812345678", "008613812345678", "8613812345678", "138 1234 5678", "013812345678"]
)
def test_lookup_by_any_form_of_a_mobile(make_customer, dialled):
    customer = make_customer("钱七", phones=["138-1234-5678"])
    assert [c.id for c in find_customers_by_phone(dialled)] == [customer.id]


@pytest.mark.parametrize(
    "dialled", ["87654321", "01087654321", "+861087654321", "(010) 8765-4321", "010-87654321-8001"]
)
def test_lookup_by_any_form_of_a_landline(make_customer, dialled):
    customer = make_customer("孙八", phones=["010-8765 4321"])
    assert [c.id for c in find_customers_by_phone(dialled)] == [customer.id]


def test_lookup_of_garbage_finds_nothing(make_customer):
    make_customer("周九", phones=["13812345678"])
    assert find_customers_by_phone("hello") == []


def test_number_of_another_customer_is_allowed_but_reported(make_user, make_customer):
    from app.customers.services import conflict_warnings

    agent = make_user("agent1")
    make_customer("吴十", phones=["13812345678"])
    second = make_customer("郑十一", user=agent, phones=["+86 138 1234 5678"])
    warnings = conflict_warnings(second, agent)
    assert len(warnings) == 1 and "吴十" in warnings[0]


def test_scope_own_department_all_and_public_pool(make_user, make_role, make_customer):
    from app.auth.models import Department

    sales = Department(name="销售一部")
    db.session.add(sales)
    db.session.commit()
    own_role = make_role(permissions=AGENT, data_scope="own")
    dept_role = make_role(permissions=AGENT + ["customer.query_all"], data_scope="department")
    all_role = make_role(permissions=AGENT + ["customer.query_all"], data_scope="all")
    alice = make_user("alice", role=own_role, department_id=sales.id)
    bob = make_user("bob", role=own_role, department_id=sales.id)
    lead = make_user("lead", role=dept_role, department_id=sales.id)
    boss = make_user("boss", role=all_role)
    outsider = make_user("carol", role=own_role)
    a = make_customer("A", user=alice, phones=["13800000001"])
    b = make_customer("B", user=bob, phones=["13800000001"])
    c = make_customer("C", user=outsider, phones=["13800000001"])
    pool = make_customer("P", user=outsider, owner_id=None, phones=["13800000001"])

    def seen(user):
        return {x.name for x in find_customers_by_phone("13800000001", user)}

    assert seen(alice) == {"A", "P"}
    assert seen(lead) == {"A", "B", "P"}
    assert seen(boss) == {"A", "B", "C", "P"}
    assert a.can_view(alice) and not b.can_view(alice) and pool.can_view(alice) and not c.can_edit(alice)


def test_role_categories_limit_what_is_visible(make_user, make_role, make_customer, param_id):
    vip = param_id("customer_category", "签约客户")
    role = make_role(permissions=AGENT + ["customer.query_all"], data_scope="all", customer_categories=[vip])
    user = make_user("limited", role=role)
    make_customer("签约的", category_id=vip, phones=["13800000002"])
    make_customer("意向的", category_id=param_id("customer_category", "意向客户"), phones=["13800000002"])
    assert [c.name for c in find_customers_by_phone("13800000002", user)] == ["签约的"]


@pytest.fixture
def masked_client(client, auth, make_user, make_role):
    role = make_role(permissions=AGENT + ["customer.export", "customer.query_all"], data_scope="all", hide_numbers=True)
    user = make_user("masked", role=role)
    auth.login(user)
    return client


def test_masked_numbers_in_detail_list_lookup_and_export(masked_client, make_customer):
    customer = make_customer("隐号客户", phones=["13812345678"])
    detail = masked_client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert "138****5678" in detail and "13812345678" not in detail
    edit = masked_client.get(f"/customers/{customer.id}/edit").get_data(as_text=True)
    assert "13812345678" not in edit
    rows = masked_client.get("/customers/data").get_json()["data"]
    assert [r["phone"] for r in rows if r["id"] == customer.id] == ["138****5678"]
    found = masked_client.get("/api/customers/lookup?number=+8613812345678").get_json()
    assert found["customers"][0]["phones"] == ["138****5678"] and "13812345678" not in str(found)
    export = masked_client.get("/customers/export?format=xlsx")
    sheet = load_workbook(io.BytesIO(export.data)).active
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert "138****5678" in cells and not any("13812345678" in c for c in cells)


def test_masked_user_saving_the_form_keeps_the_real_number(masked_client, make_customer):
    customer = make_customer("隐号客户", phones=["13812345678"])
    phone = customer.phones[0]
    response = masked_client.post(
        f"/customers/{customer.id}/edit",
        data={"name": "隐号客户改", "phone_id": phone.id, "phone_number": "138****5678", "phone_type": ""},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    assert [p.number for p in db.session.get(Customer, customer.id).phones] == ["13812345678"]


def test_lookup_api_and_form_page(admin_client, make_customer):
    customer = make_customer("接口客户", phones=["0755-23456789"])
    found = admin_client.get("/api/customers/lookup?number=075523456789").get_json()
    assert found["location"] == "广东省深圳市" and [c["id"] for c in found["customers"]] == [customer.id]
    assert admin_client.get("/api/customers/lookup?number=abc").status_code == 400
    page = admin_client.post("/customers/new", data={"name": "", "email": "bad", "phone_number": "12"})
    text = page.get_data(as_text=True)
    assert page.status_code == 400 and "请填写姓名" in text and "邮箱格式不正确" in text and "号码太短" in text


def test_create_through_the_form_and_audit(admin_client, admin):
    response = admin_client.post(
        "/customers/new",
        data={"name": "<b>表单客户</b>", "phone_number": ["13812345678", ""], "phone_type": ["", ""]},
    )
    assert response.status_code == 302
    customer = db.session.scalar(select(Customer).where(Customer.name == "<b>表单客户</b>"))
    page = admin_client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert "&lt;b&gt;表单客户&lt;/b&gt;" in page and "<b>表单客户" not in page
    entry = db.session.scalar(
        select(AuditLog).where(AuditLog.entity == "customer", AuditLog.entity_id == str(customer.id))
    )
    assert entry.action == "create" and entry.user_id == admin.id


def test_quick_filters_and_phone_search(admin_client, make_customer):
    from datetime import timedelta

    from app.timeutil import utcnow

    fresh = make_customer("今天的", phones=["13812345678"])
    old = make_customer("去年的", phones=["13912345678"])
    old.created_at = utcnow() - timedelta(days=400)
    db.session.commit()
    week = {r["id"] for r in admin_client.get("/customers/data?quick=created_7d").get_json()["data"]}
    assert fresh.id in week and old.id not in week
    found = admin_client.get("/customers/data?q=%2B86%20139-1234-5678").get_json()["data"]
    assert [r["id"] for r in found] == [old.id]


def test_location_page(admin_client):
    page = admin_client.get("/customers/location?number=0755-23456789").get_data(as_text=True)
    assert "75523456789" in page and "广东省深圳市" in page
    assert "号码只能包含数字" in admin_client.get("/customers/location?number=hello").get_data(as_text=True)


def test_pages_render_with_the_actions_the_user_has(client, auth, admin_client, make_user, make_role, make_customer):
    customer = make_customer("页面客户", phones=["13812345678"], contacts=[{"name": "联系人甲"}])
    index = admin_client.get("/customers/").get_data(as_text=True)
    assert "批量删除" in index and "转移/分配" in index and 'id="grid-customers"' in index
    for url in (f"/customers/{customer.id}", f"/customers/{customer.id}/edit", "/customers/new"):
        assert admin_client.get(url).status_code == 200, url
    auth.logout()
    agent = make_user("viewer", role=make_role(permissions=["customer.view"], data_scope="all"))
    auth.login(agent)
    index = client.get("/customers/").get_data(as_text=True)
    assert "批量删除" not in index and "添加" not in index
    assert client.get(f"/customers/{customer.id}/edit").status_code == 403

"""The customer picker of the order, memo and ticket forms: its search endpoint (scope, masking, limit,
phone forms, bad queries) and the forms that post the chosen id (a forged id is a named form error)."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.orders.models import Order
from app.products import services as product_services

AGENT = ["customer.view", "order.view", "order.add"]


@pytest.fixture
def agent(make_user, make_role):
    return make_user("pick_agent", role=make_role("选客户坐席", AGENT), display_name="坐席甲")


@pytest.fixture
def other_agent(make_user, make_role):
    return make_user("pick_other", role=make_role("另一组", AGENT), display_name="坐席乙")


def search(client, q):
    return client.get("/api/customers/search", query_string={"q": q})


def names(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    return [c["name"] for c in response.get_json()["customers"]]


def test_search_by_name_company_and_any_phone_form(client, auth, agent, make_customer):
    make_customer("王建国", user=agent, owner_id=agent.id, company="华北电器", phones=["13812345678"])
    make_customer("李建华", user=agent, owner_id=agent.id, phones=["010-87654321"])
    auth.login(agent)
    assert sorted(names(search(client, "建"))) == ["李建华", "王建国"]
    assert names(search(client, "华北")) == ["王建国"]
    make_customer("Tom Lee", user=agent, owner_id=agent.id, company="Acme Trading")
    assert names(search(client, "acme")) == ["Tom Lee"] and names(search(client, "TOM")) == ["Tom Lee"]
    for form in ("13812345678", "+86 138-1234-5678", "0086 138 1234 5678", "138 1234 5678"):
        assert names(search(client, form)) == ["王建国"], form
    for form in ("(010) 8765-4321", "01087654321", "+86 10 8765 4321"):
        assert names(search(client, form)) == ["李建华"], form
    assert names(search(client, "12345678")) == ["王建国"]  # part of a number, for a user who sees numbers

    [entry] = search(client, "王建国").get_json()["customers"]
    assert entry == {
        "id": entry["id"],
        "name": "王建国",
        "company": "华北电器",
        "phone": "13812345678",
        "owner": "坐席甲",
    }


def test_search_keeps_to_the_users_data_scope(client, auth, agent, other_agent, make_customer):
    make_customer("张三丰", user=agent, owner_id=agent.id, phones=["13900001111"])
    make_customer("张无忌", user=other_agent, owner_id=other_agent.id, phones=["13900002222"])
    make_customer("张翠山", phones=["13900003333"])  # public pool: everyone may see it
    auth.login(agent)
    assert sorted(names(search(client, "张"))) == ["张三丰", "张翠山"]
    assert names(search(client, "13900002222")) == []


def test_masked_role_sees_masked_numbers_and_finds_only_by_the_whole_number(
    client, auth, make_user, make_role, make_customer
):
    masked = make_user("pick_masked", role=make_role("隐号", AGENT, data_scope="all", hide_numbers=True))
    make_customer("赵隐号", phones=["+8613812342222"])
    auth.login(masked)
    found = search(client, "赵隐号").get_json()
    assert found["customers"][0]["phone"] == "+86 138****2222" and "13812342222" not in str(found)
    assert names(search(client, "138 1234 2222")) == ["赵隐号"]
    assert names(search(client, "1381234")) == []  # digit by digit guessing is not offered


def test_at_most_twenty_results_and_a_hint_that_there_are_more(client, auth, agent, make_customer):
    for i in range(23):
        make_customer(f"批量客户{i:02}", user=agent, owner_id=agent.id, commit=False)
    db.session.commit()
    auth.login(agent)
    found = search(client, "批量客户").get_json()
    assert len(found["customers"]) == 20 and found["more"] is True
    exact = search(client, "批量客户07").get_json()
    assert [c["name"] for c in exact["customers"]] == ["批量客户07"] and exact["more"] is False


def test_bad_queries_get_a_clear_answer(client, auth, agent, make_customer, make_user, make_role):
    make_customer("百分之百", user=agent, owner_id=agent.id)
    auth.login(agent)
    for q in ("", "   "):
        response = search(client, q)
        assert response.status_code == 400 and "请输入客户名称、公司或电话" in response.get_json()["error"]
    response = search(client, "长" * 51)
    assert response.status_code == 400 and "50" in response.get_json()["error"]
    assert names(search(client, "%")) == [] and names(search(client, "_")) == []  # wildcards match literally
    auth.logout()
    auth.login(make_user("pick_nobody", role=make_role("无客户", ["order.view"])))
    assert search(client, "百分之百").status_code == 403


def test_customer_text_comes_back_as_data_not_markup(client, auth, agent, make_customer):
    make_customer("<img src=x onerror=alert(1)>", user=agent, owner_id=agent.id)
    auth.login(agent)
    response = search(client, "<img")
    assert response.mimetype == "application/json"
    assert names(response) == ["<img src=x onerror=alert(1)>"]


@pytest.fixture
def product():
    item = product_services.create_product({"code": "PK-01", "name": "测试产品", "stock": 5, "sale_price": "10"}, None)
    db.session.commit()
    return item


def test_order_form_preselects_and_refuses_a_forged_customer(client, auth, agent, other_agent, make_customer, product):
    mine = make_customer("我的订单客户", user=agent, owner_id=agent.id)
    theirs = make_customer("别人的订单客户", user=other_agent, owner_id=other_agent.id)
    auth.login(agent)
    page = client.get(f"/orders/new?customer_id={mine.id}").get_data(as_text=True)
    assert 'value="我的订单客户"' in page and f'name="customer_id" value="{mine.id}"' in page
    assert "别人的订单客户" not in client.get(f"/orders/new?customer_id={theirs.id}").get_data(as_text=True)
    assert '<select name="customer_id"' not in page  # no list of every customer any more

    form = {
        "seller_id": str(agent.id),
        "order_date": "2026-03-06",
        "line_product_id": [str(product.id)],
        "line_quantity": ["1"],
        "line_unit_price": ["10"],
        "line_discount": [""],
    }
    forged = client.post("/orders/new", data={**form, "customer_id": str(theirs.id)})
    text = forged.get_data(as_text=True)
    assert forged.status_code == 400 and "客户:请选择您能查看的客户" in text and "别人的订单客户" not in text
    assert db.session.scalar(select(Order.id)) is None
    assert client.post("/orders/new", data={**form, "customer_id": str(mine.id)}).status_code == 302
    assert db.session.scalar(select(Order.customer_id)) == mine.id


def test_memo_form_uses_the_picker(client, auth, agent, other_agent, make_customer):
    mine = make_customer("备忘客户", user=agent, owner_id=agent.id)
    theirs = make_customer("别人的备忘客户", user=other_agent, owner_id=other_agent.id)
    auth.login(agent)
    page = client.get(f"/memos/new?customer_id={mine.id}").get_data(as_text=True)
    assert "data-customer-picker" in page and 'value="备忘客户"' in page
    forged = client.post(
        "/memos/new", data={"subject": "回访", "start_at": "2031-05-06T10:00", "customer_id": str(theirs.id)}
    )
    assert forged.status_code == 400 and "客户:客户不存在或无权查看" in forged.get_data(as_text=True)
    assert "别人的备忘客户" not in forged.get_data(as_text=True)

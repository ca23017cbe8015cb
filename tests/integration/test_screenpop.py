"""Screen-pop: the ringing agent's tabs (and only those) get the caller's card, as that agent may see it."""

import json

import pytest
from sqlalchemy import select

from app.customers.models import Customer, FollowUp
from app.extensions import db
from app.telephony.live import LiveModel
from tests.support.fixtures import pops
from tests.unit.test_live_model import Player, events, named

CUSTOMER_NUMBER = "13812345678"
AGENT_PERMISSIONS = ["phone.use", "customer.view", "customer.add", "followup.add"]


@pytest.fixture
def agent_role(make_role):
    return make_role("弹屏测试坐席", permissions=AGENT_PERMISSIONS, data_scope="own")


def ring(app, extension="1001", number=CUSTOMER_NUMBER, scenario="inbound-answered"):
    model = LiveModel(app, inline=True)
    call = Player(model, events(scenario, replace={"1000": number, "1001": extension}))
    call.until(named("CHANNEL_PROGRESS"))
    return model, call


def test_pop_reaches_every_tab_of_the_ringing_agent_and_no_one_else(app, make_user, make_customer, agent_role, tab):
    agent = make_user("pop1", role=agent_role, extension="1001", display_name="小王")
    other = make_user("pop2", role=agent_role, extension="1002")
    customer = make_customer("张三", user=agent, company="东方贸易", phones=[CUSTOMER_NUMBER])
    first, second, colleague = tab(agent), tab(agent), tab(other)

    ring(app)

    for socket in (first, second):
        [pop] = pops(socket)
        assert pop["known"] and pop["direction"] == "inbound"
        [card] = pop["customers"]
        assert (card["id"], card["name"], card["company"]) == (customer.id, "张三", "东方贸易")
        assert card["numbers"] == [CUSTOMER_NUMBER] and pop["number"] == CUSTOMER_NUMBER
        assert pop["location"]  # 归属地 of a mainland mobile
    assert pops(colleague) == []


def test_hide_numbers_role_gets_masked_numbers_only(app, make_user, make_role, make_customer, tab):
    role = make_role("隐号坐席", permissions=AGENT_PERMISSIONS, hide_numbers=True)
    agent = make_user("pop3", role=role, extension="1001")
    make_customer("李四", user=agent, phones=[CUSTOMER_NUMBER])
    socket = tab(agent)

    ring(app)

    [pop] = pops(socket)
    assert pop["number"] == "138****5678"
    assert pop["customers"][0]["numbers"] == ["138****5678"]
    assert CUSTOMER_NUMBER not in json.dumps(pop)


def test_customer_outside_the_agents_scope_pops_as_unknown(app, make_user, make_customer, agent_role, tab):
    agent = make_user("pop4", role=agent_role, extension="1001")
    owner = make_user("pop5", role=agent_role)
    make_customer("王五", user=owner, phones=[CUSTOMER_NUMBER])
    socket = tab(agent)

    ring(app)

    [pop] = pops(socket)
    assert not pop["known"] and pop["customers"] == []


def test_pop_shows_pop_fields_and_recent_followups(app, make_user, make_customer, agent_role, tab):
    from app.customers.followups import add_followup
    from app.fields.services import create_field

    field = create_field("customer", "会员等级", "text")
    field.show_in_pop = True
    agent = make_user("pop6", role=agent_role, extension="1001")
    customer = make_customer("赵六", user=agent, phones=[CUSTOMER_NUMBER], extra={field.key: "金卡"})
    add_followup(customer, {"content": "<b>上次</b>询价"}, agent)
    db.session.commit()
    socket = tab(agent)

    ring(app)

    [card] = pops(socket)[0]["customers"]
    assert {"label": "会员等级", "value": "金卡"} in card["fields"]
    history = socket.http.get(f"/phone/pop/history/{card['id']}").get_json()
    assert history["followups"][0]["content"] == "<b>上次</b>询价"


def test_pop_history_lists_the_orders_the_agent_may_see(app, make_user, make_role, make_customer, tab):
    from datetime import date
    from decimal import Decimal

    from app.orders.models import Order

    role = make_role("弹屏订单坐席", permissions=[*AGENT_PERMISSIONS, "order.view"], data_scope="own")
    agent = make_user("pop11", role=role, extension="1001")
    colleague = make_user("pop12", role=role, extension="1002")
    customer = make_customer("钱七", user=agent, phones=[CUSTOMER_NUMBER])
    db.session.add_all(
        [
            Order(
                number="SO-POP-1", customer_id=customer.id, seller_id=agent.id, order_date=date(2026, 3, 2),
                total=Decimal("199.00"),
            ),
            Order(number="SO-POP-2", customer_id=customer.id, seller_id=colleague.id, order_date=date(2026, 3, 3)),
        ]
    )  # fmt: skip
    db.session.commit()
    socket = tab(agent)

    ring(app)

    [card] = pops(socket)[0]["customers"]
    history = socket.http.get(f"/phone/pop/history/{card['id']}").get_json()
    [order] = history["orders"]  # the colleague's sale is outside this agent's scope
    assert (order["number"], order["at"], order["status"]) == ("SO-POP-1", "2026-03-02", "进行中")
    assert "199" in order["total"]
    assert socket.http.get(order["link"]).status_code == 200


def test_pop_history_has_no_orders_without_the_order_permission(app, make_user, make_customer, agent_role, tab):
    agent = make_user("pop13", role=agent_role, extension="1001")
    customer = make_customer("孙八", user=agent, phones=[CUSTOMER_NUMBER])
    socket = tab(agent)
    history = socket.http.get(f"/phone/pop/history/{customer.id}").get_json()
    assert "orders" not in history and history["followups"] == []


def test_unknown_number_offers_quick_add_and_the_next_call_finds_it(app, make_user, agent_role, tab):
    agent = make_user("pop7", role=agent_role, extension="1001")
    socket = tab(agent)
    model, call = ring(app, number="13900001111")
    [pop] = pops(socket)
    assert not pop["known"] and pop["can_add_customer"]

    response = socket.http.post("/phone/pop/quick-add", json={"token": pop["token"], "name": "新客户"})
    assert response.status_code == 200, response.get_data(as_text=True)
    card = response.get_json()["card"]
    created = db.session.get(Customer, card["id"])
    assert created.name == "新客户" and created.owner_id == agent.id
    assert [p.normalized for p in created.phones] == ["13900001111"]

    call.rest()
    ring(app, number="13900001111")
    assert pops(socket)[0]["customers"][0]["id"] == created.id


def test_a_pop_token_is_only_good_for_its_agent(app, make_user, agent_role, tab):
    agent = make_user("pop8", role=agent_role, extension="1001")
    other = make_user("pop9", role=agent_role, extension="1002")
    socket, intruder = tab(agent), tab(other)
    ring(app, number="13900002222")
    [pop] = pops(socket)

    response = intruder.http.post("/phone/pop/quick-add", json={"token": pop["token"], "name": "偷加"})
    assert response.status_code == 400
    assert "这不是您的来电" in response.get_json()["error"]
    forged = intruder.http.post("/phone/pop/quick-add", json={"token": pop["token"] + "x"})
    assert forged.status_code == 400
    assert db.session.scalar(select(Customer).where(Customer.name == "偷加")) is None


def test_followup_with_reminder_saved_during_the_call_is_linked_to_it(app, make_user, make_customer, agent_role, tab):
    agent = make_user("pop10", role=agent_role, extension="1001")
    customer = make_customer("钱七", user=agent, phones=[CUSTOMER_NUMBER])
    socket = tab(agent)
    model, call = ring(app)
    [pop] = pops(socket)

    response = socket.http.post(
        "/phone/pop/followup",
        json={
            "token": pop["token"],
            "customer_id": customer.id,
            "content": "客户要报价",
            "next_remind_at": "2030-05-06 14:30",
        },
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    followup = db.session.scalar(select(FollowUp).where(FollowUp.customer_id == customer.id))
    assert followup.content == "客户要报价" and followup.next_remind_at is not None
    assert followup.extra["call_uuid"] == pop["call_uuid"] and pop["call_uuid"]

    empty = socket.http.post("/phone/pop/followup", json={"token": pop["token"], "customer_id": customer.id})
    assert empty.status_code == 400 and "内容" in empty.get_json()["errors"]


def test_outbound_click_to_dial_pops_the_dialled_customer(app, make_user, make_customer, agent_role, tab):
    agent = make_user("pop11", role=agent_role, extension="1001")
    customer = make_customer("孙八", user=agent, phones=[CUSTOMER_NUMBER])
    socket = tab(agent)
    model = LiveModel(app, inline=True)
    Player(model, events("click-to-dial", replace={"1002": CUSTOMER_NUMBER})).until(named("CHANNEL_BRIDGE"))

    [pop] = pops(socket)
    assert pop["direction"] == "outbound" and pop["customers"][0]["id"] == customer.id


def test_end_to_end_from_the_fake_switch_to_the_agents_socket(
    app, make_user, make_customer, agent_role, tab, fake_switch, switchboard
):
    from app.telephony.live import install_live_model

    agent = make_user("pop12", role=agent_role, extension="8001")
    customer = make_customer("周九", user=agent, phones=[CUSTOMER_NUMBER])
    socket = tab(agent)
    model = install_live_model(app, switchboard, inline=True)

    fake_switch.play("inbound-answered", replace={"1000": CUSTOMER_NUMBER, "1001": "8001"}, until="CHANNEL_ANSWER")
    switchboard.flush()

    [pop] = pops(socket)
    assert pop["customers"][0]["id"] == customer.id
    assert model.current_channel_of("8001").state == "active"
    db.session.refresh(agent)
    assert agent.agent_status == "talking"


def test_pop_history_is_only_for_customers_the_agent_may_see(app, make_user, make_customer, agent_role, tab):
    agent = make_user("pop9", role=agent_role, extension="1001")
    owner = make_user("pop10", role=agent_role, extension="1002")
    hidden = make_customer("别人的客户", user=owner, phones=["13700009999"])
    db.session.commit()
    socket = tab(agent)
    assert socket.http.get(f"/phone/pop/history/{hidden.id}").status_code == 404


def test_an_extension_given_a_moment_ago_pops_at_its_first_ring(app, make_user, make_customer, agent_role, tab):
    """The agent directory is read again after the change is committed, not seconds later."""
    first = make_user("pop13", role=agent_role, extension="1001")
    make_customer("吴十", user=first, phones=[CUSTOMER_NUMBER])
    model, call = ring(app)  # the directory has just been read
    call.rest()
    newcomer = make_user("pop14", role=agent_role, extension="1002")
    socket = tab(newcomer)

    replace = {"1000": CUSTOMER_NUMBER, "1001": "1002"}
    Player(model, events("inbound-answered", replace=replace)).until(named("CHANNEL_PROGRESS"))

    [pop] = pops(socket)
    assert pop["number"] == CUSTOMER_NUMBER and not pop["known"]  # the customer is pop13's own


def test_a_role_that_starts_hiding_numbers_masks_the_next_pop(app, make_user, make_customer, agent_role, tab):
    agent = make_user("pop15", role=agent_role, extension="1001")
    make_customer("郑十一", user=agent, phones=[CUSTOMER_NUMBER])
    socket = tab(agent)
    ring(app)
    assert pops(socket)[0]["number"] == CUSTOMER_NUMBER

    agent_role.hide_numbers = True
    db.session.commit()
    ring(app)

    [pop] = pops(socket)
    assert pop["number"] == "138****5678" and pop["customers"][0]["numbers"] == ["138****5678"]


def test_a_disabled_agent_gets_no_pop(app, make_user, agent_role, tab):
    agent = make_user("pop16", role=agent_role, extension="1001")
    socket = tab(agent)
    ring(app)
    assert len(pops(socket)) == 1

    agent.enabled = False
    db.session.commit()
    ring(app)

    assert pops(socket) == []

"""Tickets in a real browser: a type with a field and two steps made in the admin pages, a ticket raised from a
customer, moved through the steps, and found in the assignee's "my tickets"."""

import re
import secrets

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login

pytestmark = pytest.mark.browser

AGENT_PERMISSIONS = ["ticket.view", "ticket.add", "customer.view"]


def create_type_in_ui(page, base: str, name: str, handler_name: str, admin_name: str):
    page.goto(base + "/tickets/types")
    page.fill("#type-form input[name=name]", name)
    page.fill("#type-form input[name=number_format]", "BT{yyyyMMdd}{seq:04}")
    page.click("#type-form button[type=submit]")
    expect(page.locator(".flash-success")).to_contain_text(f"已新增工单类型“{name}”")

    page.fill("#field-form input[name=label]", "产品型号")
    page.select_option("#field-form select[name=field_type]", label="文本")
    page.check("#field-form input[name=required]")
    page.click("#field-form button[type=submit]")
    expect(page.locator("tr[data-field-label='产品型号']")).to_contain_text("是")

    page.fill("#step-form input[name=name]", "受理")
    page.select_option("#step-form select[name=user_id]", label=admin_name)
    page.fill("#step-form input[name=due_hours]", "8")
    page.click("#step-form button[type=submit]")
    page.fill("#step-form input[name=name]", "处理")
    page.select_option("#step-form select[name=user_id]", label=handler_name)
    page.check("#step-form input[name=is_final]")
    page.click("#step-form button[type=submit]")
    expect(page.locator("tr[data-step-name]")).to_have_count(2)
    expect(page.locator("tr[data-step-name='处理']")).to_contain_text(handler_name)


def test_ticket_moves_through_steps_to_the_assignees_list(live_server, live_data, login_page, page, browser):
    base = live_server.url
    tag = secrets.token_hex(3)
    admin_name, handler_name, type_name = f"主管{tag}", f"处理员{tag}", f"报修{tag}"
    live_data.create_user(f"tkadmin_{tag}", superuser=True, display_name=admin_name)
    role_id = live_data.create_role(f"工单坐席{tag}", AGENT_PERMISSIONS)
    live_data.create_user(f"tkhandler_{tag}", role_id=role_id, display_name=handler_name)
    customer_id = live_data.create_customer(f"赵客户{tag}", phones=["13911112222"])

    login_page(f"tkadmin_{tag}")
    create_type_in_ui(page, base, type_name, handler_name, admin_name)

    page.goto(f"{base}/customers/{customer_id}")
    page.click("a.button:has-text('新建工单')")
    page.wait_for_url(re.compile(r"/tickets/new\?customer_id="))
    page.wait_for_load_state()  # tickets.js, which reloads the form when the type changes, has run
    page.select_option("#ticket-type", label=type_name)  # reloads the form with this type's fields
    expect(page.get_by_label("产品型号")).to_be_visible()
    expect(page.locator("#ticket-customer")).to_have_value(f"赵客户{tag}")
    page.fill("input[name=title]", "冰箱不制冷")
    page.click("#ticket-form button[type=submit]")
    expect(page.locator(".flash-danger")).to_contain_text("产品型号")  # required field left empty: nothing saved
    page.get_by_label("产品型号").fill("BCD-520")
    page.click("#ticket-form button[type=submit]")

    expect(page.locator(".flash-success")).to_contain_text("已创建")
    number = page.locator("h1 .ticket-number").inner_text()
    assert re.fullmatch(r"BT\d{8}\d{4}", number), number
    expect(page.locator("#ticket-step")).to_have_text("受理")
    expect(page.locator("#ticket-facts")).to_contain_text("BCD-520")

    page.click("#ticket-edit")
    page.fill("#ticket-edit-form input[name=title]", "冰箱不制冷<漏水>")
    page.get_by_label("产品型号").fill("BCD-521")
    page.click("#ticket-edit-form button[type=submit]")
    expect(page.locator("h1")).to_contain_text("冰箱不制冷<漏水>")
    edited = page.locator("#ticket-history tr[data-action='edited']")
    expect(edited).to_contain_text("标题:冰箱不制冷 → 冰箱不制冷<漏水>")
    expect(edited).to_contain_text("产品型号:BCD-520 → BCD-521")

    page.fill("#act-form textarea[name=note]", "已核实,转处理")
    page.click("#act-form button:has-text('提交到“处理”')")
    expect(page.locator("#ticket-step")).to_have_text("处理")
    expect(page.locator("#ticket-assignee")).to_have_text(handler_name)
    step_row = page.locator("#ticket-history tr[data-action='step']")
    expect(step_row).to_contain_text(admin_name)
    expect(step_row).to_contain_text("受理 → 处理")

    handler_context = browser.new_context(viewport={"width": 1024, "height": 768}, locale="zh-CN")
    try:
        handler_page = handler_context.new_page()
        handler_page.set_default_timeout(10_000)
        login(handler_page, base, f"tkhandler_{tag}", "Live-passw0rd")
        handler_page.goto(base + "/tickets/mine")
        row = handler_page.locator("#grid-my_tickets .tabulator-row", has_text="冰箱不制冷<漏水>")
        expect(row).to_have_count(1)
        expect(row).to_contain_text(number)
        expect(row).to_contain_text("处理")
        handler_page.goto(
            base + handler_page.locator("#grid-my_tickets .tabulator-row a", has_text=number).get_attribute("href")
        )
        handler_page.fill("#act-form textarea[name=note]", "已上门维修")
        handler_page.click("#act-form button:has-text('办结')")
        expect(handler_page.locator("#ticket-state")).to_have_text("已关闭")
        expect(handler_page.locator("#ticket-history tr[data-action='closed']")).to_contain_text(handler_name)
    finally:
        handler_context.close()

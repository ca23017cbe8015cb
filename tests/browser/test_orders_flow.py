"""An order in a real browser: search and pick a customer, pick a product, save, see the stock taken, print the PDF."""

import subprocess

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LiveData

pytestmark = pytest.mark.browser

PRODUCT = "便携式蓝牙音箱"


def _arrange(data: LiveData):
    from app.extensions import db
    from app.products.models import Product

    def make():
        product = Product(code="BT-7", name=PRODUCT, stock=5, sale_price=259)
        db.session.add(product)
        db.session.flush()
        return product.id

    return data.run(make)


def test_order_created_in_the_form_prints_to_pdf(start_live_server, page, login_page):
    server = start_live_server("orders")
    data = LiveData(server)
    admin_id = data.create_user("order_admin", superuser=True, display_name="订单管理员")
    product_id = _arrange(data)
    customer_id = data.create_customer("赵先生", phones=["13912345678"], owner_id=admin_id)
    data.create_customer("<img src=x onerror=window.__xss=1>赵太太", phones=["13912340000"])
    login_page("order_admin", server=server)

    # Opened from the customer card: the customer is already chosen.
    page.goto(f"{server.url}/orders/new?customer_id={customer_id}")
    expect(page.locator("#order-customer")).to_have_value("赵先生")
    expect(page.locator("#order-form input[name=customer_id]")).to_have_value(str(customer_id))

    # Opened from the menu: search the customer as you type, by name or by part of the number.
    page.goto(f"{server.url}/orders/new")
    picker = page.locator("#order-customer")
    picker.fill("不存在的客户")
    expect(page.locator("#order-customer-results")).to_contain_text("没有找到客户")
    page.click("#order-form button[type=submit]")  # typed but not chosen: the browser keeps the form
    assert picker.evaluate("input => input.validationMessage") == "请从搜索结果中选择客户"
    picker.fill("赵")
    options = page.locator("#order-customer-results li[role=option]")
    expect(options).to_have_count(2)
    expect(options.filter(has_text="赵太太")).to_contain_text("<img src=x onerror=window.__xss=1>")
    assert page.evaluate("window.__xss") is None  # customer text is shown as text, never run
    picker.fill("139 1234 5678")
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("赵先生")
    expect(options.first).to_contain_text("13912345678")
    expect(options.first).to_contain_text("订单管理员")
    options.first.click()
    expect(picker).to_have_value("赵先生")
    expect(page.locator("#order-form input[name=customer_id]")).to_have_value(str(customer_id))

    row = page.locator("[data-line]").first
    row.locator("select[name=line_product_id]").select_option(str(product_id))
    expect(row.locator("input[name=line_unit_price]")).to_have_value("259.00")
    row.locator("input[name=line_quantity]").fill("2")
    expect(page.locator("[data-total-amount]")).to_have_text("518.00")
    page.click("#order-form button[type=submit]")

    expect(page.locator(".flash-success")).to_contain_text("已保存")
    expect(page.locator("[data-order-total]")).to_have_text("518.00")
    expect(page.locator("main, body").first).to_contain_text(PRODUCT)
    number = page.locator("h1").inner_text().split()[1]
    assert number.startswith("DD")

    pdf_url = page.locator("[data-order-pdf]").get_attribute("href")
    response = page.request.get(server.url + pdf_url)
    assert response.ok and response.headers["content-type"] == "application/pdf"
    text = subprocess.run(["pdftotext", "-", "-"], input=response.body(), capture_output=True, check=True).stdout
    assert PRODUCT in text.decode() and number in text.decode()

    page.goto(f"{server.url}/products/{product_id}/edit")
    expect(page.locator("[data-stock]")).to_have_text("3")

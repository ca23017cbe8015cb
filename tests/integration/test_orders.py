"""Orders: stock moves with create / change / cancel, validation, steps, scope, the grid and the PDF."""

import subprocess
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.errors import ValidationError
from app.extensions import db
from app.orders import services, steps
from app.orders.models import Order
from app.products import services as product_services
from app.products.models import Product
from app.reminders.models import Reminder

PRODUCT_NAME = "智能空气净化器"


@pytest.fixture
def product():
    item = product_services.create_product(
        {"code": "AP-01", "name": PRODUCT_NAME, "stock": 10, "sale_price": "1999.00"}, None
    )
    db.session.commit()
    return item


def order_data(customer, seller, product, quantity=2, **extra):
    return {
        "customer_id": str(customer.id),
        "seller_id": str(seller.id),
        "order_date": "2026-03-05",
        "lines": [{"product_id": str(product.id), "quantity": str(quantity), "unit_price": "", "discount": "100"}],
        **extra,
    }


def stock_of(product) -> int:
    db.session.expire_all()
    return db.session.get(Product, product.id).stock


def test_create_change_cancel_move_stock(make_customer, admin, product):
    customer = make_customer("王小明")
    order = services.create_order(order_data(customer, admin, product, 3), admin)
    db.session.commit()
    assert order.number.startswith("DD")
    assert order.total == Decimal("5897.00")  # 3 × 1999 − 100, the sale price filled in
    assert stock_of(product) == 7

    services.update_order(order, order_data(customer, admin, product, 1), admin)
    db.session.commit()
    assert stock_of(product) == 9

    with pytest.raises(ValidationError, match="库存不足"):
        services.update_order(order, order_data(customer, admin, product, 11), admin)
    db.session.rollback()
    assert stock_of(product) == 9 and db.session.get(Order, order.id).lines[0].quantity == 1

    services.cancel_order(db.session.get(Order, order.id), admin)
    db.session.commit()
    assert stock_of(product) == 10
    assert db.session.get(Order, order.id).state.label == "已取消"
    with pytest.raises(ValidationError):
        services.cancel_order(db.session.get(Order, order.id), admin)


def test_out_of_stock_order_writes_nothing(make_customer, admin, product):
    customer = make_customer()
    with pytest.raises(ValidationError) as error:
        services.create_order(order_data(customer, admin, product, 11), admin)
    assert "库存不足" in error.value.message and PRODUCT_NAME in error.value.message
    db.session.rollback()
    assert db.session.scalar(select(Order.id)) is None and stock_of(product) == 10


def test_validation_names_fields(make_customer, admin, product):
    from app.fields.services import create_field

    create_field("order", "合同编号", "text", required=True)
    with pytest.raises(ValidationError) as error:
        services.create_order(
            {
                "customer_id": "",
                "seller_id": "",
                "order_date": "05/03/2026",
                "lines": [{"product_id": str(product.id), "quantity": "x", "discount": "99999"}],
            },
            admin,
        )
    assert {"客户", "销售员", "下单日期", "第1行 数量", "合同编号"} <= set(error.value.errors)


def test_customer_must_be_visible(make_customer, make_user, make_role, admin, product):
    agent = make_user("agent1", role=make_role(permissions=["customer.view", "order.view", "order.add"]))
    hidden = make_customer("别人的客户", user=admin, owner_id=admin.id)
    with pytest.raises(ValidationError) as error:
        services.create_order(order_data(hidden, agent, product), agent)
    assert "客户" in error.value.errors


def test_steps_reminder_and_final_step(make_customer, make_user, admin, product):
    clerk = make_user("clerk", display_name="发货员")
    steps.create_step({"name": "待发货", "enabled": "1"})
    shipped = steps.create_step({"name": "已发货", "responsible_id": str(clerk.id), "remind": "1", "enabled": "1"})
    done = steps.create_step({"name": "完成", "is_final": "1", "enabled": "1"})
    order = services.create_order(order_data(make_customer(), admin, product), admin)
    assert order.step.name == "待发货"
    services.change_step(order, shipped.id, admin)
    db.session.commit()
    reminder = db.session.scalar(select(Reminder).where(Reminder.user_id == clerk.id))
    assert reminder is not None and order.number in reminder.title
    services.change_step(order, done.id, admin)
    assert order.status == "closed"
    with pytest.raises(ValidationError):
        services.change_step(order, shipped.id, admin)
    with pytest.raises(ValidationError) as error:
        steps.create_step({"name": "x", "remind": "1"})
    assert "负责人" in error.value.errors


def test_grid_search_by_product_and_scope(client, auth, make_customer, make_user, make_role, admin, product):
    role = make_role(permissions=["customer.view", "order.view", "order.add"])
    seller = make_user("seller1", role=role)
    other = make_user("seller2", role=role)
    customer = make_customer("李雷", user=seller, owner_id=seller.id)
    services.create_order(order_data(customer, seller, product), seller)
    db.session.commit()
    auth.login(seller)
    rows = client.get("/orders/data?q=净化器").get_json()["data"]
    assert [row["customer"] for row in rows] == ["李雷"] and rows[0]["product"] == PRODUCT_NAME
    assert client.get("/orders/data?q=不存在的产品").get_json()["data"] == []
    auth.logout()
    auth.login(other)
    assert client.get("/orders/data").get_json()["data"] == []


def test_order_form_page_and_pdf(admin_client, make_customer, admin, product, app):
    customer = make_customer("韩梅梅")
    response = admin_client.post(
        "/orders/new",
        data={
            "customer_id": str(customer.id),
            "seller_id": str(admin.id),
            "order_date": "2026-03-06",
            "line_product_id": [str(product.id)],
            "line_quantity": ["1"],
            "line_unit_price": ["1999"],
            "line_discount": [""],
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    order = db.session.scalar(select(Order).where(Order.customer_id == customer.id))
    assert stock_of(product) == 9
    app.config["COMPANY_NAME"] = "北京坐席科技有限公司"
    try:
        pdf = admin_client.get(f"/orders/{order.id}/pdf")
    finally:
        app.config["COMPANY_NAME"] = ""
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf.data, capture_output=True, check=True).stdout.decode()
    assert PRODUCT_NAME in text and "北京坐席科技有限公司" in text and order.number in text


def test_order_files_are_checked(admin_client, make_customer, admin, product):
    import io

    order = services.create_order(order_data(make_customer(), admin, product), admin)
    db.session.commit()
    fake = admin_client.post(
        f"/orders/{order.id}/files", data={"file": (io.BytesIO(b"<html>"), "合同.pdf")}, follow_redirects=True
    )
    assert "内容与扩展名不符" in fake.get_data(as_text=True)
    good = admin_client.post(
        f"/orders/{order.id}/files", data={"file": (io.BytesIO(b"%PDF-1.4 test"), "合同.pdf")}, follow_redirects=True
    )
    assert "合同.pdf" in good.get_data(as_text=True)
    db.session.expire_all()
    item = db.session.get(Order, order.id).files[0]
    download = admin_client.get(f"/orders/files/{item.id}")
    assert download.status_code == 200 and download.data.startswith(b"%PDF-")

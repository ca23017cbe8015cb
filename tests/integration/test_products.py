"""Products, stock changes, low-stock reminders and purchases, through the services and the pages."""

from decimal import Decimal

import pytest
from sqlalchemy import select

from app.errors import ValidationError
from app.extensions import db
from app.products import services
from app.products.models import Product
from app.products.stock import change_stock
from app.reminders.models import Reminder


@pytest.fixture
def make_product():
    def factory(code="P001", name="无线耳机", stock=10, threshold=0, price="99.00", **fields):
        product = services.create_product(
            {
                "code": code,
                "name": name,
                "stock": stock,
                "low_stock_threshold": threshold,
                "sale_price": price,
                **fields,
            },
            None,
        )
        db.session.commit()
        return product

    return factory


def test_product_validation_names_the_fields(make_product):
    make_product(code="A1")
    with pytest.raises(ValidationError) as error:
        services.create_product({"code": "a1", "name": "", "sale_price": "abc", "stock": "-1"}, None)
    assert set(error.value.errors) == {"编号", "名称", "售价", "库存"}
    assert "A1" in error.value.errors["编号"] or "a1" in error.value.errors["编号"]


def test_stock_never_goes_below_zero_and_names_the_product(make_product):
    product = make_product(stock=2)
    assert change_stock(product.id, -2, "test") == 0
    db.session.commit()
    with pytest.raises(ValidationError) as error:
        change_stock(product.id, -1, "test")
    assert "库存不足" in error.value.message and "无线耳机" in error.value.message
    db.session.rollback()
    assert db.session.get(Product, product.id).stock == 0


def test_negative_stock_allowed_by_setting(app, make_product):
    product = make_product(stock=1)
    app.config["ALLOW_NEGATIVE_STOCK"] = True
    try:
        assert change_stock(product.id, -3, "test") == -2
    finally:
        app.config["ALLOW_NEGATIVE_STOCK"] = False


def test_low_stock_reminder_once_per_crossing(make_product, make_user, make_role):
    keeper = make_user("keeper", role=make_role(permissions=["product.view", "product.low_stock"]))
    bystander = make_user("bystander", role=make_role(permissions=["product.view"]))
    product = make_product(stock=10, threshold=5)

    def reminders(user):
        return list(
            db.session.scalars(select(Reminder).where(Reminder.user_id == user.id, Reminder.kind == "low_stock"))
        )

    change_stock(product.id, -4, "sale")  # 6: above the threshold
    assert reminders(keeper) == []
    change_stock(product.id, -1, "sale")  # 5: crossed
    change_stock(product.id, -1, "sale")  # 4: still below, no second reminder
    db.session.commit()
    assert len(reminders(keeper)) == 1 and "无线耳机" in reminders(keeper)[0].title
    assert reminders(bystander) == []
    change_stock(product.id, 10, "restock")
    change_stock(product.id, -10, "sale")  # a new crossing
    db.session.commit()
    assert len(reminders(keeper)) == 2


def purchase_data(product, buyer, quantity="5", price="20.5"):
    return {
        "supplier": "深圳华强电子",
        "buyer_id": str(buyer.id),
        "purchase_date": "2026-03-01",
        "lines": [{"product_id": str(product.id), "quantity": quantity, "unit_price": price}, {}],
    }


def test_purchase_totals_and_receiving_raises_stock_once(make_product, admin):
    product = make_product(stock=1)
    purchase = services.create_purchase(purchase_data(product, admin), admin)
    db.session.commit()
    assert purchase.number.startswith("CG") and purchase.number.endswith("-0001")
    assert purchase.total == Decimal("102.50")
    services.receive_purchase(purchase.id, admin)
    db.session.commit()
    assert db.session.get(Product, product.id).stock == 6
    assert purchase.state.label == "已收货"
    with pytest.raises(ValidationError, match="已经收过货"):
        services.receive_purchase(purchase.id, admin)
    db.session.rollback()
    assert db.session.get(Product, product.id).stock == 6
    second = services.create_purchase(purchase_data(product, admin), admin)
    assert second.number.endswith("-0002")


def test_purchase_lines_validated_per_row(make_product, admin):
    product = make_product()
    data = purchase_data(product, admin, quantity="0", price="")
    data["lines"].append({"product_id": "999999", "quantity": "1", "unit_price": "1"})
    data["supplier"] = ""
    with pytest.raises(ValidationError) as error:
        services.create_purchase(data, admin)
    assert {"供应商", "第1行 数量", "第1行 单价", "第3行 产品"} <= set(error.value.errors)


def test_pages_create_product_and_receive_purchase(admin_client, make_product):
    response = admin_client.post(
        "/products/new", data={"code": "K-9", "name": "机械键盘", "sale_price": "299", "stock": "3"}
    )
    assert response.status_code == 302
    product = db.session.scalar(select(Product).where(Product.code == "K-9"))
    assert product.sale_price == Decimal("299.00")
    grid = admin_client.get("/products/data?q=机械").get_json()
    assert [row["name"] for row in grid["data"]] == ["机械键盘"]

    page = admin_client.get("/products/purchases/new")
    assert page.status_code == 200 and "机械键盘" in page.get_data(as_text=True)
    response = admin_client.post(
        "/products/purchases/new",
        data={
            "supplier": "供应商甲",
            "buyer_id": "",
            "purchase_date": "2026-03-02",
            "line_product_id": [str(product.id)],
            "line_quantity": ["2"],
            "line_unit_price": ["100"],
        },
    )
    assert response.status_code == 400 and "采购员" in response.get_data(as_text=True)
    from app.auth.models import User

    admin_id = db.session.scalar(select(User.id).where(User.username == "root"))
    response = admin_client.post(
        "/products/purchases/new",
        data={
            "supplier": "供应商甲",
            "buyer_id": str(admin_id),
            "purchase_date": "2026-03-02",
            "line_product_id": [str(product.id)],
            "line_quantity": ["2"],
            "line_unit_price": ["100"],
        },
    )
    assert response.status_code == 302
    detail_url = response.headers["Location"]
    assert admin_client.post(detail_url + "/receive").status_code == 302
    db.session.expire_all()
    assert db.session.get(Product, product.id).stock == 5
    assert "已经收过货" in admin_client.post(detail_url + "/receive", follow_redirects=True).get_data(as_text=True)

"""Staff profiles: validation naming the field, CRUD through the pages, the grid, linked orders, birthdays."""

from datetime import date

import pytest

from app.errors import ValidationError
from app.extensions import db
from app.staff import services
from app.staff.models import Employee


def test_bad_input_names_every_field_and_writes_nothing():
    with pytest.raises(ValidationError) as caught:
        services.save_employee(
            {"name": "", "email": "not-an-email", "birthday": "1990-02-30", "phone": "abc", "department_id": "999"}
        )
    assert set(caught.value.errors) == {"姓名", "邮箱", "生日", "电话", "部门"}
    db.session.rollback()
    assert db.session.query(Employee).count() == 0


def test_a_login_account_links_to_one_employee_only(make_user):
    user = make_user("sales1")
    services.save_employee({"name": "张伟", "user_id": user.id})
    with pytest.raises(ValidationError) as caught:
        services.save_employee({"name": "李娜", "user_id": user.id})
    assert "张伟" in caught.value.errors["登录账号"]


def test_create_edit_delete_through_the_pages(admin_client):
    response = admin_client.post("/staff/new", data={"name": ""})
    assert response.status_code == 400 and "必填" in response.get_data(as_text=True)
    response = admin_client.post(
        "/staff/new", data={"name": "王芳", "gender": "F", "birthday": "1990-05-06", "title": "客服主管"}
    )
    assert response.status_code == 302
    employee = db.session.query(Employee).one()
    assert (employee.name, employee.birthday, employee.title) == ("王芳", date(1990, 5, 6), "客服主管")
    page = admin_client.get(f"/staff/{employee.id}").get_data(as_text=True)
    assert "客服主管" in page and "没有关联登录账号" in page
    admin_client.post(f"/staff/{employee.id}/edit", data={"name": "王芳", "title": "客服经理"})
    assert db.session.get(Employee, employee.id).title == "客服经理"
    rows = admin_client.get("/staff/data").get_json()
    assert [row["name"] for row in rows["data"]] == ["王芳"]
    admin_client.post(f"/staff/{employee.id}/delete")
    assert db.session.query(Employee).count() == 0


def test_permissions(client, auth, make_user, make_role):
    employee = services.save_employee({"name": "赵强"})
    db.session.commit()
    auth.login(make_user("viewer", role=make_role(permissions=["staff.view"])))
    assert client.get(f"/staff/{employee.id}").status_code == 200
    assert client.post("/staff/new", data={"name": "x"}).status_code == 403
    assert client.post(f"/staff/{employee.id}/delete").status_code == 403
    assert client.get("/staff/export").status_code == 403


def test_orders_credited_to_the_employee(make_user, make_customer):
    order_models = pytest.importorskip("app.orders.models")
    user, other = make_user("seller"), make_user("seller2")
    customer = make_customer("北京远航科技")
    db.session.add_all(
        [
            order_models.Order(number="SO-TEST-1", customer_id=customer.id, seller_id=user.id, order_date=date.today()),
            order_models.Order(
                number="SO-TEST-2", customer_id=customer.id, seller_id=other.id, order_date=date.today()
            ),
        ]
    )
    employee = services.save_employee({"name": "孙磊", "user_id": user.id})
    unlinked = services.save_employee({"name": "周杰"})
    assert [o.number for o in services.employee_orders(employee)] == ["SO-TEST-1"]
    assert services.employee_orders(unlinked) == []


def test_upcoming_birthdays_wrap_the_year():
    services.save_employee({"name": "元旦生", "birthday": "1990-01-02"})
    services.save_employee({"name": "年中生", "birthday": "1990-06-15"})
    found = services.upcoming_birthdays(date(2024, 12, 30), days=7)
    assert [(e.name, day) for e, day in found] == [("元旦生", date(2025, 1, 2))]

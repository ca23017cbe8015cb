"""不录音 from a customer's detail page: managers of the no-record list mark and unmark a customer's
number there, by the phone's id, with the number masked for users who may not see it."""

import re

import pytest
from sqlalchemy import select

from app.audit.models import AuditLog
from app.customers.models import CustomerPhone
from app.extensions import db
from app.telephony.models_config import NoRecordNumber
from app.telephony.routing import should_record

VIEW = ["customer.view", "customer.query_all"]


@pytest.fixture
def login_with(client, auth, make_user, make_role):
    def factory(permissions, hide_numbers=False, data_scope="all"):
        role = make_role(permissions=permissions, data_scope=data_scope, hide_numbers=hide_numbers)
        user = make_user(role=role)
        assert auth.login(user).status_code == 302
        return user

    return factory


def _phone(customer) -> CustomerPhone:
    return db.session.scalar(select(CustomerPhone).where(CustomerPhone.customer_id == customer.id))


def _listed() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(NoRecordNumber.number)))


def _toggle_form(page: str, phone_id: int) -> str:
    match = re.search(rf'<form[^>]*action="/phone/blacklist/no-record/phone/{phone_id}"[^>]*>.*?</form>', page, re.S)
    assert match, "no 不录音 button for the phone"
    return match.group(0)


def test_manager_marks_and_unmarks_a_customers_number(client, login_with, make_customer):
    user = login_with(VIEW + ["blacklist.manage"])
    customer = make_customer("不录音客户", phones=["138-1234-5678"])
    phone = _phone(customer)
    page = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert "设为不录音" in _toggle_form(page, phone.id)

    response = client.post(f"/phone/blacklist/no-record/phone/{phone.id}", data={"no_record": "1"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/customers/{customer.id}#phones")
    assert _listed() == ["13812345678"]  # the normalized number, as the admin page stores it
    assert not should_record(None, "+86 138 1234 5678")  # calls with the number are no longer recorded
    added = db.session.scalar(select(AuditLog).where(AuditLog.entity == NoRecordNumber.__tablename__))
    assert added.action == "create" and added.user_id == user.id

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已加入不录音号码。" in page and "恢复录音" in _toggle_form(page, phone.id)
    # the admin page lists it too
    listed = client.get("/phone/blacklist/no-record/data").get_json()["data"]
    assert [row["number"] for row in listed] == ["13812345678"]

    client.post(f"/phone/blacklist/no-record/phone/{phone.id}", data={"no_record": "1"})
    assert _listed() == ["13812345678"]  # marking twice keeps one entry

    client.post(f"/phone/blacklist/no-record/phone/{phone.id}", data={"no_record": "0"})
    assert _listed() == []
    assert should_record(None, "13812345678")
    actions = db.session.scalars(
        select(AuditLog.action).where(AuditLog.entity == NoRecordNumber.__tablename__).order_by(AuditLog.id)
    )
    assert list(actions) == ["create", "delete"]


def test_masked_manager_toggles_without_seeing_the_number(client, login_with, make_customer):
    login_with(VIEW + ["blacklist.manage"], hide_numbers=True)
    customer = make_customer("隐号不录音", phones=["13912345678"])
    phone = _phone(customer)
    page = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert "139****5678" in page and "13912345678" not in page
    assert "13912345678" not in _toggle_form(page, phone.id)

    response = client.post(f"/phone/blacklist/no-record/phone/{phone.id}", data={"no_record": "1"})
    assert _listed() == ["13912345678"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已加入不录音号码。" in page and "13912345678" not in page
    # nor on the list's own page, where the whole number still finds it
    listed = client.get("/phone/blacklist/no-record/data", query_string={"q": "13912345678"}).get_json()["data"]
    assert [row["number"] for row in listed] == ["139****5678"]
    export = client.get("/phone/blacklist/no-record/export", query_string={"format": "csv"}).get_data(as_text=True)
    assert "139****5678" in export and "13912345678" not in export


def test_without_the_permission_there_is_no_button_and_the_post_is_refused(client, login_with, make_customer):
    login_with(VIEW)
    customer = make_customer("普通客户", phones=["13712345678"])
    phone = _phone(customer)
    page = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert "设为不录音" not in page
    response = client.post(f"/phone/blacklist/no-record/phone/{phone.id}", data={"no_record": "1"})
    assert response.status_code == 403 and _listed() == []


def test_a_customer_outside_the_users_scope_is_not_found(client, login_with, make_customer, make_user):
    login_with(["customer.view", "blacklist.manage"], data_scope="own")
    other = make_user("someone")
    customer = make_customer("别人的客户", phones=["13612345678"], owner_id=other.id)
    assert customer.owner_id == other.id
    assert client.get(f"/customers/{customer.id}").status_code == 404
    phone = _phone(customer)
    response = client.post(f"/phone/blacklist/no-record/phone/{phone.id}", data={"no_record": "1"})
    assert response.status_code == 404 and _listed() == []
    assert client.post("/phone/blacklist/no-record/phone/999999", data={"no_record": "1"}).status_code == 404


def test_marking_needs_the_csrf_token(client, login_with, make_customer):
    login_with(VIEW + ["blacklist.manage"])
    phone = _phone(make_customer("防伪客户", phones=["13512345678"]))
    response = client.post(f"/phone/blacklist/no-record/phone/{phone.id}", data={"no_record": "1"}, csrf=False)
    assert response.status_code == 400 and _listed() == []

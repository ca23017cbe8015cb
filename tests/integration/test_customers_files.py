"""Follow-ups and attached files through the pages: checks on type, size, content and who may download."""

import io
import os

import pytest
from sqlalchemy import select

from app.customers.models import Customer, CustomerFile, FollowUp
from app.extensions import db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\n1 0 obj\n"


def upload(client, customer_id, name, content):
    return client.post(
        f"/customers/{customer_id}/files",
        data={"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


@pytest.fixture
def customer(make_customer, admin):
    return make_customer("附件客户", user=admin, phones=["13812345678"])


def test_upload_and_download(app, admin_client, customer):
    page = upload(admin_client, customer.id, "合同.pdf", PDF).get_data(as_text=True)
    assert "合同.pdf" in page
    item = db.session.scalar(select(CustomerFile).where(CustomerFile.customer_id == customer.id))
    assert item.stored_name.endswith(".pdf") and "合同" not in item.stored_name
    assert os.path.exists(os.path.join(app.config["UPLOAD_DIR"], "customers", item.stored_name))
    response = admin_client.get(f"/customers/files/{item.id}")
    assert response.data == PDF
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("evil.html", b"<script>alert(1)</script>", "不允许上传此类型的文件"),
        ("photo.png", b"<html><script>alert(1)</script>", "内容与扩展名不符"),
        ("doc.pdf", PNG, "内容与扩展名不符"),
        ("empty.txt", b"", "是空的"),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_kept(app, admin_client, customer, name, content, message):
    folder = os.path.join(app.config["UPLOAD_DIR"], "customers")
    os.makedirs(folder, exist_ok=True)
    before = set(os.listdir(folder))
    page = upload(admin_client, customer.id, name, content).get_data(as_text=True)
    assert message in page
    assert db.session.scalar(select(CustomerFile).where(CustomerFile.customer_id == customer.id)) is None
    assert set(os.listdir(folder)) == before


def test_too_large_upload_is_refused(app, admin_client, customer):
    app.config["UPLOAD_MAX_BYTES"] = 1000
    try:
        page = upload(admin_client, customer.id, "big.png", PNG + b"\x00" * 2000).get_data(as_text=True)
    finally:
        app.config["UPLOAD_MAX_BYTES"] = 20 * 1024 * 1024
    assert "超过" in page
    assert db.session.scalar(select(CustomerFile).where(CustomerFile.customer_id == customer.id)) is None


def test_only_users_who_see_the_customer_can_download(client, auth, admin_client, customer, make_user, make_role):
    upload(admin_client, customer.id, "photo.png", PNG)
    item = db.session.scalar(select(CustomerFile).where(CustomerFile.customer_id == customer.id))
    auth.logout()
    outsider = make_user("outsider", role=make_role(permissions=["customer.view"], data_scope="own"))
    auth.login(outsider)
    assert client.get(f"/customers/files/{item.id}").status_code == 404
    assert client.get(f"/customers/{customer.id}").status_code == 404


def test_followup_with_file_updates_last_contact(admin_client, customer, param_id):
    response = admin_client.post(
        f"/customers/{customer.id}/followups",
        data={
            "type_id": param_id("followup_type", "电话沟通"),
            "channel_id": param_id("followup_channel", "电话"),
            "content": "客户想要报价单",
            "next_remind_at": "2030-05-06T14:30",
            "files": (io.BytesIO(PNG), "截图.png"),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    text = response.get_data(as_text=True)
    assert "客户想要报价单" in text and "截图.png" in text and "2030-05-06 14:30" in text
    followup = db.session.scalar(select(FollowUp).where(FollowUp.customer_id == customer.id))
    assert followup.next_remind_at.isoformat() == "2030-05-06T06:30:00"  # stored in UTC
    assert db.session.get(Customer, customer.id).last_contact_at is not None
    assert [f.original_name for f in followup.files] == ["截图.png"]


def test_followup_without_content_is_refused(admin_client, customer):
    text = admin_client.post(
        f"/customers/{customer.id}/followups", data={"content": " "}, follow_redirects=True
    ).get_data(as_text=True)
    assert "请填写来往内容" in text
    assert db.session.scalar(select(FollowUp).where(FollowUp.customer_id == customer.id)) is None


def test_followup_query_is_scoped(client, auth, admin_client, customer, make_user, make_role, make_customer):
    from app.customers.followups import add_followup

    agent = make_user("agent", role=make_role(permissions=["customer.view", "followup.view", "followup.add"]))
    mine = make_customer("坐席客户", user=agent)
    from app.auth.models import User

    add_followup(customer, {"content": "管理员记录"}, db.session.get(User, customer.owner_id))
    add_followup(mine, {"content": "坐席记录"}, agent)
    db.session.commit()
    everything = [r["content"] for r in admin_client.get("/customers/followups/data").get_json()["data"]]
    assert sorted(everything) == ["坐席记录", "管理员记录"]
    auth.logout()
    auth.login(agent)
    assert [r["content"] for r in client.get("/customers/followups/data").get_json()["data"]] == ["坐席记录"]
    assert client.get("/customers/followups").status_code == 200

"""User management: create with a one-time password, validation, enable/disable, reset, superuser, delete."""

import re

import pytest
from sqlalchemy import select

from app.audit.models import AuditLog
from app.auth.models import Department, User
from app.auth.passwords import verify_password
from app.customers.models import Customer
from app.errors import ValidationError
from app.extensions import db, socketio
from app.sockets import emit_to_user
from app.system import users

FORM = {"username": "agent01", "display_name": "张三", "extension": "8001", "mobile": "138 0013 8000"}


def one_time_password(page: str) -> str:
    match = re.search(r'id="one-time-password"[^>]*>([^<]+)<', page)
    assert match, "no one-time password on the page"
    return match.group(1)


def test_create_user_shows_a_one_time_password_that_must_be_changed(admin_client, client, auth):
    department = db.session.scalar(select(Department).where(Department.name == "客服部"))
    response = admin_client.post("/system/users/new", data={**FORM, "department_id": department.id})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    password = one_time_password(response.get_data(as_text=True))

    user = db.session.scalar(select(User).where(User.username == "agent01"))
    assert user.department_id == department.id and user.mobile == "13800138000"
    assert user.must_change_password and verify_password(user.password_hash, password)

    auth.logout()
    assert auth.login("agent01", password).headers["Location"].endswith("/account/password")


def test_create_user_names_every_bad_field_and_writes_nothing(admin_client, admin):
    db.session.execute(db.update(User).where(User.id == admin.id).values(extension="8001"))
    db.session.commit()
    bad = {"username": "ROOT", "display_name": "", "extension": "80a1", "mobile": "12345", "lock_limit": "-3"}
    response = admin_client.post("/system/users/new", data=bad)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    for label in ("登录名", "姓名", "分机号", "手机号", "锁定客户上限"):
        assert label in page
    assert "已被使用" in page  # ROOT clashes with root, case-insensitively
    assert db.session.scalar(select(db.func.count(User.id))) == 1

    with pytest.raises(ValidationError) as excinfo:
        users.create_user(admin, {**FORM, "extension": "8001"})
    assert "分机号" in excinfo.value.errors and "root" in excinfo.value.errors["分机号"]


def test_username_allows_only_safe_characters(admin):
    for name in ("a", "张三", "bad name", "<x>", "-lead"):
        with pytest.raises(ValidationError) as excinfo:
            users.create_user(admin, {**FORM, "username": name})
        assert "登录名" in excinfo.value.errors


def test_edit_user_changes_fields_and_is_audited(admin_client, make_user):
    agent = make_user("agent02", display_name="李四")
    response = admin_client.post(
        f"/system/users/{agent.id}/edit",
        data={"username": "agent02", "display_name": "李四四", "lock_limit": "50", "lock_days": "7"},
    )
    assert response.status_code == 302
    db.session.refresh(agent)
    assert (agent.display_name, agent.lock_limit, agent.lock_days) == ("李四四", 50, 7)
    entry = db.session.scalar(select(AuditLog).where(AuditLog.entity == "user", AuditLog.action == "update"))
    assert entry.changes["display_name"] == ["李四", "李四四"]
    assert entry.user_name == "管理员"


def test_cannot_disable_yourself(admin_client, admin):
    response = admin_client.post(f"/system/users/{admin.id}/enabled", data={"enabled": "0"}, follow_redirects=True)
    assert "不能停用自己的账号" in response.get_data(as_text=True)
    db.session.refresh(admin)
    assert admin.enabled


def test_last_enabled_superuser_is_kept(admin, make_user):
    helper = make_user("helper", superuser=True)
    users.set_enabled(admin, helper, False)
    with pytest.raises(ValidationError) as excinfo:
        users.set_superuser(admin, admin, False)
    assert "最后一个" in excinfo.value.message
    with pytest.raises(ValidationError) as excinfo:
        users.delete_user(helper, admin)
    assert "最后一个" in excinfo.value.message


def test_disabled_user_is_signed_out_and_cannot_sign_in(app, admin_client, make_user, auth):
    agent = make_user("agent03")
    agent_client = app.test_client()
    agent_client.post("/login", data={"username": "agent03", "password": "Passw0rd-test"})
    assert agent_client.get("/").status_code == 200

    admin_client.post(f"/system/users/{agent.id}/enabled", data={"enabled": "0"})
    assert agent_client.get("/").status_code == 302
    response = agent_client.post("/login", data={"username": "agent03", "password": "Passw0rd-test"})
    assert "账号已停用" in response.get_data(as_text=True)


def test_admin_reset_password_ends_the_users_sessions(app, admin_client, make_user):
    agent = make_user("agent04")
    agent_client = app.test_client()
    agent_client.post("/login", data={"username": "agent04", "password": "Passw0rd-test"})
    assert agent_client.get("/").status_code == 200

    response = admin_client.post(f"/system/users/{agent.id}/reset-password")
    password = one_time_password(response.get_data(as_text=True))
    assert agent_client.get("/").status_code == 302
    db.session.refresh(agent)
    assert agent.must_change_password and verify_password(agent.password_hash, password)
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "password_reset"))
    assert entry.entity_id == str(agent.id)
    assert agent.password_hash not in str(entry.changes) and password not in str(entry.changes)


@pytest.mark.parametrize("action", ["enabled", "reset-password"])
def test_disabling_or_resetting_drops_the_users_open_sockets(app, admin_client, make_user, action):
    agent = make_user("agent05")
    agent_client = app.test_client()
    agent_client.post("/login", data={"username": "agent05", "password": "Passw0rd-test"})
    tab = socketio.test_client(app, flask_test_client=agent_client)
    assert tab.is_connected()
    tab.get_received()

    admin_client.post(f"/system/users/{agent.id}/{action}", data={"enabled": "0"})

    assert [event["name"] for event in tab.get_received()] == ["session_ended"]
    with app.app_context():
        emit_to_user(agent.id, "notify", {"title": "提醒"})
    assert tab.get_received() == []


def test_only_a_superuser_grants_superuser_or_touches_one(admin, make_user, make_role):
    manager = make_user("manager", role=make_role(permissions=["system.users"]))
    with pytest.raises(ValidationError):
        users.create_user(manager, FORM, superuser=True)
    with pytest.raises(ValidationError):
        users.admin_reset_password(manager, admin)
    with pytest.raises(ValidationError):
        users.update_user(manager, admin, {"username": "root", "display_name": "被改"})
    agent, _password = users.create_user(admin, FORM, superuser=True)
    assert agent.is_superuser


def test_non_superuser_form_cannot_smuggle_the_superuser_flag(client, auth, make_user, make_role):
    manager = make_user("manager", role=make_role(permissions=["system.users"]))
    auth.login(manager)
    response = client.post("/system/users/new", data={**FORM, "is_superuser": "1"})
    assert response.status_code == 200
    assert db.session.scalar(select(User.is_superuser).where(User.username == "agent01")) is False


def test_user_with_customers_is_disabled_not_deleted(admin_client, make_user):
    agent = make_user("agent05")
    db.session.add(Customer(name="客户甲", owner_id=agent.id, created_by_id=agent.id))
    db.session.commit()
    response = admin_client.post(f"/system/users/{agent.id}/delete", follow_redirects=True)
    assert "1 个客户" in response.get_data(as_text=True) and "停用" in response.get_data(as_text=True)
    assert db.session.get(User, agent.id) is not None


def test_user_without_data_is_deleted(admin_client, make_user):
    agent = make_user("agent06")
    agent_id = agent.id
    response = admin_client.post(f"/system/users/{agent_id}/delete")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, agent_id) is None
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "delete", AuditLog.entity_id == str(agent_id)))


def test_user_edit_page_escapes_the_name(admin_client, make_user):
    agent = make_user("agent07", display_name="<script>alert(1)</script>")
    page = admin_client.get(f"/system/users/{agent.id}/edit").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_missing_user_is_404(admin_client):
    assert admin_client.get("/system/users/999999/edit").status_code == 404


def test_user_grid_lists_department_role_and_flags(admin_client, make_user, make_role):
    department = db.session.scalar(select(Department).where(Department.name == "销售部"))
    make_user("agent08", display_name="孙九", role=make_role("销售员"), department_id=department.id, extension="8008")
    response = admin_client.get("/system/users/data", query_string={"q": "agent08"})
    [row] = response.get_json()["data"]
    assert (row["department"], row["role"], row["extension"]) == ("销售部", "销售员", "8008")
    assert row["enabled"] is True and row["is_superuser"] is False
    page = admin_client.get("/system/users").get_data(as_text=True)
    assert "/system/users/data" in page and "新增用户" in page


# -- the phone under the old extension stops taking calls at once -----------------------------------


def _flushed(fake_switch) -> list[str]:
    return [c for c in fake_switch.commands if "flush_inbound_reg" in c]


def test_disabling_a_user_drops_their_phones_registration(admin_client, make_user, fake_switch, switchboard):
    agent = make_user("phone01", extension="8021")
    fake_switch.respond("sofia profile internal flush_inbound_reg", "+OK\n")
    response = admin_client.post(f"/system/users/{agent.id}/enabled", data={"enabled": "0"})
    assert response.status_code == 302
    assert _flushed(fake_switch) == ["api sofia profile internal flush_inbound_reg 8021@127.0.0.1"]
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "账号已停用" in page and "交换机未连接:话机" not in page

    fake_switch.commands.clear()
    admin_client.post(f"/system/users/{agent.id}/enabled", data={"enabled": "1"})
    assert _flushed(fake_switch) == []  # enabling leaves the phone to register again by itself


def test_changing_an_extension_drops_the_old_one_only(admin_client, make_user, fake_switch, switchboard):
    agent = make_user("phone02", extension="8022", display_name="坐席二二")
    fake_switch.respond("sofia profile internal flush_inbound_reg", "+OK\n")
    form = {"username": "phone02", "display_name": "坐席二二", "extension": "8022"}
    assert admin_client.post(f"/system/users/{agent.id}/edit", data=form).status_code == 302
    assert _flushed(fake_switch) == []  # same extension: the phone keeps its registration

    response = admin_client.post(f"/system/users/{agent.id}/edit", data={**form, "extension": "8032"})
    assert response.status_code == 302
    assert db.session.get(User, agent.id).extension == "8032"
    assert _flushed(fake_switch) == ["api sofia profile internal flush_inbound_reg 8022@127.0.0.1"]


def test_deleting_a_user_drops_their_phones_registration(admin_client, make_user, fake_switch, switchboard):
    agent = make_user("phone03", extension="8023")
    fake_switch.respond("sofia profile internal flush_inbound_reg", "+OK\n")
    response = admin_client.post(f"/system/users/{agent.id}/delete")
    assert response.status_code == 302 and db.session.get(User, agent.id) is None
    assert _flushed(fake_switch) == ["api sofia profile internal flush_inbound_reg 8023@127.0.0.1"]


def test_refused_delete_sends_nothing_to_the_switch(admin_client, admin, make_user, fake_switch, switchboard):
    owner = make_user("phone04", extension="8024")
    db.session.add(Customer(name="有主客户", owner_id=owner.id))
    db.session.commit()
    response = admin_client.post(f"/system/users/{owner.id}/delete")
    assert response.status_code == 302 and db.session.get(User, owner.id) is not None
    assert _flushed(fake_switch) == []


def test_without_a_switch_the_admin_is_told_the_old_registration_lasts(admin_client, make_user):
    agent = make_user("phone05", extension="8025")
    response = admin_client.post(f"/system/users/{agent.id}/enabled", data={"enabled": "0"})
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "交换机未连接:话机原有的注册到期前仍然有效。" in page

    other = make_user("phone06", extension="")
    response = admin_client.post(f"/system/users/{other.id}/enabled", data={"enabled": "0"})
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "交换机未连接:话机" not in page  # no extension, no phone to drop

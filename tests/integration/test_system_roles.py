"""Roles: the permission matrix, data scope, number hiding, visible categories, unknown codes, deletion."""

from sqlalchemy import select

from app.audit.models import AuditLog
from app.auth.models import Role
from app.extensions import db
from app.fields.models import ParamItem


def _category_ids(n=2):
    return list(
        db.session.scalars(select(ParamItem.id).where(ParamItem.kind == "customer_category").order_by(ParamItem.id))
    )[:n]


def test_role_editor_shows_every_permission_group(admin_client):
    page = admin_client.get("/system/roles/new").get_data(as_text=True)
    for text in ("系统", "用户管理", "角色权限", "可见客户分类", "一般客户", "数据范围", "隐藏客户号码"):
        assert text in page
    assert 'value="system.users"' in page


def test_create_role_with_permissions_scope_and_categories(admin_client):
    categories = _category_ids()
    response = admin_client.post(
        "/system/roles/new",
        data={
            "name": "质检",
            "description": "只看不改",
            "data_scope": "department",
            "hide_numbers": "1",
            "permissions": ["system.logs", "system.users"],
            "customer_categories": [str(c) for c in categories],
        },
    )
    assert response.status_code == 302
    role = db.session.scalar(select(Role).where(Role.name == "质检"))
    assert role.data_scope == "department" and role.hide_numbers
    assert set(role.permissions) == {"system.logs", "system.users"}
    assert role.customer_categories == sorted(categories)
    listing = admin_client.get("/system/roles").get_data(as_text=True)
    assert "质检" in listing and "本部门" in listing
    assert db.session.scalar(select(AuditLog).where(AuditLog.entity == "role", AuditLog.action == "create"))


def test_unknown_permission_code_is_rejected_and_nothing_saved(admin_client):
    response = admin_client.post(
        "/system/roles/new",
        data={"name": "越权", "data_scope": "all", "permissions": ["system.users", "system.everything"]},
    )
    assert response.status_code == 400
    assert "system.everything" in response.get_data(as_text=True)
    assert db.session.scalar(select(Role).where(Role.name == "越权")) is None


def test_bad_scope_duplicate_name_and_unknown_category_are_named(admin_client, make_role):
    make_role("坐席甲")
    response = admin_client.post(
        "/system/roles/new", data={"name": "坐席甲", "data_scope": "everyone", "customer_categories": ["999999"]}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    for label in ("角色名称", "数据范围", "可见客户分类"):
        assert label in page


def test_edit_role_unchecking_all_permissions_removes_them(admin_client, make_role):
    role = make_role("临时", permissions=["system.users"])
    admin_client.post(f"/system/roles/{role.id}/edit", data={"name": "临时", "data_scope": "own"})
    db.session.refresh(role)
    assert role.permissions == [] and role.customer_categories == []


def test_role_in_use_is_not_deleted(admin_client, make_role, make_user):
    role = make_role("在用")
    make_user("a1", role=role)
    make_user("a2", role=role)
    response = admin_client.post(f"/system/roles/{role.id}/delete", follow_redirects=True)
    assert "2 个用户" in response.get_data(as_text=True)
    assert db.session.get(Role, role.id) is not None


def test_unused_role_is_deleted(admin_client, make_role):
    role = make_role("闲置")
    role_id = role.id
    admin_client.post(f"/system/roles/{role_id}/delete")
    db.session.expire_all()
    assert db.session.get(Role, role_id) is None


def test_permissions_from_a_role_take_effect(client, auth, make_role, make_user):
    role = make_role(permissions=["system.departments"])
    auth.login(make_user("keeper", role=role))
    assert client.get("/system/departments").status_code == 200
    assert client.get("/system/roles").status_code == 403
    menu = client.get("/").get_data(as_text=True)
    assert 'href="/system/departments"' in menu and "/system/roles" not in menu

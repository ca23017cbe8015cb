"""Roles: the permission matrix, data scope, number hiding, visible categories, unknown codes, deletion,
and the roles list on the shared grid."""

import csv
import io
import json

from sqlalchemy import select

from app.audit.models import AuditLog
from app.auth.models import Role
from app.extensions import db
from app.fields.models import ParamItem


def _role_rows(client, **params):
    query = {k: (json.dumps(v) if isinstance(v, list) else v) for k, v in params.items()}
    response = client.get("/system/roles/data", query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


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
    [row] = _role_rows(admin_client, q="质检")["data"]
    assert row["name"] == "质检" and row["data_scope"] == "本部门" and row["permission_count"] == 2
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


def test_roles_grid_shows_scope_numbers_flag_and_counts(admin_client, make_role, make_user):
    busy = make_role("值班组长", permissions=["system.users", "system.logs", "calls.view"], data_scope="department")
    make_role("值班新人", permissions=["calls.view"], hide_numbers=True)
    for n in range(3):
        make_user(f"lead{n}", role=busy)
    page = admin_client.get("/system/roles").get_data(as_text=True)
    assert "/system/roles/data" in page and "/system/roles/export" in page and "/system/roles/{id}/edit" in page

    rows = {r["name"]: r for r in _role_rows(admin_client, q="值班")["data"]}
    assert rows["值班组长"]["user_count"] == 3 and rows["值班组长"]["permission_count"] == 3
    assert rows["值班组长"]["data_scope"] == "本部门" and rows["值班组长"]["hide_numbers"] is False
    assert rows["值班新人"]["user_count"] == 0 and rows["值班新人"]["hide_numbers"] is True

    by_users = _role_rows(admin_client, q="值班", sort=[{"field": "user_count", "dir": "desc"}])["data"]
    assert [r["name"] for r in by_users] == ["值班组长", "值班新人"]
    by_permissions = _role_rows(admin_client, q="值班", sort=[{"field": "permission_count", "dir": "asc"}])["data"]
    assert [r["name"] for r in by_permissions] == ["值班新人", "值班组长"]
    hiding = _role_rows(admin_client, q="值班", filter=[{"field": "hide_numbers", "op": "eq", "value": "1"}])["data"]
    assert [r["name"] for r in hiding] == ["值班新人"]
    department = _role_rows(admin_client, filter=[{"field": "data_scope", "op": "eq", "value": "department"}])
    assert "值班组长" in [r["name"] for r in department["data"]]
    assert all(r["data_scope"] == "本部门" for r in department["data"])


def test_roles_grid_pages(admin_client, make_role):
    for n in range(23):
        make_role(f"分页角色{n:02d}")
    first = _role_rows(admin_client, q="分页角色", size=20)
    assert first["total"] == 23 and first["last_page"] == 2 and first["data"][0]["name"] == "分页角色00"
    second = _role_rows(admin_client, q="分页角色", size=20, page=2)
    assert [r["name"] for r in second["data"]] == ["分页角色20", "分页角色21", "分页角色22"]


def test_roles_export_has_the_current_query(admin_client, make_role):
    make_role("导出甲", permissions=["system.users"], data_scope="all")
    make_role("导出乙")
    response = admin_client.get("/system/roles/export", query_string={"format": "csv", "q": "导出甲"})
    assert response.status_code == 200
    table = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert table[0] == ["角色名称", "说明", "数据范围", "隐藏客户号码", "权限数", "用户数"]
    assert table[1:] == [["导出甲", "", "全部", "否", "1", "0"]]


def test_role_edit_page_offers_deletion(admin_client, make_role):
    role = make_role("可删")
    page = admin_client.get(f"/system/roles/{role.id}/edit").get_data(as_text=True)
    assert f'action="/system/roles/{role.id}/delete"' in page


def test_roles_grid_needs_the_roles_permission(client, auth, make_role, make_user):
    auth.login(make_user("viewer", role=make_role(permissions=["system.users"])))
    assert client.get("/system/roles/data").status_code == 403
    assert client.get("/system/roles/export?format=csv").status_code == 403

"""Departments as a tree: add a child, rename, move without cycles, delete only when empty."""

import pytest
from sqlalchemy import select

from app.auth.models import Department
from app.errors import ValidationError
from app.extensions import db
from app.system import departments


def test_add_child_and_show_the_tree(admin_client):
    admin_client.post("/system/departments", data={"name": "华东区"})
    parent = db.session.scalar(select(Department).where(Department.name == "华东区"))
    admin_client.post("/system/departments", data={"name": "上海组", "parent_id": parent.id})
    child = db.session.scalar(select(Department).where(Department.name == "上海组"))
    assert child.parent_id == parent.id
    tree = [(d.name, depth) for d, depth, _n in departments.department_tree()]
    assert tree.index(("上海组", 1)) == tree.index(("华东区", 0)) + 1
    page = admin_client.get("/system/departments").get_data(as_text=True)
    assert "华东区" in page and "上海组" in page


def test_rename_and_sibling_clash(admin_client):
    a = departments.create_department("一组")
    departments.create_department("二组")
    db.session.commit()
    response = admin_client.post(f"/system/departments/{a.id}/rename", data={"name": "二组"}, follow_redirects=True)
    assert "已有名为" in response.get_data(as_text=True)
    admin_client.post(f"/system/departments/{a.id}/rename", data={"name": "甲组"})
    db.session.refresh(a)
    assert a.name == "甲组"


def test_move_refuses_cycles(admin_client):
    top = departments.create_department("总部")
    middle = departments.create_department("中层", top.id)
    leaf = departments.create_department("基层", middle.id)
    db.session.commit()
    with pytest.raises(ValidationError):
        departments.move_department(top, leaf.id)
    with pytest.raises(ValidationError):
        departments.move_department(top, top.id)
    response = admin_client.post(
        f"/system/departments/{top.id}/move", data={"parent_id": middle.id}, follow_redirects=True
    )
    assert "不能把部门移到" in response.get_data(as_text=True)
    db.session.refresh(top)
    assert top.parent_id is None

    admin_client.post(f"/system/departments/{leaf.id}/move", data={"parent_id": ""})
    db.session.refresh(leaf)
    assert leaf.parent_id is None


def test_delete_only_when_empty(admin_client, make_user):
    parent = departments.create_department("待删")
    child = departments.create_department("下级", parent.id)
    db.session.commit()
    make_user("member", department_id=child.id)

    page = admin_client.post(f"/system/departments/{parent.id}/delete", follow_redirects=True).get_data(as_text=True)
    assert "1 个下级部门" in page
    page = admin_client.post(f"/system/departments/{child.id}/delete", follow_redirects=True).get_data(as_text=True)
    assert "1 个用户" in page
    assert db.session.get(Department, child.id) is not None


def test_empty_department_is_deleted_and_blank_name_refused(admin_client):
    department = departments.create_department("空部门")
    db.session.commit()
    department_id = department.id
    admin_client.post(f"/system/departments/{department_id}/delete")
    db.session.expire_all()
    assert db.session.get(Department, department_id) is None
    page = admin_client.post("/system/departments", data={"name": "  "}, follow_redirects=True).get_data(as_text=True)
    assert "部门名称" in page

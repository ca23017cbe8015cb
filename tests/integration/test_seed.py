"""The defaults a new installation starts with are usable as they are."""

from sqlalchemy import select

from app.auth.models import Role
from app.extensions import db
from app.permissions import PERMISSIONS


def test_default_roles_grant_only_permissions_that_exist_and_admin_gets_them_all():
    roles = {role.name: role for role in db.session.scalars(select(Role))}
    for name in ("坐席", "组长", "管理员"):
        unknown = set(roles[name].permissions) - set(PERMISSIONS)
        assert not unknown, f"{name} grants unknown permissions {unknown}"
    assert set(roles["管理员"].permissions) == set(PERMISSIONS)
    assert "phone.use" in roles["坐席"].permissions and "customer.delete" not in roles["坐席"].permissions

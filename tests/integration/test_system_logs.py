"""The login log and audit log pages: local times, readable before → after, filters, permission."""

import json

from app.audit.models import AuditLog
from app.auth.models import LoginLog
from app.extensions import db
from app.timeutil import utcnow


def _grid(client, url, **params):
    query = {k: (json.dumps(v) if isinstance(v, list) else v) for k, v in params.items()}
    response = client.get(url, query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["data"]


def test_login_log_lists_attempts_in_local_time_and_filters_by_result(client, auth, admin):
    admin_client = client
    auth.login("root", "wrong-Passw0rd")
    db.session.add(
        LoginLog(at=utcnow().replace(hour=0, minute=30, second=0, microsecond=0), username="early", success=True)
    )
    db.session.commit()
    auth.login(admin)
    page = admin_client.get("/system/audit/logins").get_data(as_text=True)
    assert "登录日志" in page

    rows = _grid(admin_client, "/system/audit/logins/data", filter=[{"field": "success", "op": "eq", "value": "0"}])
    assert [r["reason"] for r in rows] == ["密码错误"]
    assert rows[0]["success"] is False and rows[0]["username"] == "root"

    early = _grid(admin_client, "/system/audit/logins/data", q="early")[0]
    assert early["at"].endswith("08:30:00")  # 00:30 UTC is 08:30 in Asia/Shanghai


def test_audit_log_shows_before_and_after_readably(admin_client, make_user):
    agent = make_user("agent09", display_name="王五")
    admin_client.post(
        f"/system/users/{agent.id}/edit", data={"username": "agent09", "display_name": "王六", "extension": "8009"}
    )
    rows = _grid(admin_client, "/system/audit/data", filter=[{"field": "entity", "op": "eq", "value": "user"}])
    update = next(r for r in rows if r["action"] == "修改")
    assert update["entity"] == "用户" and update["user_name"] == "管理员"
    assert "姓名: 王五 → 王六" in update["changes"]
    assert "分机号: (空) → 8009" in update["changes"]
    assert "password_hash" not in json.dumps(rows) and agent.password_hash not in json.dumps(rows)


def test_audit_log_text_search_finds_chinese_values_and_record_id(admin_client, make_user):
    agent = make_user("agent10", display_name="赵七")
    admin_client.post(f"/system/users/{agent.id}/edit", data={"username": "agent10", "display_name": "钱八"})
    found = _grid(admin_client, "/system/audit/data", q="钱八")
    assert any(r["entity_id"] == str(agent.id) and r["action"] == "修改" for r in found)
    by_id = _grid(
        admin_client, "/system/audit/data", filter=[{"field": "entity_id", "op": "eq", "value": str(agent.id)}]
    )
    assert by_id and all(r["entity_id"] == str(agent.id) for r in by_id)
    assert _grid(admin_client, "/system/audit/data", q="不存在的内容xyz") == []


def test_audit_log_password_change_is_noted_without_the_hash(client, auth, make_user):
    user = make_user("agent11", superuser=True)
    auth.login(user)
    client.post(
        "/account/password",
        data={
            "current_password": "Passw0rd-test",
            "new_password": "N3w-secret-pw",
            "confirm_password": "N3w-secret-pw",
        },
    )
    entry = db.session.query(AuditLog).filter_by(action="password_change", entity_id=str(user.id)).one()
    assert entry.changes == {} and "agent11" in entry.summary
    rows = _grid(client, "/system/audit/data", filter=[{"field": "action", "op": "eq", "value": "password_change"}])
    assert rows[0]["action"] == "修改密码"


def test_logs_need_the_logs_permission(client, auth, make_user, make_role):
    auth.login(make_user("nolog", role=make_role(permissions=["system.users"])))
    for url in ("/system/audit/", "/system/audit/data", "/system/audit/logins", "/system/audit/logins/data"):
        assert client.get(url).status_code == 403, url


def test_audit_page_and_export_render(admin_client):
    page = admin_client.get("/system/audit/").get_data(as_text=True)
    assert "操作审计" in page and "/system/audit/data" in page
    export = admin_client.get("/system/audit/logins/export?format=csv")
    assert export.status_code == 200 and "时间" in export.get_data(as_text=True)

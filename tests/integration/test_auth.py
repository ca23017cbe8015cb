from app.auth.models import LoginLog
from app.extensions import db


def test_login_shows_home_with_users_name(client, auth, admin):
    response = auth.login(admin)
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "管理员" in page


def test_wrong_password_is_refused_and_logged(client, auth, admin):
    response = auth.login(admin, "wrong-password1")
    assert response.status_code == 401
    assert "用户名或密码错误" in response.get_data(as_text=True)
    entry = db.session.query(LoginLog).order_by(LoginLog.id.desc()).first()
    assert entry.username == "root" and not entry.success


def test_post_without_csrf_token_is_rejected(client, auth, admin):
    auth.login(admin)
    response = client.post("/account/status", data={"status": "busy"}, csrf=False)
    assert response.status_code == 400

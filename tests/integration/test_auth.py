from app.auth.models import LoginLog
from app.extensions import db, socketio
from app.sockets import emit_to_user


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


def _copy_of_session(app, client):
    """A second browser holding a copy of `client`'s session cookie, as a thief would."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def test_signing_out_ends_a_copied_session_cookie(app, client, auth, admin):
    auth.login(admin)
    thief = _copy_of_session(app, client)
    assert thief.get("/").status_code == 200

    assert auth.logout().status_code == 302

    page = thief.get("/", follow_redirects=True)
    assert page.request.path == "/login"
    assert "请先登录" in page.get_data(as_text=True)
    api = thief.get("/reminders/count", headers={"Accept": "application/json"})
    assert api.status_code == 401 and api.get_json() == {"error": "请先登录。"}
    assert not socketio.test_client(app, flask_test_client=thief).is_connected()


def test_signing_out_drops_open_sockets_of_the_session(app, client, auth, make_user):
    user = make_user("sock_leaver")
    auth.login(user)
    thief = _copy_of_session(app, client)
    open_socket = socketio.test_client(app, flask_test_client=thief)
    assert open_socket.is_connected()
    open_socket.get_received()

    auth.logout()

    assert [e["name"] for e in open_socket.get_received()] == ["session_ended"]
    with app.app_context():
        emit_to_user(user.id, "notify", {"title": "来电 13812345678"})
    assert open_socket.get_received() == []
    open_socket.emit("ping_app", callback=True)  # its next message finds the session gone
    assert not open_socket.is_connected()


def test_signing_in_again_after_signing_out_works(client, auth, admin):
    auth.login(admin)
    auth.logout()
    assert auth.login(admin).status_code == 302
    assert client.get("/").status_code == 200


def test_a_page_without_session_redirects_to_login_and_back(client):
    response = client.get("/customers/?q=1")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/customers/?q%3D1"

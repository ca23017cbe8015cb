"""Account security as an attacker would probe it: hashes, lock-out, throttling, sessions, cookies, CSRF,
redirects and escaping."""

import os
from datetime import timedelta

import pytest
from sqlalchemy import text

from app.auth import throttle
from app.auth.models import User
from app.extensions import db, socketio
from app.timeutil import utcnow

TEST_PASSWORD = "Passw0rd-test"  # the make_user default (tests/conftest.py)
REDIS_URL = os.environ.get("ZUOXI_TEST_REDIS_URL") or "redis://127.0.0.1:6379/15"


def test_passwords_are_stored_as_argon2id_hashes(make_user):
    user = make_user("hashcheck", password="Plain-text-9")
    stored = db.session.execute(text('SELECT password_hash FROM "user" WHERE id = :id'), {"id": user.id}).scalar()
    assert stored.startswith("$argon2id$")
    assert "Plain-text-9" not in stored


def test_repeated_wrong_passwords_lock_the_account_until_the_time_passes(app, client, auth, make_user):
    user = make_user("lockme")
    for _attempt in range(app.config["LOGIN_MAX_FAILURES"]):
        assert auth.login(user, "wrong-Passw0rd").status_code == 401
    refused = auth.login(user)  # the right password, while locked
    assert refused.status_code == 401 and "锁定" in refused.get_data(as_text=True)
    assert client.get("/").status_code == 302

    db.session.refresh(user)
    assert user.locked_until > utcnow()
    user.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert auth.login(user).status_code == 302
    assert client.get("/").status_code == 200


def _throttle_scenario(app, monkeypatch, make_user, ip):
    monkeypatch.setitem(app.config, "LOGIN_IP_MAX_FAILURES", 3)
    user = make_user("throttled")
    attacker = app.test_client()
    attacker.environ_base["REMOTE_ADDR"] = ip
    for name in ("nobody1", "nobody2", "nobody3"):
        attacker.post("/login", data={"username": name, "password": "guess-123"})
    refused = attacker.post("/login", data={"username": user.username, "password": TEST_PASSWORD})
    assert refused.status_code == 401 and "此地址登录失败次数过多" in refused.get_data(as_text=True)

    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "10.77.0.2"
    assert elsewhere.post("/login", data={"username": user.username, "password": TEST_PASSWORD}).status_code == 302


def test_per_address_throttle_in_memory(app, monkeypatch, make_user):
    app.extensions["zuoxi_login_counter"] = throttle.MemoryCounter()
    _throttle_scenario(app, monkeypatch, make_user, "10.77.0.1")


def test_per_address_throttle_in_redis(app, monkeypatch, make_user):
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {REDIS_URL}")
    counter = throttle.RedisCounter(REDIS_URL)
    ip = f"10.78.{os.getpid() % 250}.1"
    counter.reset(throttle.ip_key(ip))
    app.extensions["zuoxi_login_counter"] = counter
    try:
        _throttle_scenario(app, monkeypatch, make_user, ip)
        assert counter.get(throttle.ip_key(ip)) >= 3  # the count lives in Redis, shared by every worker
    finally:
        counter.reset(throttle.ip_key(ip))


def test_login_starts_a_fresh_session(client, auth, admin):
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by-attacker"
    before = client.get_cookie("session").value
    auth.login(admin)
    after = client.get_cookie("session").value
    assert after != before
    with client.session_transaction() as session:
        assert "planted" not in session
        assert "_user_id" in session

    # The pre-login cookie replayed elsewhere is not signed in.
    replay = client.application.test_client()
    replay.set_cookie("session", before)
    assert replay.get("/").status_code == 302


def test_password_change_ends_the_other_sessions(app, client, auth, make_user):
    user = make_user("twotabs")
    other = app.test_client()
    other.post("/login", data={"username": "twotabs", "password": TEST_PASSWORD})
    auth.login(user)
    assert other.get("/").status_code == 200

    response = client.post(
        "/account/password",
        data={"current_password": TEST_PASSWORD, "new_password": "Fresh-pass-42", "confirm_password": "Fresh-pass-42"},
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # this session continues
    assert other.get("/").status_code == 302  # the other one is over


def test_forced_password_change_blocks_pages_json_and_sockets(app, client, auth, make_user):
    user = make_user("firsttime", must_change=True)
    assert auth.login(user).headers["Location"].endswith("/account/password")
    assert client.get("/system/users").headers["Location"].endswith("/account/password")
    assert client.get("/").headers["Location"].endswith("/account/password")
    assert client.post("/account/status", data={"status": "busy"}).status_code == 403
    assert client.get("/account/password").status_code == 200
    assert not socketio.test_client(app, flask_test_client=client).is_connected()

    client.post(
        "/account/password",
        data={"current_password": TEST_PASSWORD, "new_password": "Mine-own-77", "confirm_password": "Mine-own-77"},
    )
    assert client.get("/").status_code == 200
    tab = socketio.test_client(app, flask_test_client=client)
    assert tab.is_connected()
    tab.disconnect()


def _session_cookie_header(response) -> str:
    return next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))


def test_session_cookie_is_secure_over_https_only(app, admin):
    secure = app.test_client()
    # Browsers send a same-origin Referer, which Flask-WTF checks on HTTPS.
    response = secure.post(
        "/login",
        data={"username": "root", "password": TEST_PASSWORD},
        base_url="https://localhost",
        headers={"Referer": "https://localhost/login"},
    )
    header = _session_cookie_header(response)
    assert "Secure" in header and "HttpOnly" in header and "SameSite=Lax" in header

    plain = app.test_client()
    header = _session_cookie_header(plain.post("/login", data={"username": "root", "password": TEST_PASSWORD}))
    assert "Secure" not in header and "HttpOnly" in header


SYSTEM_POSTS = [
    "/system/users/new",
    "/system/users/{user}/edit",
    "/system/users/{user}/enabled",
    "/system/users/{user}/reset-password",
    "/system/users/{user}/delete",
    "/system/roles/new",
    "/system/roles/{role}/edit",
    "/system/roles/{role}/delete",
    "/system/departments",
    "/system/departments/{department}/rename",
    "/system/departments/{department}/move",
    "/system/departments/{department}/delete",
    "/account/password",
    "/logout",
]


def test_every_system_post_needs_the_csrf_token(admin_client, make_user, make_role):
    from app.system.departments import create_department

    victim = make_user("victim", display_name="原名")
    role = make_role("受保护角色")
    department = create_department("受保护部门")
    db.session.commit()
    ids = {"user": victim.id, "role": role.id, "department": department.id}
    for template in SYSTEM_POSTS:
        url = template.format(**ids)
        response = admin_client.post(url, data={"name": "被改", "display_name": "被改", "enabled": "0"}, csrf=False)
        assert response.status_code == 400, url
    db.session.expire_all()
    assert db.session.get(User, victim.id).display_name == "原名" and db.session.get(User, victim.id).enabled
    assert role.name == "受保护角色" and department.name == "受保护部门"
    assert admin_client.get("/").status_code == 200  # still signed in: logout without a token did nothing


@pytest.mark.parametrize(
    "target", ["//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)", "\\\\evil"]
)
def test_login_next_never_leaves_the_site(client, admin, target):
    response = client.post(
        "/login", query_string={"next": target}, data={"username": "root", "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_login_next_keeps_local_paths(client, admin):
    response = client.post(
        "/login", query_string={"next": "/system/users"}, data={"username": "root", "password": TEST_PASSWORD}
    )
    assert response.headers["Location"] == "/system/users"


def test_language_switch_next_never_leaves_the_site(client):
    response = client.post("/account/language", data={"language": "en", "next": "//evil.example/"})
    assert response.headers["Location"] == "/"


def test_script_in_a_display_name_is_escaped_everywhere(client, auth, make_user, admin):
    evil = make_user("xss", display_name="<script>alert(1)</script>", superuser=True)
    auth.login(evil)
    for path in ("/", "/system/users", f"/system/users/{evil.id}/edit", "/account/password"):
        page = client.get(path).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in page, path
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in client.get("/").get_data(as_text=True)
    data = client.get("/system/users/data").get_data(as_text=True)
    assert client.get("/system/users/data").mimetype == "application/json" and "alert(1)" in data


def test_a_request_that_changes_nothing_does_not_resend_the_session_cookie(client, auth, admin):
    """Otherwise a poll still in flight when the user signs out would put the old session back."""
    auth.login(admin)
    response = client.get("/reminders/count")
    assert response.status_code == 200
    assert not any(h.startswith("session=") for h in response.headers.getlist("Set-Cookie"))
    assert auth.logout().status_code == 302
    assert client.get("/", follow_redirects=False).status_code == 302

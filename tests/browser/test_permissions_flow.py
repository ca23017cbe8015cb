"""A role with own-data scope and hidden numbers, made through the admin pages, seen from the agent's side."""

import re
import secrets

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

AGENT_PASSWORD = "Agent-passw0rd-2024"
FULL_NUMBER = "13812345678"
MASKED_NUMBER = "138****5678"


def create_role_in_ui(page, base_url: str, name: str):
    page.goto(base_url + "/system/roles/new")
    page.fill("input[name=name]", name)
    page.select_option("select[name=data_scope]", label="本人")
    page.check("input[name=hide_numbers]")
    page.check("input[name=permissions][value='customer.view']")
    page.click("form.role-form button[type=submit]")
    expect(page.locator(".flash-success")).to_contain_text(f"已保存角色 {name}")
    grid = page.locator("#grid-roles")
    grid.locator(".zgrid-search").fill(name)
    grid.locator(".zgrid-search").press("Enter")
    row = grid.locator(".tabulator-row", has_text=name)
    expect(row).to_contain_text("本人")
    expect(row.locator("a.zgrid-row-link")).to_have_attribute("href", re.compile(r"/system/roles/\d+/edit$"))


def create_user_in_ui(page, base_url: str, username: str, display_name: str, role_name: str) -> str:
    """The one-time password the page shows after saving."""
    page.goto(base_url + "/system/users/new")
    page.fill("input[name=username]", username)
    page.fill("input[name=display_name]", display_name)
    page.select_option("select[name=role_id]", label=role_name)
    page.click("form.panel button[type=submit]")
    expect(page.locator("h1")).to_have_text("用户已创建")
    password = page.locator("#one-time-password").inner_text().strip()
    assert len(password) >= 8, password
    return password


def log_out(page):
    page.click(".user-menu > .chapter-link")
    button = page.locator(".user-menu button:has-text('退出登录')")
    expect(button).to_be_visible()
    button.click()
    expect(page.locator("input[name=password]")).to_be_visible()


def change_forced_password(page, base_url: str, current: str, new: str):
    assert page.url.endswith("/account/password"), page.url
    page.fill("input[name=current_password]", current)
    page.fill("input[name=new_password]", new)
    page.fill("input[name=confirm_password]", new)
    page.click("form.form-stack button[type=submit]")
    expect(page.locator(".flash-success")).to_contain_text("密码已修改")
    assert page.url.rstrip("/") == base_url


def test_own_scope_role_with_hidden_numbers_limits_what_the_agent_sees(live_server, live_data, login_page, page):
    base = live_server.url
    tag = secrets.token_hex(3)
    role_name, username, display_name = f"外呼坐席{tag}", f"agent_{tag}", f"李坐席{tag}"

    live_data.create_user(f"perm_admin_{tag}", superuser=True, display_name="系统管理员")
    login_page(f"perm_admin_{tag}")
    create_role_in_ui(page, base, role_name)
    one_time = create_user_in_ui(page, base, username, display_name, role_name)
    log_out(page)

    from app.auth.models import User
    from app.extensions import db

    agent_id = live_data.run(lambda: db.session.query(User.id).filter_by(username=username).scalar())
    other_id = live_data.create_user(f"other_{tag}", display_name="别的坐席")
    own_id = live_data.create_customer(
        f"自己的客户{tag}", phones=[FULL_NUMBER], owner_id=agent_id, created_by_id=agent_id
    )
    foreign_id = live_data.create_customer(
        f"别人的客户{tag}", phones=["13987654321"], owner_id=other_id, created_by_id=other_id
    )

    login_page(username, one_time)
    change_forced_password(page, base, one_time, AGENT_PASSWORD)
    expect(page.locator(".user-menu > .chapter-link")).to_have_text(display_name)
    expect(page.locator(".mainmenu")).not_to_contain_text("系统")
    assert page.locator(".menu-chapter[data-chapter=system]").count() == 0

    page.goto(base + "/customers/")
    grid = page.locator("#grid-customers")
    rows = grid.locator(".tabulator-row")
    expect(rows.first).to_be_visible()
    # Public-pool customers of other tests are visible too (own scope includes the pool): narrow to ours.
    grid.locator(".zgrid-search").fill(tag)
    with page.expect_response(lambda r: "/customers/data" in r.url and f"q={tag}" in r.url) as searched:
        grid.locator(".zgrid-search").press("Enter")
    assert MASKED_NUMBER in searched.value.text()
    assert FULL_NUMBER not in searched.value.text()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(f"自己的客户{tag}")
    expect(rows.first).to_contain_text(MASKED_NUMBER)
    expect(grid.locator(".zgrid-total")).to_have_text("共 1 条")
    expect(grid).not_to_contain_text(f"别人的客户{tag}")
    assert FULL_NUMBER not in page.content()

    rows.first.locator("a.zgrid-row-link").click()
    expect(page.locator("h1")).to_contain_text(f"自己的客户{tag}")
    assert page.url.endswith(f"/customers/{own_id}")
    expect(page.locator("#phones td.number")).to_have_text(MASKED_NUMBER)
    assert FULL_NUMBER not in page.content()
    assert "13987654321" not in page.content()

    response = page.goto(base + f"/customers/{foreign_id}")
    assert response.status in (403, 404), response.status
    expect(page.locator("body")).not_to_contain_text(f"别人的客户{tag}")

    response = page.goto(base + "/system/users")
    assert response.status in (403, 404), response.status
    assert re.search(r"/customers/|/system/users", page.url)

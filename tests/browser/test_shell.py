"""The shell in a real browser: the first administrator, the header, real-time updates, language, layout."""

import os
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, login

pytestmark = pytest.mark.browser

NEW_PASSWORD = "Zuoxi-first-2024"


def connected(page):
    expect(page.locator("#rt-status")).to_have_attribute("data-state", "connected", timeout=15_000)


def test_first_admin_is_created_by_the_cli_and_must_change_the_password(start_live_server, page):
    server = start_live_server("shell")
    printed = server.flask("create-admin").stdout
    match = re.search(r"one-time password: (\S+)", printed)
    assert match, printed
    assert "users exist already" in server.flask("create-admin").stdout

    login(page, server.url, "admin", match.group(1))
    assert page.url.endswith("/account/password")
    expect(page.locator("h1")).to_have_text("修改密码")

    page.fill("input[name=current_password]", match.group(1))
    page.fill("input[name=new_password]", NEW_PASSWORD)
    page.fill("input[name=confirm_password]", NEW_PASSWORD)
    page.click("form.form-stack button[type=submit]")

    assert page.url.rstrip("/") == server.url
    expect(page.locator(".flash-success")).to_contain_text("密码已修改")
    expect(page.locator(".user-menu > .chapter-link")).to_have_text("系统管理员")
    connected(page)

    page.context.clear_cookies()
    login(page, server.url, "admin", NEW_PASSWORD)
    assert page.url.rstrip("/") == server.url


def test_agent_status_follows_in_a_second_tab(live_data, login_page, context, live_server):
    live_data.create_user("tab_agent", display_name="王小明")
    page = login_page("tab_agent")
    expect(page.locator(".user-menu > .chapter-link")).to_have_text("王小明")
    connected(page)
    second = context.new_page()
    second.goto(live_server.url + "/")
    connected(second)
    select = second.locator("#agent-status-select")
    expect(select).to_have_value("online")

    page.select_option("#agent-status-select", "busy")

    expect(select).to_have_value("busy")
    expect(select).to_have_class(re.compile(r"\bstatus-busy\b"))
    expect(page.locator("#agent-status-select")).to_have_class(re.compile(r"\bstatus-busy\b"))
    second.reload()
    expect(second.locator("#agent-status-select")).to_have_value("busy")


def test_signing_out_sends_every_open_tab_to_the_login_page(live_data, login_page, context, live_server):
    live_data.create_user("leaving_agent", display_name="赵离开")
    page = login_page("leaving_agent")
    connected(page)
    second = context.new_page()
    second.goto(live_server.url + "/memos/")
    connected(second)

    page.click(".user-menu > .chapter-link")
    page.click(".user-menu button:has-text('退出登录')")

    expect(page.locator("input[name=password]")).to_be_visible()
    expect(second.locator("input[name=password]")).to_be_visible()
    assert second.url.endswith("/login?next=%2Fmemos%2F"), second.url


def test_switching_to_english(live_data, login_page):
    live_data.create_user("lang_agent")
    page = login_page("lang_agent")
    expect(page.locator("html")).to_have_attribute("lang", re.compile(r"^zh"))
    page.click(".user-menu > .chapter-link")
    page.click(".user-menu button[value=en]")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_menus_open_from_the_keyboard(live_data, login_page):
    live_data.create_user("keys_admin", superuser=True)
    page = login_page("keys_admin")
    menu = page.locator(".user-menu")
    menu.locator("> button").focus()
    page.keyboard.press("ArrowDown")
    expect(menu).to_have_class(re.compile(r"\bopen\b"))
    expect(menu.locator(".menu-drop a").first).to_be_focused()
    page.keyboard.press("Escape")
    expect(menu).not_to_have_class(re.compile(r"\bopen\b"))


@pytest.mark.parametrize("width,height", [(1280, 800), (1024, 768)])
def test_header_fits_the_screen(live_data, login_page, width, height):
    live_data.create_user(f"wide_admin_{width}", superuser=True, display_name="系统管理员(总部客服中心)")
    page = login_page(f"wide_admin_{width}")
    page.set_viewport_size({"width": width, "height": height})
    connected(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"shell-{width}x{height}.png"))
    overflow = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert overflow[0] <= overflow[1], overflow
    header = page.locator(".topbar").bounding_box()
    assert header["height"] <= 56
    right = page.locator(".topbar-right").bounding_box()
    assert right["x"] + right["width"] <= width


def test_notify_toast_shows_text_not_markup(live_data, login_page):
    live_data.create_user("toast_agent")
    page = login_page("toast_agent")
    page.evaluate(
        "() => Zuoxi.notify({title: '<b>来电</b>', body: '<img src=x onerror=alert(1)>', level: 'info',"
        " link: 'javascript:alert(1)'})"
    )
    toast = page.locator("#toasts .toast").last
    expect(toast.locator(".toast-title")).to_have_text("<b>来电</b>")
    assert toast.locator("img").count() == 0
    assert toast.locator("a").count() == 0
    expect(page.locator("#notify-count")).to_have_text("1")
    page.click("#notify-toggle")
    expect(page.locator("#notify-list li").first).to_contain_text("<b>来电</b>")
    expect(page.locator("#notify-count")).to_be_hidden()


def test_emit_from_another_process_reaches_the_browser(live_data, login_page):
    """The switchboard emits through the Redis message queue; the web process relays it to the tab."""
    redis_url = os.environ.get("ZUOXI_TEST_REDIS_URL")
    if not redis_url:
        pytest.skip("needs Redis (ZUOXI_TEST_REDIS_URL): scripts/test runs it in the PostgreSQL + Redis pass")
    from flask_socketio import SocketIO

    user_id = live_data.create_user("queue_agent")
    page = login_page("queue_agent")
    connected(page)
    emitter = SocketIO(message_queue=redis_url)
    emitter.emit("notify", {"title": "来电 13812345678", "body": "张三", "level": "info"}, to=f"user:{user_id}")
    expect(page.locator("#toasts .toast-title")).to_have_text("来电 13812345678")

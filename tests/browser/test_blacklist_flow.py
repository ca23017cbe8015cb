"""The blacklist page in a browser: numbers added through the form show in the grid, the search finds a
number written with spaces, and ticking rows and pressing "移出所选" removes exactly those."""

import secrets

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def add_number(page, number: str, reason: str):
    page.fill("form[action$='/blacklist/add'] input[name=number]", number)
    page.fill("form[action$='/blacklist/add'] input[name=reason]", reason)
    page.click("form[action$='/blacklist/add'] button[type=submit]")
    expect(page.locator(".flash-success")).to_contain_text("已加入黑名单")


def test_tick_and_remove_blacklisted_numbers(live_server, live_data, login_page, page):
    base = live_server.url
    tag = secrets.token_hex(3)
    digits = str(int(tag, 16) % 10_000).zfill(4)
    keep, gone = f"1391234{digits}", f"1381234{digits}"
    live_data.create_user(f"bl_admin_{tag}", superuser=True, display_name="号码管理员")
    login_page(f"bl_admin_{tag}")
    page.goto(base + "/phone/blacklist")
    add_number(page, f"139 1234 {digits}", f"保留{tag}")
    add_number(page, f"+86 138-1234-{digits}", f"移出{tag}")

    grid = page.locator("#grid-blacklist")
    grid.locator(".zgrid-search").fill(tag)
    grid.locator(".zgrid-search").press("Enter")
    expect(grid.locator(".zgrid-total")).to_have_text("共 2 条")
    grid.locator(".zgrid-search").fill(f"138-1234-{digits}")
    grid.locator(".zgrid-search").press("Enter")
    expect(grid.locator(".zgrid-total")).to_have_text("共 1 条")
    row = grid.locator(".tabulator-row", has_text=gone)
    expect(row).to_contain_text(f"移出{tag}")

    remove = page.locator("#blacklist-delete-form button[type=submit]")
    expect(remove).to_be_disabled()
    row.locator(".zgrid-select-cell input[type=checkbox]").check()
    expect(remove).to_be_enabled()
    expect(remove).to_contain_text("(1)")
    page.once("dialog", lambda dialog: dialog.accept())
    remove.click()
    expect(page.locator(".flash-success")).to_contain_text("已把 1 个号码移出黑名单")

    grid = page.locator("#grid-blacklist")
    grid.locator(".zgrid-search").fill(tag)
    grid.locator(".zgrid-search").press("Enter")
    expect(grid.locator(".zgrid-total")).to_have_text("共 1 条")
    expect(grid.locator(".tabulator-row", has_text=keep)).to_be_visible()

"""The blacklist page in a browser: numbers added through the forms show in the blacklist and no-record
grids, the search finds a number written with spaces, and ticking rows and pressing "移出所选" removes
exactly those, from that list only."""

import secrets

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def add_number(page, number: str, reason: str):
    page.fill("form[action$='/blacklist/add'] input[name=number]", number)
    page.fill("form[action$='/blacklist/add'] input[name=reason]", reason)
    page.click("form[action$='/blacklist/add'] button[type=submit]")
    expect(page.locator(".flash-success")).to_contain_text("已加入黑名单")


def search(page, grid_id: str, text: str):
    """The grid after searching it for `text`."""
    grid = page.locator(f"#grid-{grid_id}")
    grid.locator(".zgrid-search").fill(text)
    grid.locator(".zgrid-search").press("Enter")
    return grid


def remove_ticked(page, form_id: str):
    """Press the form's "移出所选" and accept its confirmation."""
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(f"#{form_id} button[type=submit]").click()


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

    grid = search(page, "blacklist", tag)
    expect(grid.locator(".zgrid-total")).to_have_text("共 2 条")
    search(page, "blacklist", f"138-1234-{digits}")
    expect(grid.locator(".zgrid-total")).to_have_text("共 1 条")
    row = grid.locator(".tabulator-row", has_text=gone)
    expect(row).to_contain_text(f"移出{tag}")

    remove = page.locator("#blacklist-delete-form button[type=submit]")
    expect(remove).to_be_disabled()
    row.locator(".zgrid-select-cell input[type=checkbox]").check()
    expect(remove).to_be_enabled()
    expect(remove).to_contain_text("(1)")
    remove_ticked(page, "blacklist-delete-form")
    expect(page.locator(".flash-success")).to_contain_text("已把 1 个号码移出黑名单")

    grid = search(page, "blacklist", tag)
    expect(grid.locator(".zgrid-total")).to_have_text("共 1 条")
    expect(grid.locator(".tabulator-row", has_text=keep)).to_be_visible()


def test_tick_and_remove_no_record_numbers(live_server, live_data, login_page, page):
    base = live_server.url
    tag = secrets.token_hex(3)
    digits = str(int(tag, 16) % 10_000).zfill(4)
    live_data.create_user(f"nr_admin_{tag}", superuser=True, display_name="录音管理员")
    login_page(f"nr_admin_{tag}")
    page.goto(base + "/phone/blacklist")
    for number, note in ((f"137 5555 {digits}", f"保留{tag}"), (f"+86 136-5555-{digits}", f"移出{tag}")):
        page.fill("form[action$='/no-record'] input[name=number]", number)
        page.fill("form[action$='/no-record'] input[name=note]", note)
        page.click("form[action$='/no-record'] button[type=submit]")
        expect(page.locator(".flash-success")).to_contain_text("已加入不录音号码")

    grid = search(page, "no_record", tag)
    expect(grid.locator(".zgrid-total")).to_have_text("共 2 条")
    row = grid.locator(".tabulator-row", has_text=f"移出{tag}")
    expect(row).to_contain_text(f"1365555{digits}")

    remove = page.locator("#no-record-delete-form button[type=submit]")
    blacklist_remove = page.locator("#blacklist-delete-form button[type=submit]")
    expect(remove).to_be_disabled()
    row.locator(".zgrid-select-cell input[type=checkbox]").check()
    expect(remove).to_contain_text("(1)")
    expect(blacklist_remove).to_be_disabled()  # ticks in one grid are not the other's
    remove_ticked(page, "no-record-delete-form")
    expect(page.locator(".flash-success")).to_contain_text("已把 1 个号码移出不录音号码")

    grid = search(page, "no_record", tag)
    expect(grid.locator(".zgrid-total")).to_have_text("共 1 条")
    expect(grid.locator(".tabulator-row", has_text=f"保留{tag}")).to_be_visible()

"""The customer base in a real browser: a custom field filled on a customer, an import with a bad row, an export."""

import re
import secrets

import openpyxl
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LiveData

pytestmark = pytest.mark.browser

BUDGET = "预算"


def random_mobile() -> str:
    return "139" + "".join(secrets.choice("0123456789") for _ in range(8))


def budget_field_key(data: LiveData) -> str:
    """The key of the customer field 预算 (money, list column and form), made directly when missing."""
    from app.fields import services

    def ensure():
        for field in services.custom_fields("customer"):
            if field.label == BUDGET:
                return field.key
        return services.create_field("customer", BUDGET, "money").key

    return data.run(ensure)


def search_grid(page, text: str):
    box = page.locator("#grid-customers .zgrid-search")
    box.fill(text)
    box.press("Enter")


def grid_rows(page):
    return page.locator("#grid-customers .tabulator-row")


def test_custom_field_added_by_admin_is_filled_on_a_customer(start_live_server, page, login_page):
    server = start_live_server("fields")
    LiveData(server).create_user("fields_admin", superuser=True)
    login_page("fields_admin", server=server)
    base = server.url

    page.goto(base + "/system/fields")
    page.click("a:has-text('新增字段')")
    page.fill("input[name=label]", BUDGET)
    page.select_option("#field-type", label="金额")
    page.check("input[name=show_in_list]")
    page.check("input[name=show_in_form]")
    page.click("#field-form button[type=submit]")
    expect(page.locator(".flash-success")).to_contain_text(f"已新增字段“{BUDGET}”")
    field_row = page.locator("tr[data-field-key]", has_text=BUDGET)
    expect(field_row).to_contain_text("金额")
    key = field_row.get_attribute("data-field-key")

    page.goto(base + "/customers/")
    page.click("a.button:has-text('添加')")
    page.fill("input[name=name]", "预算客户")
    page.locator("input[name=phone_number]").first.fill("13700001111")
    page.get_by_label(BUDGET).fill("8800.5")
    page.click("form.customer-form button[type=submit]")

    expect(page.locator(".flash-success")).to_contain_text("客户资料已保存")
    expect(page.locator("h1")).to_contain_text("预算客户")
    budget = page.locator("#basic dt", has_text=BUDGET).locator("xpath=following-sibling::dd[1]")
    expect(budget).to_have_text(re.compile(r"^8,?800\.50$"))
    expect(page.locator("#phones td.number")).to_have_text("13700001111")

    page.click("a.button:has-text('返回列表')")
    expect(page.locator("#grid-customers .tabulator-col-title", has_text=BUDGET)).to_be_visible()
    rows = grid_rows(page)
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("预算客户")
    expect(rows.first.locator(f".tabulator-cell[tabulator-field='{key}']")).to_have_text(re.compile(r"^8,?800\.50$"))


def test_import_with_one_bad_row_reports_it_and_keeps_the_good_ones(live_data, login_page, page, tmp_path):
    budget_field_key(live_data)
    tag = secrets.token_hex(3)
    live_data.create_user(f"import_admin_{tag}", superuser=True)
    login_page(f"import_admin_{tag}")
    page.goto(page.url.rstrip("/") + "/customers/import/")
    expect(page.locator("h1")).to_have_text("导入客户资料")

    with page.expect_download() as template_download:
        page.click("a:has-text('下载模板')")
    template_path = tmp_path / "template.xlsx"
    template_download.value.save_as(template_path)
    headers = [cell.value for cell in openpyxl.load_workbook(template_path).active[1]]
    assert headers[0].rstrip("*") == "客户姓名", headers
    assert BUDGET in headers and "电话1" in headers and "生日" in headers, headers

    def row(name, phone, budget, birthday):
        values = {"客户姓名*": name, "电话1": phone, BUDGET: budget, "生日": birthday}
        return [values.get(header) for header in headers]

    upload = openpyxl.Workbook()
    sheet = upload.active
    sheet.append(headers)
    sheet.append(row(f"导入甲{tag}", random_mobile(), 1200, "1985-5-6"))
    sheet.append(row(f"导入坏{tag}", random_mobile(), 300, "1985-13-45"))
    sheet.append(row(f"导入乙{tag}", random_mobile(), "2,500", "1990/01/02"))
    sheet.append(row(f"导入丙{tag}", random_mobile(), None, "19921231"))
    upload_path = tmp_path / f"客户{tag}.xlsx"
    upload.save(upload_path)

    page.set_input_files("#import-form input[name=file]", str(upload_path))
    page.click("#import-form button[type=submit]")
    expect(page.locator(".flash-success")).to_contain_text("已开始导入")
    job = page.locator(".import-job", has_text=upload_path.name)
    expect(job).to_have_count(1)
    expect(job.locator(".job-result")).to_contain_text("新增 3", timeout=30_000)
    expect(job.locator(".job-result")).to_contain_text("失败 1")
    expect(job.locator(".job-progress-text")).to_have_text("4 / 4")

    with page.expect_download() as report_download:
        job.locator("a.error-report").click()
    report_path = tmp_path / "report.xlsx"
    report_download.value.save_as(report_path)
    report = list(openpyxl.load_workbook(report_path).active.iter_rows(values_only=True))
    assert report[0][:2] == ("行号", "原因"), report[0]
    assert len(report) == 2, report
    number, reason = report[1][:2]
    assert number == 3, report[1]
    assert "生日" in reason, reason
    assert f"导入坏{tag}" in report[1], report[1]

    page.goto(page.url.split("/customers/")[0] + "/customers/")
    search_grid(page, tag)
    rows = grid_rows(page)
    expect(rows).to_have_count(3)
    expect(page.locator("#grid-customers .zgrid-total")).to_have_text("共 3 条")
    for name in (f"导入甲{tag}", f"导入乙{tag}", f"导入丙{tag}"):
        expect(page.locator("#grid-customers")).to_contain_text(name)
    expect(page.locator("#grid-customers")).not_to_contain_text(f"导入坏{tag}")


def test_export_contains_exactly_the_filtered_customers(live_data, login_page, page, tmp_path):
    tag = secrets.token_hex(3)
    live_data.create_user(f"export_admin_{tag}", superuser=True)
    wanted = [f"导出{tag}甲", f"导出{tag}乙", f"导出{tag}丙"]
    phones = {}
    for name in wanted + [f"其他{tag}"]:
        phones[name] = random_mobile()
        live_data.create_customer(name, phones=[phones[name]], company=f"公司{tag}")
    login_page(f"export_admin_{tag}")
    base = page.url.rstrip("/")

    page.goto(base + "/customers/")
    grid = page.locator("#grid-customers")
    expect(grid.locator(".tabulator-row").first).to_be_visible()
    grid.locator(".zgrid-filter-button[aria-label='自定义筛选:姓名']").click()
    popover = page.locator(".zgrid-popover form.zgrid-filter-form")
    expect(popover.locator("select.zgrid-op")).to_have_value("contains")
    popover.locator(".zgrid-value input").fill(f"导出{tag}")
    popover.locator("button[type=submit]").click()

    expect(grid.locator(".zgrid-chips")).to_contain_text(f"导出{tag}")
    expect(grid.locator(".tabulator-row")).to_have_count(3)
    expect(grid.locator(".zgrid-total")).to_have_text("共 3 条")

    with page.expect_download() as download:
        grid.locator(".zgrid-button", has_text="导出 Excel").click()
    assert download.value.suggested_filename.endswith(".xlsx"), download.value.suggested_filename
    path = tmp_path / "export.xlsx"
    download.value.save_as(path)
    rows = list(openpyxl.load_workbook(path).active.iter_rows(values_only=True))
    header = rows[0]
    assert header[0] == "姓名" and "电话" in header and "公司" in header, header
    assert all(re.search(r"[\u4e00-\u9fff]", str(title)) for title in header), header
    names = sorted(r[header.index("姓名")] for r in rows[1:])
    assert names == sorted(wanted), rows
    numbers = {r[header.index("姓名")]: r[header.index("电话")] for r in rows[1:]}
    assert numbers == {name: phones[name] for name in wanted}

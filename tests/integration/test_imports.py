"""Customer import: the template, options, date forms, bad rows reported while good rows go in."""

import io
from datetime import date

import openpyxl
import pytest
from sqlalchemy import func, select

from app.customers.models import Customer, CustomerPhone
from app.extensions import db
from app.fields.models import ParamItem
from app.jobs.models import Job
from app.jobs.runner import run_due_jobs

HEADERS = ["客户姓名*", "电话1", "电话2", "性别", "生日", "客户级别", "邮箱"]


def xlsx_file(rows, headers=HEADERS) -> io.BytesIO:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def upload(client, data: io.BytesIO, filename="客户.xlsx", **options):
    form = {"existing": "skip", "assign_to": "private", **options, "file": (data, filename)}
    return client.post("/customers/import/", data=form, content_type="multipart/form-data")


def run_import(app, client, data, filename="客户.xlsx", **options) -> Job:
    response = upload(client, data, filename, **options)
    assert response.status_code == 303, response.get_data(as_text=True)
    job = db.session.scalars(select(Job).order_by(Job.id.desc())).first()
    assert job.state == "queued"
    assert run_due_jobs(app) == 1
    db.session.expire_all()
    return db.session.get(Job, job.id)


def customer_named(name) -> Customer | None:
    return db.session.scalar(select(Customer).where(Customer.name == name))


def test_template_follows_the_field_configuration(admin_client):
    from app.fields.services import create_field

    create_field("customer", "预算", "money")
    db.session.commit()
    response = admin_client.get("/customers/import/template.xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).worksheets[0]
    headers = [c.value for c in sheet[1]]
    assert headers[0] == "客户姓名*"
    assert "电话1" in headers and "生日" in headers and "预算" in headers


def test_good_rows_go_in_and_bad_rows_are_reported_by_name(app, admin_client):
    rows = [
        ["王一", "13800000001", None, "男", "1985-5-6", "VIP客户", "wang@example.com"],
        ["王二", "13800000002", None, "女", "1985/05/06", None, None],
        ["王三", "13800000003", None, None, "1985.5.6", None, None],
        ["王四", "13800000004", None, None, "19850506", None, None],
        ["王五", "13800000005", None, None, 31173, None, None],
        ["坏日期", "13800000006", None, None, "1985-13-40", None, None],
        ["坏电话", "abc-not-a-phone", None, None, None, None, None],
        [None, "13800000008", None, None, None, None, None],
        ["坏级别", "13800000009", None, None, None, "不存在的级别", None],
    ]
    job = run_import(app, admin_client, xlsx_file(rows))
    assert job.state == "done", job.error
    assert job.result["created"] == 5 and job.result["failed"] == 4
    for name in ("王一", "王二", "王三", "王四", "王五"):
        assert customer_named(name).birthday == date(1985, 5, 6), name
    assert customer_named("王一").level.label == "VIP客户"
    for name in ("坏日期", "坏电话", "坏级别"):
        assert customer_named(name) is None, "a bad row must not be half-written"
    assert db.session.scalar(select(func.count()).where(CustomerPhone.normalized == "13800000008")) == 0

    report = admin_client.get(f"/customers/import/{job.id}/report.xlsx")
    assert report.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(report.data)).worksheets[0]
    lines = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert set(lines) == {7, 8, 9, 10}
    assert "生日" in lines[7][1]
    assert "电话1" in lines[8][1]
    assert "姓名" in lines[9][1]
    assert "客户级别" in lines[10][1] and "不存在的级别" in lines[10][1]
    assert lines[10][2] == "坏级别", "the report repeats the row as uploaded"


def test_phones_are_deduplicated_and_normalized(app, admin_client):
    job = run_import(app, admin_client, xlsx_file([["赵六", "+86 138 1234 5678", "138-1234-5678"]]))
    assert job.result["created"] == 1
    phones = customer_named("赵六").phones
    assert [p.normalized for p in phones] == ["13812345678"]


@pytest.mark.parametrize(
    ("mode", "expected_company", "expected_owner"),
    [("skip", "旧公司", "agent"), ("overwrite", "新公司", "agent"), ("reassign", "新公司", "importer")],
)
def test_existing_customers_follow_the_chosen_option(
    app, admin_client, admin, make_user, mode, expected_company, expected_owner
):
    from app.customers.services import create_customer

    agent = make_user("agent1")
    create_customer({"name": "老客户", "company": "旧公司", "phones": [{"number": "13911112222"}]}, agent)
    db.session.commit()
    owners = {"agent": agent.id, "importer": admin.id}
    rows = [["老客户", "139-1111-2222", None, None, None, None, None]]
    headers = HEADERS[:]
    headers[6] = "公司名称"
    rows[0][6] = "新公司"
    job = run_import(app, admin_client, xlsx_file(rows, headers), existing=mode)
    assert job.state == "done", job.error
    customers = db.session.scalars(select(Customer).where(Customer.name == "老客户")).all()
    assert len(customers) == 1, "an existing customer is never duplicated"
    assert customers[0].company == expected_company
    assert customers[0].owner_id == owners[expected_owner]
    assert job.result["skipped" if mode == "skip" else "updated"] == 1


def test_public_pool_and_target_category(app, admin_client):
    category_id = db.session.scalar(select(ParamItem.id).where(ParamItem.label == "意向客户"))
    job = run_import(
        app, admin_client, xlsx_file([["公海客户", "13700000001"]]), assign_to="public", category_id=str(category_id)
    )
    customer = customer_named("公海客户")
    assert job.result["created"] == 1
    assert customer.owner_id is None and customer.category_id == category_id


def test_csv_in_gb18030_as_chinese_excel_saves_it(app, admin_client):
    text = "客户姓名,手机,地址\r\n钱七,13600000001,上海市浦东新区\r\n"
    job = run_import(app, admin_client, io.BytesIO(text.encode("gb18030")), filename="客户.csv")
    assert job.result["created"] == 1
    assert customer_named("钱七").address == "上海市浦东新区"


def test_files_that_are_not_imports_are_refused_whole(app, admin_client):
    response = upload(admin_client, io.BytesIO(b"not a spreadsheet"), filename="x.xlsx")
    assert response.status_code == 303
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "不是 Excel 文件" in page
    response = upload(admin_client, xlsx_file([["x"]], headers=["随便"]))
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "客户姓名" in page
    response = upload(admin_client, io.BytesIO(b"a,b"), filename="x.exe")
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert ".xlsx" in page
    assert db.session.scalar(select(func.count(Job.id))) == 0


def test_progress_is_kept_on_the_server_for_a_reloaded_page(app, admin_client):
    upload(admin_client, xlsx_file([["孙八", "13500000001"]]))
    job = db.session.scalars(select(Job).order_by(Job.id.desc())).first()
    status = admin_client.get(f"/jobs/{job.id}").get_json()
    assert status["state"] == "queued" and status["total"] == 1
    run_due_jobs(app)
    status = admin_client.get(f"/jobs/{job.id}").get_json()
    assert status["state"] == "done" and status["progress"] == 1
    page = admin_client.get("/customers/import/").get_data(as_text=True)
    assert "新增 1" in page


def test_import_needs_the_import_permission(client, auth, make_user, make_role):
    user = make_user("noimport", role=make_role(permissions=["customer.view"]))
    auth.login(user)
    assert client.get("/customers/import/").status_code == 403
    assert upload(client, xlsx_file([["x", "13400000001"]])).status_code == 403


@pytest.mark.parametrize(("mode", "expected_company"), [("skip", "先到公司"), ("overwrite", "后到公司")])
def test_a_number_twice_in_the_file_makes_one_customer(app, admin_client, mode, expected_company):
    headers = ["客户姓名*", "电话1", "公司名称"]
    rows = [["先到", "13811110001", "先到公司"], ["后到", "138-1111-0001", "后到公司"]]
    job = run_import(app, admin_client, xlsx_file(rows, headers), existing=mode)
    assert job.state == "done", job.error
    owners = db.session.scalars(select(CustomerPhone.customer_id).where(CustomerPhone.normalized == "13811110001"))
    customers = [db.session.get(Customer, customer_id) for customer_id in owners]
    assert len(customers) == 1, "the second row is the same customer, not a new one"
    assert customers[0].company == expected_company
    assert job.result["created"] == 1
    assert job.result["skipped" if mode == "skip" else "updated"] == 1


def test_a_file_of_several_chunks_keeps_every_rule_across_them(app, admin_client):
    """Rows are read ahead while earlier ones are written: numbers, bad rows and the count span the chunks."""
    headers = ["客户姓名*", "电话1", "生日"]
    rows = [[f"客户{i}", f"1390000{i:04d}", "1990-1-2"] for i in range(2500)]
    rows[1700][2] = "1990-13-45"
    rows[2400][1] = "1390000" + "0007"  # the number of the 8th row, in the first chunk
    job = run_import(app, admin_client, xlsx_file(rows, headers))
    assert job.state == "done", job.error
    assert job.result["created"] == 2498 and job.result["failed"] == 1 and job.result["skipped"] == 1
    assert job.progress == job.total == 2500
    assert customer_named("客户1700") is None and customer_named("客户2400") is None
    assert customer_named("客户2499").birthday == date(1990, 1, 2)
    report = admin_client.get(f"/customers/import/{job.id}/report.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(report.data)).worksheets[0]
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [1702]


def test_csv_rows_shorter_than_the_header_are_read(app, admin_client):
    text = "客户姓名,手机,地址,备注\n周九,13300000001\n吴十,13300000002,杭州,老客户\n"
    job = run_import(app, admin_client, io.BytesIO(text.encode()), filename="客户.csv")
    assert job.result["created"] == 2, job.result
    assert customer_named("周九").address == "" and customer_named("吴十").notes == "老客户"


def test_text_is_stored_exactly_as_written(app, admin_client):
    text = '客户姓名,手机,备注\n郑十一,13300000011,"C:\\\\客户\\\\资料\t第一行\n第二行 \\\\N"\n'
    job = run_import(app, admin_client, io.BytesIO(text.encode()), filename="客户.csv")
    assert job.result["created"] == 1, job.result
    assert customer_named("郑十一").notes == "C:\\\\客户\\\\资料\t第一行\n第二行 \\\\N"


def broken_after_header(data: io.BytesIO) -> io.BytesIO:
    """The same workbook with its sheet cut off in the middle of the second row, as a truncated copy is."""
    import zipfile

    source, target = zipfile.ZipFile(data), io.BytesIO()
    with zipfile.ZipFile(target, "w") as out:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                second_row = content.index(b'<row r="2"')
                content = content[: second_row + 40]
            out.writestr(item, content)
    target.seek(0)
    return target


def test_a_sheet_broken_after_its_header_fails_with_a_clear_message_and_writes_nothing(app, admin_client):
    data = broken_after_header(xlsx_file([["周一", "13300000001"], ["吴二", "13300000002"]]))
    job = run_import(app, admin_client, data)
    assert job.state == "failed"
    assert job.error.startswith("文件:无法读取 Excel 文件"), job.error
    assert db.session.scalar(select(func.count(Customer.id))) == 0
    page = admin_client.get("/customers/import/").get_data(as_text=True)
    assert "导入失败:文件:无法读取 Excel 文件" in page


def test_leaving_an_xlsx_early_ends_the_process_reading_it(tmp_path):
    from app.imports.reader import ImportFile

    path = tmp_path / "customers.xlsx"
    # Far more rows than the pipe and its buffer hold: the reader cannot have finished on its own.
    path.write_bytes(xlsx_file([[f"客户{i}", f"133{i:08d}"] for i in range(20000)]).getvalue())
    with ImportFile(str(path), "xlsx") as import_file:
        rows = import_file.rows()
        assert next(rows)[1][:2] == ["客户姓名*", "电话1"]
        reader = import_file._reader.process
        assert reader.poll() is None, "still reading the rest"
    assert reader.poll() is not None


def test_rows_come_from_the_reader_as_cell_values_only():
    import os
    import pickle

    from app.imports.reader import _CellUnpickler

    cells = ("周一", 1.5, 3, True, None, date(1985, 5, 6))
    assert _CellUnpickler(io.BytesIO(pickle.dumps(cells))).load() == cells
    with pytest.raises(pickle.UnpicklingError):
        _CellUnpickler(io.BytesIO(pickle.dumps(os.system))).load()

"""The blacklist and the no-record numbers on the shared grid: server paging, sort, filters, search by any
written form of a number, export of the current query (the blacklist's importable again), removal of the
ticked rows, and the permission."""

import csv
import io
import json
from datetime import datetime
from urllib.parse import quote

from sqlalchemy import func, select

from app.audit.models import AuditLog
from app.extensions import db
from app.telephony.models_config import BlacklistEntry, NoRecordNumber


def _rows(client, url="/phone/blacklist/data", **params):
    query = {k: (json.dumps(v) if isinstance(v, list) else v) for k, v in params.items()}
    response = client.get(url, query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def _add(number, direction="inbound", is_prefix=False, reason="", created_at=None):
    entry = BlacklistEntry(number=number, direction=direction, is_prefix=is_prefix, reason=reason)
    if created_at is not None:
        entry.created_at = created_at
    db.session.add(entry)
    return entry


def _export_csv(client, url, filters):
    """The current query (`filters`) exported as CSV: the response and its rows."""
    response = client.get(url, query_string={"format": "csv", "filter": json.dumps(filters)})
    return response, _csv(response)


def _csv(response):
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_blacklist_page_holds_the_grid_and_its_actions(admin_client):
    page = admin_client.get("/phone/blacklist").get_data(as_text=True)
    assert "/phone/blacklist/data" in page and "/phone/blacklist/export" in page
    assert 'action="/phone/blacklist/delete"' in page and 'action="/phone/blacklist/import"' in page
    assert 'action="/phone/blacklist/add"' in page and "不录音号码" in page
    assert "/phone/blacklist/no-record/data" in page and "/phone/blacklist/no-record/export" in page
    assert 'action="/phone/blacklist/no-record/delete"' in page and 'action="/phone/blacklist/no-record"' in page


def test_blacklist_pages_on_the_server_and_sorts_by_number(admin_client):
    for n in range(25):
        _add(f"138000000{n:02d}")
    db.session.commit()
    first = _rows(admin_client, size=20, sort=[{"field": "number", "dir": "asc"}])
    assert first["total"] == 25 and first["last_page"] == 2 and len(first["data"]) == 20
    assert first["data"][0]["number"] == "13800000000"
    second = _rows(admin_client, size=20, page=2, sort=[{"field": "number", "dir": "asc"}])
    assert [r["number"] for r in second["data"]] == [f"138000000{n:02d}" for n in range(20, 25)]
    newest_number_first = _rows(admin_client, size=20, sort=[{"field": "number", "dir": "desc"}])
    assert newest_number_first["data"][0]["number"] == "13800000024"


def test_blacklist_filters_on_direction_prefix_reason_and_created(admin_client):
    _add("13811112222", "inbound", reason="骚扰电话", created_at=datetime(2026, 3, 1, 4, 0))
    _add("0755", "both", is_prefix=True, reason="整段", created_at=datetime(2026, 5, 1, 4, 0))
    _add("13933334444", "outbound", reason="欠费", created_at=datetime(2026, 5, 2, 4, 0))
    db.session.commit()

    both = _rows(admin_client, filter=[{"field": "direction", "op": "eq", "value": "both"}])["data"]
    assert [(r["number"], r["direction"], r["is_prefix"]) for r in both] == [("0755", "呼入和呼出", True)]
    prefixes = _rows(admin_client, filter=[{"field": "is_prefix", "op": "eq", "value": "1"}])["data"]
    assert [r["number"] for r in prefixes] == ["0755"]
    nuisance = _rows(admin_client, filter=[{"field": "reason", "op": "contains", "value": "骚扰"}])["data"]
    assert [r["number"] for r in nuisance] == ["13811112222"]
    may = _rows(
        admin_client,
        filter=[{"field": "created_at", "op": "between", "value": ["2026-05-01", "2026-05-31"]}],
        sort=[{"field": "created_at", "dir": "asc"}],
    )["data"]
    assert [r["number"] for r in may] == ["0755", "13933334444"]
    starts = _rows(admin_client, filter=[{"field": "number", "op": "starts", "value": "139"}])["data"]
    assert [r["number"] for r in starts] == ["13933334444"]


def test_blacklist_search_finds_a_number_written_with_spaces_and_country_code(admin_client):
    _add("13812345678")
    _add("13987654321")
    db.session.commit()
    found = _rows(admin_client, q="+86 138-1234-5678")["data"]
    assert [r["number"] for r in found] == ["13812345678"]
    assert [r["number"] for r in _rows(admin_client, q="7654")["data"]] == ["13987654321"]


def test_blacklist_bad_filter_is_refused_with_the_column_named(admin_client):
    response = admin_client.get(
        "/phone/blacklist/data",
        query_string={"filter": json.dumps([{"field": "direction", "op": "eq", "value": "sideways"}])},
    )
    assert response.status_code == 400 and "类型" in response.get_json()["errors"]


def test_blacklist_export_has_the_current_query_and_imports_back(admin_client):
    _add("13812345678", "inbound", reason="骚扰")
    _add("0755", "both", is_prefix=True, reason="整段")
    _add("13900000000", "outbound", reason="other")
    db.session.commit()
    response, table = _export_csv(
        admin_client, "/phone/blacklist/export", [{"field": "direction", "op": "ne", "value": "outbound"}]
    )
    assert quote("黑名单.csv") in response.headers["Content-Disposition"]
    assert table[0][:4] == ["号码", "类型", "前缀", "原因"]
    assert sorted(row[:4] for row in table[1:]) == [
        ["0755", "呼入和呼出", "是", "整段"],
        ["13812345678", "呼入", "否", "骚扰"],
    ]

    db.session.execute(BlacklistEntry.__table__.delete())
    db.session.commit()
    imported = admin_client.post(
        "/phone/blacklist/import",
        data={"file": (io.BytesIO(response.get_data()), "黑名单.csv")},
        content_type="multipart/form-data",
    )
    assert imported.status_code == 200
    entries = {(e.number, e.is_prefix, e.direction, e.reason) for e in db.session.scalars(select(BlacklistEntry))}
    assert entries == {("13812345678", False, "inbound", "骚扰"), ("0755", True, "both", "整段")}


def test_blacklist_xlsx_export_answers_a_workbook(admin_client):
    _add("13812345678")
    db.session.commit()
    response = admin_client.get("/phone/blacklist/export", query_string={"format": "xlsx"})
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    assert response.get_data()[:2] == b"PK"


def test_remove_the_ticked_rows_only(admin_client):
    keep = _add("13811110000")
    gone = [_add("13822220000"), _add("13833330000")]
    db.session.commit()
    ids = ",".join(str(e.id) for e in gone)
    response = admin_client.post("/phone/blacklist/delete", data={"ids": ids}, follow_redirects=True)
    assert response.status_code == 200 and "已把 2 个号码移出黑名单" in response.get_data(as_text=True)
    assert [r["number"] for r in _rows(admin_client)["data"]] == [keep.number]
    removals = select(func.count(AuditLog.id)).where(AuditLog.entity == "blacklist_entry", AuditLog.action == "delete")
    assert db.session.scalar(removals) == 2


def test_remove_with_nothing_or_garbage_ticked_changes_nothing(admin_client):
    entry = _add("13811110000")
    db.session.commit()
    for ids in ("", f"{entry.id},abc"):
        response = admin_client.post("/phone/blacklist/delete", data={"ids": ids})
        assert response.status_code == 400 and "请先勾选" in response.get_data(as_text=True)
    assert admin_client.post("/phone/blacklist/delete", data={"ids": str(entry.id)}, csrf=False).status_code == 400
    db.session.expire_all()
    assert db.session.get(BlacklistEntry, entry.id) is not None


def test_blacklist_grid_needs_the_blacklist_permission(client, auth, make_user, make_role):
    _add("13811110000")
    db.session.commit()
    auth.login(make_user("caller", role=make_role(permissions=["calls.view"])))
    assert client.get("/phone/blacklist/data").status_code == 403
    assert client.get("/phone/blacklist/export?format=csv").status_code == 403
    entry_id = db.session.scalar(select(BlacklistEntry.id))
    assert client.post("/phone/blacklist/delete", data={"ids": str(entry_id)}).status_code == 403
    assert db.session.get(BlacklistEntry, entry_id) is not None


NO_RECORD = "/phone/blacklist/no-record/data"


def _no_record(number, note=""):
    entry = NoRecordNumber(number=number, note=note)
    db.session.add(entry)
    return entry


def test_no_record_numbers_page_on_the_server_and_are_found_by_any_written_form(admin_client):
    for n in range(30):
        _no_record(f"139000000{n:02d}", note="董事长" if n == 7 else "")
    _no_record("1061234567", note="总部")
    db.session.commit()
    first = _rows(admin_client, NO_RECORD, size=20)
    assert first["total"] == 31 and first["last_page"] == 2 and len(first["data"]) == 20
    assert first["data"][0]["number"] == "1061234567", "sorted by number by default"
    last = _rows(admin_client, NO_RECORD, size=20, page=2, sort=[{"field": "number", "dir": "desc"}])
    assert [r["number"] for r in last["data"]][-1] == "1061234567"
    assert [r["number"] for r in _rows(admin_client, NO_RECORD, q="+86 139-0000-0007")["data"]] == ["13900000007"]
    assert [r["number"] for r in _rows(admin_client, NO_RECORD, q="(010) 6123-4567")["data"]] == ["1061234567"]
    assert [r["note"] for r in _rows(admin_client, NO_RECORD, q="董事长")["data"]] == ["董事长"]


def test_no_record_export_has_the_current_query(admin_client):
    _no_record("13812345678", note="董事长")
    _no_record("13900000000", note="=cmd|' /C calc'!A0")
    db.session.commit()
    response, table = _export_csv(
        admin_client, "/phone/blacklist/no-record/export", [{"field": "number", "op": "starts", "value": "139"}]
    )
    assert quote("不录音号码.csv") in response.headers["Content-Disposition"]
    assert table[0][:2] == ["号码", "备注"]
    assert [row[:2] for row in table[1:]] == [["13900000000", "'=cmd|' /C calc'!A0"]]


def test_remove_the_ticked_no_record_numbers_only(admin_client):
    keep = _no_record("13811110000")
    gone = [_no_record("13822220000"), _no_record("13833330000")]
    blacklisted = _add("13822220000")
    db.session.commit()
    ids = ",".join(str(e.id) for e in gone)
    response = admin_client.post("/phone/blacklist/no-record/delete", data={"ids": ids}, follow_redirects=True)
    assert response.status_code == 200 and "已把 2 个号码移出不录音号码" in response.get_data(as_text=True)
    assert [r["number"] for r in _rows(admin_client, NO_RECORD)["data"]] == [keep.number]
    assert db.session.get(BlacklistEntry, blacklisted.id) is not None, "the blacklist is another list"
    removals = select(func.count(AuditLog.id)).where(AuditLog.entity == "no_record_number", AuditLog.action == "delete")
    assert db.session.scalar(removals) == 2
    for bad in ("", "abc", f"{keep.id},1;drop"):
        response = admin_client.post("/phone/blacklist/no-record/delete", data={"ids": bad})
        assert response.status_code == 400 and "请先勾选" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(NoRecordNumber, keep.id) is not None


def test_no_record_grid_needs_the_blacklist_permission(client, auth, make_user, make_role):
    entry = _no_record("13811110000")
    db.session.commit()
    auth.login(make_user("caller", role=make_role(permissions=["calls.view"])))
    assert client.get(NO_RECORD).status_code == 403
    assert client.get("/phone/blacklist/no-record/export?format=csv").status_code == 403
    assert client.post("/phone/blacklist/no-record/delete", data={"ids": str(entry.id)}).status_code == 403
    assert db.session.get(NoRecordNumber, entry.id) is not None


def test_a_role_that_hides_numbers_sees_blacklisted_numbers_masked(client, auth, make_user, make_role):
    _add("13812345678", reason="骚扰")
    db.session.commit()
    role = make_role(permissions=["blacklist.manage"], data_scope="all", hide_numbers=True)
    auth.login(make_user("masked_manager", role=role))
    rows = _rows(client, q="+86 138 1234 5678")["data"]
    assert [(r["number"], r["reason"]) for r in rows] == [("138****5678", "骚扰")]
    export = client.get("/phone/blacklist/export", query_string={"format": "csv"}).get_data(as_text=True)
    assert "138****5678" in export and "13812345678" not in export

"""FAQ knowledge base: Chinese substring search through the real indexes, ranking, sanitizing, permissions."""

import io

import pytest

from app.errors import ValidationError
from app.extensions import db
from app.faq import services
from app.faq.models import FaqEntry


@pytest.fixture
def make_entry(admin):
    def factory(title, answer="<p>请参考说明。</p>", keywords="", **data):
        entry = services.save_entry({"title": title, "answer": answer, "keywords": keywords, **data}, admin)
        db.session.commit()
        return entry

    return factory


def titles(query, **kwargs):
    return [e.title for e in services.search(query, **kwargs)]


def test_two_character_word_finds_it_inside_a_longer_title(make_entry):
    make_entry("如何办理退货")
    make_entry("发票怎么开")
    assert titles("退货") == ["如何办理退货"]
    assert titles("发票") == ["发票怎么开"]
    assert titles("办理退") == ["如何办理退货"]
    assert titles("换货") == []


def test_three_and_four_character_substrings_and_several_words(make_entry):
    make_entry("保修期多久", answer="<p>整机<b>保修期</b>为一年,电池半年。</p>")
    make_entry("上门安装", answer="<p>安装后保修一年</p>")
    assert titles("保修期") == ["保修期多久"]
    assert titles("电池半年") == ["保修期多久"]
    assert sorted(titles("保修 一年")) == ["上门安装", "保修期多久"]
    assert titles("保修 安装") == ["上门安装"]


def test_search_ignores_ascii_case_and_survives_like_wildcards(make_entry):
    make_entry("VIP 会员权益", answer="<p>100% 退款保障</p>")
    assert titles("vip") == ["VIP 会员权益"]
    assert titles("100%") == ["VIP 会员权益"]
    assert titles("%") == ["VIP 会员权益"]
    assert titles("_") == []


def test_edit_moves_the_entry_in_the_index_and_delete_removes_it(make_entry, admin):
    entry = make_entry("如何办理退货")
    services.save_entry({"title": "如何开具发票", "answer": "<p>在订单页申请</p>"}, admin, entry)
    db.session.commit()
    assert titles("退货") == []
    assert titles("发票") == ["如何开具发票"]
    services.delete_entry(entry)
    db.session.commit()
    assert titles("发票") == []


def test_title_matches_rank_before_keywords_before_answer(make_entry):
    make_entry("配送时间", answer="<p>退货商品请在七天内寄回</p>")
    make_entry("售后政策", keywords="退货,退款")
    make_entry("如何办理退货")
    assert titles("退货") == ["如何办理退货", "售后政策", "配送时间"]


def test_category_filter_includes_subcategories(make_entry):
    parent = services.save_category({"name": "售后"})
    child = services.save_category({"name": "退换货", "parent_id": parent.id})
    other = services.save_category({"name": "财务"})
    make_entry("如何办理退货", category_id=child.id)
    make_entry("退货运费发票", category_id=other.id)
    assert titles("退货", category_id=parent.id) == ["如何办理退货"]


def test_answer_is_sanitized(make_entry):
    entry = make_entry(
        "安全测试",
        answer='<p onclick="x()">正文<script>alert(1)</script></p><img src="x" onerror="alert(2)">'
        '<img src="/static/logo.png"><img src="data:image/png;base64,AAAA"><a href="https://example.com">链接</a>'
        '<a href="javascript:alert(3)">坏链接</a>',
    )
    html = entry.answer_html
    assert "<script" not in html and "alert" not in html and "onerror" not in html and "onclick" not in html
    assert 'src="/static/logo.png"' in html and "data:" not in html
    assert 'href="https://example.com" rel="noopener noreferrer"' in html
    assert entry.answer_text == "正文\n链接坏链接"


def test_bad_input_names_the_fields_and_writes_nothing(admin):
    with pytest.raises(ValidationError) as caught:
        services.save_entry({"title": "", "answer": "<script>x</script>", "category_id": "999"}, admin)
    assert set(caught.value.errors) == {"标题", "答案", "分类"}
    db.session.rollback()
    assert db.session.query(FaqEntry).count() == 0


def test_extra_fields_are_validated(admin):
    from app.fields.services import create_field

    create_field("faq", "适用产品", "choice", options=["手机", "电脑"], required=True)
    db.session.commit()
    with pytest.raises(ValidationError) as caught:
        services.save_entry({"title": "t", "answer": "a", "extra": {"适用产品": "冰箱"}}, admin)
    assert "适用产品" in caught.value.errors
    db.session.rollback()
    entry = services.save_entry({"title": "t", "answer": "a", "extra": {"适用产品": "手机"}}, admin)
    assert list(entry.extra.values()) == ["手机"]


def test_panel_json_and_pages(admin_client, make_entry):
    make_entry("如何办理退货", answer="<p>登录后在<b>我的订单</b>申请退货</p>", keywords="退货")
    data = admin_client.get("/faq/search.json?q=退货").get_json()
    assert [r["title"] for r in data["results"]] == ["如何办理退货"]
    assert data["results"][0]["answer_html"] == "<p>登录后在<b>我的订单</b>申请退货</p>"
    page = admin_client.get("/faq/?q=退货").get_data(as_text=True)
    assert "如何办理退货" in page
    assert "没有找到" in admin_client.get("/faq/?q=不存在的词").get_data(as_text=True)
    assert 'src="/static/js/faq_panel.js"' in page


def test_add_entry_through_the_form_and_errors_are_shown(admin_client):
    response = admin_client.post("/faq/new", data={"title": "", "answer": ""})
    assert response.status_code == 400
    assert "必填" in response.get_data(as_text=True)
    response = admin_client.post("/faq/new", data={"title": "发票怎么开", "answer": "<p>联系财务</p>"})
    assert response.status_code == 302
    assert "联系财务" in admin_client.get(response.headers["Location"]).get_data(as_text=True)


def test_permissions(client, auth, make_user, make_role, make_entry):
    entry = make_entry("如何办理退货")
    reader = make_user("reader", role=make_role(permissions=["faq.view"]))
    auth.login(reader)
    assert client.get("/faq/search.json?q=退货").status_code == 200
    assert client.post("/faq/new", data={"title": "x", "answer": "y"}).status_code == 403
    assert client.post(f"/faq/{entry.id}/delete").status_code == 403
    assert client.get("/faq/categories").status_code == 403
    auth.logout()
    outsider = make_user("outsider", role=make_role(permissions=[]))
    auth.login(outsider)
    assert client.get("/faq/search.json?q=退货").status_code == 403
    assert "faq_panel.js" not in client.get("/").get_data(as_text=True)


def test_attached_files_are_checked(admin_client, make_entry):
    entry = make_entry("产品说明书")
    fake_png = (io.BytesIO(b"<html>not an image</html>"), "manual.png")
    admin_client.post(f"/faq/{entry.id}/files", data={"file": fake_png}, content_type="multipart/form-data")
    db.session.refresh(entry)
    assert entry.files == []
    pdf = (io.BytesIO(b"%PDF-1.4 test"), "说明书.pdf")
    admin_client.post(f"/faq/{entry.id}/files", data={"file": pdf}, content_type="multipart/form-data")
    db.session.refresh(entry)
    assert [f.original_name for f in entry.files] == ["说明书.pdf"]
    download = admin_client.get(f"/faq/files/{entry.files[0].id}")
    assert download.data == b"%PDF-1.4 test"


def test_category_cannot_move_under_itself(admin):
    parent = services.save_category({"name": "售后"})
    child = services.save_category({"name": "退货", "parent_id": parent.id})
    with pytest.raises(ValidationError) as caught:
        services.save_category({"name": "售后", "parent_id": child.id}, parent)
    assert "上级分类" in caught.value.errors

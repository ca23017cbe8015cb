"""信息扩展配置 and 参数配置: the services others build on, the expression indexes, and the admin pages."""

import re

import pytest
from sqlalchemy import insert, select, text

from app.audit.models import AuditLog
from app.audit.services import set_actor
from app.customers.models import Customer
from app.errors import ValidationError
from app.extensions import db
from app.fields import services
from app.fields.models import FIELD_TYPES, CustomField, ParamItem


@pytest.fixture(autouse=True)
def _no_actor_from_an_earlier_test():
    """The audit actor is a context variable; a user signed in by an earlier test is gone after its rollback."""
    set_actor(None, "")


def is_postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def index_names(table="customer") -> set[str]:
    if is_postgres():
        rows = db.session.execute(text("SELECT indexname FROM pg_indexes WHERE tablename = :t"), {"t": table})
    else:
        rows = db.session.execute(
            text("SELECT name FROM sqlite_master WHERE type='index' AND tbl_name = :t"), {"t": table}
        )
    return {row[0] for row in rows}


def choice_field(label="爱好", options=("读书", "跑步", "游泳"), field_type="choice", **kw):
    return services.create_field("customer", label, field_type, options=list(options), **kw)


def add_customers(*extras):
    db.session.add_all(Customer(name=f"客户{n}", extra=extra) for n, extra in enumerate(extras))
    db.session.flush()


# -- defining fields ----------------------------------------------------------------------------


@pytest.mark.parametrize("field_type", FIELD_TYPES)
def test_each_type_can_be_created_with_a_fresh_key_and_its_index(field_type):
    options = ["甲", "乙"] if field_type in ("choice", "multichoice") else []
    field = services.create_field("customer", f"字段{field_type}", field_type, options=options)
    assert re.fullmatch(r"cf_\d+", field.key)
    assert field in services.custom_fields("customer")
    indexed = services.index_name(field) in index_names()
    if field_type == "memo" or (field_type == "multichoice" and not is_postgres()):
        assert not indexed
    else:
        assert indexed


def test_type_is_fixed_but_label_flags_and_options_may_change():
    field = choice_field()
    with pytest.raises(ValidationError) as caught:
        services.update_field(field, field_type="text")
    assert "类型" in caught.value.errors
    assert db.session.get(CustomField, field.id).field_type == "choice"

    services.update_field(
        field, label="兴趣爱好", show_in_pop=False, width=200, options=["读书", "跑步", "游泳", "登山"]
    )
    assert [f.label for f in services.custom_fields("customer", "pop")] == []
    assert field.label == "兴趣爱好" and field.width == 200 and field.options[-1] == "登山"


def test_bad_definitions_are_refused_with_every_problem_named():
    choice_field("爱好")
    with pytest.raises(ValidationError) as caught:
        services.create_field("customer", " 爱好 ", "choice", options=[], width=5)
    assert set(caught.value.errors) == {"名称", "可选值", "列宽"}
    with pytest.raises(ValidationError) as caught:
        services.create_field("customer", "备注二", "text", required=True, show_in_form=False)
    assert "显示位置" in caught.value.errors
    with pytest.raises(ValidationError) as caught:
        services.create_field("customer", "标签", "multichoice", options=["a,b"])
    assert "可选值" in caught.value.errors
    with pytest.raises(ValidationError) as caught:
        services.create_field("customer", "生日2", "date", default_value="明天")
    assert "默认值" in caught.value.errors
    assert [f.label for f in services.custom_fields("customer")] == ["爱好"]


def test_where_a_field_shows_and_its_order():
    first = services.create_field("customer", "一", "text")
    second = services.create_field("customer", "二", "text", show_in_list=False, show_in_pop=False)
    hidden = services.create_field("customer", "三", "text", show_in_list=False, show_in_form=False, show_in_pop=False)
    assert hidden.hidden and not first.hidden
    assert services.custom_fields("customer", "list") == [first]
    assert services.custom_fields("customer", "form") == [first, second]
    services.move_field(hidden, "up")
    assert [f.label for f in services.custom_fields("customer")] == ["一", "三", "二"]
    services.move_field(first, "up")  # already first: nothing moves
    assert [f.label for f in services.custom_fields("customer")] == ["一", "三", "二"]


def test_creating_a_field_is_audited():
    field = services.create_field("customer", "微信号", "text")
    db.session.flush()
    entry = db.session.scalar(
        select(AuditLog).where(AuditLog.entity == "custom_field", AuditLog.entity_id == str(field.id))
    )
    assert entry.action == "create" and entry.summary == "微信号"


def test_deleting_a_field_hides_it_keeps_values_and_never_reuses_its_key():
    field = services.create_field("customer", "旧字段", "number")
    add_customers({field.key: 5})
    services.delete_field(field)
    assert field not in services.custom_fields("customer")
    assert services.index_name(field) not in index_names()
    assert db.session.scalar(select(Customer.extra).where(Customer.name == "客户0")) == {field.key: 5}
    replacement = services.create_field("customer", "旧字段", "text")
    assert replacement.key != field.key


# -- values -------------------------------------------------------------------------------------


def test_validate_extra_cleans_every_type_by_label_or_key():
    fields = {
        "text": services.create_field("customer", "昵称", "text"),
        "number": services.create_field("customer", "人数", "number"),
        "date": services.create_field("customer", "签约日", "date"),
        "link": services.create_field("customer", "主页", "link"),
        "memo": services.create_field("customer", "说明", "memo"),
        "money": services.create_field("customer", "预算", "money"),
        "bool": services.create_field("customer", "老客户", "bool"),
        "choice": choice_field("爱好"),
        "multichoice": choice_field("技能", ("销售", "客服", "技术"), "multichoice"),
    }
    cleaned = services.validate_extra(
        "customer",
        {
            "昵称": " 小王 ",
            fields["number"].key: "1,200",
            "签约日": 31173,
            "主页": "https://example.com",
            "说明": "两行\n内容",
            "预算": "¥9,999.995",
            "老客户": "√",
            "爱好": "跑步",
            "技能": "客服、技术",
        },
    )
    assert cleaned == {
        fields["text"].key: "小王",
        fields["number"].key: 1200,
        fields["date"].key: "1985-05-06",
        fields["link"].key: "https://example.com",
        fields["memo"].key: "两行\n内容",
        fields["money"].key: 10000.0,
        fields["bool"].key: True,
        fields["choice"].key: "跑步",
        fields["multichoice"].key: ["客服", "技术"],
    }


def test_validate_extra_names_every_bad_field_by_label_at_once():
    choice_field("爱好")
    services.create_field("customer", "签约日", "date")
    services.create_field("customer", "主页", "link")
    with pytest.raises(ValidationError) as caught:
        services.validate_extra("customer", {"爱好": "潜水", "签约日": "1985-02-30", "主页": "javascript:alert(1)"})
    assert set(caught.value.errors) == {"爱好", "签约日", "主页"}
    assert "潜水" in caught.value.errors["爱好"]


def test_required_fields_must_be_filled_unless_partial():
    required = services.create_field("customer", "身份证号", "text", required=True)
    services.create_field("customer", "昵称", "text")
    with pytest.raises(ValidationError) as caught:
        services.validate_extra("customer", {"昵称": "小王"})
    assert caught.value.errors == {"身份证号": "必填"}
    assert services.validate_extra("customer", {"昵称": "小王"}, partial=True) == {
        services.custom_fields("customer")[1].key: "小王"
    }
    with pytest.raises(ValidationError):  # clearing a required field is refused even in a partial update
        services.validate_extra("customer", {required.key: "  "}, partial=True)


def test_unknown_names_are_refused_and_blank_values_clear():
    field = services.create_field("customer", "昵称", "text")
    with pytest.raises(ValidationError) as caught:
        services.validate_extra("customer", {"不存在": "x"})
    assert "不存在" in caught.value.errors
    cleaned = services.validate_extra("customer", {"昵称": ""}, partial=True)
    assert services.merge_extra({field.key: "旧", "cf_999": 1}, cleaned) == {"cf_999": 1}


def test_money_sorts_and_filters_as_a_number():
    money = services.create_field("customer", "预算", "money")
    amounts = ["9.5", "100", "20.005", "1,000"]
    add_customers(*({money.key: services.validate_extra("customer", {"预算": a})[money.key]} for a in amounts))
    expression = services.extra_expression(money, Customer.extra)
    ordered = db.session.scalars(select(expression).where(expression.is_not(None)).order_by(expression)).all()
    assert ordered == [9.5, 20.01, 100.0, 1000.0]
    assert db.session.scalar(select(Customer.name).where(expression > 500)) == "客户3"


def test_bool_and_date_expressions_filter():
    flag = services.create_field("customer", "老客户", "bool")
    day = services.create_field("customer", "签约日", "date")
    add_customers({flag.key: True, day.key: "2024-01-05"}, {flag.key: False, day.key: "2023-12-31"})
    flag_expr = services.extra_expression(flag, Customer.extra)
    day_expr = services.extra_expression(day, Customer.extra)
    assert db.session.scalars(select(Customer.name).where(flag_expr.is_(True))).all() == ["客户0"]
    assert db.session.scalars(select(Customer.name).where(day_expr >= "2024-01-01")).all() == ["客户0"]


@pytest.mark.parametrize(("field_type", "value"), [("number", lambda n: n), ("text", lambda n: f"编号{n}")])
def test_expression_index_is_used_for_filters(field_type, value):
    field = services.create_field("customer", "会员号", field_type)
    rows = [{"name": f"客户{n}", "extra": {field.key: value(n)}} for n in range(3000)]
    db.session.execute(insert(Customer), rows)
    condition = services.extra_expression(field, Customer.extra) == value(1234)
    query = select(Customer.id).where(condition)
    sql = str(query.compile(db.session.get_bind(), compile_kwargs={"literal_binds": True}))
    if is_postgres():
        db.session.execute(text("ANALYZE customer"))
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(row[0] for row in db.session.execute(text("EXPLAIN " + sql)))
    else:
        plan = "\n".join(row[-1] for row in db.session.execute(text("EXPLAIN QUERY PLAN " + sql)))
    assert services.index_name(field) in plan
    assert db.session.scalars(query).all() != []


# -- options ------------------------------------------------------------------------------------


def test_removing_an_option_in_use_is_refused_with_a_count():
    field = choice_field()
    add_customers({field.key: "读书"}, {field.key: "读书"}, {field.key: "跑步"})
    with pytest.raises(ValidationError) as caught:
        services.update_field(field, options=["跑步", "游泳"])
    assert "读书" in caught.value.errors["可选值"] and "2" in caught.value.errors["可选值"]
    assert field.options == ["读书", "跑步", "游泳"]
    services.update_field(field, options=["读书", "跑步"])  # 游泳 is unused
    assert field.options == ["读书", "跑步"]


def test_renaming_an_option_rewrites_stored_values():
    single = choice_field()
    multi = choice_field("技能", ("销售", "客服"), "multichoice")
    add_customers({single.key: "读书", multi.key: ["销售", "客服"]}, {single.key: "跑步", multi.key: ["客服"]})
    loaded = db.session.scalar(select(Customer).where(Customer.name == "客户0"))
    with pytest.raises(ValidationError):
        services.rename_option(single, "读书", "  ")
    assert services.rename_option(single, "读书", "阅读") == 1
    assert loaded.extra[single.key] == "阅读"  # records already in the session see the new value
    assert services.rename_option(multi, "客服", "服务") == 2
    assert single.options == ["阅读", "跑步", "游泳"] and multi.options == ["销售", "服务"]
    extras = db.session.scalars(select(Customer.extra).order_by(Customer.name)).all()
    assert extras == [{single.key: "阅读", multi.key: ["销售", "服务"]}, {single.key: "跑步", multi.key: ["服务"]}]


def test_multichoice_contains_finds_rows_with_that_option():
    field = choice_field("技能", ("销售", "客服", "技术"), "multichoice")
    add_customers({field.key: ["销售", "客服"]}, {field.key: ["技术"]}, {})
    condition = services.multichoice_contains(field, Customer.extra, "客服")
    assert db.session.scalars(select(Customer.name).where(condition)).all() == ["客户0"]
    assert services.option_usage_count(field, "技术") == 1


# -- parameter lists ----------------------------------------------------------------------------


def test_param_choices_follow_order_and_hide_disabled_items():
    labels = [label for _id, label in services.param_choices("customer_level")]
    assert labels[0] == "VIP客户"
    vip = services.param_item_by_label("customer_level", " vip客户 ")
    services.update_param(vip, enabled=False)
    assert "VIP客户" not in [label for _id, label in services.param_choices("customer_level")]
    assert "VIP客户" in [label for _id, label in services.param_choices("customer_level", include_disabled=True)]
    assert services.param_label(vip.id) == "VIP客户"
    assert services.param_label(None) == ""


def test_param_create_rename_move_and_duplicates():
    item = services.create_param("shipping_company", "  极兔速递 ")
    assert item.label == "极兔速递" and services.param_choices("shipping_company")[-1] == (item.id, "极兔速递")
    with pytest.raises(ValidationError):
        services.create_param("shipping_company", "顺丰速运")
    with pytest.raises(ValidationError):
        services.create_param("no_such_kind", "x")
    with pytest.raises(ValidationError):
        services.update_param(item, label="")
    services.update_param(item, label="极兔快递")
    services.move_param(item, "up")
    assert [label for _id, label in services.param_choices("shipping_company")][-2:] == ["极兔快递", "德邦物流"]


def test_deleting_a_param_in_use_is_refused_with_how_many_use_it():
    level = services.param_item_by_label("customer_level", "重要客户")
    db.session.add_all([Customer(name="甲", level_id=level.id), Customer(name="乙", level_id=level.id)])
    db.session.flush()
    with pytest.raises(ValidationError) as caught:
        services.delete_param(level)
    assert "2" in caught.value.message and "停用" in caught.value.message
    unused = services.create_param("customer_level", "临时级别")
    services.delete_param(unused)
    assert db.session.get(ParamItem, unused.id) is None


# -- pages --------------------------------------------------------------------------------------


def test_field_pages_add_edit_move_and_delete(admin_client):
    page = admin_client.get("/system/fields?entity=customer").get_data(as_text=True)
    assert "信息扩展配置" in page and "来往记录" in page  # the entity tabs
    response = admin_client.post(
        "/system/fields/new?entity=customer",
        data={
            "label": "爱好",
            "field_type": "choice",
            "options": "读书\n跑步\n",
            "show_in_list": "1",
            "show_in_form": "1",
        },
    )
    assert response.status_code == 302
    field = services.custom_fields("customer")[0]
    assert field.options == ["读书", "跑步"] and not field.show_in_pop
    assert "读书、跑步" in admin_client.get("/system/fields").get_data(as_text=True)

    edit_page = admin_client.get(f"/system/fields/{field.id}/edit").get_data(as_text=True)
    assert re.search(r'<select name="field_type" id="field-type"\s+disabled', edit_page)
    response = admin_client.post(
        f"/system/fields/{field.id}/edit", data={"label": "兴趣", "field_type": "number", "options": "读书\n跑步"}
    )
    assert response.status_code == 400 and "字段创建后类型不能修改" in response.get_data(as_text=True)
    response = admin_client.post(
        f"/system/fields/{field.id}/edit", data={"label": "兴趣", "options": "读书\n跑步", "show_in_pop": "1"}
    )
    assert response.status_code == 302
    assert db.session.get(CustomField, field.id).label == "兴趣"

    response = admin_client.post(f"/system/fields/{field.id}/rename-option", data={"old": "读书", "new": "阅读"})
    assert response.status_code == 302 and db.session.get(CustomField, field.id).options == ["阅读", "跑步"]

    admin_client.post("/system/fields/new?entity=customer", data={"label": "预算", "field_type": "money"})
    admin_client.post(f"/system/fields/{field.id}/move", data={"direction": "down"})
    assert [f.label for f in services.custom_fields("customer")] == ["预算", "兴趣"]

    assert admin_client.post(f"/system/fields/{field.id}/delete").status_code == 302
    page = admin_client.get("/system/fields").get_data(as_text=True)
    assert "已删除字段“兴趣”" in page and f'data-field-key="{field.key}"' not in page
    assert admin_client.get(f"/system/fields/{field.id}/edit").status_code == 404


def test_field_form_shows_errors_next_to_the_fields(admin_client):
    response = admin_client.post(
        "/system/fields/new?entity=customer", data={"label": "", "field_type": "choice", "options": "", "width": "abc"}
    )
    assert response.status_code == 400
    errors = re.findall(r'class="field-error"[^>]*>([^<]+)<', response.get_data(as_text=True))
    assert "请填写名称" in errors and "单选和多选字段至少需要一个可选值" in errors and any("列宽" in e for e in errors)
    assert services.custom_fields("customer") == []


def test_user_data_in_pages_is_escaped(admin_client):
    services.create_field("customer", "<script>alert(1)</script>", "text")
    db.session.commit()
    page = admin_client.get("/system/fields").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_param_pages_add_rename_toggle_move_delete(admin_client):
    page = admin_client.get("/system/params?kind=shipping_company").get_data(as_text=True)
    assert "货运公司" in page and "顺丰速运" in page and "来往类型" in page
    assert admin_client.post("/system/params/shipping_company/add", data={"label": "极兔速递"}).status_code == 302
    item = services.param_item_by_label("shipping_company", "极兔速递")
    response = admin_client.post("/system/params/shipping_company/add", data={"label": "极兔速递"})
    assert response.status_code == 400 and "已经存在" in response.get_data(as_text=True)

    assert admin_client.post(f"/system/params/item/{item.id}/rename", data={"label": "极兔快递"}).status_code == 302
    admin_client.post(f"/system/params/item/{item.id}/toggle")
    assert not db.session.get(ParamItem, item.id).enabled
    admin_client.post(f"/system/params/item/{item.id}/move", data={"direction": "up"})
    assert [label for _id, label in services.param_choices("shipping_company", True)][-2] == "极兔快递"
    assert admin_client.post(f"/system/params/item/{item.id}/delete").status_code == 302
    assert db.session.get(ParamItem, item.id) is None


def test_deleting_a_used_param_on_the_page_says_why(admin_client):
    source = services.param_item_by_label("customer_source", "展会")
    db.session.add(Customer(name="甲", source_id=source.id))
    db.session.commit()
    response = admin_client.post(f"/system/params/item/{source.id}/delete")
    assert response.status_code == 400
    assert "已被 1 条记录使用" in response.get_data(as_text=True)
    assert db.session.get(ParamItem, source.id) is not None


def test_admin_pages_need_their_permissions(client, auth, make_user, make_role):
    agent = make_user("agent1", role=make_role(permissions=["customer.view", "system.params"]))
    auth.login(agent)
    assert client.get("/system/fields").status_code == 403
    assert (
        client.post("/system/fields/new?entity=customer", data={"label": "x", "field_type": "text"}).status_code == 403
    )
    assert client.get("/system/params").status_code == 200
    level = services.param_item_by_label("customer_level", "普通客户")
    assert client.post(f"/system/params/item/{level.id}/toggle", csrf=False).status_code == 400
    assert db.session.get(ParamItem, level.id).enabled


def test_menu_shows_the_two_pages_to_admins(admin_client):
    page = admin_client.get("/").get_data(as_text=True)
    assert "/system/fields" in page and "/system/params" in page

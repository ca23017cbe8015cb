"""The customer list and the follow-up query as data grids: columns, scoped base queries, quick filters."""

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import false, select

from app.customers.access import customer_scope
from app.customers.followups import followup_scope
from app.customers.models import Customer, CustomerPhone, FollowUp
from app.customers.phones import try_normalize
from app.customers.services import GENDER_LABELS, PARAM_FIELDS, TEXT_FIELDS
from app.grid.columns import labels_column, param_column, user_column
from app.grid.services import GridColumn, GridDefinition
from app.timeutil import local_day_bounds_utc, local_today

FIELD_TYPE_TO_COLUMN = {"bool": "bool", "choice": "choice", "multichoice": "multichoice"}


def _phone_search(text: str):
    found = try_normalize(text)
    if found is None:
        return false()
    return Customer.id.in_(select(CustomerPhone.customer_id).where(CustomerPhone.normalized == found.normalized))


def first_phone_expr():
    return (
        select(CustomerPhone.number)
        .where(CustomerPhone.customer_id == Customer.id, CustomerPhone.contact_id.is_(None))
        .order_by(CustomerPhone.position, CustomerPhone.id)
        .limit(1)
        .scalar_subquery()
    )


def customer_columns(user) -> list[GridColumn]:
    from app.fields.services import custom_fields, extra_expression

    text = TEXT_FIELDS
    columns = [
        GridColumn("name", text["name"][0], Customer.name, type="link", searchable=True, width=120),
        GridColumn(
            "phone",
            _l("电话"),
            first_phone_expr(),
            sortable=False,
            searchable=True,
            mask_phone=True,
            search_condition=_phone_search,
            width=130,
        ),
        GridColumn("company", text["company"][0], Customer.company, searchable=True, width=160),
        labels_column("gender", _l("性别"), Customer.gender, GENDER_LABELS, width=60),
        GridColumn("birthday", _l("生日"), Customer.birthday, type="date", default_visible=False),
    ]
    for key in ("native_place", "ethnicity", "email", "im", "address", "region"):
        columns.append(
            GridColumn(
                key,
                text[key][0],
                getattr(Customer, key),
                searchable=key in ("email", "im", "address"),
                default_visible=key in ("region",),
                width=140 if key in ("email", "address") else 100,
            )
        )
    for key, (label, kind) in PARAM_FIELDS.items():
        visible = key in ("category_id", "level_id")
        columns.append(
            param_column(
                key.removesuffix("_id"), label, getattr(Customer, key), kind, width=100, default_visible=visible
            )
        )
    columns += [
        user_column("owner", _l("所属坐席"), Customer.owner_id, width=100),
        user_column("locked_by", _l("锁定人"), Customer.locked_by_id, width=90, default_visible=False),
        GridColumn("notes", text["notes"][0], Customer.notes, type="memo", searchable=True, default_visible=False),
        user_column("created_by", _l("创建人"), Customer.created_by_id, default_visible=False),
        GridColumn("created_at", _l("创建时间"), Customer.created_at, type="datetime", width=140),
        GridColumn(
            "updated_at", _l("修改时间"), Customer.updated_at, type="datetime", width=140, default_visible=False
        ),
        GridColumn("last_contact_at", _l("最后联系"), Customer.last_contact_at, type="datetime", width=140),
    ]
    for field in custom_fields("customer", where="list"):
        column_type = FIELD_TYPE_TO_COLUMN.get(field.field_type, field.field_type)
        options = list(field.options or [])
        columns.append(
            GridColumn(
                field.key,
                field.label,
                extra_expression(field, Customer.extra),
                type=column_type,
                width=field.width or 120,
                searchable=field.field_type in ("text", "memo"),
                choices=(lambda options=options: [(o, o) for o in options]) if options else None,
            )
        )
    return columns


def customer_base_query(user):
    return select(Customer).where(*customer_scope(user))


def _day_span(start_offset: int, days: int):
    return local_day_bounds_utc(local_today() + timedelta(days=start_offset), days=days)


def _within(column, start_offset, days):
    start, end = _day_span(start_offset, days)
    return (column >= start) & (column < end)


CUSTOMER_QUICK_FILTERS = {
    "mine": (_l("我的客户"), lambda user: Customer.owner_id == user.id),
    "pool": (_l("公共池"), lambda user: Customer.owner_id.is_(None)),
    "locked": (_l("我锁定的"), lambda user: Customer.locked_by_id == user.id),
    "created_yesterday": (_l("昨日新增"), lambda user: _within(Customer.created_at, -1, 1)),
    "contacted_today": (_l("今日联系"), lambda user: _within(Customer.last_contact_at, 0, 1)),
    "created_7d": (_l("近7天新增"), lambda user: _within(Customer.created_at, -6, 7)),
    "contacted_7d": (_l("近7天联系"), lambda user: _within(Customer.last_contact_at, -6, 7)),
}

CUSTOMER_GRID = GridDefinition(
    id="customers",
    columns=customer_columns,
    base_query=customer_base_query,
    id_expr=Customer.id,
    default_sort=[("updated_at", "desc")],
    quick_filters=CUSTOMER_QUICK_FILTERS,
)


def followup_columns(user) -> list[GridColumn]:
    return [
        GridColumn("created_at", _l("时间"), FollowUp.created_at, type="datetime", width=140),
        GridColumn("customer", _l("客户"), Customer.name, type="link", searchable=True, width=120),
        GridColumn(
            "customer_id",
            _l("客户编号"),
            FollowUp.customer_id,
            type="number",
            default_visible=False,
            export=False,
            width=80,
        ),
        param_column("type", _l("来往类型"), FollowUp.type_id, "followup_type", width=100),
        param_column("channel", _l("沟通方式"), FollowUp.channel_id, "followup_channel", width=90),
        GridColumn("content", _l("内容"), FollowUp.content, type="memo", searchable=True, width=320),
        GridColumn("next_remind_at", _l("下次提醒"), FollowUp.next_remind_at, type="datetime", width=140),
        user_column("created_by", _l("记录人"), FollowUp.created_by_id, width=90),
    ]


def followup_base_query(user):
    return select(FollowUp).join(Customer, Customer.id == FollowUp.customer_id).where(*followup_scope(user))


FOLLOWUP_GRID = GridDefinition(
    id="followups",
    columns=followup_columns,
    base_query=followup_base_query,
    id_expr=FollowUp.id,
    default_sort=[("created_at", "desc")],
    quick_filters={
        "mine": (_l("我的记录"), lambda user: FollowUp.created_by_id == user.id),
        "today": (_l("今天"), lambda user: _within(FollowUp.created_at, 0, 1)),
        "remind_today": (_l("今日待跟进"), lambda user: _within(FollowUp.next_remind_at, 0, 1)),
        "last_7d": (_l("近7天"), lambda user: _within(FollowUp.created_at, -6, 7)),
    },
)

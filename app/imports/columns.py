"""The columns of a customer import file: built-in fields, numbers and the configured custom fields.

Headers are matched by their Chinese label, their English label or a common alias, ignoring case,
spaces and the `*` that marks required columns in the template."""

import re
from dataclasses import dataclass

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

PHONE_SLOTS = 5


@dataclass(frozen=True)
class ImportColumn:
    key: str  # built-in key, "phone:<n>", "phone_type:<n>" or a custom field key
    label: object
    aliases: tuple = ()
    required: bool = False


BUILTIN_COLUMNS = (
    ImportColumn("name", _l("客户姓名"), ("姓名", "客户名称", "客户名", "name"), required=True),
    ImportColumn("company", _l("公司名称"), ("公司", "单位", "company")),
    ImportColumn("gender", _l("性别"), ("gender", "sex")),
    ImportColumn("birthday", _l("生日"), ("出生日期", "birthday")),
    ImportColumn("native_place", _l("籍贯"), ()),
    ImportColumn("ethnicity", _l("民族"), ()),
    ImportColumn("email", _l("邮箱"), ("电子邮箱", "email", "e-mail")),
    ImportColumn("im", _l("QQ/微信"), ("qq", "微信", "wechat")),
    ImportColumn("address", _l("地址"), ("客户地址", "address")),
    ImportColumn("region", _l("地区"), ("区域", "客户区域", "region")),
    ImportColumn("category_id", _l("客户分类"), ("分类", "category")),
    ImportColumn("level_id", _l("客户级别"), ("级别", "level")),
    ImportColumn("source_id", _l("客户来源"), ("来源", "source")),
    ImportColumn("industry_id", _l("所属行业"), ("行业", "industry")),
    ImportColumn("owner", _l("所属坐席"), ("坐席", "owner")),
    ImportColumn("notes", _l("备注"), ("notes", "remark")),
)
PHONE_ALIASES = {1: ("手机", "手机号", "常用电话", "电话", "phone", "mobile"), 2: ("办公电话", "座机"), 3: ("传真",)}


def phone_columns():
    columns = []
    for n in range(1, PHONE_SLOTS + 1):
        columns.append(ImportColumn(f"phone:{n}", _l("电话%(n)s", n=n), PHONE_ALIASES.get(n, ())))
        columns.append(ImportColumn(f"phone_type:{n}", _l("电话%(n)s类型", n=n)))
    return columns


def import_columns(fields) -> list[ImportColumn]:
    custom = [ImportColumn(f.key, f.label, (f.key,), required=f.required) for f in fields]
    return list(BUILTIN_COLUMNS[:1]) + phone_columns()[:4] + list(BUILTIN_COLUMNS[1:]) + phone_columns()[4:] + custom


_SPACES = re.compile(r"[\s*＊:：]+")


def header_key(text) -> str:
    return _SPACES.sub("", str(text or "")).lower()


def _names(column: ImportColumn) -> set[str]:
    names = {header_key(a) for a in column.aliases}
    for locale in ("zh_CN", "en"):
        with force_locale(locale):
            names.add(header_key(str(column.label)))
    return names


def map_headers(headers, fields) -> tuple[dict[int, ImportColumn], list[str]]:
    """{cell index: column} for the headers we know, and the header texts we don't."""
    lookup = {}
    for column in import_columns(fields):
        for name in _names(column):
            lookup.setdefault(name, column)
    mapping, unknown, taken = {}, [], set()
    for index, text in enumerate(headers):
        key = header_key(text)
        if not key:
            continue
        column = lookup.get(key)
        if column is None or column.key in taken:
            unknown.append(str(text))
            continue
        mapping[index] = column
        taken.add(column.key)
    return mapping, unknown


def template_headers(fields) -> list[str]:
    return [str(c.label) + ("*" if c.required else "") for c in import_columns(fields)]


def example_row(fields) -> list:
    """One filled row in the template so people see the expected forms. Gender and phone types are data the
    importer matches (男/女, the phone-type parameter list), so they stay as stored, whatever the UI language."""
    from app.fields.services import param_choices

    phone_types = [label for _id, label in param_choices("phone_type")] + ["", ""]
    values = {
        "name": _("张三"),
        "phone:1": "13812345678",
        "phone_type:1": phone_types[0],
        "phone:2": "010-87654321",
        "phone_type:2": phone_types[1],
        "company": _("示例科技有限公司"),
        "gender": "男",
        "birthday": "1985-5-6",
        "email": "zhangsan@example.com",
        "region": _("北京"),
    }
    return [values.get(c.key, "") for c in import_columns(fields)]

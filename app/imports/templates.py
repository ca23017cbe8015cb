"""The import template generated from the current field configuration."""

import io

from flask_babel import gettext as _

from app.fields.services import param_choices
from app.imports.columns import example_row, template_headers

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def template_workbook(fields) -> bytes:
    import openpyxl
    from openpyxl.styles import Font

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = _("客户资料")
    sheet.append(template_headers(fields))
    sheet.append(example_row(fields))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column in sheet.columns:
        sheet.column_dimensions[column[0].column_letter].width = 16
    notes = workbook.create_sheet(_("填写说明"))
    notes.append([_("说明")])
    notes.append([_("带 * 的列必填;第二行是示例,导入前请删除。")])
    notes.append([_("日期可写成 1985-5-6、1985/05/06、1985.5.6、19850506 或 Excel 日期。")])
    notes.append([_("电话可写成 13812345678、+86 138 1234 5678、010-87654321 或 010-87654321-8001(分机)。")])
    notes.append([_("所属坐席填写登录名或姓名;分类、级别、来源、行业、电话类型须是参数配置中的值:")])
    for kind, label in (
        ("customer_category", _("客户分类")),
        ("customer_level", _("客户级别")),
        ("customer_source", _("客户来源")),
        ("industry", _("所属行业")),
        ("phone_type", _("电话类型")),
    ):
        notes.append([label, "、".join(name for _id, name in param_choices(kind))])
    for field in fields:
        if field.options:
            notes.append([field.label, "、".join(field.options)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

"""What the browser needs to draw a grid: columns in the user's order, operators and every UI string.

The strings go through gettext here so grid.js shows them in the user's language without a
catalogue of its own.
"""

from flask_babel import gettext as _

from app.grid import filters, prefs


def operator_labels() -> dict[str, str]:
    return {
        "eq": _("等于"),
        "ne": _("不等于"),
        "contains": _("包含"),
        "notcontains": _("不包含"),
        "starts": _("开头是"),
        "ends": _("结尾是"),
        "lt": _("小于"),
        "le": _("小于等于"),
        "gt": _("大于"),
        "ge": _("大于等于"),
        "between": _("介于"),
        "in": _("属于其中之一"),
        "empty": _("为空"),
        "notempty": _("不为空"),
    }


def date_operator_labels() -> dict[str, str]:
    """Dates read better as before / after than as smaller / greater."""
    return {"lt": _("早于"), "le": _("不晚于"), "gt": _("晚于"), "ge": _("不早于")}


def ui_strings() -> dict[str, str]:
    return {
        "total": _("共 %(n)s 条"),
        "total_capped": _("超过 %(n)s 条"),
        "count_exact": _("精确统计"),
        "page_size": _("每页"),
        "rows": _("条"),
        "search": _("搜索"),
        "search_placeholder": _("输入关键字搜索"),
        "filter": _("筛选"),
        "filter_title": _("自定义筛选:%(label)s"),
        "second_condition": _("第二个条件"),
        "and": _("且"),
        "or": _("或"),
        "none": _("(无)"),
        "value": _("值"),
        "from": _("从"),
        "to": _("到"),
        "apply": _("确定"),
        "cancel": _("取消"),
        "clear": _("清除"),
        "clear_all": _("清除全部筛选"),
        "yes": _("是"),
        "no": _("否"),
        "all": _("全部"),
        "columns": _("栏目"),
        "columns_title": _("选择显示的栏目"),
        "move_up": _("上移"),
        "move_down": _("下移"),
        "save": _("保存"),
        "reset": _("恢复默认"),
        "saved": _("栏目设置已保存"),
        "export": _("导出"),
        "export_xlsx": _("导出 Excel"),
        "export_csv": _("导出 CSV"),
        "loading": _("加载中…"),
        "empty": _("没有符合条件的记录"),
        "error": _("加载失败"),
        "retry": _("重试"),
        "selected": _("已选 %(n)s 条"),
        "first": _("首页"),
        "prev": _("上一页"),
        "next": _("下一页"),
        "last": _("末页"),
        "page": _("第 %(n)s 页"),
        "open": _("打开"),
        "remove_filter": _("删除此筛选"),
        "need_value": _("请输入筛选值"),
    }


def _choices(column):
    if column.choices is None:
        return None
    return [[value, str(label)] for value, label in column.choices()]


def build_config(definition, user) -> dict:
    labels = operator_labels()
    date_labels = {**labels, **date_operator_labels()}
    arranged = prefs.arrange(definition.columns(user), prefs.saved_columns(user, definition.id))
    columns = [
        {
            "key": column.key,
            "label": str(column.label),
            "type": column.type,
            "width": width,
            "sortable": column.sortable,
            "filterable": column.filterable,
            "choices": _choices(column) if column.filterable else None,
            "visible": visible,
            "default_visible": column.default_visible,
            "default_width": column.width,
        }
        for column, visible, width in arranged
    ]
    operators = {
        kind: [[op, (date_labels if kind in filters.DATE_TYPES else labels)[op]] for op in ops]
        for kind, ops in filters.OPERATORS_BY_TYPE.items()
    }
    return {
        "id": definition.id,
        "columns": columns,
        "quick_filters": [[name, str(label)] for name, (label, _fn) in definition.quick_filters.items()],
        "page_sizes": list(definition.page_sizes),
        "default_sort": [{"field": key, "dir": direction} for key, direction in definition.default_sort],
        "searchable": any(column.searchable for column, _v, _w in arranged),
        "operators": operators,
        "i18n": ui_strings(),
    }

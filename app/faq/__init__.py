from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.fields.entities import register_field_entity
from app.menu import register_menu
from app.permissions import register_menu_permissions, register_permission

bp = Blueprint("faq", __name__, url_prefix="/faq", template_folder="templates")

_group = _l("知识库")
register_menu_permissions("faq", _group)  # faq.view / faq.query_all / faq.delete
register_permission("faq.add", _group, _l("新增"))
register_permission("faq.edit", _group, _l("修改"))
register_permission("faq.category", _group, _l("分类管理"))
register_menu("query", _l("知识库"), "faq.index", "faq.view", order=60)


def _register_entity():
    from app.faq.models import FaqEntry

    register_field_entity("faq", _l("知识库"), FaqEntry)


_register_entity()

from app.faq import search_index, views  # noqa: E402,F401

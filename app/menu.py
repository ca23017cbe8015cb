"""The main menu, by the manuals' chapters. Blueprints add their pages; a chapter with no page a user
may open is not shown to that user."""

from dataclasses import dataclass

from flask import url_for
from flask_babel import lazy_gettext as _l

CHAPTERS = (
    ("home", _l("首页")),
    ("customer", _l("客户")),
    ("phone", _l("电话")),
    ("query", _l("查询")),
    ("sms", _l("短信")),
    ("report", _l("报表")),
    ("system", _l("系统")),
)


@dataclass(frozen=True)
class MenuItem:
    chapter: str
    label: object
    endpoint: str
    permission: str | None
    order: int = 100


_ITEMS: list[MenuItem] = []


def register_menu(chapter: str, label, endpoint: str, permission: str | None = None, order: int = 100):
    assert chapter in dict(CHAPTERS), chapter
    if not any(i.endpoint == endpoint for i in _ITEMS):
        _ITEMS.append(MenuItem(chapter, label, endpoint, permission, order))


def menu_for(user):
    """[(chapter key, label, [(label, url, endpoint), ...])] with only what `user` may open."""
    from flask import current_app

    chapters = []
    for key, label in CHAPTERS:
        items = sorted((i for i in _ITEMS if i.chapter == key), key=lambda i: i.order)
        visible = [
            (i.label, url_for(i.endpoint), i.endpoint)
            for i in items
            if (i.permission is None or user.has_permission(i.permission)) and i.endpoint in current_app.view_functions
        ]
        if visible:
            chapters.append((key, label, visible))
    return chapters

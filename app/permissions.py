"""Permission codes, the decorators every endpoint declares, and the one data-scope helper.

A view is reachable only if it carries `_permission`: a code from PERMISSIONS, AUTHENTICATED
(any signed-in user) or PUBLIC. A test walks the URL map and fails on any endpoint without one.
"""

from collections import OrderedDict
from functools import wraps

from flask import abort, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import or_, select

from app.extensions import login_manager

PUBLIC = "@public"
AUTHENTICATED = "@authenticated"

# code -> (group label, permission label); groups keep their registration order for the role editor.
PERMISSIONS: "OrderedDict[str, tuple]" = OrderedDict()


def register_permission(code: str, group, label) -> str:
    PERMISSIONS[code] = (group, label)
    return code


def register_menu_permissions(module: str, group) -> None:
    """The three menu permissions of the manuals: view, query everyone's records, delete."""
    register_permission(f"{module}.view", group, _l("查看"))
    register_permission(f"{module}.query_all", group, _l("查询全部记录"))
    register_permission(f"{module}.delete", group, _l("删除"))


def permission_groups():
    groups: OrderedDict[str, list] = OrderedDict()
    for code, (group, label) in PERMISSIONS.items():
        groups.setdefault(str(group), []).append((code, label))
    return groups


def _mark(view, code):
    view._permission = code
    return view


def require_permission(code: str):
    if code not in PERMISSIONS:
        raise KeyError(f"unknown permission {code}")

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_permission(code):
                abort(403)
            return view(*args, **kwargs)

        return _mark(wrapped, code)

    return decorator


def login_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return view(*args, **kwargs)

    return _mark(wrapped, AUTHENTICATED)


def public(view):
    return _mark(view, PUBLIC)


def refuse_anonymous():
    """Flask-Login's answer to a request without a valid session: scripts (fetch, the phone bar, grids)
    get 401 with a JSON message they can act on, pages a redirect to the login page that comes back here."""
    from flask import flash, jsonify, redirect, url_for
    from flask_babel import gettext as _

    message = _("请先登录。")
    if wants_json() or request.headers.get("X-Requested-With") == "fetch":
        return jsonify(error=message), 401
    flash(message, "warning")
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("auth.login", next=target))


def endpoint_permission(view) -> str | None:
    return getattr(view, "_permission", None)


def wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" or request.path.startswith("/api/")


# -- data scope ---------------------------------------------------------------------------------


def department_subtree_ids(department_id: int | None) -> list[int]:
    """A department and every department below it."""
    from app.auth.models import Department
    from app.extensions import db

    if department_id is None:
        return []
    ids, frontier = [department_id], [department_id]
    while frontier:
        frontier = list(db.session.scalars(select(Department.id).where(Department.parent_id.in_(frontier))))
        ids.extend(frontier)
    return ids


def scope_condition(user, owner_column, creator_column=None, module: str | None = None, include_public=False):
    """The WHERE clause that limits records to what `user` may see.

    Role data scope: own (records the user owns or created), department (owned by anyone in the
    user's department subtree) or all. A menu module without `<module>.query_all` narrows any scope
    to records the user created or owns, as the manuals' 查询权限 does. Public-pool rows (no owner)
    stay visible when `include_public` is set.
    """
    from app.auth.models import User

    if user.is_superuser:
        return None
    scope = user.data_scope
    if module and not user.has_permission(f"{module}.query_all"):
        scope = "own"
    if scope == "all":
        return None
    mine = [owner_column == user.id]
    if creator_column is not None:
        mine.append(creator_column == user.id)
    if scope == "department" and user.department_id is not None:
        members = select(User.id).where(User.department_id.in_(department_subtree_ids(user.department_id)))
        mine.append(owner_column.in_(members))
    if include_public:
        mine.append(owner_column.is_(None))
    return or_(*mine)

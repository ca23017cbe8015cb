"""The login log and the audit log pages: searchable grids for administrators (permission system.logs)."""

from flask_babel import lazy_gettext as _l

import app.system  # noqa: F401  (registers the system.logs permission these views require)
from app.audit import bp
from app.grid.routes import add_grid_routes
from app.system.grids import AUDIT_GRID, LOGIN_LOG_GRID

add_grid_routes(
    bp,
    "/",
    AUDIT_GRID,
    permission="system.logs",
    endpoints=("index", "data", "export"),
    export_name=_l("操作审计"),
    template="audit/audit_log.html",
)
add_grid_routes(
    bp,
    "/logins",
    LOGIN_LOG_GRID,
    permission="system.logs",
    endpoints=("logins", "logins_data", "logins_export"),
    export_name=_l("登录日志"),
    template="audit/login_log.html",
)

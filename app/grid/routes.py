"""The routes every list page has: the page with its grid, the grid's data, and the export."""

from flask import render_template, request
from flask_login import current_user

from app.grid.services import grid_config, grid_export_response, grid_json_response
from app.permissions import require_permission


def add_grid_routes(
    bp,
    rule: str,
    definition,
    *,
    permission: str,
    endpoints: tuple[str, str, str],
    export_name,
    template: str | None = None,
    export_permission: str | None = None,
):
    """`rule` serves the page (when `template` is given), `rule/data` the rows and `rule/export` the file.

    The export format comes from `?format=` as grid.js sends it."""
    page_endpoint, data_endpoint, export_endpoint = endpoints
    base = rule.rstrip("/")

    if template is not None:

        @require_permission(permission)
        def page():
            return render_template(template, grid=grid_config(definition, current_user))

        bp.add_url_rule(rule, page_endpoint, page)

    @require_permission(permission)
    def data():
        return grid_json_response(definition, request.args, current_user)

    @require_permission(export_permission or permission)
    def export():
        fmt = request.args.get("format", "xlsx")
        return grid_export_response(definition, request.args, current_user, fmt, f"{export_name}.{fmt}")

    bp.add_url_rule(f"{base}/data", data_endpoint, data)
    bp.add_url_rule(f"{base}/export", export_endpoint, export)

"""The reusable data grid: services for lists, the column-chooser endpoints, the template macro."""

from flask import Blueprint

bp = Blueprint("grid", __name__, url_prefix="/grid", template_folder="templates")

from app.grid import views  # noqa: E402,F401

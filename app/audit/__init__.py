from flask import Blueprint

bp = Blueprint("audit", __name__, url_prefix="/system/audit", template_folder="templates")

from app.audit import services, views  # noqa: E402,F401

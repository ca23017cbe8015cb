from flask import Blueprint

bp = Blueprint("grid", __name__, url_prefix="/grid")

from app.grid import views  # noqa: E402,F401

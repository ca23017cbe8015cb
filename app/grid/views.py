from flask import jsonify, request
from flask_login import current_user

from app.errors import ValidationError
from app.extensions import db
from app.grid import bp, prefs
from app.permissions import login_required


@bp.route("/<grid_id>/prefs", methods=["POST"])
@login_required
def save_prefs(grid_id):
    try:
        pref = prefs.save_columns(current_user, grid_id, request.get_json(silent=True))
    except ValidationError as error:
        return jsonify(error.as_json()), 400
    db.session.commit()
    return jsonify(columns=pref.columns)


@bp.route("/<grid_id>/prefs", methods=["DELETE"])
@login_required
def reset_prefs(grid_id):
    try:
        prefs.reset_columns(current_user, grid_id)
    except ValidationError as error:
        return jsonify(error.as_json()), 400
    db.session.commit()
    return jsonify(columns=None)

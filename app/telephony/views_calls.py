"""Call records: the list, a call's detail with its legs, recording playback and download, and the
endpoint mod_json_cdr posts every leg to."""

import logging

from flask import abort, current_app, jsonify, render_template, request, send_file
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from app.audit.services import record
from app.errors import ValidationError
from app.extensions import csrf, db
from app.grid.routes import add_grid_routes
from app.permissions import public, require_permission
from app.telephony import bp, calls, cdr, recordings, switch_bp
from app.telephony.calls_grid import CALL_GRID
from app.telephony.switch_auth import switch_refusal

log = logging.getLogger(__name__)

add_grid_routes(
    bp,
    "/calls",
    CALL_GRID,
    permission="calls.view",
    endpoints=("calls", "calls_data", "calls_export"),
    export_name=_l("通话记录"),
    template="telephony/calls.html",
    export_permission="calls.export",
)


def _visible_call_or_404(call_id: int):
    call = calls.visible_call(call_id, current_user)
    if call is None:
        abort(404)
    return call


@bp.route("/calls/<int:call_id>")
@require_permission("calls.view")
def call_detail(call_id):
    call = _visible_call_or_404(call_id)
    return render_template("telephony/calls_detail.html", **calls.detail_context(call, current_user))


def _recording_response(call_id: int, as_attachment: bool, action: str):
    call = _visible_call_or_404(call_id)
    path = recordings.recording_file(call)
    if path is None:
        abort(404)
    if as_attachment or request.range is None or request.range.ranges[0][0] == 0:
        record("call_record", call.id, action, f"{call.caller_number} → {call.callee_number}")  # once per playback
        db.session.commit()
    response = send_file(
        path, as_attachment=as_attachment, download_name=recordings.download_name(call), conditional=True, max_age=0
    )
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/calls/<int:call_id>/recording")
@require_permission("calls.listen")
def call_recording(call_id):
    return _recording_response(call_id, as_attachment=False, action="recording_listen")


@bp.route("/calls/<int:call_id>/download")
@require_permission("calls.download")
def call_download(call_id):
    return _recording_response(call_id, as_attachment=True, action="download")


@switch_bp.route("/cdr", methods=["POST"])
@csrf.exempt
@public  # FreeSWITCH has no session: authenticated below by basic auth and source address
def cdr_post():
    refusal = switch_refusal(current_app.config, "CDR post", "CDR", request.remote_addr, request.authorization)
    if refusal is not None:
        headers = {"WWW-Authenticate": 'Basic realm="zuoxi-cdr"'} if refusal == 401 else {}
        return jsonify({"error": "forbidden" if refusal == 403 else "unauthorized"}), refusal, headers
    try:
        call = cdr.ingest_cdr(cdr.parse_cdr(request.get_data(), request.mimetype))
        db.session.commit()
    except ValidationError as error:
        log.warning("CDR post rejected (%s): %s", request.args.get("uuid", "?"), error.message)
        return jsonify(error.as_json()), 400
    except SQLAlchemyError:
        db.session.rollback()
        log.exception("CDR %s not stored; FreeSWITCH will retry", request.args.get("uuid", "?"))
        return jsonify({"error": "database unavailable"}), 503
    return jsonify({"ok": True, "call_id": call.id})

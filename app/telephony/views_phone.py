"""The phone bar's JSON endpoints (call controls, state, speed dial) and the hotkey settings page.

Every command answers JSON: 200 with the result, 400 bad input, 403 someone else's call, 502/503/504
when the switch refused, is not connected or did not answer. Other tabs of the agent hear `call_state`
after each successful command and fetch /phone/state again."""

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.errors import ValidationError
from app.extensions import db
from app.permissions import require_permission
from app.sockets import emit_to_user
from app.telephony import bp, commands, phonebar, transfers
from app.telephony.commands import CallDenied
from app.telephony.errors import SwitchProblem
from app.telephony.models_phone import DEFAULT_HOTKEYS


def _payload() -> dict:
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else request.form.to_dict()


def _run(action, announce: bool = True):
    """Run a command for the signed-in agent: commit on success, the agent's message on failure."""
    payload = _payload()
    try:
        result = action(payload)
    except (ValidationError, CallDenied, SwitchProblem) as exc:
        db.session.rollback()
        status, message = commands.problem_response(exc)
        body = exc.as_json() if isinstance(exc, ValidationError) else {"error": message}
        return jsonify(body), status
    db.session.commit()
    if announce:
        emit_to_user(current_user.id, "call_state", {"changed": True})
    return jsonify(result if isinstance(result, dict) else {"ok": True})


def _command_route(rule, endpoint, action, announce=True):
    def view():
        return _run(action, announce)

    view.__name__ = endpoint
    bp.add_url_rule(rule, endpoint, require_permission("phone.use")(view), methods=["POST"])


_u = "uuid"
_command_route("/dial", "dial", lambda p: _dial(p))
_command_route("/redial", "redial", lambda p: phonebar.redial(current_user))
_command_route("/callback", "callback", lambda p: phonebar.callback(current_user, p.get("call_id")))
_command_route("/answer", "answer", lambda p: commands.answer(current_user, p.get(_u)))
_command_route("/hangup", "hangup", lambda p: commands.hangup(current_user, p.get(_u)))
_command_route("/hold", "hold", lambda p: commands.hold(current_user, p.get(_u)))
_command_route("/unhold", "unhold", lambda p: commands.unhold(current_user, p.get(_u)))
_command_route("/mute", "mute", lambda p: commands.mute(current_user, _flag(p.get("muted", True)), p.get(_u)))
_command_route("/dtmf", "dtmf", lambda p: commands.send_dtmf(current_user, p.get("digits"), p.get(_u)))
_command_route("/transfer", "transfer", lambda p: commands.blind_transfer(current_user, p.get("target"), p.get(_u)))
_command_route("/consult", "consult", lambda p: transfers.consult(current_user, p.get("target")))
_command_route("/park", "park", lambda p: transfers.park(current_user, p.get("slot"), p.get(_u)))
_command_route("/pickup-slot", "pickup_slot", lambda p: transfers.pickup_slot(current_user, p.get("slot")))
_command_route("/intercept", "intercept", lambda p: transfers.intercept(current_user, p.get(_u)))


def _flag(value) -> bool:
    return value not in (False, 0, "0", "false", "off", "")


def _dial(payload: dict) -> dict:
    """A typed number, or a customer's stored number by id (`phone_id`) so a hidden number stays hidden."""
    if payload.get("phone_id") not in (None, ""):
        return commands.dial_customer_phone(current_user, payload["phone_id"])
    return commands.dial(current_user, payload.get("number"))


@bp.route("/consult/<action>", methods=["POST"])
@require_permission("phone.use")
def consult_action(action):
    return _run(lambda p: transfers.consult_action(current_user, action, p.get("target")))


@bp.route("/state")
@require_permission("phone.use")
def state():
    return jsonify(phonebar.call_state(current_user))


@bp.route("/today")
@require_permission("phone.use")
def today():
    return jsonify(calls=phonebar.today_calls(current_user))


@bp.route("/directory")
@require_permission("phone.use")
def directory():
    """Transfer targets: colleagues with an extension and agent groups with a number."""
    return jsonify(phonebar.directory(current_user))


@bp.route("/speed-dial")
@require_permission("phone.use")
def speed_dial_list():
    return jsonify(entries=phonebar.speed_dials(current_user))


@bp.route("/speed-dial", methods=["POST"])
@require_permission("phone.use")
def speed_dial_add():
    return _run(lambda p: {"id": phonebar.add_speed_dial(current_user, p).id}, announce=False)


@bp.route("/speed-dial/<int:entry_id>/delete", methods=["POST"])
@require_permission("phone.use")
def speed_dial_delete(entry_id):
    return _run(lambda p: phonebar.delete_speed_dial(current_user, entry_id), announce=False)


@bp.route("/speed-dial/<int:entry_id>/dial", methods=["POST"])
@require_permission("phone.use")
def speed_dial_dial(entry_id):
    return _run(lambda p: phonebar.dial_speed_dial(current_user, entry_id))


@bp.route("/settings", methods=["GET", "POST"])
@require_permission("phone.use")
def settings():
    """热键设置: the keys for answer, hang up and next, per agent."""
    errors = {}
    if request.method == "POST":
        try:
            phonebar.save_hotkeys(current_user, request.form)
        except ValidationError as exc:
            db.session.rollback()
            errors = exc.errors
        else:
            db.session.commit()
            flash(_("热键已保存"), "success")
            return redirect(url_for("telephony.settings"))
    values = request.form if errors else phonebar.hotkeys(current_user)
    return render_template(
        "telephony/phone_settings.html",
        actions=phonebar.HOTKEY_ACTIONS,
        values=values,
        errors=errors,
        defaults=DEFAULT_HOTKEYS,
    ), (400 if errors else 200)


@bp.app_context_processor
def phonebar_helpers():
    """`phonebar_config()` for the phone bar partial the layout includes for users with phone.use."""

    def phonebar_config():
        return {"hotkeys": phonebar.hotkeys(current_user), "extension": current_user.extension or ""}

    return {"phonebar_config": phonebar_config}

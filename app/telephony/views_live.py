"""Pages and JSON of the live side: the agent status log (报表), and what the screen-pop posts back."""

from flask import abort, jsonify, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from app.auth.models import User
from app.customers.access import can_view
from app.customers.models import Customer
from app.customers.services import AccessDenied
from app.errors import ValidationError
from app.extensions import db
from app.grid.routes import add_grid_routes
from app.grid.services import GridColumn, GridDefinition
from app.menu import register_menu
from app.permissions import require_permission, scope_condition
from app.telephony import agent_state, bp, screenpop
from app.telephony.models_agent import ALL_STATUSES, AgentStatusLog
from app.timeutil import format_local


def _status_choices():
    return [(key, str(agent_state.STATUS_LABELS[key])) for key in ALL_STATUSES]


def _status_label(value, row):
    return str(agent_state.STATUS_LABELS.get(value, value or ""))


def _seconds(value, row):
    return format_local(value, "%Y-%m-%d %H:%M:%S")


def _status_log_columns(user):
    return [
        GridColumn("agent", _l("坐席"), User.display_name, searchable=True, width=110),
        GridColumn("extension", _l("分机号"), User.extension, searchable=True, width=80),
        GridColumn(
            "from_status",
            _l("原状态"),
            AgentStatusLog.from_status,
            "choice",
            choices=_status_choices,
            format=_status_label,
            width=90,
        ),
        GridColumn(
            "status",
            _l("新状态"),
            AgentStatusLog.status,
            "choice",
            choices=_status_choices,
            format=_status_label,
            width=90,
        ),
        GridColumn("started_at", _l("开始时间"), AgentStatusLog.started_at, "datetime", format=_seconds, width=150),
        GridColumn("ended_at", _l("结束时间"), AgentStatusLog.ended_at, "datetime", format=_seconds, width=150),
        GridColumn("seconds", _l("时长(秒)"), AgentStatusLog.seconds, "number", width=90),
    ]


def _status_log_query(user):
    query = select(AgentStatusLog.id).join(User, User.id == AgentStatusLog.user_id)
    scope = scope_condition(user, AgentStatusLog.user_id, None, module="calls")
    return query if scope is None else query.where(scope)


STATUS_LOG_GRID = GridDefinition(
    id="agent_status_log",
    columns=_status_log_columns,
    base_query=_status_log_query,
    id_expr=AgentStatusLog.id,
    default_sort=[("started_at", "desc")],
)
add_grid_routes(
    bp,
    "/agent-status-log",
    STATUS_LOG_GRID,
    permission="calls.view",
    endpoints=("agent_status_log", "agent_status_log_data", "agent_status_log_export"),
    export_name=_l("坐席状态日志"),
    template="telephony/agent_status_log.html",
    export_permission="calls.export",
)
register_menu("report", _l("坐席状态日志"), "telephony.agent_status_log", "calls.view", order=30)


def _json_error(exc, status=400):
    if isinstance(exc, ValidationError):
        return jsonify(exc.as_json()), status
    return jsonify({"error": str(exc)}), 403


@bp.route("/pop/history/<int:customer_id>")
@require_permission("phone.use")
def pop_history(customer_id: int):
    """Follow-ups, calls and orders of the customer a pop shows, loaded right after the pop appears."""
    customer = db.session.get(Customer, customer_id)
    if customer is None or not can_view(customer, current_user):
        abort(404)
    return screenpop.customer_history(customer.id, current_user)


@bp.route("/pop/quick-add", methods=["POST"])
@require_permission("customer.add")
def pop_quick_add():
    data = request.get_json(silent=True) or request.form
    try:
        customer = screenpop.quick_add(data.get("token"), data.get("name"), current_user)
    except ValidationError as exc:
        db.session.rollback()
        return _json_error(exc)
    db.session.commit()
    return jsonify({"card": screenpop.customer_card(customer, current_user, details=True)})


@bp.route("/pop/followup", methods=["POST"])
@require_permission("followup.add")
def pop_followup():
    data = request.get_json(silent=True) or request.form.to_dict()
    try:
        followup = screenpop.add_pop_followup(data.get("customer_id") or 0, data, current_user)
    except (ValidationError, AccessDenied, ValueError) as exc:
        db.session.rollback()
        return _json_error(exc)
    db.session.commit()
    return jsonify({"id": followup.id, "message": _("来往记录已保存。")})


@bp.route("/agent/forward", methods=["POST"])
@require_permission("phone.use")
def agent_forward():
    data = request.get_json(silent=True) or request.form
    try:
        status = data.get("status") or agent_state.presence_of(current_user.id).chosen_status
        changes = agent_state.set_status(current_user, status, bool(data.get("forward")))
    except ValidationError as exc:
        db.session.rollback()
        return _json_error(exc)
    db.session.commit()
    agent_state.announce(changes)
    return jsonify({"status": current_user.agent_status, "forward": bool(data.get("forward"))})


@bp.app_context_processor
def agent_forwarding_helper():
    """`agent_forwarding()` in the header: whether the agent's calls go to the mobile when busy or away."""

    def agent_forwarding() -> bool:
        from app.telephony.models_agent import AgentPresence

        presence = db.session.get(AgentPresence, current_user.id) if current_user.is_authenticated else None
        return bool(presence and presence.forward_to_mobile)

    return {"agent_forwarding": agent_forwarding}

"""The switch status page (交换机状态): each FreeSWITCH node's connection health, and its JSON for polling."""

from flask import jsonify, render_template

from app.permissions import require_permission
from app.telephony import bp
from app.telephony.switchboard import get_switchboard
from app.timeutil import to_local


def node_health() -> tuple[list[dict], bool]:
    """(health rows, whether this process runs a switchboard at all)."""
    board = get_switchboard()
    return (board.health() if board is not None else []), board is not None


@bp.route("/switch")
@require_permission("telephony.admin")
def switch_status():
    nodes, running = node_health()
    return render_template("telephony/switch_status.html", nodes=nodes, running=running)


@bp.route("/switch.json")
@require_permission("telephony.admin")
def switch_status_json():
    nodes, running = node_health()
    for node in nodes:
        for key in ("connected_since", "last_event_at"):
            node[key] = to_local(node[key]).isoformat(timespec="seconds") if node[key] else None
    return jsonify(running=running, nodes=nodes)

"""The list's 更多操作 (assign, merge, lock, unlock, batch set, batch delete), the follow-up query,
the number-location page and the lookup API screen-pop calls. All batch endpoints answer JSON."""

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.customers import api_bp, bp, files, ownership, picker
from app.customers.grids import CUSTOMER_GRID, FOLLOWUP_GRID
from app.customers.merge import merge_customers
from app.customers.models import Customer
from app.customers.ownership import Targets
from app.customers.phones import KINDS, display_number, find_customers_by_phone, normalize_phone, phone_location
from app.customers.services import AccessDenied
from app.errors import ValidationError
from app.extensions import db
from app.grid.routes import add_grid_routes
from app.grid.services import grid_condition
from app.masking import mask_number
from app.permissions import login_required, require_permission


def _targets(payload: dict) -> Targets:
    """selected ids, or the first N / all rows matching the grid params the page sends along."""
    mode = payload.get("mode") or "selected"
    condition = None
    if mode in ("first", "all"):
        params = {k: v for k, v in (payload.get("params") or {}).items() if isinstance(v, str)}
        condition = grid_condition(CUSTOMER_GRID, params, current_user)
    return Targets(mode=mode, ids=list(payload.get("ids") or []), limit=payload.get("limit"), condition=condition)


def _run(action):
    payload = request.get_json(silent=True) or {}
    try:
        result = action(payload)
    except ValidationError as exc:
        db.session.rollback()
        return jsonify(exc.as_json()), 400
    except AccessDenied as exc:
        db.session.rollback()
        return jsonify(error=str(exc)), 403
    db.session.commit()
    return jsonify(result)


@bp.route("/batch/assign", methods=["POST"])
@require_permission("customer.assign")
def batch_assign():
    return _run(lambda p: {"count": ownership.assign(_targets(p), p.get("assign"), current_user, p.get("agent_id"))})


@bp.route("/batch/lock", methods=["POST"])
@require_permission("customer.assign")
def batch_lock():
    return _run(lambda p: {"count": ownership.lock(_targets(p), current_user)})


@bp.route("/batch/unlock", methods=["POST"])
@require_permission("customer.assign")
def batch_unlock():
    return _run(lambda p: {"count": ownership.unlock(_targets(p), current_user)})


@bp.route("/batch/set", methods=["POST"])
@require_permission("customer.assign")
def batch_set():
    return _run(lambda p: {"count": ownership.batch_set(_targets(p), p.get("field", ""), p.get("value"), current_user)})


@bp.route("/batch/merge", methods=["POST"])
@require_permission("customer.assign")
def batch_merge():
    def merge(payload):
        ids = [int(i) for i in payload.get("ids") or [] if str(i).isdigit()]
        if len(ids) != 2:
            raise ValidationError({_("客户合并"): _("请选择正好两个客户")})
        keep_id = int(payload.get("keep_id") or ids[0])
        other_id = ids[1] if keep_id == ids[0] else ids[0]
        kept = merge_customers(db.session.get(Customer, keep_id), db.session.get(Customer, other_id), current_user)
        return {"count": 2, "id": kept.id}

    return _run(merge)


@bp.route("/batch/delete", methods=["POST"])
@require_permission("customer.delete")
def batch_delete():
    removed = []

    def delete(payload):
        count, stored = ownership.batch_delete(_targets(payload), current_user, payload.get("password", ""))
        removed.extend(stored)
        return {"count": count}

    response = _run(delete)
    files.remove_stored(removed)
    return response


add_grid_routes(
    bp,
    "/followups",
    FOLLOWUP_GRID,
    permission="followup.view",
    endpoints=("followup_index", "followup_data", "followup_export"),
    export_name=_l("来往记录"),
    template="customers/followups.html",
)


@bp.route("/location")
@login_required
def location():
    number, result, error = request.args.get("number", "").strip(), None, None
    if number:
        try:
            found = normalize_phone(number)
            result = {**found._asdict(), "kind_label": KINDS[found.kind], "location": phone_location(found.normalized)}
        except ValidationError as exc:
            error = exc.message
    return render_template("customers/location.html", number=number, result=result, error=error)


@api_bp.route("/lookup")
@require_permission("customer.view")
def lookup():
    """Customers with this number (any form), for screen-pop; numbers masked when the role hides them."""
    number = request.args.get("number", "")
    try:
        found = normalize_phone(number)
    except ValidationError as exc:
        return jsonify(exc.as_json()), 400
    customers = find_customers_by_phone(number, current_user)
    masked = current_user.hides_numbers
    return jsonify(
        number=mask_number(found.normalized) if masked else found.normalized,
        location=phone_location(found.normalized),
        customers=[
            {
                "id": c.id,
                "name": c.name,
                "company": c.company,
                "owner": c.owner.display_name if c.owner else "",
                "url": f"/customers/{c.id}",
                "phones": [display_number(p, current_user) for p in c.phones],
            }
            for c in customers
        ],
    )


@api_bp.route("/search")
@require_permission("customer.view")
def search():
    """Customers by name, company or phone for the customer picker of the order, memo and ticket forms."""
    try:
        found = picker.search_customers(request.args.get("q", ""), current_user)
    except ValidationError as exc:
        return jsonify(exc.as_json()), 400
    return jsonify(found)

from app.customers import bp
from app.permissions import require_permission


@bp.route("/")
@require_permission("customer.view")
def index():
    return "customers"


@bp.route("/<int:customer_id>")
@require_permission("customer.view")
def detail(customer_id):
    return "customer"

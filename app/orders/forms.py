"""The order form's post turned into the dict the services take, and an order back into form values."""

from app.fields.forms import custom_values
from app.products.forms import line_rows
from app.timeutil import local_today

ORDER_FIELDS = (
    "customer_id",
    "seller_id",
    "order_date",
    "state_id",
    "payment_method_id",
    "shipping_company_id",
    "tracking_number",
    "notes",
)


def order_data(form, fields) -> dict:
    data = {key: form.get(key, "") for key in ORDER_FIELDS}
    data["lines"] = line_rows(form)
    data["extra"] = custom_values(form, fields)
    return data


def blank_order(user, fields, customer_id="") -> dict:
    return {
        "customer_id": customer_id,
        "seller_id": user.id,
        "order_date": local_today().isoformat(),
        "lines": [{}],
        "extra": {f.key: f.default_value for f in fields if f.default_value},
    }


def order_values(order) -> dict:
    values = {key: getattr(order, key) for key in ORDER_FIELDS}
    values["order_date"] = order.order_date.isoformat()
    values["extra"] = dict(order.extra or {})
    values["lines"] = [
        {
            "product_id": line.product_id,
            "quantity": line.quantity,
            "unit_price": f"{line.unit_price:.2f}",
            "discount": f"{line.discount:.2f}",
        }
        for line in order.lines
    ]
    return values


def form_context(user) -> dict:
    from app.fields.services import custom_fields, param_choices
    from app.grid.columns import user_choices
    from app.products.values import product_choices

    return {
        "sellers": user_choices(),
        "states": param_choices("order_state"),
        "payment_methods": param_choices("payment_method"),
        "shipping_companies": param_choices("shipping_company"),
        "products": product_choices(),
        "custom_fields": custom_fields("order", where="form"),
    }

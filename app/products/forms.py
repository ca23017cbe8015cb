"""Form posts turned into the plain dicts the services take, and records back into form values."""

from app.timeutil import local_today

LINE_FIELDS = ("product_id", "quantity", "unit_price", "discount")
PRODUCT_FIELDS = (
    "code",
    "name",
    "category_id",
    "unit",
    "purchase_price",
    "sale_price",
    "stock",
    "low_stock_threshold",
    "notes",
)


def line_rows(form) -> list[dict]:
    """Rows of the line editor: parallel lists line_product_id, line_quantity, … one entry per row."""
    columns = {name: form.getlist(f"line_{name}") for name in LINE_FIELDS}
    length = max((len(values) for values in columns.values()), default=0)
    return [{name: (values[i] if i < len(values) else "") for name, values in columns.items()} for i in range(length)]


def product_data(form) -> dict:
    return {key: form.get(key, "") for key in PRODUCT_FIELDS}


def product_values(product) -> dict:
    if product is None:
        return dict.fromkeys(PRODUCT_FIELDS, "") | {"stock": "0", "low_stock_threshold": "0"}
    values = {key: getattr(product, key) for key in PRODUCT_FIELDS}
    values["category_id"] = product.category_id or ""
    return values


def purchase_data(form) -> dict:
    data = {key: form.get(key, "") for key in ("supplier", "buyer_id", "purchase_date", "state_id", "notes")}
    data["lines"] = line_rows(form)
    return data


def purchase_values(purchase, user) -> dict:
    if purchase is None:
        return {
            "supplier": "",
            "buyer_id": user.id,
            "purchase_date": local_today().isoformat(),
            "state_id": "",
            "notes": "",
            "lines": [{}],
        }
    return {
        "supplier": purchase.supplier,
        "buyer_id": purchase.buyer_id or "",
        "purchase_date": purchase.purchase_date.isoformat(),
        "state_id": purchase.state_id or "",
        "notes": purchase.notes,
        "lines": [
            {"product_id": line.product_id, "quantity": line.quantity, "unit_price": f"{line.unit_price:.2f}"}
            for line in purchase.lines
        ],
    }


def submitted(data: dict) -> dict:
    """What the user typed, to show again next to the error messages."""
    return dict(data, lines=data.get("lines") or [{}])

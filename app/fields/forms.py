"""Reading the admin pages' form posts into the keyword arguments the services take."""

FLAG_NAMES = ("required", "show_in_list", "show_in_form", "show_in_pop")


def custom_values(form, fields) -> dict:
    """The custom fields' inputs of a record form (`extra.<key>`), by field key: every ticked value of a
    multiple choice, None for an unticked box, and only the fields the form showed otherwise."""
    extra = {}
    for field in fields:
        name = f"extra.{field.key}"
        if field.field_type == "multichoice":
            extra[field.key] = [v for v in form.getlist(name) if v]
        elif field.field_type == "bool":
            extra[field.key] = form.get(name) or None
        elif name in form:
            extra[field.key] = form.get(name)
    return extra


def field_form_data(form, creating: bool) -> dict:
    """A field definition from the add/edit form; the type is read only when creating (it is fixed)."""
    data = {
        "label": form.get("label", ""),
        "width": form.get("width", "").strip() or 120,
        "options": form.get("options", "").splitlines(),
        "default_value": form.get("default_value", ""),
    }
    data.update({name: name in form for name in FLAG_NAMES})
    if creating or "field_type" in form:
        data["field_type"] = form.get("field_type", "")
    return data


def direction(form) -> str:
    return "up" if form.get("direction") == "up" else "down"

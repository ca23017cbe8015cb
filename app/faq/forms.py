"""The FAQ form's fields turned into the plain dict save_entry takes, and back."""

from app.faq.services import category_tree


def form_context() -> dict:
    from app.fields.services import custom_fields, field_display

    return {"categories": category_tree(), "custom_fields": custom_fields("faq"), "field_display": field_display}


def form_to_data(form) -> dict:
    from app.fields.services import custom_fields

    extra = {}
    for field in custom_fields("faq"):
        name = f"extra.{field.key}"
        if field.field_type == "multichoice":
            extra[field.key] = [v for v in form.getlist(name) if v]
        elif field.field_type == "bool":
            extra[field.key] = form.get(name) or None
        elif name in form:
            extra[field.key] = form.get(name)
    return {
        "title": form.get("title", ""),
        "category_id": form.get("category_id", ""),
        "keywords": form.get("keywords", ""),
        "answer": form.get("answer", ""),
        "extra": extra,
    }


def entry_to_form(entry) -> dict:
    return {
        "title": entry.title,
        "category_id": entry.category_id,
        "keywords": entry.keywords,
        "answer": entry.answer_html,
        "extra": dict(entry.extra or {}),
    }

"""The FAQ form's fields turned into the plain dict save_entry takes, and back."""

from app.faq.services import category_tree
from app.fields.forms import custom_values


def form_context() -> dict:
    from app.fields.services import custom_fields, field_display

    return {"categories": category_tree(), "custom_fields": custom_fields("faq"), "field_display": field_display}


def form_to_data(form) -> dict:
    from app.fields.services import custom_fields

    extra = custom_values(form, custom_fields("faq"))
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

"""FAQ pages: search and browse, entry detail, add/edit/delete, attached files, categories, and the
compact JSON search the side panel calls."""

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.errors import ValidationError
from app.extensions import db
from app.faq import bp, files, forms, services
from app.faq.models import FaqCategory, FaqEntry, FaqFile
from app.permissions import require_permission


def _entry_or_404(entry_id: int) -> FaqEntry:
    return db.session.get(FaqEntry, entry_id) or abort(404)


def _category_arg():
    return request.args.get("category", type=int)


@bp.route("/")
@require_permission("faq.view")
def index():
    query, category_id = request.args.get("q", "").strip(), _category_arg()
    entries = services.search(query, category_id, limit=100)
    return render_template(
        "faq/index.html", entries=entries, query=query, category_id=category_id, tree=services.category_tree()
    )


@bp.route("/search.json")
@require_permission("faq.view")
def search_json():
    query = request.args.get("q", "").strip()
    return jsonify({"query": query, "results": services.search_results(query, _category_arg(), limit=20)})


@bp.route("/<int:entry_id>")
@require_permission("faq.view")
def detail(entry_id):
    return render_template("faq/detail.html", entry=_entry_or_404(entry_id), **forms.form_context())


def _save(entry):
    data = forms.form_to_data(request.form)
    try:
        entry = services.save_entry(data, current_user, entry)
    except ValidationError as exc:
        db.session.rollback()
        page = render_template("faq/form.html", entry=entry, values=data, errors=exc.errors, **forms.form_context())
        return page, 400
    db.session.commit()
    flash(_("知识库条目已保存。"), "success")
    return redirect(url_for("faq.detail", entry_id=entry.id))


@bp.route("/new", methods=["GET", "POST"])
@require_permission("faq.add")
def create():
    if request.method == "POST":
        return _save(None)
    values = {"category_id": _category_arg(), "extra": {}}
    return render_template("faq/form.html", entry=None, values=values, errors={}, **forms.form_context())


@bp.route("/<int:entry_id>/edit", methods=["GET", "POST"])
@require_permission("faq.edit")
def edit(entry_id):
    entry = _entry_or_404(entry_id)
    if request.method == "POST":
        return _save(entry)
    values = forms.entry_to_form(entry)
    return render_template("faq/form.html", entry=entry, values=values, errors={}, **forms.form_context())


@bp.route("/<int:entry_id>/delete", methods=["POST"])
@require_permission("faq.delete")
def delete(entry_id):
    stored = services.delete_entry(_entry_or_404(entry_id))
    db.session.commit()
    files.remove_stored(stored)
    flash(_("知识库条目已删除。"), "success")
    return redirect(url_for("faq.index"))


@bp.route("/<int:entry_id>/files", methods=["POST"])
@require_permission("faq.edit")
def upload(entry_id):
    entry, upload_file = _entry_or_404(entry_id), request.files.get("file")
    try:
        files.save_upload(
            entry, upload_file.filename if upload_file else "", getattr(upload_file, "stream", None), current_user
        )
    except ValidationError as exc:
        db.session.rollback()
        flash("; ".join(f"{k}: {v}" for k, v in exc.errors.items()), "danger")
    else:
        db.session.commit()
    return redirect(url_for("faq.detail", entry_id=entry.id))


@bp.route("/files/<int:file_id>")
@require_permission("faq.view")
def download(file_id):
    item = db.session.get(FaqFile, file_id) or abort(404)
    return files.FAQ_FILES.download(item)


@bp.route("/files/<int:file_id>/delete", methods=["POST"])
@require_permission("faq.edit")
def delete_file(file_id):
    item = db.session.get(FaqFile, file_id) or abort(404)
    entry_id, stored = item.entry_id, files.delete_file(item)
    db.session.commit()
    files.remove_stored([stored])
    return redirect(url_for("faq.detail", entry_id=entry_id))


@bp.route("/categories", methods=["GET", "POST"])
@require_permission("faq.category")
def categories():
    errors = {}
    if request.method == "POST":
        try:
            services.save_category(request.form)
        except ValidationError as exc:
            db.session.rollback()
            errors = exc.errors
        else:
            db.session.commit()
            return redirect(url_for("faq.categories"))
    page = render_template("faq/categories.html", tree=services.category_tree(), errors=errors, form=request.form)
    return page, 400 if errors else 200


@bp.route("/categories/<int:category_id>", methods=["POST"])
@require_permission("faq.category")
def update_category(category_id):
    category = db.session.get(FaqCategory, category_id) or abort(404)
    try:
        if request.form.get("action") == "delete":
            services.delete_category(category)
        else:
            services.save_category(request.form, category)
    except ValidationError as exc:
        db.session.rollback()
        flash("; ".join(f"{k}: {v}" for k, v in exc.errors.items()), "danger")
    else:
        db.session.commit()
    return redirect(url_for("faq.categories"))

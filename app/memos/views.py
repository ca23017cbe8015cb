"""Memo pages: the list (grid), the agenda, add / edit / delete and the exports."""

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.errors import ValidationError
from app.extensions import db
from app.grid.services import grid_config, grid_export_response, grid_json_response
from app.memos import bp, exports, forms, services
from app.memos.grids import MEMO_GRID
from app.permissions import login_required


@bp.route("/")
@login_required
def index():
    return render_template("memos/index.html", grid=grid_config(MEMO_GRID, current_user), formats=forms.EXPORT_FORMATS)


@bp.route("/data")
@login_required
def data():
    return grid_json_response(MEMO_GRID, request.args, current_user)


@bp.route("/export")
@login_required
def export():
    fmt = request.args.get("format", "xlsx")
    name = _("备忘录")
    if fmt in exports.EXPORTERS:
        try:
            return exports.EXPORTERS[fmt](request.args, current_user, name)
        except ValidationError as error:
            return jsonify(error.as_json()), 400
    return grid_export_response(MEMO_GRID, request.args, current_user, fmt, f"{name}.{fmt}")


@bp.route("/agenda")
@login_required
def agenda():
    days = forms.agenda_days(services.upcoming(current_user))
    return render_template("memos/agenda.html", days=days, label_names=services.LABEL_NAMES)


def _save(memo):
    try:
        if memo is None:
            memo = services.create_memo(request.form, current_user)
        else:
            services.update_memo(memo, request.form, current_user)
    except ValidationError as error:
        db.session.rollback()
        return render_template("memos/form.html", **forms.form_context(memo, request.form, error.errors)), 400
    db.session.commit()
    flash(_("备忘已保存。"), "success")
    return redirect(url_for("memos.index"))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    if request.method == "POST":
        return _save(None)
    return render_template("memos/form.html", **forms.form_context(None, forms.new_values(request.args)))


def _memo_or_404(memo_id):
    memo = services.visible_memo(memo_id, current_user)
    if memo is None:
        abort(404)
    return memo


@bp.route("/<int:memo_id>", methods=["GET", "POST"])
@login_required
def edit(memo_id):
    memo = _memo_or_404(memo_id)
    if request.method == "POST":
        if not services.can_edit(memo, current_user):
            abort(403)
        return _save(memo)
    return render_template("memos/form.html", **forms.form_context(memo, forms.memo_values(memo)))


@bp.route("/<int:memo_id>/delete", methods=["POST"])
@login_required
def delete(memo_id):
    memo = _memo_or_404(memo_id)
    if not services.can_edit(memo, current_user):
        abort(403)
    services.delete_memo(memo)
    db.session.commit()
    flash(_("备忘已删除。"), "success")
    return redirect(url_for("memos.index"))

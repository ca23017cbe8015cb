"""The to-do list: a user's own reminders, mark one or all as read, and the unread count for badges."""

from flask import abort, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from app.extensions import db
from app.permissions import login_required
from app.reminders import bp, services


@bp.route("/")
@login_required
def index():
    show_read = request.args.get("all") == "1"
    items = services.reminders_of(current_user, show_read=show_read)
    count = services.unread_count(current_user)
    return render_template(
        "reminders/index.html", reminders=items, unread=count, show_read=show_read, kind_labels=services.KIND_LABELS
    )


@bp.route("/count")
@login_required
def count():
    return jsonify({"unread": services.unread_count(current_user)})


@bp.route("/<int:reminder_id>/read", methods=["POST"])
@login_required
def mark_read(reminder_id):
    if not services.mark_read(reminder_id, current_user):
        abort(404)
    db.session.commit()
    if request.accept_mimetypes.best == "application/json":
        return jsonify({"unread": services.unread_count(current_user)})
    return redirect(url_for("reminders.index"))


@bp.route("/read-all", methods=["POST"])
@login_required
def mark_all_read():
    services.mark_all_read(current_user)
    db.session.commit()
    return redirect(url_for("reminders.index"))

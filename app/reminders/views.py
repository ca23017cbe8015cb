"""The to-do list: a user's own reminders, mark one or all as read, and the unread count for badges."""

from flask import abort, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.errors import ValidationError
from app.extensions import db
from app.permissions import login_required
from app.reminders import bp, services, todo


@bp.route("/")
@login_required
def index():
    try:
        wanted = todo.parse_filter(request.args, current_user)
        errors = {}
    except ValidationError as error:
        wanted, errors = todo.TodoFilter(), error.errors
    context = todo_context(wanted, errors)
    return render_template("reminders/index.html", **context), 400 if errors else 200


def todo_context(wanted, errors) -> dict:
    reminders, has_more = todo.todo_page(current_user, wanted)
    return {
        "reminders": reminders,
        "has_more": has_more,
        "unread": services.unread_count(current_user),
        "wanted": wanted,
        "errors": errors,
        "agents": todo.visible_agents(current_user),
        "kind_labels": services.KIND_LABELS,
        "states": [("unread", _("未读")), ("read", _("已读")), ("all", _("全部"))],
    }


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

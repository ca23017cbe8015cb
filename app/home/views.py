from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.extensions import db
from app.home import bp, services
from app.permissions import login_required


@bp.route("/")
@login_required
def index():
    return render_template("home/index.html", **services.home_page(current_user))


@bp.route("/account/status", methods=["POST"])
@login_required
def set_agent_status():
    try:
        services.set_agent_status(current_user, request.form.get("status", ""))
    except ValueError as exc:
        flash(str(exc), "danger")
    else:
        db.session.commit()
        services.announce_agent_status(current_user)
    if request.accept_mimetypes.best == "application/json":
        return {"status": current_user.agent_status}
    return redirect(request.referrer or url_for("home.index"))

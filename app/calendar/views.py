"""The holiday page: one year's festivals, days off and company days; admins add and remove company days."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _

from app.calendar import bp, services
from app.errors import ValidationError
from app.extensions import db
from app.permissions import login_required, require_permission
from app.timeutil import local_today


def _page(year, errors=None, values=None, status=200):
    try:
        year = services.check_year(year)
    except ValidationError:
        abort(404)
    context = {"year": year, "holidays": services.holidays_for_year(year), "today": local_today()}
    context["weekdays"] = {h.day: format_date(h.day, "EEE") for h in context["holidays"]}
    context.update(errors=errors or {}, values=values or {}, kind_labels=services.KIND_LABELS)
    return render_template("calendar/holidays.html", **context), status


@bp.route("/holidays")
@login_required
def holidays():
    return _page(request.args.get("year") or local_today().year)


@bp.route("/holidays", methods=["POST"])
@require_permission("calendar.manage")
def add_company_holiday():
    try:
        holiday = services.add_company_holiday(request.form, _current_user())
    except ValidationError as error:
        db.session.rollback()
        return _page(request.form.get("year") or local_today().year, error.errors, request.form, 400)
    db.session.commit()
    flash(_("公司节日已添加。"), "success")
    return redirect(url_for("calendar.holidays", year=holiday.day.year))


@bp.route("/holidays/<int:holiday_id>/delete", methods=["POST"])
@require_permission("calendar.manage")
def delete_company_holiday(holiday_id):
    if not services.delete_company_holiday(holiday_id):
        abort(404)
    db.session.commit()
    flash(_("公司节日已删除。"), "success")
    return redirect(url_for("calendar.holidays", year=request.form.get("year") or local_today().year))


def _current_user():
    from flask_login import current_user

    return current_user

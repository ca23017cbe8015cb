import os

from flask import abort, current_app, flash, redirect, render_template, request, send_from_directory, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.errors import ValidationError
from app.extensions import db
from app.fields.services import custom_fields, param_choices
from app.grid.export import content_disposition
from app.imports import bp, services, templates
from app.jobs.models import Job
from app.jobs.runner import kick
from app.permissions import require_permission


@bp.route("/")
@require_permission("customer.import")
def index():
    jobs = db.session.scalars(
        select(Job)
        .where(Job.kind == services.JOB_KIND, Job.created_by_id == current_user.id)
        .order_by(Job.id.desc())
        .limit(10)
    ).all()
    return render_template("imports/index.html", jobs=jobs, categories=param_choices("customer_category"))


@bp.route("/", methods=["POST"])
@require_permission("customer.import")
def upload():
    try:
        options = services.parse_options(request.form)
        job = services.start_import(request.files.get("file"), options, current_user)
    except ValidationError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("imports.index")), 303
    db.session.commit()
    kick(current_app._get_current_object())
    flash(_("已开始导入,可以离开此页面,进度会保留。"), "success")
    return redirect(url_for("imports.index", job=job.id)), 303


@bp.route("/template.xlsx")
@require_permission("customer.import")
def template():
    data = templates.template_workbook(custom_fields("customer"))
    response = current_app.response_class(data, mimetype=templates.XLSX_MIMETYPE)
    response.headers["Content-Disposition"] = content_disposition(_("客户资料导入模板") + ".xlsx")
    return response


@bp.route("/<int:job_id>/report.xlsx")
@require_permission("customer.import")
def report(job_id: int):
    job = db.session.get(Job, job_id)
    if job is None or job.kind != services.JOB_KIND or job.created_by_id != current_user.id:
        abort(404)
    name = (job.result or {}).get("report")
    if not name or not os.path.exists(os.path.join(services.import_dir(), name)):
        abort(404)
    return send_from_directory(
        services.import_dir(),
        name,
        as_attachment=True,
        download_name=_("导入错误报告") + f"-{job.id}.xlsx",
    )

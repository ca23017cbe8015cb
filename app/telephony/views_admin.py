"""Telephony settings pages: trunks, caller-ID numbers, inbound routes, agent groups, agents' phones,
the blacklist and the no-record list. Thin: the rules are in admin_services."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from app.auth.models import Department, User
from app.customers.access import can_view
from app.customers.models import CustomerPhone
from app.errors import ValidationError
from app.extensions import db
from app.grid.routes import add_grid_routes
from app.grid.services import grid_config
from app.permissions import require_permission
from app.telephony import admin_services as services
from app.telephony import blacklist_io, bp
from app.telephony import models_config as m
from app.telephony.blacklist_grid import BLACKLIST_GRID, NO_RECORD_GRID
from app.telephony.models_agent import AgentPresence

ADMIN, BLACKLIST = "telephony.admin", "blacklist.manage"


def _get(model, item_id):
    return db.session.get(model, item_id) or abort(404)


def _context():
    users = db.session.scalars(select(User).where(User.enabled.is_(True)).order_by(User.extension, User.username))
    return {
        "m": m,
        "trunks": list(db.session.scalars(select(m.Trunk).order_by(m.Trunk.id))),
        "caller_ids": list(db.session.scalars(select(m.CallerIdNumber).order_by(m.CallerIdNumber.id))),
        "groups": list(db.session.scalars(select(m.AgentGroup).order_by(m.AgentGroup.name))),
        "routes": list(db.session.scalars(select(m.InboundRoute).order_by(m.InboundRoute.did))),
        "users": list(users),
        "departments": list(db.session.scalars(select(Department).order_by(Department.name))),
    }


def _page(template, status=200, errors=None, **extra):
    editing = request.args.get("edit", type=int)
    return render_template(f"telephony/{template}", errors=errors or {}, editing=editing, **_context(), **extra), status


def _saved(action, template, endpoint, message, switch=False):
    """One unit of work: save, commit, tell the switch; or roll back and show the form with its errors."""
    try:
        result = action()
    except ValidationError as exc:
        db.session.rollback()
        return _page(template, 400, exc.errors, values=request.form)
    db.session.commit()
    flash(message, "success")
    if switch and not services.send_to_switch(result[1] if isinstance(result, tuple) else []):
        flash(_("交换机未连接:重新连接或重启后会读取新的设置。"), "warning")
    return redirect(url_for(endpoint))


# -- trunks ----------------------------------------------------------------------------------------


@bp.route("/admin/trunks")
@require_permission(ADMIN)
def trunks():
    return _page("admin_trunks.html")


@bp.route("/admin/trunks/save", methods=["POST"])
@require_permission(ADMIN)
def trunk_save():
    trunk = _get(m.Trunk, int(request.form["id"])) if request.form.get("id", "").isdigit() else None
    action = lambda: services.save_trunk(request.form, trunk)  # noqa: E731
    return _saved(action, "admin_trunks.html", "telephony.trunks", _("外线已保存。"), switch=True)


@bp.route("/admin/trunks/<int:item_id>/delete", methods=["POST"])
@require_permission(ADMIN)
def trunk_delete(item_id):
    trunk = _get(m.Trunk, item_id)
    action = lambda: (None, services.delete_trunk(trunk))  # noqa: E731
    return _saved(action, "admin_trunks.html", "telephony.trunks", _("外线已删除。"), switch=True)


# -- caller IDs, inbound routes, agent groups ------------------------------------------------------


def _simple(model, saver, template, endpoint, saved, deleted):
    """Register save and delete routes for a settings list whose page is `endpoint`."""
    name = endpoint.split(".")[1]

    @require_permission(ADMIN)
    def save():
        item = _get(model, int(request.form["id"])) if request.form.get("id", "").isdigit() else None
        return _saved(lambda: saver(request.form, item), template, endpoint, saved)

    @require_permission(ADMIN)
    def delete(item_id):
        item = _get(model, item_id)
        return _saved(lambda: db.session.delete(item), template, endpoint, deleted)

    bp.add_url_rule(f"/admin/{name}/save", f"{name}_save", save, methods=["POST"])
    bp.add_url_rule(f"/admin/{name}/<int:item_id>/delete", f"{name}_delete", delete, methods=["POST"])


@bp.route("/admin/caller_ids")
@require_permission(ADMIN)
def caller_ids():
    return _page("admin_caller_ids.html")


@bp.route("/admin/inbound_routes")
@require_permission(ADMIN)
def inbound_routes():
    return _page("admin_inbound_routes.html")


@bp.route("/admin/agent_groups")
@require_permission(ADMIN)
def agent_groups():
    return _page("admin_agent_groups.html")


_simple(m.CallerIdNumber, services.save_caller_id, "admin_caller_ids.html", "telephony.caller_ids",
        _l("外显号码已保存。"), _l("外显号码已删除。"))  # fmt: skip
_simple(m.InboundRoute, services.save_inbound_route, "admin_inbound_routes.html", "telephony.inbound_routes",
        _l("呼入路由已保存。"), _l("呼入路由已删除。"))  # fmt: skip
_simple(m.AgentGroup, services.save_agent_group, "admin_agent_groups.html", "telephony.agent_groups",
        _l("坐席组已保存。"), _l("坐席组已删除。"))  # fmt: skip


# -- agents' phones (分机设置) ----------------------------------------------------------------------


def _agents_page(status=200, errors=None, values=None):
    agents = db.session.scalars(select(User).where(User.extension != "").order_by(User.extension))
    phones = {p.user_id: p for p in db.session.scalars(select(m.AgentPhone))}
    wrapups = dict(db.session.execute(select(AgentPresence.user_id, AgentPresence.wrapup_seconds)).all())
    reveal = request.args.get("reveal", type=int)
    return _page(
        "admin_agents.html",
        status,
        errors,
        agents=list(agents),
        phones=phones,
        wrapups=wrapups,
        reveal=reveal,
        values=values,
    )


@bp.route("/admin/agents")
@require_permission(ADMIN)
def agent_phones():
    return _agents_page()


@bp.route("/admin/agents/<int:user_id>", methods=["POST"])
@require_permission(ADMIN)
def agent_phone_save(user_id):
    user = _get(User, user_id)
    try:
        services.save_agent_phone(user, request.form)
    except ValidationError as exc:
        db.session.rollback()
        return _agents_page(400, exc.errors, request.form)
    db.session.commit()
    flash(_("%(name)s 的分机设置已保存。", name=user.display_name), "success")
    return redirect(url_for("telephony.agent_phones"))


@bp.route("/admin/agents/<int:user_id>/rotate", methods=["POST"])
@require_permission(ADMIN)
def agent_phone_rotate(user_id):
    user = _get(User, user_id)
    _phone, commands = services.rotate_sip_password(user)
    db.session.commit()
    flash(_("已为 %(name)s 生成新的 SIP 密码,话机须用新密码重新注册。", name=user.display_name), "success")
    if not services.send_to_switch(commands):
        flash(_("交换机未连接:话机原有的注册到期前仍然有效。"), "warning")
    return redirect(url_for("telephony.agent_phones", reveal=user.id))


# -- blacklist and no-record numbers ---------------------------------------------------------------


def _blacklist_page(status=200, errors=None, problems=None):
    page = render_template(
        "telephony/admin_blacklist.html", m=m, grid=grid_config(BLACKLIST_GRID, current_user),
        no_record_grid=grid_config(NO_RECORD_GRID, current_user),
        errors=errors or {}, problems=problems or [], values=request.form,
    )  # fmt: skip
    return page, status


@bp.route("/blacklist")
@require_permission(BLACKLIST)
def blacklist():
    return _blacklist_page()


# The rows (paged, sorted, filtered) and the export of the current query; the page above holds the grid.
add_grid_routes(
    bp,
    "/blacklist",
    BLACKLIST_GRID,
    permission=BLACKLIST,
    endpoints=("blacklist", "blacklist_data", "blacklist_export"),
    export_name=_l("黑名单"),
)


add_grid_routes(
    bp,
    "/blacklist/no-record",
    NO_RECORD_GRID,
    permission=BLACKLIST,
    endpoints=("no_record", "no_record_data", "no_record_export"),
    export_name=_l("不录音号码"),
)


def _blacklist_saved(action, message):
    try:
        action()
    except ValidationError as exc:
        db.session.rollback()
        return _blacklist_page(400, exc.errors)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("telephony.blacklist"))


@bp.route("/blacklist/add", methods=["POST"])
@require_permission(BLACKLIST)
def blacklist_add():
    return _blacklist_saved(lambda: services.add_blacklist_entry(request.form, current_user), _("已加入黑名单。"))


def _remove_ticked(delete, message, anchor=None):
    """The rows ticked in one of the page's grids; their ids arrive comma-separated in `ids`."""
    ids = [item for item in request.form.get("ids", "").split(",") if item.strip()]
    try:
        count = delete(ids)
    except ValidationError as exc:
        db.session.rollback()
        return _blacklist_page(400, exc.errors)
    db.session.commit()
    flash(message(count), "success")
    return redirect(url_for("telephony.blacklist", _anchor=anchor))


@bp.route("/blacklist/<int:item_id>/delete", methods=["POST"])
@require_permission(BLACKLIST)
def blacklist_delete(item_id):
    entry = _get(m.BlacklistEntry, item_id)
    return _blacklist_saved(lambda: db.session.delete(entry), _("已移出黑名单。"))


@bp.route("/blacklist/delete", methods=["POST"])
@require_permission(BLACKLIST)
def blacklist_delete_selected():
    return _remove_ticked(services.delete_blacklist_entries, lambda n: _("已把 %(n)d 个号码移出黑名单。", n=n))


@bp.route("/blacklist/import", methods=["POST"])
@require_permission(BLACKLIST)
def blacklist_import():
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise ValidationError({_("文件"): _("请选择要导入的文件。")})
        done, problems = blacklist_io.import_blacklist(upload.filename, upload.read(), current_user)
    except ValidationError as exc:
        db.session.rollback()
        return _blacklist_page(400, exc.errors)
    db.session.commit()
    flash(_("已导入 %(n)d 行。", n=done), "success")
    return _blacklist_page(200 if not problems else 400, problems=problems)


@bp.route("/blacklist/no-record", methods=["POST"])
@require_permission(BLACKLIST)
def no_record_add():
    return _blacklist_saved(lambda: services.add_no_record_number(request.form), _("已加入不录音号码。"))


@bp.route("/blacklist/no-record/phone/<int:phone_id>", methods=["POST"])
@require_permission(BLACKLIST)
def no_record_phone(phone_id):
    """From a customer's detail page: by the phone's id, so a user who sees the number masked can
    still mark it without the number ever reaching the browser."""
    phone = db.session.get(CustomerPhone, phone_id)
    if phone is None or not can_view(phone.customer, current_user):
        abort(404)
    on = request.form.get("no_record") == "1"
    services.set_no_record(phone.normalized, on)
    db.session.commit()
    flash(_("已加入不录音号码。") if on else _("已移出不录音号码。"), "success")
    return redirect(url_for("customers.detail", customer_id=phone.customer_id, _anchor="phones"))


@bp.route("/blacklist/no-record/delete", methods=["POST"])
@require_permission(BLACKLIST)
def no_record_delete_selected():
    return _remove_ticked(
        services.delete_no_record_numbers, lambda n: _("已把 %(n)d 个号码移出不录音号码。", n=n), anchor="no-record"
    )

"""Admin pages: 信息扩展配置 (custom fields per entity) and 参数配置 (parameter lists)."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.errors import ValidationError
from app.extensions import db
from app.fields import bp, forms, services
from app.fields.models import FIELD_TYPE_LABELS, FIELD_TYPES, ParamItem
from app.fields.params import PARAM_KINDS
from app.permissions import require_permission


def _entity_arg() -> str:
    entity = request.values.get("entity", "customer")
    if entity not in services.FIELD_ENTITIES:
        abort(404)
    return entity


def _live_field(field_id: int):
    return services.get_field(field_id) or abort(404)


def _field_form(entity, field, errors=None, status=200):
    page = render_template(
        "fields/field_form.html",
        entity=entity,
        entities=services.FIELD_ENTITIES,
        field=field,
        values=request.form if request.method == "POST" else None,
        errors=errors or {},
        types=FIELD_TYPES,
        type_labels=FIELD_TYPE_LABELS,
    )
    return page, status


@bp.route("/fields")
@require_permission("system.fields")
def field_list():
    entity = _entity_arg()
    return render_template(
        "fields/field_list.html",
        entity=entity,
        entities=services.FIELD_ENTITIES,
        fields=services.custom_fields(entity),
        type_labels=FIELD_TYPE_LABELS,
    )


@bp.route("/fields/new", methods=["GET", "POST"])
@require_permission("system.fields")
def field_new():
    entity = _entity_arg()
    if request.method == "GET":
        return _field_form(entity, None)
    try:
        field = services.create_field(entity, **forms.field_form_data(request.form, creating=True))
    except ValidationError as exc:
        db.session.rollback()
        return _field_form(entity, None, exc.errors, 400)
    db.session.commit()
    flash(_("已新增字段“%(label)s”。", label=field.label), "success")
    return redirect(url_for("fields.field_list", entity=entity))


@bp.route("/fields/<int:field_id>/edit", methods=["GET", "POST"])
@require_permission("system.fields")
def field_edit(field_id):
    field = _live_field(field_id)
    if request.method == "GET":
        return _field_form(field.entity, field)
    try:
        services.update_field(field, **forms.field_form_data(request.form, creating=False))
    except ValidationError as exc:
        db.session.rollback()
        return _field_form(field.entity, field, exc.errors, 400)
    db.session.commit()
    flash(_("已保存字段“%(label)s”。", label=field.label), "success")
    return redirect(url_for("fields.field_list", entity=field.entity))


@bp.route("/fields/<int:field_id>/rename-option", methods=["POST"])
@require_permission("system.fields")
def field_rename_option(field_id):
    field = _live_field(field_id)
    try:
        changed = services.rename_option(field, request.form.get("old", ""), request.form.get("new", ""))
    except ValidationError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("fields.field_edit", field_id=field_id))
    db.session.commit()
    flash(_("可选值已改名,%(n)s 条记录随之更新。", n=changed), "success")
    return redirect(url_for("fields.field_edit", field_id=field.id))


@bp.route("/fields/<int:field_id>/move", methods=["POST"])
@require_permission("system.fields")
def field_move(field_id):
    field = _live_field(field_id)
    services.move_field(field, forms.direction(request.form))
    db.session.commit()
    return redirect(url_for("fields.field_list", entity=field.entity))


@bp.route("/fields/<int:field_id>/delete", methods=["POST"])
@require_permission("system.fields")
def field_delete(field_id):
    field = _live_field(field_id)
    services.delete_field(field)
    db.session.commit()
    flash(_("已删除字段“%(label)s”。已填写的内容仍保留在数据库中。", label=field.label), "success")
    return redirect(url_for("fields.field_list", entity=field.entity))


# -- parameter lists ----------------------------------------------------------------------------


def _params_page(kind, errors=None, error_item=None, status=200):
    page = render_template(
        "fields/params.html",
        kinds=PARAM_KINDS,
        kind=kind,
        items=services.param_items(kind),
        errors=errors or {},
        error_item=error_item,
        posted_label=request.form.get("label", "") if errors else "",
    )
    return page, status


def _item(item_id: int) -> ParamItem:
    return db.session.get(ParamItem, item_id) or abort(404)


def _param_change(item: ParamItem, change, success: str):
    """Run one change to an item; on bad input show the list again with the error by that item."""
    try:
        change()
    except ValidationError as exc:
        db.session.rollback()
        return _params_page(item.kind, exc.errors, item.id, 400)
    db.session.commit()
    if success:
        flash(success, "success")
    return redirect(url_for("fields.param_list", kind=item.kind))


@bp.route("/params")
@require_permission("system.params")
def param_list():
    kind = request.args.get("kind") or next(iter(PARAM_KINDS))
    if kind not in PARAM_KINDS:
        abort(404)
    return _params_page(kind)


@bp.route("/params/<kind>/add", methods=["POST"])
@require_permission("system.params")
def param_add(kind):
    if kind not in PARAM_KINDS:
        abort(404)
    try:
        item = services.create_param(kind, request.form.get("label", ""))
    except ValidationError as exc:
        db.session.rollback()
        return _params_page(kind, exc.errors, None, 400)
    db.session.commit()
    flash(_("已新增“%(label)s”。", label=item.label), "success")
    return redirect(url_for("fields.param_list", kind=kind))


@bp.route("/params/item/<int:item_id>/rename", methods=["POST"])
@require_permission("system.params")
def param_rename(item_id):
    item = _item(item_id)
    return _param_change(item, lambda: services.update_param(item, label=request.form.get("label", "")), _("已保存。"))


@bp.route("/params/item/<int:item_id>/toggle", methods=["POST"])
@require_permission("system.params")
def param_toggle(item_id):
    item = _item(item_id)
    return _param_change(item, lambda: services.update_param(item, enabled=not item.enabled), "")


@bp.route("/params/item/<int:item_id>/move", methods=["POST"])
@require_permission("system.params")
def param_move(item_id):
    item = _item(item_id)
    return _param_change(item, lambda: services.move_param(item, forms.direction(request.form)), "")


@bp.route("/params/item/<int:item_id>/delete", methods=["POST"])
@require_permission("system.params")
def param_delete(item_id):
    item = _item(item_id)
    label = item.label
    return _param_change(item, lambda: services.delete_param(item), _("已删除“%(label)s”。", label=label))

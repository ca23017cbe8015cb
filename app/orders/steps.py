"""步骤设置: the configurable stages of an order, and what entering one does."""

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.errors import ValidationError
from app.extensions import db
from app.orders.models import STATUS_CLOSED, Order, OrderStep
from app.products.values import parse_user
from app.timeutil import utcnow


def order_steps(include_disabled=True) -> list[OrderStep]:
    query = select(OrderStep)
    if not include_disabled:
        query = query.where(OrderStep.enabled.is_(True))
    return list(db.session.scalars(query.order_by(OrderStep.position, OrderStep.id)))


def first_step() -> OrderStep | None:
    steps = order_steps(include_disabled=False)
    return steps[0] if steps else None


def _step_values(data: dict) -> dict:
    errors: dict = {}
    name = " ".join(str(data.get("name") or "").split())
    if not name:
        errors[_("步骤名称")] = _("请填写步骤名称")
    elif len(name) > 60:
        errors[_("步骤名称")] = _("不能超过 %(n)s 个字", n=60)
    note = str(data.get("note") or "").strip()
    if len(note) > 255:
        errors[_("说明")] = _("不能超过 %(n)s 个字", n=255)
    responsible = parse_user(data.get("responsible_id"), _("负责人"), errors, required=False)
    flags = {
        key: str(data.get(key) or "").lower() in ("1", "true", "on", "yes", "是")
        for key in ("is_final", "manual_close", "remind", "enabled")
    }
    if flags["remind"] and responsible is None and _("负责人") not in errors:
        errors[_("负责人")] = _("需要提醒的步骤必须指定负责人")
    if flags["manual_close"] and not flags["is_final"]:
        errors[_("手动结束")] = _("只有最终步骤可以设为手动结束")
    if errors:
        raise ValidationError(errors)
    return {"name": name, "note": note, "responsible_id": responsible.id if responsible else None, **flags}


def create_step(data: dict) -> OrderStep:
    values = _step_values(data)
    top = db.session.scalar(select(func.max(OrderStep.position)))
    step = OrderStep(**values, position=0 if top is None else top + 1)
    db.session.add(step)
    db.session.flush()
    return step


def update_step(step: OrderStep, data: dict) -> OrderStep:
    for key, value in _step_values(data).items():
        setattr(step, key, value)
    db.session.flush()
    return step


def delete_step(step: OrderStep) -> None:
    used = db.session.scalar(select(func.count(Order.id)).where(Order.step_id == step.id))
    if used:
        raise ValidationError({_("步骤"): _("有 %(n)s 个订单处于“%(name)s”,不能删除,可以停用", n=used, name=step.name)})
    db.session.delete(step)
    db.session.flush()


def move_step(step: OrderStep, direction: str) -> None:
    steps = order_steps()
    index = steps.index(step)
    target = index - 1 if direction == "up" else index + 1
    if 0 <= target < len(steps):
        steps[index], steps[target] = steps[target], steps[index]
    for position, item in enumerate(steps):
        item.position = position
    db.session.flush()


def enter_step(order: Order, step: OrderStep) -> None:
    """Move the order into `step`: a final step without manual close ends it; a reminder goes to its owner."""
    order.step_id = step.id
    if step.is_final and not step.manual_close:
        order.status = STATUS_CLOSED
        order.closed_at = utcnow()
    if step.remind and step.responsible_id:
        from app.reminders.services import create_reminder

        create_reminder(
            step.responsible_id,
            "order_step",
            _("订单 %(number)s 进入“%(step)s”", number=order.number, step=step.name),
            step.note,
            f"/orders/{order.id}",
            source_key=f"order_step:{order.id}:{step.id}:{utcnow():%Y%m%d%H%M%S%f}",
        )

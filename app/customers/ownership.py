"""Who owns a customer: assign / transfer / public pool, locks with a per-agent limit, batch changes
and batch delete (manual cloud-callcenter-admin §二.2.5, §二.2.7).

Batch actions take a `Targets`: selected ids, the first N matching the current grid query, or all
of them. Rows the user may not see, or that someone else has locked, are never touched.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update

from app.audit.services import record
from app.auth.models import User
from app.auth.passwords import verify_password
from app.customers.access import customer_scope, editable_condition
from app.customers.models import Customer, CustomerFile
from app.customers.services import BUILTIN_FIELDS, clean_builtin
from app.errors import ValidationError
from app.extensions import db
from app.jobs.runner import job_handler
from app.timeutil import utcnow

ASSIGN_MODES = ("agent", "pool", "private")
MAX_AUDITED_IDS = 1000


@dataclass
class Targets:
    """Which customers a batch action applies to."""

    mode: str = "selected"  # selected | first | all
    ids: list = field(default_factory=list)
    limit: int | None = None
    condition: object = None  # a SELECT of matching ids (grid_condition) for "first" and "all"


def target_ids_query(targets: Targets, user, editable: bool = True):
    """A SELECT of the ids the action may change."""
    conditions = list(customer_scope(user))
    if editable and (lock := editable_condition(user)) is not None:
        conditions.append(lock)
    if targets.mode == "selected":
        ids = {int(i) for i in targets.ids if str(i).isdigit()}
        if not ids:
            raise ValidationError({_("客户"): _("请先选择客户")})
        return select(Customer.id).where(Customer.id.in_(ids), *conditions)
    if targets.mode not in ("first", "all") or targets.condition is None:
        raise ValidationError({_("范围"): _("请选择要操作的客户范围")})
    query = select(Customer.id).where(Customer.id.in_(targets.condition), *conditions)
    if targets.mode == "first":
        if not targets.limit or int(targets.limit) <= 0:
            raise ValidationError({_("条数"): _("请输入大于 0 的条数")})
        # Materialized so "the first N" stays N even though LIMIT in IN (...) differs between databases.
        ids = list(db.session.scalars(query.order_by(Customer.id).limit(int(targets.limit))))
        return select(Customer.id).where(Customer.id.in_(ids))
    return query


def _ids(targets, user, editable=True) -> list[int]:
    return list(db.session.scalars(target_ids_query(targets, user, editable)))


def _audit_batch(action: str, ids: list[int], summary: str, changes: dict | None = None):
    shown = ids[:MAX_AUDITED_IDS]
    record("customer", "batch", action, summary, {**(changes or {}), "ids": [shown, len(ids)]})


def assign(targets: Targets, mode: str, user, agent_id=None) -> int:
    """Give customers to an agent, to the public pool, or to oneself (设为私有). Returns how many."""
    if mode not in ASSIGN_MODES:
        raise ValidationError({_("分配类型"): _("请选择分配类型")})
    owner_id = None
    if mode == "private":
        owner_id = user.id
    elif mode == "agent":
        agent = db.session.get(User, int(agent_id)) if str(agent_id or "").isdigit() else None
        if agent is None or not agent.enabled:
            raise ValidationError({_("坐席"): _("请选择一个有效的坐席")})
        owner_id = agent.id
    ids = _ids(targets, user)
    if ids:
        db.session.execute(
            update(Customer)
            .where(Customer.id.in_(ids))
            .values(owner_id=owner_id, updated_by_id=user.id, updated_at=utcnow()),
            execution_options={"synchronize_session": False},
        )
    _audit_batch("assign", ids, _("分配 %(n)s 个客户", n=len(ids)), {"owner_id": [None, owner_id]})
    db.session.flush()
    db.session.expire_all()
    return len(ids)


def lock(targets: Targets, user) -> int:
    """Lock customers for `user`, within the agent's lock limit (0: unlimited)."""
    ids = list(
        db.session.scalars(target_ids_query(targets, user).where(Customer.locked_by_id.is_(None)).order_by(Customer.id))
    )
    if user.lock_limit:
        held = db.session.scalar(select(func.count()).where(Customer.locked_by_id == user.id))
        room = user.lock_limit - held
        if len(ids) > room:
            raise ValidationError(
                {_("锁定"): _("最多可锁定 %(limit)s 个客户,您已锁定 %(held)s 个", limit=user.lock_limit, held=held)}
            )
    if ids:
        db.session.execute(
            update(Customer).where(Customer.id.in_(ids)).values(locked_by_id=user.id, locked_at=utcnow()),
            execution_options={"synchronize_session": False},
        )
    _audit_batch("lock", ids, _("锁定 %(n)s 个客户", n=len(ids)))
    db.session.flush()
    db.session.expire_all()
    return len(ids)


def unlock(targets: Targets, user) -> int:
    """Unlock one's own locks; users who may assign can lift anyone's."""
    query = target_ids_query(targets, user, editable=False).where(Customer.locked_by_id.is_not(None))
    if not (user.is_superuser or user.has_permission("customer.assign")):
        query = query.where(Customer.locked_by_id == user.id)
    ids = list(db.session.scalars(query))
    if ids:
        db.session.execute(
            update(Customer).where(Customer.id.in_(ids)).values(locked_by_id=None, locked_at=None),
            execution_options={"synchronize_session": False},
        )
    _audit_batch("unlock", ids, _("解锁 %(n)s 个客户", n=len(ids)))
    db.session.flush()
    db.session.expire_all()
    return len(ids)


def release_expired_locks(now=None) -> int:
    """Lift locks older than the locking agent's lock days (0: never lapses)."""
    now = now or utcnow()
    released = 0
    for user_id, days in db.session.execute(select(User.id, User.lock_days).where(User.lock_days > 0)).all():
        result = db.session.execute(
            update(Customer)
            .where(Customer.locked_by_id == user_id, Customer.locked_at < now - timedelta(days=days))
            .values(locked_by_id=None, locked_at=None),
            execution_options={"synchronize_session": False},
        )
        released += result.rowcount or 0
    if released:
        record("customer", "batch", "unlock", _("自动解锁 %(n)s 个到期客户", n=released))
    db.session.flush()
    return released


@job_handler("customer_unlock_expired", every=timedelta(hours=1))
def unlock_expired_job(job):
    return {"released": release_expired_locks()}


def batch_set(targets: Targets, field_key: str, value, user) -> int:
    """Set one field (built-in or custom) to one value on every target customer."""
    if field_key in BUILTIN_FIELDS:
        cleaned = clean_builtin(field_key, value, user)
        if field_key == "owner_id":
            raise ValidationError({_("调整字段"): _("请用“转移/分配”修改所属坐席")})
        ids = _ids(targets, user)
        if ids:
            db.session.execute(
                update(Customer)
                .where(Customer.id.in_(ids))
                .values({field_key: cleaned, "updated_by_id": user.id, "updated_at": utcnow()}),
                execution_options={"synchronize_session": False},
            )
        label = BUILTIN_FIELDS[field_key]
    else:
        cleaned, label, ids = _batch_set_custom(targets, field_key, value, user)
    _audit_batch(
        "update", ids, _("批量调整 %(field)s:%(n)s 个客户", field=label, n=len(ids)), {field_key: [None, str(cleaned)]}
    )
    db.session.flush()
    db.session.expire_all()
    return len(ids)


def _batch_set_custom(targets, field_key, value, user):
    from app.fields.services import custom_fields, validate_extra

    fields = {f.key: f for f in custom_fields("customer")}
    if field_key not in fields:
        raise ValidationError({_("调整字段"): _("请选择要调整的字段")})
    cleaned = validate_extra("customer", {field_key: value}, partial=True).get(field_key)
    ids = _ids(targets, user)
    for start in range(0, len(ids), 500):
        for customer in db.session.scalars(select(Customer).where(Customer.id.in_(ids[start : start + 500]))):
            customer.extra = {**(customer.extra or {}), field_key: cleaned}
            customer.updated_by_id = user.id
        db.session.flush()
    return cleaned, fields[field_key].label, ids


def batch_delete(targets: Targets, user, password: str = "") -> tuple[int, list[str]]:
    """Delete customers; "all matching" needs the user's password again. Returns (count, stored files)."""
    if not user.has_permission("customer.delete"):
        raise ValidationError({_("权限"): _("您没有删除客户的权限")})
    if targets.mode != "selected" and not verify_password(user.password_hash, password or ""):
        raise ValidationError({_("密码"): _("密码不正确,未删除任何客户")})
    ids = _ids(targets, user)
    stored = []
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        stored += list(db.session.scalars(select(CustomerFile.stored_name).where(CustomerFile.customer_id.in_(chunk))))
        db.session.execute(
            delete(Customer).where(Customer.id.in_(chunk)), execution_options={"synchronize_session": False}
        )
    _audit_batch("delete", ids, _("批量删除 %(n)s 个客户", n=len(ids)))
    db.session.flush()
    db.session.expire_all()
    return len(ids), stored

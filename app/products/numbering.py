"""Document numbers such as CG20261121-0001: a prefix, the local date and a daily sequence.

Two transactions may pick the same next number; the loser's UPDATE hits the unique index and is undone
inside a savepoint, and it tries the following number. Nothing else of its transaction is lost."""

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from app.extensions import db
from app.timeutil import local_today

ATTEMPTS = 20


def temporary_number() -> str:
    import secrets

    return "tmp-" + secrets.token_hex(8)


def assign_number(record, prefix: str) -> str:
    """Give the flushed `record` (with a unique `number` column) the next free number of today."""
    model = type(record)
    stem = f"{prefix}{local_today():%Y%m%d}-"
    for _attempt in range(ATTEMPTS):
        last = db.session.scalar(
            select(func.max(model.number)).where(
                model.number.like(stem + "%"), func.length(model.number) == len(stem) + 4
            )
        )
        sequence = int(last[len(stem) :]) + 1 if last else 1
        number = f"{stem}{sequence:04d}"
        try:
            with db.session.begin_nested():
                db.session.execute(
                    update(model)
                    .where(model.id == record.id)
                    .values(number=number)
                    .execution_options(synchronize_session=False)
                )
        except IntegrityError:
            continue
        set_committed_value(record, "number", number)
        return number
    raise RuntimeError(f"could not number a {model.__name__} after {ATTEMPTS} attempts")

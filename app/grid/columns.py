"""Column pieces most grids share: a parameter item's or a user's name in place of its id, the value
lists their filters offer, and times shown in local time as text (so an export shows them as the grid does)."""

from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from app.fields.models import ParamItem
from app.timeutil import format_local


def local_minutes(value, row):
    return format_local(value, "%Y-%m-%d %H:%M")


def local_seconds(value, row):
    return format_local(value, "%Y-%m-%d %H:%M:%S")


def param_label_expr(column):
    return select(ParamItem.label).where(ParamItem.id == column).scalar_subquery()


def user_name_expr(column):
    return select(User.display_name).where(User.id == column).scalar_subquery()


def param_choices_of(kind: str):
    """The filter's value list for a parameter column, read when the grid is shown (lists change)."""

    def choices():
        from app.fields.services import param_choices

        return param_choices(kind, include_disabled=True)

    return choices


def user_choices() -> list[tuple[int, str]]:
    query = select(User.id, User.display_name).where(User.enabled.is_(True)).order_by(User.display_name)
    return [(user_id, name) for user_id, name in db.session.execute(query)]


def param_column(key: str, label, column, kind: str, **options):
    """A parameter-list column: shows the item's label, filters on its id from the list's values."""
    from app.grid.services import GridColumn

    return GridColumn(
        key,
        label,
        param_label_expr(column),
        type="choice",
        filter_expr=column,
        choices=param_choices_of(kind),
        **options,
    )


def user_column(key: str, label, column, **options):
    """A user column: shows the display name, filters on the id from the enabled users."""
    from app.grid.services import GridColumn

    return GridColumn(
        key, label, user_name_expr(column), type="choice", filter_expr=column, choices=user_choices, **options
    )


def labels_column(key: str, label, column, labels: dict, **options):
    """A column of stored codes shown by their labels (`labels`: code → label); filters offer the labels.
    A code without a label shows as stored, so an old or foreign value is never hidden."""
    from app.grid.services import GridColumn

    return GridColumn(
        key,
        label,
        column,
        type="choice",
        choices=lambda: [(code, str(name)) for code, name in labels.items() if code],
        format=lambda value, row: str(labels.get(value or "", value or "")),
        **options,
    )

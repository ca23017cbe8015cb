"""UTC in the database, local time at the edge."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app


def utcnow() -> datetime:
    """Naive UTC, the form every DateTime column stores (SQLite keeps no zone)."""
    return datetime.now(UTC).replace(tzinfo=None)


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Shanghai")


def to_local(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC).astimezone(local_zone())


def local_today():
    return datetime.now(local_zone()).date()


def local_day_bounds_utc(day, days: int = 1) -> tuple[datetime, datetime]:
    """The UTC instants that start the local day `day` and end `days` later."""
    start = datetime(day.year, day.month, day.day, tzinfo=local_zone())
    end = start + timedelta(days=days)
    return start.astimezone(UTC).replace(tzinfo=None), end.astimezone(UTC).replace(tzinfo=None)


def format_local(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    local = to_local(value)
    return local.strftime(fmt) if local else ""

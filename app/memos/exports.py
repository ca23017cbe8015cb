"""Memo exports besides the grid's Excel and CSV: an HTML table, XML, and iCalendar (RFC 5545).

The .ics file takes the place of the manuals' Outlook sync: any calendar program imports it. Times are
written in UTC (the trailing Z), so every program shows them in its own zone.
"""

import re
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree

from flask import Response, current_app, render_template
from flask_babel import gettext as _
from icalendar import Alarm, Calendar, Event
from sqlalchemy import select

from app.extensions import db
from app.grid.export import content_disposition
from app.grid.services import export_rows, grid_condition
from app.memos.grids import MEMO_GRID
from app.memos.models import Memo
from app.timeutil import format_local, utcnow

FORMATS = ("html", "xml", "ics")
# iCalendar PRIORITY: 1 is the highest, 9 the lowest, 0 undefined.
PRIORITY = {"urgent": 1, "important": 5, "normal": 9}
# Characters XML 1.0 cannot carry at all.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _attachment(body, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = content_disposition(filename)
    response.headers["Cache-Control"] = "no-store"
    return response


def _plain(value) -> str:
    """Display text for HTML and XML (no spreadsheet formula guard: these files are not opened as sheets)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_local(value, "%Y-%m-%d %H:%M")
    if isinstance(value, (list, tuple)):
        return "、".join(str(item) for item in value)
    return str(value)


def _table(args, user):
    columns, rows = export_rows(MEMO_GRID, args, user, current_app.config["EXPORT_MAX_ROWS"])
    return columns, [[_plain(value) for value in row] for row in rows]


def html_export(args, user, filename: str) -> Response:
    columns, rows = _table(args, user)
    page = render_template("memos/export.html", columns=[str(c.label) for c, _w in columns], rows=rows)
    return _attachment(page, "text/html", f"{filename}.html")


def xml_export(args, user, filename: str) -> Response:
    columns, rows = _table(args, user)
    root = ElementTree.Element("memos", exported=utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"))
    for row in rows:
        item = ElementTree.SubElement(root, "memo")
        for (column, _w), value in zip(columns, row, strict=True):
            field = ElementTree.SubElement(item, column.key, label=str(column.label))
            field.text = _XML_INVALID.sub("", value)
    body = ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
    return _attachment(body, "application/xml", f"{filename}.xml")


def _utc(value):
    return value.replace(tzinfo=UTC)


def memo_event(memo: Memo, stamp) -> Event:
    event = Event()
    event.add("uid", f"memo-{memo.id}@zuoxi")
    event.add("dtstamp", stamp)
    event.add("dtstart", _utc(memo.start_at))
    event.add("dtend", _utc(memo.end_at or memo.start_at))
    event.add("summary", memo.subject)
    if memo.place:
        event.add("location", memo.place)
    description = memo.content or ""
    if memo.customer is not None:
        description = f"{_('客户')}:{memo.customer.name}\n{description}".rstrip()
    if description:
        event.add("description", description)
    event.add("priority", PRIORITY.get(memo.label, 0))
    event.add("last-modified", _utc(memo.updated_at))
    if memo.remind_minutes is not None:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", memo.subject)
        alarm.add("trigger", timedelta(minutes=-memo.remind_minutes))
        event.add_component(alarm)
    return event


def memo_calendar(memos) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Zuoxi//Memos//ZH")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", _("备忘录"))
    stamp = _utc(utcnow()).replace(microsecond=0)
    for memo in memos:
        calendar.add_component(memo_event(memo, stamp))
    return calendar.to_ical()


def ics_export(args, user, filename: str) -> Response:
    ids = grid_condition(MEMO_GRID, args, user)
    limit = current_app.config["EXPORT_MAX_ROWS"]
    memos = db.session.scalars(select(Memo).where(Memo.id.in_(ids)).order_by(Memo.start_at, Memo.id).limit(limit))
    return _attachment(memo_calendar(memos), "text/calendar", f"{filename}.ics")


EXPORTERS = {"html": html_export, "xml": xml_export, "ics": ics_export}

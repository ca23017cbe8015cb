"""The call list (通话记录) as a shared data grid: name, number, time, duration, type, status, location,
recording and line, as desktop-callcenter-crm §6.3.1 lists them; numbers masked for hide-numbers roles."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import false, or_, select

from app.customers.models import Customer
from app.customers.phones import try_normalize
from app.grid.columns import user_column
from app.grid.services import GridColumn, GridDefinition
from app.masking import mask_number
from app.telephony.calls import DIRECTION_LABELS, HANGUP_LABELS, STATUS_LABELS, visible_calls_condition
from app.telephony.models_calls import CallRecord
from app.timeutil import local_day_bounds_utc, local_today


def _labels(mapping):
    return lambda: [(key, str(label)) for key, label in mapping.items()]


def _label_of(mapping):
    return lambda value, row: str(mapping.get(value, value or ""))


def _number_search(text: str):
    """A number typed in any form finds the calls with that party; digits also match part of a number."""
    found = try_normalize(text)
    conditions = []
    if found is not None:
        conditions.append(CallRecord.far_normalized == found.normalized)
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) >= 3:
        conditions += [CallRecord.caller_number.contains(digits), CallRecord.callee_number.contains(digits)]
    return or_(*conditions) if conditions else false()


def call_columns(user) -> list[GridColumn]:
    hides = bool(getattr(user, "hides_numbers", False))

    def party(value, row):
        # Only the customer's side is hidden: agents' extensions stay readable.
        if hides and value and value == row.get("far_number"):
            return mask_number(value)
        return value or ""

    def far(value, row):
        return mask_number(value) if hides and value else (value or "")

    customer_name = select(Customer.name).where(Customer.id == CallRecord.customer_id).scalar_subquery()
    return [
        GridColumn("started_at", _l("时间"), CallRecord.started_at, type="datetime", width=140),
        GridColumn(
            "direction",
            _l("类型"),
            CallRecord.direction,
            type="choice",
            choices=_labels(DIRECTION_LABELS),
            format=_label_of(DIRECTION_LABELS),
            width=70,
        ),
        GridColumn(
            "status",
            _l("状态"),
            CallRecord.status,
            type="choice",
            choices=_labels(STATUS_LABELS),
            format=_label_of(STATUS_LABELS),
            width=90,
        ),
        GridColumn("customer", _l("客户"), customer_name, type="link", searchable=True, width=120),
        GridColumn(
            "caller_number",
            _l("主叫号码"),
            CallRecord.caller_number,
            searchable=True,
            search_condition=_number_search,
            format=party,
            width=130,
        ),
        GridColumn("callee_number", _l("被叫号码"), CallRecord.callee_number, format=party, width=130),
        GridColumn("far_number", _l("对方号码"), CallRecord.far_number, format=far, default_visible=False, width=130),
        user_column("agent", _l("坐席"), CallRecord.agent_id, width=90),
        GridColumn("location", _l("归属地"), CallRecord.location, width=110),
        GridColumn("ring_seconds", _l("振铃(秒)"), CallRecord.ring_seconds, type="number", width=80),
        GridColumn("talk_seconds", _l("通话(秒)"), CallRecord.talk_seconds, type="number", width=80),
        GridColumn("has_recording", _l("录音"), CallRecord.has_recording, type="bool", width=60),
        GridColumn("trunk", _l("线路"), CallRecord.trunk, width=100),
        GridColumn(
            "hangup_by",
            _l("挂机方"),
            CallRecord.hangup_by,
            type="choice",
            choices=_labels(HANGUP_LABELS),
            format=_label_of(HANGUP_LABELS),
            width=90,
            default_visible=False,
        ),
        GridColumn("hangup_cause", _l("挂机原因"), CallRecord.hangup_cause, default_visible=False, width=140),
        GridColumn("group_name", _l("坐席组"), CallRecord.group_name, default_visible=False, width=100),
        GridColumn("dtmf", _l("按键"), CallRecord.dtmf, default_visible=False, width=80),
        GridColumn("ended_at", _l("结束时间"), CallRecord.ended_at, type="datetime", default_visible=False, width=140),
    ]


def call_base_query(user):
    query = select(CallRecord)
    condition = visible_calls_condition(user)
    return query if condition is None else query.where(condition)


def _today(user):
    start, end = local_day_bounds_utc(local_today())
    return (CallRecord.started_at >= start) & (CallRecord.started_at < end)


CALL_GRID = GridDefinition(
    id="calls",
    columns=call_columns,
    base_query=call_base_query,
    id_expr=CallRecord.id,
    default_sort=[("started_at", "desc")],
    quick_filters={
        "mine": (_l("我的通话"), lambda user: CallRecord.agent_id == user.id),
        "today": (_l("今天"), _today),
        "missed": (_l("未接来电"), lambda user: CallRecord.status == "missed"),
        "recorded": (_l("有录音"), lambda user: CallRecord.has_recording.is_(True)),
    },
)

"""Agent states: 在线 / 忙碌 / 离开 chosen by the agent, 振铃 / 通话中 / 话后处理 driven by calls.

Every change closes the open status-log row and opens a new one, and sets ``User.agent_status``
to the state the header shows. Functions flush and return the changes to announce; the caller
commits, then calls ``announce``. Wrap-up ends at a stored instant, so after a restart a sweep
(``end_due_wrapups``) puts the agent back instead of leaving them stuck.
"""

from datetime import timedelta
from functools import lru_cache

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.auth.models import User
from app.errors import ValidationError
from app.extensions import db
from app.telephony.models_agent import CALL_STATUSES, CHOSEN_STATUSES, AgentPresence, AgentStatusLog
from app.timeutil import utcnow

STATUS_LABELS = {
    "online": _l("在线"),
    "busy": _l("忙碌"),
    "away": _l("离开"),
    "ringing": _l("振铃"),
    "talking": _l("通话中"),
    "wrapup": _l("话后处理"),
}
MAX_WRAPUP_SECONDS = 3600


def presence_of(user_id: int) -> AgentPresence:
    presence = db.session.get(AgentPresence, user_id)
    if presence is None:
        user = db.session.get(User, user_id)
        chosen = user.agent_status if user is not None and user.agent_status in CHOSEN_STATUSES else "online"
        presence = AgentPresence(user_id=user_id, chosen_status=chosen, forward_to_mobile=False)
        db.session.add(presence)
    return presence


def wrapup_seconds_for(presence: AgentPresence) -> int:
    if presence.wrapup_seconds is not None:
        return presence.wrapup_seconds
    return int(current_app.config.get("WRAPUP_SECONDS") or 0)


def _transition(user: User, status: str, now, call_uuid: str = "") -> bool:
    """Close the open log row, open one for `status`; False when the agent is already in it."""
    previous = user.agent_status or "online"
    if previous == status:
        return False
    open_rows = db.session.scalars(
        select(AgentStatusLog).where(AgentStatusLog.user_id == user.id, AgentStatusLog.ended_at.is_(None))
    )
    for row in open_rows:
        row.ended_at = now
        row.seconds = max(0, int((now - row.started_at).total_seconds()))
    db.session.add(
        AgentStatusLog(user_id=user.id, status=status, from_status=previous, started_at=now, call_uuid=call_uuid)
    )
    user.agent_status = status
    user.agent_status_at = now
    return True


def set_status(user: User, status: str, forward_to_mobile: bool | None = None) -> list[tuple[int, str]]:
    """The agent chose a state. During a call it is remembered and applies when the call is over;
    choosing one during wrap-up ends the wrap-up at once."""
    if status not in CHOSEN_STATUSES:
        raise ValidationError({_("坐席状态"): _("未知的坐席状态:%(s)s", s=status)})
    now = utcnow()
    presence = presence_of(user.id)
    presence.chosen_status = status
    if forward_to_mobile is not None:
        if forward_to_mobile and status != "online" and not user.mobile:
            raise ValidationError({_("转手机"): _("请先在用户资料中填写手机号")})
        presence.forward_to_mobile = bool(forward_to_mobile)
    changes = []
    if user.agent_status not in ("ringing", "talking"):
        presence.wrapup_until = None
        if _transition(user, status, now):
            changes.append((user.id, status))
    db.session.flush()
    return changes


def set_wrapup_seconds(user_id: int, seconds: int | None) -> None:
    if seconds is not None and not 0 <= int(seconds) <= MAX_WRAPUP_SECONDS:
        raise ValidationError({_("话后处理时长"): _("必须在 0 到 %(n)d 秒之间", n=MAX_WRAPUP_SECONDS)})
    presence_of(user_id).wrapup_seconds = None if seconds is None else int(seconds)
    db.session.flush()


def apply_call_activity(user_id: int, activity: str, call_uuid: str = "", now=None) -> list[tuple[int, str]]:
    """The live model says what the agent's phone is doing: "ringing", "talking" or "idle"."""
    return apply_call_activities([(user_id, activity, call_uuid, now or utcnow())])


def apply_call_activities(items) -> list[tuple[int, str]]:
    """(user_id, activity, call_uuid, at) from the live model, in order, written as one batch.

    Idle after talking starts the wrap-up (when it lasts more than 0 s); idle after ringing only
    (a missed call) goes straight back to the chosen state. A burst of calls changes hundreds of
    agents a second, so this reads every agent concerned in one query and writes with one
    statement per table (executemany), never an ORM object per row."""
    for _user_id, activity, _call_uuid, _at in items:
        if activity != "idle" and activity not in CALL_STATUSES:
            raise ValueError(activity)
    db.session.flush()  # what this session changed (a chosen state just set) is what we read
    agents = _read_agents({item[0] for item in items})
    default_wrapup = int(current_app.config.get("WRAPUP_SECONDS") or 0)
    periods, changes = [], []
    for user_id, activity, call_uuid, at in items:
        agent = agents.get(user_id)
        if agent is None:
            continue
        status = activity
        if activity == "idle":
            seconds = agent["wrapup_seconds"] if agent["wrapup_seconds"] is not None else default_wrapup
            if agent["status"] == "talking" and seconds > 0:
                status = "wrapup"
                _set_wrapup_until(agent, at + timedelta(seconds=seconds))
            elif agent["status"] == "wrapup" and agent["wrapup_until"] and agent["wrapup_until"] > at:
                continue
            else:
                status = agent["chosen"]
                _set_wrapup_until(agent, None)
        else:
            _set_wrapup_until(agent, None)
        if agent["status"] == status:
            continue
        periods.append(
            {"user_id": user_id, "status": status, "from_status": agent["status"], "at": at, "call": call_uuid}
        )
        agent["status"], agent["status_at"] = status, at
        changes.append((user_id, status))
    _write(agents, periods)
    return changes


class _Statements:
    """The batch's statements, built once: a statement object reused keeps its SQL cache key, which
    is most of what a small query costs."""

    def __init__(self):
        from sqlalchemy import bindparam, insert, update

        log, users, presences = AgentStatusLog.__table__, User.__table__, AgentPresence.__table__
        ids = bindparam("ids", expanding=True)
        self.agents = (
            select(
                users.c.id,
                users.c.agent_status,
                presences.c.user_id,
                presences.c.chosen_status,
                presences.c.wrapup_seconds,
                presences.c.wrapup_until,
            )
            .select_from(users.outerjoin(presences, presences.c.user_id == users.c.id))
            .where(users.c.id.in_(ids))
        )
        self.open_periods = select(log.c.id, log.c.user_id, log.c.started_at).where(
            log.c.user_id.in_(ids), log.c.ended_at.is_(None)
        )
        self.close_period = (
            update(log)
            .where(log.c.id == bindparam("row_id"))
            .values(ended_at=bindparam("end"), seconds=bindparam("secs"))
        )
        self.add_period = insert(log)
        self.set_status = (
            update(users)
            .where(users.c.id == bindparam("uid"))
            .values(agent_status=bindparam("status"), agent_status_at=bindparam("at"))
        )
        self.add_presence = insert(presences)
        self.set_wrapup = (
            update(presences)
            .where(presences.c.user_id == bindparam("uid"))
            .values(wrapup_until=bindparam("until"), updated_at=bindparam("now"))
        )


@lru_cache(maxsize=1)
def _statements() -> _Statements:
    return _Statements()


def _read_agents(user_ids: set[int]) -> dict[int, dict]:
    agents = {}
    for user_id, status, presence_id, chosen, wrapup_seconds, wrapup_until in db.session.execute(
        _statements().agents, {"ids": sorted(user_ids)}
    ):
        status = status or "online"
        if presence_id is None:  # as presence_of() would create it
            chosen = status if status in CHOSEN_STATUSES else "online"
        agents[user_id] = {
            "status": status,
            "status_at": None,
            "new_presence": presence_id is None,
            "chosen": chosen,
            "wrapup_seconds": wrapup_seconds,
            "wrapup_until": wrapup_until,
            "presence_changed": presence_id is None,
        }
    return agents


def _set_wrapup_until(agent: dict, value) -> None:
    if agent["wrapup_until"] != value:
        agent["wrapup_until"] = value
        agent["presence_changed"] = True


def _write(agents: dict[int, dict], periods: list[dict]) -> None:
    """The batch's rows: open periods closed, new ones added (those ended within the batch closed
    already), users' header state, presences."""
    from sqlalchemy.orm.util import identity_key

    statements = _statements()
    changed, closing = {p["user_id"] for p in periods}, []
    if changed:
        first_change = {}
        for period in periods:
            first_change.setdefault(period["user_id"], period["at"])
        closing = [
            {"row_id": row_id, "end": first_change[user_id], "secs": _seconds(started, first_change[user_id])}
            for row_id, user_id, started in db.session.execute(statements.open_periods, {"ids": sorted(changed)})
        ]
        if closing:
            db.session.execute(statements.close_period, closing)
        following = {}
        for period in reversed(periods):  # each period ends where the same agent's next one starts
            period["end"] = following.get(period["user_id"])
            following[period["user_id"]] = period["at"]
        db.session.execute(
            statements.add_period,
            [
                {
                    "user_id": p["user_id"],
                    "status": p["status"],
                    "from_status": p["from_status"],
                    "started_at": p["at"],
                    "ended_at": p["end"],
                    "seconds": None if p["end"] is None else _seconds(p["at"], p["end"]),
                    "call_uuid": p["call"],
                }
                for p in periods
            ],
        )
        db.session.execute(
            statements.set_status,
            [{"uid": u, "status": agents[u]["status"], "at": agents[u]["status_at"]} for u in sorted(changed)],
        )
    now = utcnow()
    fresh = [u for u, a in agents.items() if a["new_presence"]]
    if fresh:
        db.session.execute(
            statements.add_presence,
            [
                {
                    "user_id": u,
                    "chosen_status": agents[u]["chosen"],
                    "forward_to_mobile": False,
                    "wrapup_until": agents[u]["wrapup_until"],
                    "updated_at": now,
                }
                for u in fresh
            ],
        )
    moved = [u for u, a in agents.items() if a["presence_changed"] and not a["new_presence"]]
    if moved:
        db.session.execute(
            statements.set_wrapup, [{"uid": u, "until": agents[u]["wrapup_until"], "now": now} for u in moved]
        )
    # Objects this session already holds would otherwise keep showing the state before the batch.
    held_keys = [identity_key(model, u) for u in changed | set(fresh) | set(moved) for model in (User, AgentPresence)]
    held_keys += [identity_key(AgentStatusLog, row["row_id"]) for row in closing]
    for key in held_keys:
        if (held := db.session.identity_map.get(key)) is not None:
            db.session.expire(held)


def _seconds(start, end) -> int:
    return max(0, int((end - start).total_seconds()))


def end_due_wrapups(now=None) -> list[tuple[int, str]]:
    """Agents whose wrap-up time is over go back to their chosen state."""
    now = now or utcnow()
    due = db.session.execute(
        select(User, AgentPresence)
        .join(AgentPresence, AgentPresence.user_id == User.id)
        .where(User.agent_status == "wrapup", AgentPresence.wrapup_until <= now)
    ).all()
    changes = []
    for user, presence in due:
        presence.wrapup_until = None
        if _transition(user, presence.chosen_status, now):
            changes.append((user.id, presence.chosen_status))
    # An agent left in wrapup without an end (e.g. the setting was 0 when it began) is not stuck either.
    stray = db.session.scalars(
        select(User).where(User.agent_status == "wrapup", ~User.id.in_(select(AgentPresence.user_id)))
    )
    for user in stray:
        if _transition(user, "online", now):
            changes.append((user.id, "online"))
    db.session.flush()
    return changes


def settle_idle_agents(busy_user_ids: set[int], now=None) -> list[tuple[int, str]]:
    """After a resync: agents shown ringing or talking without a live channel go back (via wrap-up rules)."""
    now = now or utcnow()
    stuck = db.session.scalars(select(User.id).where(User.agent_status.in_(("ringing", "talking"))))
    changes = []
    for user_id in stuck:
        if user_id not in busy_user_ids:
            changes.extend(apply_call_activity(user_id, "idle", now=now))
    return changes


def forward_to_mobile_number(user: User) -> str:
    """The mobile calls for this agent go to while busy or away with forwarding on; "" otherwise."""
    presence = db.session.get(AgentPresence, user.id)
    if presence is None or not presence.forward_to_mobile or presence.chosen_status == "online":
        return ""
    return user.mobile or ""


def announce(changes) -> None:
    """After the commit: every tab of each agent shows the new state."""
    from app.sockets import emit_to_user

    for user_id, status in changes:
        emit_to_user(user_id, "agent_status", {"status": status})

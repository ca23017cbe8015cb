"""Who answers which extension, and what a pop may show them: an in-memory snapshot of the agents.

A ringing phone must turn into a screen-pop within milliseconds, so the live model reads the
extension → agent mapping, each agent's permissions, data scope and number masking, and the pop
fields from this snapshot instead of asking the database at every ring. The snapshot is rebuilt at
the next use after a commit (or flush) in this process changed a user's extension, role or status,
a role, a department or a custom field (`_watch_changes`); changes made by another process are
picked up within REFRESH_SECONDS, and an extension not known yet is looked up again at most every
MISS_INTERVAL seconds.
"""

import itertools
import time
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

REFRESH_SECONDS = 30.0
MISS_INTERVAL = 2.0
# The User columns the snapshot holds; a change to any other (agent_status, last_login_at…) keeps it.
USER_COLUMNS = ("extension", "enabled", "role_id", "is_superuser", "department_id", "display_name")

_changes = itertools.count(1)
_generation = [0]


@dataclass(frozen=True, slots=True)
class Agent:
    """What the pop needs of a user with an extension. It answers the questions the customer scope
    and the number masking ask of a User (`has_permission`, `data_scope`, `hides_numbers`…)."""

    id: int
    display_name: str
    extension: str
    is_superuser: bool
    department_id: int | None
    permissions: frozenset
    role_scope: str
    role_hides_numbers: bool
    categories: tuple

    def has_permission(self, code: str) -> bool:
        return self.is_superuser or code in self.permissions

    @property
    def data_scope(self) -> str:
        return "all" if self.is_superuser else self.role_scope

    @property
    def hides_numbers(self) -> bool:
        return not self.is_superuser and self.role_hides_numbers

    @property
    def visible_customer_categories(self) -> list[int]:
        return [] if self.is_superuser else list(self.categories)


class Snapshot:
    """One reading of the agents and pop fields; never changed, only replaced."""

    def __init__(self, agents: dict[int, Agent], pop_fields: list[tuple[str, str, str]], generation: int):
        self.agents = agents
        self.by_extension = {agent.extension: agent.id for agent in agents.values()}
        self.pop_fields = pop_fields
        self.generation = generation
        self.taken_at = time.monotonic()
        self.card_queries: dict = {}  # per agent: the pop's customer query within that agent's scope


class AgentDirectory:
    def __init__(self):
        self.snapshot: Snapshot | None = None
        self.on_refresh = None  # called with each new snapshot (the live model prepares the pops' queries)

    def current(self, unknown_extension: str = "") -> Snapshot:
        """The snapshot, read again when something changed, when it is old, or (at most every
        MISS_INTERVAL) when it does not know `unknown_extension`."""
        snapshot = self.snapshot
        if snapshot is None or snapshot.generation != _generation[0]:
            return self.refresh()
        age = time.monotonic() - snapshot.taken_at
        if age > REFRESH_SECONDS or (
            unknown_extension and unknown_extension not in snapshot.by_extension and age > MISS_INTERVAL
        ):
            return self.refresh()
        return snapshot

    def refresh(self) -> Snapshot:
        generation = _generation[0]  # read first: a change committed during the queries bumps it again
        previous, snapshot = self.snapshot, Snapshot(_read_agents(), _read_pop_fields(), generation)
        if previous is not None and previous.generation == generation:
            # Nothing changed here since: an agent read the same keeps the query built for it, except
            # where it depends on the department tree, which another process may have changed.
            for user_id, query in previous.card_queries.items():
                agent = snapshot.agents.get(user_id)
                if agent is not None and agent == previous.agents.get(user_id) and agent.data_scope != "department":
                    snapshot.card_queries[user_id] = query
        self.snapshot = snapshot
        if self.on_refresh is not None:
            self.on_refresh(snapshot)
        return snapshot


def get_directory(app=None) -> AgentDirectory:
    """The app's directory (the live model's pops and the quick-add card share it)."""
    from flask import current_app

    app = app or current_app._get_current_object()
    directory = app.extensions.get("zuoxi_agent_directory")
    if directory is None:
        directory = app.extensions["zuoxi_agent_directory"] = AgentDirectory()
    return directory


def _read_agents() -> dict[int, Agent]:
    from app.auth.models import Role, User
    from app.extensions import db

    rows = db.session.execute(
        select(
            User.id,
            User.display_name,
            User.extension,
            User.is_superuser,
            User.department_id,
            Role.permissions,
            Role.data_scope,
            Role.hide_numbers,
            Role.customer_categories,
        )
        .outerjoin(Role, Role.id == User.role_id)
        .where(User.extension != "", User.enabled.is_(True))
        .order_by(User.id)
    )
    agents = {}
    for uid, name, extension, superuser, department, permissions, scope, hides, categories in rows:
        agents[uid] = Agent(
            id=uid,
            display_name=name,
            extension=extension,
            is_superuser=bool(superuser),
            department_id=department,
            permissions=frozenset(permissions or ()),
            role_scope=scope or "own",
            role_hides_numbers=bool(hides),
            categories=tuple(categories or ()),
        )
    return agents


def _read_pop_fields() -> list[tuple[str, str, str]]:
    from app.fields.services import custom_fields

    return [(f.key, f.label, f.field_type) for f in custom_fields("customer", where="pop")]


def forget() -> None:
    """Every directory reads the database again at its next use."""
    _generation[0] = next(_changes)


@lru_cache(maxsize=1)
def _watched_models() -> tuple:
    """User first."""
    from app.auth.models import Department, Role, User
    from app.fields.models import CustomField

    return User, Role, Department, CustomField


def _relevant(obj) -> bool:
    """A flushed object that changes what the snapshot holds."""
    watched = _watched_models()
    if not isinstance(obj, watched):
        return False
    if not isinstance(obj, watched[0]):  # a role, a department or a custom field
        return True
    state = inspect(obj)
    if state.pending or state.deleted or state.was_deleted:
        return True
    return any(state.attrs[name].history.has_changes() for name in USER_COLUMNS)


def _after_flush(session, _flush_context) -> None:
    if any(_relevant(obj) for obj in itertools.chain(session.new, session.dirty, session.deleted)):
        # Now for readers in this transaction, and again when it ends for everyone else's.
        session.info["zuoxi_directory_changed"] = True
        forget()


def _after_transaction_end(session) -> None:
    if session.info.pop("zuoxi_directory_changed", False):
        forget()


def _watch_changes() -> None:
    for name, listener in (
        ("after_flush", _after_flush),
        ("after_commit", _after_transaction_end),
        ("after_rollback", _after_transaction_end),
    ):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


_watch_changes()

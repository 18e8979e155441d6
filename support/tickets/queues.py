"""The workspace's queues: definitions, filters, sorting, counts and keyset pagination.

Every query is `visible_tickets(user)` AND the queue's own condition AND the filters, ordered by one of SORTS with
the ticket id as tie-breaker. Pages continue from an opaque cursor (the last row's sort values), never with OFFSET,
so page 500 costs the same as page 1; the composite indexes on `tickets` (see models.Ticket.__table_args__) match
the queues' WHERE + ORDER BY for the default sort ("due").

Usage (views and the API):
    page = queues.list_queue(user, "tier2", filters=QueueFilters(priority="high"), sort="due", cursor=None)
    page.tickets, page.next_cursor
    queues.available_queues(user) → [QueueInfo(key, label, count)]
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, false, func, or_, select, true, tuple_
from sqlalchemy.orm import joinedload, lazyload

from support import vocabulary
from support.database import utcnow
from support.extensions import db
from support.policy.tickets import desk_scope, visible_tickets
from support.request_input import parse_int
from support.tickets.models import (
    ACTIVE_STATES,
    CHANNELS,
    PRIORITIES,
    STATES,
    SYSTEMS,
    Ticket,
    TicketParticipant,
    TicketTag,
)

PAGE_SIZE = 50
# Counts stop at this many: "1000+" tells a desk all it needs, and counting stays fast at a million tickets.
COUNT_CAP = 1000
BREACHING_SOON = timedelta(hours=4)
# Cursor numbers are ids and priority ranks; anything past a 64-bit integer is a forged cursor (and would overflow
# the database driver).
_CURSOR_INT_BOUND = 2**63 - 1

SORTS = {
    # key: [(column, descending?)] — the id is always the last column
    "due": [(Ticket.sla_due_at, False), (Ticket.id, False)],
    "newest": [(Ticket.created_at, True), (Ticket.id, True)],
    "oldest": [(Ticket.created_at, False), (Ticket.id, False)],
    "updated": [(Ticket.updated_at, True), (Ticket.id, True)],
    "priority": [(Ticket.priority_rank, True), (Ticket.sla_due_at, False), (Ticket.id, False)],
}
SORT_LABELS = {"due": _l("SLA-tid (först ut)"), "newest": _l("Nyast först"), "oldest": _l("Äldst först"),
               "updated": _l("Senast ändrad"), "priority": _l("Prioritet")}

QUEUE_LABELS = {
    # Not "Mina ärenden": that is what a person asked themselves (the requester's page).
    "mine": _l("Tilldelade mig"),
    "unassigned": _l("Ej tilldelade"),
    "my_schools": _l("Mina skolor"),
    "tier2": _l("Servicedesk (nivå 2)"),
    "system": _l("Systemförvaltning (nivå 3)"),
    "breaching": _l("Snart över SLA-tid"),
    "waiting": vocabulary.STAFF_STATE_LABELS["pending"],
}


class QueueError(ValueError):
    """Unknown queue, filter value or cursor."""


@dataclass
class QueueFilters:
    state: str | None = None  # one state; None means the queue's default (the active states)
    priority: str | None = None
    system: str | None = None
    school_id: int | None = None
    channel: str | None = None
    tag: str | None = None

    @classmethod
    def from_args(cls, args) -> QueueFilters:
        """From request.args (unknown or empty values are ignored, bad ones raise QueueError)."""
        def pick(name, allowed):
            value = (args.get(name) or "").strip()
            if not value:
                return None
            if allowed is not None and value not in allowed:
                raise QueueError(f"Okänt värde för {name}: {value}")
            return value

        school = (args.get("school") or "").strip()
        school_id = parse_int(school, minimum=1) if school else None
        if school and school_id is None:
            raise QueueError("Okänd skola")
        return cls(state=pick("state", STATES), priority=pick("priority", PRIORITIES),
                   system=pick("system", SYSTEMS), school_id=school_id, channel=pick("channel", CHANNELS),
                   tag=pick("tag", None))

    def conditions(self) -> list:
        found = []
        if self.priority:
            found.append(Ticket.priority == self.priority)
        if self.system:
            found.append(Ticket.system == self.system)
        if self.school_id:
            found.append(Ticket.school_id == self.school_id)
        if self.channel:
            found.append(Ticket.channel == self.channel)
        if self.tag:
            found.append(Ticket.id.in_(select(TicketTag.ticket_id).where(TicketTag.tag == self.tag.lower())))
        return found


@dataclass
class QueuePage:
    tickets: list[Ticket]
    next_cursor: str | None
    queue: str
    sort: str
    filters: QueueFilters = field(default_factory=QueueFilters)


@dataclass(frozen=True)
class QueueInfo:
    key: str
    label: str
    count: int  # capped at COUNT_CAP + 1; show `count_text`

    @property
    def count_text(self) -> str:
        return format_count(self.count)


def available_queues(user) -> list[str]:
    """The queue keys that make sense for `user` (superusers: their schools; agents: the service desk)."""
    scope = desk_scope(user)
    if not scope.staff:
        return []
    keys = ["mine", "unassigned"]
    if scope.school_queues:
        keys.append("my_schools")
    if scope.service_desk:
        keys += ["tier2", "system"]
    return [*keys, "breaching", "waiting"]


def _active(state_filter: str | None):
    return Ticket.state == state_filter if state_filter else Ticket.state.in_(ACTIVE_STATES)


def queue_condition(user, key: str, *, system: str | None = None, now: datetime | None = None):
    """The queue's own WHERE clause (without visibility and filters)."""
    scope = desk_scope(user)
    if key == "mine":
        return Ticket.assignee_id == user.id
    if key == "unassigned":
        parts = []
        if scope.service_desk:
            parts.append(Ticket.tier == 2)
        if scope.school_ids:
            parts.append(and_(Ticket.tier == 1, Ticket.school_id.in_(sorted(scope.school_ids))))
        return and_(Ticket.assignee_id.is_(None), Ticket.state != "pending", or_(*parts) if parts else false())
    if key == "my_schools":
        if scope.every_school:
            return Ticket.tier == 1
        if scope.school_ids:
            return and_(Ticket.tier == 1, Ticket.school_id.in_(sorted(scope.school_ids)))
        return false()
    if key == "tier2":
        return Ticket.tier == 2
    if key == "system":
        return and_(Ticket.tier == 3, Ticket.system == system) if system else Ticket.tier == 3
    if key == "breaching":
        return and_(Ticket.state.in_(("new", "open")), Ticket.sla_due_at <= (now or utcnow()) + BREACHING_SOON)
    if key == "waiting":
        return Ticket.state == "pending"
    raise QueueError(f"Okänd kö: {key}")


def queue_query(user, key: str, filters: QueueFilters | None = None, *, system: str | None = None, now=None):
    """select(Ticket) for a queue with visibility and filters applied, not yet ordered."""
    filters = filters or QueueFilters()
    system = system or filters.system
    state = filters.state if key not in ("waiting", "breaching") else None
    conditions = [queue_condition(user, key, system=system, now=now), _active(state), visible_tickets(user),
                  *filters.conditions()]
    return select(Ticket).where(*conditions)


def list_options():
    """Load what a ticket list shows (requester, assignee, school, tags) and nothing more."""
    from support.accounts.models import User

    return (
        joinedload(Ticket.requester).lazyload(User.groups), joinedload(Ticket.requester).lazyload(User.roles),
        joinedload(Ticket.assignee).lazyload(User.groups), joinedload(Ticket.assignee).lazyload(User.roles),
        lazyload(Ticket.participant_links),
    )


def encode_cursor(values: list) -> str:
    encoded = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(encoded).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> list:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        raw = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        raise QueueError("Ogiltig sidmarkör") from error
    columns = SORTS[sort]
    if not isinstance(raw, list) or len(raw) != len(columns):
        raise QueueError("Ogiltig sidmarkör")
    values = []
    for (column, _descending), value in zip(columns, raw, strict=True):
        if column.key in ("sla_due_at", "created_at", "updated_at"):
            try:
                values.append(datetime.fromisoformat(value))
            except (TypeError, ValueError) as error:
                raise QueueError("Ogiltig sidmarkör") from error
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) <= _CURSOR_INT_BOUND:
            values.append(value)
        else:
            raise QueueError("Ogiltig sidmarkör")
    return values


def _after(columns, values):
    """Rows strictly after `values` in the ORDER BY of `columns` (the keyset condition)."""
    directions = {descending for _column, descending in columns}
    if len(directions) == 1:
        left = tuple_(*(column for column, _ in columns))
        right = tuple(values)
        return left < right if directions == {True} else left > right
    alternatives = []
    for index, (column, descending) in enumerate(columns):
        equal = [c == v for (c, _), v in zip(columns[:index], values[:index], strict=True)]
        step = column < values[index] if descending else column > values[index]
        alternatives.append(and_(*equal, step))
    return or_(*alternatives)


def paged_statement(query, sort: str, cursor: str | None, limit: int = PAGE_SIZE):
    """`query` with the keyset condition, ORDER BY and LIMIT (one row more than a page, to know if more follow)."""
    if sort not in SORTS:
        raise QueueError(f"Okänd sortering: {sort}")
    columns = SORTS[sort]
    if cursor:
        query = query.where(_after(columns, decode_cursor(cursor, sort)))
    query = query.order_by(*(column.desc() if descending else column.asc() for column, descending in columns))
    return query.options(*list_options()).limit(limit + 1)


def paginate(query, sort: str, cursor: str | None, limit: int = PAGE_SIZE) -> tuple[list[Ticket], str | None]:
    """Apply ORDER BY + keyset to `query`; returns (rows, cursor of the next page or None)."""
    columns = SORTS.get(sort)
    rows = list(db.session.scalars(paged_statement(query, sort, cursor, limit)).unique())
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor([getattr(last, column.key) for column, _ in columns])
    return rows, next_cursor


def list_queue(user, key: str, *, filters: QueueFilters | None = None, sort: str = "due",
               cursor: str | None = None, limit: int = PAGE_SIZE, system: str | None = None) -> QueuePage:
    """One page of a queue for `user`."""
    if key not in available_queues(user):
        raise QueueError(f"Okänd kö: {key}")
    filters = filters or QueueFilters()
    rows, next_cursor = paginate(queue_query(user, key, filters, system=system), sort, cursor, limit)
    return QueuePage(tickets=rows, next_cursor=next_cursor, queue=key, sort=sort, filters=filters)


def count_queue(user, key: str, filters: QueueFilters | None = None, *, system: str | None = None,
                cap: int | None = COUNT_CAP) -> int:
    """How many tickets the queue holds, up to `cap` (COUNT_CAP + 1 means "more than COUNT_CAP")."""
    query = queue_query(user, key, filters, system=system).with_only_columns(Ticket.id)
    if cap is not None:
        query = query.limit(cap + 1)
    return db.session.scalar(select(func.count()).select_from(query.subquery()))


def format_count(count: int) -> str:
    """"1000+" for a capped count, else the number."""
    return f"{COUNT_CAP}+" if count > COUNT_CAP else str(count)


def queue_counts(user, filters: QueueFilters | None = None) -> list[QueueInfo]:
    """Every queue available to `user` with its count (for the workspace's side bar)."""
    return [QueueInfo(key, QUEUE_LABELS[key], count_queue(user, key, filters)) for key in available_queues(user)]


def system_counts(user) -> dict[str, int]:
    """Open tier-3 tickets per system (for the "per system" queue's sub-navigation)."""
    rows = db.session.execute(
        select(Ticket.system, func.count()).where(Ticket.tier == 3, Ticket.state.in_(ACTIVE_STATES),
                                                  visible_tickets(user))
        .group_by(Ticket.system)).all()
    return {system: count for system, count in rows}


def requester_tickets(user):
    """"Mina ärenden" as a query: the tickets a person asked or follows (CC'd on the mail, or a requester of both
    merged tickets), merged ones included so an old number can still be found. Pages and the API both use it."""
    followed = select(TicketParticipant.ticket_id).where(TicketParticipant.user_id == user.id)
    return select(Ticket).where(or_(Ticket.requester_id == user.id, Ticket.id.in_(followed)))


def requester_open_tickets(user, limit: int = 100) -> list[Ticket]:
    """The person's tickets that still need work or an answer, newest first."""
    return list(db.session.scalars(requester_tickets(user).where(Ticket.state.in_(ACTIVE_STATES))
                                   .order_by(Ticket.id.desc()).limit(limit)))


def my_tickets(user, *, cursor: str | None = None, limit: int = PAGE_SIZE, include_closed: bool = True):
    """The requester's own tickets ("Mina ärenden"), newest first, keyset-paginated."""
    query = requester_tickets(user).where(true() if include_closed else Ticket.state != "closed")
    return paginate(query, "newest", cursor, limit)

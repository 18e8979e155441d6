"""Ticket search over subject and messages, always through `visible_tickets(user)`.

PostgreSQL: the database's full-text search, `search_vector @@ websearch_to_tsquery('swedish', …)`, where
`search_vector` is a stored generated column `to_tsvector('swedish', search_text)` with a GIN index (created by
migration 0003_tickets on PostgreSQL only, so it is not mapped on the model). SQLite (the embedded setup): every word must occur in
`search_text` (LIKE). `search_text` is kept by the service (lower-cased subject + every message), so one row per
ticket is searched. A query like `#1234` or `1234` also finds the ticket with that number.

Requesters search only the subjects of their own tickets (their search must not find words of internal notes);
staff search subject and every message.
"""

from __future__ import annotations

import re

from sqlalchemy import and_, func, literal_column, or_, select, union_all

from support.extensions import db
from support.policy.actors import roles_of
from support.policy.tickets import is_ticket_staff, visible_tickets
from support.tickets.models import Ticket
from support.tickets.queues import PAGE_SIZE, paginate

MAX_QUERY = 200
_SWEDISH = literal_column("'swedish'::regconfig")


def _terms(query: str) -> list[str]:
    return [term for term in re.findall(r"[\wåäöÅÄÖéü@.-]+", query.lower()) if len(term) > 1][:10]


def _like(column, term: str):
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.like(f"%{escaped}%", escape="\\")


def text_condition(query: str, *, staff: bool = True):
    """The WHERE clause matching `query` on the current database."""
    number = re.fullmatch(r"#?(\d{1,9})", query.strip())
    if not staff:
        terms = _terms(query)
        subject_match = and_(*(_like(func.lower(Ticket.subject), term) for term in terms)) if terms else None
        if number:
            return or_(Ticket.number == int(number.group(1)), *( [subject_match] if subject_match is not None else []))
        return subject_match
    if db.engine.dialect.name == "postgresql":
        match = literal_column("tickets.search_vector").bool_op("@@")(func.websearch_to_tsquery(_SWEDISH, query))
    else:
        terms = _terms(query)
        match = and_(*(_like(Ticket.search_text, term) for term in terms)) if terms else None
    if number:
        return or_(Ticket.number == int(number.group(1)), *([match] if match is not None else []))
    return match


def _candidate_ids(user):
    """A superset of the tickets `user` may see, built from indexed columns only (visible_tickets decides)."""
    from support.policy.actors import superuser_school_ids
    from support.tickets.models import TicketParticipant

    parts = [
        select(Ticket.id).where(Ticket.requester_id == user.id),
        select(TicketParticipant.ticket_id).where(TicketParticipant.user_id == user.id),
        select(Ticket.id).where(Ticket.assignee_id == user.id),
    ]
    school_ids = superuser_school_ids(user)
    if school_ids:
        parts.append(select(Ticket.id).where(Ticket.school_id.in_(sorted(school_ids))))
    return union_all(*parts)


def search_statement(user, query: str, *, filters=None):
    """select(Ticket) of the visible tickets matching `query` (None for an empty query), not yet ordered."""
    query = (query or "").strip()[:MAX_QUERY]
    condition = text_condition(query, staff=is_ticket_staff(user)) if query else None
    if condition is None:
        return None
    matches = select(Ticket.id).where(condition, visible_tickets(user))
    if filters is not None:
        matches = matches.where(*filters.conditions())
        if filters.state:
            matches = matches.where(Ticket.state == filters.state)
    if roles_of(user) & {"agent", "admin"}:
        # Broad visibility: most matches are visible, so walking the newest tickets first finds a page quickly.
        return matches.with_only_columns(Ticket)
    # Narrow visibility (superusers, requesters): start from the few tickets they could possibly see (theirs, their
    # schools', assigned to them; each an index lookup), test those against the text, and fence that off with
    # OFFSET 0 from the outer ORDER BY … LIMIT, so PostgreSQL never reads every match of a common word in the city
    # nor walks the whole table in date order hoping to meet enough visible ones.
    matches = matches.where(Ticket.id.in_(_candidate_ids(user)))
    matching_ids = matches.offset(0).subquery()
    return select(Ticket).join(matching_ids, matching_ids.c.id == Ticket.id)


def search_tickets(user, query: str, *, cursor: str | None = None, limit: int = PAGE_SIZE, sort: str = "newest",
                   filters=None) -> tuple[list[Ticket], str | None]:
    """Tickets `user` may see that match `query`, newest first (keyset-paginated like the queues)."""
    statement = search_statement(user, query, filters=filters)
    if statement is None:
        return [], None
    return paginate(statement, sort, cursor, limit)

"""Ticket search over subject and messages, always through `visible_tickets(user)`.

What a search may match is decided per ticket by the policy, as reading is: on tickets whose internal notes the
searcher may read (`internal_readable_tickets`) it matches `search_text` (subject + every message); on the others
(their own tickets as a requester, also for staff) only `public_search_text` (subject + public messages). The
service keeps both columns, lower-cased, so one row per ticket is searched.

PostgreSQL: the database's full-text search, `… @@ websearch_to_tsquery('swedish', …)` on the stored generated
columns `search_vector` / `public_search_vector` with GIN indexes (migrations 0003_tickets and
0010_public_search_text, PostgreSQL only, so they are not mapped on the model). SQLite (the embedded setup): every
word must occur in the text (LIKE). A query like `#1234` or `1234` also finds the ticket with that number, and a
name, e-mail address or phone number finds the tickets of requesters the searcher may look up (`findable_people`,
the rule of the call form's person search).
"""

from __future__ import annotations

import re

from sqlalchemy import and_, false, func, literal_column, or_, select, true, union_all

from support.accounts.models import User
from support.accounts.service import people_matching
from support.extensions import db
from support.policy.tickets import (
    broad_ticket_search,
    findable_people,
    internal_readable_tickets,
    visible_tickets,
)
from support.tickets.models import Ticket
from support.tickets.queues import PAGE_SIZE, paginate

MAX_QUERY = 200
MAX_REQUESTERS = 200  # people a name search may match; a common first name should not become a huge IN list
_SWEDISH = literal_column("'swedish'::regconfig")


def _terms(query: str) -> list[str]:
    return [term for term in re.findall(r"[\wåäöÅÄÖéü@.-]+", query.lower()) if len(term) > 1][:10]


def _like(column, term: str):
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.like(f"%{escaped}%", escape="\\")


def _matches(query: str, *, public: bool):
    """The text of `query` found in the full or the public search text; None when the query has no words."""
    if db.engine.dialect.name == "postgresql":
        vector = "tickets.public_search_vector" if public else "tickets.search_vector"
        return literal_column(vector).bool_op("@@")(func.websearch_to_tsquery(_SWEDISH, query))
    terms = _terms(query)
    column = Ticket.public_search_text if public else Ticket.search_text
    return and_(*(_like(column, term) for term in terms)) if terms else None


def text_condition(query: str, user):
    """The WHERE clause matching `query` on the current database for what `user` may read of each ticket."""
    number = re.fullmatch(r"#?(\d{1,9})", query.strip())
    internal_ok = internal_readable_tickets(user)
    everything, public = _matches(query, public=False), _matches(query, public=True)
    if everything is None:
        match = None
    elif internal_ok is true():
        match = everything
    elif internal_ok is false():
        match = public
    else:
        # The public text is part of the full text, so the full-text index narrows first for every ticket and
        # the public text is consulted only where internal notes are off limits (few tickets: the searcher's own).
        match = and_(everything, or_(internal_ok, public))
    alternatives = [match, requester_condition(query, user)]
    if number:
        alternatives.insert(0, Ticket.number == int(number.group(1)))
    alternatives = [condition for condition in alternatives if condition is not None]
    return or_(*alternatives) if alternatives else None


def requester_condition(query: str, user):
    """Tickets whose requester matches `query` by name, e-mail or phone number, among the people `user` may look
    up; None when the query names nobody or the searcher may look up no one."""
    people = people_matching(query)
    findable = findable_people(user)
    if people is None or findable is false():
        return None
    return Ticket.requester_id.in_(select(User.id).where(people, findable).limit(MAX_REQUESTERS))


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
    condition = text_condition(query, user) if query else None
    if condition is None:
        return None
    matches = select(Ticket.id).where(condition, visible_tickets(user))
    if filters is not None:
        matches = matches.where(*filters.conditions())
        if filters.state:
            matches = matches.where(Ticket.state == filters.state)
    if broad_ticket_search(user):
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

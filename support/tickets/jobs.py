"""Ticket work the worker does on each pass: mark SLA breaches (and tell the queue), auto-close resolved tickets."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import or_, select

from support.database import utcnow
from support.extensions import db
from support.tickets import notifications
from support.tickets.models import Ticket
from support.tickets.service import AUTO_CLOSE_DAYS, _event

BATCH = 500


def mark_breaches(now=None) -> int:
    """Flag tickets that have passed a due time (not while waiting for the requester) and notify once."""
    now = now or utcnow()
    marked = 0
    rows = db.session.scalars(
        select(Ticket).where(
            Ticket.state.in_(("new", "open")),
            or_(
                (Ticket.first_response_at.is_(None)) & (Ticket.first_response_due <= now)
                & Ticket.first_response_breached.is_(False),
                (Ticket.resolution_due <= now) & Ticket.resolution_breached.is_(False),
            ),
        ).order_by(Ticket.id).limit(BATCH).with_for_update(skip_locked=True, of=Ticket)
    ).all()
    for ticket in rows:
        if ticket.first_response_at is None and ticket.first_response_due <= now \
                and not ticket.first_response_breached:
            ticket.first_response_breached = True
            _event(ticket, "sla_breach", new="first_response")
            notifications.sla_breached(ticket, "first_response")
            marked += 1
        if ticket.resolution_due <= now and not ticket.resolution_breached:
            ticket.resolution_breached = True
            _event(ticket, "sla_breach", new="resolution")
            notifications.sla_breached(ticket, "resolution")
            marked += 1
    return marked


def auto_close(now=None) -> int:
    """Resolved tickets close AUTO_CLOSE_DAYS after their resolution."""
    now = now or utcnow()
    rows = db.session.scalars(
        select(Ticket).where(Ticket.state == "resolved", Ticket.resolved_at <= now - timedelta(days=AUTO_CLOSE_DAYS))
        .order_by(Ticket.id).limit(BATCH).with_for_update(skip_locked=True, of=Ticket)
    ).all()
    for ticket in rows:
        ticket.state = "closed"
        ticket.closed_at = now
        _event(ticket, "auto_closed", old="resolved", new="closed")
    return len(rows)


def purge_presence(now=None) -> int:
    from sqlalchemy import delete

    from support.tickets.models import TicketPresence

    result = db.session.execute(delete(TicketPresence).where(
        TicketPresence.last_seen_at < (now or utcnow()) - timedelta(hours=1)))
    return result.rowcount or 0


def run() -> dict[str, int]:
    summary = {"sla_breaches": mark_breaches(), "auto_closed": auto_close(), "presence_purged": purge_presence()}
    db.session.commit()
    return summary

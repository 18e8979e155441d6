"""Ticket work the worker does on each pass, through the ticket service: mark SLA breaches (and tell the queue),
close resolved tickets after a week, forget stale presence heartbeats."""

from __future__ import annotations

from support.extensions import db
from support.tickets import service


def run() -> dict[str, int]:
    summary = {"sla_breaches": service.mark_breaches(), "auto_closed": service.close_resolved(),
               "presence_purged": service.forget_presence()}
    db.session.commit()
    return summary

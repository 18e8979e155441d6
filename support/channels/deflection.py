"""Deflection: a requester opened a suggested knowledge-base article and did not send the ticket."""

from __future__ import annotations

from sqlalchemy import func, select, update

from support.channels.models import Deflection
from support.extensions import db


def record_suggestion_opened(user, article_id: str, query: str, form_key: str) -> Deflection:
    """Remember that `user` opened `article_id` from the new-ticket form identified by `form_key`."""
    existing = db.session.scalar(
        select(Deflection).where(Deflection.form_key == form_key, Deflection.article_id == article_id)
    )
    if existing is not None:
        return existing
    deflection = Deflection(user_id=getattr(user, "id", None), article_id=article_id,
                            query=(query or "")[:200], form_key=form_key[:100])
    db.session.add(deflection)
    db.session.flush()
    return deflection


def ticket_sent_anyway(form_key: str, ticket_number: int) -> None:
    """The form was sent after all: the articles opened from it did not deflect the question."""
    if not form_key:
        return
    db.session.execute(
        update(Deflection).where(Deflection.form_key == form_key, Deflection.ticket_number.is_(None))
        .values(ticket_number=ticket_number)
    )


def deflection_count(article_id: str | None = None) -> int:
    """How many opened suggestions ended the visit without a ticket (for one article, or all)."""
    query = select(func.count(Deflection.id)).where(Deflection.ticket_number.is_(None))
    if article_id is not None:
        query = query.where(Deflection.article_id == article_id)
    return db.session.scalar(query) or 0

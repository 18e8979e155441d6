"""A superuser's day (/min-dag): their schools' tier-1 queue, what concerns them, new internal articles,
unanswered questions in their systems and their own numbers, gathered in one call for the page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import distinct, func, select

from kb.models import Article
from support.accounts.models import User
from support.database import utcnow
from support.extensions import db
from support.network import space
from support.network.coverage import median_first_response_hours
from support.network.models import STOCKHOLM, Appointment
from support.network.space_models import NetworkThread
from support.policy.kb import visible_articles_filter
from support.tickets import queues
from support.tickets.models import Message, Ticket

TOP_TICKETS = 5
NEW_ARTICLE_DAYS = 30


@dataclass
class Day:
    queue_count: int
    queue_count_text: str
    queue_top: list[Ticket]
    announcements: list
    new_articles: list[Article]
    systems: list[str]  # the systems their appointments cover; empty: none recorded, so every system
    unanswered: list[NetworkThread]
    answered_this_month: int
    median_first_response_hours: float | None  # business hours, as on the coverage page
    first_responses: int
    month_start: datetime | None = None


def month_start(now: datetime | None = None) -> datetime:
    """Midnight on the first of this month in Stockholm, as UTC."""
    local = (now or utcnow()).astimezone(STOCKHOLM)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


def announcements_for(user: User) -> list:
    """The active announcements (driftinformation) that concern `user`, incidents and the most severe first: the
    same list as their banner."""
    from support.network.announcements import banner_for

    return banner_for(user)


def covered_systems(user: User) -> list[str]:
    """The systems of the person's current appointments, in any school."""
    rows = db.session.scalars(select(Appointment.systems).where(
        Appointment.user_id == user.id, Appointment.removed_at.is_(None)))
    return sorted({system for systems in rows for system in (systems or [])})


def new_internal_articles(user: User, *, days: int = NEW_ARTICLE_DAYS, limit: int = 5) -> list[Article]:
    """Internal articles published in the last `days` that the person may read, newest first."""
    since = utcnow() - timedelta(days=days)
    return list(db.session.scalars(
        select(Article).where(visible_articles_filter(user), Article.visibility == "internal",
                              Article.published_at >= since)
        .order_by(Article.published_at.desc(), Article.id).limit(limit)))


def answered_since(user: User, since: datetime) -> int:
    """Tickets of others the person has written a public reply on since `since` (their own tickets' messages are
    questions, not answers)."""
    return db.session.scalar(select(func.count(distinct(Message.ticket_id))).join(Ticket, Ticket.id == Message.ticket_id)
                             .where(Message.author_id == user.id, Message.kind == "public",
                                    Ticket.requester_id != user.id, Message.created_at >= since)) or 0


def first_responses(user: User, since: datetime) -> list[tuple[datetime, datetime]]:
    """(created, first answered) of the tickets whose first public answer was the person's, given since `since`;
    merged duplicates left out, as on the coverage page."""
    rows = db.session.execute(
        select(Ticket.created_at, Ticket.first_response_at).join(Message, Message.ticket_id == Ticket.id)
        .where(Message.author_id == user.id, Message.kind == "public", Ticket.merged_into_id.is_(None),
               Message.created_at == Ticket.first_response_at, Ticket.first_response_at >= since)
        .distinct())
    return [(filed, answered) for filed, answered in rows]


def day_of(user: User, now: datetime | None = None) -> Day:
    """Everything the superuser's home page shows."""
    since = month_start(now)
    count = queues.count_queue(user, "my_schools")
    top = queues.list_queue(user, "my_schools", sort="due", limit=TOP_TICKETS).tickets if count else []
    systems = covered_systems(user)
    answered = first_responses(user, since)
    return Day(
        queue_count=count, queue_count_text=queues.format_count(count), queue_top=top,
        announcements=announcements_for(user), new_articles=new_internal_articles(user), systems=systems,
        unanswered=space.unanswered(systems, besides=user), answered_this_month=answered_since(user, since),
        median_first_response_hours=median_first_response_hours(answered), first_responses=len(answered),
        month_start=since,
    )

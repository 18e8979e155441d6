"""An absent superuser's tickets: handed over when the absence starts, given back when it ends if untouched.

When an absence starts, each active tier-1 ticket assigned to the person goes to the stand-in (if available and
allowed), else back to the school's queue while another superuser of the school is available, else to tier 2.
Each move is a `HandedOverTicket` row remembering where the ticket went and the ticket's last history event at
that moment. When the absence ends, a ticket still exactly there (same tier and assignee, still active) on which no
staff member has acted since goes back to the person, down from tier 2 if needed.

Every change goes through the ticket service with `SCHEDULED_JOB` as the actor, so it is a ticket event
("Systemet") like any other; the worker runs `run()` each pass, and marking or ending an absence calls the same
functions at once. Functions never commit, except `run()`.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, func, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from support.accounts.models import User
from support.database import utcnow
from support.extensions import db
from support.network.models import Absence, NetworkEvent, today
from support.policy import can
from support.policy.actors import SCHEDULED_JOB
from support.tickets import routing
from support.tickets import service as tickets
from support.tickets.models import ACTIVE_STATES, Ticket, TicketEvent

TO_TIER_TWO_REASON = "Superanvändaren är frånvarande och ingen annan superanvändare på skolan är tillgänglig."
BACK_REASON = "Superanvändaren är tillbaka efter sin frånvaro."


class HandedOverTicket(db.Model):
    """One ticket moved away from an absent superuser, and what happened to it when they came back."""

    __tablename__ = "superuser_handed_over_tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    absence_id: Mapped[int] = mapped_column(ForeignKey("superuser_absences.id", ondelete="CASCADE"), index=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    to_tier: Mapped[int]
    to_assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    last_event_id: Mapped[int]  # the ticket's newest event right after the hand-over
    handed_over_at: Mapped[datetime] = mapped_column(default=utcnow)
    outcome: Mapped[str] = mapped_column(String(10), default="")  # "", "returned" or "kept"
    settled_at: Mapped[datetime | None]

    ticket: Mapped[Ticket] = relationship()


def _today() -> date:
    return today()


def _away_on(user: User, day: date, *, besides: Absence | None = None) -> bool:
    statement = select(Absence.id).where(Absence.user_id == user.id, Absence.starts_on <= day,
                                         Absence.ends_on >= day)
    if besides is not None:
        statement = statement.where(Absence.id != besides.id)
    return db.session.scalar(statement.limit(1)) is not None


def _last_event_id(ticket: Ticket) -> int:
    db.session.flush()
    return db.session.scalar(select(func.max(TicketEvent.id)).where(TicketEvent.ticket_id == ticket.id)) or 0


def _network_event(kind: str, absence: Absence, detail: str) -> None:
    db.session.add(NetworkEvent(kind=kind, actor_id=None, subject_id=absence.user_id, detail=detail[:300]))


def hand_over(absence: Absence, *, day: date | None = None) -> int:
    """The absence has started: move the person's active tier-1 tickets (see the module docstring). Returns how
    many moved. Does nothing the second time."""
    if absence.handed_over_at is not None:
        return 0
    day = day or _today()
    person = absence.user
    stand_in = absence.stand_in
    if stand_in is not None and (not stand_in.active or _away_on(stand_in, day)):
        stand_in = None
    moved = 0
    for ticket in list(db.session.scalars(select(Ticket).where(
            Ticket.assignee_id == person.id, Ticket.tier == 1, Ticket.state.in_(ACTIVE_STATES),
            Ticket.merged_into_id.is_(None)).order_by(Ticket.id))):
        if stand_in is not None and can(stand_in, "ticket.assignable", ticket):
            tickets.assign(ticket, stand_in, by=SCHEDULED_JOB)
        elif routing.has_active_superuser(ticket.school_id):
            tickets.assign(ticket, None, by=SCHEDULED_JOB)
        else:
            tickets.move_to_tier(ticket, 2, by=SCHEDULED_JOB, reason=TO_TIER_TWO_REASON)
        db.session.add(HandedOverTicket(absence_id=absence.id, ticket_id=ticket.id, to_tier=ticket.tier,
                                        to_assignee_id=ticket.assignee_id, last_event_id=_last_event_id(ticket)))
        moved += 1
    absence.handed_over_at = utcnow()
    _network_event("handed_over", absence, f"{moved} ärenden")
    db.session.flush()
    return moved


def untouched(row: HandedOverTicket) -> bool:
    """Still where the hand-over put it, still needing work, and no staff member has acted on it since (a
    requester's own reply does not count: it still waits for someone)."""
    ticket = row.ticket
    if (ticket.state not in ACTIVE_STATES or ticket.merged_into_id is not None or ticket.tier != row.to_tier
            or ticket.assignee_id != row.to_assignee_id):
        return False
    requesters = {ticket.requester_id} | {link.user_id for link in ticket.participant_links}
    actors = db.session.scalars(select(TicketEvent.actor_id).where(
        TicketEvent.ticket_id == ticket.id, TicketEvent.id > row.last_event_id,
        TicketEvent.actor_id.is_not(None))).all()
    return all(actor in requesters for actor in actors)


def give_back(absence: Absence, *, day: date | None = None) -> int:
    """The absence is over: the untouched handed-over tickets go back to the person (tier 1, assigned to them).
    Returns how many came back; does nothing while the person is away on another absence."""
    if absence.handed_over_at is None or absence.given_back_at is not None:
        return 0
    day = day or _today()
    person = absence.user
    if not person.active or _away_on(person, day, besides=absence):
        return 0
    returned = 0
    rows = db.session.scalars(select(HandedOverTicket).where(
        HandedOverTicket.absence_id == absence.id, HandedOverTicket.settled_at.is_(None))
        .order_by(HandedOverTicket.id)).all()
    for row in rows:
        ticket = row.ticket
        row.outcome = "kept"
        if untouched(row) and can(person, "ticket.assignable", ticket):
            if ticket.tier != 1:
                if not routing.has_active_superuser(ticket.school_id):
                    row.settled_at = utcnow()
                    continue
                tickets.move_to_tier(ticket, 1, by=SCHEDULED_JOB, reason=BACK_REASON, school=ticket.school)
            tickets.assign(ticket, person, by=SCHEDULED_JOB)
            row.outcome = "returned"
            returned += 1
        row.settled_at = utcnow()
    absence.given_back_at = utcnow()
    _network_event("given_back", absence, f"{returned} av {len(rows)} ärenden")
    db.session.flush()
    return returned


def run(day: date | None = None) -> dict[str, int]:
    """The worker's pass: hand over for absences that have started, give back for those that have ended."""
    day = day or _today()
    started = db.session.scalars(select(Absence).where(
        Absence.handed_over_at.is_(None), Absence.starts_on <= day, Absence.ends_on >= day)
        .order_by(Absence.id).with_for_update(skip_locked=True, of=Absence)).all()
    handed = sum(hand_over(absence, day=day) for absence in started)
    ended = db.session.scalars(select(Absence).where(
        Absence.handed_over_at.is_not(None), Absence.given_back_at.is_(None), Absence.ends_on < day)
        .order_by(Absence.id).with_for_update(skip_locked=True, of=Absence)).all()
    returned = sum(give_back(absence, day=day) for absence in ended)
    db.session.commit()
    return {"absences_started": len(started), "tickets_handed_over": handed, "tickets_given_back": returned}

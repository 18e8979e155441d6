"""An absent superuser's tickets: handed over when a booked absence starts, given back when it ends if untouched
(the worker's job, support/network/handover.py, on a school with two superusers)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from support.extensions import db
from support.network import handover, service
from support.network.models import Absence
from support.outbox.models import OutgoingMail
from support.policy import can
from support.policy.actors import SCHEDULED_JOB
from support.tickets import service as tickets
from support.tickets.models import TicketEvent


def _assigned_ticket(org, to):
    ticket = tickets.file_ticket(tickets.Filing(subject="Närvaron sparas inte", body="Knappen Spara gör inget.", channel="web",
                                   requester=org.pedagogue, school=org.ekbacka, system="attendance"))
    tickets.assign(ticket, to, by=to)
    db.session.commit()
    return ticket


def _booked(person, stand_in=None, *, days=5):
    """An absence booked earlier that starts today: the kind the worker hands over (mark_away does it at once)."""
    day = service.today()
    absence = Absence(user_id=person.id, user=person, starts_on=day, ends_on=day + timedelta(days=days),
                      stand_in=stand_in, stand_in_id=getattr(stand_in, "id", None))
    db.session.add(absence)
    db.session.commit()
    return absence


def _over(absence):
    """Time passes: the absence ended yesterday."""
    yesterday = service.today() - timedelta(days=1)
    absence.starts_on = min(absence.starts_on, yesterday)
    absence.ends_on = yesterday
    db.session.commit()


def test_when_a_booked_absence_starts_the_worker_gives_the_tickets_to_the_stand_in(org):
    ticket = _assigned_ticket(org, org.superuser_here)
    _booked(org.superuser_here, stand_in=org.superuser_here_2)
    summary = handover.run()
    assert summary["tickets_handed_over"] == 1
    assert ticket.assignee_id == org.superuser_here_2.id and ticket.tier == 1
    last = db.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
                              .order_by(TicketEvent.id.desc())).first()
    assert (last.kind, last.actor_id, last.new_value) == ("assignee", None, "Olle Ström")


def test_without_a_stand_in_the_tickets_go_back_to_the_schools_queue_for_the_other_superuser(org):
    ticket = _assigned_ticket(org, org.superuser_here)
    _booked(org.superuser_here)
    handover.run()
    assert ticket.assignee_id is None and ticket.tier == 1
    assert can(org.superuser_here_2, "ticket.assign", ticket)


def test_a_stand_in_who_is_away_too_is_passed_over(org):
    ticket = _assigned_ticket(org, org.superuser_here)
    _booked(org.superuser_here_2)
    _booked(org.superuser_here, stand_in=org.superuser_here_2)
    handover.run()
    assert ticket.assignee_id is None and ticket.tier == 2


def test_when_nobody_else_at_the_school_is_available_the_tickets_go_to_tier_two(org):
    ticket = _assigned_ticket(org, org.superuser_here)
    _booked(org.superuser_here_2)
    _booked(org.superuser_here)
    handover.run()
    assert ticket.tier == 2 and ticket.assignee_id is None
    assert can(org.agent, "ticket.assign", ticket)
    escalation = db.session.scalar(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id,
                                                             TicketEvent.kind == "escalated"))
    assert escalation.actor_id is None and "frånvarande" in escalation.detail
    # The requester is told where their ticket went, like any move away from the school.
    moved = db.session.scalars(select(OutgoingMail).where(OutgoingMail.category == "ticket_requester_moved"))
    assert [mail.to_addrs for mail in moved] == [["erik@example.com"]]


def test_the_worker_hands_over_once(org):
    ticket = _assigned_ticket(org, org.superuser_here)
    _booked(org.superuser_here)
    handover.run()
    tickets.assign(ticket, org.superuser_here_2, by=org.superuser_here_2)
    db.session.commit()
    assert handover.run()["tickets_handed_over"] == 0
    assert ticket.assignee_id == org.superuser_here_2.id


def test_an_absence_that_starts_later_hands_nothing_over_yet(org):
    ticket = _assigned_ticket(org, org.superuser_here)
    absence = _booked(org.superuser_here)
    absence.starts_on = service.today() + timedelta(days=2)
    absence.ends_on = absence.starts_on
    db.session.commit()
    handover.run()
    assert ticket.assignee_id == org.superuser_here.id


@pytest.mark.parametrize("others_away", [False, True])
def test_untouched_tickets_come_back_when_the_superuser_returns(org, others_away):
    ticket = _assigned_ticket(org, org.superuser_here)
    if others_away:
        _booked(org.superuser_here_2, days=30)
    absence = _booked(org.superuser_here, stand_in=None if others_away else org.superuser_here_2)
    handover.run()
    assert ticket.tier == (2 if others_away else 1)
    _over(absence)
    assert handover.run()["tickets_given_back"] == 1
    assert ticket.tier == 1 and ticket.assignee_id == org.superuser_here.id


@pytest.mark.parametrize("worker", ["superuser_here_2", "agent"])
def test_a_ticket_someone_worked_on_stays_with_them(org, worker):
    """The stand-in answered it at tier 1, or the desk took it at tier 2 while nobody was left at the school."""
    ticket = _assigned_ticket(org, org.superuser_here)
    if worker == "agent":
        _booked(org.superuser_here_2, days=30)
    absence = _booked(org.superuser_here, stand_in=org.superuser_here_2)
    handover.run()
    person = getattr(org, worker)
    tickets.assign(ticket, person, by=person)
    tickets.reply(ticket, author=person, body="Prova att tömma webbläsarens cache.")
    db.session.commit()
    _over(absence)
    assert handover.run()["tickets_given_back"] == 0
    assert ticket.assignee_id == person.id and ticket.tier == (2 if worker == "agent" else 1)


def test_a_requesters_own_reply_does_not_count_as_someone_working_on_it(org):
    ticket = _assigned_ticket(org, org.superuser_here)
    absence = _booked(org.superuser_here, stand_in=org.superuser_here_2)
    handover.run()
    tickets.reply(ticket, author=org.pedagogue, body="Det gäller alla klasser.")
    db.session.commit()
    _over(absence)
    handover.run()
    assert ticket.assignee_id == org.superuser_here.id


def test_coming_back_early_gives_the_untouched_tickets_back_at_once(org):
    ticket = _assigned_ticket(org, org.superuser_here)
    service.mark_away(org.superuser_here, starts_on=service.today(), ends_on=service.today() + timedelta(days=7),
                      stand_in=org.superuser_here_2)
    db.session.commit()
    assert ticket.assignee_id == org.superuser_here_2.id
    service.end_absence(service.current_absence(org.superuser_here), by=org.superuser_here)
    db.session.commit()
    assert ticket.assignee_id == org.superuser_here.id
    assert service.current_absence(org.superuser_here) is None


def test_a_superuser_still_away_on_a_following_absence_gets_nothing_back_yet(org):
    ticket = _assigned_ticket(org, org.superuser_here)
    first = _booked(org.superuser_here, stand_in=org.superuser_here_2)
    handover.run()
    _over(first)
    _booked(org.superuser_here)
    assert handover.run()["tickets_given_back"] == 0
    assert ticket.assignee_id == org.superuser_here_2.id


@pytest.mark.parametrize("action", ["ticket.view", "ticket.reply", "ticket.note", "ticket.change_state",
                                    "ticket.merge", "ticket.assignable"])
def test_the_worker_acting_on_an_absence_may_only_route_tickets(org, action):
    ticket = _assigned_ticket(org, org.superuser_here)
    assert not can(SCHEDULED_JOB, action, ticket)
    assert can(SCHEDULED_JOB, "ticket.assign", ticket)

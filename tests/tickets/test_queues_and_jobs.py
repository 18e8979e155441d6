"""Queues (filters, counts, keyset pages), ticket search, and the worker's SLA and auto-close jobs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from support.database import utcnow
from support.extensions import db
from support.outbox.models import OutgoingMail
from support.tickets import jobs, queues, search, service
from support.tickets.queues import QueueFilters


def test_queues_offered_match_the_role(org):
    assert queues.available_queues(org.agent) == ["mine", "unassigned", "tier2", "system", "breaching", "waiting"]
    assert queues.available_queues(org.superuser) == ["mine", "unassigned", "my_schools", "breaching", "waiting"]
    assert queues.available_queues(org.guardian_a) == []
    with pytest.raises(queues.QueueError):
        queues.list_queue(org.guardian_a, "tier2")


def test_each_queue_holds_the_right_tickets(org, new_ticket):
    guardian = new_ticket(org.guardian_a)
    teacher = new_ticket(org.teacher)
    hasselby = new_ticket(org.teacher_hasselby)
    mine = new_ticket(org.guardian_b)
    service.assign(mine, org.agent, by=org.agent)
    waiting = new_ticket(org.student)
    service.change_state(waiting, "pending", by=org.agent)
    db.session.commit()

    def numbers(user, key, **options):
        return {t.number for t in queues.list_queue(user, key, **options).tickets}

    assert numbers(org.agent, "mine") == {mine.number}
    assert numbers(org.agent, "unassigned") == {guardian.number}
    assert numbers(org.agent, "tier2") == {guardian.number, mine.number, waiting.number}
    assert numbers(org.agent, "waiting") == {waiting.number}
    assert numbers(org.superuser, "my_schools") == {teacher.number}
    assert numbers(org.superuser, "unassigned") == {teacher.number}
    assert hasselby.number not in numbers(org.superuser, "breaching", )
    counts = {info.key: info.count for info in queues.queue_counts(org.agent)}
    assert counts["tier2"] == 3 and counts["mine"] == 1 and counts["waiting"] == 1


def test_filters_narrow_a_queue(org, new_ticket):
    high = new_ticket(org.guardian_a, priority="high", system="schedule", tags=["bankid"])
    new_ticket(org.guardian_b, system="login")
    db.session.commit()
    for filters in (QueueFilters(priority="high"), QueueFilters(system="schedule"), QueueFilters(tag="bankid"),
                    QueueFilters(school_id=org.ekbacka.id), QueueFilters(channel="web", priority="high")):
        page = queues.list_queue(org.agent, "tier2", filters=filters)
        assert [t.number for t in page.tickets] == [high.number], filters
    assert queues.list_queue(org.agent, "tier2", filters=QueueFilters(state="resolved")).tickets == []


def test_filters_from_request_arguments_reject_unknown_values():
    assert QueueFilters.from_args({"priority": "high", "state": ""}).priority == "high"
    with pytest.raises(queues.QueueError):
        QueueFilters.from_args({"priority": "huge"})


@pytest.mark.parametrize("sort", sorted(queues.SORTS))
def test_keyset_pages_cover_every_ticket_once_in_order(org, new_ticket, sort):
    created = [new_ticket(org.guardian_a, priority=("low", "normal", "high", "urgent")[i % 4]) for i in range(7)]
    seen, cursor = [], None
    while True:
        page = queues.list_queue(org.agent, "tier2", sort=sort, cursor=cursor, limit=3)
        seen += page.tickets
        cursor = page.next_cursor
        if cursor is None:
            break
    assert sorted(t.number for t in seen) == sorted(t.number for t in created)
    whole = queues.list_queue(org.agent, "tier2", sort=sort, limit=100).tickets
    assert [t.number for t in seen] == [t.number for t in whole]


def test_a_forged_cursor_is_refused(org):
    with pytest.raises(queues.QueueError):
        queues.list_queue(org.agent, "tier2", cursor="not-a-cursor")


def test_counts_are_capped(org, new_ticket, monkeypatch):
    monkeypatch.setattr(queues, "COUNT_CAP", 2)
    for _ in range(4):
        new_ticket(org.guardian_a)
    assert queues.count_queue(org.agent, "tier2", cap=2) == 3
    assert queues.format_count(3) == "2+"


def test_search_finds_words_in_subject_and_messages_within_visibility(org, new_ticket):
    visible = new_ticket(org.guardian_a, subject="Frånvaroanmälan fungerar inte")
    service.reply(visible, author=org.agent, body="Kontrollera vårdnadsrelationen i registret")
    hidden = new_ticket(org.teacher, subject="Frånvaroanmälan i Skola24")
    db.session.commit()
    found, _ = search.search_tickets(org.agent, "vårdnadsrelationen")
    assert [t.number for t in found] == [visible.number]
    found, _ = search.search_tickets(org.agent, "frånvaroanmälan")
    assert [t.number for t in found] == [visible.number]  # the tier-1 ticket is not the agent's
    found, _ = search.search_tickets(org.superuser, "frånvaroanmälan")
    assert [t.number for t in found] == [hidden.number]
    found, _ = search.search_tickets(org.agent, f"#{visible.number}")
    assert [t.number for t in found] == [visible.number]


def test_requesters_search_subjects_and_public_messages_of_their_own_tickets(org, new_ticket):
    ticket = new_ticket(org.guardian_a, subject="Schemat är tomt")
    service.reply(ticket, author=org.agent, body="Prova att logga ut och in igen")
    service.reply(ticket, author=org.agent, body="hemligord", internal=True)
    new_ticket(org.guardian_b, subject="Schemat är fel")
    db.session.commit()
    assert [t.number for t in search.search_tickets(org.guardian_a, "schemat")[0]] == [ticket.number]
    assert [t.number for t in search.search_tickets(org.guardian_a, "logga ut")[0]] == [ticket.number]
    assert search.search_tickets(org.guardian_a, "hemligord")[0] == []


@pytest.mark.parametrize("searcher", ["superuser", "agent"])
def test_staff_search_does_not_read_internal_notes_of_tickets_they_only_asked(org, new_ticket, searcher):
    """A superuser's own ticket at the service desk, an agent's own ticket at their school: they are only the
    requester there, so words of internal notes must not find it (one word or several, on both databases)."""
    from support.accounts.service import add_group

    if searcher == "superuser":
        own = new_ticket(org.superuser, subject="Mitt schema")  # tier 1 at Ekbackaskolan ...
        service.escalate(own, by=org.admin, reason="Servicedesk")  # ... now tier 2: not theirs as staff
    else:
        add_group(org.agent, "pedagogue", "ekbackaskolan")
        db.session.flush()
        own = new_ticket(org.agent, subject="Mitt schema", school=org.ekbacka)  # tier 1: the superusers' queue
    service.reply(own, author=org.admin, body="Svar till dig")
    service.reply(own, author=org.admin, body="hemligord anmälaren misstänks fuska", internal=True)
    db.session.commit()
    person = getattr(org, searcher)
    assert not search.search_tickets(person, "hemligord")[0]
    assert not search.search_tickets(person, "hemligord fuska")[0]
    assert not search.search_tickets(person, "schema misstänks")[0]
    assert [t.number for t in search.search_tickets(person, "svar")[0]] == [own.number]
    assert [t.number for t in search.search_tickets(org.admin, "hemligord")[0]] == [own.number]


def test_worker_marks_breaches_once_and_notifies_the_queue(org, new_ticket):
    ticket = new_ticket(org.guardian_a)
    ticket.first_response_due = utcnow() - timedelta(minutes=1)
    db.session.commit()
    summary = jobs.run()
    assert summary["sla_breaches"] == 1
    db.session.refresh(ticket)
    assert ticket.first_response_breached and not ticket.resolution_breached
    breach_mail = db.session.scalars(select(OutgoingMail).where(OutgoingMail.category == "ticket_sla_breach")).all()
    assert {a for m in breach_mail for a in m.to_addrs} == {org.agent.email, org.agent2.email}
    assert jobs.run()["sla_breaches"] == 0


def test_pending_tickets_do_not_breach(org, new_ticket):
    ticket = new_ticket(org.guardian_a)
    service.change_state(ticket, "pending", by=org.agent)
    ticket.first_response_due = utcnow() - timedelta(hours=1)
    db.session.commit()
    assert jobs.run()["sla_breaches"] == 0


def test_resolved_tickets_close_after_seven_days(org, new_ticket):
    old, recent = new_ticket(), new_ticket()
    for ticket, days in ((old, 8), (recent, 2)):
        service.change_state(ticket, "resolved", by=org.agent)
        ticket.resolved_at = utcnow() - timedelta(days=days)
    db.session.commit()
    assert jobs.run()["auto_closed"] == 1
    assert (old.state, recent.state) == ("closed", "resolved")
    assert old.events[-1].kind == "auto_closed"

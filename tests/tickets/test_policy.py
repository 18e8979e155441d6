"""The ticket access matrix: every actor against every ticket (DESIGN.md "Who may see what").

Both `can(user, "ticket.view", ticket)` and the SQL filter `visible_tickets(user)` are checked against the same
table, so lists, counts and search can never show more than the ticket page.
"""

from __future__ import annotations

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import select

from support.extensions import db
from support.policy import can
from support.policy.tickets import internal_readable_tickets, visible_tickets
from support.tickets import service
from support.tickets.models import Ticket, TicketParticipant
from tests.conftest import module_data, module_data_of
from tests.tickets.conftest import build_org, ticket_maker

ACTORS = ("anonymous", "guardian_a", "guardian_b", "student", "teacher", "teacher_hasselby", "superuser",
          "superuser_hasselby", "agent", "agent2", "admin", "editor")

# ticket name → actors who may view it (admin sees everything and is added below)
EXPECTED_VIEWERS = {
    "guardian_a_tier2": {"guardian_a", "agent", "agent2"},
    "guardian_b_tier2": {"guardian_b", "agent", "agent2"},
    "student_tier2": {"student", "agent", "agent2"},
    "teacher_tier1": {"teacher", "superuser"},
    "teacher_hasselby_tier1": {"teacher_hasselby", "superuser_hasselby"},
    "escalated_by_superuser": {"teacher", "superuser", "agent", "agent2"},
    "guardian_a_tier3": {"guardian_a", "agent", "agent2"},
    "tier1_assigned_to_agent": {"teacher_hasselby", "superuser_hasselby", "agent"},
    "komvux_tier2": {"agent", "agent2"} | {"teacher_komvux"},
    "merged_into_guardian_a": {"guardian_a", "agent", "agent2"},
    "followed_by_guardian_b": {"guardian_a", "guardian_b", "agent", "agent2"},
}


def build_world(factory):
    org = module_data_of(build_org)
    new_ticket = ticket_maker(org)
    people = {name: getattr(org, name) for name in ACTORS if name != "anonymous"}
    people["anonymous"] = AnonymousUserMixin()
    people["teacher_komvux"] = org.teacher_komvux
    tickets = {
        "guardian_a_tier2": new_ticket(org.guardian_a),
        "guardian_b_tier2": new_ticket(org.guardian_b),
        "student_tier2": new_ticket(org.student),
        "teacher_tier1": new_ticket(org.teacher),
        "teacher_hasselby_tier1": new_ticket(org.teacher_hasselby),
        "escalated_by_superuser": new_ticket(org.teacher),
        "guardian_a_tier3": new_ticket(org.guardian_a),
        "tier1_assigned_to_agent": new_ticket(org.teacher_hasselby),
        "komvux_tier2": new_ticket(org.teacher_komvux),
        "merged_into_guardian_a": new_ticket(org.guardian_a),
        "followed_by_guardian_b": new_ticket(org.guardian_a),
    }
    service.escalate(tickets["escalated_by_superuser"], by=org.superuser, reason="Behöver Servicedesk")
    service.escalate(tickets["guardian_a_tier3"], by=org.agent, reason="Systemfel")
    service.assign(tickets["tier1_assigned_to_agent"], org.agent, by=org.superuser_hasselby)
    extra = new_ticket(org.guardian_a)
    service.merge(extra, into=tickets["merged_into_guardian_a"], by=org.agent)
    # A follower from before merges required one requester; the rows may still exist.
    tickets["followed_by_guardian_b"].participant_links.append(TicketParticipant(user_id=org.guardian_b.id))
    db.session.commit()
    assert tickets["teacher_tier1"].tier == 1 and tickets["komvux_tier2"].tier == 2
    return people, tickets


world = module_data(build_world, name="world")


def expected(actor: str, ticket_name: str) -> bool:
    return actor == "admin" or actor in EXPECTED_VIEWERS[ticket_name]


@pytest.mark.parametrize("actor", ACTORS + ("teacher_komvux",))
def test_each_actor_sees_exactly_the_tickets_the_matrix_allows(world, actor):
    people, tickets = world
    user = people[actor]
    for name, ticket in tickets.items():
        assert can(user, "ticket.view", ticket) == expected(actor, name), (actor, name)
    listed = set(db.session.scalars(select(Ticket.id).where(visible_tickets(user))))
    allowed = {ticket.id for name, ticket in tickets.items() if expected(actor, name)}
    # the merged-away duplicate is also visible to its own requester and the agents
    listed_known = listed & {t.id for t in tickets.values()}
    assert listed_known == allowed, actor


@pytest.mark.parametrize("actor", ACTORS + ("teacher_komvux",))
def test_the_internal_notes_filter_is_the_view_internal_rule(world, actor):
    people, tickets = world
    user = people[actor]
    listed = set(db.session.scalars(select(Ticket.id).where(internal_readable_tickets(user))))
    for name, ticket in tickets.items():
        assert (ticket.id in listed) == can(user, "ticket.view_internal", ticket), (actor, name)


@pytest.mark.parametrize("actor", ("guardian_a", "guardian_b", "student", "teacher", "teacher_hasselby"))
def test_requesters_never_see_internal_notes(world, actor):
    people, tickets = world
    for ticket in tickets.values():
        assert not can(people[actor], "ticket.view_internal", ticket)
        assert not can(people[actor], "ticket.note", ticket)


def test_internal_notes_are_left_out_of_what_a_requester_reads(world, org):
    _people, tickets = world
    ticket = tickets["guardian_a_tier2"]
    service.reply(ticket, author=org.agent, body="Hemlig anteckning", internal=True)
    db.session.commit()
    assert "Hemlig anteckning" not in [m.body for m in service.visible_messages(ticket, org.guardian_a)]
    assert "Hemlig anteckning" in [m.body for m in service.visible_messages(ticket, org.agent)]


def test_superuser_can_read_but_not_act_on_a_ticket_they_escalated(world, org):
    _people, tickets = world
    ticket = tickets["escalated_by_superuser"]
    assert can(org.superuser, "ticket.view", ticket) and can(org.superuser, "ticket.reply", ticket)
    assert not can(org.superuser, "ticket.change_state", ticket)
    assert can(org.agent, "ticket.change_state", ticket)


def test_only_agents_and_admins_deescalate(world, org):
    _people, tickets = world
    ticket = tickets["guardian_a_tier2"]
    assert can(org.agent, "ticket.deescalate", ticket) and can(org.admin, "ticket.deescalate", ticket)
    assert not can(org.superuser, "ticket.deescalate", tickets["teacher_tier1"])


def test_only_the_requester_rates_resolves_and_reopens(world, org):
    _people, tickets = world
    ticket = tickets["guardian_a_tier2"]
    assert can(org.guardian_a, "ticket.resolve_own", ticket)
    assert not can(org.agent, "ticket.resolve_own", ticket)
    service.change_state(ticket, "resolved", by=org.agent)
    db.session.commit()
    assert can(org.guardian_a, "ticket.rate", ticket) and not can(org.agent, "ticket.rate", ticket)
    assert can(org.guardian_a, "ticket.reopen", ticket) and not can(org.guardian_b, "ticket.reopen", ticket)


def test_admin_access_is_written_to_the_audit_log(world, org):
    from support.tickets.models import AccessLog

    _people, tickets = world
    ticket = tickets["teacher_tier1"]
    assert service.get_ticket_for(org.admin, ticket.number) is ticket
    assert service.get_ticket_for(org.agent, ticket.number) is None
    db.session.commit()
    logs = db.session.scalars(select(AccessLog)).all()
    assert [(log.user_id, log.ticket_id, log.action) for log in logs] == [(org.admin.id, ticket.id, "ticket.view")]


def test_anonymous_users_and_kb_editors_work_no_tickets(world):
    people, _tickets = world
    for actor in ("anonymous", "editor"):
        assert not can(people[actor], "ticket.workspace")
        assert not can(people[actor], "ticket.log_call")
    assert not can(people["anonymous"], "ticket.create")


def test_attachment_of_an_internal_note_is_for_staff_only(world, org):
    from support.tickets.attachments import IncomingFile

    _people, tickets = world
    ticket = tickets["guardian_a_tier2"]
    note = service.reply(ticket, author=org.agent, body="Logg", internal=True,
                         attachments=[IncomingFile("logg.txt", b"felkod 42")])
    public = service.reply(ticket, author=org.agent, body="Se bild", attachments=[IncomingFile("a.txt", b"hej")])
    db.session.commit()
    assert can(org.agent, "ticket.attachment", note.attachments[0])
    assert not can(org.guardian_a, "ticket.attachment", note.attachments[0])
    assert can(org.guardian_a, "ticket.attachment", public.attachments[0])
    assert not can(org.guardian_b, "ticket.attachment", public.attachments[0])


@pytest.mark.parametrize("filer", ["superuser", "superuser_hasselby", "agent", "admin", "guardian_a", "teacher"])
def test_filing_for_someone_follows_whom_the_phone_lookup_finds(org, filer):
    from support.accounts.models import User
    from support.policy.tickets import findable_people

    filer = getattr(org, filer)
    findable = set(db.session.scalars(select(User.id).where(findable_people(filer))))
    for person in db.session.scalars(select(User)):
        expected = person.id == filer.id or (person.id in findable and can(filer, "ticket.log_call"))
        assert can(filer, "ticket.file_for", person) == expected, (filer.name, person.name)

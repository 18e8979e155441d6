"""The ticket service: numbering, routing, states, escalation, merge, double submits, notifications."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from support.database import utcnow
from support.extensions import db
from support.outbox.models import OutgoingMail
from support.policy import can
from support.tickets import notifications, routing, service, sla
from support.tickets.commands import Filing
from support.tickets.models import Message, Ticket, TicketEvent


def mails(category=None, to=None):
    rows = db.session.scalars(select(OutgoingMail).order_by(OutgoingMail.id)).all()
    return [m for m in rows if (category is None or m.category == category) and (to is None or to in m.to_addrs)]


def test_ticket_numbers_are_sequential_and_shown_with_a_hash(org, new_ticket):
    first, second, third = new_ticket(), new_ticket(org.guardian_b), new_ticket(org.teacher)
    assert [second.number - first.number, third.number - second.number] == [1, 1]
    assert first.display_number == f"#{first.number}"


def test_teacher_ticket_goes_to_the_school_superusers_at_tier_one(org, new_ticket):
    ticket = new_ticket(org.teacher)
    assert ticket.tier == 1 and ticket.school_id == org.ekbacka.id
    assert routing.queue_key(ticket) == f"school:{org.ekbacka.id}"


def test_guardian_and_student_tickets_go_to_the_service_desk(org, new_ticket):
    assert new_ticket(org.guardian_a).tier == 2
    assert new_ticket(org.student).tier == 2


def test_school_without_active_superuser_routes_to_tier_two(org, new_ticket):
    ticket = new_ticket(org.teacher_komvux)
    assert ticket.tier == 2
    assert "saknar aktiv superanvändare" in ticket.events[0].detail


def test_inactive_superuser_does_not_count(org, new_ticket):
    org.superuser.roles[0].active = False
    db.session.commit()
    assert new_ticket(org.teacher).tier == 2


def test_email_ticket_without_school_goes_to_tier_two_with_a_passwordless_contact(org):
    ticket = service.file_ticket(Filing(subject="Hjälp", body="Jag kommer inte in", channel="email",
                                   contact_email="Okand@Example.org", contact_name="Okänd Person",
                                   message_id="<abc@example.org>"))
    db.session.commit()
    assert ticket.tier == 2 and ticket.requester.email == "okand@example.org"
    assert ticket.requester.password_hash is None
    assert ticket.messages[0].body_format == "text"


def test_admin_routing_rule_overrides_the_defaults(org, new_ticket):
    routing.create_rule(tier=3, user_group="guardian", system="schedule", priority="high",
                        description="Schemafrågor från vårdnadshavare")
    db.session.commit()
    scheduled = new_ticket(org.guardian_a, system="schedule")
    other = new_ticket(org.guardian_a, system="login")
    assert (scheduled.tier, scheduled.priority) == (3, "high")
    assert other.tier == 2


def test_rule_sending_to_tier_one_still_needs_a_superuser(org, new_ticket, factory):
    routing.create_rule(tier=1, user_group="guardian")
    guardian_komvux = factory.user("gun@example.com", "Gun Ek", groups=["guardian:komvux-soder"])
    db.session.commit()
    assert new_ticket(org.guardian_a).tier == 1
    assert new_ticket(guardian_komvux, user_group="guardian").tier == 2


def test_a_user_group_must_be_the_requesters_at_the_school(org):
    with pytest.raises(service.TicketError, match="dina egna skolor och grupper"):
        service.file_ticket(Filing(subject="Fel", body="Text", channel="web", requester=org.teacher_komvux,
                                   school=org.komvux, user_group="guardian"))


def test_self_service_ticket_must_be_about_one_of_the_requesters_schools(org):
    with pytest.raises(service.TicketError, match="dina egna skolor"):
        service.file_ticket(Filing(subject="Fel", body="Text", channel="web", requester=org.guardian_a,
                              school=org.hasselby))


def test_empty_subject_or_body_is_refused_with_a_swedish_message(org):
    with pytest.raises(service.TicketError, match="rubrik"):
        service.file_ticket(Filing(subject="  ", body="Text", channel="web", requester=org.guardian_a))
    with pytest.raises(service.TicketError, match="Beskriv"):
        service.file_ticket(Filing(subject="Rubrik", body="", channel="web", requester=org.guardian_a))


def test_double_submit_with_the_same_key_creates_one_ticket(org, new_ticket):
    first = new_ticket(idempotency_key="form-123")
    second = new_ticket(idempotency_key="form-123")
    assert first.id == second.id
    assert db.session.scalar(select(db.func.count()).select_from(Ticket)) == 1


def test_another_persons_equal_key_creates_their_own_ticket(org, new_ticket):
    first = new_ticket(org.guardian_a, idempotency_key="form-123")
    second = new_ticket(org.guardian_b, idempotency_key="form-123")
    assert first.id != second.id
    assert (first.requester_id, second.requester_id) == (org.guardian_a.id, org.guardian_b.id)
    call = new_ticket(org.guardian_a, channel="phone", filed_by=org.agent, idempotency_key="form-123")
    assert call.id not in (first.id, second.id)


@pytest.mark.parametrize("subject", ["\u200b\u200b\u200b", "\u202e\u2066", "\ufeff \u200d", "\u3164\u2800",
                                     "\u0301\u0301"])
def test_subject_of_invisible_characters_is_refused(org, subject):
    with pytest.raises(service.TicketError, match="rubrik"):
        service.file_ticket(Filing(subject=subject, body="Text", channel="web", requester=org.guardian_a))


def test_direction_overrides_are_removed_from_subjects_and_names(org):
    ticket = service.file_ticket(Filing(subject="Faktura \u202egpj.exe\u202c fr\u00e5n skolan\u200b", body="Text",
                                   channel="email", contact_email="ny@example.org",
                                   contact_name="\u202eAnna\u2066 Berg\u0000"))
    assert ticket.subject == "Faktura gpj.exe från skolan"
    assert ticket.requester.name == "Anna Berg"
    assert service.find_or_create_contact("tom@example.org", "\u200b\u200b").name == "tom"


@pytest.mark.parametrize("address", ["inte-en-adress", "a@b", "a@@example.org", "x" * 250 + "@example.org",
                                     "a b@example.org", ["maria@example.com"], {"e": "maria@example.com"}, 42])
def test_contact_addresses_are_validated_before_anyone_is_created(org, address):
    from support.accounts.models import User

    before = db.session.scalar(select(db.func.count()).select_from(User))
    with pytest.raises(service.TicketError, match="e-postadress"):
        service.file_ticket(Filing(subject="Hej", body="Text", channel="phone", contact_email=address,
                              filed_by=org.agent))
    assert db.session.scalar(select(db.func.count()).select_from(User)) == before


def test_superuser_files_only_for_people_of_their_schools(org):
    ticket = service.file_ticket(Filing(subject="Samtal", body="Text", channel="phone", requester=org.teacher,
                                   school=org.ekbacka, filed_by=org.superuser))
    assert ticket.requester_id == org.teacher.id
    for person in (org.guardian_b, org.teacher_hasselby, org.agent, org.admin):
        with pytest.raises(service.NotAllowed, match="dina egna skolor"):
            service.file_ticket(Filing(subject="Samtal", body="Text", channel="api", requester=person,
                                  filed_by=org.superuser))
    with pytest.raises(service.NotAllowed, match="dina egna skolor"):
        service.file_ticket(Filing(subject="Samtal", body="Text", channel="api", contact_email="JOHANNA@example.com",
                              filed_by=org.superuser))


def test_superuser_files_for_a_person_of_their_school_only_at_their_school(org):
    with pytest.raises(service.NotAllowed, match="dina egna skolor"):
        service.file_ticket(Filing(subject="Samtal", body="Text", channel="phone", requester=org.teacher,
                              school=org.hasselby, filed_by=org.superuser))


def test_a_new_caller_becomes_a_contact_and_agents_file_for_anyone(org):
    ticket = service.file_ticket(Filing(subject="Samtal", body="Text", channel="phone",
                                   contact_email="Ny.Person@Example.org", filed_by=org.superuser))
    assert ticket.requester.email == "ny.person@example.org"
    for person in (org.guardian_b, org.teacher_hasselby):
        ticket = service.file_ticket(Filing(subject="Samtal", body="Text", channel="phone", requester=person,
                                       school=org.hasselby, filed_by=org.agent))
        assert ticket.requester_id == person.id


def test_requesters_file_only_for_themselves(org):
    with pytest.raises(service.NotAllowed):
        service.file_ticket(Filing(subject="Hej", body="Text", channel="api", requester=org.guardian_b,
                              filed_by=org.guardian_a))
    with pytest.raises(service.NotAllowed):
        service.file_ticket(Filing(subject="Hej", body="Text", channel="api", contact_email="vem@example.org",
                              filed_by=org.guardian_a))
    own = service.file_ticket(Filing(subject="Hej", body="Text", channel="api", contact_email=" MARIA@example.com",
                                filed_by=org.guardian_a))
    assert own.requester_id == org.guardian_a.id


def test_a_double_submitted_reply_is_one_message_but_a_later_repeat_is_kept(org, new_ticket):
    ticket = new_ticket(org.guardian_a)
    first = service.reply(ticket, author=org.guardian_a, body="Det fungerar fortfarande inte.")
    again = service.reply(ticket, author=org.guardian_a, body="Det fungerar fortfarande inte.")
    assert again.id == first.id
    first.created_at = utcnow() - timedelta(minutes=5)
    later = service.reply(ticket, author=org.guardian_a, body="Det fungerar fortfarande inte.")
    assert later.id != first.id
    db.session.commit()
    bodies = [m.body for m in ticket.messages if m.author_id == org.guardian_a.id]
    assert bodies.count("Det fungerar fortfarande inte.") == 2


def test_the_same_email_twice_creates_one_ticket(org):
    values = dict(subject="Hej", body="Text", channel="email", contact_email="a@example.org",
                  message_id="<same@example.org>")
    first = service.file_ticket(Filing(**values))
    second = service.file_ticket(Filing(**values))
    assert first.id == second.id


def test_every_change_is_written_to_the_history(org, new_ticket):
    ticket = new_ticket()
    service.set_priority(ticket, "high", by=org.agent)
    service.assign(ticket, org.agent, by=org.agent)
    service.set_tags(ticket, ["BankID", " app "], by=org.agent)
    service.change_state(ticket, "pending", by=org.agent)
    db.session.commit()
    kinds = [(e.kind, e.old_value, e.new_value) for e in ticket.events]
    assert ("created", "", "web") in kinds
    assert ("priority", "normal", "high") in kinds
    assert ("assignee", "", "Sofia Holm") in kinds
    assert ("tags", "", "app, bankid") in kinds
    assert ("state", "open", "pending") in kinds
    assert all(e.actor_id == org.agent.id for e in ticket.events if e.kind != "created")


def test_staff_reply_opens_a_new_ticket_and_stops_the_first_response_clock(org, new_ticket):
    ticket = new_ticket()
    service.reply(ticket, author=org.agent, body="Prova att logga ut och in igen.")
    db.session.commit()
    assert ticket.state == "open" and ticket.first_response_at is not None
    assert ticket.sla_due_at == ticket.resolution_due


def test_internal_note_does_not_count_as_a_response_nor_notify_the_requester(org, new_ticket):
    ticket = new_ticket()
    before = len(mails(to=org.guardian_a.email))
    service.reply(ticket, author=org.agent, body="Kolla loggarna", internal=True)
    db.session.commit()
    assert ticket.first_response_at is None and ticket.state == "new"
    assert len(mails(to=org.guardian_a.email)) == before


def test_requester_reply_reopens_a_resolved_ticket(org, new_ticket):
    ticket = new_ticket()
    service.reply(ticket, author=org.agent, body="Löst?", set_state="resolved")
    db.session.commit()
    assert ticket.state == "resolved"
    service.reply(ticket, author=org.guardian_a, body="Nej, det fungerar fortfarande inte.")
    db.session.commit()
    assert ticket.state == "open" and ticket.resolved_at is None


def test_requester_reply_to_a_pending_ticket_restarts_the_clock_and_moves_due_times(org, new_ticket):
    ticket = new_ticket()
    service.change_state(ticket, "pending", by=org.agent)
    ticket.pending_since = utcnow() - timedelta(days=3)
    db.session.commit()
    due_before = ticket.first_response_due
    service.reply(ticket, author=org.guardian_a, body="Här är skärmbilden.")
    db.session.commit()
    assert ticket.state == "open" and ticket.pending_since is None
    calendar = sla.business_calendar()
    paused = sla.business_seconds_between(utcnow() - timedelta(days=3), utcnow(), calendar)
    assert abs(ticket.sla_paused_seconds - paused) < 5
    assert ticket.first_response_due >= due_before
    expected = sla.add_business_seconds(ticket.created_at, sla.targets()["normal"][0] * 60 + ticket.sla_paused_seconds,
                                        calendar)
    assert ticket.first_response_due == expected


def test_priority_change_recalculates_the_due_times(org, new_ticket):
    ticket = new_ticket()
    normal_due = ticket.first_response_due
    service.set_priority(ticket, "urgent", by=org.agent)
    db.session.commit()
    calendar = sla.business_calendar()
    assert ticket.first_response_due == sla.add_business_seconds(ticket.created_at, 30 * 60, calendar)
    assert ticket.first_response_due < normal_due
    assert ticket.priority_rank == 4


def test_admin_sla_targets_are_used_for_new_tickets(org, new_ticket):
    sla.set_target("normal", 60, 120)
    db.session.commit()
    ticket = new_ticket()
    assert ticket.resolution_due == sla.add_business_seconds(ticket.created_at, 120 * 60, sla.business_calendar())


def test_escalation_needs_a_reason(org, new_ticket):
    ticket = new_ticket(org.teacher)
    with pytest.raises(service.TicketError, match="varför"):
        service.escalate(ticket, by=org.superuser, reason="  ")
    assert ticket.tier == 1


def test_escalation_moves_one_tier_up_keeps_number_and_notifies_the_new_queue(org, new_ticket):
    ticket = new_ticket(org.teacher)
    number = ticket.number
    service.assign(ticket, org.superuser, by=org.superuser)
    service.escalate(ticket, by=org.superuser, reason="Kräver behörighet i adminverktyget")
    db.session.commit()
    assert (ticket.tier, ticket.number, ticket.assignee_id) == (2, number, None)
    escalated = mails("ticket_queue_escalated")
    assert {a for m in escalated for a in m.to_addrs} == {org.agent.email, org.agent2.email}
    assert "Kräver behörighet" in escalated[0].body_text
    service.escalate(ticket, by=org.agent, reason="Fel i systemet")
    db.session.commit()
    assert ticket.tier == 3
    with pytest.raises(service.TicketError):
        service.escalate(ticket, by=org.agent, reason="Högre finns inte")


def test_deescalation_sends_the_ticket_back_to_a_school_with_a_superuser(org, new_ticket):
    ticket = new_ticket(org.guardian_a)
    with pytest.raises(service.TicketError, match="ingen aktiv superanvändare"):
        service.deescalate(ticket, by=org.agent, school=org.komvux, reason="Skolfråga")
    service.deescalate(ticket, by=org.agent, school=org.hasselby, reason="Gäller Hässelbyskolan")
    db.session.commit()
    assert (ticket.tier, ticket.school_id) == (1, org.hasselby.id)
    assert mails("ticket_queue_escalated", to=org.superuser_hasselby.email)


def test_merge_carries_messages_and_points_to_the_survivor(org, new_ticket):
    survivor = new_ticket(org.guardian_a, subject="BankID fungerar inte")
    duplicate = new_ticket(org.guardian_a, subject="Kan inte logga in med BankID")
    service.reply(duplicate, author=org.guardian_a, body="Samma fel i dag")
    db.session.commit()
    service.merge(duplicate, into=survivor, by=org.agent)
    db.session.commit()
    db.session.expire_all()
    assert duplicate.merged_into_id == survivor.id and duplicate.state == "closed"
    bodies = [m.body for m in survivor.messages]
    assert "Samma fel i dag" in bodies and len(bodies) == 3
    assert {m.merged_from_number for m in survivor.messages} == {None, duplicate.number}
    assert mails("ticket_requester_merged", to=org.guardian_a.email)
    with pytest.raises(service.TicketError):
        service.merge(duplicate, into=survivor, by=org.agent)
    with pytest.raises(service.TicketError):
        service.merge(survivor, into=survivor, by=org.agent)


def test_merged_ticket_mail_threads_to_the_survivor(org, new_ticket):
    survivor = new_ticket(org.guardian_a)
    duplicate = new_ticket(org.guardian_a)
    service.merge(duplicate, into=survivor, by=org.agent)
    db.session.commit()
    assert service.ticket_for_message_ids([duplicate.thread_message_id]).id == survivor.id


def test_tickets_of_different_requesters_are_not_merged(org, new_ticket):
    survivor = new_ticket(org.guardian_a)
    other = new_ticket(org.guardian_b, school=org.hasselby)
    service.reply(other, author=org.guardian_b, body="Mitt barns schema är tomt")
    db.session.commit()
    with pytest.raises(service.TicketError, match="olika frågeställare"):
        service.merge(other, into=survivor, by=org.agent)
    db.session.rollback()
    assert other.merged_into_id is None
    assert not can(org.guardian_b, "ticket.view", survivor)
    assert "Mitt barns schema" not in [m.body for m in survivor.messages]


def test_requester_can_resolve_reopen_within_seven_days_and_rate(org, new_ticket):
    ticket = new_ticket()
    service.requester_resolve(ticket, by=org.guardian_a)
    service.rate(ticket, by=org.guardian_a, score=5, comment="Snabb hjälp!")
    db.session.commit()
    assert (ticket.state, ticket.rating_score) == ("resolved", 5)
    service.reopen(ticket, by=org.guardian_a)
    db.session.commit()
    assert ticket.state == "open"


def test_reopen_after_seven_days_is_refused(org, new_ticket):
    ticket = new_ticket()
    service.change_state(ticket, "resolved", by=org.agent)
    ticket.resolved_at = utcnow() - timedelta(days=8)
    db.session.commit()
    with pytest.raises(service.TicketError, match="7 dagar"):
        service.reopen(ticket, by=org.guardian_a)


def test_rating_must_be_one_to_five_on_a_resolved_ticket(org, new_ticket):
    ticket = new_ticket()
    with pytest.raises(service.TicketError, match="löst"):
        service.rate(ticket, by=org.guardian_a, score=4)
    service.change_state(ticket, "resolved", by=org.agent)
    with pytest.raises(service.TicketError, match="1 till 5"):
        service.rate(ticket, by=org.guardian_a, score=9)


def test_closed_ticket_refuses_a_requester_reply(org, new_ticket):
    ticket = new_ticket()
    service.change_state(ticket, "closed", by=org.agent)
    with pytest.raises(service.TicketError, match="stängt"):
        service.reply(ticket, author=org.guardian_a, body="Hallå?")


def test_invalid_state_transition_is_refused(org, new_ticket):
    ticket = new_ticket()
    service.change_state(ticket, "resolved", by=org.agent)
    with pytest.raises(service.TicketError):
        service.change_state(ticket, "pending", by=org.agent)


def test_assignee_must_be_able_to_work_the_ticket(org, new_ticket):
    ticket = new_ticket(org.guardian_a)  # tier 2
    with pytest.raises(service.TicketError):
        service.assign(ticket, org.superuser_hasselby, by=org.agent)
    service.assign(ticket, org.agent2, by=org.agent)
    assert ticket.assignee_id == org.agent2.id


def test_someone_else_replying_is_reported_until_the_heartbeat_is_old(org, new_ticket):
    ticket = new_ticket()
    service.note_viewing(ticket, org.agent, replying=True)
    service.note_viewing(ticket, org.agent2)
    db.session.commit()
    assert service.active_repliers(ticket, excluding=org.agent2) == [org.agent]
    assert service.active_repliers(ticket, excluding=org.agent) == []
    assert len(service.active_repliers(ticket, excluding=org.admin, replying_only=False)) == 2
    from support.tickets.models import TicketPresence

    db.session.scalar(select(TicketPresence).where(TicketPresence.user_id == org.agent.id)).last_seen_at = \
        utcnow() - timedelta(minutes=5)
    db.session.commit()
    assert service.active_repliers(ticket, excluding=org.agent2) == []


def test_personal_identity_number_flags_the_ticket(org, new_ticket):
    ticket = new_ticket(body="Min son har personnummer 20120315-1236 och kommer inte in.")
    clean = new_ticket(body="Ordernummer 20120315-1234 fungerar inte.")
    assert "personnummer" in ticket.flags
    assert "personnummer" not in clean.flags


# --- notifications ---------------------------------------------------------------------------------------------

def test_creation_sends_a_receipt_with_number_and_expected_time_and_tells_the_queue(org, new_ticket):
    ticket = new_ticket(org.teacher)
    receipt = mails("ticket_requester_created", to=org.teacher.email)[0]
    assert receipt.subject.startswith(f"[#{ticket.number}]")
    assert receipt.message_id == ticket.thread_message_id
    assert f"#{ticket.number}" in receipt.body_text and "arbetsdag" in receipt.body_text
    queue = mails("ticket_queue_new")
    assert [m.to_addrs for m in queue] == [[org.superuser.email]]
    assert queue[0].headers["In-Reply-To"] == ticket.thread_message_id
    assert all(m.ticket_id == ticket.id for m in queue + [receipt])


def test_public_reply_notifies_the_requester_threaded_on_the_first_mail(org, new_ticket):
    ticket = new_ticket()
    service.reply(ticket, author=org.agent, body="Vi tittar på det.")
    db.session.commit()
    reply = mails("ticket_requester_reply", to=org.guardian_a.email)[0]
    assert reply.subject.startswith(f"[#{ticket.number}]")
    assert reply.headers["References"] == ticket.thread_message_id
    assert "Vi tittar på det." in reply.body_text
    assert service.ticket_for_message_ids([reply.message_id]).id == ticket.id


def test_requester_reply_notifies_the_assignee(org, new_ticket):
    ticket = new_ticket()
    service.assign(ticket, org.agent, by=org.agent)
    service.reply(ticket, author=org.guardian_a, body="Tack, men ...")
    db.session.commit()
    assert mails("ticket_assignee_reply", to=org.agent.email)


def test_resolution_mail_carries_the_rating_link(org, new_ticket):
    ticket = new_ticket()
    service.change_state(ticket, "resolved", by=org.agent)
    db.session.commit()
    mail = mails("ticket_requester_resolved", to=org.guardian_a.email)[0]
    assert f"/arenden/{ticket.number}#betyg" in mail.body_text


def test_opting_out_of_optional_mail_stops_it_but_not_replies(org, new_ticket):
    notifications.set_preference(org.guardian_a, "requester_created", False)
    notifications.set_preference(org.agent, "queue_new", False)
    db.session.commit()
    ticket = new_ticket()
    assert not mails("ticket_requester_created", to=org.guardian_a.email)
    assert not mails("ticket_queue_new", to=org.agent.email)
    assert mails("ticket_queue_new", to=org.agent2.email)
    service.reply(ticket, author=org.agent, body="Svar")
    db.session.commit()
    assert mails("ticket_requester_reply", to=org.guardian_a.email)
    with pytest.raises(ValueError):
        notifications.set_preference(org.guardian_a, "requester_reply", False)


def test_preferences_list_staff_categories_only_for_staff(org):
    guardian = {key for key, _label, _on in notifications.preferences_for(org.guardian_a)}
    agent = {key for key, _label, _on in notifications.preferences_for(org.agent)}
    assert "queue_new" not in guardian and "queue_new" in agent


# --- concurrency (both databases: SQLite takes the write lock at BEGIN IMMEDIATE, PostgreSQL row locks) ----------

@pytest.mark.committing
def test_two_agents_changing_one_ticket_at_once_both_keep_their_change(app, org, new_ticket):
    ticket = new_ticket()
    ticket_id, agent_id, agent2_id = ticket.id, org.agent.id, org.agent2.id
    db.session.commit()  # end this session's read transaction: on SQLite it would hold the write lock
    first_locked = threading.Event()
    errors = []

    def first_agent():
        with app.app_context():
            try:
                from support.accounts.models import User

                mine = db.session.get(Ticket, ticket_id)
                service.set_priority(mine, "urgent", by=db.session.get(User, agent_id))
                db.session.flush()
                first_locked.set()
                threading.Event().wait(0.5)  # hold the row lock while the other agent tries
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - reported to the main thread
                errors.append(error)
                first_locked.set()
            finally:
                db.session.remove()

    def second_agent():
        first_locked.wait(5)
        with app.app_context():
            try:
                from support.accounts.models import User

                mine = db.session.get(Ticket, ticket_id)
                service.set_tags(mine, ["bankid"], by=db.session.get(User, agent2_id))
                service.assign(mine, db.session.get(User, agent2_id), by=db.session.get(User, agent2_id))
                db.session.commit()
            except Exception as error:  # noqa: BLE001
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=first_agent), threading.Thread(target=second_agent)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert not errors
    db.session.expire_all()
    result = db.session.get(Ticket, ticket_id)
    assert result.priority == "urgent" and result.tags == ["bankid"] and result.assignee_id == agent2_id
    kinds = {e.kind for e in db.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id))}
    assert {"priority", "tags", "assignee"} <= kinds


@pytest.mark.committing
def test_concurrent_ticket_creation_hands_out_unique_numbers(app, org):
    guardian_id = org.guardian_a.id
    db.session.commit()
    numbers, errors = [], []

    def create(index):
        with app.app_context():
            try:
                from support.accounts.models import User

                ticket = service.file_ticket(Filing(subject=f"Ärende {index}", body="Text", channel="api",
                                               requester=db.session.get(User, guardian_id)))
                db.session.commit()
                numbers.append(ticket.number)
            except Exception as error:  # noqa: BLE001
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=create, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors
    assert len(set(numbers)) == 8 and max(numbers) - min(numbers) == 7


def test_message_rows_belong_to_the_ticket(org, new_ticket):
    ticket = new_ticket()
    assert db.session.scalar(select(Message.ticket_id)) == ticket.id


@pytest.mark.parametrize("action", ["reply_and_resolve", "state", "priority", "assign", "tags", "merge"])
def test_every_action_of_a_change_is_asked_of_the_policy(org, new_ticket, action):
    ticket = new_ticket(org.teacher)
    other = new_ticket(org.teacher)
    service.escalate(ticket, by=org.superuser, reason="Behöver Servicedesk")
    db.session.commit()
    assert can(org.superuser, "ticket.reply", ticket) and not can(org.superuser, "ticket.change_state", ticket)
    attempts = {
        "reply_and_resolve": lambda: service.reply(ticket, author=org.superuser, body="Klart", set_state="resolved"),
        "state": lambda: service.change_state(ticket, "resolved", by=org.superuser),
        "priority": lambda: service.set_priority(ticket, "urgent", by=org.superuser),
        "assign": lambda: service.assign(ticket, org.superuser, by=org.superuser),
        "tags": lambda: service.set_tags(ticket, ["viktigt"], by=org.superuser),
        "merge": lambda: service.merge(other, into=ticket, by=org.superuser),
    }
    with pytest.raises(service.NotAllowed):
        attempts[action]()
    db.session.rollback()
    db.session.expire_all()
    assert (ticket.state, ticket.priority, ticket.assignee_id, ticket.tags) == ("new", "normal", None, [])
    assert other.merged_into_id is None


def test_requester_cannot_write_an_internal_note(org, new_ticket):
    ticket = new_ticket(org.guardian_a)
    with pytest.raises(service.NotAllowed):
        service.reply(ticket, author=org.guardian_a, body="Hemligt", internal=True)


def _at_once(app, work, count: int) -> list:
    """Run `work(index)` in `count` threads that start together, each in its own app context and session, and
    commit each; returns what they raised."""
    start, errors = threading.Barrier(count), []

    def run(index):
        with app.app_context():
            try:
                start.wait(10)
                work(index)
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - reported to the main thread
                db.session.rollback()
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return errors


@pytest.mark.committing
def test_ten_identical_replies_at_once_store_one_message(app, org, new_ticket):
    from support.accounts.models import User

    ticket_id, guardian_id = new_ticket(org.guardian_a).id, org.guardian_a.id
    db.session.commit()

    def reply(_index):
        service.reply(db.session.get(Ticket, ticket_id), author=db.session.get(User, guardian_id),
                      body="Det fungerar fortfarande inte.")

    assert _at_once(app, reply, 10) == []
    db.session.expire_all()
    bodies = db.session.scalars(select(Message.body).where(Message.ticket_id == ticket_id))
    assert list(bodies).count("Det fungerar fortfarande inte.") == 1


@pytest.mark.committing
@pytest.mark.parametrize("round_", range(5))
def test_two_crossed_merges_at_once_never_make_a_cycle(app, org, new_ticket, round_):
    from support.accounts.models import User

    first, second = new_ticket(org.guardian_a).id, new_ticket(org.guardian_a).id
    agents = [org.agent.id, org.agent2.id]
    db.session.commit()

    def merge(index):
        source, into = (first, second) if index == 0 else (second, first)
        service.merge(db.session.get(Ticket, source), into=db.session.get(Ticket, into),
                      by=db.session.get(User, agents[index]))

    errors = _at_once(app, merge, 2)
    assert len(errors) == 1 and isinstance(errors[0], service.TicketError), errors
    db.session.expire_all()
    tickets = [db.session.get(Ticket, first), db.session.get(Ticket, second)]
    merged = [t for t in tickets if t.merged_into_id is not None]
    assert len(merged) == 1
    survivor = service.final_ticket(merged[0])
    assert survivor.merged_into_id is None and survivor.state != "closed"


def test_following_a_merge_chain_stops_even_on_a_cycle_in_old_data(org, new_ticket):
    first, second = new_ticket(org.guardian_a), new_ticket(org.guardian_a)
    for ticket, other in ((first, second), (second, first)):
        db.session.execute(update(Ticket).where(Ticket.id == ticket.id).values(merged_into_id=other.id))
    db.session.expire_all()
    assert service.final_ticket(first).id in (first.id, second.id)
    assert service.ticket_for_message_ids([first.thread_message_id]) is not None


def test_a_reply_that_greets_is_not_greeted_twice_in_the_mail(org, new_ticket):
    from support.outbox.models import OutgoingMail

    ticket = new_ticket(org.guardian_a)
    service.reply(ticket, author=org.agent, body="Hej Maria! Prova att logga ut och in igen.")
    service.reply(ticket, author=org.agent, body="Vi har lagt in behörigheten nu.")
    db.session.commit()
    greeted, plain = [mail.body_text for mail in db.session.query(OutgoingMail).order_by(OutgoingMail.id)
                      if mail.category == "ticket_requester_reply"]
    assert greeted.count("Hej Maria") == 1
    assert plain.startswith("Hej Maria!")


def test_a_call_logged_on_a_ticket_is_a_phone_message_the_requester_reads_but_is_not_mailed(org, new_ticket):
    ticket = new_ticket(org.guardian_a)
    mailed_before = len(mails(to="maria@example.com"))
    message = service.log_call_on(ticket, by=org.agent, summary="Ringde: felet kvarstår efter omstart.")
    db.session.commit()
    assert (message.channel, message.kind, message.author_id) == ("phone", "public", org.agent.id)
    assert message in service.visible_messages(ticket, org.guardian_a)
    assert len(mails(to="maria@example.com")) == mailed_before
    assert ticket.first_response_at is not None  # talking to the requester answers them


def test_a_call_solved_on_the_phone_resolves_the_ticket_it_is_logged_on(org, new_ticket):
    ticket = new_ticket(org.guardian_a)
    service.log_call_on(ticket, by=org.agent, summary="Löste det under samtalet.", resolve=True)
    db.session.commit()
    assert ticket.state == "resolved"


@pytest.mark.parametrize("who", ["guardian_a", "superuser_hasselby", "superuser"])
def test_only_staff_working_the_ticket_log_a_call_on_it(org, new_ticket, who):
    ticket = new_ticket(org.guardian_a)  # tier 2: the service desk's, and Maria's own
    with pytest.raises(service.NotAllowed):
        service.log_call_on(ticket, by=getattr(org, who), summary="Ringde.")
    db.session.rollback()
    assert len(service.ticket_by_number(ticket.number).messages) == 1

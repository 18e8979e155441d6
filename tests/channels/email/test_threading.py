"""A reply joins its ticket by its headers or by `[#n]` in the subject, only when the sender may write there."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from support.channels.email.replies import strip_quoted_history, strip_reply_prefixes, subject_ticket_number
from support.extensions import db
from support.outbox.models import OutgoingMail
from support.tickets.models import Message, Ticket
from tests.channels.email.conftest import make_mail


def _tickets() -> int:
    return db.session.scalar(select(func.count(Ticket.id)))


def _latest_message() -> Message:
    return db.session.scalars(select(Message).order_by(Message.id.desc())).first()


def test_a_reply_to_our_mail_joins_the_ticket_by_in_reply_to(org, new_ticket, mailer):
    ticket = new_ticket(org.guardian_a)
    sent = db.session.scalars(select(OutgoingMail).where(OutgoingMail.ticket_id == ticket.id)).first()
    mailer.send(make_mail(subject="Re: något helt annat", body="Tack, nu fungerar det!",
                          In_Reply_To=sent.message_id))
    assert _tickets() == 1
    assert _latest_message().body == "Tack, nu fungerar det!"
    assert _latest_message().channel == "email"


def test_a_reply_joins_by_references_alone(org, new_ticket, mailer):
    ticket = new_ticket(org.guardian_a)
    mailer.send(make_mail(subject="Ett svar", body="Svar via References.",
                          References=f"<okand@example.com> {ticket.thread_message_id}"))
    assert _tickets() == 1
    assert _latest_message().ticket_id == ticket.id


@pytest.mark.parametrize("prefix", ["SV: ", "Sv: ", "RE: ", "AW: ", "VB: ", "Fwd: ", "Vb: ", "SV: Re: "])
def test_a_reply_joins_by_the_number_in_the_subject_after_any_prefix(org, new_ticket, mailer, prefix):
    ticket = new_ticket(org.guardian_a)
    mailer.send(make_mail(subject=f"{prefix}[#{ticket.number}] Kan inte logga in", body="Det hjälpte inte."))
    assert _tickets() == 1
    assert _latest_message().ticket_id == ticket.id


def test_a_stranger_naming_a_ticket_number_gets_a_new_ticket_that_links_to_it(org, new_ticket, mailer):
    ticket = new_ticket(org.guardian_a)
    mailer.send(make_mail(subject=f"SV: [#{ticket.number}] Kan inte logga in", body="Jag vill läsa ditt ärende.",
                          sender="mallory@example.net"), sender="mallory@example.net")
    assert _tickets() == 2
    assert [message.body for message in ticket.messages if "mallory" in message.body] == []
    newest = db.session.scalars(select(Ticket).order_by(Ticket.id.desc())).first()
    assert newest.requester.email == "mallory@example.net"
    assert f"#{ticket.number}" in newest.messages[0].body


def test_staff_who_may_work_the_ticket_answer_it_by_mail(org, new_ticket, mailer):
    ticket = new_ticket(org.guardian_b)  # a guardian's ticket is at tier 2, the agents' queue
    mailer.send(make_mail(subject=f"SV: [#{ticket.number}] Kan inte logga in", body="Prova att logga ut och in.",
                          sender="Sofia Holm <sofia@example.com>"), sender="sofia@example.com")
    assert _tickets() == 1
    assert _latest_message().author_id == org.agent.id


def test_a_mail_to_a_closed_ticket_becomes_a_new_linked_ticket(org, new_ticket, mailer):
    from support.tickets import service

    ticket = new_ticket(org.guardian_a)
    service.change_state(ticket, "closed", by=org.agent)
    db.session.commit()
    mailer.send(make_mail(subject=f"SV: [#{ticket.number}] Kan inte logga in", body="Nu är felet tillbaka."))
    assert _tickets() == 2


def test_the_quoted_history_is_cut_from_a_stored_reply(org, new_ticket, mailer):
    ticket = new_ticket(org.guardian_a)
    body = ("Det fungerar nu, tack!\n\n"
            "Från: Servicedesk Skolplattformen <support@skolplattformen.example>\n"
            "Skickat: den 3 december 2026 10:00\nTill: Maria\nÄmne: Ditt ärende\n\nHej Maria, prova igen.")
    mailer.send(make_mail(subject=f"SV: [#{ticket.number}] Kan inte logga in", body=body))
    assert _latest_message().body == "Det fungerar nu, tack!"


@pytest.mark.parametrize("history", [
    "> Hej Maria,\n> prova igen.",
    "Den tis 3 dec. 2026 kl 10:00 skrev Servicedesk <support@skolplattformen.example>:\n> Hej",
    "Den tis 3 dec. 2026 kl 10:00 skrev Servicedesk Skolplattformen <\nsupport@skolplattformen.example>:\n> Hej",
    "On Tue, Dec 3, 2026 at 10:00 AM Servicedesk <support@skolplattformen.example> wrote:\n> Hi",
    "-----Ursprungligt meddelande-----\nFrån: Servicedesk",
    "Skickat från min iPhone",
])
def test_each_kind_of_quoted_history_is_cut(history):
    assert strip_quoted_history(f"Nu fungerar det.\n\n{history}") == "Nu fungerar det."


def test_a_sentence_that_starts_with_from_is_not_history():
    text = "Från: min dotter fick ett fel igår.\nHon kan inte logga in."
    assert strip_quoted_history(text) == text


def test_subject_numbers_and_prefixes_are_read():
    assert subject_ticket_number("SV: Re: [#1234] Frågan") == 1234
    assert subject_ticket_number("Frågan #1234") is None
    assert strip_reply_prefixes("SV: RE: AW: Fwd: Frågan") == "Frågan"

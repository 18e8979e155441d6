"""Mail that claims a staff address but fails the relay's sender checks is flagged and never acts as staff."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from support.extensions import db
from support.outbox.models import OutgoingMail
from support.outbox.service import render_message
from support.tickets.models import Message, Ticket
from tests.channels.email.conftest import make_mail

FAILED = "mx.skolplattformen.example; spf=fail smtp.mailfrom=example.com; dkim=none; dmarc=fail header.from=example.com"
PASSED = "mx.skolplattformen.example; spf=pass smtp.mailfrom=example.com; dkim=pass header.d=example.com"


def _reply_as_agent(org, mailer, ticket, *results: str) -> Ticket:
    raw = make_mail(subject=f"SV: [#{ticket.number}] {ticket.subject}", body="Vi har löst det, logga in igen.",
                    sender="Sofia Holm <sofia@example.com>", In_Reply_To=ticket.thread_message_id)
    headers = b"".join(f"Authentication-Results: {value}\r\n".encode() for value in results)
    mailer.send(headers + raw, sender="sofia@example.com")
    return ticket


def _public_replies(ticket) -> list[Message]:
    db.session.expire_all()
    return [message for message in ticket.messages[1:] if message.kind == "public"]


def test_a_forged_agent_reply_does_not_reach_the_requester_and_is_flagged_for_staff(org, mailer, new_ticket,
                                                                                   login_as):
    ticket = _reply_as_agent(org, mailer, new_ticket(org.guardian_a), FAILED)
    assert _public_replies(ticket) == []
    to_guardian = db.session.scalars(select(OutgoingMail).where(OutgoingMail.category == "ticket_requester_reply"))
    assert list(to_guardian) == []
    flagged = db.session.scalar(select(Ticket).where(Ticket.id != ticket.id))
    assert "unverified_sender" in flagged.flags
    assert "dmarc=fail" in flagged.messages[0].body
    page = login_as(org.agent2).get(f"/arenden/{flagged.number}").get_data(as_text=True)
    assert "Avsändaren kunde inte verifieras" in page


def test_an_agent_reply_that_passes_dkim_is_the_agents_reply(org, mailer, new_ticket):
    ticket = _reply_as_agent(org, mailer, new_ticket(org.guardian_a),
                             "mx.skolplattformen.example; spf=fail smtp.mailfrom=example.com; dkim=pass; dmarc=pass")
    [reply] = _public_replies(ticket)
    assert reply.author_id == org.agent.id


def test_only_the_topmost_authentication_results_counts(org, mailer, new_ticket):
    ticket = _reply_as_agent(org, mailer, new_ticket(org.guardian_a), FAILED, PASSED)
    assert _public_replies(ticket) == []


def test_results_in_comments_count_for_nothing(org, mailer, new_ticket):
    ticket = _reply_as_agent(org, mailer, new_ticket(org.guardian_a),
                             "mx.skolplattformen.example; spf=fail (dkim=pass); dmarc=fail (p=reject dkim=pass)")
    assert _public_replies(ticket) == []


def test_with_the_relays_authserv_id_set_other_results_are_not_trusted(app, org, mailer, new_ticket):
    app.config["INBOUND_AUTHSERV_ID"] = "mx.skolplattformen.example"
    ticket = _reply_as_agent(org, mailer, new_ticket(org.guardian_a), PASSED.replace("mx.", "mx.attacker."))
    assert _public_replies(ticket) == []
    ticket = _reply_as_agent(org, mailer, ticket, PASSED)
    assert len(_public_replies(ticket)) == 1


def test_a_failed_check_on_mail_from_a_requester_changes_nothing(org, mailer):
    mailer.send(b"Authentication-Results: " + FAILED.encode() + b"\r\n" + make_mail())
    ticket = db.session.scalar(select(Ticket))
    assert "unverified_sender" not in ticket.flags


@pytest.mark.parametrize("subject", [
    "=?utf-8?q?Hj=C3=A4lp=0D=0ABcc:_evil@attacker.example?=",
    "=?utf-8?b?SGrDpGxwDQpCY2M6IGV2aWxAYXR0YWNrZXIuZXhhbXBsZQ==?=",
])
def test_header_values_from_a_mail_never_become_headers_of_our_mail(org, mailer, subject):
    raw = make_mail().replace(b"Subject: Kan inte logga in", b"Subject: " + subject.encode()).replace(
        b"From: Maria Svensson", b"From: =?utf-8?q?Maria=0D=0ABcc:_evil@attacker.example?=")
    mailer.send(raw)
    receipt = db.session.scalar(select(OutgoingMail))
    rendered = render_message(receipt)
    assert rendered.get_all("Bcc") is None
    assert rendered["To"] == "maria@example.com"
    header_names = [line.split(b":")[0] for line in bytes(rendered).split(b"\r\n\r\n")[0].split(b"\r\n")
                    if line and not line[:1].isspace()]
    assert b"Bcc" not in header_names

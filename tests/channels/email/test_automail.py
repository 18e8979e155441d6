"""Machine-written mail is logged, never filed as a ticket and never answered (no mail loops)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from support.channels.email.models import InboundMail
from support.extensions import db
from support.outbox.models import OutgoingMail
from support.tickets.models import Ticket
from tests.channels.email.conftest import make_mail

DSN = (b"From: Mail Delivery System <MAILER-DAEMON@mx.example.com>\r\nTo: support@skolplattformen.example\r\n"
       b"Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn-1@mx.example.com>\r\n"
       b"MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n"
       b"--b\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
       b"--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.com\r\n\r\n"
       b"Final-Recipient: rfc822; maria@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n--b--\r\n")


@pytest.mark.parametrize("headers", [
    {"Auto_Submitted": "auto-replied"},
    {"Auto_Submitted": "auto-generated"},
    {"X_Autoreply": "yes"},
    {"X_Autorespond": "Frånvaro"},
    {"Precedence": "bulk"},
    {"Precedence": "junk"},
    {"Precedence": "list"},
    {"List_Id": "<foraldrar.example.org>"},
    {"Return_Path": "<>"},
])
def test_auto_mail_is_logged_without_a_ticket_or_an_answer(org, mailer, headers):
    mailer.send(make_mail(subject="Frånvarande: Kan inte logga in", **headers))
    row = db.session.scalar(select(InboundMail))
    assert row.state == "ignored"
    assert row.reason
    assert db.session.scalar(select(func.count(Ticket.id))) == 0
    assert db.session.scalar(select(func.count(OutgoingMail.id))) == 0


def test_auto_submitted_no_is_a_person_writing(org, mailer):
    mailer.send(make_mail(Auto_Submitted="no"))
    assert db.session.scalar(select(func.count(Ticket.id))) == 1


def test_a_bounce_is_logged_as_a_bounce(org, mailer):
    mailer.send(DSN, sender="")
    row = db.session.scalar(select(InboundMail))
    assert (row.state, row.reason) == ("ignored", "bounce")
    assert db.session.scalar(select(func.count(OutgoingMail.id))) == 0


@pytest.mark.parametrize("sender", ["support@skolplattformen.example", "support+ekbackaskolan@skolplattformen.example"])
def test_mail_from_our_own_addresses_never_makes_a_ticket(org, mailer, sender):
    mailer.send(make_mail(sender=sender), sender=sender)
    row = db.session.scalar(select(InboundMail))
    assert row.state == "ignored"
    assert db.session.scalar(select(func.count(Ticket.id))) == 0

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
    assert (row.state, row.reason) == ("ignored", "bounce: maria@example.com")
    assert db.session.scalar(select(func.count(OutgoingMail.id))) == 0


def test_a_bounce_marks_the_failing_address_and_staff_see_it_on_the_ticket_and_the_person(org, mailer, login_as,
                                                                                         new_ticket):
    ticket = new_ticket(org.guardian_a)
    mailer.send(DSN, sender="")
    db.session.refresh(org.guardian_a)
    assert org.guardian_a.email_failing_since is not None
    warning = "E-post till adressen studsar sedan"
    assert warning in login_as(org.agent).get(f"/arenden/{ticket.number}").get_data(as_text=True)
    assert warning in login_as(org.admin).get(f"/admin/anvandare/{org.guardian_a.id}").get_data(as_text=True)
    assert warning not in login_as(org.guardian_a).get(f"/arenden/{ticket.number}").get_data(as_text=True)


def test_only_the_recipients_a_report_says_failed_are_marked(org, mailer):
    report = DSN.replace(b"Action: failed\r\nStatus: 5.1.1\r\n\r\n",
                         b"Action: failed\r\nStatus: 5.1.1\r\n\r\nFinal-Recipient: rfc822; erik@example.com\r\n"
                         b"Action: delayed\r\nStatus: 4.4.1\r\n\r\n")
    mailer.send(report, sender="")
    db.session.refresh(org.guardian_a)
    db.session.refresh(org.teacher)
    assert org.guardian_a.email_failing_since is not None
    assert org.teacher.email_failing_since is None


def test_exims_failed_recipients_header_marks_the_address(org, mailer):
    bounce = make_mail(sender="Mail Delivery System <mailer-daemon@mx.example.com>",
                       subject="Mail delivery failed: returning message to sender",
                       X_Failed_Recipients="erik@example.com")
    mailer.send(bounce, sender="")
    db.session.refresh(org.teacher)
    assert org.teacher.email_failing_since is not None


def test_receipts_stop_after_the_limit_per_address_but_the_mail_is_still_filed(app, org, mailer):
    app.config["AUTO_REPLIES_PER_ADDRESS"] = 3
    for number in range(5):
        mailer.send(make_mail(subject=f"Fråga {number}"))
    assert db.session.scalar(select(func.count(Ticket.id))) == 5
    receipts = db.session.scalars(select(OutgoingMail).where(OutgoingMail.category == "ticket_requester_created"))
    assert len(list(receipts)) == 3


def test_receipts_and_ticket_notices_say_they_are_automatic_replies(org, mailer):
    from support.outbox.service import render_message

    mailer.send(make_mail())
    receipt = db.session.scalar(select(OutgoingMail).where(OutgoingMail.category == "ticket_requester_created"))
    assert render_message(receipt).get_all("Auto-Submitted") == ["auto-replied"]


@pytest.mark.parametrize("sender", ["support@skolplattformen.example", "support+ekbackaskolan@skolplattformen.example"])
def test_mail_from_our_own_addresses_never_makes_a_ticket(org, mailer, sender):
    mailer.send(make_mail(sender=sender), sender=sender)
    row = db.session.scalar(select(InboundMail))
    assert row.state == "ignored"
    assert db.session.scalar(select(func.count(Ticket.id))) == 0

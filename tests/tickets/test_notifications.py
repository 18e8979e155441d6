"""Mail about tickets reads right: who signs a reply, and the requester hears when the service desk takes over."""

from __future__ import annotations

import re

from flask_babel import force_locale
from sqlalchemy import select

from support.extensions import db
from support.i18n import format_moment
from support.outbox.models import OutgoingMail
from support.tickets import service


def _mails(category: str, to: str) -> list[OutgoingMail]:
    rows = db.session.scalars(select(OutgoingMail).where(OutgoingMail.category == category).order_by(OutgoingMail.id))
    return [mail for mail in rows if to in mail.to_addrs]


def _reply_mail(ticket, author) -> str:
    service.reply(ticket, author=author, body="Logga ut och in igen, så fungerar det.")
    db.session.commit()
    return _mails("ticket_requester_reply", ticket.requester.email)[-1].body_text


def test_a_superusers_reply_is_signed_by_the_superuser_at_the_school(org, new_ticket):
    body = _reply_mail(new_ticket(org.teacher), org.superuser)
    assert "Karin Lindqvist\nSuperanvändare på Ekbackaskolan" in body
    assert "Servicedesk Skolplattformen" not in body


def test_with_staff_names_hidden_the_schools_superusers_sign(app, org, new_ticket):
    app.config["HIDE_STAFF_NAMES"] = True
    body = _reply_mail(new_ticket(org.teacher), org.superuser)
    assert "Superanvändarna på Ekbackaskolan" in body
    assert "Karin" not in body.split("Vänliga hälsningar")[-1]


def test_an_agents_reply_is_signed_by_the_service_desk(org, new_ticket):
    body = _reply_mail(new_ticket(org.guardian_a), org.agent)
    assert body.rstrip().endswith("Servicedesk Skolplattformen")


def test_the_requester_is_told_when_the_ticket_moves_to_the_service_desk_and_not_beyond(org, new_ticket):
    ticket = new_ticket(org.teacher)
    service.escalate(ticket, by=org.superuser, reason="Kräver behörighet i adminverktyget")
    db.session.commit()
    [notice] = _mails("ticket_requester_moved", org.teacher.email)
    assert f"#{ticket.number}" in notice.body_text and "servicedesk" in notice.body_text.lower()
    assert "Kräver behörighet" not in notice.body_text  # the reason is for staff
    service.escalate(ticket, by=org.agent, reason="Fel i systemet")
    db.session.commit()
    assert len(_mails("ticket_requester_moved", org.teacher.email)) == 1


# --- one mail per moment, in the reader's language, from the person who wrote ---------------------------------

def test_a_reply_that_resolves_the_ticket_is_one_mail_with_the_rating_link(org, new_ticket):
    ticket = new_ticket(org.teacher)
    service.reply(ticket, author=org.superuser, body="Nu är behörigheten rättad.", set_state="resolved")
    db.session.commit()
    [mail] = _mails("ticket_requester_reply", org.teacher.email)
    assert "Nu är behörigheten rättad." in mail.body_text
    assert "markerat som löst" in mail.body_text and "#betyg" in mail.body_text
    assert "(löst)" in mail.subject
    assert _mails("ticket_requester_resolved", org.teacher.email) == []


def test_resolving_just_after_a_reply_folds_into_the_waiting_reply(org, new_ticket):
    ticket = new_ticket(org.teacher)
    service.reply(ticket, author=org.superuser, body="Prova att logga in igen.")
    db.session.commit()
    service.change_state(ticket, "resolved", by=org.superuser)
    db.session.commit()
    [mail] = _mails("ticket_requester_reply", org.teacher.email)
    assert "Prova att logga in igen." in mail.body_text and "#betyg" in mail.body_text
    assert _mails("ticket_requester_resolved", org.teacher.email) == []


def test_resolving_after_the_reply_was_sent_is_its_own_mail(org, new_ticket):
    from support.outbox.service import deliver_pending

    ticket = new_ticket(org.teacher)
    service.reply(ticket, author=org.superuser, body="Prova att logga in igen.")
    db.session.commit()
    deliver_pending()
    db.session.commit()
    service.change_state(ticket, "resolved", by=org.superuser)
    db.session.commit()
    [reply] = _mails("ticket_requester_reply", org.teacher.email)
    assert "#betyg" not in reply.body_text
    assert len(_mails("ticket_requester_resolved", org.teacher.email)) == 1


def test_mail_follows_the_recipients_language(org, new_ticket):
    org.teacher.locale = "en"
    db.session.commit()
    ticket = new_ticket(org.teacher)
    [receipt] = _mails("ticket_requester_created", org.teacher.email)
    assert receipt.subject.startswith(f"[#{ticket.number}] We have received your ticket")
    assert "Hello" in receipt.body_text and "1 working day" in receipt.body_text
    assert "Vänliga hälsningar" not in receipt.body_text
    service.reply(ticket, author=org.superuser, body="Try signing in again.")
    db.session.commit()
    [reply] = _mails("ticket_requester_reply", org.teacher.email)
    assert "Superuser at Ekbackaskolan" in reply.body_text and "Kind regards" in reply.body_text
    # The superuser, who reads Swedish, got the queue notice in Swedish in the same transaction.
    notices = _mails("ticket_queue_new", org.superuser.email)
    assert notices and notices[-1].subject.startswith(f"[#{ticket.number}] Nytt ärende")


def test_the_receipt_says_when_we_answer_as_the_pages_write_times_in_the_readers_language(org, new_ticket):
    ticket = new_ticket(org.teacher)
    org.guardian_a.locale = "en"
    db.session.commit()
    english = new_ticket(org.guardian_a)
    [swedish_receipt] = _mails("ticket_requester_created", org.teacher.email)
    [english_receipt] = _mails("ticket_requester_created", org.guardian_a.email)
    with force_locale("sv"):
        assert f"senast omkring {format_moment(ticket.first_response_due)}." in swedish_receipt.body_text
    with force_locale("en"):
        due = format_moment(english.first_response_due)
    assert re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}", due), due
    assert due in english_receipt.body_text
    for receipt in (swedish_receipt, english_receipt):
        assert not re.search(r"\d{4}-\d{2}-\d{2}", receipt.body_text)  # not the ISO date it was


def test_a_superusers_reply_comes_from_their_name_and_the_service_desks_from_the_desk(org, new_ticket):
    from email.utils import parseaddr

    ticket = new_ticket(org.teacher)
    service.reply(ticket, author=org.superuser, body="Jag tittar på det.")
    service.reply(new_ticket(org.guardian_a), author=org.agent, body="Vi tittar på det.")
    db.session.commit()
    [from_school] = _mails("ticket_requester_reply", org.teacher.email)
    [from_desk] = _mails("ticket_requester_reply", org.guardian_a.email)
    assert parseaddr(from_school.from_addr)[0] == "Karin Lindqvist (Ekbackaskolan)"
    assert parseaddr(from_desk.from_addr)[0] == "Servicedesk Skolplattformen"
    assert parseaddr(from_school.from_addr)[1] == parseaddr(from_desk.from_addr)[1]


def test_a_name_with_a_line_break_cannot_add_headers_to_the_mail(org, new_ticket):
    from support.outbox.service import render_message

    org.superuser.name = "Karin\r\nBcc: victim@example.com"
    ticket = new_ticket(org.teacher)
    service.reply(ticket, author=org.superuser, body="Jag tittar på det.")
    db.session.commit()
    [mail] = _mails("ticket_requester_reply", org.teacher.email)
    message = render_message(mail)
    assert message["Bcc"] is None and "\n" not in message["From"]


def test_a_password_reset_mail_is_in_the_persons_language(app, factory):
    from support.accounts.notifications import send_password_reset

    person = factory.user(email="parent@example.com", name="Pat Parent")
    person.locale = "en"
    send_password_reset(person, "token")
    db.session.commit()
    [mail] = _mails("password_reset", "parent@example.com")
    assert mail.subject == "Reset your Skolsupport password" and "Hello Pat" in mail.body_text

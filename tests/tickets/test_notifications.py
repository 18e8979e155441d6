"""Mail about tickets reads right: who signs a reply, and the requester hears when the service desk takes over."""

from __future__ import annotations

from sqlalchemy import select

from support.extensions import db
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

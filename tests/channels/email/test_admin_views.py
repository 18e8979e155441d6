"""Administrators see the inbound quarantine with the reason, and reprocess or delete; nobody else sees it."""

from __future__ import annotations

from sqlalchemy import func, select

from support.channels.email import service
from support.channels.email.models import InboundMail
from support.extensions import db
from support.tickets.models import Ticket
from tests.channels.email.conftest import make_mail


def _quarantined(raw: bytes) -> InboundMail:
    inbound_id, _created = service.store_raw(raw, envelope_from="ogiltig-avsandare", envelope_to=[],
                                             client_address="127.0.0.1")
    db.session.commit()
    row = db.session.get(InboundMail, inbound_id)
    service.process(row.id)
    db.session.refresh(row)
    return row


NO_SENDER = b"To: support@skolplattformen.example\r\nSubject: Utan avsandare\r\nMessage-ID: <q1@example.com>\r\n\r\nHej\r\n"


def test_admin_sees_the_quarantine_with_the_reason(org, login_as):
    row = _quarantined(NO_SENDER)
    assert row.state == "quarantined"
    page = login_as(org.admin).get("/admin/inkommande-epost/").get_data(as_text=True)
    assert "Utan avsandare" in page
    assert row.reason in page


def test_only_administrators_open_the_quarantine(org, login_as):
    row = _quarantined(NO_SENDER)
    for person in (org.agent, org.superuser, org.guardian_a):
        client = login_as(person)
        assert client.get("/admin/inkommande-epost/").status_code == 403
        assert client.post(f"/admin/inkommande-epost/{row.id}/ta-bort").status_code == 403
    assert db.session.get(InboundMail, row.id) is not None


def test_admin_reprocesses_a_quarantined_mail_after_the_cause_is_fixed(org, login_as, monkeypatch):
    from support.channels.email import tickets

    original = tickets.file_new_ticket
    monkeypatch.setattr(tickets, "file_new_ticket", lambda *args, **kwargs: 1 / 0)
    row = _quarantined(make_mail(message_id="<retry@example.com>"))
    assert "ZeroDivisionError" in row.reason
    monkeypatch.setattr(tickets, "file_new_ticket", original)
    response = login_as(org.admin).post(f"/admin/inkommande-epost/{row.id}/behandla-igen")
    assert response.status_code == 302
    db.session.refresh(row)
    assert row.state == "processed"
    assert db.session.scalar(select(func.count(Ticket.id))) == 1


def test_admin_deletes_a_quarantined_mail(org, login_as):
    row = _quarantined(NO_SENDER)
    response = login_as(org.admin).post(f"/admin/inkommande-epost/{row.id}/ta-bort")
    assert response.status_code == 302
    db.session.rollback()
    assert db.session.get(InboundMail, row.id) is None

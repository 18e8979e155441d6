"""Every stored message becomes exactly one ticket, reply, logged auto-mail or quarantine entry."""

from __future__ import annotations

from sqlalchemy import func, select

from support.accounts.models import User
from support.channels.email import service
from support.channels.email.models import InboundMail
from support.extensions import db
from support.outbox.models import OutgoingMail
from support.tickets.models import Ticket
from support.worker import run_once
from tests.channels.email.conftest import SUPPORT, make_mail


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _store(raw: bytes, sender: str = "maria@example.com", to=(SUPPORT,)) -> InboundMail:
    inbound_id, _created = service.store_raw(raw, envelope_from=sender, envelope_to=list(to),
                                             client_address="127.0.0.1")
    db.session.commit()
    return db.session.get(InboundMail, inbound_id)


def test_a_mail_from_a_known_user_becomes_their_ticket_with_an_acknowledgement(org, mailer):
    mailer.send(make_mail(subject="Schemat visas inte", body="Schemat är tomt för min son."))
    ticket = db.session.scalar(select(Ticket))
    assert (ticket.requester_id, ticket.channel, ticket.subject) == (org.guardian_a.id, "email", "Schemat visas inte")
    assert "Schemat är tomt" in ticket.messages[0].body
    receipts = [mail for mail in db.session.scalars(select(OutgoingMail)) if "maria@example.com" in mail.to_addrs]
    assert len(receipts) == 1
    assert str(ticket.number) in receipts[0].subject + receipts[0].body_text
    row = db.session.scalar(select(InboundMail))
    assert (row.state, row.ticket_id) == ("processed", ticket.id)


def test_an_unknown_sender_becomes_a_contact_and_cc_addresses_follow_the_ticket(org, mailer):
    raw = make_mail(sender="Nils Berg <nils@example.org>", Cc="Anna Berg <anna@example.org>, " + SUPPORT)
    mailer.send(raw, sender="nils@example.org")
    ticket = db.session.scalar(select(Ticket))
    assert ticket.requester.email == "nils@example.org"
    assert ticket.requester.password_hash is None
    assert [person.email for person in ticket.participants] == ["anna@example.org"]


def test_the_worker_drains_what_the_smtp_process_did_not_file(org):
    row = _store(make_mail())
    assert row.state == "pending"
    results = run_once()
    assert results["support.channels.email.jobs:run"] == {"processed": 1}
    db.session.refresh(row)
    assert row.state == "processed"
    assert _count(Ticket) == 1


def test_processing_twice_files_the_message_once(org):
    row = _store(make_mail())
    assert service.process(row.id) == "processed"
    assert service.process(row.id) == "skipped"
    row.state = "pending"  # as if the first run had crashed after the ticket was committed
    db.session.commit()
    service.process(row.id)
    assert _count(Ticket) == 1


def test_a_failure_while_filing_leaves_nothing_half_done_and_quarantines_with_the_reason(org, monkeypatch):
    from support.channels.email import tickets

    def broken(*_args, **_kwargs):
        db.session.add(User(email="half@example.com", name="Halvfärdig"))
        db.session.flush()
        raise RuntimeError("disk full")

    monkeypatch.setattr(tickets, "file_new_ticket", broken)
    row = _store(make_mail())
    assert service.process(row.id) == "quarantined"
    db.session.refresh(row)
    assert "disk full" in row.reason
    assert _count(Ticket) == 0
    assert db.session.scalar(select(User).where(User.email == "half@example.com")) is None


def test_a_mail_without_any_sender_address_is_quarantined(org):
    row = _store(b"Subject: Vem?\r\nMessage-ID: <anon@example.com>\r\n\r\nIngen avsandare.\r\n", sender="")
    service.process(row.id)
    db.session.refresh(row)
    assert row.state in ("quarantined", "ignored")
    assert row.reason
    assert _count(Ticket) == 0


def test_raw_mail_is_emptied_after_the_retention_days_and_the_ticket_and_dedup_stay(app, org):
    from datetime import timedelta

    from support.channels.email.jobs import purge_raw_mail
    from support.database import utcnow

    filed = _store(make_mail(subject="Gammalt", message_id="<old@example.com>"))
    service.process(filed.id)
    waiting = _store(make_mail(subject="Karantän"))
    waiting.state = "quarantined"
    db.session.commit()
    later = utcnow() + timedelta(days=app.config["INBOUND_RAW_RETENTION_DAYS"] + 1)

    assert purge_raw_mail(now=utcnow()) == 0  # nothing is old enough yet
    assert purge_raw_mail(now=later) == 1
    db.session.refresh(filed)
    db.session.refresh(waiting)
    assert filed.raw == b"" and filed.raw_purged_at is not None
    assert waiting.raw != b"" and waiting.raw_purged_at is None  # quarantine waits for a person's decision
    assert db.session.get(Ticket, filed.ticket_id).messages[0].body  # the ticket keeps its text
    again, created = service.store_raw(make_mail(subject="Gammalt", message_id="<old@example.com>"),
                                       envelope_from="maria@example.com", envelope_to=[SUPPORT],
                                       client_address="127.0.0.1")
    assert not created  # a resend after the purge is still the same message


def test_zero_retention_days_keeps_raw_mail(app, org):
    from datetime import timedelta

    from support.channels.email.jobs import purge_raw_mail
    from support.database import utcnow

    app.config["INBOUND_RAW_RETENTION_DAYS"] = 0
    filed = _store(make_mail())
    service.process(filed.id)
    assert purge_raw_mail(now=utcnow() + timedelta(days=3650)) == 0

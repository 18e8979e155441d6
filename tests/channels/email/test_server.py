"""The SMTP server answers 250 only for mail it has committed, refuses what is not ours, and never doubles."""

from __future__ import annotations

import asyncio
import smtplib
import threading
import time
from contextlib import contextmanager

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from support.channels.email.models import InboundMail
from support.channels.email.server import InboundServer
from support.extensions import db
from support.tickets.models import Ticket
from tests.channels.email.conftest import SUPPORT, free_port, make_mail, on_the_wire


@contextmanager
def _server(app, **config):
    """A server of its own with these settings; the connection and the waiting are the test's."""
    app.config.update(config)
    server = InboundServer(app, "127.0.0.1", free_port(), process_after_commit=True).start()
    try:
        with smtplib.SMTP(server.host, server.port) as smtp:
            yield smtp
        server.handler.wait_until_processed()
    finally:
        server.stop()


def _rows() -> list[InboundMail]:
    db.session.rollback()
    rows = list(db.session.scalars(select(InboundMail).order_by(InboundMail.id)))
    db.session.expunge_all()
    db.session.rollback()  # end the read: on SQLite it holds the write lock the server's filing thread waits for
    return rows


def test_accepted_mail_is_stored_byte_for_byte_before_the_answer(org, mailer):
    raw = make_mail()
    mailer.send(raw, wait=False)
    [row] = _rows()  # already committed when smtplib returned
    assert row.raw.rstrip() == on_the_wire(raw).rstrip()
    assert (row.envelope_from, row.envelope_to, row.client_address) == ("maria@example.com", [SUPPORT], "127.0.0.1")


def test_only_the_support_address_and_existing_school_aliases_are_accepted(org, mailer):
    with mailer.connect() as smtp:
        smtp.ehlo()
        smtp.mail("maria@example.com")
        assert smtp.rcpt("support@skolplattformen.example")[0] == 250
        assert smtp.rcpt("Support+Hasselbyskolan@skolplattformen.example")[0] == 250
        assert smtp.rcpt("support+ingen-sadan-skola@skolplattformen.example")[0] == 550
        assert smtp.rcpt("rektor@skolplattformen.example")[0] == 550
        assert smtp.rcpt("support@example.com")[0] == 550


def test_a_school_alias_sets_the_ticket_school(org, mailer):
    mailer.send(make_mail(), to=["support+hasselbyskolan@skolplattformen.example"])
    ticket = db.session.scalar(select(Ticket))
    assert ticket.school_id == org.hasselby.id
    assert ticket.channel == "email"


def test_a_message_over_the_size_limit_is_refused_at_smtp_level(app, org):
    with _server(app, INBOUND_MAX_MESSAGE_BYTES=10_000) as smtp, pytest.raises(
            (smtplib.SMTPSenderRefused, smtplib.SMTPDataError)) as refused:
        smtp.sendmail("maria@example.com", [SUPPORT], make_mail(body="x" * 20_000))
    assert refused.value.smtp_code == 552
    assert _rows() == []


@pytest.mark.committing
def test_too_many_messages_from_one_sender_are_deferred_with_451(app, org):
    with _server(app, RATELIMIT_ENABLED=True, INBOUND_RATE_PER_SENDER="2 per minute") as smtp:
        for _ in range(2):
            smtp.sendmail("flood@example.com", [SUPPORT], make_mail(sender="flood@example.com"))
        with pytest.raises(smtplib.SMTPSenderRefused) as deferred:
            smtp.sendmail("flood@example.com", [SUPPORT], make_mail(sender="flood@example.com"))
        smtp.sendmail("maria@example.com", [SUPPORT], make_mail())  # other senders still get through
    assert deferred.value.smtp_code == 451
    assert len(_rows()) == 3


@pytest.mark.committing
def test_too_many_messages_from_one_client_address_are_deferred_with_451(app, org):
    with _server(app, RATELIMIT_ENABLED=True, INBOUND_RATE_PER_CLIENT="2 per minute") as smtp:
        for number in range(2):
            smtp.sendmail(f"person{number}@example.com", [SUPPORT], make_mail())
        with pytest.raises(smtplib.SMTPSenderRefused) as deferred:
            smtp.sendmail("someone-else@example.com", [SUPPORT], make_mail())
    assert deferred.value.smtp_code == 451


def test_a_resent_message_is_accepted_without_a_second_row_or_ticket(org, mailer):
    raw = make_mail()
    mailer.send(raw)
    mailer.send(raw)
    assert len(_rows()) == 1
    assert db.session.scalar(select(func.count(Ticket.id))) == 1


def test_a_message_without_message_id_is_deduplicated_by_its_bytes(org, mailer):
    raw = b"From: maria@example.com\r\nTo: support@skolplattformen.example\r\nSubject: Hej\r\n\r\nFr\xc3\xa5ga\r\n"
    mailer.send(raw)
    mailer.send(raw)
    [row] = _rows()
    assert row.message_id.startswith("sha256:")


async def _database_down(_messages):
    raise OperationalError("INSERT", {}, Exception("database is unavailable"))


def test_when_the_database_cannot_commit_the_answer_is_451_and_nothing_is_kept(org, mailer, smtp_server,
                                                                               monkeypatch):
    monkeypatch.setattr(smtp_server.handler.committer.store, "store", _database_down)
    with mailer.connect() as smtp, pytest.raises(smtplib.SMTPDataError) as deferred:
        smtp.sendmail("maria@example.com", [SUPPORT], make_mail())
    assert deferred.value.smtp_code == 451
    assert _rows() == []


def _batched(monkeypatch, smtp_server, store, messages: list[bytes]) -> tuple[list[int], list[int]]:
    """Send `messages` at once over a connection each, the first alone and the rest while the committer holds
    the first until they are all waiting, so they form one batch; `store` does the storing. Returns each
    message's answer code and the sizes of the batches."""
    committer, batches, first_held = smtp_server.handler.committer, [], threading.Event()

    async def held(batch):
        if not batches:
            first_held.set()
            deadline = time.monotonic() + 10
            while len(committer.waiting) < len(messages) - 1 and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
        batches.append(len(batch))
        return await store(batch)

    monkeypatch.setattr(committer.store, "store", held)
    codes = [0] * len(messages)

    def send(index):
        with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=30) as smtp:
            smtp.ehlo()
            smtp.mail("maria@example.com")
            smtp.rcpt(SUPPORT)
            codes[index] = smtp.data(on_the_wire(messages[index]))[0]

    db.session.commit()
    senders = [threading.Thread(target=send, args=(index,)) for index in range(len(messages))]
    senders[0].start()
    assert first_held.wait(10)
    for sender in senders[1:]:
        sender.start()
    for sender in senders:
        sender.join(30)
    smtp_server.handler.wait_until_processed()
    return codes, batches


def test_a_batch_that_cannot_be_committed_answers_451_to_every_sender_in_it(org, smtp_server, monkeypatch):
    codes, batches = _batched(monkeypatch, smtp_server, _database_down, [make_mail() for _ in range(4)])
    assert batches == [1, 3]
    assert codes == [451, 451, 451, 451]
    assert _rows() == []


def test_the_same_message_twice_in_one_batch_is_stored_once_and_both_senders_get_250(org, smtp_server,
                                                                                   monkeypatch):
    resent = make_mail(subject="Skickat två gånger")
    codes, batches = _batched(monkeypatch, smtp_server, smtp_server.handler.committer.store.store,
                              [make_mail(), resent, resent])
    assert batches == [1, 2]
    assert codes == [250, 250, 250]
    assert [row.raw.rstrip() for row in _rows()][1:] == [on_the_wire(resent).rstrip()]
    assert db.session.scalar(select(func.count(Ticket.id))) == 2


def test_a_batch_stores_each_new_message_once_and_names_the_stored_row_for_the_rest(org):
    from support.channels.email.service import Received, store_raw, store_received

    earlier = make_mail(subject="Redan mottaget")
    earlier_id, _created = store_raw(earlier, envelope_from="maria@example.com", envelope_to=[SUPPORT],
                                     client_address="127.0.0.1")
    new, other = make_mail(subject="Ny"), make_mail(subject="Annan")
    results = store_received(db.session, [Received(raw, "maria@example.com", [SUPPORT], "127.0.0.1")
                                          for raw in (new, earlier, new, other)])
    assert [created for _id, created in results] == [True, False, False, True]
    assert results[1][0] == earlier_id
    assert results[2][0] == results[0][0] != results[3][0]
    assert dict(db.session.execute(select(InboundMail.id, InboundMail.raw)).all()) == {earlier_id: earlier, results[0][0]: new, results[3][0]: other}


def test_support_serve_starts_the_smtp_server_on_the_configured_port(app):
    from support.cli import cli
    from support.launcher import process_specs

    specs = {name: (command, where) for name, command, where in
             process_specs(dict(app.config, SMTP_PORT=2626), set(cli.commands))}
    command, where = specs["smtp"]
    assert command[-1] == "smtp"
    assert where.endswith(":2626")


def test_support_smtp_is_a_command_with_host_and_port(runner):
    from support.cli import cli

    result = runner.invoke(cli, ["smtp", "--help"])
    assert result.exit_code == 0
    assert "--host" in result.output and "--port" in result.output


def test_a_client_that_ignores_the_declared_size_is_refused_with_552_after_data(app, org):
    with _server(app, INBOUND_MAX_MESSAGE_BYTES=10_000) as smtp:
        smtp.ehlo()
        smtp.mail("maria@example.com")
        smtp.rcpt(SUPPORT)
        code, message = smtp.data(on_the_wire(make_mail(body=("x" * 70 + "\n") * 300)))
    assert code == 552, message
    assert _rows() == []

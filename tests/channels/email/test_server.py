"""The SMTP server answers 250 only for mail it has committed, refuses what is not ours, and never doubles."""

from __future__ import annotations

import smtplib
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
    return list(db.session.scalars(select(InboundMail).order_by(InboundMail.id)))


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


def test_when_the_database_cannot_commit_the_answer_is_451_and_nothing_is_kept(org, mailer, monkeypatch):
    from support.channels.email import service

    def database_down(*_args, **_kwargs):
        raise OperationalError("INSERT", {}, Exception("database is unavailable"))

    monkeypatch.setattr(service, "store_raw", database_down)
    with mailer.connect() as smtp, pytest.raises(smtplib.SMTPDataError) as deferred:
        smtp.sendmail("maria@example.com", [SUPPORT], make_mail())
    assert deferred.value.smtp_code == 451
    assert _rows() == []


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

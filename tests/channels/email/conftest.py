"""The real inbound SMTP server on a free port in a thread, and a sender that uses smtplib like any mail server."""

from __future__ import annotations

import email.policy
import re
import smtplib
import socket
from email.message import EmailMessage
from email.utils import make_msgid

import pytest

from support.channels.email.server import InboundServer
from support.extensions import db
from tests.tickets import conftest as ticket_fixtures

org = ticket_fixtures.org
new_ticket = ticket_fixtures.new_ticket

SUPPORT = "support@skolplattformen.example"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_mail(subject="Kan inte logga in", body="Jag får ett fel när jag loggar in i appen.",
              sender="Maria Svensson <maria@example.com>", to=SUPPORT, **headers) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = headers.pop("message_id", None) or make_msgid(domain="example.com")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message.as_bytes(policy=email.policy.SMTP)


def on_the_wire(raw: bytes) -> bytes:
    """Line ends as SMTP carries them (smtplib sends bytes unchanged, so a file's bare LFs would be one line)."""
    wire = re.sub(rb"\r\n|\r(?!\n)|\n", b"\r\n", raw)
    return wire if wire.endswith(b"\r\n") else wire + b"\r\n"  # smtplib ends the data with a line end


class Mailer:
    """Sends through the running server and waits until it has processed what it accepted."""

    def __init__(self, server: InboundServer):
        self.server = server

    def connect(self) -> smtplib.SMTP:
        return smtplib.SMTP(self.server.host, self.server.port, timeout=30)

    def send(self, raw: bytes, *, sender: str = "maria@example.com", to=(SUPPORT,), wait: bool = True) -> dict:
        db.session.commit()  # the server's threads must see what the test wrote (and SQLite must be unlocked)
        with self.connect() as smtp:
            refused = smtp.sendmail(sender, list(to), on_the_wire(raw))
        if wait:
            self.wait()
        return refused

    def wait(self) -> None:
        self.server.handler.wait_until_processed()
        db.session.rollback()  # read what the server's threads committed


@pytest.fixture
def smtp_server(app):
    # Filing right after the commit (production leaves it to the worker) lets a test read the ticket at once.
    server = InboundServer(app, "127.0.0.1", free_port(), process_after_commit=True).start()
    yield server
    server.stop()


@pytest.fixture
def mailer(smtp_server):
    return Mailer(smtp_server)

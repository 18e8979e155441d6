"""`kill -9` of the real `support smtp` process in the middle of a stream loses nothing and doubles nothing.

The server runs as a subprocess against the test database (the SQLite file, or the PostgreSQL schema when
TEST_DATABASE_URL is set). A client streams messages over one connection; once a third of them are accepted the
server is killed with SIGKILL, restarted, and the client resends every message that did not get 250 with the same
bytes and Message-ID, as a sending mail server does. After the worker's pass every accepted message is exactly one
ticket or one reply. Run alone with `pytest -m crash`.
"""

from __future__ import annotations

import os
import signal
import smtplib
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from support.channels.email import service
from support.channels.email.models import InboundMail
from support.extensions import db
from support.tickets.models import Message, Ticket
from tests.channels.email.conftest import SUPPORT, free_port, make_mail, on_the_wire

pytestmark = pytest.mark.crash

MESSAGES = 60
KILL_AFTER = MESSAGES // 3
SENDER = "maria@example.com"


class SmtpProcess:
    """`support smtp` as its own process, as production runs it."""

    def __init__(self, app_config: dict, workdir: Path):
        self.port = free_port()
        self.env = {**os.environ, "SUPPORT_DATABASE_URL": app_config["DATABASE_URL"],
                    "SUPPORT_INSTANCE_DIR": app_config["INSTANCE_DIR"], "SUPPORT_SECRET_KEY": app_config["SECRET_KEY"],
                    "SUPPORT_RATELIMIT_ENABLED": "false", "PYTHONUNBUFFERED": "1"}
        self.log = workdir / "smtp.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> SmtpProcess:
        command = [str(Path(sys.executable).parent / "support"), "smtp", "--host", "127.0.0.1", "--port",
                   str(self.port)]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(command, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"support smtp exited with {self.process.returncode}:\n{self.log.read_text()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        pytest.fail("support smtp did not start listening within 20 s")

    def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


class Client:
    """Sends over one connection until the connection breaks; remembers which messages got 250."""

    def __init__(self, port: int):
        self.port = port
        self.accepted: set[str] = set()
        self.count_accepted = threading.Semaphore(0)

    def stream(self, messages: dict[str, bytes]) -> None:
        try:
            with smtplib.SMTP("127.0.0.1", self.port, timeout=10) as smtp:
                for message_id, raw in messages.items():
                    smtp.sendmail(SENDER, [SUPPORT], raw)  # raises unless the answer is 250
                    self.accepted.add(message_id)
                    self.count_accepted.release()
        except (smtplib.SMTPException, OSError):
            pass  # the server died: whatever has no 250 is resent later


def _stream(org) -> tuple[str, dict[str, bytes]]:
    """A first message, then a stream in which every third message answers it (a reply, not a ticket)."""
    first = f"<start-{os.getpid()}@example.com>"
    messages = {}
    for number in range(MESSAGES):
        message_id = f"<crash-{number}-{os.getpid()}@example.com>"
        extra = {"In_Reply_To": first} if number % 3 == 0 else {}
        messages[message_id] = on_the_wire(make_mail(
            subject=f"Frånvaroanmälan nummer {number}", body=f"Hej! Meddelande {number} med åäö.",
            message_id=message_id, sender=f"Maria Svensson <{SENDER}>", **extra))
    return first, messages


def test_a_killed_smtp_server_loses_no_accepted_mail_and_resends_make_no_duplicates(org, app_config, tmp_path):
    first, messages = _stream(org)
    db.session.commit()  # the server process must see the organisation (and SQLite must be unlocked)
    server = SmtpProcess(app_config, tmp_path).start()
    try:
        with smtplib.SMTP("127.0.0.1", server.port, timeout=10) as smtp:
            smtp.sendmail(SENDER, [SUPPORT], on_the_wire(make_mail(message_id=first, sender=SENDER)))

        client = Client(server.port)
        sender = threading.Thread(target=client.stream, args=(messages,))
        sender.start()
        for _ in range(KILL_AFTER):
            assert client.count_accepted.acquire(timeout=20), "the server stopped accepting before the kill"
        server.kill()
        sender.join(timeout=20)
        before_restart = set(client.accepted)
        assert KILL_AFTER <= len(before_restart) < MESSAGES, "the kill must land in the middle of the stream"

        server.start()  # same port, same database
        resends = {key: raw for key, raw in messages.items() if key not in before_restart}
        retry = Client(server.port)
        retry.stream(resends)
        assert retry.accepted == set(resends), "every resend is accepted once the server is back"
    finally:
        server.stop()

    db.session.rollback()
    while service.process_pending():  # `support worker --once`'s job, until nothing is pending
        pass
    db.session.rollback()

    all_ids = [first, *messages]
    stored = db.session.execute(select(InboundMail.message_id, InboundMail.state)).all()
    assert sorted(key for key, _state in stored) == sorted(all_ids), "one stored row per message, no more"
    assert {state for _key, state in stored} == {"processed"}
    filed = dict(db.session.execute(select(Message.email_message_id, func.count()).group_by(Message.email_message_id)
                                    .where(Message.email_message_id.is_not(None))).all())
    assert filed == dict.fromkeys(all_ids, 1), "each message is exactly one ticket or reply"
    replies = [key for number, key in enumerate(messages) if number % 3 == 0]
    first_ticket = db.session.scalar(select(Ticket).where(Ticket.source_message_id == first))
    assert {message.email_message_id for message in first_ticket.messages} == {first, *replies}
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 1 + MESSAGES - len(replies)

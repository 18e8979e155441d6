import email
import email.policy
import socket
import threading
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from support.database import utcnow
from support.extensions import db
from support.outbox.models import OutgoingMail
from support.outbox.service import (
    RelayTransport,
    SinkTransport,
    backlog,
    backoff,
    deliver_pending,
    enqueue_mail,
    retry_dead,
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RecordingRelay:
    """An aiosmtpd handler that refuses the first `failures` deliveries with 451 and keeps the rest."""

    def __init__(self, failures: int = 0):
        self.failures = failures
        self.received: list[email.message.EmailMessage] = []
        self.refused = 0

    async def handle_DATA(self, server, session, envelope):
        if self.refused < self.failures:
            self.refused += 1
            return "451 4.3.0 Försök igen senare"
        self.received.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


@pytest.fixture
def relay():
    def start(failures: int = 0):
        handler = RecordingRelay(failures)
        controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
        controller.start()
        started.append(controller)
        handler.address = f"127.0.0.1:{controller.port}"
        return handler

    started: list[Controller] = []
    yield start
    for controller in started:
        controller.stop()


def _mail(to="maria@example.com", subject="Ditt ärende", body="Hej Maria!"):
    mail = enqueue_mail(to, subject, body)
    db.session.commit()
    return mail


def _make_due(mail):
    mail.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()


def test_enqueued_mail_is_kept_only_when_the_transaction_commits(app):
    enqueue_mail("maria@example.com", "Ämne", "Text")
    db.session.rollback()
    assert db.session.scalar(select(OutgoingMail.id)) is None
    _mail()
    assert backlog() == {"pending": 1, "sent": 0, "dead": 0}


def test_every_mail_gets_its_own_message_id_in_the_mail_domain(app):
    first, second = _mail(), _mail()
    assert first.message_id != second.message_id
    assert first.message_id.endswith("@skolplattformen.example>")


def test_sink_writes_an_eml_with_the_rows_message_id(app, tmp_path):
    mail = _mail(subject="Ärende #12: svar", body="Hej Maria!\nVi har svarat.")
    assert deliver_pending(SinkTransport(tmp_path)) == {"sent": 1, "retry": 0, "dead": 0}
    files = list(tmp_path.glob("*.eml"))
    assert len(files) == 1
    message = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert message["Message-ID"] == mail.message_id
    assert message["To"] == "maria@example.com"
    assert message["Subject"] == "Ärende #12: svar"
    assert "Vi har svarat." in message.get_body(preferencelist=("plain",)).get_content()
    db.session.refresh(mail)
    assert (mail.state, mail.attempts, mail.delivered_via) == ("sent", 1, "sink")
    assert mail.sent_at is not None


def test_configured_sink_is_the_instance_folder_when_no_relay_is_set(app):
    from pathlib import Path

    _mail()
    deliver_pending()
    assert len(list(Path(app.config["MAIL_SINK_DIR"]).glob("*.eml"))) == 1


def test_sent_mail_is_not_sent_again(app, tmp_path):
    _mail()
    deliver_pending(SinkTransport(tmp_path))
    assert deliver_pending(SinkTransport(tmp_path)) == {"sent": 0, "retry": 0, "dead": 0}
    assert len(list(tmp_path.glob("*.eml"))) == 1


def test_relay_receives_the_mail_with_its_message_id(app, relay):
    server = relay()
    mail = _mail()
    assert deliver_pending(RelayTransport(server.address)) == {"sent": 1, "retry": 0, "dead": 0}
    assert [m["Message-ID"] for m in server.received] == [mail.message_id]
    assert server.received[0]["Auto-Submitted"] == "auto-generated"
    db.session.refresh(mail)
    assert mail.delivered_via == "relay"


def test_configured_relay_is_used_when_set(app, relay):
    server = relay()
    app.config["SMTP_RELAY"] = server.address
    _mail()
    deliver_pending()
    assert len(server.received) == 1


def test_failed_delivery_is_retried_later_with_the_same_message_id(app, relay):
    server = relay(failures=1)
    transport = RelayTransport(server.address)
    mail = _mail()
    before = utcnow()
    assert deliver_pending(transport) == {"sent": 0, "retry": 1, "dead": 0}
    db.session.refresh(mail)
    assert mail.state == "pending"
    assert mail.attempts == 1
    assert "451" in mail.last_error
    assert mail.next_attempt_at >= before + backoff(1) - timedelta(seconds=1)

    # Not due yet: nothing is tried before the backoff has passed.
    assert deliver_pending(transport) == {"sent": 0, "retry": 0, "dead": 0}
    _make_due(mail)
    assert deliver_pending(transport) == {"sent": 1, "retry": 0, "dead": 0}
    db.session.refresh(mail)
    assert (mail.state, mail.attempts, mail.last_error) == ("sent", 2, "")
    assert [m["Message-ID"] for m in server.received] == [mail.message_id]


def test_backoff_grows_and_is_capped():
    assert backoff(1) < backoff(2) < backoff(3)
    assert backoff(50) == timedelta(hours=1)


def test_unreachable_relay_counts_as_a_failed_attempt(app):
    transport = RelayTransport(f"127.0.0.1:{_free_port()}")
    mail = _mail()
    assert deliver_pending(transport)["retry"] == 1
    db.session.refresh(mail)
    assert mail.attempts == 1
    assert "ConnectionRefusedError" in mail.last_error


def test_mail_is_dead_lettered_after_the_maximum_attempts(app, relay):
    app.config["OUTBOX_MAX_ATTEMPTS"] = 3
    server = relay(failures=99)
    transport = RelayTransport(server.address)
    mail = _mail()
    results = []
    for _ in range(3):
        _make_due(mail)
        results.append(deliver_pending(transport))
    assert results[-1] == {"sent": 0, "retry": 0, "dead": 1}
    db.session.refresh(mail)
    assert (mail.state, mail.attempts) == ("dead", 3)
    _make_due(mail)
    assert deliver_pending(transport) == {"sent": 0, "retry": 0, "dead": 0}
    assert backlog()["dead"] == 1


def test_a_mail_that_cannot_be_built_is_dead_lettered_and_does_not_block_the_queue(app, tmp_path):
    broken = _mail()
    broken.headers = {"Reply-To": "bad\nInjected: header"}
    good = _mail()
    db.session.commit()
    assert deliver_pending(SinkTransport(tmp_path)) == {"sent": 1, "retry": 0, "dead": 1}
    db.session.refresh(broken)
    db.session.refresh(good)
    assert (broken.state, good.state) == ("dead", "sent")


def test_retrying_a_dead_letter_keeps_its_message_id(app, relay):
    app.config["OUTBOX_MAX_ATTEMPTS"] = 1
    mail = _mail()
    deliver_pending(RelayTransport(f"127.0.0.1:{_free_port()}"))
    db.session.refresh(mail)
    assert mail.state == "dead"
    retry_dead(mail)
    db.session.commit()
    server = relay()
    assert deliver_pending(RelayTransport(server.address))["sent"] == 1
    assert server.received[0]["Message-ID"] == mail.message_id


@pytest.mark.committing
def test_several_workers_share_the_queue_without_sending_any_mail_twice(app, database_url):
    """Two workers, each with its own connection, deliver at the same time; SKIP LOCKED splits the rows."""
    if not database_url.startswith("postgresql"):
        pytest.skip("FOR UPDATE SKIP LOCKED needs PostgreSQL (set TEST_DATABASE_URL); SQLite has one writer.")
    mails = [enqueue_mail(f"person{i}@example.com", f"Mail {i}", "Text") for i in range(30)]
    db.session.commit()
    expected = sorted(mail.message_id for mail in mails)

    sent: list[str] = []
    lock = threading.Lock()
    both_inside = threading.Barrier(2, timeout=20)

    class CountingTransport:
        name = "sink"

        def __init__(self):
            self.first = True

        def send(self, message, recipients):
            if self.first:
                # Both workers hold their locked batch at once; without SKIP LOCKED one would wait here forever.
                self.first = False
                both_inside.wait()
            with lock:
                sent.append(message["Message-ID"])

    errors: list[BaseException] = []

    def worker():
        try:
            with app.app_context():
                transport = CountingTransport()
                while deliver_pending(transport, limit=5) != {"sent": 0, "retry": 0, "dead": 0}:
                    pass
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 - handed to the test thread below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sorted(sent) == expected
    db.session.expire_all()
    assert backlog() == {"pending": 0, "sent": 30, "dead": 0}

"""Queue outgoing mail in the caller's transaction; deliver it later from the worker with retries."""

from __future__ import annotations

import logging
import smtplib
import uuid
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

from support.database import utcnow
from support.extensions import db
from support.outbox.models import OutgoingMail

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 3600


def support_address() -> str:
    config = current_app.config
    return f"{config['SUPPORT_MAILBOX']}@{config['MAIL_DOMAIN']}"


def new_message_id() -> str:
    return f"<{uuid.uuid4().hex}@{current_app.config['MAIL_DOMAIN']}>"


def enqueue_mail(
    to: str | list[str],
    subject: str,
    body_text: str,
    *,
    body_html: str | None = None,
    category: str = "general",
    ticket_id: int | None = None,
    headers: dict | None = None,
    message_id: str | None = None,
    from_name: str | None = None,
) -> OutgoingMail:
    """Add a mail to the outbox in the current transaction; it is sent only if the caller commits. `from_name`
    names who wrote it ("Karin Lind via Servicedesk Skolplattformen"); the address is always the support one."""
    recipients = [to] if isinstance(to, str) else list(to)
    mail = OutgoingMail(
        message_id=message_id or new_message_id(),
        from_addr=formataddr((" ".join((from_name or current_app.config["MAIL_FROM_NAME"]).split()),
                              support_address())),
        to_addrs=recipients,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        headers=headers or {},
        category=category,
        ticket_id=ticket_id,
        state="pending",
        next_attempt_at=utcnow(),
    )
    db.session.add(mail)
    return mail


def render_message(mail: OutgoingMail, *, body_text: str | None = None) -> EmailMessage:
    """The mail as it goes out; `body_text` replaces the stored text (the admin view shows secrets masked)."""
    message = EmailMessage()
    message["Message-ID"] = mail.message_id
    message["From"] = mail.from_addr
    message["To"] = ", ".join(mail.to_addrs)
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(mail.created_at)
    headers = dict(mail.headers or {})
    # RFC 3834: answers to someone's mail (receipts, ticket notices) are auto-replied, the rest auto-generated;
    # either way no well-behaved responder answers them.
    message["Auto-Submitted"] = headers.pop("Auto-Submitted", "auto-generated")
    for name, value in headers.items():
        message[name] = value
    message.set_content(mail.body_text if body_text is None else body_text)
    if mail.body_html:
        message.add_alternative(mail.body_html, subtype="html")
    return message


class Transport:
    name = "transport"

    def send(self, message: EmailMessage, recipients: list[str]) -> None:
        raise NotImplementedError


class RelayTransport(Transport):
    """Hands mail to the configured SMTP relay (`SUPPORT_SMTP_RELAY=host:port`)."""

    name = "relay"

    def __init__(self, relay: str, user: str = "", password: str = "", starttls: bool = False):
        host, _, port = relay.rpartition(":")
        self.host, self.port = (host, int(port)) if host else (relay, 25)
        self.user, self.password, self.starttls = user, password, starttls

    def send(self, message: EmailMessage, recipients: list[str]) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=30) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.user:
                smtp.login(self.user, self.password)
            smtp.send_message(message, to_addrs=recipients)


class SinkTransport(Transport):
    """Keeps every mail as an .eml file under the instance folder, for demos and closed test setups."""

    name = "sink"

    def __init__(self, directory: str | Path):
        self.directory = Path(directory)

    def send(self, message: EmailMessage, recipients: list[str]) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = message["Message-ID"].strip("<>").replace("/", "_")
        (self.directory / f"{name}.eml").write_bytes(bytes(message))


def configured_transport() -> Transport:
    config = current_app.config
    if config["SMTP_RELAY"]:
        return RelayTransport(
            config["SMTP_RELAY"],
            config["SMTP_RELAY_USER"],
            config["SMTP_RELAY_PASSWORD"],
            bool(config["SMTP_RELAY_STARTTLS"]),
        )
    return SinkTransport(config["MAIL_SINK_DIR"])


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS))


def deliver_pending(transport: Transport | None = None, limit: int | None = None) -> dict[str, int]:
    """Send the mail that is due. Rows are locked with SKIP LOCKED so several workers share the work."""
    transport = transport or configured_transport()
    limit = limit or current_app.config["OUTBOX_BATCH_SIZE"]
    max_attempts = current_app.config["OUTBOX_MAX_ATTEMPTS"]
    counts = {"sent": 0, "retry": 0, "dead": 0}
    rows = db.session.scalars(
        select(OutgoingMail)
        .where(OutgoingMail.state == "pending", OutgoingMail.next_attempt_at <= utcnow())
        .order_by(OutgoingMail.next_attempt_at, OutgoingMail.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    for mail in rows:
        mail.attempts += 1
        try:
            message = render_message(mail)
        except (ValueError, TypeError) as error:
            # A mail that cannot even be built will not get better by waiting: dead-letter it at once so it
            # does not block the rest of the queue, and let an admin see why.
            mail.state = "dead"
            mail.last_error = f"{type(error).__name__}: {error}"[:2000]
            counts["dead"] += 1
            log.error("outbox: cannot build %s: %s", mail.message_id, error)
            continue
        try:
            transport.send(message, mail.to_addrs)
        except (smtplib.SMTPException, OSError) as error:
            mail.last_error = f"{type(error).__name__}: {error}"[:2000]
            if mail.attempts >= max_attempts:
                mail.state = "dead"
                counts["dead"] += 1
                log.error("outbox: giving up on %s after %d attempts: %s", mail.message_id, mail.attempts, error)
            else:
                mail.next_attempt_at = utcnow() + backoff(mail.attempts)
                counts["retry"] += 1
                log.warning("outbox: %s failed (attempt %d): %s", mail.message_id, mail.attempts, error)
        else:
            mail.state = "sent"
            mail.sent_at = utcnow()
            mail.delivered_via = transport.name
            mail.last_error = ""
            counts["sent"] += 1
    # The worker's own unit of work, committed here: the mail has left, so "sent" must be durable at once (a
    # rollback later would send it twice), and the commit releases the rows other workers skip while locked.
    db.session.commit()
    return counts


def retry_dead(mail: OutgoingMail) -> None:
    """Put a dead-lettered mail back in the queue (an admin decided the cause is fixed)."""
    mail.state = "pending"
    mail.attempts = 0
    mail.next_attempt_at = utcnow()


def backlog() -> dict[str, int]:
    rows = db.session.execute(select(OutgoingMail.state, func.count()).group_by(OutgoingMail.state)).all()
    counts = {state: 0 for state in ("pending", "sent", "dead")}
    counts.update({state: count for state, count in rows})
    return counts

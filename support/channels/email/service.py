"""The inbound mail's rules: which recipients are ours, storing the raw bytes, and turning a stored message into
exactly one ticket, reply, logged auto-mail or quarantine entry.

Processing claims a pending row with an UPDATE as its first statement (a row lock on PostgreSQL, the write lock on
SQLite), so the SMTP process and the worker never file the same message twice; the state change and the ticket are
one transaction, and the ticket service's Message-ID uniqueness makes a re-run after a crash find the same ticket.
"""

from __future__ import annotations

import email.policy
import functools
import json
import logging
from email.parser import BytesHeaderParser
from typing import NamedTuple

from flask import current_app
from sqlalchemy import bindparam, delete, select, text, update

from support.channels.email import tickets
from support.channels.email.addresses import school_for_recipient, support_recipient
from support.channels.email.authentication import failed_authentication
from support.channels.email.automail import ignore_reason, is_bounce
from support.channels.email.models import InboundMail
from support.channels.email.parse import ParsedMail, parse_mail, raw_message_id
from support.database import utcnow
from support.extensions import db
from support.tickets.attachments import AttachmentError
from support.tickets.service import TicketError

log = logging.getLogger(__name__)

BATCH = 200


# --- recipients ------------------------------------------------------------------------------------------------

def _school_of(recipients: list[str]):
    for address in recipients:
        school = school_for_recipient(address)
        if school is not None:
            return school
    return None


# --- raw first ---------------------------------------------------------------------------------------------------

class Received(NamedTuple):
    """A message as the SMTP server received it."""

    raw: bytes
    envelope_from: str
    envelope_to: list[str]
    client_address: str


def store_raw(raw: bytes, *, envelope_from: str, envelope_to: list[str], client_address: str) -> tuple[int, bool]:
    """Add the message as received: `(id, True)`, or `(id of the stored one, False)` when a message with its
    Message-ID is already stored. The caller commits (the SMTP server answers 250 only after that commit)."""
    [result] = store_received(db.session, [Received(raw, envelope_from, envelope_to, client_address)])
    return result


def store_received(connection, messages: list[Received]) -> list[tuple[int, bool]]:
    """Add a batch of messages with one INSERT … ON CONFLICT DO NOTHING, so several connections (and a resend
    racing its original) never make two rows: for each message `(id, True)` when this call stored it, else
    `(id of the stored one, False)` — also for the second of two messages with the same Message-ID in one batch.
    `connection` is a session or a connection; the caller commits."""
    keys, first = _dedupe_keys(messages)
    received_at = utcnow()
    values = {}
    for number, index in enumerate(first.values()):
        message = messages[index]
        values.update({
            f"message_id_{number}": keys[index], f"raw_{number}": message.raw, f"size_{number}": len(message.raw),
            f"envelope_from_{number}": _envelope_from(message), f"envelope_to_{number}": _envelope_to(message),
            f"client_address_{number}": message.client_address[:64], f"received_at_{number}": received_at})
    stored = dict(connection.execute(_insert_new(len(first)), values).all())
    missing = [key for key in first if key not in stored]
    already = dict(connection.execute(select(InboundMail.message_id, InboundMail.id)
                                      .where(InboundMail.message_id.in_(missing))).all()) if missing else {}
    return _outcomes(keys, first, stored, already)


SELECT_STORED = "SELECT message_id, id FROM inbound_mail WHERE message_id = ANY(%s)"


async def store_received_postgres(connection, messages: list[Received]) -> list[tuple[int, bool]]:
    """`store_received` on an asynchronous psycopg connection in autocommit mode (the SMTP server's event loop):
    the same one INSERT … ON CONFLICT DO NOTHING, committed (and flushed, synchronous_commit) when it returns,
    prepared once per batch size, the bytes sent as binary, without SQLAlchemy's work per statement."""
    keys, first = _dedupe_keys(messages)
    received_at = utcnow()
    parameters = []
    for key, index in first.items():
        message = messages[index]
        parameters += (key, message.raw, len(message.raw), _envelope_from(message),
                       json.dumps(_envelope_to(message)), message.client_address[:64], received_at)
    cursor = await connection.execute(_insert_values(len(first)), parameters, prepare=True)
    stored = dict(await cursor.fetchall())
    missing = [key for key in first if key not in stored]
    already = {}
    if missing:
        cursor = await connection.execute(SELECT_STORED, (missing,))
        already = dict(await cursor.fetchall())
    return _outcomes(keys, first, stored, already)


@functools.cache
def _insert_values(rows: int) -> str:
    """`_insert_new` for psycopg's placeholders (the raw bytes as binary, `%b`: no hex text to encode and parse)."""
    row = "(%s, %b, %s, %s, %s::json, %s, %s, 'pending', '', '', '', 0)"
    return (f"INSERT INTO inbound_mail ({', '.join(COLUMNS)}, state, reason, subject, from_address, attempts)"  # noqa: S608
            f" VALUES {', '.join([row] * rows)} ON CONFLICT (message_id) DO NOTHING RETURNING message_id, id")


def _dedupe_keys(messages: list[Received]) -> tuple[list[str], dict[str, int]]:
    """Each message's dedupe key, and the index of the first message with each key (the one that is inserted)."""
    keys = [raw_message_id(message.raw) for message in messages]
    first: dict[str, int] = {}
    for index, key in enumerate(keys):
        first.setdefault(key, index)
    return keys, first


def _envelope_from(message: Received) -> str:
    return (message.envelope_from or "")[:320]


def _envelope_to(message: Received) -> list[str]:
    return [address[:320] for address in message.envelope_to][:100]


def _outcomes(keys, first, stored: dict[str, int], already: dict[str, int]) -> list[tuple[int, bool]]:
    return [(stored[key] if key in stored else already.get(key), key in stored and first[key] == index)
            for index, key in enumerate(keys)]


COLUMNS = ("message_id", "raw", "size", "envelope_from", "envelope_to", "client_address", "received_at")


@functools.cache
def _insert_new(rows: int):
    """The one statement that stores `rows` messages except those whose Message-ID is already stored. Written as
    text with typed parameters because SQLAlchemy does not cache the compiled form of the dialects' `insert …
    on_conflict` constructs: compiling it for every message cost a third of the time per message in
    bench/smtp_ingest.py. SQLite (3.35+) and PostgreSQL read the same statement; neither promises the order of
    RETURNING, so each row names its Message-ID."""
    table = InboundMail.__table__
    tuples = ", ".join("(" + ", ".join(f":{name}_{number}" for name in COLUMNS) + ", 'pending', '', '', '', 0)"
                       for number in range(rows))
    columns = ", ".join(COLUMNS)  # names and placeholders only: every value is a bound parameter
    statement = text(
        f"INSERT INTO inbound_mail ({columns}, state, reason, subject, from_address, attempts)"  # noqa: S608
        f" VALUES {tuples} ON CONFLICT (message_id) DO NOTHING RETURNING message_id, id")
    return (statement.bindparams(*(bindparam(f"{name}_{number}", type_=table.c[name].type)
                                   for number in range(rows) for name in COLUMNS))
            .columns(message_id=table.c.message_id.type, id=table.c.id.type))


# --- processing -------------------------------------------------------------------------------------------------

def process(inbound_id: int) -> str:
    """Turn one pending message into its outcome and commit; returns the new state ("skipped" when another
    process has it or it is done). Nothing raised by a message escapes: it is quarantined with the reason."""
    claimed = db.session.execute(
        update(InboundMail).where(InboundMail.id == inbound_id, InboundMail.state == "pending")
        .values(attempts=InboundMail.attempts + 1)).rowcount
    if not claimed:
        db.session.rollback()
        return "skipped"
    row = db.session.get(InboundMail, inbound_id)
    try:
        _file(row)
        row.processed_at = utcnow()
        # Each message is its own unit of work: its outcome is durable before the next message, and a failure
        # rolls back this message alone (then quarantines it).
        db.session.commit()
        return row.state
    except (TicketError, AttachmentError) as error:
        db.session.rollback()
        return quarantine(inbound_id, str(error))
    except Exception as error:
        db.session.rollback()
        log.exception("inbound mail %s could not be processed", inbound_id)
        return quarantine(inbound_id, f"Fel vid behandlingen: {type(error).__name__}: {str(error)[:300]}")


process_one_committed = process


def quarantine(inbound_id: int, reason: str) -> str:
    """Keep the message for an administrator with the reason (and what its headers say, for the list)."""
    raw = db.session.scalar(select(InboundMail.raw).where(InboundMail.id == inbound_id)) or b""
    subject, sender = _headline(raw)
    db.session.execute(update(InboundMail).where(InboundMail.id == inbound_id, InboundMail.state == "pending").values(
        state="quarantined", reason=reason[:2000], attempts=InboundMail.attempts + 1, processed_at=utcnow(),
        subject=subject, from_address=sender))
    db.session.commit()  # the quarantine outlives whatever the caller does next, like `process` above
    return "quarantined"


def _headline(raw: bytes) -> tuple[str, str]:
    """Subject and sender read from the header block alone, as far as they can be."""
    try:
        headers = BytesHeaderParser(policy=email.policy.default).parsebytes(raw[:200_000])
        subject = " ".join(str(headers.get("Subject") or "").split())
        sender = str(headers.get("From") or "")
    except Exception:  # noqa: BLE001 - the list then shows the envelope sender only
        return "", ""
    printable = "".join(ch for ch in subject if ch.isprintable())
    return printable[:200], "".join(ch for ch in sender if ch.isprintable())[:320]


def process_pending(limit: int = BATCH) -> dict[str, int]:
    """The worker's job: process what the SMTP process did not (crashed, busy, or restarted)."""
    ids = db.session.scalars(select(InboundMail.id).where(InboundMail.state == "pending")
                             .order_by(InboundMail.id).limit(limit)).all()
    db.session.rollback()
    counts: dict[str, int] = {}
    for inbound_id in ids:
        outcome = process(inbound_id)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def reprocess(row: InboundMail) -> str:
    """An administrator sends a quarantined message through again (after a fix, or a school was created)."""
    row.state = "pending"
    row.reason = ""
    # Committed first: `process` rolls back a failed message, and the quarantine it then writes needs the row pending.
    db.session.commit()
    return process(row.id)


def remove(row: InboundMail) -> None:
    """An administrator deletes a quarantined message for good."""
    db.session.execute(delete(InboundMail).where(InboundMail.id == row.id))


def _parse(row: InboundMail) -> ParsedMail:
    try:
        return parse_mail(row.raw)
    except Exception as error:  # noqa: BLE001 - unparsable mail is quarantined with the reason, never lost
        raise TicketError(f"Meddelandet kunde inte tolkas: {type(error).__name__}: {str(error)[:300]}") from error


def _unverified_staff(sender, mail: ParsedMail) -> str:
    """What the relay's checks said when mail claiming a staff address failed them ("" otherwise): such mail
    never acts as that staff member (no replies on tickets, no CC'd participants)."""
    from support.policy.tickets import is_ticket_staff

    if not is_ticket_staff(sender):
        return ""
    return failed_authentication(mail, current_app.config["INBOUND_AUTHSERV_ID"])


def _mark_failing_addresses(row: InboundMail, mail: ParsedMail) -> None:
    """A bounce names the addresses our mail could not reach; people with those addresses are marked."""
    from support.accounts.service import mark_email_failing

    marked = [address for address in mail.failed_recipients
              if support_recipient(address) is None and mark_email_failing(address, mail.subject or row.reason)]
    if marked:
        row.reason = f"{row.reason}: {', '.join(marked[:10])}"[:2000]


def _file(row: InboundMail) -> None:
    mail = _parse(row)
    row.subject = mail.subject[:200]
    row.from_address = mail.from_address[:320]
    config = current_app.config
    empty_return_path = row.envelope_from.strip("<> ") == "" or mail.headers.get("return-path", "").strip() == "<>"
    reason = ignore_reason(mail, config["MAIL_DOMAIN"], config["SUPPORT_MAILBOX"].lower(), empty_return_path)
    if reason:
        row.state = "ignored"
        row.reason = reason
        if is_bounce(mail):
            _mark_failing_addresses(row, mail)
        return
    sender_address = mail.from_address if "@" in mail.from_address else row.envelope_from
    sender = tickets.find_sender(sender_address, mail.from_name)
    unverified = _unverified_staff(sender, mail)
    thread = tickets.thread_ticket(mail)
    if thread is not None and not unverified and tickets.may_write_on(sender, thread):
        try:
            with db.session.begin_nested():
                tickets.file_reply(thread, mail, author=sender, message_id=row.message_id)
            row.state, row.ticket_id = "processed", thread.id
            row.reason = f"Svar på ärende #{thread.number}"
            return
        except TicketError as error:  # e.g. closed: the mail becomes a new ticket that links to the old one
            row.reason = str(error)
    ticket = tickets.file_new_ticket(mail, requester=sender, school=_school_of(row.envelope_to),
                                     message_id=row.message_id, related=thread, unverified=unverified)
    row.state, row.ticket_id = "processed", ticket.id
    row.reason = f"Nytt ärende #{ticket.number}" + (f" (gäller #{thread.number})" if thread is not None else "")

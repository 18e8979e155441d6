"""Every call the e-mail channel makes into the ticket service, in one place (the service is the one door)."""

from __future__ import annotations

from flask import current_app

from support.channels.email.addresses import support_recipient
from support.channels.email.parse import ParsedMail
from support.channels.email.replies import strip_quoted_history, subject_ticket_number
from support.policy import can
from support.tickets import attachments as attachment_store
from support.tickets import service
from support.tickets.commands import Filing
from support.tickets.models import Message, Ticket

MAX_PARTICIPANTS = 10
NO_SUBJECT = "(Inget ämne)"
NO_TEXT = "(Meddelandet innehöll ingen text.)"


def find_sender(address: str, name: str):
    """The user with this address, else a new passwordless contact (raises TicketError for no usable address)."""
    return service.find_or_create_contact(address, name[:200])


def thread_ticket(mail: ParsedMail) -> Ticket | None:
    """The ticket this mail answers: by In-Reply-To/References first, then by `[#1234]` in the subject."""
    ticket = service.ticket_for_message_ids([*mail.in_reply_to, *reversed(mail.references)])
    if ticket is None:
        number = subject_ticket_number(mail.subject)
        ticket = service.ticket_by_number(number) if number else None
        while ticket is not None and ticket.merged_into is not None:
            ticket = ticket.merged_into
    return ticket


def may_write_on(person, ticket: Ticket) -> bool:
    return can(person, "ticket.reply", ticket)


def file_reply(ticket: Ticket, mail: ParsedMail, *, author, message_id: str) -> Message:
    """Add the mail's new text (quoted history cut) as a public reply; raises TicketError (e.g. a closed ticket)."""
    body, notes = _body_and_notes(strip_quoted_history(mail.text), mail)
    message = service.reply(ticket, author=author, body=body, channel="email", email_message_id=message_id,
                            body_format="text", body_html=mail.html)
    _attach(ticket, message, mail, author, notes)
    _add_participants(ticket, mail, author)
    return message


def file_new_ticket(mail: ParsedMail, *, requester, school, message_id: str, related: Ticket | None,
                    unverified: str = "") -> Ticket:
    """A new e-mail ticket; the service routes it and sends the acknowledgement with its number. `unverified`
    (what Authentication-Results said) flags mail that claimed a staff address without proof: it is filed, but
    its CC'd addresses are not added and staff see a warning."""
    text = mail.text
    if related is not None:
        text = f"(Gäller tidigare ärende #{related.number}.)\n\n{text}"
    body, notes = _body_and_notes(text, mail)
    if unverified:
        notes.append(f"Varning: avsändaren kunde inte verifieras ({unverified}). Meddelandet kan vara förfalskat "
                     "och har inte behandlats som skrivet av personalen.")
    subject = " ".join(mail.subject.split())[:service.MAX_SUBJECT] or NO_SUBJECT
    ticket = service.file_ticket(Filing(channel="email", requester=requester, school=school, subject=subject,
                                        body=body, message_id=message_id, body_format="text",
                                        body_html=mail.html))
    if ticket.messages and not ticket.attachments:
        _attach(ticket, ticket.messages[0], mail, requester, notes)
    if unverified:
        service.add_flag(ticket, "unverified_sender")
    else:
        _add_participants(ticket, mail, requester)
    return ticket


def _body_and_notes(text: str, mail: ParsedMail) -> tuple[str, list[str]]:
    notes = []
    if mail.encrypted:
        notes.append("Meddelandet är krypterat och kan inte visas; det finns kvar som bilaga.")
    body = text.strip() or NO_TEXT
    limit = service.MAX_BODY - 2000
    if len(body) > limit:
        body = body[:limit] + "\n\n(Texten var för lång och har kortats. Hela meddelandet finns kvar.)"
    return body, notes


def _attach(ticket: Ticket, message: Message, mail: ParsedMail, author, notes: list[str]) -> None:
    """Every file goes through the attachment checks; a dangerous one is kept flagged and never served, one
    that is too large is named in the message instead."""
    max_file = current_app.config["ATTACHMENT_MAX_FILE_BYTES"]
    room = current_app.config["ATTACHMENT_MAX_TICKET_BYTES"] - attachment_store.ticket_bytes(ticket)
    for file in [*mail.files, *mail.inline_images]:
        if not file.data:
            continue
        if file.size > max_file or file.size > room:
            notes.append(f"Bilagan {file.filename} ({file.size // 1024} kB) var för stor för att sparas i ärendet.")
            continue
        room -= file.size
        attachment_store.store(ticket, file, attachment_store.inspect(file), message=message, uploaded_by=author,
                               quarantine=True)
    if notes:
        message.body = message.body + "\n\n" + "\n".join(notes)


def _add_participants(ticket: Ticket, mail: ParsedMail, by) -> None:
    """CC'd people follow the ticket, except our own addresses; at most MAX_PARTICIPANTS per mail."""
    if not can(by, "ticket.reply", ticket):
        return
    added = 0
    for address in mail.cc:
        if added >= MAX_PARTICIPANTS:
            break
        if support_recipient(address) is not None or address == getattr(by, "email", ""):
            continue
        try:
            person = service.find_or_create_contact(address)
        except service.TicketError:
            continue
        added += service.add_participant(ticket, person, by=by)

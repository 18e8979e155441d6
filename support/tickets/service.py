"""The ticket service: the only code that creates or changes tickets. Every channel (web form, e-mail, phone,
API) and the worker call these functions; views only parse input, ask the policy and render.

Conventions:
- Functions change the session and never commit; the caller commits (so a change, its history events and its
  outbox mail are one transaction).
- Functions that change an existing ticket first lock its row (`SELECT … FOR UPDATE` on PostgreSQL) and reload
  it, so two agents changing one ticket at the same time both keep their change.
- Every change writes a TicketEvent (the ticket's history).
- Problems the user can fix raise TicketError (or AttachmentError) with a message in the reader's language
  (Swedish msgids, translated when raised).
- The service does not decide access, the policy does; but every function that changes a ticket asks
  `support.policy.can(...)` for each action it performs (a reply that also resolves is two actions), so no
  channel can skip a check. Callers still ask first to answer 404 for tickets the person may not see.
"""

from __future__ import annotations

import unicodedata
from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from support import vocabulary
from support.accounts.models import User
from support.database import utcnow
from support.extensions import db
from support.outbox.service import new_message_id
from support.policy import can
from support.tickets import attachments as attachment_store
from support.tickets import notifications, routing, sla
from support.tickets.attachments import AttachmentError, IncomingFile
from support.tickets.commands import Filing
from support.tickets.models import (
    CHANNELS,
    MAX_BODY,
    MAX_SUBJECT,
    PRIORITIES,
    PRIORITY_RANK,
    REOPEN_DAYS,
    STATES,
    SYSTEMS,
    AccessLog,
    Message,
    Ticket,
    TicketCounter,
    TicketEvent,
    TicketParticipant,
    TicketPresence,
    TicketTag,
    can_reopen,
)
from support.tickets.personal_numbers import contains_personal_number
from support.vocabulary import SwedishLabels

AUTO_CLOSE_DAYS = 7
DOUBLE_SUBMIT_SECONDS = 60  # the same text from the same person within this window is one message, not two
PRESENCE_SECONDS = 45  # a heartbeat older than this no longer counts as "replying right now"

# Service messages and mail are Swedish whatever the reader's language; the words are the vocabulary's.
STATE_LABELS = SwedishLabels(vocabulary.STATE_LABELS)
STAFF_STATE_LABELS = SwedishLabels(vocabulary.STAFF_STATE_LABELS)
PRIORITY_LABELS = SwedishLabels(vocabulary.PRIORITY_LABELS)
CHANNEL_LABELS = SwedishLabels(vocabulary.CHANNEL_LABELS)
ALLOWED_TRANSITIONS = {
    "new": {"open", "pending", "resolved", "closed"},
    "open": {"pending", "resolved", "closed"},
    "pending": {"open", "resolved", "closed"},
    "resolved": {"open", "closed"},
    "closed": {"open"},
}

__all__ = [
    "AttachmentError", "IncomingFile", "NotAllowed", "TicketError", "active_repliers", "add_attachments",
    "add_flag", "add_participant", "assign", "change_state", "deescalate", "escalate", "file_ticket", "Filing",
    "find_or_create_contact", "get_ticket_for", "log_call_on",
    "merge", "move_to_tier", "note_viewing", "rate", "reopen", "reply", "requester_resolve", "set_priority",
    "set_school", "set_tags", "ticket_by_number", "ticket_for_message_ids",
]


class TicketError(ValueError):
    """Something the user can fix. `str(error)` is the message in the reader's language (translated when it is
    raised); `field` names the input it is about when a channel can show it there (e.g. "priority")."""

    def __init__(self, message, *, field: str | None = None):
        super().__init__(str(message))
        self.field = field


class NotAllowed(TicketError):
    """The policy does not let this person do one of the actions asked for; `str(error)` says which."""


_NOT_ALLOWED = {
    "ticket.reply": _l("Du kan inte svara i det här ärendet."),
    "ticket.note": _l("Du kan inte skriva interna anteckningar i det här ärendet."),
    "ticket.log_call": _l("Du kan inte logga samtal i det här ärendet."),
    "ticket.change_state": _l("Du kan inte ändra status på det här ärendet."),
    "ticket.set_priority": _l("Du kan inte ändra prioritet på det här ärendet."),
    "ticket.assign": _l("Du kan inte ändra handläggare för det här ärendet."),
    "ticket.set_tags": _l("Du kan inte ändra taggar på det här ärendet."),
    "ticket.set_school": _l("Du kan inte flytta det här ärendet till en annan skola."),
    "ticket.escalate": _l("Du kan inte eskalera det här ärendet."),
    "ticket.deescalate": _l("Du kan inte skicka tillbaka det här ärendet till skolan."),
    "ticket.merge": _l("Du kan inte slå ihop de här ärendena."),
    "ticket.resolve_own": _l("Du kan inte markera det här ärendet som löst."),
    "ticket.reopen": _l("Ärendet kan bara öppnas igen inom %(days)s dagar efter att det löstes. "
                        "Skicka ett nytt ärende i stället.", days=REOPEN_DAYS),
    "ticket.rate": _l("Du kan betygsätta hjälpen när ärendet är löst."),
}


def _require(user, action: str, ticket: Ticket) -> None:
    """Refuse with NotAllowed unless the policy lets `user` do `action` to `ticket`."""
    from support.policy import can

    if not can(user, action, ticket):
        raise NotAllowed(str(_NOT_ALLOWED[action]))


# --- numbers, lookup -------------------------------------------------------------------------------------------

def next_number() -> int:
    """The next ticket number. The counter row stays locked until the caller's transaction ends, so numbers
    are unique and gap-free under concurrency (on SQLite the database serialises writers anyway)."""
    for _attempt in range(3):
        value = db.session.execute(
            update(TicketCounter).where(TicketCounter.name == "ticket")
            .values(value=TicketCounter.value + 1).returning(TicketCounter.value)
        ).scalar()
        if value is not None:
            return value
        start = (db.session.scalar(select(func.max(Ticket.number))) or 1000) + 1
        try:
            with db.session.begin_nested():
                db.session.add(TicketCounter(name="ticket", value=start))
            return start
        except IntegrityError:
            continue  # another transaction created the row first; take a number from it
    raise RuntimeError("could not take a ticket number")


def ticket_by_number(number) -> Ticket | None:
    """The ticket with this number (`1234` or `"#1234"`), without any access check."""
    try:
        value = int(str(number).lstrip("#"))
    except (TypeError, ValueError):
        return None
    return db.session.scalar(select(Ticket).where(Ticket.number == value))


def get_ticket_for(user, number, *, action: str = "ticket.view", via: str = "web") -> Ticket | None:
    """The ticket if `user` may do `action` to it, else None (the caller answers 404). An administrator's access
    is written to the audit log (AccessLog) in the current transaction."""
    from support.policy import can
    from support.policy.tickets import logs_access

    ticket = ticket_by_number(number)
    if ticket is None or not can(user, action, ticket):
        return None
    if logs_access(user, ticket):
        db.session.add(AccessLog(user_id=user.id, ticket_id=ticket.id, action=action, via=via))
    return ticket


def ticket_for_message_ids(message_ids) -> Ticket | None:
    """Map an inbound mail's In-Reply-To/References to its ticket through the Message-IDs we sent or received."""
    from support.outbox.models import OutgoingMail

    ids = [mid.strip() for mid in message_ids if mid and mid.strip()]
    if not ids:
        return None
    ticket = db.session.scalar(select(Ticket).where(Ticket.thread_message_id.in_(ids)))
    if ticket is None:
        ticket_id = db.session.scalar(select(OutgoingMail.ticket_id).where(
            OutgoingMail.message_id.in_(ids), OutgoingMail.ticket_id.is_not(None)).limit(1))
        if ticket_id is None:
            ticket_id = db.session.scalar(select(Message.ticket_id).where(Message.email_message_id.in_(ids)).limit(1))
        ticket = db.session.get(Ticket, ticket_id) if ticket_id else None
    return final_ticket(ticket) if ticket is not None else None


MAX_MERGE_HOPS = 20


def final_ticket(ticket: Ticket) -> Ticket:
    """The ticket a merge chain ends in. Chains are one step long (`merge` refuses merged tickets), but old
    rows or a bug must never make a reader loop: the walk stops after MAX_MERGE_HOPS or on a repeat."""
    seen = {ticket.id}
    for _hop in range(MAX_MERGE_HOPS):
        target = ticket.merged_into
        if target is None or target.id in seen:
            break
        seen.add(target.id)
        ticket = target
    return ticket


# --- helpers ---------------------------------------------------------------------------------------------------

def _lock(ticket: Ticket) -> Ticket:
    """Reload the ticket's row under a row lock, so concurrent changes queue up instead of overwriting."""
    db.session.flush()
    db.session.execute(select(Ticket.id).where(Ticket.id == ticket.id).with_for_update())
    db.session.refresh(ticket)
    return ticket


def _event(ticket: Ticket, kind: str, *, by=None, old="", new="", detail="") -> TicketEvent:
    event = TicketEvent(ticket=ticket, actor_id=getattr(by, "id", None), kind=kind,
                        old_value=str(old if old is not None else "")[:255],
                        new_value=str(new if new is not None else "")[:255], detail=detail or "",
                        created_at=utcnow())
    db.session.add(event)
    return event


def _touch(ticket: Ticket, now=None) -> None:
    ticket.updated_at = now or utcnow()


# Joiners shape letters in Persian, Arabic and Indic scripts and emoji sequences; every other format character
# (bidirectional overrides and isolates, zero-width spaces, soft hyphens, BOM) only hides or reorders text.
_KEPT_FORMAT_CHARACTERS = {"\u200c", "\u200d"}
# Letters and symbols that draw nothing (Hangul fillers, the blank Braille pattern).
_BLANK_CHARACTERS = {"\u115f", "\u1160", "\u3164", "\uffa0", "\u2800"}


def _one_line(text) -> str:
    """`text` as one line without control or format characters (what a person can see is what is stored);
    "" when nothing visible is left, so a name or subject of zero-width or blank characters counts as empty."""
    if not isinstance(text, str):
        return ""
    kept = []
    for character in text:
        category = unicodedata.category(character)
        if category in ("Cc", "Cs") or (category == "Cf" and character not in _KEPT_FORMAT_CHARACTERS):
            kept.append(" " if category == "Cc" else "")
        else:
            kept.append(character)
    line = " ".join("".join(kept).split())
    visible = any(unicodedata.category(c)[0] in "LNPS" and c not in _BLANK_CHARACTERS for c in line)
    return line if visible else ""


def _clean_subject(subject: str) -> str:
    subject = _one_line(subject)
    if not subject:
        raise TicketError(_("Skriv en kort rubrik för ärendet."))
    if len(subject) > MAX_SUBJECT:
        raise TicketError(_("Rubriken får vara högst %(limit)s tecken.", limit=MAX_SUBJECT))
    return subject


def _clean_body(body: str, *, what: str | None = None) -> str:
    body = (body or "").strip()
    if not body:
        raise TicketError(what or _("Beskriv vad det gäller."))
    if len(body) > MAX_BODY:
        raise TicketError(_("Texten får vara högst %(limit)s tecken.", limit=MAX_BODY))
    return body


def add_flag(ticket: Ticket, flag: str) -> None:
    """Mark the ticket for staff (e.g. "unverified_sender": mail that claimed a staff address failed its checks)."""
    if flag not in (ticket.flags or []):
        ticket.flags = [*(ticket.flags or []), flag]


def _flag_personal_numbers(ticket: Ticket, *texts: str) -> None:
    if "personnummer" not in (ticket.flags or []) and any(contains_personal_number(t) for t in texts):
        ticket.flags = [*(ticket.flags or []), "personnummer"]


def _append_search_text(ticket: Ticket, text: str, *, public: bool) -> None:
    """Keep the search columns: every text goes into `search_text`, public text also into `public_search_text`."""
    ticket.search_text = _joined(ticket.search_text, text)
    if public:
        ticket.public_search_text = _joined(ticket.public_search_text, text)


def _joined(existing: str | None, text: str) -> str:
    return f"{existing or ''}\n{text.lower()}".strip()[:1_000_000]


def _is_requester(ticket: Ticket, user) -> bool:
    if user is None:
        return False
    return user.id == ticket.requester_id or any(link.user_id == user.id for link in ticket.participant_links)


def _requesters(ticket: Ticket) -> set[int]:
    """Who reads the ticket as its requester: the requester and anyone following it."""
    return {ticket.requester_id, *(link.user_id for link in ticket.participant_links)}


def _prepare_files(files, ticket: Ticket | None = None):
    incoming = [f if isinstance(f, IncomingFile) else attachment_store.from_upload(f) for f in files or ()]
    existing = attachment_store.ticket_bytes(ticket) if ticket is not None else 0
    return attachment_store.validate([f for f in incoming if f is not None], existing_bytes=existing)


def _store_files(ticket: Ticket, checked, *, message=None, by=None) -> list:
    stored = []
    for file, inspection in checked:
        stored.append(attachment_store.store(ticket, file, inspection, message=message, uploaded_by=by))
        _event(ticket, "attachment", by=by, new=file.filename)
    return stored


# --- requesters without an account ---------------------------------------------------------------------------

MAX_NAME = 200  # users.name


def _valid_email(email) -> str:
    """The address normalised (lower case) if it is one a mail can be sent to; else TicketError."""
    from email_validator import EmailNotValidError, validate_email

    if not isinstance(email, str) or not email.strip():
        raise TicketError(_("Ange en giltig e-postadress."))
    try:
        checked = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError as error:
        raise TicketError(_("Ange en giltig e-postadress, till exempel namn@example.com.")) from error
    return checked.normalized.lower()


def _clean_name(name, email: str) -> str:
    name = _one_line(name)[:MAX_NAME].strip()
    return name or email.split("@")[0]


def find_or_create_contact(email: str, name: str = "") -> User:
    """The user with this e-mail, or a new passwordless User for someone who has no account (an e-mail or phone
    contact). The address is validated (email-validator) and the name cleaned before anything is stored. They can
    claim the account later through "Glömt lösenord"."""
    return _contact(email, name)[0]


def _contact(email, name) -> tuple[User, bool]:
    """(the user with this address, whether they were created just now)."""
    from support.accounts import service as accounts

    email = _valid_email(email)
    user = accounts.find_user_by_email(email)
    if user is not None:
        return user, False
    user = accounts.create_user(email, _clean_name(name, email), None)
    db.session.flush()
    return user, True


def _guess_user_group(requester: User | None, school) -> str | None:
    if requester is None:
        return None
    school_id = getattr(school, "id", None)
    groups = [m for m in requester.groups if school_id is None or m.school_id == school_id]
    order = ("pedagogue", "administrator", "guardian", "student")
    for group in order:
        if any(m.group == group for m in groups):
            return group
    return None


# --- creating -------------------------------------------------------------------------------------------------

def file_ticket(filing: Filing) -> Ticket:
    """Create a ticket from a channel's `Filing`: every filing rule is applied here, then the ticket is routed, its
    SLA due times set and the notifications queued. Raises TicketError (NotAllowed for what the policy refuses).

    Rules: who may file for whom and at which school (policy `ticket.file_for`, `ticket.file_own_at`,
    `ticket.file_at`, `ticket.add_contact`); the choices only staff make (`ticket.choose_priority`,
    `ticket.choose_tags`, `ticket.resolve_on_call`); a user group must be the requester's (at the school); the
    limits MAX_SUBJECT and MAX_BODY; the same idempotency key from the same person filing, or the same e-mail
    Message-ID, returns the first ticket (another person's equal key is no concern of theirs); the article read
    before filing and the caller's phone number are noted in the text; the searches that preceded the ticket are
    linked to it for the knowledge base's editors."""
    key, message_id = filing.idempotency_key, filing.message_id
    if key is not None and (not isinstance(key, str) or len(key) > 100):
        raise TicketError(_("Idempotensnyckeln ska vara text på högst 100 tecken."))
    if message_id:
        existing = db.session.scalar(select(Ticket).where(Ticket.source_message_id == message_id))
        if existing is not None:
            return existing
    channel = filing.channel
    if channel not in CHANNELS:
        raise TicketError(_("Okänd kanal."))
    if filing.priority is not None and filing.priority not in PRIORITIES:
        raise TicketError(_("Okänd prioritet."), field="priority")
    system = filing.system or "general"
    if system not in SYSTEMS:
        raise TicketError(_("Välj vilket system det gäller."))
    subject = _clean_subject(filing.subject)
    body = _clean_body(filing.body)
    filer = filing.filed_by or filing.requester
    if key and filer is not None:
        existing = _ticket_for_key(filer, key)
        if existing is not None:
            return existing
    school = filing.school
    requester, filed_by = _filing_parties(filing)
    _check_choices(filing, filed_by)
    if school is not None and filing.school_form and filing.school_form not in school.school_forms:
        raise TicketError(_("Skolformen finns inte på den valda skolan."))
    user_group = _user_group(requester, school, filing.user_group)
    body += _filing_notes(filing, requester, filed_by)
    checked = _prepare_files(filing.attachments)

    now = utcnow()
    route = routing.route(user_group=user_group, system=system, school_id=getattr(school, "id", None),
                          channel=channel)
    priority = route.priority or filing.priority or "normal"
    ticket = Ticket(
        subject=subject, requester=requester, channel=channel, school=school, user_group=user_group,
        system=system, school_form=filing.school_form, priority=priority, priority_rank=PRIORITY_RANK[priority],
        state="new", tier=route.tier, created_by_id=filed_by.id, created_at=now, updated_at=now,
        idempotency_key=key or None, source_message_id=message_id or None,
        thread_message_id=new_message_id(), flags=[],
    )
    _append_search_text(ticket, f"{subject}\n{body}", public=True)
    sla.apply_due_times(ticket)
    _flag_personal_numbers(ticket, subject, body)
    try:
        with db.session.begin_nested():
            ticket.number = next_number()
            db.session.add(ticket)
            db.session.flush()
    except IntegrityError:
        # A double submit raced us to the same key: hand back the ticket the other request created.
        duplicate = _ticket_for_key(filed_by, key) if key else db.session.scalar(
            select(Ticket).where(Ticket.source_message_id == message_id))
        if duplicate is None:
            raise
        return duplicate
    message = Message(ticket=ticket, author_id=filed_by.id, kind="public", channel=channel, body=body,
                      body_format=filing.body_format or ("text" if channel == "email" else "markdown"),
                      body_html=filing.body_html or None, email_message_id=message_id, created_at=now)
    db.session.add(message)
    for tag in _clean_tags(filing.tags):
        ticket.tag_links.append(TicketTag(tag=tag))
    _event(ticket, "created", by=filed_by, new=channel,
           detail=f"Nivå {ticket.tier}" + (" (skolan saknar aktiv superanvändare)" if route.fell_back else ""))
    _store_files(ticket, checked, message=message, by=filed_by)
    _link_searches(ticket, filing.search_tokens)
    if filing.resolved_on_call:
        _set_state(ticket, "resolved", by=filed_by, now=now, notify=False, detail="Löst under samtalet")
    db.session.flush()
    notifications.ticket_created(ticket, actor=filed_by if filed_by.id != requester.id else None)
    return ticket


def _ticket_for_key(filed_by: User, idempotency_key: str) -> Ticket | None:
    """The ticket this person filed with this key: keys are scoped to the one filing, whatever the channel."""
    return db.session.scalar(select(Ticket).where(Ticket.created_by_id == filed_by.id,
                                                  Ticket.idempotency_key == idempotency_key))


_ONLY_FOR_YOURSELF = _l("Du kan bara skapa ärenden för dig själv.")
_STAFF_CHOICES = {"priority": _l("Prioriteten sätts av supporten."), "tags": _l("Taggar sätts av supporten.")}


def _filing_parties(filing: Filing) -> tuple[User, User]:
    """(requester, filed_by) of a new ticket, if the policy lets the person filing file it for that person at that
    school. An unknown address becomes a contact only when the person filing may add one."""
    from support.accounts import service as accounts

    requester, filed_by, school = filing.requester, filing.filed_by, filing.school
    new_contact = False
    if requester is None and filing.contact_email:
        requester = accounts.find_user_by_email(_valid_email(filing.contact_email))
        if requester is None:
            if filed_by is not None and not can(filed_by, "ticket.add_contact"):
                raise NotAllowed(str(_ONLY_FOR_YOURSELF))
            requester, new_contact = _contact(filing.contact_email, filing.contact_name)
    by_address = requester is not None and filing.requester is None
    requester = requester or filed_by
    if requester is None:
        raise TicketError(_("Ange vem ärendet gäller (en användare eller en e-postadress)."))
    filed_by = filed_by or requester
    if filed_by.id == requester.id:
        if school is not None and not can(requester, "ticket.file_own_at", (school, filing.channel)):
            raise TicketError(_("Välj en av dina egna skolor."))
        return requester, filed_by
    if not new_contact and not can(filed_by, "ticket.file_for", requester):
        if not can(filed_by, "ticket.log_call"):
            raise NotAllowed(str(_ONLY_FOR_YOURSELF))
        raise NotAllowed(_("Du kan bara registrera ärenden för personer på dina egna skolor. "
                           "Be Servicedesk registrera det här ärendet."))
    if school is not None and not can(filed_by, "ticket.file_at", school):
        raise NotAllowed(_("Välj en av dina egna skolor."))
    if by_address:  # only once the policy has let this person file for them
        _keep_contact_phone(requester, filing.contact_phone)
    return requester, filed_by


def _keep_contact_phone(contact: User, phone) -> None:
    """A caller entered by e-mail address keeps the number they gave on their account (when it has none), so the
    caller search and the ticket search find them by it however it is typed (`User.phone_digits`)."""
    phone = _one_line(phone)[:40]
    if phone and not contact.phone:
        contact.phone = phone


def _check_choices(filing: Filing, filed_by: User) -> None:
    """Priority, tags and "resolved on the call" are the desk's choices: refused unless the policy allows them."""
    from support.policy.tickets import refused_creation_choices

    refused = refused_creation_choices(filed_by, {"priority": filing.priority, "tags": list(filing.tags) or None})
    if refused:
        raise NotAllowed(str(_STAFF_CHOICES[refused[0]]), field=refused[0])
    if filing.resolved_on_call and not can(filed_by, "ticket.resolve_on_call"):
        raise NotAllowed(str(_NOT_ALLOWED["ticket.change_state"]))


def _user_group(requester: User, school, asked: str | None) -> str | None:
    """The group the requester asks as: the one they chose, if they hold it (at the ticket's school), else a
    guess from their memberships."""
    if not asked:
        return _guess_user_group(requester, school)
    school_id = getattr(school, "id", None)
    if not any(m.group == asked and (school_id is None or m.school_id == school_id) for m in requester.groups):
        raise TicketError(_("Välj en av dina egna skolor och grupper."), field="school")
    return asked


def _filing_notes(filing: Filing, requester: User, filed_by: User) -> str:
    """What the text gains beyond what was typed: the article read before filing (if the requester may read it)
    and the caller's phone number."""
    notes = []
    article = _readable_article(filing.read_article_id, requester)
    if article is not None:
        notes.append(_("(Läste artikeln ”%(title)s” innan ärendet skickades: /kb/artikel/%(id)s)",
                       title=article.title, id=article.id))
    phone = _one_line(filing.contact_phone)[:40]
    if phone:
        notes.append(_("Telefon: %(phone)s", phone=phone))
    return "".join(f"\n\n{note}" for note in notes)


def _link_searches(ticket: Ticket, tokens) -> None:
    """The knowledge-base searches that preceded the ticket ended in it (a failed search for the editors)."""
    from kb import service as kb_service  # at call time: the knowledge base imports no ticket code at import

    if tokens and not isinstance(tokens, str):
        kb_service.link_searches_to_ticket(ticket.id, tokens)


def _note_cited_articles(ticket: Ticket, body: str, author: User) -> None:
    """A public reply by staff on the ticket (who may also write its internal notes) pointing to a
    knowledge-base article: the article answers the searches that ended in this ticket (or in those merged into
    it)."""
    from kb import service as kb_service

    cited = kb_service.cited_articles(body)
    if cited and can(author, "ticket.note", ticket):
        merged = db.session.scalars(select(Ticket.id).where(Ticket.merged_into_id == ticket.id))
        kb_service.note_ticket_answer([ticket.id, *merged], cited, ticket.requester)


def _readable_article(article_id, reader):
    if not isinstance(article_id, str) or not article_id:
        return None
    from kb.models import Article

    article = db.session.get(Article, article_id[:80])
    return article if article is not None and can(reader, "article.read", article) else None


# --- conversation ---------------------------------------------------------------------------------------------

def reply(ticket: Ticket, *, author: User, body: str, internal: bool = False, channel: str = "web",
          attachments=(), body_format: str | None = None, email_message_id: str | None = None,
          set_state: str | None = None, body_html: str | None = None, mail_requesters: bool = True) -> Message:
    """Add a public reply or an internal note. A requester's reply reopens a pending or resolved ticket; a staff
    member's first public reply stops the first-response clock. `set_state` (e.g. "pending", "resolved") lets
    staff answer and change the state in one step. `mail_requesters=False` keeps a public message off the
    requester's mail (a call they were on)."""
    _lock(ticket)
    body = _clean_body(body, what=_("Skriv ett meddelande."))
    if ticket.merged_into_id is not None:
        raise TicketError(_("Ärendet har slagits ihop med #%(number)s. Svara där i stället.",
                            number=ticket.merged_into.number))
    _require(author, "ticket.note" if internal else "ticket.reply", ticket)
    if set_state and set_state != _state_after_reply(ticket, author, internal):
        _require(author, "ticket.change_state", ticket)
    by_requester = _is_requester(ticket, author) and not internal
    if by_requester and ticket.state == "closed":
        raise TicketError(_("Ärendet är stängt. Skicka ett nytt ärende om du behöver mer hjälp."))
    kind = "internal" if internal else "public"
    if not attachments and email_message_id is None:
        repeated = _repeated_message(ticket, author, kind, body)
        if repeated is not None:
            return repeated
    checked = _prepare_files(attachments, ticket)
    now = utcnow()
    message = Message(ticket=ticket, author_id=author.id, kind=kind,
                      channel=channel, body=body,
                      body_format=body_format or ("text" if channel == "email" else "markdown"),
                      body_html=body_html or None, email_message_id=email_message_id, created_at=now)
    db.session.add(message)
    _store_files(ticket, checked, message=message, by=author)
    _append_search_text(ticket, body, public=not internal)
    _flag_personal_numbers(ticket, body)
    _touch(ticket, now)
    _event(ticket, "note" if internal else "reply", by=author)
    if by_requester:
        if ticket.state in ("pending", "resolved"):
            _set_state(ticket, "open", by=author, now=now)
    elif not internal:
        _note_cited_articles(ticket, body, author)
        if ticket.first_response_at is None:
            ticket.first_response_at = now
            sla.refresh_next_due(ticket)
        if ticket.state == "new":
            _set_state(ticket, "open", by=author, now=now)
    if set_state and set_state != ticket.state:
        _set_state(ticket, set_state, by=author, now=now, notify=False)
    db.session.flush()
    resolved_now = set_state == "resolved" and ticket.state == "resolved"
    if not internal and mail_requesters:
        notifications.public_reply(ticket, message, resolved=resolved_now)  # one mail says both
    elif resolved_now:
        notifications.ticket_resolved(ticket, actor=author)
    return message


def log_call_on(ticket: Ticket, *, by: User, summary: str, resolve: bool = False) -> Message:
    """Record a phone call on an existing ticket instead of filing a second one: the summary becomes a public
    message with channel "phone" that the requester reads on the ticket but is not mailed (they were on the line).
    Only staff who work the ticket may (`ticket.log_call`, `ticket.note`); `resolve` marks it solved on the call."""
    _lock(ticket)
    _require(by, "ticket.log_call", ticket)
    _require(by, "ticket.note", ticket)
    summary = _clean_body(summary, what="Skriv en sammanfattning av samtalet.")
    return reply(ticket, author=by, body=summary, channel="phone", set_state="resolved" if resolve else None,
                 mail_requesters=False)


def _state_after_reply(ticket: Ticket, author: User, internal: bool) -> str:
    """The state a reply alone leads to (a requester's reply reopens, staff's first reply opens a new ticket)."""
    if internal:
        return ticket.state
    if _is_requester(ticket, author):
        return "open" if ticket.state in ("pending", "resolved") else ticket.state
    return "open" if ticket.state == "new" else ticket.state


def _repeated_message(ticket: Ticket, author: User, kind: str, body: str) -> Message | None:
    """A double-clicked or re-sent form: the newest message is the same text by the same person, just now."""
    latest = db.session.scalars(
        select(Message).where(Message.ticket_id == ticket.id).order_by(Message.id.desc()).limit(1)).first()
    if (latest is not None and latest.author_id == author.id and latest.kind == kind and latest.body == body
            and utcnow() - latest.created_at < timedelta(seconds=DOUBLE_SUBMIT_SECONDS)):
        return latest
    return None


def add_attachments(ticket: Ticket, files, *, by: User, message: Message | None = None) -> list:
    """Attach files to a ticket (optionally to one of its messages); raises AttachmentError."""
    _lock(ticket)
    _require(by, "ticket.reply", ticket)
    checked = _prepare_files(files, ticket)
    stored = _store_files(ticket, checked, message=message, by=by)
    _touch(ticket)
    return stored


# --- state ----------------------------------------------------------------------------------------------------

def _set_state(ticket: Ticket, state: str, *, by, now=None, notify: bool = True, detail: str = "") -> None:
    if state not in STATES:
        raise TicketError(_("Okänd status."))
    old = ticket.state
    if state == old:
        return
    if state not in ALLOWED_TRANSITIONS[old]:
        from support.tickets.forms import STAFF_STATE_LABELS as labels

        raise TicketError(_("Ett ärende kan inte gå från %(old)s till %(new)s.", old=str(labels[old]).lower(),
                            new=str(labels[state]).lower()))
    now = now or utcnow()
    if old == "pending":
        sla.resume(ticket, now)
    if state == "pending":
        sla.pause(ticket, now)
    if state == "resolved":
        ticket.resolved_at = now
    elif state in ("new", "open", "pending"):
        ticket.resolved_at = None
        ticket.closed_at = None
    if state == "closed":
        ticket.closed_at = now
        ticket.resolved_at = ticket.resolved_at or now
    ticket.state = state
    _touch(ticket, now)
    _event(ticket, "state", by=by, old=old, new=state, detail=detail)
    if notify and state == "resolved":
        db.session.flush()
        notifications.ticket_resolved(ticket, actor=by)


def change_state(ticket: Ticket, state: str, *, by: User) -> Ticket:
    """Staff move a ticket between new → open → pending → resolved → closed (resolving notifies the requester)."""
    _lock(ticket)
    _require(by, "ticket.change_state", ticket)
    _set_state(ticket, state, by=by)
    return ticket


def requester_resolve(ticket: Ticket, *, by: User) -> Ticket:
    """The requester marks their ticket solved."""
    _lock(ticket)
    if ticket.state in ("resolved", "closed"):
        return ticket
    _require(by, "ticket.resolve_own", ticket)
    _set_state(ticket, "resolved", by=by, notify=False, detail="Markerat som löst av frågeställaren")
    return ticket


def reopen(ticket: Ticket, *, by: User) -> Ticket:
    """Reopen a resolved (or auto-closed) ticket within 7 days of its resolution."""
    _lock(ticket)
    _require(by, "ticket.reopen", ticket)
    if not can_reopen(ticket):
        raise TicketError(_("Ärendet kan bara öppnas igen inom %(days)s dagar efter att det löstes. "
                            "Skicka ett nytt ärende i stället.", days=REOPEN_DAYS))
    old = ticket.state
    ticket.state = "open"
    ticket.resolved_at = None
    ticket.closed_at = None
    _touch(ticket)
    _event(ticket, "reopened", by=by, old=old, new="open")
    return ticket


def rate(ticket: Ticket, *, by: User, score: int, comment: str = "") -> Ticket:
    """The requester rates the help on a resolved ticket, 1–5 with an optional comment (can be changed)."""
    _lock(ticket)
    _require(by, "ticket.rate", ticket)
    if ticket.state not in ("resolved", "closed"):
        raise TicketError(_("Du kan betygsätta hjälpen när ärendet är löst."))
    try:
        score = int(score)
    except (TypeError, ValueError):
        score = 0
    if not 1 <= score <= 5:
        raise TicketError(_("Välj ett betyg från 1 till 5."))
    old = ticket.rating_score
    ticket.rating_score = score
    ticket.rating_comment = (comment or "").strip()[:2000]
    ticket.rated_at = utcnow()
    _event(ticket, "rated", by=by, old=old or "", new=score, detail=ticket.rating_comment)
    return ticket


# --- triage -----------------------------------------------------------------------------------------------------

def set_priority(ticket: Ticket, priority: str, *, by: User) -> Ticket:
    """Change the priority; the SLA due times are recomputed from the new targets."""
    _lock(ticket)
    _require(by, "ticket.set_priority", ticket)
    if priority not in PRIORITIES:
        raise TicketError(_("Okänd prioritet."))
    if priority == ticket.priority:
        return ticket
    old = ticket.priority
    ticket.priority = priority
    ticket.priority_rank = PRIORITY_RANK[priority]
    sla.apply_due_times(ticket)
    _touch(ticket)
    _event(ticket, "priority", by=by, old=old, new=priority)
    return ticket


def assign(ticket: Ticket, assignee: User | None, *, by: User) -> Ticket:
    """Give the ticket to someone (or to nobody: back to the queue). The assignee must be able to see it."""
    from support.policy import can

    _lock(ticket)
    _require(by, "ticket.assign", ticket)
    if assignee is not None and not can(assignee, "ticket.assignable", ticket):
        raise TicketError(_("%(name)s kan inte handlägga ärenden i den här kön.", name=assignee.name))
    old = ticket.assignee
    if getattr(old, "id", None) == getattr(assignee, "id", None):
        return ticket
    ticket.assignee = assignee
    ticket.assignee_id = getattr(assignee, "id", None)
    if ticket.state == "new" and assignee is not None:
        _set_state(ticket, "open", by=by)
    _touch(ticket)
    _event(ticket, "assignee", by=by, old=getattr(old, "name", ""), new=getattr(assignee, "name", ""))
    return ticket


def set_tags(ticket: Ticket, tags, *, by: User) -> Ticket:
    """Replace the ticket's tags (lower-case, trimmed, at most 40 characters each)."""
    _lock(ticket)
    _require(by, "ticket.set_tags", ticket)
    wanted = _clean_tags(tags)
    old = ticket.tags
    if wanted == sorted(old):
        return ticket
    ticket.tag_links = [link for link in ticket.tag_links if link.tag in wanted]
    for tag in wanted:
        if tag not in old:
            ticket.tag_links.append(TicketTag(tag=tag))
    _touch(ticket)
    _event(ticket, "tags", by=by, old=", ".join(old), new=", ".join(wanted))
    return ticket


def _clean_tags(tags) -> list[str]:
    if isinstance(tags, str):
        tags = tags.split(",")
    cleaned = {" ".join(str(tag).lower().split())[:40] for tag in tags or ()}
    cleaned.discard("")
    return sorted(cleaned)


def set_school(ticket: Ticket, school, *, by: User) -> Ticket:
    """Tie the ticket to another school (or none). A tier-1 ticket moved to a school without an active superuser
    goes to tier 2."""
    _lock(ticket)
    _require(by, "ticket.set_school", ticket)
    if getattr(ticket.school, "id", None) == getattr(school, "id", None):
        return ticket
    old = ticket.school
    ticket.school = school
    ticket.school_id = getattr(school, "id", None)
    if school is not None and ticket.school_form and ticket.school_form not in school.school_forms:
        ticket.school_form = None
    _touch(ticket)
    _event(ticket, "school", by=by, old=getattr(old, "name", ""), new=getattr(school, "name", ""))
    if ticket.tier == 1 and not routing.has_active_superuser(ticket.school_id):
        _change_tier(ticket, 2, by=by, reason="Skolan saknar aktiv superanvändare", kind="tier")
    return ticket


def _change_tier(ticket: Ticket, tier: int, *, by, reason: str, kind: str) -> None:
    old = ticket.tier
    ticket.tier = tier
    ticket.assignee = None
    ticket.assignee_id = None
    if ticket.state in ("resolved", "closed"):
        _set_state(ticket, "open", by=by)
    _touch(ticket)
    _event(ticket, kind, by=by, old=old, new=tier, detail=reason)


def escalate(ticket: Ticket, *, by: User, reason: str) -> Ticket:
    """Move the ticket up one tier (1 → 2 → 3). A reason is required; the new queue is notified and the ticket
    keeps its number and history. The superuser who escalates keeps seeing it."""
    _lock(ticket)
    _require(by, "ticket.escalate", ticket)
    reason = (reason or "").strip()
    if not reason:
        raise TicketError(_("Ange varför ärendet eskaleras."))
    if ticket.tier >= 3:
        raise TicketError(_("Ärendet ligger redan på högsta nivån."))
    from_tier, from_school_id = ticket.tier, ticket.school_id
    _change_tier(ticket, ticket.tier + 1, by=by, reason=reason, kind="escalated")
    db.session.flush()
    notifications.ticket_moved(ticket, actor=by, reason=reason, from_tier=from_tier, from_school_id=from_school_id)
    return ticket


def deescalate(ticket: Ticket, *, by: User, school=None, reason: str) -> Ticket:
    """Send the ticket back down to tier 1 at `school` (default: its own). The school needs an active
    superuser. A reason is required; the school's queue is notified."""
    _lock(ticket)
    _require(by, "ticket.deescalate", ticket)
    reason = (reason or "").strip()
    if not reason:
        raise TicketError(_("Ange varför ärendet skickas tillbaka."))
    school = school or ticket.school
    if school is None:
        raise TicketError(_("Välj vilken skola ärendet ska till."))
    if not routing.has_active_superuser(school.id):
        raise TicketError(_("%(school)s har ingen aktiv superanvändare. Ärendet kan inte skickas dit.",
                            school=school.name))
    if ticket.tier == 1 and ticket.school_id == school.id:
        raise TicketError(_("Ärendet ligger redan hos skolans superanvändare."))
    from_tier, from_school_id = ticket.tier, ticket.school_id
    if ticket.school_id != school.id:
        old_school = ticket.school
        ticket.school = school
        ticket.school_id = school.id
        _event(ticket, "school", by=by, old=getattr(old_school, "name", ""), new=school.name)
    _change_tier(ticket, 1, by=by, reason=reason, kind="deescalated")
    db.session.flush()
    notifications.ticket_moved(ticket, actor=by, reason=reason, from_tier=from_tier, from_school_id=from_school_id)
    return ticket


def move_to_tier(ticket: Ticket, tier: int, *, by: User, reason: str, school=None) -> Ticket:
    """Put the ticket at any tier: up goes through escalate, down to 1 through deescalate, 3 → 2 directly."""
    if tier == ticket.tier and (tier != 1 or school is None or school.id == ticket.school_id):
        return ticket
    if tier == 1:
        return deescalate(ticket, by=by, school=school, reason=reason)
    if tier == ticket.tier + 1:
        return escalate(ticket, by=by, reason=reason)
    _lock(ticket)
    _require(by, "ticket.escalate" if tier > ticket.tier else "ticket.deescalate", ticket)
    if tier not in (2, 3):
        raise TicketError(_("Nivån måste vara 1, 2 eller 3."))
    reason = (reason or "").strip()
    if not reason:
        raise TicketError(_("Ange varför ärendet flyttas."))
    from_tier, from_school_id = ticket.tier, ticket.school_id
    _change_tier(ticket, tier, by=by, reason=reason, kind="escalated" if tier > ticket.tier else "deescalated")
    db.session.flush()
    notifications.ticket_moved(ticket, actor=by, reason=reason, from_tier=from_tier, from_school_id=from_school_id)
    return ticket


def merge(source: Ticket, *, into: Ticket, by: User) -> Ticket:
    """Merge `source` into `into`: messages and attachments move over (marked with the old number), and `source`
    is closed and points to `into`. Returns `into`.

    Only tickets with the same requesters merge: each requester would otherwise read the other's conversation.
    Both rows are locked (in id order, so two crossed merges cannot deadlock) before anything is checked, and
    neither may already be merged, so a merge chain is never longer than one step and never a cycle."""
    if source.id == into.id:
        raise TicketError(_("Ett ärende kan inte slås ihop med sig självt."))
    first, second = sorted((source, into), key=lambda t: t.id)
    _lock(first)
    _lock(second)
    if source.merged_into_id is not None:
        raise TicketError(_("#%(number)s är redan ihopslaget med ett annat ärende.", number=source.number))
    if into.merged_into_id is not None:
        raise TicketError(_("#%(number)s är ihopslaget med ett annat ärende; välj det i stället.",
                            number=into.number))
    _require(by, "ticket.merge", source)
    _require(by, "ticket.merge", into)
    if _requesters(source) != _requesters(into):
        raise TicketError(_("#%(source)s och #%(into)s har olika frågeställare och kan inte slås ihop: var och en "
                            "skulle då kunna läsa den andras konversation. Svara i vart ärende för sig.",
                            source=source.number, into=into.number))
    for message in list(source.messages):
        message.ticket = into
        message.merged_from_number = message.merged_from_number or source.number
    for attachment in list(source.attachments):
        attachment.ticket = into
    for tag in source.tags:
        if tag not in into.tags:
            into.tag_links.append(TicketTag(tag=tag))
    into.search_text = _joined(into.search_text, source.search_text or "")
    into.public_search_text = _joined(into.public_search_text, source.public_search_text or "")
    if "personnummer" in (source.flags or []):
        into.flags = sorted({*(into.flags or []), "personnummer"})
    now = utcnow()
    old_state = source.state
    source.merged_into = into
    source.merged_into_id = into.id
    source.state = "closed"
    source.closed_at = now
    source.resolved_at = source.resolved_at or now
    source.pending_since = None
    _touch(source, now)
    _touch(into, now)
    _event(source, "merged_into", by=by, old=old_state, new=f"#{into.number}")
    _event(into, "merged", by=by, new=f"#{source.number}", detail=source.subject)
    db.session.flush()
    db.session.expire(into, ["messages", "attachments"])
    db.session.expire(source, ["messages", "attachments"])
    notifications.ticket_merged(source, into, actor=by)
    return into


def add_participant(ticket: Ticket, person: User, *, by: User | None = None) -> bool:
    """Let someone follow the ticket as a requester does (an address CC'd on the e-mail): they read it and get
    its public replies. False when they already follow it."""
    if person.id == ticket.requester_id or any(link.user_id == person.id for link in ticket.participant_links):
        return False
    ticket.participant_links.append(TicketParticipant(user_id=person.id))
    _event(ticket, "participant", by=by, new=person.email)
    return True


# --- the worker's jobs ----------------------------------------------------------------------------------------

JOB_BATCH = 500


def mark_breaches(now=None) -> int:
    """Flag tickets that have passed a due time (not while waiting for the requester) and tell their queue, once
    per target; returns how many targets were marked. Rows another worker holds are skipped."""
    from sqlalchemy import or_

    now = now or utcnow()
    marked = 0
    rows = db.session.scalars(
        select(Ticket).where(
            Ticket.state.in_(("new", "open")),
            or_(
                (Ticket.first_response_at.is_(None)) & (Ticket.first_response_due <= now)
                & Ticket.first_response_breached.is_(False),
                (Ticket.resolution_due <= now) & Ticket.resolution_breached.is_(False),
            ),
        ).order_by(Ticket.id).limit(JOB_BATCH).with_for_update(skip_locked=True, of=Ticket)
    ).all()
    for ticket in rows:
        if ticket.first_response_at is None and ticket.first_response_due <= now \
                and not ticket.first_response_breached:
            ticket.first_response_breached = True
            _event(ticket, "sla_breach", new="first_response")
            notifications.sla_breached(ticket, "first_response")
            marked += 1
        if ticket.resolution_due <= now and not ticket.resolution_breached:
            ticket.resolution_breached = True
            _event(ticket, "sla_breach", new="resolution")
            notifications.sla_breached(ticket, "resolution")
            marked += 1
    return marked


def close_resolved(now=None) -> int:
    """Close resolved tickets AUTO_CLOSE_DAYS after their resolution; returns how many were closed."""
    now = now or utcnow()
    rows = db.session.scalars(
        select(Ticket).where(Ticket.state == "resolved", Ticket.resolved_at <= now - timedelta(days=AUTO_CLOSE_DAYS))
        .order_by(Ticket.id).limit(JOB_BATCH).with_for_update(skip_locked=True, of=Ticket)
    ).all()
    for ticket in rows:
        ticket.state = "closed"
        ticket.closed_at = now
        _event(ticket, "auto_closed", old="resolved", new="closed")
    return len(rows)


def forget_presence(now=None) -> int:
    """Remove "viewing/replying" heartbeats older than an hour; returns how many."""
    from sqlalchemy import delete

    result = db.session.execute(delete(TicketPresence).where(
        TicketPresence.last_seen_at < (now or utcnow()) - timedelta(hours=1)))
    return result.rowcount or 0


# --- presence ---------------------------------------------------------------------------------------------------

def note_viewing(ticket: Ticket, user: User, *, replying: bool = False) -> None:
    """A heartbeat from someone who has the ticket open (`replying=True` while they type a reply)."""
    row = db.session.scalar(select(TicketPresence).where(
        TicketPresence.ticket_id == ticket.id, TicketPresence.user_id == user.id))
    if row is None:
        row = TicketPresence(ticket_id=ticket.id, user_id=user.id)
        try:
            with db.session.begin_nested():
                db.session.add(row)
                db.session.flush()
        except IntegrityError:
            row = db.session.scalar(select(TicketPresence).where(
                TicketPresence.ticket_id == ticket.id, TicketPresence.user_id == user.id))
    row.replying = replying
    row.last_seen_at = utcnow()


def active_repliers(ticket: Ticket, *, excluding: User | None = None, replying_only: bool = True) -> list[User]:
    """Other people replying to (or, with replying_only=False, looking at) the ticket right now."""
    since = utcnow() - timedelta(seconds=PRESENCE_SECONDS)
    query = select(TicketPresence).where(TicketPresence.ticket_id == ticket.id,
                                         TicketPresence.last_seen_at >= since)
    if replying_only:
        query = query.where(TicketPresence.replying.is_(True))
    if excluding is not None:
        query = query.where(TicketPresence.user_id != excluding.id)
    return [row.user for row in db.session.scalars(query)]


def stop_viewing(ticket: Ticket, user: User) -> None:
    row = db.session.scalar(select(TicketPresence).where(
        TicketPresence.ticket_id == ticket.id, TicketPresence.user_id == user.id))
    if row is not None:
        db.session.delete(row)


# --- lists for pages ---------------------------------------------------------------------------------------------

def requester_other_tickets(ticket: Ticket, viewer, limit: int = 10) -> list[Ticket]:
    """The requester's other tickets that `viewer` may see, newest first (for the ticket page's side panel)."""
    from support.policy.tickets import visible_tickets

    return list(db.session.scalars(
        select(Ticket).where(Ticket.requester_id == ticket.requester_id, Ticket.id != ticket.id,
                             visible_tickets(viewer))
        .order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(limit)))


def visible_messages(ticket: Ticket, viewer) -> list[Message]:
    """The messages `viewer` may read: everything for staff who may see internal notes, public ones otherwise."""
    from support.policy import can

    if can(viewer, "ticket.view_internal", ticket):
        return list(ticket.messages)
    return [m for m in ticket.messages if m.kind == "public"]


def visible_attachments(ticket: Ticket, viewer) -> list:
    from support.policy import can

    internal_ok = can(viewer, "ticket.view_internal", ticket)
    return [a for a in ticket.attachments
            if internal_ok or a.message is None or a.message.kind == "public"]


def staff_name_for(person, ticket: Ticket, viewer) -> str:
    """How a staff member's name is shown to `viewer`: requesters see "Servicedesk" (or "Superanvändare") instead
    of the person's name when SUPPORT_HIDE_STAFF_NAMES is on; staff always see names."""
    from flask import current_app

    from support.policy.tickets import desk_of, shows_staff_name

    if person is None:
        return ""
    if shows_staff_name(viewer, ticket, person, names_hidden=bool(current_app.config.get("HIDE_STAFF_NAMES"))):
        return person.name
    return "Superanvändare" if desk_of(person) == "superuser" else "Servicedesk"


def history(ticket: Ticket) -> list[TicketEvent]:
    return list(ticket.events)

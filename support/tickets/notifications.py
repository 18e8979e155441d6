"""E-mail about tickets, written to the outbox in the caller's transaction.

Every mail carries `[#1234]` in the subject and threads on the ticket's `thread_message_id` (the Message-ID of the
requester's receipt) through In-Reply-To/References, so replies can be mapped back to the ticket (see
`service.ticket_for_message_ids`). Texts live in templates/mail/tickets/.

Users may turn off the categories in OPTIONAL_CATEGORIES (the profile page renders the toggles from
`preferences_for(user)`); the public replies to a requester and merge notices are essential and always sent.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta

from flask import current_app, render_template
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from support.accounts.models import User
from support.database import utcnow
from support.extensions import db
from support.i18n import in_language_of
from support.outbox.models import OutgoingMail
from support.outbox.service import enqueue_mail, support_address
from support.policy.tickets import desk_of, is_ticket_staff, queue_members_filter
from support.tickets.models import NotificationPreference, Ticket
from support.tickets.routing import queue_label, school_superusers
from support.tickets.sla import describe_minutes, targets
from support.vocabulary import PRIORITY_LABELS

log = logging.getLogger(__name__)

REQUESTER_CATEGORIES = {
    "requester_created": _l("Kvitto när jag har skickat ett ärende"),
    "requester_resolved": _l("Besked när mitt ärende är löst (med länk för att betygsätta hjälpen)"),
}
STAFF_CATEGORIES = {
    "queue_new": _l("Nya ärenden i mina köer"),
    "queue_escalated": _l("Ärenden som eskaleras till mina köer"),
    "assignee_reply": _l("Svar från frågeställaren på ärenden jag handlägger"),
    "sla_breach": _l("Ärenden i mina köer som har passerat sin SLA-tid"),
    # Mail from the superuser network's space (support/network/space.py); only its members write there.
    "network_reply": _l("Nya svar på frågor i nätverket där jag har skrivit"),
}
OPTIONAL_CATEGORIES = {**REQUESTER_CATEGORIES, **STAFF_CATEGORIES}
ESSENTIAL_CATEGORIES = ("requester_reply", "requester_merged", "requester_moved")


# --- preferences -----------------------------------------------------------------------------------------------

def wants(user, category: str) -> bool:
    """Does `user` want mail of `category`? Essential categories are always on."""
    if user is None or not user.active or not user.email:
        return False
    if category not in OPTIONAL_CATEGORIES:
        return True
    row = db.session.scalar(select(NotificationPreference).where(
        NotificationPreference.user_id == user.id, NotificationPreference.category == category))
    return row is None or row.enabled


def set_preference(user, category: str, enabled: bool) -> None:
    """Turn one optional category on or off for `user` (caller commits)."""
    if category not in OPTIONAL_CATEGORIES:
        raise ValueError(f"{category} cannot be turned off")
    row = db.session.scalar(select(NotificationPreference).where(
        NotificationPreference.user_id == user.id, NotificationPreference.category == category))
    if row is None:
        row = NotificationPreference(user_id=user.id, category=category)
        db.session.add(row)
    row.enabled = bool(enabled)


def preferences_for(user) -> list[tuple[str, str, bool]]:
    """[(category, Swedish label, enabled)] of the categories relevant to `user` (staff ones only for staff)."""
    categories = dict(REQUESTER_CATEGORIES)
    if is_ticket_staff(user):
        categories.update(STAFF_CATEGORIES)
    stored = {row.category: row.enabled for row in db.session.scalars(
        select(NotificationPreference).where(NotificationPreference.user_id == user.id))}
    return [(key, label, stored.get(key, True)) for key, label in categories.items()]


# --- recipients ------------------------------------------------------------------------------------------------

def queue_members(ticket) -> list[User]:
    """Who works the ticket's queue: the school's superusers at tier 1, the agents at tiers 2 and 3."""
    if ticket.tier == 1:
        return school_superusers(ticket.school_id)
    return list(db.session.scalars(
        select(User).where(queue_members_filter(ticket.tier, ticket.school_id)).order_by(User.name)))


def requesters(ticket) -> list[User]:
    people = [ticket.requester, *ticket.participants]
    return list({person.id: person for person in people if person is not None}.values())


# --- sending ---------------------------------------------------------------------------------------------------

def ticket_url(ticket, anchor: str = "") -> str:
    return f"{current_app.config['PUBLIC_URL'].rstrip('/')}/arenden/{ticket.number}{anchor}"


def _send(ticket, people, category: str, template: str, subject, *, exclude=None, first: bool = False,
          sender=None, **context) -> int:
    """Queue `template` for each person who wants `category`, written in that person's language: `subject` is a
    lazy text with %(subject)s for the ticket's subject, and `context` values that are callables are computed
    per recipient inside their language. `sender` (the person who wrote a reply) names the mail's From."""
    sent = 0
    excluded = getattr(exclude, "id", None)
    for person in people:
        if person is None or person.id == excluded or not wants(person, category):
            continue
        with in_language_of(person):
            values = {name: value() if callable(value) else value for name, value in context.items()}
            body = render_template(f"mail/tickets/{template}.txt", ticket=ticket, recipient=person,
                                   url=ticket_url(ticket),
                                   priority_label=PRIORITY_LABELS[ticket.priority], **values)
            title = str(subject) % {"subject": ticket.subject, "number": ticket.number, **values}
            from_name = from_name_for(sender, ticket) if sender is not None else None
        headers = {"Reply-To": support_address(), "X-Ticket-Number": str(ticket.number),
                   "Auto-Submitted": "auto-replied"}
        message_id = None
        if first and sent == 0:
            message_id = ticket.thread_message_id  # the first mail starts the thread
        else:
            headers["In-Reply-To"] = ticket.thread_message_id
            headers["References"] = ticket.thread_message_id
        enqueue_mail(person.email, f"[#{ticket.number}] {title}", body, category=f"ticket_{category}",
                     ticket_id=ticket.id, headers=headers, message_id=message_id, from_name=from_name)
        sent += 1
    return sent


def receipts_allowed(person) -> bool:
    """Fewer than AUTO_REPLIES_PER_ADDRESS receipts to this person within the window: a mail loop with an
    auto-responder that our header checks miss stops there."""
    if person is None:
        return False
    config = current_app.config
    since = utcnow() - timedelta(minutes=int(config["AUTO_REPLY_WINDOW_MINUTES"]))
    sent = db.session.scalar(
        select(func.count(OutgoingMail.id)).join(Ticket, Ticket.id == OutgoingMail.ticket_id)
        .where(OutgoingMail.category == "ticket_requester_created", Ticket.requester_id == person.id,
               OutgoingMail.created_at >= since))
    return sent < int(config["AUTO_REPLIES_PER_ADDRESS"])


def ticket_created(ticket, *, actor=None) -> None:
    """The requester's receipt (number, expected response time) and the queue's notice."""
    first_minutes = targets()[ticket.priority][0]
    if ticket.channel != "email" or receipts_allowed(ticket.requester):
        _send(ticket, [ticket.requester], "requester_created", "created",
              _l("Vi har tagit emot ditt ärende: %(subject)s"), first=True,
              expected=lambda: describe_minutes(first_minutes))
    else:
        log.warning("no receipt for ticket %s: its requester had the most automatic answers allowed", ticket.number)
    _send(ticket, queue_members(ticket), "queue_new", "queue_new", _l("Nytt ärende: %(subject)s"), exclude=actor)


def public_reply(ticket, message, *, resolved: bool = False) -> None:
    """A public reply from staff goes to the requester(s); a requester's reply goes to the assignee. `resolved`:
    the reply also resolved the ticket, and the requester gets one mail saying both (with the rating link)."""
    author = message.author
    if author is not None and any(author.id == person.id for person in requesters(ticket)):
        if ticket.assignee is not None:
            _send(ticket, [ticket.assignee], "assignee_reply", "assignee_reply",
                  _l("Nytt svar från frågeställaren: %(subject)s"), exclude=author, message=message)
        return
    subject = _l("Svar på ditt ärende (löst): %(subject)s") if resolved else _l("Svar på ditt ärende: %(subject)s")
    _send(ticket, requesters(ticket), "requester_reply", "reply", subject, exclude=author, message=message,
          greets=opens_with_greeting(message.body), signature=lambda: signature(author, ticket), sender=author,
          resolved=resolved, rating_url=ticket_url(ticket, "#betyg"))


# "Hej Erik! … Hej Erik!": a reply (or canned response) that greets already gets no second greeting from the mail.
_GREETING = re.compile(r"^\s*(hej|hejsan|hallå|god (morgon|dag|kväll)|hi|hello|dear|good (morning|afternoon))\b",
                       re.IGNORECASE)


def opens_with_greeting(text: str) -> bool:
    return bool(_GREETING.match(text or ""))


def ticket_resolved(ticket, *, actor=None) -> None:
    """Tell the requester(s) the ticket is resolved. A reply to them still waiting in the outbox from the last
    minute says it instead (one mail, not a reply and a "löst" in the same second)."""
    for person in requesters(ticket):
        if person.id == getattr(actor, "id", None) or not wants(person, "requester_resolved"):
            continue
        if _fold_into_waiting_reply(ticket, person):
            continue
        _send(ticket, [person], "requester_resolved", "resolved", _l("Ditt ärende är löst: %(subject)s"),
              exclude=actor, rating_url=ticket_url(ticket, "#betyg"))


FOLD_SECONDS = 60


def _fold_into_waiting_reply(ticket, person) -> bool:
    """Rewrite `person`'s unsent reply mail of the last minute as "reply + resolved"; False when there is none
    (or the worker took it already: the update only touches a row still pending)."""
    from sqlalchemy import update

    from support.tickets.models import Message

    since = utcnow() - timedelta(seconds=FOLD_SECONDS)
    waiting = db.session.scalars(
        select(OutgoingMail).where(OutgoingMail.ticket_id == ticket.id, OutgoingMail.state == "pending",
                                   OutgoingMail.category == "ticket_requester_reply",
                                   OutgoingMail.created_at >= since)
        .order_by(OutgoingMail.id.desc())).all()
    mail = next((row for row in waiting if row.to_addrs == [person.email]), None)
    if mail is None:
        return False
    message = db.session.scalars(
        select(Message).where(Message.ticket_id == ticket.id, Message.kind == "public")
        .order_by(Message.id.desc()).limit(1)).first()
    if message is None:
        return False
    with in_language_of(person):
        body = render_template("mail/tickets/reply.txt", ticket=ticket, recipient=person, url=ticket_url(ticket),
                               message=message, greets=opens_with_greeting(message.body),
                               signature=signature(message.author, ticket), resolved=True,
                               rating_url=ticket_url(ticket, "#betyg"))
        title = str(_l("Svar på ditt ärende (löst): %(subject)s")) % {"subject": ticket.subject}
    changed = db.session.execute(
        update(OutgoingMail).where(OutgoingMail.id == mail.id, OutgoingMail.state == "pending")
        .values(body_text=body, subject=f"[#{ticket.number}] {title}").execution_options(synchronize_session=False))
    if changed.rowcount != 1:
        return False
    db.session.expire(mail)
    return True


def ticket_escalated(ticket, *, actor=None, reason: str = "") -> None:
    _send(ticket, queue_members(ticket), "queue_escalated", "escalated", _l("Eskalerat ärende: %(subject)s"),
          exclude=actor, reason=reason)


def _answering_school(author, ticket) -> str | None:
    """The school a superuser answered for (its name, "" when the ticket has none); None when the service desk
    answered, or nobody: they speak as the desk."""
    if author is None or desk_of(author) != "superuser":
        return None
    return ticket.school.name if ticket.school is not None else ""


def signature(author, ticket) -> str:
    """Who signs a reply in the requester's mail: the person, or "Superanvändarna på <skola>" when staff names
    are hidden; the service desk signs as itself. In the current (the recipient's) language."""
    school = _answering_school(author, ticket)
    if school is None:
        return current_app.config["MAIL_FROM_NAME"]
    if current_app.config.get("HIDE_STAFF_NAMES"):
        return gettext("Superanvändarna på %(school)s", school=school) if school else gettext("Superanvändarna")
    return (author.name + "\n" + gettext("Superanvändare på %(school)s", school=school)) if school else author.name


def from_name_for(author, ticket) -> str:
    """The From name of a reply: "Karin Lind (Ekbackaskolan)" when a superuser answered and names are shown,
    "Superanvändarna på Ekbackaskolan" when they are hidden, else the service desk."""
    school = _answering_school(author, ticket)
    if school is None:
        return current_app.config["MAIL_FROM_NAME"]
    if current_app.config.get("HIDE_STAFF_NAMES"):
        return gettext("Superanvändarna på %(school)s", school=school) if school else current_app.config["MAIL_FROM_NAME"]
    return f"{author.name} ({school})" if school else author.name


def ticket_moved(ticket, *, actor=None, reason: str = "", from_tier: int, from_school_id: int | None) -> None:
    """The new queue learns why the ticket came; the requester learns who has it now when it leaves their
    school's superusers (to the service desk, system management or another school). The reason is for staff."""
    ticket_escalated(ticket, actor=actor, reason=reason)
    left_school = from_tier == 1 and (ticket.tier != 1 or ticket.school_id != from_school_id)
    if left_school:
        _send(ticket, requesters(ticket), "requester_moved", "moved",
              _l("Ditt ärende har skickats vidare till %(queue)s"), exclude=actor,
              queue=lambda: str(queue_label(ticket)))




def ticket_merged(source, into, *, actor=None) -> None:
    _send(source, requesters(source), "requester_merged", "merged",
          _l("Ditt ärende har slagits ihop med ett annat: %(subject)s"), exclude=actor, into=into,
          into_url=ticket_url(into))


def sla_breached(ticket, which: str) -> None:
    subject = (_l("SLA-tiden för första svar har passerats: %(subject)s") if which == "first_response"
               else _l("SLA-tiden för lösning har passerats: %(subject)s"))
    _send(ticket, queue_members(ticket) if ticket.assignee is None else [ticket.assignee], "sla_breach",
          "sla_breach", subject, which=which)

"""Announcements (driftinformation): publishing, changing and ending incident and change notices, who they
concern, the tickets linked to an incident, and the mail to the affected superusers.

Reading is cheap: the announcements that are not over yet are few, so each process keeps them as plain snapshots
and reloads only when they changed (a commit in this process that changed one clears the copy at once; other
processes compare a stamp at most every `ANNOUNCEMENT_CACHE_SECONDS`). Who an announcement concerns is then
matched in Python per request; the read paths never write. Service functions never commit; the caller does.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, has_app_context, render_template
from flask_babel import gettext
from sqlalchemy import event, exists, func, or_, select, true
from sqlalchemy.orm import Session

from kb.render import render_markdown
from support.accounts.models import RoleAssignment, User
from support.database import utcnow
from support.extensions import db
from support.i18n import in_language_of
from support.network.announcement_forms import KIND_LABELS
from support.network.announcement_models import (
    AUDIENCES,
    KINDS,
    SEVERITIES,
    Announcement,
    AnnouncementEvent,
    AnnouncementTicket,
)
from support.network.models import STOCKHOLM, Appointment, Rollout
from support.network.rollout import WAVE_MAX
from support.orgs.models import SCHOOL_FORMS, Administration, School, SchoolFormLink
from support.policy import can
from support.policy.actors import roles_of
from support.policy.announcements import reads_internal
from support.tickets.models import ACTIVE_STATES, SYSTEMS, Ticket

log = logging.getLogger(__name__)

RECENT_DAYS = 30  # the status page's "recently over"
FEED_SIZE = 50
SEVERITY_RANK = {severity: rank for rank, severity in enumerate(SEVERITIES)}
TARGET_FIELDS = ("audiences", "school_forms", "administration_ids", "school_ids", "systems", "waves")
WAVES_MAX = 50
_CHANGED = "announcements_changed"


class AnnouncementError(ValueError):
    """Input the person can fix, or an action they may not take; the message is shown to them."""


# --- snapshots and the per-process copy ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Notice:
    """An announcement as the read paths use it: a plain copy that outlives its database session."""

    id: int
    kind: str
    title: str
    body_html: str
    severity: str
    starts_at: datetime
    ends_at: datetime | None
    internal: bool
    audiences: tuple
    school_forms: tuple
    administration_ids: tuple
    school_ids: tuple
    systems: tuple
    updated_at: datetime
    waves: tuple = ()
    resolved_at: datetime | None = None
    resolution_note: str = ""

    @classmethod
    def of(cls, row: Announcement) -> Notice:
        return cls(id=row.id, kind=row.kind, title=row.title, body_html=row.body_html, severity=row.severity,
                   starts_at=row.starts_at, ends_at=row.ends_at, internal=row.internal,
                   audiences=tuple(row.audiences or ()), school_forms=tuple(row.school_forms or ()),
                   administration_ids=tuple(row.administration_ids or ()), school_ids=tuple(row.school_ids or ()),
                   systems=tuple(row.systems or ()), waves=tuple(row.waves or ()), updated_at=row.updated_at,
                   resolved_at=row.resolved_at,
                   resolution_note=row.resolution_note or "")

    def is_active(self, now: datetime) -> bool:
        return (self.resolved_at is None and self.starts_at <= now
                and (self.ends_at is None or now < self.ends_at))

    def is_upcoming(self, now: datetime) -> bool:
        return self.resolved_at is None and self.starts_at > now

    @property
    def places_everyone(self) -> bool:
        """Aimed at no particular school, school form, administration or rollout wave."""
        return not (self.school_forms or self.administration_ids or self.school_ids or self.waves)


class _Copy:
    def __init__(self):
        self.lock = threading.Lock()
        self.stamp = None
        self.checked_at = 0.0
        self.notices: list[Notice] | None = None


def _copy() -> _Copy:
    return current_app.extensions.setdefault("announcement_copy", _Copy())


def _stamp():
    count, latest = db.session.execute(
        select(func.count(Announcement.id), func.max(Announcement.updated_at))).one()
    return count, latest


def current_notices() -> list[Notice]:
    """Every announcement that is not over (active now or still to come), from this process's copy."""
    copy = _copy()
    interval = float(current_app.config.get("ANNOUNCEMENT_CACHE_SECONDS", 10))
    with copy.lock:
        if copy.notices is not None and time.monotonic() - copy.checked_at < interval:
            return copy.notices
    stamp = _stamp()
    with copy.lock:
        if copy.notices is not None and stamp == copy.stamp:
            copy.checked_at = time.monotonic()
            return copy.notices
    now = utcnow()
    rows = db.session.scalars(select(Announcement).where(
        Announcement.resolved_at.is_(None),
        or_(Announcement.ends_at.is_(None), Announcement.ends_at > now)).order_by(Announcement.starts_at))
    notices = [Notice.of(row) for row in rows]
    with copy.lock:
        copy.notices, copy.stamp, copy.checked_at = notices, stamp, time.monotonic()
    return notices


def forget_copy() -> None:
    """Drop this process's copy (after a change is committed)."""
    current_app.extensions.pop("announcement_copy", None)


@event.listens_for(Session, "after_commit")
def _forget_after_a_change(session) -> None:
    if session.info.pop(_CHANGED, False) and has_app_context():
        forget_copy()


def _changed() -> None:
    db.session.info[_CHANGED] = True


# --- whom an announcement concerns -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Place:
    """One way a person belongs somewhere: as `audience` (a user group or "superuser") at a school, or nowhere;
    `waves` are the rollout waves the school has a go-live in."""

    audience: str | None
    school_id: int | None = None
    administration_id: int | None = None
    school_forms: frozenset = frozenset()
    waves: frozenset = frozenset()


@dataclass(frozen=True)
class Reader:
    places: tuple
    sees_everything: bool = False  # the service desk: every announcement concerns them
    reads_internal: bool = False


def reader_for(user, chosen_group: str | None = None, *, with_waves: bool = True) -> Reader:
    """Who is reading: a signed-in person by their groups and schools; an anonymous visitor by the group they
    chose on the page (or none). `with_waves=False` skips looking up the schools' rollout waves, for a caller
    that knows no announcement in question targets a wave."""
    if not getattr(user, "is_authenticated", False):
        audience = chosen_group if chosen_group in AUDIENCES else None
        return Reader(places=(Place(audience),))
    roles = roles_of(user)
    memberships = [(m.group, m.school) for m in user.groups]
    memberships += [("superuser", r.school) for r in user.roles if r.active and r.role == "superuser"]
    waves = _waves_of({school.id for _group, school in memberships if school is not None}) if with_waves else {}
    places = [_place(audience, school, waves) for audience, school in memberships]
    return Reader(places=tuple(places) or (Place(None),), sees_everything=bool(roles & {"agent", "admin"}),
                  reads_internal=reads_internal(user))


def _waves_of(school_ids: set[int]) -> dict[int, frozenset]:
    """School id → the names of the rollout waves it has a go-live in (one query)."""
    if not school_ids:
        return {}
    found = defaultdict(set)
    for school_id, wave in db.session.execute(select(Rollout.school_id, Rollout.wave).where(
            Rollout.school_id.in_(school_ids), Rollout.wave != "")):
        found[school_id].add(wave)
    return {school_id: frozenset(waves) for school_id, waves in found.items()}


def _place(audience: str, school: School | None, waves: dict[int, frozenset]) -> Place:
    if school is None:
        return Place(audience)
    return Place(audience, school.id, school.administration_id, frozenset(school.school_forms),
                 waves.get(school.id, frozenset()))


def concerns(notice: Notice, reader: Reader) -> bool:
    """Is `notice` for this reader? Each target that is set must hold for one and the same place."""
    if notice.internal and not reader.reads_internal:
        return False
    if reader.sees_everything:
        return True
    for place in reader.places:
        if notice.audiences and place.audience not in notice.audiences:
            continue
        if notice.places_everyone:
            return True
        if place.school_id is None:
            continue
        if notice.school_ids and place.school_id not in notice.school_ids:
            continue
        if notice.administration_ids and place.administration_id not in notice.administration_ids:
            continue
        if notice.school_forms and not place.school_forms & set(notice.school_forms):
            continue
        if notice.waves and not place.waves & set(notice.waves):
            continue
        return True
    return False


def _by_weight(notices) -> list[Notice]:
    return sorted(notices, key=lambda n: (n.kind != "incident", -SEVERITY_RANK.get(n.severity, 0), n.starts_at))


def banner_for(user, chosen_group: str | None = None, now: datetime | None = None) -> list[Notice]:
    """The active announcements that concern this reader, incidents and the most severe first."""
    now = now or utcnow()
    active = [notice for notice in current_notices() if notice.is_active(now)]
    if not active:
        return []
    reader = reader_for(user, chosen_group, with_waves=any(notice.waves for notice in active))
    return _by_weight(notice for notice in active if concerns(notice, reader))


def is_about_system(notice: Notice, system: str | None) -> bool:
    """Whether a notice may be about `system`: one that names no system is about them all, and with no system chosen
    yet every notice may be. static/js/tickets.js applies the same rule on the new-ticket form."""
    return not system or not notice.systems or system in notice.systems


def incidents_for_ticket_form(user) -> list[Notice]:
    """Active incidents that concern this person, for the new-ticket form (which shows those `is_about_system`)."""
    return [notice for notice in banner_for(user) if notice.kind == "incident"]


# --- the status page and the feed ---------------------------------------------------------------------------------

def visible_filter(user):
    """An SQL condition: the announcements `user` may read (the SQL form of `announcement.view`)."""
    return true() if reads_internal(user) else Announcement.internal.is_(False)


def status_page(user, now: datetime | None = None) -> dict:
    """The status page: what is going on now, what is planned, and what was over within RECENT_DAYS."""
    now = now or utcnow()
    readable = [n for n in current_notices() if can(user, "announcement.view", n)]
    since = now - timedelta(days=RECENT_DAYS)
    past = list(db.session.scalars(select(Announcement).where(
        visible_filter(user),
        or_(Announcement.resolved_at >= since, (Announcement.ends_at >= since) & (Announcement.ends_at <= now)),
    ).order_by(func.coalesce(Announcement.resolved_at, Announcement.ends_at).desc()).limit(FEED_SIZE)))
    return {"current": _by_weight(n for n in readable if n.is_active(now)),
            "upcoming": sorted((n for n in readable if n.is_upcoming(now)), key=lambda n: n.starts_at),
            "past": past}


def feed_entries() -> list[Announcement]:
    """The public announcements for the Atom feed, most recently changed first; staff-only ones never."""
    return list(db.session.scalars(select(Announcement).where(Announcement.internal.is_(False))
                                   .order_by(Announcement.updated_at.desc(), Announcement.id.desc())
                                   .limit(FEED_SIZE)))


def history(announcement: Announcement) -> list[AnnouncementEvent]:
    return list(db.session.scalars(select(AnnouncementEvent).where(
        AnnouncementEvent.announcement_id == announcement.id).order_by(AnnouncementEvent.id)))


def administrations() -> list[Administration]:
    return list(db.session.scalars(select(Administration).order_by(Administration.name)))


def schools_named(ids) -> list[School]:
    if not ids:
        return []
    return list(db.session.scalars(select(School).where(School.id.in_(list(ids))).order_by(School.name)))


# --- publishing, changing, ending --------------------------------------------------------------------------------

def _require(user, action: str, obj=None) -> None:
    if not can(user, action, obj):
        raise AnnouncementError(gettext("Du får inte publicera driftinformation."))


def _clean(fields: dict) -> dict:
    """Check and normalise the editable fields; raises AnnouncementError with a message for the person."""
    title = " ".join((fields.get("title") or "").split())
    if not title:
        raise AnnouncementError(gettext("Skriv en rubrik."))
    if fields.get("kind") not in KINDS or fields.get("severity") not in SEVERITIES:
        raise AnnouncementError(gettext("Välj typ och allvarlighetsgrad."))
    starts_at, ends_at = fields.get("starts_at"), fields.get("ends_at")
    if starts_at is None:
        raise AnnouncementError(gettext("Ange när det börjar."))
    if ends_at is not None and ends_at <= starts_at:
        raise AnnouncementError(gettext("Slutet måste vara efter början."))
    cleaned = {"kind": fields["kind"], "title": title[:200], "body": (fields.get("body") or "").strip(),
               "severity": fields["severity"], "starts_at": starts_at, "ends_at": ends_at,
               "internal": bool(fields.get("internal"))}
    allowed = {"audiences": AUDIENCES, "school_forms": SCHOOL_FORMS, "systems": SYSTEMS}
    for name, keys in allowed.items():
        cleaned[name] = [key for key in keys if key in set(fields.get(name) or ())]
    for name in ("administration_ids", "school_ids"):
        cleaned[name] = sorted({int(value) for value in fields.get(name) or ()})
    waves = {str(wave).strip()[:WAVE_MAX] for wave in fields.get("waves") or ()} - {""}
    if len(waves) > WAVES_MAX:
        raise AnnouncementError(gettext("Välj högst %(count)s införandevågor.", count=WAVES_MAX))
    cleaned["waves"] = sorted(waves)
    return cleaned


def _apply(announcement: Announcement, cleaned: dict) -> list[str]:
    """Write the fields; returns the names of those that changed."""
    changed = [name for name, value in cleaned.items() if getattr(announcement, name) != value]
    for name in changed:
        setattr(announcement, name, cleaned[name])
    if "body" in changed or not announcement.body_html:
        announcement.body_html = render_markdown(announcement.body).html
    announcement.updated_at = utcnow()
    return changed


def _event(announcement: Announcement, kind: str, by, detail: str = "") -> None:
    db.session.add(AnnouncementEvent(announcement_id=announcement.id, kind=kind,
                                     actor_id=getattr(by, "id", None), detail=detail))


def publish(*, by: User, **fields) -> Announcement:
    """Publish an announcement and mail the affected superusers (in the caller's transaction)."""
    _require(by, "announcement.publish")
    cleaned = _clean(fields)
    announcement = Announcement(created_by_id=by.id, body_html="")
    _apply(announcement, cleaned)
    db.session.add(announcement)
    db.session.flush()
    _event(announcement, "published", by, announcement.title)
    mail_superusers(announcement)
    _changed()
    return announcement


def edit(announcement: Announcement, *, by: User, **fields) -> list[str]:
    """Change an announcement; the history records which fields changed, from what to what."""
    _require(by, "announcement.publish", announcement)
    before = {name: getattr(announcement, name) for name in fields}
    changed = _apply(announcement, _clean(fields))
    if changed:
        _event(announcement, "edited", by, "; ".join(_describe_change(name, before.get(name),
                                                                       getattr(announcement, name))
                                                     for name in changed))
        _changed()
    return changed


def _describe_change(name: str, old, new) -> str:
    if name == "body":
        return "body"
    if isinstance(old, datetime) or isinstance(new, datetime):
        old, new = local_text(old), local_text(new)
    return f"{name}: {old!s:.80} → {new!s:.80}"


def local_text(moment: datetime | None) -> str:
    return moment.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M") if moment else "—"


@dataclass
class Ending:
    answered: int = 0
    not_answered: int = 0


def end(announcement: Announcement, *, by: User, note: str, reply: str = "") -> Ending:
    """End an announcement with a note; with `reply`, answer every linked open ticket with it and mark it solved
    (through the ticket service, each ticket on its own savepoint so one refusal does not stop the rest)."""
    _require(by, "announcement.publish", announcement)
    note = (note or "").strip()
    if not note:
        raise AnnouncementError(gettext("Skriv vad som är åtgärdat."))
    if announcement.resolved_at is not None:
        raise AnnouncementError(gettext("Driftinformationen är redan avslutad."))
    now = utcnow()
    announcement.resolved_at, announcement.resolved_by_id = now, by.id
    announcement.resolution_note = note
    if announcement.ends_at is None or announcement.ends_at > now:
        announcement.ends_at = max(now, announcement.starts_at)
    announcement.updated_at = now
    _event(announcement, "ended", by, note[:300])
    _changed()
    result = Ending()
    if (reply or "").strip():
        result = answer_linked_tickets(announcement, by=by, body=reply)
    return result


def answer_linked_tickets(announcement: Announcement, *, by: User, body: str) -> Ending:
    from support.tickets import service as tickets

    result = Ending()
    for ticket in linked_tickets(announcement, open_only=True):
        try:
            with db.session.begin_nested():
                tickets.reply(ticket, author=by, body=body, internal=False, channel="web", set_state="resolved")
        except tickets.TicketError as error:
            log.info("announcement %s: ticket %s not answered: %s", announcement.id, ticket.number, error)
            result.not_answered += 1
        else:
            result.answered += 1
    _event(announcement, "tickets_answered", by,
           f"answered={result.answered} not_answered={result.not_answered}")
    return result


# --- tickets linked to an incident --------------------------------------------------------------------------------

def link_ticket(announcement: Announcement, ticket: Ticket, *, by: User) -> bool:
    """Link `ticket` to an announcement that is not over; False if it already was."""
    if not can(by, "announcement.link_ticket", ticket):
        raise AnnouncementError(gettext("Du får inte koppla ärendet till driftinformation."))
    if announcement.resolved_at is not None:
        raise AnnouncementError(gettext("Driftinformationen är redan avslutad."))
    already = db.session.scalar(select(AnnouncementTicket.id).where(
        AnnouncementTicket.announcement_id == announcement.id, AnnouncementTicket.ticket_id == ticket.id))
    if already is not None:
        return False
    db.session.add(AnnouncementTicket(announcement_id=announcement.id, ticket_id=ticket.id, linked_by_id=by.id))
    _event(announcement, "ticket_linked", by, f"#{ticket.number}")
    return True


def linked_tickets(announcement: Announcement, *, open_only: bool = False) -> list[Ticket]:
    query = (select(Ticket).join(AnnouncementTicket, AnnouncementTicket.ticket_id == Ticket.id)
             .where(AnnouncementTicket.announcement_id == announcement.id).order_by(Ticket.number))
    if open_only:
        query = query.where(Ticket.state.in_(ACTIVE_STATES), Ticket.merged_into_id.is_(None))
    return list(db.session.scalars(query))


def announcements_of_ticket(ticket: Ticket) -> list[Announcement]:
    return list(db.session.scalars(select(Announcement).join(
        AnnouncementTicket, AnnouncementTicket.announcement_id == Announcement.id)
        .where(AnnouncementTicket.ticket_id == ticket.id).order_by(Announcement.starts_at.desc())))


def linkable_announcements() -> list[Notice]:
    """What a ticket can be linked to: announcements that are not over, incidents first."""
    return _by_weight(current_notices())


# --- mail to the superusers it concerns ---------------------------------------------------------------------------

def affected_superusers(announcement: Announcement) -> list[User]:
    """The active superusers of the schools the announcement is aimed at (every school when none is named) who
    cover one of its systems; a superuser whose appointment names no systems covers them all."""
    query = (select(RoleAssignment).join(School, School.id == RoleAssignment.school_id)
             .join(User, User.id == RoleAssignment.user_id)
             .where(RoleAssignment.role == "superuser", RoleAssignment.active.is_(True), User.active.is_(True),
                    School.is_active.is_(True)))
    if announcement.school_ids:
        query = query.where(School.id.in_(announcement.school_ids))
    if announcement.administration_ids:
        query = query.where(School.administration_id.in_(announcement.administration_ids))
    if announcement.school_forms:
        query = query.where(exists().where(SchoolFormLink.school_id == School.id,
                                           SchoolFormLink.form.in_(announcement.school_forms)))
    if announcement.waves:
        query = query.where(exists().where(Rollout.school_id == School.id, Rollout.wave.in_(announcement.waves)))
    roles = list(db.session.scalars(query))
    covered = _systems_covered({(role.user_id, role.school_id) for role in roles}) if announcement.systems else {}
    people: dict[int, User] = {}
    for role in roles:
        systems = covered.get((role.user_id, role.school_id))
        if announcement.systems and systems and not set(systems) & set(announcement.systems):
            continue
        people[role.user_id] = role.user
    return sorted(people.values(), key=lambda person: person.name)


def _systems_covered(pairs) -> dict[tuple[int, int], list]:
    if not pairs:
        return {}
    rows = db.session.scalars(select(Appointment).where(
        Appointment.removed_at.is_(None), Appointment.user_id.in_({user_id for user_id, _ in pairs})))
    return {(row.user_id, row.school_id): list(row.systems or []) for row in rows}


def announcement_url(announcement) -> str:
    return f"{current_app.config['PUBLIC_URL'].rstrip('/')}/driftinformation/{announcement.id}"


def mail_superusers(announcement: Announcement) -> int:
    """Queue one mail per affected superuser, in their own language; returns how many."""
    from support.outbox.service import enqueue_mail
    from support.tickets.notifications import wants

    sent = 0
    for person in affected_superusers(announcement):
        if not wants(person, "announcement"):
            continue
        with in_language_of(person):
            subject = f"[{KIND_LABELS[announcement.kind]}] {announcement.title}"
            body = render_template("mail/network/announcement.txt", announcement=announcement, recipient=person,
                                   url=announcement_url(announcement))
        enqueue_mail(person.email, subject, body, category="announcement")
        sent += 1
    return sent

"""The superuser network's rules: who serves which school, their availability, appointments and training.

Service functions never commit; the caller does, so a change and its NetworkEvent are one transaction.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import or_, select

from support.accounts import service as accounts
from support.accounts.models import RoleAssignment, User
from support.database import utcnow
from support.extensions import db
from support.network.models import (
    CURRENT_KEEPING_MODULES,
    TRAINING_MODULES,
    Absence,
    Appointment,
    NetworkEvent,
    TrainingRecord,
    today,
)
from support.orgs.models import Administration, School
from support.policy.actors import superuser_school_ids
from support.policy.network import STAFF_GROUPS
from support.tickets.models import SYSTEMS

LONGEST_ABSENCE_DAYS = 366
EARLIEST_TRAINING = date(2000, 1, 1)


class NetworkError(ValueError):
    """Input the person can fix; the message is shown to them."""


# --- who is away -----------------------------------------------------------------------------------------------

def current_absence(user: User, day: date | None = None) -> Absence | None:
    day = day or today()
    return db.session.scalar(select(Absence).where(
        Absence.user_id == user.id, Absence.starts_on <= day, Absence.ends_on >= day).limit(1))


def absences_of(user: User) -> list[Absence]:
    """This person's current and coming absences, soonest first."""
    return list(db.session.scalars(select(Absence).where(
        Absence.user_id == user.id, Absence.ends_on >= today()).order_by(Absence.starts_on)))


# --- the directory ---------------------------------------------------------------------------------------------

@dataclass
class SuperuserEntry:
    """One superuser of one school as the directory shows them."""

    user: User
    systems: list[str]
    appointment: Appointment | None
    absence: Absence | None = None
    last_training: date | None = None
    due_for_refresher: bool = False
    training: list[TrainingRecord] = field(default_factory=list)

    @property
    def is_away(self) -> bool:
        return self.absence is not None


def school_superusers(school: School) -> list[User]:
    """Everyone holding an active superuser role at the school, away or not."""
    return list(db.session.scalars(
        select(User).join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(RoleAssignment.role == "superuser", RoleAssignment.school_id == school.id,
               RoleAssignment.active.is_(True), User.active.is_(True))
        .order_by(User.name)).unique())


def current_appointment(user: User, school: School) -> Appointment | None:
    return db.session.scalar(select(Appointment).where(
        Appointment.user_id == user.id, Appointment.school_id == school.id, Appointment.removed_at.is_(None)))


def directory(school: School, *, with_training: bool = False) -> list[SuperuserEntry]:
    """The school's superusers with the systems they cover and whether they are away (and training, if asked)."""
    day = today()
    entries = []
    for user in school_superusers(school):
        appointment = current_appointment(user, school)
        entry = SuperuserEntry(user=user, systems=list(appointment.systems if appointment else []),
                               appointment=appointment, absence=current_absence(user, day))
        if with_training:
            entry.training = training_of(user)
            entry.last_training = last_current_training(entry.training)
            entry.due_for_refresher = is_due(entry.last_training, day)
        entries.append(entry)
    return entries


def schools_of(user: User) -> list[School]:
    """The schools a person belongs to through any group or role, by name."""
    ids = user.school_ids
    if not ids:
        return []
    return list(db.session.scalars(select(School).where(School.id.in_(ids)).order_by(School.name)))


def support_address(school: School) -> str:
    """The school's own support address: a mail to it becomes a ticket in the school's tier-1 queue."""
    return f"{current_app.config['SUPPORT_MAILBOX']}+{school.slug}@{current_app.config['MAIL_DOMAIN']}"


def administrations(scope: set[int] | None) -> list[Administration]:
    """Administrations within `scope` (None: all), by name."""
    statement = select(Administration).order_by(Administration.name)
    if scope is not None:
        statement = statement.where(Administration.id.in_(scope or {-1}))
    return list(db.session.scalars(statement))


def find_schools(administration: Administration, query: str = "", limit: int = 200) -> list[School]:
    """Schools of an administration whose name or short name contains `query`."""
    statement = select(School).where(School.administration_id == administration.id).order_by(School.name)
    words = query.strip().lower()
    if words:
        pattern = f"%{words.replace('%', '').replace('_', '')}%"
        statement = statement.where(or_(School.name.ilike(pattern), School.slug.ilike(pattern)))
    return list(db.session.scalars(statement.limit(limit)))


def superuser_counts(schools: list[School]) -> dict[int, int]:
    """School id → number of active superusers, for the list of schools."""
    if not schools:
        return {}
    rows = db.session.execute(
        select(RoleAssignment.school_id, RoleAssignment.user_id)
        .join(User, User.id == RoleAssignment.user_id)
        .where(RoleAssignment.role == "superuser", RoleAssignment.active.is_(True), User.active.is_(True),
               RoleAssignment.school_id.in_([s.id for s in schools])))
    counts: dict[int, int] = {}
    for school_id, _user_id in rows:
        counts[school_id] = counts.get(school_id, 0) + 1
    return counts


# --- availability ----------------------------------------------------------------------------------------------

def stand_in_candidates(user: User) -> list[User]:
    """The other superusers of the schools this person serves: who may stand in for them."""
    schools = db.session.scalars(select(School).where(School.id.in_(
        superuser_school_ids(user) or {-1})))
    people = {person.id: person for school in schools for person in school_superusers(school)
              if person.id != user.id}
    return sorted(people.values(), key=lambda person: person.name)


def mark_away(user: User, *, starts_on: date, ends_on: date, stand_in: User | None = None) -> Absence:
    """Record that `user` is away (both days included). From the first day, tier 1 leaves them out: the
    school's other superusers take new tickets, or tier 2 when nobody is left. Their tickets are handed over when
    it starts: at once if that is today, else by the worker (support.network.handover)."""
    if ends_on < starts_on:
        raise NetworkError("Sista dagen kan inte vara före första dagen.")
    if ends_on < today():
        raise NetworkError("Perioden har redan passerat. Välj dagar från och med i dag.")
    if (ends_on - starts_on).days >= LONGEST_ABSENCE_DAYS:
        raise NetworkError("En frånvaro kan vara högst ett år. Är uppdraget slut, be samordnaren ta bort det.")
    if stand_in is not None and stand_in.id not in {person.id for person in stand_in_candidates(user)}:
        raise NetworkError("Ersättaren måste vara en annan superanvändare på din skola.")
    overlapping = db.session.scalar(select(Absence.id).where(
        Absence.user_id == user.id, Absence.starts_on <= ends_on, Absence.ends_on >= starts_on).limit(1))
    if overlapping is not None:
        raise NetworkError("Du har redan en frånvaro som överlappar de dagarna. Ta bort den först.")
    absence = Absence(user=user, user_id=user.id, starts_on=starts_on, ends_on=ends_on, stand_in=stand_in,
                      stand_in_id=getattr(stand_in, "id", None))
    db.session.add(absence)
    _event("away", actor=user, subject=user,
           detail=f"{starts_on.isoformat()}–{ends_on.isoformat()}" + (f", ersättare {stand_in.name}" if stand_in
                                                                      else ""))
    db.session.flush()
    if starts_on <= today():
        from support.network import handover

        handover.hand_over(absence)
    return absence


def end_absence(absence: Absence, *, by: User) -> None:
    """The person is back (or will not be away after all): a started absence ends yesterday, a coming one goes.
    Tickets handed over when it started come back now if untouched (support.network.handover)."""
    from support.network import handover

    yesterday = today() - timedelta(days=1)
    started_before_today = absence.starts_on <= yesterday
    # Ending yesterday makes the person available today, which giving tickets back (down from tier 2) needs;
    # an absence that started today then goes altogether.
    absence.ends_on = min(absence.ends_on, yesterday)
    _event("back", actor=by, subject=absence.user, detail=absence.starts_on.isoformat())
    db.session.flush()
    handover.give_back(absence)
    if not started_before_today:
        db.session.delete(absence)
    db.session.flush()


# --- appointments ----------------------------------------------------------------------------------------------

def clean_systems(systems) -> list[str]:
    chosen = [system for system in dict.fromkeys(systems or ()) if system]
    unknown = [system for system in chosen if system not in SYSTEMS]
    if unknown:
        raise NetworkError("Okänt system: " + ", ".join(unknown))
    return [system for system in SYSTEMS if system in chosen]


def appoint(school: School, person: User, *, systems, by: User) -> Appointment:
    """Appoint `person` superuser at `school`, covering `systems`. The person must work at the school."""
    systems = clean_systems(systems)
    if not systems:
        raise NetworkError("Välj minst ett system som superanvändaren ansvarar för.")
    if not any(m.group in STAFF_GROUPS and m.school_id == school.id for m in person.groups):
        raise NetworkError(f"{person.name} arbetar inte på {school.name}. Bara skolans personal kan utses.")
    if current_appointment(person, school) is not None:
        raise NetworkError(f"{person.name} är redan superanvändare på {school.name}.")
    appointment = Appointment(user=person, user_id=person.id, school=school, school_id=school.id,
                              systems=systems, appointed_by_id=by.id, appointed_at=utcnow())
    db.session.add(appointment)
    accounts.add_role(person, "superuser", school.slug)
    _event("appointed", actor=by, subject=person, school=school, detail=", ".join(systems))
    db.session.flush()
    return appointment


def remove(appointment: Appointment, *, by: User) -> None:
    """End an appointment: the history keeps it, the person loses the superuser role at that school."""
    if appointment.removed_at is not None:
        raise NetworkError("Uppdraget är redan avslutat.")
    appointment.removed_at = utcnow()
    appointment.removed_by_id = by.id
    person = appointment.user
    for role in list(person.roles):
        if role.role == "superuser" and role.school_id == appointment.school_id:
            person.roles.remove(role)
    _event("removed", actor=by, subject=person, school=appointment.school)
    db.session.flush()


def ensure_appointment(school: School, person: User, *, systems, by: User | None = None) -> Appointment:
    """The current appointment of someone who already holds the superuser role (the demo, roles given by an
    administrator before the network existed); records one when missing."""
    appointment = current_appointment(person, school)
    if appointment is None:
        appointment = Appointment(user=person, user_id=person.id, school=school, school_id=school.id,
                                  systems=clean_systems(systems), appointed_by_id=getattr(by, "id", None))
        db.session.add(appointment)
        db.session.flush()
    return appointment


def history(school: School) -> list[Appointment]:
    """Every appointment at the school, current and ended, newest first."""
    return list(db.session.scalars(select(Appointment).where(Appointment.school_id == school.id)
                                   .order_by(Appointment.appointed_at.desc(), Appointment.id.desc())))


def events(school: School, limit: int = 50) -> list[NetworkEvent]:
    return list(db.session.scalars(select(NetworkEvent).where(NetworkEvent.school_id == school.id)
                                   .order_by(NetworkEvent.created_at.desc(), NetworkEvent.id.desc()).limit(limit)))


# --- training --------------------------------------------------------------------------------------------------

def record_training(person: User, *, module: str, completed_on: date, system: str | None = None, by: User,
                    school: School | None = None) -> TrainingRecord:
    """Record a completed training module. A system deep dive names its system."""
    if module not in TRAINING_MODULES:
        raise NetworkError("Välj en utbildning.")
    if completed_on > today():
        raise NetworkError("Datumet kan inte ligga i framtiden.")
    if completed_on < EARLIEST_TRAINING:
        raise NetworkError("Ange ett datum från år 2000 och framåt.")
    system = system or None
    if module == "system-deep-dive":
        if system not in SYSTEMS:
            raise NetworkError("Välj vilket system fördjupningen gällde.")
    else:
        system = None
    record = TrainingRecord(user_id=person.id, module=module, system=system, completed_on=completed_on,
                            recorded_by_id=by.id)
    db.session.add(record)
    _event("training", actor=by, subject=person, school=school, detail=f"{module} {completed_on.isoformat()}")
    db.session.flush()
    return record


def training_of(user: User) -> list[TrainingRecord]:
    return list(db.session.scalars(select(TrainingRecord).where(TrainingRecord.user_id == user.id)
                                   .order_by(TrainingRecord.completed_on.desc(), TrainingRecord.id.desc())))


def last_current_training(records: list[TrainingRecord]) -> date | None:
    dates = [record.completed_on for record in records if record.module in CURRENT_KEEPING_MODULES]
    return max(dates) if dates else None


def refresher_months() -> int:
    try:
        return max(1, int(current_app.config.get("REFRESHER_MONTHS", 12)))
    except (TypeError, ValueError):
        return 12


def is_due(last: date | None, day: date | None = None) -> bool:
    """Due for a refresher: no basic course or refresher within the last REFRESHER_MONTHS months."""
    if last is None:
        return True
    day = day or today()
    year, month = divmod(day.year * 12 + day.month - 1 - refresher_months(), 12)
    month += 1
    return last < date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_for_refresher(scope: set[int] | None) -> list[tuple[User, School, date | None]]:
    """Current superusers (within the administrations `scope`, None: all) due for a refresher, oldest first."""
    statement = (select(User, School).join(RoleAssignment, RoleAssignment.user_id == User.id)
                 .join(School, School.id == RoleAssignment.school_id)
                 .where(RoleAssignment.role == "superuser", RoleAssignment.active.is_(True), User.active.is_(True))
                 .order_by(School.name, User.name))
    if scope is not None:
        statement = statement.where(School.administration_id.in_(scope or {-1}))
    day = today()
    due = []
    for user, school in db.session.execute(statement):
        last = last_current_training(training_of(user))
        if is_due(last, day):
            due.append((user, school, last))
    due.sort(key=lambda row: (row[2] or date.min, row[1].name, row[0].name))
    return due


def _event(kind: str, *, actor: User | None, subject: User | None, school: School | None = None,
           detail: str = "") -> NetworkEvent:
    event = NetworkEvent(kind=kind, actor_id=getattr(actor, "id", None), subject_id=getattr(subject, "id", None),
                         school_id=getattr(school, "id", None), detail=detail[:300])
    db.session.add(event)
    return event

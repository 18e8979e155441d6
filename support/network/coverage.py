"""Coverage of the superuser network, for one administration or the whole city: schools without an active superuser
(by school form and by system), superusers per 100 staff, tickets resolved at tier 1 against escalated, the median
first response per school, the load per school and the go-lives at risk.

Every figure is an aggregate in SQL over all schools in scope at once (a handful of queries, whatever the number of
schools): nothing here queries per school.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, distinct, exists, func, select, true

from support.accounts.models import GroupMembership, RoleAssignment, User
from support.database import utcnow
from support.extensions import db
from support.network.models import Appointment, Rollout, TrainingRecord
from support.network.rollout import risk_weeks
from support.network.service import today
from support.orgs.models import SCHOOL_FORMS, Administration, School, SchoolFormLink
from support.policy.network import STAFF_GROUPS
from support.tickets.models import SYSTEMS, Ticket, TicketEvent
from support.tickets.sla import BusinessCalendar, business_calendar, business_seconds_between

PERIODS = (30, 90, 365)  # days of tickets the figures count, chosen on the page
DEFAULT_PERIOD = 90
DEEP_DIVE = "system-deep-dive"


@dataclass
class SchoolFigures:
    id: int
    name: str
    slug: str
    administration_id: int
    administration_name: str
    administration_slug: str
    forms: list[str] = field(default_factory=list)
    superusers: int = 0
    staff: int = 0
    covered_systems: set[str] = field(default_factory=set)
    tickets: int = 0
    resolved_at_tier1: int = 0
    escalated: int = 0
    median_first_response_hours: float | None = None

    @property
    def superusers_per_100_staff(self) -> float | None:
        return self.superusers * 100 / self.staff if self.staff else None

    @property
    def has_superuser(self) -> bool:
        return self.superusers > 0


@dataclass
class GoLiveRisk:
    """A school going live on a system soon with no active superuser there who covers it and is trained on it."""

    school_id: int
    school_name: str
    school_slug: str
    administration_name: str
    system: str
    live_on: date
    wave: str
    days_left: int


@dataclass
class GroupRow:
    """One line of a summary: a school form, a system or an administration, with its schools' figures."""

    key: str
    label: str
    schools: int = 0
    without_superuser: int = 0
    superusers: int = 0
    staff: int = 0
    tickets: int = 0
    resolved_at_tier1: int = 0
    escalated: int = 0
    median_first_response_hours: float | None = None
    slug: str = ""

    @property
    def share_without(self) -> float | None:
        return self.without_superuser / self.schools if self.schools else None

    @property
    def superusers_per_100_staff(self) -> float | None:
        return self.superusers * 100 / self.staff if self.staff else None

    def add(self, school: SchoolFigures, *, without: bool) -> None:
        self.schools += 1
        self.without_superuser += int(without)
        self.superusers += school.superusers
        self.staff += school.staff
        self.tickets += school.tickets
        self.resolved_at_tier1 += school.resolved_at_tier1
        self.escalated += school.escalated


@dataclass
class Coverage:
    administration: Administration | None
    period_days: int
    since: datetime
    risk_weeks: int
    schools: list[SchoolFigures]
    risks: list[GoLiveRisk]
    median_first_response_hours: float | None
    administration_medians: dict[int, float] = field(default_factory=dict)

    @property
    def without_superuser(self) -> list[SchoolFigures]:
        return [school for school in self.schools if not school.has_superuser]

    @property
    def totals(self) -> GroupRow:
        row = GroupRow(key="all", label="", median_first_response_hours=self.median_first_response_hours)
        for school in self.schools:
            row.add(school, without=not school.has_superuser)
        return row

    def by_form(self) -> list[GroupRow]:
        rows = {form: GroupRow(key=form, label=form) for form in SCHOOL_FORMS}
        for school in self.schools:
            for form in school.forms:
                rows[form].add(school, without=not school.has_superuser)
        return [row for row in rows.values() if row.schools]

    def by_system(self) -> list[GroupRow]:
        """Per system: the schools where no active superuser covers it."""
        rows = {system: GroupRow(key=system, label=system) for system in SYSTEMS}
        for school in self.schools:
            for system, row in rows.items():
                row.add(school, without=system not in school.covered_systems)
        return list(rows.values())

    def by_administration(self) -> list[GroupRow]:
        rows: dict[int, GroupRow] = {}
        for school in self.schools:
            row = rows.get(school.administration_id)
            if row is None:
                row = rows[school.administration_id] = GroupRow(
                    key=str(school.administration_id), label=school.administration_name,
                    slug=school.administration_slug,
                    median_first_response_hours=self.administration_medians.get(school.administration_id))
            row.add(school, without=not school.has_superuser)
        return list(rows.values())


def clean_period(value) -> int:
    """The period asked for, if it is one of PERIODS; anything else is the default."""
    return int(value) if str(value) in {str(days) for days in PERIODS} else DEFAULT_PERIOD


def coverage(administration: Administration | None = None, period_days: int = DEFAULT_PERIOD,
             now: datetime | None = None) -> Coverage:
    """The figures of `administration`'s schools (None: the whole city) over the `period_days` days up to `now`."""
    scope = School.administration_id == administration.id if administration is not None else true()
    scope = and_(School.is_active.is_(True), scope)
    since = (now or utcnow()) - timedelta(days=period_days)
    schools = _schools(scope)
    for school_id, form in db.session.execute(
            select(SchoolFormLink.school_id, SchoolFormLink.form).join(School, School.id == SchoolFormLink.school_id)
            .where(scope).order_by(SchoolFormLink.form)):
        schools[school_id].forms.append(form)
    covered = superuser_systems(scope)
    for school_id, people in covered.items():
        schools[school_id].superusers = len(people)
        schools[school_id].covered_systems = set().union(*people.values())
    for school_id, staff in _staff_counts(scope):
        schools[school_id].staff = staff
    for school_id, tickets, resolved, escalated in _ticket_counts(scope, since):
        figures = schools[school_id]
        figures.tickets, figures.resolved_at_tier1, figures.escalated = tickets, resolved or 0, escalated or 0
    medians = first_response_medians(scope, since)
    for school_id, hours in medians["school"].items():
        schools[school_id].median_first_response_hours = hours
    return Coverage(administration=administration, period_days=period_days, since=since, risk_weeks=risk_weeks(),
                    schools=list(schools.values()), risks=go_live_risks(scope, covered),
                    median_first_response_hours=medians["all"].get(0),
                    administration_medians=medians["administration"])


def _schools(scope) -> dict[int, SchoolFigures]:
    rows = db.session.execute(
        select(School.id, School.name, School.slug, School.administration_id, Administration.name,
               Administration.slug)
        .join(Administration, Administration.id == School.administration_id).where(scope).order_by(School.name))
    return {row[0]: SchoolFigures(*row) for row in rows}


def superuser_systems(scope) -> dict[int, dict[int, set[str]]]:
    """School id → superuser id → the systems they cover, for every active superuser of the schools in `scope`.
    Someone holding the role without an appointment record (or one naming no systems) covers every system, as the
    directory says."""
    rows = db.session.execute(
        select(RoleAssignment.school_id, RoleAssignment.user_id, Appointment.systems)
        .join(User, User.id == RoleAssignment.user_id)
        .join(School, School.id == RoleAssignment.school_id)
        .outerjoin(Appointment, and_(Appointment.user_id == RoleAssignment.user_id,
                                     Appointment.school_id == RoleAssignment.school_id,
                                     Appointment.removed_at.is_(None)))
        .where(RoleAssignment.role == "superuser", RoleAssignment.active.is_(True), User.active.is_(True), scope))
    covered: dict[int, dict[int, set[str]]] = defaultdict(dict)
    for school_id, user_id, systems in rows:
        covered[school_id][user_id] = set(systems or ()) or set(SYSTEMS)
    return covered


def _staff_counts(scope):
    """School id → distinct active people with a pedagogue or administrator group there."""
    return db.session.execute(
        select(GroupMembership.school_id, func.count(distinct(GroupMembership.user_id)))
        .join(User, User.id == GroupMembership.user_id)
        .join(School, School.id == GroupMembership.school_id)
        .where(GroupMembership.group.in_(STAFF_GROUPS), User.active.is_(True), scope)
        .group_by(GroupMembership.school_id))


def _escalated_from_tier1():
    return exists().where(TicketEvent.ticket_id == Ticket.id, TicketEvent.kind == "escalated",
                          TicketEvent.old_value == "1")


def _ticket_counts(scope, since: datetime):
    """School id → tickets created since `since` (merged duplicates left out), those resolved at tier 1 without
    ever being escalated from it, and those escalated from tier 1."""
    escalated = _escalated_from_tier1()
    resolved_here = and_(Ticket.state.in_(("resolved", "closed")), Ticket.tier == 1, ~escalated)
    return db.session.execute(
        select(Ticket.school_id, func.count(Ticket.id),
               func.sum(case((resolved_here, 1), else_=0)), func.sum(case((escalated, 1), else_=0)))
        .join(School, School.id == Ticket.school_id)
        .where(Ticket.created_at >= since, Ticket.merged_into_id.is_(None), scope)
        .group_by(Ticket.school_id))


def median_first_response_hours(answered: Iterable[tuple[datetime, datetime]],
                                calendar: BusinessCalendar | None = None) -> float | None:
    """The median first response in business hours over (created, first answered) pairs, None when there are none:
    the one measure the coverage page and a superuser's day (/min-dag) both show.

    Business hours are the ticket SLA's calendar (support/tickets/sla.py: the hours and days off an administrator
    set on /admin/arenden/arbetstid), so a ticket sent on Friday evening and answered on Monday morning counts the
    minutes after opening, not the weekend."""
    calendar = calendar or business_calendar()
    seconds = [business_seconds_between(created_at, first_response_at, calendar)
               for created_at, first_response_at in answered]
    return statistics.median(seconds) / 3600 if seconds else None


def first_response_medians(scope, since: datetime) -> dict[str, dict[int, float]]:
    """`median_first_response_hours` per school, per administration and for the whole scope (key 0), over tickets
    created since `since` that have been answered. The calendar is Python, so the answered tickets' (school,
    administration, created, answered) come back in one query and Python groups them."""
    calendar = business_calendar()
    answered = (select(School.id, School.administration_id, Ticket.created_at, Ticket.first_response_at)
                .select_from(Ticket).join(School, School.id == Ticket.school_id)
                .where(Ticket.created_at >= since, Ticket.merged_into_id.is_(None),
                       Ticket.first_response_at.is_not(None), scope))
    grouped: dict[str, dict[int, list[tuple[datetime, datetime]]]] = {
        name: defaultdict(list) for name in ("school", "administration", "all")}
    for school_id, administration_id, created_at, first_response_at in db.session.execute(answered):
        for name, group in (("school", school_id), ("administration", administration_id), ("all", 0)):
            grouped[name][group].append((created_at, first_response_at))
    return {name: {group: median_first_response_hours(pairs, calendar) for group, pairs in groups.items()}
            for name, groups in grouped.items()}


def trained_pairs(covered: dict[int, dict[int, set[str]]]) -> set[tuple[int, str]]:
    """(school id, system) where an active superuser of the school covers the system and has completed the deep
    dive on it."""
    people = {user_id for by_person in covered.values() for user_id in by_person}
    if not people:
        return set()
    deep_dives = defaultdict(set)
    for user_id, system in db.session.execute(
            select(TrainingRecord.user_id, TrainingRecord.system)
            .where(TrainingRecord.module == DEEP_DIVE, TrainingRecord.user_id.in_(people))):
        deep_dives[user_id].add(system)
    return {(school_id, system) for school_id, by_person in covered.items()
            for user_id, systems in by_person.items() for system in systems & deep_dives[user_id]}


def go_live_risks(scope, covered: dict[int, dict[int, set[str]]] | None = None) -> list[GoLiveRisk]:
    """Go-lives from today to SUPPORT_ROLLOUT_RISK_WEEKS weeks ahead at schools in `scope` where no active
    superuser covering the system has been trained on it; soonest first."""
    day = today()
    last = day + timedelta(weeks=risk_weeks())
    rows = db.session.execute(
        select(Rollout.school_id, School.name, School.slug, Administration.name, Rollout.system, Rollout.live_on,
               Rollout.wave)
        .join(School, School.id == Rollout.school_id)
        .join(Administration, Administration.id == School.administration_id)
        .where(Rollout.live_on >= day, Rollout.live_on <= last, School.is_active.is_(True), scope)
        .order_by(Rollout.live_on, School.name, Rollout.system)).all()
    if not rows:
        return []
    trained = trained_pairs(covered if covered is not None else superuser_systems(scope))
    return [GoLiveRisk(school_id, name, slug, administration, system, live_on, wave, (live_on - day).days)
            for school_id, name, slug, administration, system, live_on, wave in rows
            if (school_id, system) not in trained]


def school_risks(school: School) -> list[GoLiveRisk]:
    """The go-live risks of one school, for its network page."""
    return go_live_risks(School.id == school.id)

"""Service-level targets in business hours: due times, pauses while waiting for the requester, breaches.

Business hours default to Mon–Fri 08:00–17:00 Europe/Stockholm with Swedish public holidays off (the `holidays`
package); administrators change them on /admin/arenden/arbetstid (stored as the `business_hours` TicketSetting).
A due time is `created_at + target + time spent pending`, all counted in business seconds, so a priority change
recomputes it from scratch and time waiting for the requester never counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from flask_babel import ngettext
from sqlalchemy import select

from support.extensions import db
from support.tickets.models import PRIORITIES, SlaTarget, TicketSetting

# Business minutes. A business day is 9 hours (08–17).
DEFAULT_TARGETS: dict[str, tuple[int, int]] = {
    "urgent": (30, 4 * 60),
    "high": (2 * 60, 9 * 60),
    "normal": (9 * 60, 3 * 9 * 60),
    "low": (2 * 9 * 60, 10 * 9 * 60),
}

DEFAULT_BUSINESS_HOURS = {
    "timezone": "Europe/Stockholm",
    "start": "08:00",
    "end": "17:00",
    "weekdays": [0, 1, 2, 3, 4],
    "public_holidays": True,  # Swedish public holidays are days off
    "closed_dates": [],  # extra days off, ISO dates ("2026-12-24")
}


@dataclass(frozen=True)
class BusinessCalendar:
    timezone: str = "Europe/Stockholm"
    start: time = time(8, 0)
    end: time = time(17, 0)
    weekdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    public_holidays: bool = True
    closed_dates: frozenset[date] = field(default_factory=frozenset)

    @classmethod
    def from_settings(cls, value: dict | None) -> BusinessCalendar:
        merged = {**DEFAULT_BUSINESS_HOURS, **(value or {})}
        return cls(
            timezone=merged["timezone"],
            start=time.fromisoformat(merged["start"]),
            end=time.fromisoformat(merged["end"]),
            weekdays=frozenset(int(d) for d in merged["weekdays"]),
            public_holidays=bool(merged["public_holidays"]),
            closed_dates=frozenset(date.fromisoformat(d) for d in merged["closed_dates"]),
        )

    def to_settings(self) -> dict:
        return {
            "timezone": self.timezone,
            "start": self.start.strftime("%H:%M"),
            "end": self.end.strftime("%H:%M"),
            "weekdays": sorted(self.weekdays),
            "public_holidays": self.public_holidays,
            "closed_dates": sorted(d.isoformat() for d in self.closed_dates),
        }

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_business_day(self, day: date) -> bool:
        if day.weekday() not in self.weekdays or day in self.closed_dates:
            return False
        return not (self.public_holidays and day in _swedish_holidays(day.year))

    def window(self, day: date) -> tuple[datetime, datetime] | None:
        """The open hours of `day` in UTC, or None on a day off."""
        if not self.is_business_day(day):
            return None
        zone = self.zone
        return (datetime.combine(day, self.start, tzinfo=zone).astimezone(UTC),
                datetime.combine(day, self.end, tzinfo=zone).astimezone(UTC))


@lru_cache(maxsize=32)
def _swedish_holidays(year: int):
    return holidays.country_holidays("SE", years=year)


def add_business_seconds(start: datetime, seconds: int, calendar: BusinessCalendar) -> datetime:
    """The moment `seconds` of business time after `start` (a timezone-aware datetime)."""
    cursor = start.astimezone(UTC)
    remaining = max(int(seconds), 0)
    day = cursor.astimezone(calendar.zone).date()
    for _ in range(3660):  # ten years of days is far beyond any target; guards against an all-closed calendar
        window = calendar.window(day)
        if window is not None:
            opens, closes = window
            begin = max(cursor, opens)
            if begin < closes:
                available = (closes - begin).total_seconds()
                if remaining <= available:
                    return begin + timedelta(seconds=remaining)
                remaining -= int(available)
        day += timedelta(days=1)
    raise ValueError("the business calendar has no open hours")


def subtract_business_seconds(end: datetime, seconds: int, calendar: BusinessCalendar) -> datetime:
    """The moment `seconds` of business time before `end`: `add_business_seconds` run backwards."""
    cursor = end.astimezone(UTC)
    remaining = max(int(seconds), 0)
    day = cursor.astimezone(calendar.zone).date()
    for _ in range(3660):
        window = calendar.window(day)
        if window is not None:
            opens, closes = window
            finish = min(cursor, closes)
            if finish > opens:
                available = (finish - opens).total_seconds()
                if remaining <= available:
                    return finish - timedelta(seconds=remaining)
                remaining -= int(available)
        day -= timedelta(days=1)
    raise ValueError("the business calendar has no open hours")


def business_seconds_between(start: datetime, end: datetime, calendar: BusinessCalendar) -> int:
    """Business seconds in [start, end); 0 when end is not after start."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if end <= start:
        return 0
    total = 0.0
    day = start.astimezone(calendar.zone).date()
    last = end.astimezone(calendar.zone).date()
    while day <= last:
        window = calendar.window(day)
        if window is not None:
            begin, finish = max(start, window[0]), min(end, window[1])
            if finish > begin:
                total += (finish - begin).total_seconds()
        day += timedelta(days=1)
    return int(total)


# --- settings stored in the database ------------------------------------------------------------------------

def business_calendar() -> BusinessCalendar:
    """The configured business hours (defaults when an administrator has not changed them)."""
    row = db.session.get(TicketSetting, "business_hours")
    return BusinessCalendar.from_settings(row.value if row else None)


def save_business_calendar(calendar: BusinessCalendar) -> None:
    row = db.session.get(TicketSetting, "business_hours")
    if row is None:
        row = TicketSetting(key="business_hours")
        db.session.add(row)
    row.value = calendar.to_settings()


def targets() -> dict[str, tuple[int, int]]:
    """{priority: (first_response_minutes, resolution_minutes)} in business minutes."""
    result = dict(DEFAULT_TARGETS)
    for row in db.session.scalars(select(SlaTarget)):
        result[row.priority] = (row.first_response_minutes, row.resolution_minutes)
    return result


def set_target(priority: str, first_response_minutes: int, resolution_minutes: int) -> SlaTarget:
    if priority not in PRIORITIES:
        raise ValueError(f"unknown priority {priority}")
    if first_response_minutes <= 0 or resolution_minutes <= 0:
        raise ValueError("targets must be positive")
    if resolution_minutes < first_response_minutes:
        raise ValueError("resolution target must not be shorter than the first-response target")
    row = db.session.get(SlaTarget, priority)
    if row is None:
        row = SlaTarget(priority=priority)
        db.session.add(row)
    row.first_response_minutes = first_response_minutes
    row.resolution_minutes = resolution_minutes
    return row


# --- applying them to tickets ----------------------------------------------------------------------------

def apply_due_times(ticket, calendar: BusinessCalendar | None = None, target_table=None) -> None:
    """(Re)compute the ticket's due times from its priority, creation time and paused business time."""
    calendar = calendar or business_calendar()
    first_minutes, resolution_minutes = (target_table or targets())[ticket.priority]
    paused = ticket.sla_paused_seconds or 0
    ticket.first_response_due = add_business_seconds(ticket.created_at, first_minutes * 60 + paused, calendar)
    ticket.resolution_due = add_business_seconds(ticket.created_at, resolution_minutes * 60 + paused, calendar)
    refresh_next_due(ticket)


def refresh_next_due(ticket) -> None:
    """`sla_due_at` is what queues sort on: first-response due until someone answered, then resolution due."""
    ticket.sla_due_at = ticket.resolution_due if ticket.first_response_at else ticket.first_response_due


def pause(ticket, now: datetime) -> None:
    """The ticket starts waiting for the requester: the SLA clock stops."""
    if ticket.pending_since is None:
        ticket.pending_since = now


def resume(ticket, now: datetime, calendar: BusinessCalendar | None = None) -> None:
    """The ticket stops waiting for the requester: the time spent waiting moves the due times on."""
    if ticket.pending_since is None:
        return
    calendar = calendar or business_calendar()
    ticket.sla_paused_seconds = (ticket.sla_paused_seconds or 0) + business_seconds_between(
        ticket.pending_since, now, calendar)
    ticket.pending_since = None
    apply_due_times(ticket, calendar)


def expected_first_response(ticket) -> datetime:
    return ticket.first_response_due


def describe_minutes(minutes: int) -> str:
    """A business-time target in the current language ("4 arbetstimmar", "3 arbetsdagar")."""
    if minutes % (9 * 60) == 0 and minutes >= 9 * 60:
        return ngettext("%(num)d arbetsdag", "%(num)d arbetsdagar", minutes // (9 * 60))
    if minutes % 60 == 0:
        return ngettext("%(num)d arbetstimme", "%(num)d arbetstimmar", minutes // 60)
    return ngettext("%(num)d minut", "%(num)d minuter", minutes)


def breach_state(ticket, now: datetime) -> dict[str, bool]:
    """Which targets the ticket has missed as of `now` (a pending ticket's clock is stopped)."""
    if ticket.state not in ("new", "open") and ticket.pending_since is None:
        return {"first_response": ticket.first_response_breached, "resolution": ticket.resolution_breached}
    reference = ticket.pending_since or now
    return {
        "first_response": ticket.first_response_at is None and reference > ticket.first_response_due,
        "resolution": reference > ticket.resolution_due,
    }

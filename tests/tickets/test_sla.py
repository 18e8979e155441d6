"""SLA arithmetic in business hours (Mon–Fri 08–17 Europe/Stockholm, Swedish public holidays off)."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from support.tickets.sla import (
    BusinessCalendar,
    add_business_seconds,
    business_seconds_between,
    subtract_business_seconds,
)

STOCKHOLM = ZoneInfo("Europe/Stockholm")
CALENDAR = BusinessCalendar()


def local(*args) -> datetime:
    return datetime(*args, tzinfo=STOCKHOLM)


def test_an_hour_inside_the_working_day_is_an_hour_later():
    assert add_business_seconds(local(2026, 11, 18, 9, 0), 3600, CALENDAR) == local(2026, 11, 18, 10, 0)


def test_time_left_on_friday_afternoon_continues_on_monday_morning():
    due = add_business_seconds(local(2026, 11, 20, 16, 0), 2 * 3600, CALENDAR)  # Friday 16:00 + 2 h
    assert due == local(2026, 11, 23, 9, 0)


def test_a_ticket_sent_on_saturday_starts_counting_on_monday_at_eight():
    assert add_business_seconds(local(2026, 11, 21, 12, 0), 30 * 60, CALENDAR) == local(2026, 11, 23, 8, 30)


def test_swedish_public_holidays_are_skipped():
    # Christmas: 24–26 December 2025 (Wed–Fri); 25 and 26 are public holidays, 24 is a de facto holiday
    due = add_business_seconds(local(2025, 12, 23, 16, 0), 2 * 3600, CALENDAR)
    assert due.astimezone(STOCKHOLM).date() in (datetime(2025, 12, 24).date(), datetime(2025, 12, 29).date())
    assert due.astimezone(STOCKHOLM).date() not in (datetime(2025, 12, 25).date(), datetime(2025, 12, 26).date())


def test_national_day_is_not_a_working_day():
    # 6 June 2025 is a Friday and Sweden's national day
    due = add_business_seconds(local(2025, 6, 5, 16, 0), 2 * 3600, CALENDAR)
    assert due == local(2025, 6, 9, 9, 0)


def test_daylight_saving_change_does_not_shift_opening_hours():
    # Clocks go forward on Sunday 29 March 2026; Monday still opens at 08:00 local time
    due = add_business_seconds(local(2026, 3, 27, 16, 30), 3600, CALENDAR)
    assert due == local(2026, 3, 30, 8, 30)


def test_counting_back_from_monday_morning_lands_on_friday_afternoon():
    # Monday 09:00 minus two business hours: one on Monday, one before Friday's close; nights and weekend skipped.
    assert subtract_business_seconds(local(2026, 11, 23, 9, 0), 2 * 3600, CALENDAR) == local(2026, 11, 20, 16, 0)
    # Saturday evening counts back from Friday's close.
    assert subtract_business_seconds(local(2026, 11, 21, 20, 0), 3600, CALENDAR) == local(2026, 11, 20, 16, 0)


def test_counting_back_and_forth_over_a_holiday_returns_to_the_start():
    start = local(2025, 6, 5, 15, 30)  # Thursday before the national day
    later = add_business_seconds(start, 5 * 3600, CALENDAR)
    assert subtract_business_seconds(later, 5 * 3600, CALENDAR) == start


def test_business_seconds_between_counts_only_open_hours():
    start, end = local(2026, 11, 20, 16, 0), local(2026, 11, 23, 9, 0)
    assert business_seconds_between(start, end, CALENDAR) == 2 * 3600
    assert business_seconds_between(end, start, CALENDAR) == 0


def test_extra_closed_dates_are_days_off():
    calendar = BusinessCalendar.from_settings({"closed_dates": ["2026-11-23"]})
    assert add_business_seconds(local(2026, 11, 20, 16, 0), 2 * 3600, calendar) == local(2026, 11, 24, 9, 0)


def test_settings_round_trip():
    calendar = BusinessCalendar.from_settings({"start": "07:30", "end": "16:00", "weekdays": [0, 1, 2, 3]})
    assert BusinessCalendar.from_settings(calendar.to_settings()) == calendar
    assert add_business_seconds(local(2026, 11, 19, 15, 30), 3600, calendar) == local(2026, 11, 23, 8, 0)


def test_utc_input_and_output():
    start = datetime(2026, 11, 18, 8, 0, tzinfo=UTC)  # 09:00 in Stockholm
    assert add_business_seconds(start, 0, CALENDAR) == start
    assert add_business_seconds(start, 3600, CALENDAR) - start == timedelta(hours=1)

"""The demo tickets: realistic variety, and loading twice changes nothing."""

from collections import Counter
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from support.demo import load_demo_users
from support.extensions import db
from support.network.coverage import coverage
from support.network.models import STOCKHOLM
from support.orgs.demo import load_demo_organisation
from support.tickets import sla
from support.tickets.demo import TICKETS, load_demo_tickets
from support.tickets.models import Ticket


def test_demo_tickets_cover_channels_states_and_tiers_and_are_idempotent(app):
    load_demo_organisation()
    load_demo_users("demo")
    db.session.commit()
    first = load_demo_tickets()
    db.session.commit()
    assert first["tickets_created"] == len(TICKETS) >= 35
    tickets = db.session.scalars(select(Ticket)).all()
    assert {t.channel for t in tickets} == {"web", "email", "phone", "api"}
    assert {t.state for t in tickets} == {"new", "open", "pending", "resolved", "closed"}
    assert {t.tier for t in tickets} == {1, 2, 3}
    assert Counter(t.priority for t in tickets).keys() == {"low", "normal", "high", "urgent"}
    assert any(t.merged_into_id for t in tickets) and any("personnummer" in t.flags for t in tickets)
    assert any(t.rating_score for t in tickets)
    again = load_demo_tickets()
    db.session.commit()
    assert again["tickets_created"] == 0
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == len(TICKETS)


# Monday just after opening (a weekend behind it), Wednesday noon and Friday evening: the demo looks the same in
# business time whichever day it is loaded.
LOAD_TIMES = [datetime(2026, 3, 16, 8, 30, tzinfo=STOCKHOLM), datetime(2026, 3, 11, 12, 0, tzinfo=STOCKHOLM),
              datetime(2026, 3, 20, 18, 0, tzinfo=STOCKHOLM)]


def _load(now):
    load_demo_organisation()
    load_demo_users("demo")
    db.session.commit()
    load_demo_tickets(now=now)
    db.session.commit()
    return db.session.scalars(select(Ticket).order_by(Ticket.idempotency_key)).all()


# One test per day for both properties: loading the demo is most of the cost.
@pytest.mark.parametrize("now", LOAD_TIMES, ids=["monday-morning", "wednesday-noon", "friday-evening"])
def test_demo_tickets_are_answered_after_realistic_business_hours_and_a_few_waiting_ones_missed_their_target(
        app, now):
    tickets = _load(now)
    calendar = sla.business_calendar()
    assert all(t.created_at <= now and all(row.created_at <= now + timedelta(seconds=5)
                                           for row in (*t.messages, *t.events)) for t in tickets)
    answered = {t.idempotency_key: sla.business_seconds_between(t.created_at, t.first_response_at, calendar) / 3600
                for t in tickets if t.first_response_at}
    assert len(answered) >= 15 and len(answered) < len(tickets) - 10  # a good many still wait for an answer
    assert sum(hours <= 4 for hours in answered.values()) > len(answered) / 2  # most within a few business hours
    assert any(hours > 9 for hours in answered.values())  # some only the next business day
    assert answered["demo:erik-schema"] == pytest.approx(3.2, abs=0.01)  # assigned after 3 h, answered 12 min on
    assert 0.5 <= coverage(None, now=now).median_first_response_hours <= 24

    waiting = [t for t in tickets if t.state in ("new", "open", "pending")]
    breached = {t.idempotency_key for t in waiting if any(sla.breach_state(t, now).values())}
    assert breached == {"demo:lena-franvaro", "demo:teacher-komvux-2", "demo:peter-elevkonto", "demo:ahmed-dup1",
                        "demo:amina-app"}
    assert len(breached) < len(waiting) / 4

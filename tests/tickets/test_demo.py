"""The demo tickets: realistic variety, and loading twice changes nothing."""

from collections import Counter

from sqlalchemy import func, select

from support.demo import load_demo_users
from support.extensions import db
from support.orgs.demo import load_demo_organisation
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

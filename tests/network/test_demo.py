"""The network's demo content: `support demo` gives the running service announcements, network threads and a
rollout with waves, so the pages are not empty, and loading it twice adds nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from support.accounts.models import User
from support.demo import load_demo_users
from support.extensions import db
from support.network import announcements
from support.network.announcement_models import Announcement
from support.network.demo import DEMO_ASSESSMENT_PILOT, DEMO_NOTICES, DEMO_THREADS, load_demo_network
from support.network.space_models import NetworkThread
from support.orgs.demo import load_demo_organisation
from tests.conftest import login, module_data

KARIN, JONAS = "karin.lindqvist@skolplattformen.example", "jonas.ek@skolplattformen.example"


def _load_demo_network(_factory):
    """The demo organisation, people and network content as `support demo` loads them (built once per module: each
    test runs in a savepoint of it); the data is what `load_demo_network` reported."""
    load_demo_organisation()
    load_demo_users("demo")
    db.session.commit()
    summary = load_demo_network()
    db.session.commit()
    return summary


demo = module_data(_load_demo_network, name="demo")


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_demo_has_an_incident_now_a_planned_change_for_a_wave_and_one_that_is_over(app, demo):
    summary = demo
    assert summary["announcements_created"] == len(DEMO_NOTICES) == 3
    status = announcements.status_page(None)
    assert [n.title for n in status["current"]] == ["Frånvaroanmälan i appen tar lång tid"]
    assert [(n.kind, n.waves) for n in status["upcoming"]] == [("change", (DEMO_ASSESSMENT_PILOT[0],))]
    assert [a.title for a in status["past"]] == ["Schemat visade fel salar"]


def test_the_demo_threads_have_replies_one_solved_by_the_desk_and_one_unanswered(app, demo):
    summary = demo
    assert summary["threads_created"] == len(DEMO_THREADS) == 5
    threads = db.session.scalars(select(NetworkThread)).all()
    solved = [t for t in threads if t.solved_at]
    assert len(solved) == 1 and any(post.is_answer and post.author.email.startswith("mikael.oberg")
                                     for post in solved[0].posts)
    assert sorted(t.reply_count for t in threads) == [0, 0, 1, 1, 2]


def test_loading_the_demo_twice_adds_no_announcement_thread_or_rollout(app, demo):
    counts = [_count(model) for model in (Announcement, NetworkThread)]
    again = load_demo_network()
    db.session.commit()
    assert again["announcements_created"] == again["threads_created"] == again["rollouts_recorded"] == 0
    assert [_count(model) for model in (Announcement, NetworkThread)] == counts


def test_the_waves_planned_change_is_mailed_to_the_pilot_schools_superuser_only(app, demo):
    from support.outbox.models import OutgoingMail

    change = db.session.scalar(select(Announcement).where(Announcement.kind == "change"))
    assert {person.email for person in announcements.affected_superusers(change)} == {JONAS}
    mails = db.session.scalars(select(OutgoingMail).where(OutgoingMail.category == "announcement",
                                                          OutgoingMail.subject.contains(change.title)))
    mailed = {address for mail in mails for address in mail.to_addrs}
    assert mailed == {JONAS}


def test_a_demo_superuser_sees_the_incident_and_the_network_on_their_day(app, demo):
    client = app.test_client()
    assert login(client, KARIN, "demo").status_code == 302
    day = client.get("/min-dag").get_data(as_text=True)
    assert "Frånvaroanmälan i appen tar lång tid" in day  # an incident at her compulsory school, in her systems
    assert "Teams-grupperna för de nya klasserna har inte skapats" in day  # unanswered, in a system she covers
    space = client.get("/natverket/fragor").get_data(as_text=True)
    assert "Frånvaro syns inte för vårdnadshavare efter rättning" in space
    assert "Inför bedömningspiloten" in space


def test_a_demo_superusers_median_first_response_is_believable_and_the_coverage_pages_measure(app, demo):
    from datetime import datetime

    from support.network import home
    from support.network.models import STOCKHOLM
    from support.tickets.demo import load_demo_tickets

    now = datetime(2026, 3, 18, 12, 0, tzinfo=STOCKHOLM)  # mid-month, so "this month" holds the demo's fortnight
    load_demo_tickets(now=now)
    db.session.commit()
    karin = db.session.scalar(select(User).where(User.email == KARIN))
    day = home.day_of(karin, now=now)
    assert day.first_responses == 4 and day.answered_this_month == 4  # her own ticket is not an answer
    # Answered after 1.5, 3.2, 14 and 16.2 business hours: the median counts no nights or weekends.
    assert 0.5 <= day.median_first_response_hours <= 24
    assert day.median_first_response_hours == pytest.approx(8.6, abs=0.01)

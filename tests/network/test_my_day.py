"""A superuser's day (/min-dag): their queue, unanswered questions in their systems, new internal articles and
their own numbers; nobody else has the page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kb import service as kb
from support.database import utcnow
from support.extensions import db
from support.network import coverage, home, space
from support.network import service as network
from support.network.models import STOCKHOLM
from support.tickets import service as tickets
from support.tickets.models import Message
from tests.conftest import login
from tests.network.conftest import ROLES


def _client(app, person):
    client = app.test_client()
    if person is not None:
        assert login(client, person.email).status_code == 302
    return client


def _ticket(org, subject="Schemat syns inte", requester=None, school=None):
    ticket = tickets.file_ticket(tickets.Filing(subject=subject, body="Tomt.", channel="web",
                                   requester=requester or org.pedagogue, school=school or org.ekbacka,
                                   system="schedule"))
    db.session.commit()
    return ticket


def _article(article_id, title, *, visibility="internal", audiences=("superuser",), status="published"):
    kb.save_article(kb.ArticleData(id=article_id, title=title, body="Text.", audiences=list(audiences),
                                   visibility=visibility, system="login", status=status))
    db.session.commit()


@pytest.mark.parametrize("who", ROLES)
def test_only_superusers_have_a_day_page(app, org, who):
    response = _client(app, getattr(org, who)).get("/min-dag")
    if who == "anonymous":
        assert response.status_code == 302
    else:
        assert response.status_code == (200 if who in {"superuser_here", "superuser_other"} else 404)


def test_the_nav_links_the_day_page_for_superusers_only(app, org):
    assert 'href="/min-dag"' in _client(app, org.superuser_here).get("/min-skola").get_data(as_text=True)
    assert 'href="/min-dag"' not in _client(app, org.agent).get("/min-skola").get_data(as_text=True)


def test_the_day_shows_the_schools_queue_and_not_another_schools(app, org):
    _ticket(org, "Närvaron sparas inte")
    _ticket(org, "Betygen syns inte", requester=org.teacher_and_guardian, school=org.hasselby)
    page = _client(app, org.superuser_here).get("/min-dag").get_data(as_text=True)
    assert "1 öppet ärende" in page and "Närvaron sparas inte" in page and "Betygen syns inte" not in page
    assert "/arbetsyta?ko=my_schools" in page


def test_the_day_lists_unanswered_questions_in_the_superusers_systems(app, org):
    network.ensure_appointment(org.ekbacka, org.superuser_here, systems=["schedule"])
    space.ask(org.superuser_other, title="Schemat visar fel vecka", body="Vecka 12 i stället för 13.",
              system="schedule")
    space.ask(org.superuser_other, title="Teams-mötet startar inte", body="Länken är död.", system="teams")
    answered = space.ask(org.superuser_other, title="Schemat för vikarier", body="Hur?", system="schedule")
    space.reply(answered, org.agent, "Så här.")
    db.session.commit()
    page = _client(app, org.superuser_here).get("/min-dag").get_data(as_text=True)
    assert "Schemat visar fel vecka" in page
    assert "Teams-mötet startar inte" not in page and "Schemat för vikarier" not in page


def test_the_day_lists_new_internal_articles_the_superuser_may_read(app, org):
    _article("nytt-for-superanvandare", "Nytt för superanvändare")
    _article("bara-for-desken", "Bara för desken", audiences=("support",))
    _article("for-alla", "För alla pedagoger", visibility="public", audiences=("pedagogue",))
    _article("utkast-internt", "Utkast internt", status="draft")
    page = _client(app, org.superuser_here).get("/min-dag").get_data(as_text=True)
    assert "Nytt för superanvändare" in page
    assert "Bara för desken" not in page and "För alla pedagoger" not in page and "Utkast internt" not in page


# A pinned week with no Swedish public holiday (Easter 2026 is in April), so the test never depends on today.
NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    """`hour`:`minute` Stockholm time on March `day`, 2026."""
    return datetime(2026, 3, day, hour, minute, tzinfo=STOCKHOLM).astimezone(UTC)


def _answered(org, filed: datetime, answered: datetime, by=None):
    """A ticket filed at `filed` whose first public answer, by `by` (the superuser), came at `answered`."""
    ticket = _ticket(org)
    tickets.reply(ticket, author=by or org.superuser_here, body="Jag tittar på det.")
    db.session.commit()
    ticket.created_at = filed
    ticket.first_response_at = answered
    for message in ticket.messages:
        message.created_at = answered if message.author_id == (by or org.superuser_here).id else filed
    db.session.commit()
    return ticket


def test_the_median_first_response_counts_business_hours_not_the_night_or_the_weekend(app, org):
    _answered(org, _at(16, 9), _at(16, 9, 30))  # Monday morning, half an hour
    _answered(org, _at(17, 10), _at(17, 13))  # Tuesday, three hours
    _answered(org, _at(13, 16), _at(16, 9))  # Friday 16:00 to Monday 09:00: two business hours, not 65
    _answered(org, _at(18, 8), _at(18, 8, 5), by=org.superuser_here_2)  # the other superuser's answer
    _ticket(org, "Obesvarat")  # never answered
    day = home.day_of(org.superuser_here, now=NOW)
    assert day.first_responses == 3
    assert day.median_first_response_hours == pytest.approx(2.0, abs=0.01)


def test_the_day_and_the_coverage_page_give_the_same_median_for_the_same_tickets(app, org):
    for filed, answered in ((_at(16, 9), _at(16, 9, 30)), (_at(17, 10), _at(17, 13)), (_at(13, 16), _at(16, 9)),
                            (_at(19, 15), _at(20, 11))):
        _answered(org, filed, answered)
    school = next(row for row in coverage.coverage(org.bromma, period_days=30, now=NOW).schools
                  if row.id == org.ekbacka.id)
    assert school.median_first_response_hours == pytest.approx(2.5, abs=0.01)
    assert home.day_of(org.superuser_here, now=NOW).median_first_response_hours == pytest.approx(2.5, abs=0.01)


def test_the_day_page_labels_the_median_as_the_coverage_page_does(app, org):
    ticket = _ticket(org)
    tickets.reply(ticket, author=org.superuser_here, body="Jag tittar på det.")
    db.session.commit()
    client = _client(app, org.superuser_here)
    page = client.get("/min-dag").get_data(as_text=True)
    assert "Ärenden jag har svarat på</dt><dd>1</dd>" in page
    assert "Median första svar</dt><dd>" in page and " h</dd>" in page
    assert "Räknat i arbetstid" in page and "på 1 ärende" in page
    client.post("/sprak", data={"language": "en", "next": "/min-dag"})
    english = client.get("/min-dag").get_data(as_text=True)
    assert "Median first response</dt><dd>" in english and "business hours" in english


def test_the_superusers_own_tickets_are_not_counted_as_answered(app, org):
    _ticket(org, "Min egen fråga", requester=org.superuser_here)
    day = home.day_of(org.superuser_here)
    assert day.answered_this_month == 0 and day.first_responses == 0


def test_replies_from_last_month_do_not_count(app, org):
    ticket = _ticket(org)
    tickets.reply(ticket, author=org.superuser_here, body="Svar.")
    db.session.commit()
    for message in ticket.messages:
        message.created_at = home.month_start() - timedelta(days=1)
    ticket.first_response_at = home.month_start() - timedelta(days=1)
    db.session.commit()
    day = home.day_of(org.superuser_here)
    assert day.answered_this_month == 0 and day.median_first_response_hours is None
    assert db.session.query(Message).count() == 2


def test_the_day_lists_the_active_announcements_that_concern_the_superuser(app, org):
    from support.network import announcements

    notice = announcements.publish(by=org.agent, kind="incident", title="Schemat visas inte i appen",
                                   severity="major", starts_at=utcnow() - timedelta(minutes=5), body="Vi felsöker.")
    announcements.publish(by=org.agent, kind="change", title="Ny inloggning i vår", severity="info",
                          starts_at=utcnow() + timedelta(days=30), body="Planerat.")
    db.session.commit()
    page = _client(app, org.superuser_here).get("/min-dag").get_data(as_text=True)
    assert "Driftinformation som gäller dig" in page
    assert f'href="/driftinformation/{notice.id}"' in page and "Schemat visas inte i appen" in page
    assert "Ny inloggning i vår" not in page  # not active yet

"""The network's pages: Min skola for everyone signed in, and the staff's directory with appointments."""

from __future__ import annotations

from datetime import timedelta

import pytest

from support.extensions import db
from support.network import service
from tests.conftest import login


def _client(app, person):
    client = app.test_client()
    assert login(client, person.email).status_code == 302
    return client


def test_a_teacher_finds_their_superusers_and_the_schools_support_address_on_min_skola(app, org):
    page = _client(app, org.pedagogue).get("/min-skola").get_data(as_text=True)
    assert "Karin Lindqvist" in page and "karin@example.com" in page and "Olle Ström" in page
    assert "support+ekbackaskolan@" in page


def test_min_skola_shows_who_is_away_and_their_stand_in(app, org):
    service.mark_away(org.superuser_here, starts_on=service.today(),
                      ends_on=service.today() + timedelta(days=3), stand_in=org.superuser_here_2)
    db.session.commit()
    page = _client(app, org.pedagogue).get("/min-skola").get_data(as_text=True)
    assert "Tillfälligt otillgänglig" in page and "Ersättare: Olle Ström" in page


@pytest.mark.parametrize("who", ["guardian", "student"])
def test_guardians_and_students_are_sent_to_the_service_desk_not_to_superusers(app, org, who):
    page = _client(app, getattr(org, who)).get("/min-skola").get_data(as_text=True)
    assert "Karin Lindqvist" not in page and "karin@example.com" not in page
    assert "Servicedesk Skolplattformen" in page


def test_a_school_without_superusers_says_none_is_appointed(app, org, factory):
    factory.school("Komvux Söder", slug="komvux-soder", administration=org.hasselby_admin)
    teacher = factory.user(groups=["pedagogue:komvux-soder"])
    db.session.commit()
    assert "Ingen superanvändare utsedd" in _client(app, teacher).get("/min-skola").get_data(as_text=True)


def test_min_skola_needs_a_sign_in(client, org):
    assert client.get("/min-skola").status_code == 302


def test_a_superuser_marks_themselves_away_and_keeps_what_they_typed_when_refused(app, org):
    client = _client(app, org.superuser_here)
    day = service.today()
    refused = client.post("/min-skola/franvaro", data={"starts_on": day.isoformat(),
                                                       "ends_on": (day - timedelta(days=1)).isoformat()})
    assert refused.status_code == 400
    assert "Sista dagen kan inte vara före första dagen." in refused.get_data(as_text=True)
    assert day.isoformat() in refused.get_data(as_text=True)
    saved = client.post("/min-skola/franvaro", data={"starts_on": day.isoformat(), "ends_on": day.isoformat(),
                                                     "stand_in": str(org.superuser_here_2.id)})
    assert saved.status_code == 302
    assert service.current_absence(org.superuser_here).stand_in_id == org.superuser_here_2.id


@pytest.mark.parametrize("data", [{"starts_on": "x", "ends_on": "y"}, {"starts_on": "2026-02-31"},
                                  {"starts_on": "9999999-01-01", "ends_on": "2026-01-01", "stand_in": "9" * 40}])
def test_nonsense_absence_input_is_a_clear_refusal_not_an_error(app, org, data):
    assert _client(app, org.superuser_here).post("/min-skola/franvaro", data=data).status_code == 400


def test_nobody_ends_someone_elses_absence(app, org):
    absence = service.mark_away(org.superuser_here, starts_on=service.today(), ends_on=service.today())
    db.session.commit()
    assert _client(app, org.superuser_here_2).post(f"/min-skola/franvaro/{absence.id}/ta-bort").status_code == 404


def test_a_coordinator_browses_only_their_administration(app, org):
    client = _client(app, org.coordinator_here)
    page = client.get("/natverket/skolor?forvaltning=hasselby-vallingby").get_data(as_text=True)
    assert "Ekbackaskolan" in page and "Hässelbyskolan" not in page
    assert client.get("/natverket/skolor/hasselbyskolan").status_code == 404
    assert client.post("/natverket/skolor/hasselbyskolan/utse",
                       data={"email": "jonas@example.com", "systems": ["login"]}).status_code == 404


def test_an_agent_searches_the_schools_of_any_administration(app, org):
    page = _client(app, org.agent).get("/natverket/skolor?forvaltning=hasselby-vallingby&q=hässelby")
    assert "Hässelbyskolan" in page.get_data(as_text=True)


@pytest.mark.parametrize("who", ["pedagogue", "superuser_here", "guardian", "kb_editor"])
def test_people_outside_the_desk_and_the_coordinators_do_not_browse_the_network(app, org, who):
    assert _client(app, getattr(org, who)).get("/natverket/skolor").status_code == 403


def test_a_coordinator_appoints_a_teacher_and_records_training(app, org):
    client = _client(app, org.coordinator_here)
    response = client.post("/natverket/skolor/ekbackaskolan/utse",
                           data={"email": "erik@example.com", "systems": ["schedule", "attendance"]})
    assert response.status_code == 302
    db.session.expire_all()
    assert org.pedagogue.has_role("superuser", org.ekbacka.id)
    response = client.post(f"/natverket/skolor/ekbackaskolan/personer/{org.pedagogue.id}/utbildning",
                           data={f"utb{org.pedagogue.id}-module": "basic",
                                 f"utb{org.pedagogue.id}-completed_on": service.today().isoformat()})
    assert response.status_code == 302
    page = client.get("/natverket/skolor/ekbackaskolan").get_data(as_text=True)
    assert "Erik Nilsson" in page and "Grundutbildning" in page and "Annika Sandberg" in page


def test_appointing_an_unknown_address_keeps_the_form_and_says_why(app, org):
    response = _client(app, org.admin).post("/natverket/skolor/ekbackaskolan/utse",
                                            data={"email": "ingen@example.com", "systems": ["login"]})
    assert response.status_code == 400
    assert "Det finns ingen användare med den e-postadressen." in response.get_data(as_text=True)
    assert "ingen@example.com" in response.get_data(as_text=True)


def test_the_refresher_list_shows_a_coordinator_only_their_administration(app, org):
    page = _client(app, org.coordinator_here).get("/natverket/repetition").get_data(as_text=True)
    assert "Karin Lindqvist" in page and "Jonas Ek" not in page

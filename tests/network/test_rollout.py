"""Rollout per school: recorded on the school's network page by admins and its coordinator, with go-live risks."""

from __future__ import annotations

from datetime import timedelta

import pytest

from support.extensions import db
from support.network import rollout, service
from support.network.models import NetworkEvent
from tests.conftest import login


def _client(app, person):
    client = app.test_client()
    assert login(client, person.email).status_code == 302
    return client


def _day(days: int) -> str:
    return (service.today() + timedelta(days=days)).isoformat()


def test_a_coordinator_records_a_go_live_with_the_old_system_beside_it(app, org):
    client = _client(app, org.coordinator_here)
    response = client.post("/natverket/skolor/ekbackaskolan/inforande", data={
        "system": "attendance", "live_on": _day(-30), "wave": "Våg 2 – grundskola",
        "legacy_system": "Gamla frånvarosystemet", "legacy_until": _day(30)})
    assert response.status_code == 302
    page = client.get("/natverket/skolor/ekbackaskolan").get_data(as_text=True)
    assert "Frånvaro och närvaro" in page and "Våg 2 – grundskola" in page and "Gamla frånvarosystemet" in page
    assert db.session.query(NetworkEvent).filter_by(kind="rollout", actor_id=org.coordinator_here.id).count() == 1


def test_saving_a_listed_system_again_changes_its_line(app, org):
    client = _client(app, org.admin)
    for wave in ("Våg 1", "Våg 2"):
        client.post("/natverket/skolor/ekbackaskolan/inforande", data={"system": "schedule", "live_on": _day(5),
                                                                       "wave": wave})
    assert [(r.system, r.wave) for r in rollout.rollouts_of(org.ekbacka)] == [("schedule", "Våg 2")]


def test_the_change_link_fills_the_form_with_the_line(app, org):
    rollout.set_rollout(org.ekbacka, system="schedule", live_on=service.today(), wave="Våg 7", by=org.admin)
    db.session.commit()
    page = _client(app, org.admin).get("/natverket/skolor/ekbackaskolan?inforande=schedule").get_data(as_text=True)
    assert 'value="Våg 7"' in page and f'value="{service.today().isoformat()}"' in page


def test_an_old_system_closing_before_the_go_live_is_refused_and_the_input_kept(app, org):
    response = _client(app, org.admin).post("/natverket/skolor/ekbackaskolan/inforande", data={
        "system": "schedule", "live_on": _day(10), "legacy_system": "Gamla schemat", "legacy_until": _day(5)})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Det gamla systemet kan inte stängas före driftstarten av det nya." in page
    assert 'value="Gamla schemat"' in page
    assert rollout.rollouts_of(org.ekbacka) == []


@pytest.mark.parametrize("data", [{}, {"system": "nope", "live_on": _day(1)}, {"system": "schedule", "live_on": "x"},
                                  {"system": "schedule", "live_on": "99999-01-01"},
                                  {"system": "schedule", "live_on": "1800-01-01"},
                                  {"system": "schedule", "live_on": _day(1), "wave": "v" * 41},
                                  {"system": "schedule", "live_on": _day(1), "legacy_until": _day(2)}])
def test_nonsense_rollout_input_is_a_clear_refusal_not_an_error(app, org, data):
    assert _client(app, org.admin).post("/natverket/skolor/ekbackaskolan/inforande", data=data).status_code == 400
    assert rollout.rollouts_of(org.ekbacka) == []


def test_the_school_page_warns_of_a_go_live_without_a_trained_superuser_until_one_is_trained(app, org):
    rollout.set_rollout(org.ekbacka, system="assessment", live_on=service.today() + timedelta(days=20),
                        by=org.admin)
    db.session.commit()
    client = _client(app, org.coordinator_here)
    assert "Risk:" in client.get("/natverket/skolor/ekbackaskolan").get_data(as_text=True)
    service.record_training(org.superuser_here_2, module="system-deep-dive", system="assessment",
                            completed_on=service.today(), by=org.admin)
    db.session.commit()
    assert "Risk:" not in client.get("/natverket/skolor/ekbackaskolan").get_data(as_text=True)


def test_an_agent_reads_the_rollout_but_has_no_form(app, org):
    rollout.set_rollout(org.ekbacka, system="schedule", live_on=service.today(), by=org.admin)
    db.session.commit()
    page = _client(app, org.agent).get("/natverket/skolor/ekbackaskolan").get_data(as_text=True)
    assert "Införande av system" in page and "Schema" in page
    assert "Spara införandet" not in page


def test_removing_a_line_of_another_school_is_not_found(app, org):
    other = rollout.set_rollout(org.hasselby, system="schedule", live_on=service.today(), by=org.admin)
    db.session.commit()
    response = _client(app, org.admin).post(f"/natverket/skolor/ekbackaskolan/inforande/{other.id}/ta-bort")
    assert response.status_code == 404
    assert len(rollout.rollouts_of(org.hasselby)) == 1


def test_the_demo_gives_every_school_its_waves_and_pilots_assessment_in_bromma(app, org, factory):
    from support.network.demo import load_demo_rollout

    preschool = factory.school("Solrosens förskola", slug="solros", forms=("preschool",), administration=org.bromma)
    db.session.commit()
    first = load_demo_rollout()
    assert first > 0 and load_demo_rollout() == 0  # idempotent
    ekbacka = {r.system: r for r in rollout.rollouts_of(org.ekbacka)}
    assert set(ekbacka) == {"schedule", "attendance", "assessment"}
    assert 0 < (ekbacka["assessment"].live_on - service.today()).days <= 6 * 7  # the pilot: inside the window
    assert ekbacka["attendance"].legacy_system == "Gamla frånvarosystemet"
    assert {r.system for r in rollout.rollouts_of(preschool)} == {"documentation", "app", "messages"}


def test_the_wave_field_offers_the_waves_other_schools_are_in(app, org):
    rollout.set_rollout(org.hasselby, system="assessment", live_on=service.today(), wave="Våg 3 – bedömning, pilot",
                        by=org.admin)
    db.session.commit()
    page = _client(app, org.coordinator_here).get("/natverket/skolor/ekbackaskolan").get_data(as_text=True)
    assert 'list="wave-names"' in page and '<option value="Våg 3 – bedömning, pilot">' in page

"""Announcements targeted by rollout wave: a wave is the name on the schools' rollout lines (support/network/rollout),
and an announcement for a wave reaches the people of exactly those schools — in the banner, in the superusers' mail
and on the ticket form — and no one else."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from support.database import utcnow
from support.extensions import db
from support.network import announcements, rollout
from support.network.announcement_models import Announcement
from support.network.service import today
from support.outbox.models import OutgoingMail
from tests.conftest import login
from tests.network.conftest import ROLES

PILOT, LATER = "Våg 3 – bedömning, pilot", "Våg 3 – bedömning"


@pytest.fixture
def waves(org, factory):
    """Ekbackaskolan is in the pilot wave, Hässelbyskolan in the later one, a third school in no wave."""
    rollout.set_rollout(org.ekbacka, system="assessment", live_on=today() + timedelta(days=20), wave=PILOT,
                        by=org.admin)
    rollout.set_rollout(org.ekbacka, system="schedule", live_on=today() - timedelta(days=90), wave="Våg 2",
                        by=org.admin)
    rollout.set_rollout(org.hasselby, system="assessment", live_on=today() + timedelta(days=90), wave=LATER,
                        by=org.admin)
    factory.school("Björkskolan", slug="bjorkskolan", administration=org.bromma)
    db.session.commit()
    return org


def _publish(by, **fields) -> Announcement:
    values = {"kind": "incident", "title": "Bedömningsmodulen svarar inte", "severity": "major",
              "starts_at": utcnow() - timedelta(minutes=5)}
    values.update(fields)
    announcement = announcements.publish(by=by, **values)
    db.session.commit()
    return announcement


def _sees(person, announcement) -> bool:
    return announcement.id in {notice.id for notice in announcements.banner_for(person)}


# Who the pilot wave's notice reaches: everyone at Ekbackaskolan (Lars as its guardian) and the service desk; not
# Hässelbyskolan (a wave of its own), not visitors, not coordinators or editors who belong to no school.
PEOPLE = [*ROLES, "superuser_here_2", "teacher_and_guardian"]
REACHES_PILOT = {"guardian", "student", "pedagogue", "administrator", "superuser_here", "superuser_here_2", "agent",
                 "admin", "teacher_and_guardian"}


@pytest.mark.parametrize("who", PEOPLE)
def test_a_wave_notice_reaches_exactly_the_people_of_the_schools_in_the_wave(waves, who):
    notice = _publish(waves.agent, waves=[PILOT])
    assert _sees(getattr(waves, who), notice) == (who in REACHES_PILOT)


@pytest.mark.parametrize(("targets", "expected"), [
    ({"waves": [PILOT], "audiences": ["superuser"]}, {"superuser_here", "superuser_here_2", "agent", "admin"}),
    ({"waves": [PILOT, LATER], "audiences": ["superuser"]},
     {"superuser_here", "superuser_here_2", "superuser_other", "agent", "admin"}),
    # Jonas and Lars teach at Hässelbyskolan; Lars's place at Ekbackaskolan is as a guardian.
    ({"waves": [LATER], "audiences": ["pedagogue"]}, {"superuser_other", "teacher_and_guardian", "agent", "admin"}),
    ({"waves": [PILOT], "administration_ids": "hasselby"}, {"agent", "admin"}),  # both must hold: no school does
    ({"waves": ["Våg 9 – finns inte"]}, {"agent", "admin"}),
])
def test_a_wave_combines_with_the_other_targets_for_the_same_school(waves, targets, expected):
    if targets.get("administration_ids") == "hasselby":
        targets = {**targets, "administration_ids": [waves.hasselby_admin.id]}
    notice = _publish(waves.agent, **targets)
    assert {who for who in PEOPLE if _sees(getattr(waves, who), notice)} == expected


def test_a_school_that_joins_the_wave_later_is_reached_from_then_on(waves, factory):
    teacher = factory.user(groups=["pedagogue:bjorkskolan"])
    db.session.commit()
    notice = _publish(waves.agent, waves=[PILOT])
    assert not _sees(teacher, notice)
    from support.orgs.service import school_by_slug

    rollout.set_rollout(school_by_slug("bjorkskolan"), system="assessment", live_on=today(), wave=PILOT,
                        by=waves.admin)
    db.session.commit()
    assert _sees(teacher, notice)


def _mailed() -> set[str]:
    return {address for mail in db.session.scalars(select(OutgoingMail).where(OutgoingMail.category == "announcement"))
            for address in mail.to_addrs}


def test_a_wave_notice_mails_the_superusers_of_the_schools_in_the_wave_and_no_one_else(waves):
    _publish(waves.agent, waves=[PILOT])
    assert _mailed() == {"karin@example.com", "olle@example.com"}


def test_a_notice_for_the_later_wave_mails_only_its_schools_superuser(waves):
    _publish(waves.agent, waves=[LATER], kind="change", severity="info")
    assert _mailed() == {"jonas@example.com"}


def _client(app, person):
    client = app.test_client()
    assert login(client, person.email).status_code == 302
    return client


def test_the_ticket_form_warns_of_a_wave_incident_only_at_schools_in_the_wave(app, waves):
    _publish(waves.agent, title="Bedömningsmodulen svarar inte", waves=[PILOT], systems=["assessment"])
    assert "Det pågår en känd störning" in _client(app, waves.pedagogue).get("/arenden/nytt").get_data(as_text=True)
    page = _client(app, waves.superuser_other).get("/arenden/nytt").get_data(as_text=True)
    assert "Det pågår en känd störning" not in page and "Bedömningsmodulen svarar inte" not in page


def test_an_agent_picks_a_wave_on_the_form_and_the_page_says_whom_it_concerns(app, waves):
    agent = _client(app, waves.agent)
    form = agent.get("/driftinformation/ny").get_data(as_text=True)
    assert f'value="{PILOT}"' in form and f'value="{LATER}"' in form and 'value="Våg 2"' in form
    response = agent.post("/driftinformation/ny", data={
        "kind": "incident", "title": "Bedömningsmodulen svarar inte", "severity": "major",
        "starts_at": "2026-12-03T08:00", "waves": [PILOT]})
    assert response.status_code == 302
    announcement = db.session.scalar(select(Announcement).where(Announcement.title == "Bedömningsmodulen svarar inte"))
    assert announcement.waves == [PILOT]
    page = agent.get(f"/driftinformation/{announcement.id}").get_data(as_text=True)
    assert f"Införandevåg: {PILOT}" in page
    edit_form = agent.get(f"/driftinformation/{announcement.id}/andra").get_data(as_text=True)
    [pilot_box] = re.findall(rf'<input[^>]*value="{PILOT}"[^>]*>', edit_form)
    [later_box] = re.findall(rf'<input[^>]*value="{LATER}"[^>]*>', edit_form)
    assert "checked" in pilot_box and "checked" not in later_box


def test_a_wave_that_is_not_on_any_rollout_is_refused_by_the_form(app, waves):
    response = _client(app, waves.agent).post("/driftinformation/ny", data={
        "kind": "incident", "title": "Något", "severity": "major", "starts_at": "2026-12-03T08:00",
        "waves": ["Våg 99"]})
    assert response.status_code == 400
    assert db.session.scalar(select(Announcement).where(Announcement.title == "Något")) is None

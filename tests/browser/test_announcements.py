"""Announcements in a real browser: an agent publishes an incident through the staff form, it reaches exactly the
targeted people as a banner, and the status page and the form are axe-clean without sideways scrolling on a phone
and a desktop."""

from __future__ import annotations

import uuid

import pytest

from tests.browser.test_network import WIDTHS
from tests.browser.test_network import check_at_both_widths as check_axe_at_both_widths

expect = pytest.importorskip("playwright.sync_api", reason="browser tests need Playwright").expect

def check_at_both_widths(page, axe_check, name: str) -> None:
    """Axe-clean (and a screenshot) at 390 and 1366 px, and no sideways scrolling at either."""
    check_axe_at_both_widths(page, axe_check, f"announcements-{name}")
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {width}px"


def _signed_in(open_page, login_page, person):
    """A page of its own for `person` (another browser context), signed in on the start page."""
    person_page = open_page()
    login_page(person_page, person)
    return person_page


def _not_shown(person_page, title: str) -> None:
    expect(person_page.get_by_role("heading", level=1)).to_be_visible()
    expect(person_page.get_by_text(title)).to_have_count(0)


def test_an_agent_publishes_an_incident_that_reaches_exactly_the_targeted_people(
        open_page, page, live_server, login_page, axe_check):
    title = f"Frånvaro går inte att registrera {uuid.uuid4().hex[:6]}"
    agent = live_server.create_user(name="Ada Agent", roles=["agent"])
    teacher = live_server.create_user(name="Tea Lärare", groups=["pedagogue:ekbackaskolan"])
    preschool_guardian = live_server.create_user(name="Vera Vårdnadshavare", groups=["guardian:solrosens-forskola"])

    login_page(page, agent)
    page.get_by_role("link", name="Driftinformation").first.click()
    page.get_by_role("link", name="Ny driftinformation").click()
    check_at_both_widths(page, axe_check, "form")
    page.get_by_label("Rubrik", exact=True).fill(title)
    page.get_by_label("Allvarlighetsgrad").select_option(label="Stor påverkan")
    page.get_by_label("Beskrivning").fill("Vi felsöker. **Registrera på papper** så länge.")
    page.get_by_label("Pedagoger", exact=True).check()
    page.get_by_label("Grundskola", exact=True).check()
    page.get_by_label("Frånvaro och närvaro", exact=True).check()
    page.get_by_label("Skolor", exact=True).fill("Ekbackaskolan")
    page.get_by_role("button", name="Publicera").click()
    expect(page.locator(".flash-success")).to_contain_text("Driftinformationen är publicerad.")
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    page.get_by_role("link", name="All driftinformation").click()
    expect(page.locator(".announcement-card", has_text=title)).to_contain_text("Registrera på papper")
    check_at_both_widths(page, axe_check, "status")

    teacher_page = _signed_in(open_page, login_page, teacher)
    expect(teacher_page.locator(".announcement-banner")).to_contain_text(title)
    teacher_page.goto("/arenden/nytt")
    expect(teacher_page.locator(".incident-notice")).to_contain_text(title)
    check_at_both_widths(teacher_page, axe_check, "ticket-form")

    guardian_page = _signed_in(open_page, login_page, preschool_guardian)
    _not_shown(guardian_page, title)

    page.locator("#main").get_by_role("link", name=title).click()
    page.get_by_role("link", name="Avsluta").click()
    page.get_by_label("Vad hände och vad är åtgärdat?").fill("Tjänsten är omstartad.")
    page.get_by_role("button", name="Avsluta").click()
    expect(page.locator(".flash-success")).to_contain_text("Driftinformationen är avslutad.")
    teacher_page.goto("/")
    expect(teacher_page.get_by_text(title)).to_have_count(0)


def _schools_with_a_wave(live_server, tag: str) -> tuple[str, str, str]:
    """Two compulsory schools of the test's own in Bromma, the first in a rollout wave of its own; returns the
    wave's name and the schools' slugs."""
    from support.accounts.service import find_user_by_email
    from support.extensions import db
    from support.network import rollout
    from support.network.service import today
    from support.orgs.models import Administration
    from support.orgs.service import get_or_create_school

    wave = f"Våg T {tag}"
    admin = live_server.create_user(name="Adam Admin", roles=["admin"])
    with live_server.app.app_context():
        bromma = db.session.query(Administration).filter_by(slug="bromma").one()
        in_wave = get_or_create_school(f"Vågskolan {tag}", bromma, ["compulsory"], slug=f"vagskolan-{tag}")
        get_or_create_school(f"Grannskolan {tag}", bromma, ["compulsory"], slug=f"grannskolan-{tag}")
        db.session.flush()
        rollout.set_rollout(in_wave, system="assessment", live_on=today(), wave=wave, by=find_user_by_email(admin))
        db.session.commit()
    return wave, f"vagskolan-{tag}", f"grannskolan-{tag}"


def test_an_incident_for_a_rollout_wave_reaches_the_schools_in_the_wave_and_not_their_neighbours(
        open_page, page, live_server, login_page, axe_check):
    tag = uuid.uuid4().hex[:6]
    wave, in_wave, neighbour = _schools_with_a_wave(live_server, tag)
    title = f"Bedömningsmodulen svarar inte {tag}"
    agent = live_server.create_user(name="Ada Agent", roles=["agent"])
    teacher = live_server.create_user(name="Tea Lärare", groups=[f"pedagogue:{in_wave}"])
    neighbour_teacher = live_server.create_user(name="Nils Granne", groups=[f"pedagogue:{neighbour}"])

    login_page(page, agent)
    page.goto("/driftinformation/ny")
    page.get_by_label("Rubrik", exact=True).fill(title)
    page.get_by_label("Pedagoger", exact=True).check()
    page.get_by_label(wave, exact=True).check()
    check_at_both_widths(page, axe_check, "form-wave")
    page.get_by_role("button", name="Publicera").click()
    expect(page.locator(".flash-success")).to_contain_text("Driftinformationen är publicerad.")
    expect(page.locator("dl.meta")).to_contain_text(f"Införandevåg: {wave}")

    teacher_page = _signed_in(open_page, login_page, teacher)
    expect(teacher_page.locator(".announcement-banner")).to_contain_text(title)
    check_at_both_widths(teacher_page, axe_check, "banner-wave")

    neighbour_page = _signed_in(open_page, login_page, neighbour_teacher)
    _not_shown(neighbour_page, title)

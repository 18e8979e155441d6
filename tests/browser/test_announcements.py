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


def _incident_at_a_school_of_its_own(live_server, tag: str, systems: list[str]) -> tuple[str, str]:
    """An active incident about `systems` at a compulsory school no other test uses; returns its title and a
    student of the school."""
    from datetime import timedelta

    from support.accounts.service import find_user_by_email
    from support.database import utcnow
    from support.extensions import db
    from support.network import announcements
    from support.orgs.models import Administration
    from support.orgs.service import get_or_create_school

    title = f"Frånvaroanmälan i appen tar lång tid {tag}"
    agent = live_server.create_user(name="Ada Agent", roles=["agent"])
    with live_server.app.app_context():
        bromma = db.session.query(Administration).filter_by(slug="bromma").one()
        school = get_or_create_school(f"Störningsskolan {tag}", bromma, ["compulsory"], slug=f"storningsskolan-{tag}")
        db.session.flush()
        announcements.publish(by=find_user_by_email(agent), kind="incident", title=title, severity="major",
                              starts_at=utcnow() - timedelta(minutes=5), body="Vi felsöker.",
                              school_ids=[school.id], systems=systems)
        db.session.commit()
    student = live_server.create_user(name="Elsa Elev", groups=[f"student:storningsskolan-{tag}"])
    return title, student


def test_the_ticket_form_shows_an_incident_only_while_its_system_is_chosen(
        phone_page, live_server, login_page, axe_check):
    tag = uuid.uuid4().hex[:6]
    title, student = _incident_at_a_school_of_its_own(live_server, tag, ["attendance", "app"])
    login_page(phone_page, student)
    phone_page.goto("/arenden/nytt")
    notice = phone_page.get_by_role("region", name="Det pågår en känd störning")
    expect(notice).to_contain_text(title)  # nothing chosen yet: it may be what they are asking about
    status = phone_page.locator("#incident-notice-status")
    expect(status).to_have_attribute("role", "status")

    phone_page.get_by_label("Vad gäller det?").select_option(label="Schema (Skola24)")
    phone_page.get_by_label("Rubrik").fill("Schemat visar fel sal")
    expect(notice).to_be_hidden()
    ticket_form = phone_page.locator("form[data-suggest-url]")  # the page's banner tells of it as on every page
    expect(ticket_form.get_by_role("link", name=title)).to_have_count(0)

    phone_page.get_by_role("button", name="Skicka ärendet").click()  # without a description: back with errors
    expect(phone_page.locator(".error-summary")).to_be_visible()
    expect(phone_page.get_by_label("Vad gäller det?")).to_have_value("schedule")
    expect(notice).to_be_hidden()  # as the server renders it for the chosen system
    expect(status).to_have_text("")
    axe_check(phone_page)

    phone_page.get_by_label("Vad gäller det?").select_option(label="Frånvaro och närvaro")
    expect(notice).to_be_visible()
    expect(status).to_have_text(f"Det pågår en känd störning: {title}")
    phone_page.get_by_label("Vad gäller det?").focus()
    phone_page.keyboard.press("Tab")  # the notice comes right after the choice it depends on
    expect(ticket_form.get_by_role("link", name=title)).to_be_focused()
    axe_check(phone_page)

"""Announcements in a real browser: an agent publishes an incident through the staff form, it reaches exactly the
targeted people as a banner, and the status page and the form are axe-clean without sideways scrolling on a phone
and a desktop."""

from __future__ import annotations

import uuid

import pytest

from tests.browser.conftest import _new_page
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


def test_an_agent_publishes_an_incident_that_reaches_exactly_the_targeted_people(
        browser, page, live_server, login_page, axe_check):
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

    teacher_context, teacher_page = _new_page(browser, live_server)
    login_page(teacher_page, teacher)
    expect(teacher_page.locator(".announcement-banner")).to_contain_text(title)
    teacher_page.goto("/arenden/nytt")
    expect(teacher_page.locator(".incident-notice")).to_contain_text(title)
    check_at_both_widths(teacher_page, axe_check, "ticket-form")

    guardian_context, guardian_page = _new_page(browser, live_server)
    login_page(guardian_page, preschool_guardian)
    expect(guardian_page.get_by_role("heading", level=1)).to_be_visible()
    expect(guardian_page.get_by_text(title)).to_have_count(0)

    page.locator("#main").get_by_role("link", name=title).click()
    page.get_by_role("link", name="Avsluta").click()
    page.get_by_label("Vad hände och vad är åtgärdat?").fill("Tjänsten är omstartad.")
    page.get_by_role("button", name="Avsluta").click()
    expect(page.locator(".flash-success")).to_contain_text("Driftinformationen är avslutad.")
    teacher_page.goto("/")
    expect(teacher_page.get_by_text(title)).to_have_count(0)
    for context in (teacher_context, guardian_context):
        context.close()

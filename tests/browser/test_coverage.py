"""The city's coverage page in a real browser with the demo organisation (~750 schools): an agent reads it on a
phone and a desktop, without horizontal overflow and axe-clean, and sorts a table from its column header."""

from __future__ import annotations

import pytest

from tests.browser.conftest import keep_screenshot

expect = pytest.importorskip("playwright.sync_api", reason="browser tests need Playwright").expect


def test_an_agent_reads_and_sorts_the_city_coverage_page(page, live_server, login_page, axe_check):
    from support.extensions import db
    from support.network.demo import load_demo_rollout

    with live_server.app.app_context():
        load_demo_rollout()  # the live server has the demo organisation and people, not the rest of `support demo`
        db.session.commit()
    agent = live_server.create_user(name="Ada Agent", roles=["agent"])
    login_page(page, agent)
    page.goto("/natverket/tackning")
    expect(page.get_by_role("heading", level=1)).to_have_text("Täckning i staden")
    expect(page.get_by_role("img", name="Skolor med och utan aktiv superanvändare, per skolform")).to_be_visible()
    expect(page.locator("#risker ~ .table-scroll tbody tr").first).to_be_visible()
    for width in (390, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"horizontal overflow of {overflow}px at {width}px"
        axe_check(page)
        keep_screenshot(page, f"coverage-city-{width}")
    header = page.locator("#skolor ~ .table-scroll").get_by_role("link", name="Skola", exact=True)
    header.click()
    expect(page.locator("#skolor ~ .table-scroll th[aria-sort='ascending']")).to_contain_text("Skola")

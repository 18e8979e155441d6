"""The browser tests' page pool: a page handed to the next test shows the server a signed-out visitor with nothing
left over, and a page the reset cannot clean is never handed on."""

from __future__ import annotations

import pytest

from tests.browser.conftest import DESKTOP, NARROWEST, sign_in

expect = pytest.importorskip("playwright.sync_api", reason="browser tests need Playwright").expect


def test_a_page_comes_back_signed_out_without_routes_and_at_the_viewport_asked_for(page_pool, live_server):
    first = page_pool.take(viewport=DESKTOP)
    sign_in(first.page, "maria.svensson@example.com")
    expect(first.page.get_by_role("button", name="Logga ut")).to_be_visible()
    first.page.route("**/static/**", lambda route: route.abort())
    page_pool.give_back(first)

    again = page_pool.take(viewport=NARROWEST)
    assert again.page is first.page  # the same renderer, not a new context
    assert again.page.viewport_size == NARROWEST
    assert again.context.cookies() == []
    again.page.goto("/")
    expect(again.page.locator("main")).to_contain_text("Välj vem du är")  # the start page of a visitor
    expect(again.page.get_by_role("button", name="Logga ut")).to_have_count(0)
    expect(again.page.locator(".site-header")).to_have_css("background-color", "rgb(8, 70, 132)")  # styled: the
    # route that aborted the stylesheet went with the test that set it
    page_pool.give_back(again)


@pytest.mark.parametrize("leftover", ["listener", "second page", "web storage"])
def test_a_page_the_reset_cannot_clean_is_closed_not_handed_on(page_pool, live_server, leftover):
    taken = page_pool.take(viewport=DESKTOP, locale="sv-FI")  # options of its own: no other test's page
    taken.page.goto("/")
    if leftover == "listener":
        taken.page.on("console", lambda message: None)
    elif leftover == "second page":
        taken.context.new_page()
    else:
        taken.page.evaluate("localStorage.setItem('kvar', '1')")
    page_pool.give_back(taken)
    assert taken.page.is_closed()
    after = page_pool.take(viewport=DESKTOP, locale="sv-FI")
    assert after.page is not taken.page
    page_pool.give_back(after)


def test_a_fresh_context_is_never_kept(page_pool, live_server):
    taken = page_pool.take(fresh=True, viewport=DESKTOP)
    page_pool.give_back(taken)
    assert taken.page.is_closed()

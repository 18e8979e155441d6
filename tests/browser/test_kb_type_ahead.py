"""The search box's type-ahead is the search itself: it suggests for its own example, a partly typed word finds on
Enter what was suggested, and on a group's page it keeps to that group (axe at 390 and 1366 px, none wider than
320 px)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import NARROWEST, PHONE, WIDE

pytestmark = pytest.mark.usefixtures("demo_articles")


def _suggested_titles(page, typed: str) -> list[str]:
    """The titles offered for the whole of ``typed`` (not for a part of it answered on the way)."""
    box = page.locator("#kb-q")
    with page.expect_response(lambda r: "/api/v1/kb/suggest" in r.url
                              and parse_qs(urlsplit(r.url).query).get("q") == [typed]) as answer:
        box.press_sequentially(typed, delay=30)
    expected = [s["title"] for s in answer.value.json()["suggestions"]]
    listbox = page.get_by_role("listbox", name="Förslag")
    expect(listbox.get_by_role("option")).to_have_text(expected)
    return expected


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["390px", "1366px"])
def test_a_partly_typed_word_finds_on_enter_the_titles_the_type_ahead_suggested(open_page, live_server,
                                                                                axe_check, viewport):
    page = open_page(viewport=viewport)
    page.goto("/kb/sok")
    suggested = _suggested_titles(page, "sjukanm")
    assert suggested
    axe_check(page)
    with page.expect_navigation():
        page.locator("#kb-q").press("Enter")
    found = page.locator(".kb-hit h3 a").all_inner_texts()
    assert found[:len(suggested)] == suggested
    expect(page.locator(".kb-did-you-mean")).to_have_count(0)
    axe_check(page)


def test_the_search_boxs_own_example_gets_suggestions(page, live_server):
    page.goto("/kb/")
    hint = page.locator("#kb-q-hint").inner_text()
    assert "sjukanmäla" in hint
    assert any("frånvaro" in title.lower() or "sjukanmäl" in title.lower()
               for title in _suggested_titles(page, "sjukanmäla"))


def test_on_the_guardians_page_the_type_ahead_suggests_only_what_enter_finds_there(page, live_server):
    page.goto("/kb/vardnadshavare")
    suggested = _suggested_titles(page, "frånvaro")
    with page.expect_navigation():
        page.locator("#kb-q").press("Enter")
    assert "malgrupp=guardian" in page.url or "malgrupp=vardnadshavare" in page.url
    assert page.locator(".kb-hit h3 a").all_inner_texts()[:len(suggested)] == suggested


def test_the_suggestions_do_not_scroll_sideways_at_320_px(open_page, live_server):
    page = open_page(viewport=NARROWEST)
    page.goto("/kb/sok")
    _suggested_titles(page, "sjukanm")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320


def test_with_a_filter_chosen_the_type_ahead_suggests_only_what_enter_finds(page, live_server):
    page.goto("/kb/sok?q=x&system=login")
    page.locator("#kb-q").fill("")
    suggested = _suggested_titles(page, "lösenord")
    with page.expect_navigation():
        page.locator("#kb-q").press("Enter")
    assert "system=login" in page.url
    assert page.locator(".kb-hit h3 a").all_inner_texts()[:len(suggested)] == suggested

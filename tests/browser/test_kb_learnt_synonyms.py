"""Synonyms learnt from the search log: readers dig an article out of the results, an editor approves the suggested
line on the synonyms page, and the same words find the article first (axe at 320, 390 and 1366 px, no sideways
scrolling)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kb import reading_log
from tests.browser.conftest import NARROWEST, PHONE, WIDE, new_page
from tests.browser.test_kb_phone_and_keyboard import demo_articles  # noqa: F401 - a fixture

pytestmark = pytest.mark.usefixtures("demo_articles")

QUERY = "barnet syns inte i appen"
ARTICLE = "guardian-child-not-shown"


def test_an_editor_approves_a_synonym_learnt_from_what_searchers_opened(browser, live_server, page, login_page,
                                                                        axe_check):
    for _ in range(2):  # two searches that both had to go past the first result
        page.goto(f"/kb/sok?q={QUERY}")
        result = page.locator(f'.kb-hit a[data-article-id="{ARTICLE}"]')
        assert page.locator(".kb-hit h3 a").first.get_attribute("data-article-id") != ARTICLE
        with page.expect_navigation():
            result.click()
        assert f"/kb/artikel/{ARTICLE}" in page.url
    with live_server.app.app_context():  # what the worker's next pass does: write the searches and clicks
        reading_log.flush()

    editor = live_server.create_user("Elsa Redaktör", roles=["kb_editor"])
    for viewport in (NARROWEST, PHONE, WIDE):
        context, editor_page = new_page(browser, live_server, viewport=viewport)
        login_page(editor_page, editor)
        editor_page.goto("/kb/redaktion/synonymer")
        suggestions = editor_page.locator('table[aria-labelledby="suggestions-heading"]')
        expect(suggestions).to_contain_text(f"{QUERY} =>")
        axe_check(editor_page)
        assert editor_page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        if viewport is WIDE:
            with editor_page.expect_navigation():
                suggestions.get_by_role("button", name=f"Godkänn för ”{QUERY}”").click()
            expect(editor_page.get_by_role("status").first).to_contain_text("Synonymen är tillagd")
            expect(suggestions).not_to_contain_text(f"{QUERY} =>")
        context.close()

    page.goto(f"/kb/sok?q={QUERY}")
    expect(page.locator(".kb-hit h3 a").first).to_have_attribute("data-article-id", ARTICLE)

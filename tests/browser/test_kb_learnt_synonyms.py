"""Synonyms learnt from the search log: readers dig an article out of the results, or a search ends in a ticket
that the desk answers with an article; an editor approves the suggested line on the synonyms page, and the same
words find the article first (axe at 320, 390 and 1366 px, no sideways scrolling)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kb import reading_log
from tests.browser.conftest import NARROWEST, PHONE, WIDE

pytestmark = pytest.mark.usefixtures("demo_articles")

QUERY = "barnet syns inte i appen"
ARTICLE = "guardian-child-not-shown"


def _suggestions_table(editor_page):
    editor_page.goto("/kb/redaktion/synonymer")
    return editor_page.locator('table[aria-labelledby="suggestions-heading"]')


def _accessible_without_sideways_scrolling(page, viewport, axe_check) -> None:
    axe_check(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]


def test_an_editor_approves_a_synonym_learnt_from_what_searchers_opened(open_page, live_server, page, login_page,
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
        editor_page = open_page(viewport=viewport)
        login_page(editor_page, editor)
        suggestions = _suggestions_table(editor_page)
        expect(suggestions).to_contain_text(f"{QUERY} =>")
        _accessible_without_sideways_scrolling(editor_page, viewport, axe_check)
        if viewport is WIDE:
            with editor_page.expect_navigation():
                suggestions.get_by_role("button", name=f"Godkänn för ”{QUERY}”").click()
            expect(editor_page.get_by_role("status").first).to_contain_text("Synonymen är tillagd")
            expect(suggestions).not_to_contain_text(f"{QUERY} =>")

    page.goto(f"/kb/sok?q={QUERY}")
    expect(page.locator(".kb-hit h3 a").first).to_have_attribute("data-article-id", ARTICLE)


TICKET_QUERY = "barnlistan är tom"


def test_an_editor_sees_a_search_that_ended_in_a_ticket_and_approves_the_article_the_reply_pointed_to(
        open_page, live_server, page, login_page, axe_check):
    guardian = live_server.create_user("Tova Vårdnadshavare", groups=["guardian:ekbackaskolan"])
    login_page(page, guardian)
    page.goto(f"/kb/sok?q={TICKET_QUERY}")
    page.goto("/arenden/nytt")
    page.get_by_label("Vad gäller det?").select_option(label="Skolplattformen-appen")
    page.get_by_label("Rubrik").fill("Ser inte min son")
    page.get_by_label("Beskriv frågan").fill("Listan över barn är tom när jag loggar in.")
    with page.expect_navigation():
        page.get_by_role("button", name="Skicka ärendet").click()
    number = page.locator(".ticket-number-big").inner_text().lstrip("#")

    agent_page = open_page(viewport=WIDE)
    login_page(agent_page, live_server.create_user("Ada Agent", roles=["agent"]))
    agent_page.goto(f"/arenden/{number}")
    agent_page.get_by_label("Meddelande").fill(f"Hej! Så här gör du: /kb/artikel/{ARTICLE}")
    agent_page.get_by_role("button", name="Skicka", exact=True).click()
    expect(agent_page.locator(".flash-success")).to_contain_text("Svaret är skickat.")
    with live_server.app.app_context():
        reading_log.flush()

    editor = live_server.create_user("Erik Redaktör", roles=["kb_editor"])
    for viewport in (NARROWEST, WIDE):
        editor_page = open_page(viewport=viewport)
        login_page(editor_page, editor)
        editor_page.goto("/kb/redaktion/rapport")
        ended = editor_page.locator('table[aria-labelledby="ticket-heading"]')
        expect(ended).to_contain_text(TICKET_QUERY)
        expect(ended.get_by_role("link", name=f"Lägg till synonym för ”{TICKET_QUERY}”")).to_be_visible()
        _accessible_without_sideways_scrolling(editor_page, viewport, axe_check)
        row = _suggestions_table(editor_page).locator("tr", has_text=f"{TICKET_QUERY} =>")
        expect(row).to_contain_text("från ärenden")
        _accessible_without_sideways_scrolling(editor_page, viewport, axe_check)
        if viewport is WIDE:
            with editor_page.expect_navigation():
                row.get_by_role("button", name=f"Godkänn för ”{TICKET_QUERY}”").click()
            expect(editor_page.get_by_role("status").first).to_contain_text("Synonymen är tillagd")

    page.goto(f"/kb/sok?q={TICKET_QUERY}")
    expect(page.locator(".kb-hit h3 a").first).to_have_attribute("data-article-id", ARTICLE)

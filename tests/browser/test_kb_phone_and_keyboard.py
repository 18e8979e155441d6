"""Reading the knowledge base on a phone and by keyboard: a short header with a menu button, results above the fold,
headings that stay headings, focus where the reader must look, no sideways scrolling, feedback answered in place."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import NARROWEST, PHONE, WIDE


def test_search_results_keep_their_heading_and_announce_the_count_apart(page, live_server, demo_articles,
                                                                        axe_check):
    page.goto("/kb/sok?q=frånvaro")
    expect(page.get_by_role("heading", level=2, name="Sökresultat")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="träffar")).to_be_visible()
    assert page.locator("h1[role], h2[role], h3[role]").count() == 0
    axe_check(page)


def test_focus_moves_to_the_error_summary_after_a_failed_submit(page, live_server, login_page):
    login_page(page, live_server.create_user("Fia Fokus", roles=["kb_editor"]))
    page.goto("/kb/redaktion/ny")
    with page.expect_navigation():
        page.get_by_role("button", name="Spara utkast").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Välj vilket system artikeln handlar om.")
    assert page.locator("[autofocus]").count() == 0


@pytest.mark.parametrize("path", ["/", "/kb/", "/kb/vardnadshavare", "/kb/sok?q=frånvaro",
                                  "/kb/artikel/guardian-report-absence"])
def test_no_page_scrolls_sideways_at_320_px(open_page, live_server, demo_articles, path):
    page = open_page(viewport=NARROWEST)
    page.goto(path)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320, path


def test_on_a_phone_the_header_stays_short_and_a_menu_button_opens_the_links(phone_page, live_server,
                                                                            demo_articles, axe_check):
    page = phone_page
    page.goto("/kb/vardnadshavare")
    assert page.locator(".site-header").bounding_box()["height"] < 80
    menu = page.get_by_role("button", name="Meny")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#site-menu")).to_be_hidden()
    axe_check(page)
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Logga in")).to_be_visible()
    axe_check(page)
    page.keyboard.press("Tab")
    page.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_focused()


def test_on_a_wide_screen_the_links_show_without_a_menu_button(open_page, live_server, axe_check):
    page = open_page(viewport=WIDE)
    page.goto("/kb/")
    expect(page.get_by_role("button", name="Meny")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Logga in")).to_be_visible()
    axe_check(page)


def test_without_javascript_a_phone_shows_the_menu_links(open_page, live_server):
    page = open_page(viewport=PHONE, java_script_enabled=False)
    page.goto("/kb/")
    expect(page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Logga in")).to_be_visible()
    expect(page.get_by_role("button", name="Meny")).to_be_hidden()


def test_searching_from_a_group_page_on_a_phone_shows_the_first_result_above_the_fold(phone_page, live_server,
                                                                                       demo_articles, axe_check):
    page = phone_page
    page.goto("/kb/vardnadshavare")
    box = page.get_by_role("combobox", name="Sök i hjälpen")
    box.fill("frånvaro")
    with page.expect_navigation():
        box.press("Enter")
    filters = page.locator("details.kb-filters")
    expect(filters).not_to_have_attribute("open", "")
    expect(filters.locator("summary")).to_contain_text("Vårdnadshavare")
    first = page.locator(".kb-hit").first.bounding_box()
    assert first["y"] + first["height"] < PHONE["height"], first
    axe_check(page)
    page.goto("/kb/sok?q=frånvaro&malgrupp=vardnadshavare&skolform=preschool")
    expect(filters).to_have_attribute("open", "")


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["phone", "wide"])
def test_the_start_page_has_the_knowledge_base_search_box(open_page, live_server, demo_articles, axe_check,
                                                          viewport):
    page = open_page(viewport=viewport)
    page.goto("/")
    axe_check(page)
    box = page.get_by_role("combobox", name="Sök i hjälpen")
    box.fill("lösenord")
    with page.expect_navigation():
        box.press("Enter")
    assert "/kb/sok?q=l%C3%B6senord" in page.url
    expect(page.locator(".kb-hit").first).to_be_visible()


def test_feedback_asks_once_shows_the_choice_and_thanks_where_the_buttons_are(phone_page, live_server,
                                                                              demo_articles, axe_check):
    page = phone_page
    page.goto("/kb/artikel/guardian-report-absence")
    expect(page.get_by_text("Var detta till hjälp?", exact=True)).to_have_count(1)
    feedback = page.locator("#feedback")
    feedback.get_by_label("Nej").check()
    with page.expect_navigation():
        feedback.get_by_role("button", name="Skicka svar").click()
    thanks = feedback.get_by_role("status")
    expect(thanks).to_contain_text("Tack för ditt svar!")
    expect(thanks).to_be_focused()
    expect(thanks).to_be_in_viewport()
    expect(feedback.get_by_label("Nej")).to_be_checked()
    expect(feedback.get_by_label("Ja")).not_to_be_checked()
    expect(page.locator(".flash-list")).to_have_count(0)  # not also at the top of the page, out of view
    axe_check(page)

"""What every reader's page shares, tried in Chromium: the contact box's ways to reach the support, focus on the error
summary of any form, feedback answered in place without JavaScript, and one stylesheet before the first paint."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, NARROWEST, PHONE, WIDE, sign_in

ARTICLE = "/kb/artikel/guardian-report-absence"


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["phone", "wide"])
def test_the_contact_box_calls_with_a_tap_and_its_sign_in_leads_on_to_the_ticket_form(
        open_page, live_server, demo_articles, axe_check, viewport):
    email = live_server.create_user("Vilma Vårdnadshavare", groups=["guardian:ekbackaskolan"])
    page = open_page(viewport=viewport)
    page.goto(ARTICLE + "?q=sjukt+barn")
    contact = page.get_by_role("region", name="Hittade du inte svaret?")
    expect(contact.get_by_role("link", name="08-465 004 00")).to_have_attribute("href", "tel:+46846500400")
    axe_check(page)
    with page.expect_navigation():
        contact.get_by_role("link", name="Logga in för att skicka en fråga via webben").click()
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord", exact=True).fill(live_server.demo_password)
    with page.expect_navigation():
        page.get_by_role("button", name="Logga in").click()
    assert page.url.endswith("/arenden/nytt?q=sjukt+barn&artikel=guardian-report-absence"), page.url
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    axe_check(page)


def test_a_long_support_address_wraps_instead_of_widening_the_page_at_320_px(open_page, live_server, demo_articles):
    app = live_server.app
    mailbox = app.config["SUPPORT_MAILBOX"]
    app.config["SUPPORT_MAILBOX"] = "servicedesk.skolplattformen.vardnadshavare.och.elever"
    page = open_page(viewport=NARROWEST)
    try:
        for path in ("/", ARTICLE, "/kb/sok?q=frånvaro"):
            page.goto(path)
            expect(page.get_by_role("link", name=app.config["SUPPORT_MAILBOX"], exact=False).first).to_be_visible()
            assert page.evaluate("document.documentElement.scrollWidth") <= NARROWEST["width"], path
    finally:
        app.config["SUPPORT_MAILBOX"] = mailbox


@pytest.mark.parametrize("form", ["login", "ticket"])
def test_focus_moves_to_the_error_summary_when_a_form_comes_back_with_errors(page, live_server, axe_check, form):
    if form == "login":
        page.goto("/login")
        button = page.get_by_role("button", name="Logga in")
    else:
        sign_in(page, live_server.create_user("Folke Formulär", groups=["guardian:ekbackaskolan"]))
        page.goto("/arenden/nytt")
        button = page.get_by_role("button", name="Skicka ärendet")
    with page.expect_navigation():
        button.click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_be_in_viewport()
    first_link = summary.get_by_role("link").first
    expect(first_link).to_be_visible()
    axe_check(page)


def test_without_javascript_feedback_thanks_in_view_and_keeps_the_choice(open_page, live_server, demo_articles):
    page = open_page(viewport=PHONE, java_script_enabled=False)
    page.goto(ARTICLE)
    feedback = page.locator("#feedback")
    feedback.get_by_label("Ja").check()
    with page.expect_navigation():
        feedback.get_by_role("button", name="Skicka svar").click()
    assert page.url.endswith("#feedback-result"), page.url
    thanks = feedback.get_by_role("status")
    expect(thanks).to_contain_text("Tack för ditt svar!")
    expect(thanks).to_be_in_viewport()
    expect(feedback.get_by_label("Ja")).to_be_checked()
    expect(feedback).to_contain_text("Du har svarat: ja.")


@pytest.mark.fresh_context  # a first visit: a kept page would find the stylesheet in its cache
@pytest.mark.parametrize("path", ["/", "/kb/vardnadshavare", ARTICLE, "/kb/sok?q=frånvaro"])
def test_a_readers_page_loads_one_stylesheet_kept_a_year_and_sent_compressed(page, live_server, demo_articles,
                                                                             path):
    stylesheets = []
    page.on("response", lambda response: stylesheets.append(response)
            if response.request.resource_type == "stylesheet" else None)
    page.set_viewport_size(DESKTOP)
    page.goto(path)
    page.wait_for_load_state("load")
    blocking = [response for response in stylesheets if "print" not in response.url]
    assert len(blocking) == 1, [response.url for response in stylesheets]
    headers = blocking[0].all_headers()
    assert headers.get("content-encoding") in ("gzip", "br", "zstd"), headers
    assert "max-age=31536000" in headers.get("cache-control", ""), headers
    favicon = page.request.get("/favicon.ico")
    assert favicon.ok and "image/svg+xml" in favicon.headers["content-type"]


def test_on_a_phone_the_header_is_short_from_the_first_paint_not_only_once_the_script_runs(phone_page,
                                                                                           live_server):
    page = phone_page
    held = []
    page.route("**/static/js/app.js*", lambda route: held.append(route))  # a slow network: no app.js yet
    page.goto("/kb/vardnadshavare", wait_until="commit")
    expect(page.locator(".site-footer")).to_be_attached()  # the whole page is parsed
    expect(page.locator(".site-header")).to_have_css("background-color", "rgb(8, 70, 132)")  # and styled
    before = page.locator(".site-header").bounding_box()["height"]
    assert before < 80, before  # folded already: nothing jumps up when the script folds it
    for route in held:
        route.continue_()
    menu = page.get_by_role("button", name="Meny")
    expect(menu).to_have_attribute("aria-expanded", "false")
    page.wait_for_load_state("load")
    assert page.locator(".site-header").bounding_box()["height"] == before
    menu.click()
    expect(page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Logga in")).to_be_visible()


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["phone", "wide"])
def test_an_english_reader_meets_english_furniture_dates_and_language_tags(open_page, live_server, demo_articles,
                                                                          axe_check, viewport):
    page = open_page(viewport=viewport)
    page.goto("/kb/")
    menu = page.get_by_role("button", name="Meny")
    if menu.is_visible():
        menu.click()
    with page.expect_navigation():
        page.get_by_role("button", name="In English").click()
    expect(page.locator(".site-footer")).to_contain_text("weekdays 08.00–17.00")
    box = page.get_by_role("combobox", name="Search the help")
    box.fill("frånvaro")
    with page.expect_navigation():
        box.press("Enter")
    expect(page.get_by_role("heading", level=2, name="Search results")).to_be_visible()
    expect(page.locator(".kb-hit-meta").first).to_contain_text("· Svenska")
    expect(page.locator(".kb-hit-meta").filter(has_text="English")).to_have_count(0)
    axe_check(page)
    page.goto(ARTICLE)
    expect(page.locator(".kb-meta time")).to_have_text(re.compile(r"^\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}$"))
    expect(page.get_by_role("heading", name="Was this helpful?")).to_have_count(1)
    axe_check(page)

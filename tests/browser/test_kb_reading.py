"""A guardian finds the answer on a phone: search, open the article, say whether it helped (axe on every page)."""

from __future__ import annotations

from playwright.sync_api import expect


def test_guardian_searches_on_a_phone_opens_the_absence_article_and_gives_feedback(
        phone_page, live_server, demo_articles, login_page, axe_check):
    page = phone_page
    email = live_server.create_user("Vera Vårdnadshavare", groups=["guardian:ekbackaskolan"])
    login_page(page, email)
    page.goto("/kb/vardnadshavare")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hjälp för vårdnadshavare")
    axe_check(page)

    search_box = page.get_by_role("combobox", name="Sök i hjälpen")
    search_box.fill("sjukanmala")
    with page.expect_navigation():
        search_box.press("Enter")
    assert "/kb/sok" in page.url
    expect(page.get_by_role("status").first).to_contain_text("träff")
    axe_check(page)

    first_hit = page.locator(".kb-hit h3 a").first
    expect(first_hit).to_contain_text("Anmäl frånvaro")
    with page.expect_navigation():
        first_hit.click()
    assert "/kb/artikel/guardian-report-absence" in page.url
    expect(page.get_by_role("link", name="Skicka en fråga till supporten")).to_have_attribute(
        "href", "/arenden/nytt?q=sjukanmala&artikel=guardian-report-absence")
    axe_check(page)

    feedback = page.locator("#feedback")
    feedback.get_by_label("Ja").check()
    feedback.get_by_label("Vill du berätta mer? (frivilligt)").fill("Tydliga steg, tack.")
    with page.expect_navigation():
        feedback.get_by_role("button", name="Skicka svar").click()
    expect(page.get_by_role("status").first).to_contain_text("Tack för ditt svar!")
    expect(page.locator("#feedback")).to_contain_text("Du har svarat: ja.")
    axe_check(page)


def test_title_suggestions_work_by_keyboard_and_are_announced(page, live_server, demo_articles, axe_check):
    page.goto("/kb/sok")
    box = page.get_by_role("combobox", name="Vad behöver du hjälp med?")
    box.press_sequentially("anmäl frå", delay=30)
    listbox = page.get_by_role("listbox", name="Förslag")
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(page.locator("[data-kb-status]")).to_contain_text("förslag")
    axe_check(page)
    box.press("ArrowDown")
    first = listbox.get_by_role("option").first
    expect(first).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", first.get_attribute("id"))
    title = first.inner_text()
    with page.expect_navigation():
        box.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(title)


def test_escape_closes_the_suggestions(page, live_server, demo_articles):
    page.goto("/kb/sok")
    box = page.get_by_role("combobox")
    box.press_sequentially("lösen", delay=30)
    expect(page.get_by_role("listbox")).to_be_visible()
    box.press("Escape")
    expect(page.get_by_role("listbox")).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")


def test_an_anonymous_visitor_gets_the_phone_number_instead_of_the_ticket_form(page, live_server, demo_articles,
                                                                              axe_check):
    page.goto("/kb/artikel/guardian-report-absence")
    contact = page.locator(".kb-contact")
    expect(contact).to_contain_text("08-465 004 00")
    expect(contact.get_by_role("link", name="Skicka en fråga till supporten")).to_have_count(0)
    axe_check(page)

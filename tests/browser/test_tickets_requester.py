"""Requesters in a real browser: a guardian (on a phone) and a teacher send tickets and follow them."""

from __future__ import annotations

import re

import pytest

expect = pytest.importorskip("playwright.sync_api", reason="browser tests need Playwright").expect


def send_ticket(page, subject: str, body: str, system: str = "Inloggning och konto") -> str:
    """Fill in the new-ticket form and return the number shown on the receipt (e.g. "#1001")."""
    page.goto("/arenden/nytt")
    page.get_by_label("Vad gäller det?").select_option(label=system)
    page.get_by_label("Rubrik").fill(subject)
    page.get_by_label("Beskriv frågan").fill(body)
    with page.expect_navigation():
        page.get_by_role("button", name="Skicka ärendet").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tack! Ditt ärende är skickat")
    return page.locator(".ticket-number-big").inner_text()


def test_guardian_sends_a_ticket_on_a_phone_and_sees_it_in_mina_arenden(phone_page, live_server, login_page,
                                                                        axe_check):
    page = phone_page
    email = live_server.create_user(name="Vera Vårdnadshavare", groups=["guardian:ekbackaskolan"])
    login_page(page, email)
    page.goto("/arenden/nytt")
    axe_check(page)
    number = send_ticket(page, "Frånvaroanmälan i appen fungerar inte",
                         "Jag försöker anmäla frånvaro för min dotter men knappen är grå.",
                         system="Frånvaro och närvaro")
    assert re.fullmatch(r"#\d+", number)
    expect(page.locator("main")).to_contain_text("Servicedesk Skolplattformen")
    axe_check(page)

    page.get_by_role("link", name="Mina ärenden").first.click()
    expect(page.locator("main")).to_contain_text(f"{number} Frånvaroanmälan i appen fungerar inte")
    axe_check(page)

    page.get_by_role("link", name=re.compile(re.escape(number))).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Frånvaroanmälan i appen fungerar inte")
    page.get_by_label("Ditt svar").fill("Det gäller både webben och appen.")
    page.get_by_role("button", name="Skicka svaret").click()
    expect(page.locator(".flash-success")).to_contain_text("Ditt svar är skickat.")
    expect(page.locator(".message-list")).to_contain_text("Det gäller både webben och appen.")
    axe_check(page)

    page.goto("/profil")
    expect(page.get_by_role("heading", name="E-postaviseringar om ärenden")).to_be_visible()
    axe_check(page)


def test_suggestions_appear_while_the_subject_is_typed(page, live_server, login_page, monkeypatch):
    kb_service = pytest.importorskip("kb.service")
    # The live server runs in this process, so the knowledge base's answer can be fixed for the test.
    monkeypatch.setattr(kb_service, "suggest_articles", lambda user, text, limit=5: [
        {"id": "logga-in-med-bankid", "title": "Logga in med BankID", "summary": "Steg för steg.",
         "url": "/kb/artikel/logga-in-med-bankid"}] if "logga" in text.lower() else [])
    email = live_server.create_user(name="Sam Sökare", groups=["guardian:ekbackaskolan"])
    login_page(page, email)
    page.goto("/arenden/nytt")
    # The no-JavaScript button is hidden when the script runs; suggestions come as the subject is typed.
    expect(page.get_by_role("button", name="Visa förslag")).to_be_hidden()
    expect(page.locator("#suggestions")).to_be_hidden()
    page.get_by_label("Rubrik").press_sequentially("logga in", delay=20)
    suggestions = page.locator("#suggestions")
    expect(suggestions).to_be_visible()
    link = suggestions.get_by_role("link", name="Logga in med BankID")
    expect(link).to_have_attribute("href", re.compile(r"^/arenden/nytt/forslag/logga-in-med-bankid\?"))


def test_teachers_ticket_reaches_the_schools_superuser_who_answers_it(open_page, live_server, axe_check):
    from tests.browser.conftest import sign_in

    teacher = live_server.create_user(name="Tove Lärare", groups=["pedagogue:hasselbyskolan"])
    superuser = live_server.create_user(name="Sune Superanvändare", groups=["pedagogue:hasselbyskolan"],
                                        roles=["superuser:hasselbyskolan"])
    teacher_page = open_page(viewport={"width": 1280, "height": 800})
    super_page = open_page(viewport={"width": 1280, "height": 800})
    sign_in(teacher_page, teacher)
    number = send_ticket(teacher_page, "Schemat visar fel sal",
                         "I Skola24 står sal 204 men vi är i 310.", system="Schema (Skola24)")
    expect(teacher_page.locator("main")).to_contain_text("superanvändarna på Hässelbyskolan")

    sign_in(super_page, superuser)
    super_page.goto("/arbetsyta?ko=my_schools")
    axe_check(super_page)
    super_page.get_by_role("link", name="Schemat visar fel sal").click()
    expect(super_page.get_by_role("heading", level=1)).to_contain_text(number)
    axe_check(super_page)
    super_page.locator("body").press("r")  # keyboard shortcut: write a reply
    expect(super_page.get_by_label("Meddelande")).to_be_focused()
    super_page.keyboard.type("Hej Tove! Jag har rättat salen i Skola24.")
    super_page.get_by_label("Status efter svaret").select_option("resolved")
    super_page.get_by_role("button", name="Skicka", exact=True).click()
    expect(super_page.locator(".flash-success")).to_contain_text("Svaret är skickat.")

    teacher_page.goto("/arenden")
    teacher_page.get_by_role("link", name=re.compile(re.escape(number))).click()
    expect(teacher_page.locator(".message-list")).to_contain_text("Jag har rättat salen i Skola24.")
    expect(teacher_page.get_by_role("heading", name="Vad tyckte du om hjälpen?")).to_be_visible()
    teacher_page.get_by_label("5 – mycket nöjd").check()
    teacher_page.get_by_role("button", name="Skicka betyg").click()
    expect(teacher_page.locator("main")).to_contain_text("betyget 5 av 5")
    axe_check(teacher_page)

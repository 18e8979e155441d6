"""Staff in a real browser: a superuser escalates, an agent works the tier-2 queue and logs a phone call."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import keep_screenshot, split_words

expect = pytest.importorskip("playwright.sync_api", reason="browser tests need Playwright").expect


def create_ticket(live_server, requester_email: str, subject: str, priority: str | None = None, **fields) -> int:
    """A ticket made through the service, as the web form would; returns its number. A `priority` is set
    afterwards by the demo administrator, as the desk would triage it (requesters do not choose one)."""
    from support.accounts.service import find_user_by_email
    from support.extensions import db
    from support.tickets import service
    from support.tickets.commands import Filing

    with live_server.app.app_context():
        requester = find_user_by_email(requester_email)
        school = next((m.school for m in requester.groups if m.school is not None), None)
        ticket = service.file_ticket(Filing(
            channel="web", filed_by=requester, school=school, subject=subject,
            body=fields.pop("body", "Beskrivning av felet."), system=fields.pop("system", "login"), **fields))
        if priority:
            service.set_priority(ticket, priority, by=find_user_by_email("admin@skolplattformen.example"))
        db.session.commit()
        return ticket.number


def test_superuser_escalates_a_ticket_with_a_reason(page, live_server, login_page, axe_check):
    teacher = live_server.create_user(name="Tea Lärare", groups=["pedagogue:ekbackaskolan"])
    superuser = live_server.create_user(name="Stig Superanvändare", groups=["pedagogue:ekbackaskolan"],
                                        roles=["superuser:ekbackaskolan"])
    number = create_ticket(live_server, teacher, "Betygen syns inte i Unikum", system="assessment")
    login_page(page, superuser)
    page.goto(f"/arenden/{number}")
    page.get_by_role("button", name="Eskalera till nivå 2").click()
    expect(page.get_by_role("alert")).to_contain_text("Ange varför ärendet eskaleras.")
    axe_check(page)
    page.get_by_label("Skäl till eskalering").fill("Gäller alla elever i årskurs 9, inte bara en.")
    page.get_by_role("button", name="Eskalera till nivå 2").click()
    expect(page.locator(".flash-success")).to_contain_text("Ärendet är eskalerat till nivå 2.")
    expect(page.locator(".history")).to_contain_text("eskalerade")


def test_agent_works_the_tier_two_queue(page, live_server, login_page, axe_check):
    guardian = live_server.create_user(name="Gun Vårdnadshavare", groups=["guardian:ekbackaskolan"])
    agent = live_server.create_user(name="Ada Köagent", roles=["agent"])  # a name no other test uses
    number = create_ticket(live_server, guardian, "BankID-inloggningen hänger sig", priority="high")
    script_errors = []
    page.on("pageerror", lambda error: script_errors.append(str(error)))
    login_page(page, agent)
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Arbetsyta").click()
    page.get_by_role("navigation", name="Köer").get_by_role("link", name=re.compile("Servicedesk")).click()
    expect(page.locator("main")).to_contain_text("BankID-inloggningen hänger sig")
    axe_check(page)

    page.locator("body").press("/")  # keyboard shortcut: search
    expect(page.get_by_label("Sök bland ärenden (nummer, text eller frågeställarens namn, e-post eller telefon)")).to_be_focused()
    page.keyboard.type(f"#{number}")
    page.keyboard.press("Enter")
    with page.expect_response(lambda response: response.url.endswith(f"/arenden/{number}/narvaro")) as ping:
        page.get_by_role("link", name="BankID-inloggningen hänger sig").click()
    assert ping.value.status == 200  # the presence heartbeat passes CSRF and answers JSON
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"#{number}")
    axe_check(page)

    page.get_by_label("Handläggare").select_option(label="Ada Köagent")
    page.get_by_role("button", name="Spara ändringar").click()
    expect(page.locator(".flash-success")).to_contain_text("Sparat: handläggare Ada Köagent")
    page.locator("body").press("n")  # keyboard shortcut: internal note
    page.keyboard.type("Kollar loggarna hos leverantören.")
    page.get_by_role("button", name="Skicka", exact=True).click()
    expect(page.locator(".message-internal")).to_contain_text("Kollar loggarna hos leverantören.")
    page.goto("/arbetsyta?ko=mine")
    expect(page.locator("main")).to_contain_text("BankID-inloggningen hänger sig")
    assert script_errors == []


def test_agent_logs_a_phone_call(page, live_server, login_page, axe_check):
    caller = live_server.create_user(name="Ruth Ringer", groups=["guardian:hasselbyskolan"])
    agent = live_server.create_user(name="Albin Agent", roles=["agent"])
    login_page(page, agent)
    page.goto("/arbetsyta/samtal")
    axe_check(page)
    page.get_by_label("Namn, e-postadress, telefonnummer eller användar-id").fill("Ruth Ringer")
    page.get_by_role("button", name="Sök person").click()
    page.get_by_role("link", name="Välj Ruth Ringer").click()
    expect(page.locator("main")).to_contain_text(caller)
    page.get_by_label("Vad gäller samtalet?").select_option(label="Meddelanden och notiser")
    page.get_by_label("Rubrik").fill("Får inga notiser om meddelanden")
    page.get_by_label("Sammanfattning av samtalet").fill("Ringde 10.15. Notiserna slutade komma efter uppdatering.")
    axe_check(page)
    page.get_by_role("button", name="Spara samtalet som ärende").click()
    expect(page.locator(".flash-success")).to_contain_text("Samtalet är sparat som ärende")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Får inga notiser om meddelanden")
    expect(page.locator(".message-list")).to_contain_text("via telefon")


def _horizontal_overflow(page) -> int:
    """How many pixels the page is wider than the window (names the widest elements when it is)."""
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    if overflow > 0:
        print(page.evaluate("""[...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
            .slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""))
    return overflow


@pytest.mark.parametrize("width", [1366, 390])
def test_agent_takes_and_moves_a_ticket_on_a_page_that_fits_the_screen(open_page, live_server, login_page, axe_check,
                                                                     width):
    guardian = live_server.create_user(name="Greta Vårdnadshavare", groups=["guardian:ekbackaskolan"])
    agent = live_server.create_user(name="Anton Agent", roles=["agent"])
    number = create_ticket(live_server, guardian, "Schemat visar fel vecka för hela klassen",
                           body="Schemat för klass 4B visar vecka 12 fast det är vecka 13. " * 8, system="schedule")
    page = open_page(viewport={"width": width, "height": 900}, is_mobile=width < 500, has_touch=width < 500)
    login_page(page, agent)
    page.goto(f"/arenden/{number}")
    assert _horizontal_overflow(page) <= 0
    assert split_words(page, ".ticket-side", skip_links=True) == []  # "Vårdnadshav|are" in the details
    page.get_by_role("button", name="Ta ärendet", exact=True).click()
    expect(page.locator(".flash-success")).to_contain_text("Du handlägger nu ärendet.")
    page.get_by_role("button", name="Flytta ärendet").click()
    expect(page.get_by_role("alert").first).to_contain_text("Ange varför ärendet flyttas")
    page.get_by_label("Flytta till").select_option(label="Systemförvaltning (nivå 3)")
    page.get_by_label("Varför flyttas ärendet?").fill("Felet ligger i schemaintegrationen.")
    page.get_by_role("button", name="Flytta ärendet").click()
    expect(page.locator(".flash-success")).to_contain_text("Ärendet är flyttat till Systemförvaltning")
    expect(page.locator(".escalation-reason")).to_contain_text("Felet ligger i schemaintegrationen.")
    assert _horizontal_overflow(page) <= 0
    axe_check(page)
    keep_screenshot(page, f"staff-ticket-{width}")


def test_agent_adds_a_call_to_the_callers_open_ticket(page, live_server, login_page, axe_check):
    from support.accounts.service import find_user_by_email
    from support.extensions import db

    caller = live_server.create_user(name="Ture Telefon", groups=["guardian:hasselbyskolan"])
    with live_server.app.app_context():
        find_user_by_email(caller).phone = "070-765 43 21"
        db.session.commit()
    agent = live_server.create_user(name="Alva Agent", roles=["agent"])
    number = create_ticket(live_server, caller, "Appen visar fel barns schema", system="app")
    login_page(page, agent)
    page.goto("/arbetsyta/samtal")
    page.get_by_label("Namn, e-postadress, telefonnummer eller användar-id").fill("+46 70 765 43 21")
    page.get_by_role("button", name="Sök person").click()
    page.get_by_role("link", name="Välj Ture Telefon").click()
    page.get_by_label("Sammanfattning av samtalet").fill("Ringde igen: schemat visar fortfarande fel barn.")
    axe_check(page)
    page.get_by_role("button", name=f"Lägg till samtalet i ärendet #{number}").click()
    expect(page.locator(".flash-success")).to_contain_text(f"Samtalet är tillagt i ärende #{number}.")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Appen visar fel barns schema")
    expect(page.locator(".message-list")).to_contain_text("schemat visar fortfarande fel barn")
    expect(page.locator(".message-list")).to_contain_text("via telefon")


def test_agent_saves_the_sidebar_with_one_button(page, live_server, login_page, axe_check):
    guardian = live_server.create_user(name="Siv Sidopanel", groups=["guardian:ekbackaskolan"])
    agent = live_server.create_user(name="Arne Agent", roles=["agent"])
    number = create_ticket(live_server, guardian, "Frånvaron syns inte för mentorn", system="attendance")
    login_page(page, agent)
    page.goto(f"/arenden/{number}")
    page.get_by_label("Status", exact=True).select_option(label="Väntar på frågeställaren")
    page.get_by_label("Prioritet", exact=True).select_option(label="Hög")
    page.get_by_label("Handläggare", exact=True).select_option(label="Arne Agent")
    page.get_by_label("Taggar (kommaseparerade)").fill("frånvaro, mentor")
    page.get_by_role("button", name="Spara ändringar").click()
    expect(page.locator(".flash-success")).to_contain_text(
        "Sparat: handläggare Arne Agent, prioritet hög, taggar (frånvaro, mentor), status väntar på frågeställaren.")
    expect(page.get_by_label("Status", exact=True)).to_have_value("pending")
    expect(page.get_by_label("Prioritet", exact=True)).to_have_value("high")
    axe_check(page)


# Every word in the queue table on one line: a word split over two lines ("Frågestäl|lare") has line boxes at two
# heights. A hyphen is a word boundary ("BankID-|inloggningen" may wrap there). Returns the split words.


@pytest.mark.parametrize("width", [1366, 390])
def test_the_queue_table_never_breaks_a_word_fits_the_screen_and_labels_each_value_on_a_phone(
        open_page, live_server, login_page, axe_check, width):
    from datetime import timedelta

    from support.accounts.service import find_user_by_email
    from support.extensions import db
    from support.tickets import service

    guardian = live_server.create_user(name="Frida Frågeställare", groups=["guardian:ekbackaskolan"])
    agent = live_server.create_user(name="Amir Agent", roles=["agent"])
    opened = create_ticket(live_server, guardian, "Vårdnadshavaren kan inte se omdömen i Unikum",
                           system="assessment")
    waiting = create_ticket(live_server, guardian, "Kan inte läsa IUP-dokument", system="assessment")
    with live_server.app.app_context():
        by = find_user_by_email(agent)
        late = service.change_state(service.ticket_by_number(opened), "open", by=by)
        late.sla_due_at -= timedelta(days=30)  # the longest badges: overdue, and waiting for the requester
        service.change_state(service.ticket_by_number(waiting), "pending", by=by)
        db.session.commit()
    page = open_page(viewport={"width": width, "height": 900}, is_mobile=width < 500, has_touch=width < 500)
    login_page(page, agent)
    page.goto("/arbetsyta?ko=tier2")
    table = page.locator(".queue-table")
    expect(table).to_contain_text("Väntar på frågeställaren")
    expect(table).to_contain_text("SLA överskriden")
    assert split_words(page, ".queue-table") == []
    assert _horizontal_overflow(page) <= 0
    if width < 500:  # the header row is not shown: each value says what it is
        shown = table.locator("tr", has_text=f"#{waiting}").locator("td").evaluate_all(
            "cells => cells.map(cell => getComputedStyle(cell, '::before').content)")
        for label in ("Frågeställare", "Skola", "Status", "Prioritet", "Handläggare", "SLA"):
            assert any(label + ":" in content for content in shown), (label, shown)
    axe_check(page)
    keep_screenshot(page, f"queue-{width}")

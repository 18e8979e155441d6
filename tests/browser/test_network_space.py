"""The network space and a superuser's day in a real browser: a superuser asks the network, an agent answers,
the asker marks the answer; Min dag shows the question to a superuser covering the system. Each page fits a phone
(390 px) and a desktop (1366 px) without sideways scrolling and is axe-clean."""

from __future__ import annotations

import uuid

import pytest

from tests.browser.conftest import keep_screenshot

expect = pytest.importorskip("playwright.sync_api", reason="browser tests need Playwright").expect

WIDTHS = (390, 1366)


def check_at_both_widths(page, axe_check, name: str) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
        axe_check(page)
        keep_screenshot(page, f"network-space-{name}-{width}")


def test_a_superuser_asks_the_network_an_agent_answers_and_the_asker_marks_the_answer(
        open_page, page, live_server, login_page, axe_check):
    title = f"Frånvaron syns inte i appen {uuid.uuid4().hex[:6]}"
    asker = live_server.create_user(name="Stina Superanvändare", groups=["pedagogue:ekbackaskolan"],
                                    roles=["superuser:ekbackaskolan"])
    agent = live_server.create_user(name="Adam Agent", roles=["agent"])
    login_page(page, asker)
    page.get_by_role("link", name="Nätverkets frågor").first.click()
    check_at_both_widths(page, axe_check, "list")
    page.get_by_role("link", name="Ställ en fråga").click()
    page.get_by_role("button", name="Publicera frågan").click()
    expect(page.locator(".error-summary")).to_contain_text("Skriv en rubrik")
    check_at_both_widths(page, axe_check, "ask-refused")
    page.get_by_label("Rubrik").fill(title)
    page.get_by_label("System").select_option(label="Frånvaro och närvaro")
    page.get_by_label("Fråga").fill("Vårdnadshavare ser inte **dagens** frånvaro. Gäller det fler skolor?")
    page.get_by_role("button", name="Publicera frågan").click()
    expect(page.locator(".flash-success")).to_contain_text("Frågan är publicerad i nätverket.")
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    thread_url = page.url

    desk_page = open_page()
    login_page(desk_page, agent)
    desk_page.goto(thread_url)
    desk_page.get_by_label("Ditt svar").fill("Det är ett känt fel. Det rättas i kväll.")
    desk_page.get_by_role("button", name="Publicera svaret").click()
    expect(desk_page.locator(".flash-success")).to_contain_text("Ditt svar är publicerat.")

    page.reload()
    answer = page.locator(".post", has_text="Det är ett känt fel.")
    answer.get_by_role("button", name="Markera som lösning").click()
    expect(page.locator(".flash-success")).to_contain_text("Svaret är markerat som lösningen.")
    expect(page.locator(".post-answer")).to_contain_text("Lösningen")
    check_at_both_widths(page, axe_check, "thread")

    page.get_by_role("link", name="Nätverkets frågor").first.click()
    page.get_by_role("searchbox", name="Sök").fill(title.split()[-1])
    page.get_by_role("button", name="Visa frågor").click()
    expect(page.locator(".thread-item")).to_have_count(1)
    expect(page.locator(".thread-item")).to_contain_text("Löst")


def test_a_superuser_starts_the_day_on_min_dag(page, live_server, login_page, axe_check):
    superuser = live_server.create_user(name="Dora Dagsfärsk", groups=["pedagogue:hasselbyskolan"],
                                        roles=["superuser:hasselbyskolan"])
    login_page(page, superuser)
    page.get_by_role("link", name="Min dag").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Min dag")
    expect(page.get_by_role("heading", name="Mina skolors kö")).to_be_visible()
    expect(page.get_by_role("heading", name="Mina siffror den här månaden")).to_be_visible()
    check_at_both_widths(page, axe_check, "min-dag")

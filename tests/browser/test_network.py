"""The superuser network in a real browser: a coordinator appoints and records training, a superuser marks
themselves away, a teacher finds their superuser on Min skola; each page axe-clean on a phone and a desktop."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from tests.browser.conftest import keep_screenshot

expect = pytest.importorskip("playwright.sync_api", reason="browser tests need Playwright").expect

WIDTHS = (390, 1366)


def check_at_both_widths(page, axe_check, name: str) -> None:
    """axe-clean, and nothing wider than the window, on a phone and on a laptop."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
        axe_check(page)
        keep_screenshot(page, f"network-{name}-{width}")


def _stockholm_today(live_server):
    from support.network.service import today

    with live_server.app.app_context():
        return today()


def test_a_coordinator_appoints_a_superuser_and_records_training(page, live_server, login_page, axe_check):
    teacher = live_server.create_user(name="Vera Utsedd", groups=["pedagogue:ekbackaskolan"])
    coordinator = live_server.create_user(name="Cora Samordnare", roles=["coordinator:bromma"])
    login_page(page, coordinator)
    page.get_by_role("link", name="Superanvändarnätverket").first.click()
    page.get_by_label("Sök skola").fill("Ekbacka")
    page.get_by_role("button", name="Visa skolor").click()
    page.get_by_role("link", name="Ekbackaskolan").click()
    page.get_by_label("Personens e-postadress").fill(teacher)
    page.get_by_label("Schema").check()
    page.get_by_label("Frånvaro och närvaro").check()
    page.get_by_role("button", name="Utse superanvändare").click()
    expect(page.locator(".flash-success")).to_contain_text("Vera Utsedd är utsedd till superanvändare.")
    page.get_by_text("Registrera utbildning för Vera Utsedd").click()
    card = page.locator(".superuser-card", has_text="Vera Utsedd")
    card.get_by_label("Utbildning", exact=True).select_option("basic")
    card.get_by_label("Datum då utbildningen avslutades").fill(_stockholm_today(live_server).isoformat())
    card.get_by_role("button", name="Registrera utbildning").click()
    expect(page.locator(".flash-success")).to_contain_text("Utbildningen är registrerad för Vera Utsedd.")
    expect(page.locator(".superuser-card", has_text="Vera Utsedd")).not_to_contain_text("Behöver repetition")
    check_at_both_widths(page, axe_check, "school")


def test_a_superuser_marks_themselves_away_with_a_stand_in(page, live_server, login_page, axe_check):
    away = live_server.create_user(name="Siv Semester", groups=["pedagogue:hasselbyskolan"],
                                   roles=["superuser:hasselbyskolan"])
    login_page(page, away)
    page.get_by_role("link", name="Min skola").first.click()
    day = _stockholm_today(live_server)
    page.get_by_label("Första dagen jag är borta").fill(day.isoformat())
    page.get_by_label("Sista dagen jag är borta").fill((day + timedelta(days=14)).isoformat())
    page.get_by_label("Ersättare (valfritt)").select_option(label="Jonas Ek")
    page.get_by_role("button", name="Spara frånvaro").click()
    expect(page.locator(".flash-success")).to_contain_text("Din frånvaro är sparad.")
    expect(page.locator(".superuser-card", has_text="Siv Semester")).to_contain_text("Ersättare: Jonas Ek")
    check_at_both_widths(page, axe_check, "away")
    page.get_by_role("button", name="Ta bort frånvaron").click()
    expect(page.locator(".flash-success")).to_contain_text("Frånvaron är borttagen.")


def test_a_teacher_finds_their_superuser_on_min_skola(page, live_server, login_page, axe_check):
    teacher = live_server.create_user(name="Tea Lärare", groups=["pedagogue:ekbackaskolan"])
    login_page(page, teacher)
    page.get_by_role("link", name="Min skola").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Min skola: Ekbackaskolan")
    karin = page.locator(".superuser-card", has_text="Karin Lindqvist")
    expect(karin.get_by_role("link", name="karin.lindqvist@skolplattformen.example")).to_be_visible()
    expect(page.get_by_text("support+ekbackaskolan@", exact=False).first).to_be_visible()
    check_at_both_widths(page, axe_check, "min-skola")


def _ticket_assigned_to(live_server, superuser_email: str, requester_email: str, subject: str) -> int:
    """A tier-1 ticket at Hässelbyskolan from `requester_email`, assigned to the superuser; returns its number."""
    from support.accounts.service import find_user_by_email
    from support.extensions import db
    from support.orgs.service import school_by_slug
    from support.tickets import service as tickets

    with live_server.app.app_context():
        superuser = find_user_by_email(superuser_email)
        ticket = tickets.file_ticket(tickets.Filing(
            channel="web", subject=subject, body="Schemat visar fel sal för 7B.",
            requester=find_user_by_email(requester_email), school=school_by_slug("hasselbyskolan"),
            system="schedule"))
        tickets.assign(ticket, superuser, by=superuser)
        db.session.commit()
        assert ticket.tier == 1
        return ticket.number


def test_an_away_superusers_tickets_go_to_the_stand_in_and_come_back_untouched(page, live_server, login_page,
                                                                               axe_check):
    tag = uuid.uuid4().hex[:6]
    away = live_server.create_user(name=f"Siv Borta {tag}", groups=["pedagogue:hasselbyskolan"],
                                   roles=["superuser:hasselbyskolan"])
    live_server.create_user(name=f"Sten Ersättare {tag}", groups=["pedagogue:hasselbyskolan"],
                            roles=["superuser:hasselbyskolan"])
    teacher = live_server.create_user(name=f"Tea Lärare {tag}", groups=["pedagogue:hasselbyskolan"])
    number = _ticket_assigned_to(live_server, away, teacher, f"Fel sal i schemat {tag}")
    login_page(page, away)
    page.get_by_role("link", name="Min skola").first.click()
    day = _stockholm_today(live_server)
    page.get_by_label("Första dagen jag är borta").fill(day.isoformat())
    page.get_by_label("Sista dagen jag är borta").fill((day + timedelta(days=7)).isoformat())
    page.get_by_label("Ersättare (valfritt)").select_option(label=f"Sten Ersättare {tag}")
    page.get_by_role("button", name="Spara frånvaro").click()
    expect(page.locator(".flash-success")).to_contain_text("Din frånvaro är sparad.")
    page.goto(f"/arenden/{number}")
    handler = page.locator("dt", has_text="Handläggare").locator("xpath=following-sibling::dd[1]")
    expect(handler).to_have_text(f"Sten Ersättare {tag}")  # the stand-in has it while she is away
    check_at_both_widths(page, axe_check, "handed-over-ticket")
    page.get_by_role("link", name="Min skola").first.click()
    page.get_by_role("button", name="Ta bort frånvaron").click()
    expect(page.locator(".flash-success")).to_contain_text("Frånvaron är borttagen.")
    page.goto(f"/arenden/{number}")
    expect(handler).to_have_text(f"Siv Borta {tag}")  # nobody touched it, so it is hers again

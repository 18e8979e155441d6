"""An admin adds a person and their memberships by picking schools and administrations by name, and reads the
people list in words, on a wide screen and a phone (axe on every page, no sideways scroll at 320 px)."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import NARROWEST, PHONE, WIDE


def _admin_page(open_page, live_server, login_page, viewport, **options):
    page = open_page(viewport=viewport, **options)
    login_page(page, live_server.create_user("Adam Admin", roles=["admin"]))
    return page


def test_an_admin_adds_a_superuser_by_picking_the_school_by_name(page, live_server, login_page, axe_check):
    login_page(page, live_server.create_user("Alva Admin", roles=["admin"]))
    email = f"ny-{uuid.uuid4().hex[:8]}@example.com"
    page.goto("/admin/anvandare/ny")
    axe_check(page)
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Namn").fill("Nora Nyberg")
    page.locator("#group").select_option(label="Pedagog")
    page.locator("#group_school").fill("Ekbackaskolan")
    page.locator("#role").select_option(label="Samordnare för superanvändare")
    page.locator("#role_school").fill("Ekbackaskolan")  # a school, where a coordinator needs an administration
    with page.expect_navigation():
        page.get_by_role("button", name="Skapa användare").click()
    expect(page.locator(".error-summary")).to_contain_text(
        "Det finns ingen förvaltning som heter Ekbackaskolan. Välj en förvaltning i listan.")
    expect(page.get_by_label("Namn")).to_have_value("Nora Nyberg")
    expect(page.locator("#group_school")).to_have_value("Ekbackaskolan")
    axe_check(page)

    page.locator("#role").select_option(label="Superanvändare")
    with page.expect_navigation():
        page.get_by_role("button", name="Skapa användare").click()
    memberships = page.locator(".membership-list")
    expect(memberships).to_contain_text("Pedagog – Ekbackaskolan")
    expect(memberships).to_contain_text("Superanvändare – Ekbackaskolan")

    page.get_by_label("Grupp eller roll", exact=True).select_option(label="Samordnare för superanvändare")
    page.get_by_label("Skola eller förvaltning", exact=True).fill("Bromma")
    with page.expect_navigation():
        page.get_by_role("button", name="Lägg till").click()
    expect(memberships).to_contain_text("Samordnare för superanvändare – Bromma")
    axe_check(page)

    page.goto(f"/admin/anvandare?q={email}")
    row = page.get_by_role("row", name="Nora Nyberg")
    expect(row).to_contain_text("Pedagog – Ekbackaskolan")
    expect(row).not_to_contain_text("pedagogue")
    expect(row).not_to_contain_text("ekbackaskolan")
    axe_check(page)


@pytest.mark.parametrize("path", ["/admin/", "/admin/anvandare", "/admin/anvandare/ny", "/admin/routning",
                                  "a person's page"])
def test_the_admin_pages_pass_axe_on_a_phone_and_a_wide_screen_and_do_not_scroll_sideways_at_320_px(
        open_page, live_server, login_page, axe_check, path):
    page = _admin_page(open_page, live_server, login_page, PHONE, is_mobile=True, has_touch=True)
    if path.startswith("/"):
        page.goto(path)
    else:
        page.goto("/admin/anvandare?q=Adam Admin")
        with page.expect_navigation():
            page.locator("tbody a").first.click()
    axe_check(page)
    page.set_viewport_size(NARROWEST)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320, path
    page.set_viewport_size(WIDE)
    axe_check(page)

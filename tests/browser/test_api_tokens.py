"""Personal API keys in a real browser: a new key is shown once with a copy button that puts it on the clipboard and
says so, and without JavaScript the key is still there to copy by hand."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import keep_screenshot

expect = pytest.importorskip("playwright.sync_api", reason="browser tests need Playwright").expect


def _issue_a_key(page, login_page, live_server) -> str:
    login_page(page, live_server.create_user(name="Tea Lärare", groups=["pedagogue:ekbackaskolan"]))
    page.goto("/profil/api-nycklar")
    page.get_by_label("Vad ska nyckeln användas till?").fill("Rapportskript")
    page.get_by_role("button", name="Skapa nyckel").click()
    key = page.get_by_label("API-nyckel")
    expect(key).to_have_text(re.compile(r"^sk_"))
    return key.inner_text().strip()


def test_the_copy_button_puts_a_new_key_on_the_clipboard_and_says_so(page, login_page, live_server, axe_check):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])  # the pool clears them afterwards
    key = _issue_a_key(page, login_page, live_server)
    box = page.locator("#new-token")
    expect(box).to_be_focused()  # a screen reader starts at the key, not at the top of the page
    page.keyboard.press("Tab")
    copy = box.get_by_role("button", name="Kopiera")
    expect(copy).to_be_focused()
    page.keyboard.press("Enter")
    expect(box.get_by_role("status")).to_have_text("Kopierad")
    assert page.evaluate("navigator.clipboard.readText()") == key
    keep_screenshot(page, "api-token-copied")
    axe_check(page)


def test_without_javascript_the_new_key_is_shown_without_a_copy_button(no_script_page, login_page, live_server):
    _issue_a_key(no_script_page, login_page, live_server)
    expect(no_script_page.get_by_role("button", name="Kopiera")).to_have_count(0)

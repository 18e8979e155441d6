"""An editor writes an article with live preview, publishes it and readers can open it (axe on every page)."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect


def test_editor_writes_previews_and_publishes_an_article(page, live_server, login_page, axe_check):
    email = live_server.create_user("Ella Redaktör", roles=["kb_editor"])
    article_id = f"test-{uuid.uuid4().hex[:8]}"
    login_page(page, email)
    page.goto("/kb/redaktion/")
    axe_check(page)
    page.get_by_role("link", name="Ny artikel").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ny artikel")
    axe_check(page)

    page.get_by_label("Id (webbadress)").fill(article_id)
    page.get_by_label("Rubrik").fill("Så byter du profilbild")
    page.get_by_label("Sammanfattning").fill("Byt bilden som visas för lärare och klasskamrater.")
    page.get_by_label("Text (Markdown)").fill("## Steg\n\n1. Öppna **Min profil**\n2. Välj en ny bild")
    preview = page.locator("[data-preview]")
    expect(preview.locator("strong")).to_have_text("Min profil")  # the live preview, rendered by the server
    page.get_by_label("Elev").check()
    page.get_by_label("System").select_option("startpage")
    with page.expect_navigation():
        page.get_by_role("button", name="Spara utkast").click()
    expect(page.get_by_role("status").first).to_contain_text("Utkastet är sparat.")
    axe_check(page)

    with page.expect_navigation():
        page.get_by_role("button", name="Publicera").click()
    expect(page.get_by_role("status").first).to_contain_text("Artikeln är publicerad.")
    axe_check(page)

    page.get_by_role("link", name="Versioner").click()
    expect(page.locator("table")).to_contain_text("Publicerad")
    axe_check(page)

    page.goto(f"/kb/artikel/{article_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Så byter du profilbild")
    expect(page.locator(".kb-body ol li").first).to_contain_text("Öppna Min profil")
    axe_check(page)

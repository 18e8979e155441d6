"""An editor writes an article with live preview, publishes it and readers can open it (axe on every page)."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect

from tests.browser.conftest import NARROWEST, PHONE, WIDE


def test_editor_writes_previews_and_publishes_an_article(page, live_server, login_page, axe_check):
    email = live_server.create_user("Ella Redaktör", roles=["kb_editor"])
    article_id = f"test-{uuid.uuid4().hex[:8]}"
    login_page(page, email)
    page.goto("/kb/redaktion/")
    axe_check(page)
    page.get_by_role("link", name="Ny artikel").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ny artikel")
    axe_check(page)

    preview = page.locator("[data-preview]")
    expect(preview).to_have_text("Förhandsvisningen uppdateras medan du skriver.")  # what will appear there
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


PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
IMAGE = {"name": "skarmbild.png", "mimeType": "image/png", "buffer": PNG}


def _write_a_draft(page):
    page.goto("/kb/redaktion/ny")
    page.get_by_label("Rubrik").fill("Så byter du profilbild")
    page.get_by_label("Sammanfattning").fill("Byt bilden som visas för lärare.")
    page.get_by_label("Text (Markdown)").fill("## Steg\n\n1. Öppna Min profil")


def test_uploading_an_image_keeps_the_draft_on_the_page_and_puts_the_image_in_the_text(
        page, live_server, login_page, axe_check):
    login_page(page, live_server.create_user("Ulla Uppladdare", roles=["kb_editor"]))
    _write_a_draft(page)
    url = page.url
    page.get_by_label("Bild (PNG, JPEG, GIF eller WebP, högst 2 MB)").set_input_files(IMAGE)
    page.get_by_role("button", name="Ladda upp", exact=True).click()
    result = page.locator("[data-upload-status]")
    expect(result).to_contain_text("Bilden är uppladdad")
    assert page.url == url
    expect(page.get_by_label("Rubrik")).to_have_value("Så byter du profilbild")
    expect(page.get_by_label("Sammanfattning")).to_have_value("Byt bilden som visas för lärare.")
    body = page.get_by_label("Text (Markdown)").input_value()
    assert body.startswith("## Steg\n\n1. Öppna Min profil") and "![Beskriv bilden](/kb/bild/" in body
    expect(page.locator("[data-preview] img")).to_have_count(1)  # the preview shows the new image
    stored = page.request.get(body[body.index("/kb/bild/"):].split(")")[0])
    assert stored.ok and stored.headers["content-type"] == "image/png" and stored.body() == PNG
    axe_check(page)


def test_an_image_too_large_is_refused_on_the_page_with_the_draft_kept(page, live_server, login_page, axe_check):
    login_page(page, live_server.create_user("Stina Stor", roles=["kb_editor"]))
    _write_a_draft(page)
    requests = []
    page.on("request", lambda request: requests.append(request.url) if "uppladdning" in request.url else None)
    page.get_by_label("Bild (PNG, JPEG, GIF eller WebP, högst 2 MB)").set_input_files(
        {**IMAGE, "buffer": PNG + bytes(3 * 1024 * 1024)})
    page.get_by_role("button", name="Ladda upp", exact=True).click()
    expect(page.locator("[data-upload-status]")).to_have_text(
        "Bilden är för stor: högst 2 MB. Gör den mindre och försök igen.")
    assert requests == []  # told at once, without sending megabytes first
    expect(page.get_by_label("Rubrik")).to_have_value("Så byter du profilbild")
    assert page.get_by_label("Text (Markdown)").input_value() == "## Steg\n\n1. Öppna Min profil"
    axe_check(page)


def test_without_javascript_an_upload_gives_the_draft_back_unsaved(no_script_page, live_server, login_page):
    page = no_script_page
    login_page(page, live_server.create_user("Ulf Utanskript", roles=["kb_editor"]))
    _write_a_draft(page)
    page.get_by_label("Bild (PNG, JPEG, GIF eller WebP, högst 2 MB)").set_input_files(IMAGE)
    with page.expect_navigation():
        page.get_by_role("button", name="Ladda upp", exact=True).click()
    expect(page.locator("[data-upload-status]")).to_contain_text("Bilden är uppladdad")
    expect(page.locator("[data-upload-status]")).to_be_in_viewport()  # the result is where the editor looks
    expect(page.get_by_label("Rubrik")).to_have_value("Så byter du profilbild")
    expect(page.get_by_label("Sammanfattning")).to_have_value("Byt bilden som visas för lärare.")
    assert "![Beskriv bilden](/kb/bild/" in page.get_by_label("Text (Markdown)").input_value()
    expect(page.locator("[data-preview]")).to_have_text("")  # no promise of a live preview that cannot come


def test_the_id_follows_the_title_until_the_editor_changes_it(page, live_server, login_page):
    login_page(page, live_server.create_user("Ida Id", roles=["kb_editor"]))
    page.goto("/kb/redaktion/ny")
    page.get_by_label("Rubrik").press_sequentially("Så når du Skolplattformen", delay=10)
    address = page.get_by_label("Id (webbadress)")
    expect(address).to_have_value("sa-nar-du-skolplattformen")
    address.fill("min-egen")
    page.get_by_label("Rubrik").press_sequentially(" i appen", delay=10)
    expect(address).to_have_value("min-egen")
    expect(page.locator("#id-hint")).to_contain_text("/kb/artikel/<id>")


def test_a_title_whose_id_is_taken_gets_the_next_free_one_and_a_taken_id_is_explained(
        page, live_server, login_page, axe_check):
    from tests.kb.articles import make_article

    tag = uuid.uuid4().hex[:6]
    with live_server.app.app_context():
        make_article(f"sa-nar-du-schemat-{tag}", title="Den första", status="draft")
    login_page(page, live_server.create_user("Tove Tagen", roles=["kb_editor"]))
    page.goto("/kb/redaktion/ny")
    page.get_by_label("Rubrik").press_sequentially(f"Så når du schemat {tag}", delay=5)
    address = page.get_by_label("Id (webbadress)")
    expect(address).to_have_value(f"sa-nar-du-schemat-{tag}-2")  # the server knows the first one is taken

    address.fill(f"sa-nar-du-schemat-{tag}")  # the editor insists on the taken one
    page.get_by_label("Sammanfattning").fill("Schemat för veckan.")
    with page.expect_navigation():
        page.get_by_role("button", name="Spara utkast").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text(f"Adressen sa-nar-du-schemat-{tag} används redan av en annan artikel. "
                                    f"Välj en annan, till exempel sa-nar-du-schemat-{tag}-2.")
    expect(summary).to_contain_text("Välj vilket system artikeln handlar om.")
    expect(address).to_have_value(f"sa-nar-du-schemat-{tag}")
    expect(page.get_by_label("Rubrik")).to_have_value(f"Så når du schemat {tag}")
    expect(page.get_by_label("Sammanfattning")).to_have_value("Schemat för veckan.")
    expect(page.get_by_label("System")).to_have_value("")  # still no silent default
    axe_check(page)


def _editor_page(open_page, live_server, login_page, viewport, **options):
    page = open_page(viewport=viewport, **options)
    login_page(page, live_server.create_user("Pia Paddan", roles=["kb_editor"]))
    return page


def test_the_new_article_form_passes_axe_on_a_phone_and_a_wide_screen(open_page, live_server, login_page, axe_check):
    for viewport, options in ((PHONE, {"is_mobile": True, "has_touch": True}), (WIDE, {})):
        page = _editor_page(open_page, live_server, login_page, viewport, **options)
        page.goto("/kb/redaktion/ny")
        axe_check(page)
        page.goto("/kb/redaktion/bilder")
        axe_check(page)


def test_the_editor_pages_do_not_scroll_sideways_at_320_px(open_page, live_server, login_page):
    page = _editor_page(open_page, live_server, login_page, NARROWEST)
    for path in ("/kb/redaktion/", "/kb/redaktion/ny", "/kb/redaktion/bilder"):
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, path

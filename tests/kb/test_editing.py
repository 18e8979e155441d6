"""The editor: writing, publishing, revisions with diff and restore, review lists, synonyms and images."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import select

from kb import service
from kb.models import Article, ArticleImage, ArticleRevision
from support.extensions import db
from tests.kb.articles import make_article

FORM = {"title": "Logga in med BankID", "summary": "Så loggar du in.", "body": "## Steg\n1. Öppna appen",
        "language": "sv", "audiences": ["guardian"], "visibility": "public", "system": "login",
        "tags": "bankid, inloggning", "review_by": "2027-01-01", "note": ""}


@pytest.mark.parametrize("actor", ["anonymous", "guardian:ekbackaskolan", "superuser:ekbackaskolan", "agent"])
@pytest.mark.parametrize("path", ["/kb/redaktion/", "/kb/redaktion/ny", "/kb/redaktion/artikel/draft",
                                  "/kb/redaktion/artikel/draft/versioner", "/kb/redaktion/granskning",
                                  "/kb/redaktion/synonymer", "/kb/redaktion/rapport", "/kb/redaktion/bilder",
                                  "/kb/redaktion/artikel/draft/forhandsvisning",
                                  "/kb/redaktion/artikel/draft/jamfor?fran=1&till=1"])
def test_only_editors_and_admins_reach_the_editor(app, client, login_as, actor, path):
    make_article("draft", status="draft")
    browser = client if actor == "anonymous" else login_as(actor)
    response = browser.get(path)
    assert response.status_code in ((302,) if actor == "anonymous" else (404,))


@pytest.mark.parametrize("actor", ["kb_editor", "admin"])
def test_editors_and_admins_see_drafts_in_the_editor(app, login_as, actor):
    make_article("draft", status="draft", title="Ett utkast")
    page = login_as(actor).get("/kb/redaktion/").get_data(as_text=True)
    assert "Ett utkast" in page


def test_the_article_list_names_system_language_and_review_date_as_readers_do(app, login_as):
    article = make_article("in-english", title="Reporting absence", language="en", system="attendance")
    article.review_by = date(2027, 3, 5)
    db.session.flush()
    page = login_as("kb_editor").get("/kb/redaktion/").get_data(as_text=True)
    assert '<th scope="col">System</th>' in page and "Område" not in page
    assert '<span class="badge" lang="en">English</span>' in page
    assert "5 mars 2027" in page and "2027-03-05" not in page


def test_an_article_list_with_nothing_to_show_says_so_and_offers_a_way_on(app, login_as):
    editor = login_as("kb_editor")
    assert "Inga artiklar ännu." in editor.get("/kb/redaktion/").get_data(as_text=True)
    make_article("finns", title="Kalender")
    page = editor.get("/kb/redaktion/?q=ingenting-alls").get_data(as_text=True)
    assert "Inga artiklar matchar." in page and "Visa alla artiklar" in page


def test_a_reader_cannot_post_to_the_editor(app, login_as):
    make_article("draft", status="draft")
    guardian = login_as("guardian:ekbackaskolan")
    assert guardian.post("/kb/redaktion/artikel/draft/status", data={"action": "publish"}).status_code == 404
    assert guardian.post("/kb/redaktion/artikel/draft", data=FORM).status_code == 404
    assert guardian.post("/kb/redaktion/forhandsvisning", data={"body": "x"}).status_code == 404
    assert db.session.get(Article, "draft").status == "draft"


def test_an_editor_writes_a_draft_publishes_it_and_readers_find_it(app, client, login_as):
    editor = login_as("kb_editor")
    response = editor.post("/kb/redaktion/ny", data={**FORM, "id": "login-bankid"})
    assert response.status_code == 302
    assert client.get("/kb/artikel/login-bankid").status_code == 404  # a draft is not public yet
    assert editor.post("/kb/redaktion/artikel/login-bankid/status", data={"action": "publish"}).status_code == 302
    article = db.session.get(Article, "login-bankid")
    assert article.status == "published" and article.published_at is not None
    assert [h.id for h in service.search_articles("bankid", service.readership_of(None)).hits] == ["login-bankid"]


def test_the_new_article_form_keeps_what_was_typed_when_it_has_errors(app, login_as):
    editor = login_as("kb_editor")
    response = editor.post("/kb/redaktion/ny", data={**FORM, "id": "Bad Id!", "audiences": []})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Bara a–z, 0–9 och bindestreck." in page and "Välj minst en målgrupp." in page
    assert "Logga in med BankID" in page and "Öppna appen" in page
    assert db.session.scalar(select(Article)) is None


def test_an_existing_id_is_refused_naming_a_free_one_and_keeping_what_was_typed(app, login_as):
    make_article("taken", title="Original")
    make_article("taken-2", title="Andra")
    page = login_as("kb_editor").post("/kb/redaktion/ny", data={**FORM, "id": "taken", "system": ""}
                                      ).get_data(as_text=True)
    assert "Adressen taken används redan av en annan artikel. Välj en annan, till exempel taken-3." in page
    assert "Välj vilket system artikeln handlar om." in page  # every error at once
    assert 'value="taken"' in page and 'value="Logga in med BankID"' in page and "Så loggar du in." in page
    assert db.session.get(Article, "taken").title == "Original"


def test_an_editor_reading_english_gets_the_articles_and_images_errors_in_english(app, login_as):
    editor = login_as("kb_editor")
    editor.post("/sprak", data={"language": "en", "next": "/"})
    page = editor.post("/kb/redaktion/ny", data={**FORM, "id": "en-kopia", "translation_of": "nowhere"}
                       ).get_data(as_text=True)
    assert "The original article nowhere does not exist." in page
    make_article("taken", title="Original")
    page = editor.post("/kb/redaktion/ny", data={**FORM, "id": "taken"}).get_data(as_text=True)
    assert "The address taken is already used by another article. Choose another one, for example taken-2." in page
    refused = editor.post("/kb/redaktion/bilder/uppladdning", data={"image": (io.BytesIO(b"<svg/>"), "x.gif")},
                          content_type="multipart/form-data")
    assert refused.json["message"] == "The file is not a PNG, JPEG, GIF or WebP image."


def test_the_id_proposal_for_a_title_skips_ids_in_use(app, login_as):
    make_article("sa-loggar-du-in", title="Original", status="archived")
    editor = login_as("kb_editor")
    assert editor.get("/kb/redaktion/id-forslag?rubrik=Så loggar du in!").json == {"id": "sa-loggar-du-in-2"}
    assert editor.get("/kb/redaktion/id-forslag?rubrik=Ärende om förskolan").json == {"id": "arende-om-forskolan"}
    assert login_as("guardian:ekbackaskolan").get("/kb/redaktion/id-forslag?rubrik=x").status_code == 404


def test_every_save_is_a_revision_and_an_unchanged_save_is_not(app, login_as):
    make_article("a", title="Första")
    editor = login_as("kb_editor")
    editor.post("/kb/redaktion/artikel/a", data={**FORM, "title": "Andra"})
    editor.post("/kb/redaktion/artikel/a", data={**FORM, "title": "Andra"})
    revisions = db.session.scalars(select(ArticleRevision).where(ArticleRevision.article_id == "a")
                                   .order_by(ArticleRevision.number)).all()
    assert [r.title for r in revisions] == ["Första", "Andra"]


def test_the_diff_between_two_revisions_shows_removed_and_added_lines(app, login_as):
    make_article("a", body="Rad ett\nRad två\nRad tre")
    editor = login_as("kb_editor")
    editor.post("/kb/redaktion/artikel/a", data={**FORM, "body": "Rad ett\nRad 2\nRad tre"})
    page = editor.get("/kb/redaktion/artikel/a/jamfor?fran=1&till=2").get_data(as_text=True)
    assert "<del>Rad två</del>" in page and "<ins>Rad 2</ins>" in page
    assert "borttagen" in page and "tillagd" in page  # said in words, not only by colour


def test_restoring_an_old_revision_brings_back_its_text_as_a_new_revision(app, client, login_as):
    make_article("a", title="Original", body="Gammal text")
    editor = login_as("kb_editor")
    editor.post("/kb/redaktion/artikel/a", data={**FORM, "title": "Ny", "body": "Ny text"})
    assert editor.post("/kb/redaktion/artikel/a/versioner/1/aterstall").status_code == 302
    article = db.session.get(Article, "a")
    db.session.refresh(article)
    assert article.title == "Original" and article.body == "Gammal text"
    assert [r.number for r in article.revisions] == [3, 2, 1]
    assert "Återställd från version 1" in article.revisions[0].note


def test_archiving_removes_the_article_from_reading_and_search(app, client, login_as):
    make_article("a", title="Kalender att arkivera")
    login_as("kb_editor").post("/kb/redaktion/artikel/a/status", data={"action": "archive"})
    assert client.get("/kb/artikel/a").status_code == 404
    assert client.get("/api/v1/kb/search?q=kalender").get_json()["total"] == 0


def test_marking_for_review_puts_the_article_on_the_review_list(app, login_as):
    make_article("a", title="Granska mig")
    editor = login_as("kb_editor")
    assert "Granska mig" not in editor.get("/kb/redaktion/granskning").get_data(as_text=True)
    editor.post("/kb/redaktion/artikel/a/status", data={"action": "review"})
    assert "Granska mig" in editor.get("/kb/redaktion/granskning").get_data(as_text=True)


def test_articles_past_their_review_date_are_due(app):
    import datetime as dt

    article = make_article("old", title="Gammal")
    article.review_by = dt.date(2020, 1, 1)
    db.session.commit()
    assert [a.id for a in service.due_for_review()] == ["old"]


def test_broken_kb_links_are_listed_for_editors(app, login_as):
    make_article("target")
    make_article("linker", title="Länkar", body="Se [mål](kb:target) och [borta](kb:gone-away).")
    page = login_as("kb_editor").get("/kb/redaktion/granskning").get_data(as_text=True)
    assert "kb:gone-away" in page and "kb:target" not in page


def test_the_preview_renders_through_the_same_sanitiser(app, login_as):
    make_article("exists")
    data = login_as("kb_editor").post("/kb/redaktion/forhandsvisning", data={
        "body": "**fet** <script>alert(1)</script> [ok](kb:exists) [trasig](kb:missing)"}).get_json()
    assert "<strong>fet</strong>" in data["html"]
    assert "<script" not in data["html"]
    assert 'href="/kb/artikel/exists"' in data["html"]
    assert data["broken_links"] == ["missing"]


def test_an_editor_changes_the_synonym_list_and_search_uses_it_at_once(app, client, login_as):
    make_article("absence", title="Anmäl frånvaro", body="Så anmäler du frånvaro.", tags=())
    assert client.get("/api/v1/kb/search?q=skolk").get_json()["total"] == 0
    editor = login_as("kb_editor")
    response = editor.post("/kb/redaktion/synonymer", data={"text": "skolk => frånvaro\n"})
    assert response.status_code == 302
    assert [h["id"] for h in editor.get("/api/v1/kb/search?q=skolk").get_json()["hits"]] == ["absence"]


def test_a_synonym_list_with_errors_is_not_saved_and_the_text_is_kept(app, login_as):
    editor = login_as("kb_editor")
    page = editor.post("/kb/redaktion/synonymer", data={"text": "ensam\n"}).get_data(as_text=True)
    assert "rad 1" in page and "ensam" in page
    assert service.current_synonyms_text() != "ensam\n"


PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def test_an_uploaded_image_is_checked_by_content_stored_and_served(app, client, login_as):
    editor = login_as("kb_editor")
    response = editor.post("/kb/redaktion/bilder", data={"image": (io.BytesIO(PNG), "skärmbild.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    image = db.session.scalar(select(ArticleImage))
    assert image.content_type == "image/png" and image.original_name == "skärmbild.png"
    served = client.get(f"/kb/bild/{image.stored_name}")
    assert served.status_code == 200 and served.data == PNG and served.mimetype == "image/png"


def test_a_file_that_only_pretends_to_be_an_image_is_refused(app, login_as):
    editor = login_as("kb_editor")
    page = editor.post("/kb/redaktion/bilder", data={"image": (io.BytesIO(b"<script>x</script>"), "fake.png")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "Filen är ingen bild" in page
    assert db.session.scalar(select(ArticleImage)) is None


def test_an_oversized_image_is_refused(app, login_as):
    editor = login_as("kb_editor")
    big = PNG + b"\x00" * (service.IMAGE_MAX_BYTES + 1)
    page = editor.post("/kb/redaktion/bilder", data={"image": (io.BytesIO(big), "big.png")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "Bilden är för stor" in page


def test_uploading_an_image_from_the_article_form_gives_the_draft_back_with_the_image_in_it(app, login_as):
    editor = login_as("kb_editor")
    draft = {**FORM, "id": "", "title": "Byt profilbild", "body": "Mitt långa utkast.", "action": "upload",
             "image": (io.BytesIO(PNG), "bild.png")}
    response = editor.post("/kb/redaktion/ny", data=draft, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    image = db.session.scalar(select(ArticleImage))
    assert response.status_code == 200 and image is not None
    assert 'value="Byt profilbild"' in page and "Så loggar du in." in page
    assert f"Mitt långa utkast.\n\n![Beskriv bilden](/kb/bild/{image.stored_name})" in page
    assert "Bilden är uppladdad" in page
    assert db.session.scalar(select(Article)) is None  # an upload does not save the draft behind its back


def test_an_upload_without_a_file_keeps_the_draft_and_says_what_is_missing(app, login_as):
    page = login_as("kb_editor").post("/kb/redaktion/ny", data={**FORM, "action": "upload"},
                                      content_type="multipart/form-data").get_data(as_text=True)
    assert "Välj en bild." in page and "Så loggar du in." in page


def test_the_upload_endpoint_answers_the_markdown_code_as_json(app, login_as):
    editor = login_as("kb_editor")
    response = editor.post("/kb/redaktion/bilder/uppladdning", data={"image": (io.BytesIO(PNG), "bild.png")},
                           content_type="multipart/form-data", headers={"Accept": "application/json"})
    image = db.session.scalar(select(ArticleImage))
    assert response.status_code == 200
    assert response.json["code"] == f"![Beskriv bilden](/kb/bild/{image.stored_name})"
    refused = editor.post("/kb/redaktion/bilder/uppladdning", data={"image": (io.BytesIO(b"<svg onload=x>"), "x.gif")},
                          content_type="multipart/form-data")
    assert refused.status_code == 400, refused.json
    assert "Filen är ingen bild" in refused.json["message"]


def test_a_reader_cannot_upload_through_the_json_endpoint(app, login_as):
    response = login_as("guardian:ekbackaskolan").post(
        "/kb/redaktion/bilder/uppladdning", data={"image": (io.BytesIO(PNG), "bild.png")},
        content_type="multipart/form-data")
    assert response.status_code == 404 and db.session.scalar(select(ArticleImage)) is None


def test_an_empty_id_is_proposed_from_the_title(app, login_as):
    make_article("sa-byter-du-profilbild", title="Något annat")
    response = login_as("kb_editor").post("/kb/redaktion/ny", data={**FORM, "id": "",
                                                                    "title": "Så byter du profilbild!"})
    assert response.status_code == 302
    assert db.session.get(Article, "sa-byter-du-profilbild-2").title == "Så byter du profilbild!"


def test_the_system_must_be_chosen(app, login_as):
    editor = login_as("kb_editor")
    form_page = editor.get("/kb/redaktion/ny").get_data(as_text=True)
    system_select = form_page[form_page.index('<select id="system"'):]
    system_select = system_select[:system_select.index("</select>")]
    assert '<option value="">Välj system</option>' in system_select and "selected" not in system_select
    page = editor.post("/kb/redaktion/ny", data={**FORM, "id": "utan-system", "system": ""}).get_data(as_text=True)
    assert "Välj vilket system artikeln handlar om." in page
    assert db.session.get(Article, "utan-system") is None


def test_the_id_hint_shows_the_address_pattern_as_text(app, login_as):
    page = login_as("kb_editor").get("/kb/redaktion/ny").get_data(as_text=True)
    assert "/kb/artikel/&lt;id&gt;" in page

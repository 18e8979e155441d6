"""Every knowledge-base page passes axe-core's WCAG 2.1 A/AA rules, for readers and for editors."""

from __future__ import annotations

from playwright.sync_api import expect

READER_PAGES = [
    "/kb/",
    "/kb/elev",
    "/kb/pedagog/system/attendance?skolform=compulsory",
    "/kb/sok?q=lösnord",
    "/kb/sok?q=frånvaro&malgrupp=vardnadshavare&skolform=preschool",
    "/kb/sok?q=app&sida=2",
    "/kb/artikel/guardian-report-absence-en",
]
EDITOR_PAGES = [
    "/kb/superanvandare",
    "/kb/servicedesk/system/login",
    "/kb/redaktion/?status=published&system=login",
    "/kb/redaktion/artikel/guardian-report-absence",
    "/kb/redaktion/artikel/guardian-report-absence/forhandsvisning",
    "/kb/redaktion/granskning",
    "/kb/redaktion/synonymer",
    "/kb/redaktion/bilder",
    "/kb/redaktion/rapport",
]


def test_reader_pages_have_no_wcag_violations(page, live_server, demo_articles, axe_check):
    for path in READER_PAGES:
        response = page.goto(path)
        assert response.status == 200, path
        axe_check(page)


def test_editor_pages_have_no_wcag_violations(page, live_server, demo_articles, login_page, axe_check):
    login_page(page, "petra.wik@skolplattformen.example")
    for path in EDITOR_PAGES:
        response = page.goto(path)
        assert response.status == 200, path
        axe_check(page)


def test_the_revision_diff_page_has_no_wcag_violations(page, live_server, demo_articles, login_page, axe_check):
    email = live_server.create_user("Rita Redaktör", roles=["kb_editor"])
    login_page(page, email)
    page.goto("/kb/redaktion/artikel/install-app")
    body = page.get_by_label("Text (Markdown)")
    body.fill(body.input_value() + "\n\nEn ny rad om appen.")
    with page.expect_navigation():
        page.get_by_role("button", name="Spara", exact=True).click()
    page.goto("/kb/redaktion/artikel/install-app/versioner")
    axe_check(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Visa skillnader").click()
    expect(page.locator("ins").last).to_contain_text("En ny rad om appen.")
    axe_check(page)

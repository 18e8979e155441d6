"""Each persona's first step in a real browser: sign in through /login and land on the right start page."""

from __future__ import annotations

import pytest

from tests.browser.conftest import split_words

expect = pytest.importorskip("playwright.sync_api", reason="browser tests need Playwright").expect

PERSONAS = [
    # (who, e-mail, text the person should notice on their start page)
    ("guardian", "maria.svensson@example.com", ["Välkommen, Maria", "Jag är vårdnadshavare",
                                                "Vårdnadshavare – Ekbackaskolan"]),
    ("student", "elsa.johansson@elev.skolplattformen.example", ["Välkommen, Elsa", "Jag är elev",
                                                                 "Elev – Ekbackaskolan"]),
    ("pedagogue", "erik.nilsson@skolplattformen.example", ["Välkommen, Erik", "Jag är pedagog",
                                                           "Pedagog – Ekbackaskolan"]),
    ("administrator", "lena.berg@skolplattformen.example", ["Välkommen, Lena", "Jag är administratör",
                                                            "Administratör – Hässelbyskolan"]),
    ("superuser", "karin.lindqvist@skolplattformen.example", ["Välkommen, Karin",
                                                              "Superanvändare – Ekbackaskolan"]),
    ("agent", "sofia.holm@skolplattformen.example", ["Välkommen, Sofia", "Servicedesk (agent)"]),
    ("kb_editor", "petra.wik@skolplattformen.example", ["Välkommen, Petra", "Redaktör för kunskapsbanken"]),
    ("admin", "admin@skolplattformen.example", ["Välkommen, Johan", "Administratör av supporttjänsten",
                                                "Användare och behörigheter"]),
]


@pytest.mark.parametrize("who,email,expected", PERSONAS, ids=[p[0] for p in PERSONAS])
def test_each_persona_signs_in_and_sees_their_start_page(page, login_page, who, email, expected):
    login_page(page, email)
    main = page.locator("main")
    for text in expected:
        expect(main).to_contain_text(text)
    expect(page.get_by_role("button", name="Logga ut")).to_be_visible()
    expect(page.get_by_role("link", name="Logga in")).to_have_count(0)


def test_only_the_admin_sees_the_administration_menu(page, login_page):
    login_page(page, "sofia.holm@skolplattformen.example")
    nav = page.get_by_role("navigation", name="Huvudmeny")
    expect(nav.get_by_role("link", name="Administration")).to_have_count(0)
    assert page.goto("/admin").status == 403


def test_guardian_start_page_offers_only_their_own_way_in(page, login_page):
    login_page(page, "maria.svensson@example.com")
    expect(page.get_by_role("link", name="Jag är pedagog")).to_have_count(0)


def test_wrong_password_in_the_browser_shows_a_swedish_message_and_keeps_the_email(page, login_page, live_server):
    # A person of its own: failed attempts count towards a lockout, which must not reach the shared demo people.
    email = live_server.create_user(name="Fel Lösenordsson", groups=["guardian"])
    login_page(page, email, "fel-losenord")
    expect(page.get_by_role("alert")).to_contain_text("Fel e-postadress eller lösenord.")
    expect(page.get_by_label("E-postadress")).to_have_value(email)


@pytest.mark.parametrize("label,slug", [
    ("Jag är vårdnadshavare", "vardnadshavare"),
    ("Jag är elev", "elev"),
    ("Jag är pedagog", "pedagog"),
    ("Jag är administratör", "administrator"),
])
def test_anonymous_start_page_routes_by_who_you_are(page, label, slug):
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hur kan vi hjälpa dig?")
    link = page.get_by_role("link", name=label)
    expect(link).to_be_visible()
    expect(link).to_have_attribute("href", f"/kb/{slug}")


def test_language_switch_turns_the_start_page_into_english_and_back(page):
    page.goto("/")
    page.get_by_role("button", name="In English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("How can we help you?")
    expect(page.get_by_role("link", name="I am a guardian")).to_be_visible()
    page.get_by_role("link", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.get_by_label("E-mail address")).to_be_visible()
    page.get_by_role("button", name="På svenska").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Logga in")
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hur kan vi hjälpa dig?")


def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(page):
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.locator(":focus")
    expect(focused).to_have_text("Hoppa till innehållet")
    expect(focused).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def test_phone_visitor_can_reach_every_way_in_without_sideways_scrolling(phone_page):
    phone_page.goto("/")
    for label in ("Jag är vårdnadshavare", "Jag är elev", "Jag är pedagog", "Jag är administratör"):
        expect(phone_page.get_by_role("link", name=label)).to_be_visible()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the start page is {width}px wide on a 390px phone"


@pytest.mark.parametrize("path", ["/", "/login", "/glomt-losenord", "/finns-inte", "/aterstall-losenord/trasig"])
def test_public_pages_pass_axe(page, axe_check, path):
    page.goto(path)
    axe_check(page)


def test_focus_is_visible_on_links_and_buttons(page):
    page.goto("/login")
    link = page.get_by_role("link", name="Glömt lösenordet?")
    link.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    outline = link.evaluate("element => getComputedStyle(element).outlineStyle")
    assert outline == "solid"


def test_login_error_page_passes_axe(page, login_page, axe_check):
    login_page(page, "nobody@example.com", "fel")
    axe_check(page)


@pytest.mark.parametrize("email", ["maria.svensson@example.com", "karin.lindqvist@skolplattformen.example"])
def test_signed_in_home_and_profile_pass_axe(page, login_page, axe_check, email):
    login_page(page, email)
    axe_check(page)
    page.goto("/profil")
    axe_check(page)


@pytest.mark.parametrize("path", ["/admin", "/admin/anvandare", "/admin/anvandare/ny", "/admin/utkorg"])
def test_admin_pages_pass_axe(page, login_page, axe_check, path):
    login_page(page, "admin@skolplattformen.example")
    response = page.goto(path)
    assert response.status == 200, path
    axe_check(page)


def test_the_outbox_never_splits_a_column_name_or_a_status_mid_word(page, login_page, live_server):
    from support.extensions import db
    from support.outbox.service import enqueue_mail

    with live_server.app.app_context():
        enqueue_mail("forald.rarna.till.elever.i.arskurs.nio@skolplattformen.example",
                     "Ditt ärende #1040 har fått ett svar från Servicedesk Skolplattformen", "Hej!")
        db.session.commit()
    login_page(page, "admin@skolplattformen.example")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/admin/utkorg")
    expect(page.locator(".data-table .badge").first).to_be_visible()
    assert split_words(page, ".data-table th, .data-table .badge") == []


def test_business_hours_shows_each_weekday_as_a_box_with_its_name_beside_it(page, login_page, axe_check):
    login_page(page, "admin@skolplattformen.example")
    page.goto("/admin/arenden/arbetstid")
    monday = page.get_by_label("Måndag")
    expect(monday).to_be_checked()
    box, label = monday.bounding_box(), page.locator("label", has_text="Måndag").bounding_box()
    assert label["x"] > box["x"] and abs(label["y"] + label["height"] / 2 - (box["y"] + box["height"] / 2)) < 6
    assert page.locator("fieldset.checkbox-group li").first.evaluate("li => getComputedStyle(li).display") == "flex"
    assert page.get_by_label("Öppnar").bounding_box()["height"] >= 40  # the form's own input size
    axe_check(page)


def test_user_detail_page_passes_axe(page, login_page, axe_check):
    login_page(page, "admin@skolplattformen.example")
    page.goto("/admin/anvandare")
    page.get_by_role("link", name="Karin Lindqvist").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Karin Lindqvist")
    axe_check(page)


def test_start_page_passes_axe_on_a_phone_and_in_english(phone_page, axe_check):
    phone_page.goto("/")
    axe_check(phone_page)
    phone_page.get_by_role("button", name="Meny").click()  # on a phone the links and the switch sit in the menu
    phone_page.get_by_role("button", name="In English").click()
    axe_check(phone_page)


def _reset_link_for(live_server, email: str) -> str:
    import re

    from sqlalchemy import select

    from support.extensions import db
    from support.outbox.models import OutgoingMail

    with live_server.app.app_context():
        mail = db.session.scalars(select(OutgoingMail).where(OutgoingMail.to_addrs.contains(email))
                                  .order_by(OutgoingMail.id.desc())).first()
        return re.search(r"http://\S+/aterstall-losenord/\S+", mail.body_text).group(0)


def test_forgotten_password_end_to_end_with_the_mail_visible_to_admins(open_page, page, live_server, login_page,
                                                                       axe_check):
    email = live_server.create_user(name="Glömsk Vårdnadshavare", groups=["guardian:ekbackaskolan"])
    page.goto("/login")
    page.get_by_role("link", name="Glömt lösenordet?").click()
    page.get_by_label("E-postadress").fill(email)
    page.get_by_role("button", name="Skicka länk").click()
    expect(page.get_by_role("status")).to_contain_text("Om adressen finns hos oss")

    link = _reset_link_for(live_server, email)
    page.goto(link)
    axe_check(page)
    page.get_by_label("Nytt lösenord").fill("mitt-nya-losenord")
    page.get_by_label("Upprepa lösenordet").fill("mitt-nya-losenord")
    page.get_by_role("button", name="Spara lösenord").click()
    expect(page.get_by_role("status")).to_contain_text("Lösenordet är bytt")
    login_page(page, email, "mitt-nya-losenord")
    expect(page.locator("main")).to_contain_text("Välkommen, Glömsk")

    page.goto(link)
    expect(page.locator("main")).to_contain_text("Länken har redan använts")
    axe_check(page)

    admin = open_page(viewport={"width": 1280, "height": 800})
    login_page(admin, "admin@skolplattformen.example")
    admin.goto("/admin/utkorg/")
    admin.get_by_role("row").filter(has_text=email).get_by_role("link").first.click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Återställ ditt lösenord till Skolsupport")
    expect(admin.locator("main")).to_contain_text("/aterstall-losenord/••••••••")
    expect(admin.locator("main")).not_to_contain_text(link.rsplit("/", 1)[1])
    axe_check(admin)


@pytest.mark.parametrize("email,paths", [
    ("maria.svensson@example.com", ("/", "/profil")),
    ("admin@skolplattformen.example", ("/", "/profil", "/admin/", "/admin/anvandare", "/admin/utkorg/")),
])
def test_signed_in_pages_fit_a_phone_screen(phone_page, login_page, email, paths):
    login_page(phone_page, email)
    for path in paths:
        phone_page.goto(path)
        width = phone_page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width}px wide on a 390px phone"
        phone_page.get_by_role("button", name="Meny").click()
        expect(phone_page.get_by_role("button", name="Logga ut")).to_be_visible()

"""Finding 14 (and parts of 16): odd input gets a clear 400 or 404, never a 500, on SQLite and PostgreSQL."""

import pytest

from support.extensions import db
from support.request_input import MAX_INT, parse_int


@pytest.mark.parametrize("value,expected", [
    ("12", 12), ("0", 0), (str(MAX_INT), MAX_INT), (str(MAX_INT + 1), None), ("²", None), ("٣", None),
    ("1_000", None), (" 12", None), ("+12", None), ("-3", None), ("", None), (None, None), (True, None),
    ("9" * 400, None), ("1e9", None), (7, 7),
])
def test_numbers_are_parsed_one_strict_way(value, expected):
    assert parse_int(value) == expected


def test_negative_numbers_only_where_asked_for():
    assert parse_int("-3", minimum=-10) == -3 and parse_int("-3") is None


@pytest.mark.parametrize("number", ["²", "٣", "99999999999999999999", str(2**63), str(2**31), "1" * 400])
def test_ticket_numbers_that_cannot_exist_are_a_404(login_as, number):
    assert login_as("agent").get(f"/arenden/{number}").status_code == 404


@pytest.mark.parametrize("value", ["99999999999999999999", "²", "-1"])
def test_outbox_paging_ignores_numbers_that_cannot_be_ids(login_as, value):
    assert login_as("admin").get(f"/admin/utkorg/?fore={value}").status_code == 200


@pytest.mark.parametrize("email", ["maria\x00@example.com", "\x00", "ma\x07ria@example.com"])
def test_control_characters_in_a_form_are_refused_with_a_reason(client, email):
    response = client.post("/login", data={"email": email, "password": "x"})
    assert response.status_code == 400
    assert "styrtecken" in response.get_data(as_text=True)


def test_control_characters_in_the_address_are_refused_with_a_reason(client):
    response = client.get("/kb/sok?q=fr%00nvaro")
    assert response.status_code == 400
    assert "styrtecken" in response.get_data(as_text=True)
    assert client.get("/kb/artikel/abc%00def").status_code == 400


def test_control_characters_are_answered_in_json_on_the_api(client):
    response = client.get("/api/v1/kb/search?q=a%00b")
    assert response.status_code == 400 and response.get_json()["error"] == "validation"
    assert "styrtecken" in response.get_json()["fields"]["q"]


def test_a_nul_in_a_cookie_is_refused_not_stored(client):
    client.set_cookie("kb_visitor", "abc\x00def")
    assert client.get("/").status_code == 400


def test_tabs_and_line_breaks_are_ordinary_text(client):
    response = client.post("/login", data={"email": "maria@example.com\t", "password": "rad ett\nrad två"})
    assert response.status_code == 401


def test_signed_in_pages_and_the_api_are_never_stored_by_a_browser_or_proxy(login_as, client):
    person = login_as("guardian")
    assert person.get("/arenden").headers["Cache-Control"] == "no-store"
    assert person.get("/api/v1/tickets").headers["Cache-Control"] == "no-store"
    assert client.get("/login").headers["Cache-Control"] == "no-store"
    assert client.get("/api/v1/kb/search?q=schema").headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")


def test_an_admin_reading_the_outbox_sees_reset_links_masked(client, login_as, factory):
    from support.outbox.models import OutgoingMail

    factory.user(email="karin@example.com")
    db.session.commit()
    client.post("/glomt-losenord", data={"email": "karin@example.com"})
    mail = db.session.query(OutgoingMail).one()
    token = mail.body_text.split("/aterstall-losenord/")[1].split()[0]
    page = login_as("admin").get(f"/admin/utkorg/{mail.id}").get_data(as_text=True)
    assert "/aterstall-losenord/" in page
    assert token not in page and token[:12] not in page


@pytest.mark.parametrize("value", ["99999999999999999999", "²", "-4", "0"])
def test_page_numbers_and_days_that_cannot_be_meant_fall_back_to_the_default(client, login_as, value):
    assert client.get(f"/kb/sok?q=schema&sida={value}").status_code == 200
    assert login_as("kb_editor").get(f"/kb/redaktion/rapport?dagar={value}").status_code == 200


@pytest.mark.parametrize("value", ["99999999999999999999", "²", "abc"])
def test_a_tampered_search_click_link_still_opens_the_article_without_counting(client, value):
    response = client.get(f"/kb/sok/till/absence?s={value}&r={value}")
    assert response.status_code == 302 and response.headers["Location"].endswith("/kb/artikel/absence")


@pytest.mark.parametrize("value", ["99999999999999999999", "²"])
def test_a_queue_filtered_on_a_school_that_cannot_exist_is_not_a_500(login_as, value):
    assert login_as("agent").get(f"/arbetsyta?school={value}").status_code in (200, 400)

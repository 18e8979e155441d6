import json
import re
from datetime import UTC
from pathlib import Path

import pytest

from support import create_app
from support.extensions import db
from support.outbox.service import enqueue_mail

PERSONA_LINKS = {
    "Jag är vårdnadshavare": "/kb/vardnadshavare",
    "Jag är elev": "/kb/elev",
    "Jag är pedagog": "/kb/pedagog",
    "Jag är administratör": "/kb/administrator",
}


def test_anonymous_start_page_routes_by_who_you_are(client):
    page = client.get("/").get_data(as_text=True)
    assert "Hur kan vi hjälpa dig?" in page
    for label, href in PERSONA_LINKS.items():
        assert label in page
        assert f'href="{href}"' in page


def test_start_page_is_swedish_with_landmarks_and_a_skip_link(client):
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="sv">' in page
    assert 'class="skip-link" href="#main"' in page
    assert '<main id="main"' in page
    assert "<header" in page and "<footer" in page and "<nav" in page


def test_pages_send_a_strict_content_security_policy(client):
    headers = client.get("/").headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_signed_in_pedagogue_who_is_also_a_guardian_sees_both_ways_in(login_as, factory):
    factory.school("Ekbackaskolan", slug="ekbackaskolan")
    user = factory.user(name="Lars Persson", groups=["pedagogue:ekbackaskolan", "guardian:ekbackaskolan"])
    page = login_as(user).get("/").get_data(as_text=True)
    assert "Välkommen, Lars" in page
    assert "Jag är pedagog" in page and "Jag är vårdnadshavare" in page
    assert "Jag är elev" not in page
    assert "Pedagog – Ekbackaskolan" in page


def test_language_switch_to_english_sets_the_page_language(client):
    response = client.post("/sprak", data={"language": "en", "next": "/login"})
    assert response.headers["Location"] == "/login"
    assert '<html lang="en">' in client.get("/login").get_data(as_text=True)


def test_unknown_language_is_ignored(client):
    client.post("/sprak", data={"language": "xx", "next": "/"})
    assert '<html lang="sv">' in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "evil", "/\\evil.example/"])
def test_language_switch_never_redirects_off_site(client, target):
    response = client.post("/sprak", data={"language": "en", "next": target})
    assert response.headers["Location"] == "/"


def test_signed_in_language_choice_is_remembered_on_the_account(login_as, app):
    client = login_as("guardian")
    client.post("/sprak", data={"language": "en", "next": "/"})
    db.session.refresh(client.user)
    assert client.user.locale == "en"
    fresh = app.test_client()
    from tests.conftest import login

    login(fresh, client.user.email)
    assert '<html lang="en">' in fresh.get("/").get_data(as_text=True)


def test_profile_shows_groups_and_saves_name_phone_and_language(login_as, factory):
    factory.school("Ekbackaskolan", slug="ekbackaskolan")
    client = login_as("guardian:ekbackaskolan")
    page = client.get("/profil").get_data(as_text=True)
    assert "Vårdnadshavare – Ekbackaskolan" in page
    response = client.post("/profil", data={"name": "Maria Svensson", "phone": "070-123 45 67", "locale": "en"},
                           follow_redirects=True)
    assert response.status_code == 200
    db.session.refresh(client.user)
    assert (client.user.name, client.user.phone, client.user.locale) == ("Maria Svensson", "070-123 45 67", "en")
    assert '<html lang="en">' in response.get_data(as_text=True)


def test_profile_with_an_empty_name_keeps_the_input_and_changes_nothing(login_as):
    client = login_as("guardian")
    old_name = client.user.name
    response = client.post("/profil", data={"name": "", "phone": "070-123 45 67", "locale": "sv"})
    page = response.get_data(as_text=True)
    assert "Ange ditt namn." in page
    assert 'value="070-123 45 67"' in page
    db.session.refresh(client.user)
    assert client.user.name == old_name and client.user.phone == ""


def test_profile_refuses_an_overlong_name(login_as):
    client = login_as("guardian")
    response = client.post("/profil", data={"name": "x" * 300, "phone": "", "locale": "sv"})
    assert "error-summary" in response.get_data(as_text=True)


def test_profile_needs_a_signed_in_person(client):
    response = client.get("/profil")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_missing_page_has_a_swedish_message(client):
    response = client.get("/finns-inte")
    assert response.status_code == 404
    assert "Sidan finns inte." in response.get_data(as_text=True)


def test_missing_api_endpoint_answers_json(client):
    response = client.get("/api/v1/finns-inte")
    assert response.status_code == 404
    assert response.is_json and response.get_json()["message"] == "Sidan finns inte."


def test_healthz_reports_database_index_and_outbox_backlog_to_an_admin(login_as, app):
    Path(app.config["INDEX_DIR"]).mkdir(parents=True, exist_ok=True)
    enqueue_mail("maria@example.com", "Hej", "Text")
    db.session.commit()
    response = login_as("admin").get("/healthz")
    assert response.status_code == 200
    body = json.loads(response.get_data())
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["index"] == "ok"
    assert body["checks"]["outbox"] == {"pending": 1, "sent": 0, "dead": 0}


def test_healthz_tells_an_anonymous_caller_only_whether_the_service_is_up(client, app):
    Path(app.config["INDEX_DIR"]).mkdir(parents=True, exist_ok=True)
    enqueue_mail("maria@example.com", "Hej", "Text")
    db.session.commit()
    body = client.get("/healthz").get_json()
    assert body == {"status": "ok", "checks": {"database": "ok", "index": "ok"}}


def test_healthz_is_503_when_the_index_folder_is_missing(client, app):
    assert not Path(app.config["INDEX_DIR"]).exists()
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "degraded"
    assert body["checks"]["index"] == "missing"
    assert body["checks"]["database"] == "ok"


def test_healthz_is_503_with_json_when_the_database_cannot_be_reached(app_config, tmp_path):
    app_config["DATABASE_URL"] = "postgresql://nobody@127.0.0.1:1/x"
    broken = create_app(app_config)
    (tmp_path / "instance" / "index").mkdir(parents=True)
    with broken.app_context():
        response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["checks"]["database"].startswith("error")
    assert "nobody" not in json.dumps(body)


def test_a_page_whose_database_is_down_answers_in_swedish_without_a_traceback(app_config):
    app_config["DATABASE_URL"] = "postgresql://nobody@127.0.0.1:1/x"
    broken = create_app(app_config)
    broken.config["PROPAGATE_EXCEPTIONS"] = False
    with broken.app_context():
        response = broken.test_client().post("/login", data={"email": "a@example.com", "password": "x"})
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "Tjänsten kan inte nå databasen just nu." in page
    assert "Traceback" not in page


def test_static_files_are_compressed_fingerprinted_and_kept_by_browsers(client):
    page = client.get("/").get_data(as_text=True)
    stylesheet = re.search(r'href="(/static/css/app\.css\?v=[0-9a-f]+)"', page).group(1)
    response = client.get(stylesheet, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "max-age=31536000" in response.headers["Cache-Control"]
    assert "Cookie" not in response.headers["Vary"]  # the same file before and after signing in


def test_a_signed_in_persons_stylesheet_is_the_cached_one_and_the_session_stays(login_as):
    client = login_as("guardian:ekbackaskolan")
    page = client.get("/").get_data(as_text=True)
    stylesheet = re.search(r'href="(/static/css/app\.css\?v=[0-9a-f]+)"', page).group(1)
    response = client.get(stylesheet)
    assert "Cookie" not in response.headers.get("Vary", "") and "Set-Cookie" not in response.headers
    assert "Logga ut" in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("path", ["/", "/kb/", "/kb/vardnadshavare", "/kb/sok?q=frånvaro", "/login"])
def test_a_readers_page_waits_for_one_stylesheet_and_every_linked_file_exists(client, path):
    page = client.get(path).get_data(as_text=True)
    links = re.findall(r"<link\b[^>]*>", page)
    render_blocking = [link for link in links if 'rel="stylesheet"' in link and 'media="print"' not in link]
    assert len(render_blocking) == 1, render_blocking
    for href in re.findall(r'href="(/static/[^"]+)"', page):
        assert client.get(href).status_code == 200, href


def test_pages_are_sent_compressed(client):
    assert client.get("/", headers={"Accept-Encoding": "gzip"}).headers.get("Content-Encoding") == "gzip"


def test_there_is_a_favicon(client):
    page = client.get("/").get_data(as_text=True)
    assert 'rel="icon"' in page
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert client.get(response.headers["Location"]).status_code == 200


def test_signing_in_from_the_header_returns_to_the_page_being_read(client):
    page = client.get("/kb/vardnadshavare").get_data(as_text=True)
    assert 'href="/login?next=/kb/vardnadshavare"' in page


def test_the_servicedesk_phone_number_can_be_called_with_one_tap(client):
    page = client.get("/").get_data(as_text=True)
    assert 'href="tel:+46846500400"' in page


def test_opening_hours_read_in_english_for_an_english_reader(client):
    client.post("/sprak", data={"language": "en", "next": "/"})
    page = client.get("/").get_data(as_text=True)
    assert "vardagar" not in page and "weekdays 08.00–17.00" in page


def test_times_are_written_without_seconds_and_unambiguously_in_english(app):
    from datetime import datetime

    from flask_babel import force_locale

    from support.i18n import format_moment

    moment = datetime(2026, 12, 4, 9, 5, 33, tzinfo=UTC)
    with app.test_request_context():
        with force_locale("sv"):
            assert format_moment(moment) == "4 dec. 2026 10:05"
        with force_locale("en"):
            assert format_moment(moment) == "4 Dec 2026, 10:05"
            assert format_moment(moment.date()) == "4 Dec 2026"  # a day alone: never "12/4/26"
        with force_locale("sv"):
            assert format_moment(moment.date()) == "4 dec. 2026"


def test_pages_describe_themselves_for_search_engines_and_an_article_by_its_summary(app, client):
    from tests.kb.articles import make_article

    make_article("absence", title="Anmäl frånvaro", summary="Så sjukanmäler du ditt barn.")
    assert re.search(r'<meta name="description" content="Svar på vanliga frågor[^"]+">',
                     client.get("/").get_data(as_text=True))
    assert '<meta name="description" content="Så sjukanmäler du ditt barn.">' in client.get(
        "/kb/artikel/absence").get_data(as_text=True)

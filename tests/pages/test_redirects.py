"""Finding 3: `next` only ever leads to a page of this site, judged after the normalisation browsers apply."""

from urllib.parse import quote, urlsplit

import pytest

from support.extensions import db
from support.redirects import same_site_path
from tests.conftest import TEST_PASSWORD

OFF_SITE = [
    "//evil.example/x", "/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example", "\\\\evil.example",
    "/\\evil.example", "\\/evil.example", " //evil.example", "\x00//evil.example", "https://evil.example/",
    "https:evil.example", "javascript:alert(1)", "/%09/evil.example", "\n", "\t//evil.example", "/\t\\evil.example",
    "\x1f/\\evil.example", "/\x00/evil.example",
]


def _assert_stays_on_site(response):
    """A redirect to a path of this site, as a browser reads the Location header; or a clear refusal of
    control characters (finding 14), which never redirects anywhere."""
    if response.status_code == 400:
        assert "styrtecken" in response.get_data(as_text=True)
        return
    assert response.status_code == 302
    location = response.headers["Location"]
    location = location.replace("\t", "").replace("\n", "").replace("\r", "").strip().replace("\\", "/")
    assert location.startswith("/") and not location.startswith("//") and not urlsplit(location).netloc


@pytest.mark.parametrize("target", OFF_SITE)
def test_sign_in_never_sends_the_browser_to_another_site(client, factory, target):
    factory.user(email="maria@example.com")
    db.session.commit()
    response = client.post("/login?next=" + quote(target, safe=""),
                           data={"email": "maria@example.com", "password": TEST_PASSWORD})
    _assert_stays_on_site(response)


@pytest.mark.parametrize("target", OFF_SITE)
def test_the_language_switch_never_sends_the_browser_to_another_site(client, target):
    _assert_stays_on_site(client.post("/sprak", data={"language": "en", "next": target}))


def test_a_signed_in_visitor_is_also_kept_on_the_site(login_as):
    client = login_as("guardian")
    response = client.get("/login?next=/%09/evil.example")
    assert response.status_code == 302 and response.headers["Location"] == "/"


@pytest.mark.parametrize("target,expected", [
    ("/kb/sok?q=fr%C3%A5nvaro", "/kb/sok?q=fr%C3%A5nvaro"), ("/arenden/1001", "/arenden/1001"),
    ("  /arenden  ", "/arenden"),
])
def test_paths_on_this_site_are_followed(target, expected):
    assert same_site_path(target) == expected

"""English is one switch away, and the committed English catalogue is the compiled form of the committed .po."""

import gettext
from io import BytesIO

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from support import PROJECT_DIR

CATALOGUE = PROJECT_DIR / "translations" / "en" / "LC_MESSAGES"


def _english(client):
    client.post("/sprak", data={"language": "en", "next": "/"})
    return client


def test_english_start_page(client):
    page = _english(client).get("/").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "How can we help you?" in page
    assert "I am a guardian" in page and "I am a student" in page
    assert "I am a teacher" in page and "I am an administrator" in page
    assert "Skip to content" in page
    assert "Hur kan vi hjälpa dig?" not in page
    assert "På svenska" in page


def test_english_login_page_and_its_error(client):
    _english(client)
    page = client.get("/login").get_data(as_text=True)
    assert "E-mail address" in page and "Password" in page and "Forgot your password?" in page
    response = client.post("/login", data={"email": "nobody@example.com", "password": "x"})
    assert "Wrong e-mail address or password." in response.get_data(as_text=True)


def test_english_error_page(client):
    _english(client)
    assert "The page does not exist." in client.get("/finns-inte").get_data(as_text=True)


def test_english_signed_in_home(login_as):
    client = _english(login_as("guardian"))
    page = client.get("/").get_data(as_text=True)
    assert "Welcome," in page and "You are signed in as" in page and "Sign out" in page


def test_swedish_stays_the_default(client):
    page = client.get("/").get_data(as_text=True)
    assert "Hur kan vi hjälpa dig?" in page and "In English" in page


def _messages(mo_bytes: bytes) -> dict:
    """The translated messages only: the header (msgid "") names the tool version that compiled it."""
    catalog = dict(gettext.GNUTranslations(BytesIO(mo_bytes))._catalog)
    catalog.pop("", None)
    return catalog


def test_committed_mo_is_compiled_from_the_committed_po():
    po_path, mo_path = CATALOGUE / "messages.po", CATALOGUE / "messages.mo"
    if not po_path.exists():
        pytest.fail("translations/en/LC_MESSAGES/messages.po is missing; run `make translations`")
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale="en")
    compiled = BytesIO()
    write_mo(compiled, catalog)
    assert _messages(mo_path.read_bytes()) == _messages(compiled.getvalue()), (
        "messages.mo is stale: run `make translations` and commit both files")


@pytest.mark.parametrize("swedish", [
    "Hur kan vi hjälpa dig?", "Jag är vårdnadshavare", "Logga in", "Hoppa till innehållet", "Min profil",
    "Utgående e-post", "Användare och behörigheter", "Sidan finns inte.", "Fel e-postadress eller lösenord.",
])
def test_foundation_texts_have_an_english_translation(swedish):
    with (CATALOGUE / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="en")
    message = catalog.get(swedish)
    assert message is not None and message.string and not message.fuzzy, swedish


def test_no_message_holds_text_a_browser_would_read_as_markup():
    """A template's message is trusted markup, so "<id>" in its text vanishes as an unknown tag: such words go in
    as parameters, which are escaped."""
    import re

    with (CATALOGUE / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="en")
    looks_like_a_tag = re.compile(r"<[A-Za-z/!]|&[a-z]+;")
    offending = [message.id for message in catalog if message.id and any(
        looks_like_a_tag.search(text) for text in (message.id if isinstance(message.id, tuple) else (message.id,)))]
    assert offending == []

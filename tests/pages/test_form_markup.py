"""Forms never print Python's None into the page: a field without a hint or autocomplete has no such attribute,
on the empty form and on the form sent back with errors (when aria-describedby names the error messages)."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

# (who signs in, the form's page, whether an empty submit comes back with errors) — forms of every area, built by
# the shared field macro or by hand.
FORMS = [
    (None, "/login", True),
    (None, "/glomt-losenord", True),
    ("guardian:ekbackaskolan", "/arenden/nytt", True),
    ("guardian:ekbackaskolan", "/profil", False),
    ("pedagogue:ekbackaskolan", "/profil/api-nycklar", True),
    ("agent", "/arbetsyta/samtal", True),
    ("kb_editor", "/kb/redaktion/ny", True),
    ("kb_editor", "/kb/redaktion/synonymer", False),
    ("admin", "/admin/anvandare/ny", True),
    ("admin", "/admin/routning", True),
    ("admin", "/admin/arenden/sla", True),
    ("admin", "/admin/arenden/svarsmallar", True),
    ("agent", "/driftinformation/ny", True),
]


class _AttributeCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.attributes: list[tuple[str, str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        self.attributes.extend((tag, name, value) for name, value in attrs)


def _none_attributes(page: str) -> list[str]:
    collector = _AttributeCollector()
    collector.feed(page)
    return [f'<{tag} {name}="{value}">' for tag, name, value in collector.attributes
            if value is not None and value.strip() == "None"]


@pytest.mark.parametrize(("who", "path", "refuses_empty"), FORMS)
def test_no_form_field_has_an_attribute_that_reads_none(client, login_as, who, path, refuses_empty):
    browser = login_as(who) if who else client
    empty = browser.get(path)
    assert empty.status_code == 200, path
    assert _none_attributes(empty.get_data(as_text=True)) == []
    if refuses_empty:  # sent back with errors: aria-describedby now names the error messages
        refused = browser.post(path, data={}).get_data(as_text=True)
        assert 'class="error-message"' in refused and 'aria-describedby="' in refused, path
        assert _none_attributes(refused) == []


def test_the_check_finds_an_attribute_that_reads_none():
    assert _none_attributes('<input id="q" aria-describedby="None" autocomplete="None">') == [
        '<input aria-describedby="None">', '<input autocomplete="None">']

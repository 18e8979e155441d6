"""On a phone `.data-table` rows stack and the header row is off screen, so each body cell names its column with
`data-label` (shown before the value by app.css). The label is the column's own header text, so it needs no
translation of its own; a first cell that is the row's title link, or a cell of only named action links, may go
without one."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from support.extensions import db
from support.network import rollout, service
from support.outbox.service import enqueue_mail
from support.tickets import canned
from tests.conftest import module_data
from tests.kb.articles import make_article
from tests.network.conftest import build_network_org

org = module_data(build_network_org, name="org")


class _DataTables(HTMLParser):
    """Each `table.data-table`: its column headers and, per body row, each cell's (attributes, first column)."""

    def __init__(self):
        super().__init__()
        self.tables: list[dict] = []
        self._table = self._header = None
        self._in_body = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "table" and "data-table" in (attributes.get("class") or "").split():
            self._table = {"headers": [], "rows": []}
            self.tables.append(self._table)
        elif self._table is None:
            return
        elif tag == "th" and attributes.get("scope") == "col":
            self._header = []
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self._table["rows"].append([])
        elif tag == "td" and self._in_body:
            row = self._table["rows"][-1]
            column = sum(int(cell.get("colspan") or 1) for cell in row)
            row.append({**attributes, "column": column})

    def handle_data(self, data):
        if self._header is not None:
            self._header.append(data)

    def handle_endtag(self, tag):
        if self._table is None:
            return
        if tag == "th" and self._header is not None:
            self._table["headers"].append(" ".join("".join(self._header).split()))
            self._header = None
        elif tag == "tbody":
            self._in_body = False
        elif tag == "table":
            self._table = None


def data_tables(page: str) -> list[dict]:
    parser = _DataTables()
    parser.feed(page)
    return parser.tables


def unlabelled_cells(page: str, may_skip: frozenset[str] = frozenset()) -> list[str]:
    """Body cells whose data-label is missing or is not their own column's header; `may_skip` names the columns
    (by header) whose cells may go without one. Every table must have a row of data, not only its empty note."""
    problems = []
    for number, table in enumerate(data_tables(page), 1):
        headers = table["headers"]
        data_rows = [row for row in table["rows"] if not (len(row) == 1 and int(row[0].get("colspan") or 1) > 1)]
        if not data_rows:
            problems.append(f"table {number} ({headers}) has no row of data")
        for row in data_rows:
            for cell in row:
                header = headers[cell["column"]] if cell["column"] < len(headers) else None
                label = (cell.get("data-label") or "").strip()
                if label == header or (not label and header in may_skip):
                    continue
                problems.append(f"table {number}, column {header!r}: data-label={label!r}")
    return problems


def _article_with_two_versions():
    make_article("kalender-1", title="Kalendern i appen", body="Första texten.")
    make_article("kalender-1", title="Kalendern i appen", body="Första texten.\n\nEn rad till.")
    db.session.commit()


def _school_with_a_superuser_and_a_rollout(org):
    rollout.set_rollout(org.ekbacka, system="attendance", live_on=service.today(), wave="Våg 2",
                        legacy_system="Gamla frånvarosystemet", by=org.admin)
    db.session.commit()


# (who signs in, the page, what it needs, the columns whose cells may go unlabelled)
PAGES = [
    ("admin", "/admin/anvandare", None, {"Namn"}),
    ("kb_editor", "/kb/redaktion/", _article_with_two_versions, {"Rubrik"}),
    ("kb_editor", "/kb/redaktion/artikel/kalender-1/versioner", _article_with_two_versions, set()),
    ("kb_editor", "/kb/redaktion/artikel/kalender-1/jamfor?fran=1&till=2", _article_with_two_versions, set()),
    ("agent", "/natverket/skolor?forvaltning=bromma", None, {"Skola"}),
    ("coordinator_here", "/natverket/skolor/ekbackaskolan", "appoint", {"Ändra"}),
    ("coordinator_here", "/natverket/repetition", None, set()),
    ("admin", "/admin/inkommande-epost/", "quarantine", set()),
    ("admin", "/admin/utkorg/", "mail", set()),
    ("admin", "/admin/routning", "rule", {"Åtgärder"}),
    ("admin", "/admin/arenden/svarsmallar", "canned", {"Rubrik"}),
]


def _prepare(need, org, client):
    """The data `need` names, made by `client` (the page's reader) where it takes a form."""
    if need is None:
        return
    if callable(need):
        need()
    elif need == "appoint":
        assert client.post("/natverket/skolor/ekbackaskolan/utse",
                           data={"email": org.pedagogue.email, "systems": ["schedule"]}).status_code == 302
        _school_with_a_superuser_and_a_rollout(org)
    elif need == "quarantine":
        from support.channels.email import service as email_service

        inbound_id, _created = email_service.store_raw(
            b"To: support@skolplattformen.example\r\nSubject: Utan avsandare\r\nMessage-ID: <phone@example.com>"
            b"\r\n\r\nHej\r\n", envelope_from="ogiltig-avsandare", envelope_to=[], client_address="127.0.0.1")
        db.session.commit()
        email_service.process(inbound_id)
    elif need == "mail":
        enqueue_mail("maria@example.com", "Svar på ditt ärende", "Hej!")
        db.session.commit()
    elif need == "rule":
        assert client.post("/admin/routning", data={
            "position": "10", "user_group": "guardian", "system": "schedule", "school": "", "channel": "",
            "tier": "3", "priority": "high", "description": "Schemafel till förvaltningen", "active": "y",
        }).status_code == 302
    elif need == "canned":
        canned.create(title="Hälsning", body="Hej {{ requester.first_name }}!")
        db.session.commit()


@pytest.mark.parametrize(("who", "path", "need", "may_skip"), PAGES, ids=[p[1] for p in PAGES])
def test_every_cell_of_a_data_table_names_its_column(app, org, login_as, who, path, need, may_skip):
    client = login_as(getattr(org, who))
    _prepare(need, org, client)
    response = client.get(path)
    assert response.status_code == 200, path
    page = response.get_data(as_text=True)
    assert data_tables(page), path
    assert unlabelled_cells(page, frozenset(may_skip)) == []


def test_the_check_finds_a_missing_or_wrong_label_and_a_table_without_data():
    page = """<table class="data-table"><thead><tr><th scope="col">Namn</th><th scope="col">Status</th>
      <th scope="col">Skola</th></tr></thead><tbody>
      <tr><td><a href="/x">Eva</a></td><td>Aktiv</td><td data-label="Status">Ekbacka</td></tr></tbody></table>
      <table class="data-table"><thead><tr><th scope="col">Namn</th></tr></thead>
      <tbody><tr><td colspan="2">Inga ännu.</td></tr></tbody></table>"""
    assert unlabelled_cells(page, frozenset({"Namn"})) == [
        "table 1, column 'Status': data-label=''", "table 1, column 'Skola': data-label='Status'",
        "table 2 (['Namn']) has no row of data"]


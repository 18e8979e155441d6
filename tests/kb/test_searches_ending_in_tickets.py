"""Searches that end in a ticket: the ticket names the searches before it, the editors' search report counts them
per query, and an article a staff reply points to becomes a synonym suggestion "från ärenden"."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kb import service
from kb.models import SearchClick, SearchLog, SearchTicket
from support.extensions import db
from support.tickets.models import Ticket
from tests.kb.articles import flush_reading, make_article
from tests.tickets import conftest as ticket_fixtures

org = ticket_fixtures.org

QUERY = "ser inte mitt barn i appen"


def _file_ticket(client, school, subject: str = "Barnet syns inte", key: str = "formular-1"):
    response = client.post("/arenden/nytt", data={
        "system": "app", "school": f"{school.id}:guardian", "subject": subject, "idempotency_key": key,
        "body": "Jag har loggat in men mitt barn syns inte i listan.", "send": "1"})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return db.session.scalar(select(Ticket).where(Ticket.idempotency_key == key))


def _ended_in_ticket_section(page: str) -> str:
    return page[page.index('id="ticket-heading"'):page.index('id="helpful-heading"')]


@pytest.fixture
def articles(app):
    make_article("child-missing", title="Inga barn visas när du loggar in", body="Kontakta skolan om barnlistan.",
                 tags=("barnlista",))
    for n in range(4):
        make_article(f"child-{n}", title=f"Mitt barn i appen {n}", body="Ser du ditt barn i appen? Byt barn här.")


def test_a_guardians_search_before_a_ticket_is_counted_for_the_editor_as_ending_in_a_ticket(org, articles, login_as):
    guardian = login_as(org.guardian_a)
    guardian.get("/kb/sok", query_string={"q": QUERY})
    guardian.get("/kb/sok", query_string={"q": "kalender"})
    _file_ticket(guardian, org.ekbacka, subject="Barnet syns inte")
    flush_reading()

    page = login_as(org.editor).get("/kb/redaktion/rapport").get_data(as_text=True)
    section = _ended_in_ticket_section(page)
    assert f'<td data-label="Sökfråga">{QUERY}</td><td data-label="Slutade i ärende">1</td><td data-label="Sökningar">1</td>' in section
    assert '<td data-label="Sökfråga">kalender</td><td data-label="Slutade i ärende">1</td>' in section
    # The form's own suggestions for the subject were a search too, and it ended in the ticket.
    assert '<td data-label="Sökfråga">barnet syns inte</td><td data-label="Slutade i ärende">1</td>' in section
    assert f"/kb/redaktion/synonymer?ord={QUERY.replace(' ', '+')}" in section
    assert "/kb/redaktion/ny?rubrik=barnet+syns+inte" in section


def test_a_search_counts_for_the_ticket_filed_after_it_and_not_for_the_next_one(org, articles, login_as):
    guardian = login_as(org.guardian_a)
    guardian.get("/kb/sok", query_string={"q": QUERY})
    first = _file_ticket(guardian, org.ekbacka, subject="Barnet syns inte", key="formular-1")
    second = _file_ticket(guardian, org.ekbacka, subject="Schemat visas inte", key="formular-2")
    flush_reading()
    linked = {ticket: sorted(db.session.scalars(
        select(SearchLog.query).join(SearchTicket, SearchTicket.token == SearchLog.token)
        .where(SearchTicket.ticket_id == ticket.id))) for ticket in (first, second)}
    assert linked == {first: ["barnet syns inte", QUERY], second: ["schemat visas inte"]}


def test_a_broken_search_index_does_not_stop_the_ticket(org, articles, login_as, monkeypatch, caplog):
    guardian = login_as(org.guardian_a)
    guardian.get("/kb/sok", query_string={"q": QUERY})

    def broken(*_args, **_kwargs):
        raise OSError("the index folder is gone")

    monkeypatch.setattr(service, "search_articles", broken)
    ticket = _file_ticket(guardian, org.ekbacka, subject="Barnet syns inte")
    assert ticket is not None and "ticket is filed without it" in caplog.text
    assert len(db.session.scalars(select(SearchTicket).where(SearchTicket.ticket_id == ticket.id)).all()) == 1


def test_a_search_nobody_filed_a_ticket_after_is_not_counted(org, articles, login_as, client):
    login_as(org.guardian_a).get("/kb/sok", query_string={"q": QUERY})
    client.get("/kb/sok", query_string={"q": QUERY})
    flush_reading()
    assert service.editor_report().ended_in_ticket == []
    page = login_as(org.editor).get("/kb/redaktion/rapport").get_data(as_text=True)
    assert "Inga ännu." in _ended_in_ticket_section(page)


def test_opening_a_form_suggestion_and_then_sending_the_form_is_one_search_with_a_click(org, articles, login_as):
    guardian = login_as(org.guardian_a)
    suggested = guardian.get("/arenden/nytt/forslag", query_string={"q": QUERY, "nyckel": "formular-1"}).get_json()
    opened = guardian.get(suggested["articles"][1]["url"])
    assert opened.status_code == 302
    _file_ticket(guardian, org.ekbacka, subject=QUERY)
    flush_reading()
    search = db.session.scalar(select(SearchLog).where(SearchLog.channel == "form"))
    assert (search.query, db.session.scalar(select(SearchLog.id).where(SearchLog.id != search.id))) == (QUERY, None)
    assert db.session.scalars(select(SearchClick.rank).where(SearchClick.search_id == search.id)).all() == [2]
    assert service.editor_report().ended_in_ticket == [(QUERY, 1, 1)]


def test_an_agents_reply_citing_an_article_is_suggested_from_tickets_and_approving_it_ranks_the_article_first(
        org, articles, login_as):
    assert service.search_articles(QUERY, service.readership_of(None), log_search=False).hits[0].id != \
        "child-missing"
    guardian = login_as(org.guardian_a)
    guardian.get("/kb/sok", query_string={"q": QUERY})
    ticket = _file_ticket(guardian, org.ekbacka, subject="Hjälp")
    agent = login_as(org.agent)
    response = agent.post(f"/arenden/{ticket.number}/svar", data={
        "kind": "public", "body": "Hej! Läs [den här artikeln](https://support.example.se/kb/artikel/child-missing)."})
    assert response.status_code == 302
    flush_reading()

    editor = login_as(org.editor)
    page = editor.get("/kb/redaktion/synonymer").get_data(as_text=True)
    suggestions = page[page.index('id="suggestions-heading"'):]
    assert f"{QUERY} =&gt; inga barn visas när du loggar in" in suggestions
    assert "från ärenden: 1 sökning" in suggestions
    response = editor.post("/kb/redaktion/synonymer/forslag", data={"sokning": QUERY, "artikel": "child-missing"})
    assert response.status_code == 302
    assert service.search_articles(QUERY, service.readership_of(None), log_search=False).hits[0].id == \
        "child-missing"
    found = guardian.get("/kb/sok", query_string={"q": QUERY}).get_data(as_text=True)
    assert found.index('data-article-id="child-missing"') < found.index('data-article-id="child-0"')


def test_an_article_the_requester_may_not_read_does_not_answer_their_search(org, articles, login_as):
    make_article("internal-routine", title="Rutin för kopplingar", audiences=("support",), visibility="internal",
                 body="Kontrollera kopplingen i elevregistret.")
    guardian = login_as(org.guardian_a)
    guardian.get("/kb/sok", query_string={"q": QUERY})
    ticket = _file_ticket(guardian, org.ekbacka)
    login_as(org.agent).post(f"/arenden/{ticket.number}/svar", data={
        "kind": "public", "body": "Se /kb/artikel/internal-routine och sedan /kb/artikel/child-missing."})
    assert db.session.scalars(select(SearchTicket.answer_article_id)).all() == ["child-missing"] * 2


def test_links_from_the_requester_or_in_an_internal_note_answer_no_search(org, articles, login_as):
    guardian = login_as(org.guardian_a)
    guardian.get("/kb/sok", query_string={"q": QUERY})
    ticket = _file_ticket(guardian, org.ekbacka)
    own = guardian.post(f"/arenden/{ticket.number}/svar", data={"body": "Jag har läst /kb/artikel/child-0 redan."})
    note = login_as(org.agent).post(f"/arenden/{ticket.number}/svar", data={
        "kind": "internal", "body": "Kanske /kb/artikel/child-1?"})
    assert (own.status_code, note.status_code) == (302, 302)
    flush_reading()
    assert db.session.scalars(select(SearchTicket.answer_article_id)).all() == [None, None]
    assert service.synonym_suggestions() == []


def test_a_reply_on_the_ticket_a_duplicate_was_merged_into_answers_the_duplicates_search(org, articles, login_as):
    from support.tickets import service as tickets

    guardian = login_as(org.guardian_a)
    guardian.get("/kb/sok", query_string={"q": QUERY})
    duplicate = _file_ticket(guardian, org.ekbacka, subject="Barnet syns inte", key="formular-1")
    survivor = _file_ticket(guardian, org.ekbacka, subject="Barnlistan är tom", key="formular-2")
    tickets.merge(duplicate, into=survivor, by=org.agent)
    tickets.reply(survivor, author=org.agent, body="Läs /kb/artikel/child-missing.")
    db.session.commit()
    flush_reading()
    assert [(s.query, s.article.id, s.tickets) for s in service.synonym_suggestions()] == [
        ("barnet syns inte", "child-missing", 1), ("barnlistan är tom", "child-missing", 1),
        (QUERY, "child-missing", 1)]


@pytest.mark.parametrize("who", ["guardian", "other_guardian", "agent", "superuser"])
def test_only_editors_see_which_searches_ended_in_tickets(org, articles, login_as, who):
    guardian = login_as(org.guardian_a)
    guardian.get("/kb/sok", query_string={"q": QUERY})
    ticket = _file_ticket(guardian, org.ekbacka)
    login_as(org.agent).post(f"/arenden/{ticket.number}/svar", data={
        "kind": "public", "body": "Läs /kb/artikel/child-missing."})
    flush_reading()
    person = {"guardian": org.guardian_a, "other_guardian": org.guardian_b, "agent": org.agent,
              "superuser": org.superuser}[who]
    client = login_as(person)
    for url in ("/kb/redaktion/rapport", "/kb/redaktion/synonymer"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert QUERY not in response.get_data(as_text=True)
    response = client.post("/kb/redaktion/synonymer/forslag", data={"sokning": QUERY, "artikel": "child-missing"})
    assert response.status_code == 404
    assert f"{QUERY} =>" not in service.current_synonyms_text()
    if who == "other_guardian":
        assert client.get(f"/arenden/{ticket.number}").status_code == 404


def test_an_api_client_names_the_search_before_its_ticket_by_search_id(org, articles, client):
    from support.accounts.service import issue_api_token

    headers = {"Authorization": f"Bearer {issue_api_token(org.guardian_a, 'test')}"}
    db.session.commit()
    search_id = client.get("/api/v1/kb/search", query_string={"q": QUERY}, headers=headers).get_json()["search_id"]
    bad = client.post("/api/v1/tickets", headers=headers, json={
        "subject": "Barnet syns inte", "body": "Text.", "school": "ekbackaskolan", "search_ids": ["inte-en-sökning"]})
    assert bad.status_code == 400
    created = client.post("/api/v1/tickets", headers=headers, json={
        "subject": "Barnet syns inte", "body": "Text.", "school": "ekbackaskolan", "search_ids": [search_id]})
    assert created.status_code == 201, created.get_json()
    flush_reading()
    assert service.editor_report().ended_in_ticket == [(QUERY, 1, 1)]


def test_a_reply_names_cited_articles_by_link_or_kb_scheme():
    text = "Se https://x.se/kb/artikel/reset-password?q=1, [här](/kb/artikel/install-app) och kb:qr-code-login."
    assert service.cited_articles(text) == ["reset-password", "install-app", "qr-code-login"]
    assert service.cited_articles("ingen länk, bara /kb/artiklar och www.kb:se") == []

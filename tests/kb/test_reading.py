"""Reading articles: rendering and sanitising, kb: links, feedback, the ticket way out, search logging."""

from __future__ import annotations

import html
import re

from sqlalchemy import func, select

from kb import service
from kb.models import ArticleFeedback, SearchClick, SearchLog
from kb.render import render_markdown
from support.extensions import db
from tests.conftest import TEST_PASSWORD
from tests.kb.articles import flush_reading, make_article


def test_script_tags_event_handlers_and_javascript_links_are_stripped():
    html = render_markdown(
        "<script>alert(1)</script>[klick](javascript:alert(1)) <img src=x onerror=alert(1)> "
        "<a href=\"javascript:alert(2)\">a</a> <iframe src=https://evil.example></iframe>"
    ).html
    assert "<script" not in html and "alert(1)" not in html.replace("javascript", "")
    assert "javascript:" not in html and "onerror" not in html and "<iframe" not in html


def test_markdown_tables_and_numbered_steps_are_rendered():
    html = render_markdown("1. Öppna appen\n2. Välj barn\n\n| A | B |\n|---|---|\n| 1 | 2 |").html
    assert "<ol>" in html and "<li>Öppna appen</li>" in html and "<table>" in html


def test_kb_links_resolve_to_existing_articles_and_missing_ones_are_marked(app, client):
    make_article("target", title="Målet")
    make_article("source", title="Källan", body="Läs [målet](kb:target) eller [borta](kb:gone).")
    page = client.get("/kb/artikel/source").get_data(as_text=True)
    assert '<a href="/kb/artikel/target"' in page
    assert '<span class="kb-broken-link">borta</span>' in page
    assert 'kb:gone' not in page


def test_an_article_page_has_breadcrumbs_last_updated_and_counts_the_view(app, client):
    article = make_article("absence", title="Anmäl frånvaro", audiences=("guardian",), system="attendance")
    page = client.get("/kb/artikel/absence").get_data(as_text=True)
    assert 'aria-label="Brödsmulor"' in page and "/kb/vardnadshavare/system/attendance" in page
    assert "Senast uppdaterad" in page
    flush_reading()
    db.session.refresh(article)
    assert article.view_count == 1


def test_anonymous_visitors_are_pointed_to_phone_and_email_instead_of_the_ticket_form(app, client):
    make_article("absence", title="Anmäl frånvaro")
    page = client.get("/kb/artikel/absence").get_data(as_text=True)
    assert "Hittade du inte svaret?" in page
    assert 'href="/arenden/nytt' not in page
    assert 'href="tel:+46846500400">08-465 004 00</a>' in page and "mailto:support@" in page


def test_the_contact_boxs_sign_in_link_leads_on_to_the_prefilled_ticket_form(app, client, factory):
    make_article("absence", title="Anmäl frånvaro")
    guardian = factory.user(groups=[f"guardian:{factory.school().slug}"])
    page = client.get("/kb/artikel/absence?q=sjuk+barn").get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)">Logga in för att skicka en fråga via webben</a>', page).group(1)
    response = client.post(html.unescape(link), data={"email": guardian.email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/arenden/nytt?q=sjuk+barn&artikel=absence"


def test_signed_in_readers_get_a_ticket_link_prefilled_with_the_search_and_article(app, login_as):
    make_article("absence", title="Anmäl frånvaro")
    page = login_as("guardian:ekbackaskolan").get("/kb/artikel/absence?q=sjuk+barn").get_data(as_text=True)
    assert "/arenden/nytt?q=sjuk+barn&amp;artikel=absence" in page


def test_an_anonymous_visitor_votes_once_and_a_second_vote_replaces_the_first(app, client):
    make_article("absence")
    response = client.post("/kb/artikel/absence/feedback", data={"helpful": "nej", "comment": "Saknar steg"})
    assert response.status_code == 302
    assert "kb_visitor" in response.headers.get("Set-Cookie", "")
    client.post("/kb/artikel/absence/feedback", data={"helpful": "ja"})
    votes = db.session.scalars(select(ArticleFeedback)).all()
    assert len(votes) == 1 and votes[0].helpful is True and votes[0].comment == "Saknar steg"


def test_two_different_visitors_each_get_a_vote(app, client, login_as):
    make_article("absence")
    client.post("/kb/artikel/absence/feedback", data={"helpful": "ja"})
    login_as("guardian:ekbackaskolan").post("/kb/artikel/absence/feedback", data={"helpful": "nej"})
    assert service.feedback_summary("absence") == (1, 2)


def test_feedback_without_an_answer_is_refused_with_a_message(app, client):
    make_article("absence")
    response = client.post("/kb/artikel/absence/feedback", data={"comment": "hm"}, follow_redirects=True)
    assert "Välj ja eller nej" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ArticleFeedback)) == 0


def test_feedback_on_a_hidden_article_answers_404(app, login_as):
    make_article("internal", visibility="internal", audiences=("support",))
    guardian = login_as("guardian:ekbackaskolan")
    assert guardian.post("/kb/artikel/internal/feedback", data={"helpful": "ja"}).status_code == 404


def test_each_search_is_logged_with_filters_and_hit_count_but_no_person(app, login_as):
    make_article("absence", title="Kalender och frånvaro")
    login_as("guardian:ekbackaskolan").get("/kb/sok?q=  Kalender &skolform=compulsory&malgrupp=vardnadshavare")
    flush_reading()
    entry = db.session.scalar(select(SearchLog))
    assert entry.query == "kalender" and entry.school_form == "compulsory" and entry.audience == "guardian"
    assert entry.hit_count == 1
    assert {c.name for c in SearchLog.__table__.columns}.isdisjoint({"user_id", "ip", "email", "session"})


def test_a_click_on_a_result_is_logged_with_its_rank_and_opens_the_article(app, client):
    make_article("absence", title="Kalender")
    page = client.get("/kb/sok?q=kalender").get_data(as_text=True)
    flush_reading()
    entry = db.session.scalar(select(SearchLog))
    link = f"/kb/sok/till/absence?s={entry.token}&amp;r=1&amp;q=kalender"
    assert link in page
    response = client.get(link.replace("&amp;", "&"))
    assert response.status_code == 302 and response.headers["Location"].endswith("/kb/artikel/absence?q=kalender")
    flush_reading()
    click = db.session.scalar(select(SearchClick))
    assert (click.search_id, click.article_id, click.rank) == (entry.id, "absence", 1)


def test_the_search_page_offers_did_you_mean_for_a_typo(app, client):
    make_article("password", title="Byt lösenord", body="Så byter du lösenord.")
    page = client.get("/kb/sok?q=lösnord").get_data(as_text=True)
    assert "/kb/sok/till/password?" in page
    assert "Menade du" in page


def test_hostile_queries_answer_normally(app, client):
    make_article("a")
    for query in ['"unbalanced', "AND OR NOT", "*", "title:x", "a" * 5000, "(((", "ﬁ", "\u202e", "𝔞𝔟"]:
        response = client.get("/kb/sok", query_string={"q": query})
        assert response.status_code == 200
        assert client.get("/api/v1/kb/search", query_string={"q": query}).status_code == 200
    # A NUL cannot be searched for or stored: a clear refusal (tests/test_request_input.py has the rest).
    assert client.get("/kb/sok", query_string={"q": "\x00"}).status_code == 400


def test_search_pages_through_many_hits(app, client):
    for n in range(12):
        make_article(f"kalender-{n:02d}", title=f"Kalender nummer {n}")
    first = client.get("/kb/sok?q=kalender").get_data(as_text=True)
    second = client.get("/kb/sok?q=kalender&sida=2").get_data(as_text=True)
    assert "12 träffar" in first and 'rel="next"' in first
    assert first.count("/kb/sok/till/") == 10 and second.count("/kb/sok/till/") == 2


def test_the_editor_report_lists_zero_hit_unclicked_queries_and_least_helpful_articles(app, client, login_as):
    make_article("absence", title="Kalender")
    client.get("/kb/sok?q=kalender")
    client.get("/kb/sok?q=nonsensord")
    client.post("/kb/artikel/absence/feedback", data={"helpful": "nej"})
    flush_reading()
    report = service.editor_report()
    assert report.zero_hit_queries == [("nonsensord", 1)]
    assert ("kalender", 1) in report.unclicked_queries
    assert report.least_helpful[0][0].id == "absence"
    page = login_as("kb_editor").get("/kb/redaktion/rapport").get_data(as_text=True)
    assert "nonsensord" in page


def test_the_editor_report_counts_spellings_the_search_reads_alike_as_one_search(app, client):
    for query in ("sjukanmäla", "sjukanmala", "Sjukanmäla", "sjukanmala"):
        client.get("/kb/sok", query_string={"q": query})
    flush_reading()
    report = service.editor_report()
    assert report.zero_hit_queries == [("sjukanmala", 4)]
    assert [(q, n) for q, n, _hits in report.top_queries] == [("sjukanmala", 4)]


def test_the_editor_report_offers_a_synonym_or_an_article_for_a_search_without_hits(app, client, login_as):
    make_article("absence", title="Kalender")
    for _ in range(3):
        client.get("/kb/sok?q=kalender")
    client.get("/kb/sok?q=dagis")
    client.post("/kb/artikel/absence/feedback", data={"helpful": "nej"})
    flush_reading()
    editor = login_as("kb_editor")
    page = editor.get("/kb/redaktion/rapport").get_data(as_text=True)
    assert "/kb/redaktion/synonymer?ord=dagis" in page and "/kb/redaktion/ny?rubrik=dagis&amp;taggar=dagis" in page
    assert "0 %" in page.replace("\xa0", " ")  # the share of yes, not a bare fraction
    assert ".0<" not in page
    assert page.count("Vanligaste sökningarna") == 1
    new = editor.get("/kb/redaktion/ny?rubrik=dagis&taggar=dagis").get_data(as_text=True)
    assert 'value="Dagis"' in new and 'value="dagis"' in new
    synonyms = editor.get("/kb/redaktion/synonymer?ord=dagis").get_data(as_text=True)
    assert "\ndagis, </textarea>" in synonyms


def test_results_in_another_language_than_the_page_are_tagged_with_their_own_language(app, client):
    make_article("absence-sv", title="Frånvaro i skolan", language="sv")
    make_article("absence-en", title="Frånvaro absence in English", language="en")
    swedish = client.get("/kb/sok?q=frånvaro").get_data(as_text=True)
    assert '<span lang="en">English</span>' in swedish and '<span lang="sv">Svenska</span>' not in swedish
    client.post("/sprak", data={"language": "en", "next": "/"})
    english = client.get("/kb/sok?q=frånvaro").get_data(as_text=True)
    assert '<span lang="sv">Svenska</span>' in english and '<span lang="en">English</span>' not in english


def test_most_read_on_a_swedish_page_lists_swedish_articles(app, client):
    make_article("popular-en", title="Popular in English", language="en", audiences=("guardian",))
    make_article("read-sv", title="Läst på svenska", language="sv", audiences=("guardian",))
    for _ in range(3):
        client.get("/kb/artikel/popular-en")
    flush_reading()
    swedish = client.get("/kb/vardnadshavare").get_data(as_text=True)
    most_read = swedish[swedish.index('id="popular-heading"'):]
    assert "Läst på svenska" in most_read and "Popular in English" not in most_read
    client.post("/sprak", data={"language": "en", "next": "/"})
    english = client.get("/kb/vardnadshavare").get_data(as_text=True)
    assert "Popular in English" in english[english.index('id="popular-heading"'):]


def test_suggest_articles_for_a_ticket_subject_respects_visibility(app, factory):
    make_article("public-absence", title="Anmäl frånvaro", audiences=("guardian",))
    make_article("internal-absence", title="Frånvaro felsökning", visibility="internal", audiences=("support",))
    guardian = factory.user(groups=())
    suggestions = service.suggest_articles(guardian, "frånvaro")
    assert [s["id"] for s in suggestions] == ["public-absence"]
    assert suggestions[0]["url"].endswith("/kb/artikel/public-absence")

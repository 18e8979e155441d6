"""Who reads which article, on every path: page, search, counts, suggestions, related, translations, API, CLI."""

from __future__ import annotations

import json
from xml.etree import ElementTree

import pytest

from kb import indexing, service
from kb.cli import kb_cli
from support.policy import can
from support.policy.kb import readership_of, visible_articles_filter
from tests.kb.articles import make_article

# One article per kind of visibility; every one mentions "kalender" so one search finds all the readable ones.
ARTICLES = {
    "for-guardians": {"audiences": ("guardian",)},
    "for-pedagogues": {"audiences": ("pedagogue",)},
    "for-students": {"audiences": ("student",)},
    "internal-superusers": {"audiences": ("superuser", "support"), "visibility": "internal"},
    "internal-support": {"audiences": ("support",), "visibility": "internal"},
    "draft-guardians": {"audiences": ("guardian",), "status": "draft"},
    "archived-guardians": {"audiences": ("guardian",), "status": "archived"},
}
ALL_PUBLIC = {"for-guardians", "for-pedagogues", "for-students"}
EXPECTED = {
    "anonymous": ALL_PUBLIC,
    "guardian:ekbackaskolan": {"for-guardians"},
    "student:ekbackaskolan": {"for-students"},
    "pedagogue:ekbackaskolan": {"for-pedagogues"},
    "administrator:ekbackaskolan": set(),
    "superuser:ekbackaskolan": ALL_PUBLIC | {"internal-superusers"},
    "agent": ALL_PUBLIC | {"internal-superusers", "internal-support"},
    "kb_editor": ALL_PUBLIC | {"internal-superusers", "internal-support"},
    "admin": ALL_PUBLIC | {"internal-superusers", "internal-support"},
}
ACTORS = sorted(EXPECTED)


@pytest.fixture
def articles(app):
    for article_id, options in ARTICLES.items():
        make_article(article_id, title=f"Kalender för {article_id}", tags=("kalender",), commit=False, **options)
    indexing.commit()


@pytest.mark.parametrize("actor", ACTORS)
def test_article_pages_answer_404_for_every_article_the_actor_may_not_read(articles, as_actor, actor):
    browser = as_actor(actor)
    for article_id in ARTICLES:
        status = browser.get(f"/kb/artikel/{article_id}").status_code
        assert status == (200 if article_id in EXPECTED[actor] else 404), (actor, article_id, status)


@pytest.mark.parametrize("actor", ACTORS)
def test_search_page_lists_and_counts_only_readable_articles(articles, as_actor, actor):
    page = as_actor(actor).get("/kb/sok?q=kalender").get_data(as_text=True)
    shown = {article_id for article_id in ARTICLES if f"/kb/sok/till/{article_id}?" in page}
    assert shown == EXPECTED[actor]
    count = len(EXPECTED[actor])
    assert (f"{count} träffar" if count != 1 else "1 träff") in page


@pytest.mark.parametrize("actor", ACTORS)
def test_search_api_returns_only_readable_articles_with_a_matching_total(articles, as_actor, actor):
    data = as_actor(actor).get("/api/v1/kb/search?q=kalender").get_json()
    assert {hit["id"] for hit in data["hits"]} == EXPECTED[actor]
    assert data["total"] == len(EXPECTED[actor])


@pytest.mark.parametrize("actor", ACTORS)
def test_suggestions_offer_only_readable_titles(articles, as_actor, actor):
    data = as_actor(actor).get("/api/v1/kb/suggest?q=kalen").get_json()
    assert {s["id"] for s in data["suggestions"]} == EXPECTED[actor]


@pytest.mark.parametrize("actor", ACTORS)
def test_policy_sql_filter_and_rule_agree(articles, as_actor, actor):
    from sqlalchemy import select

    from kb.models import Article
    from support.extensions import db

    user = getattr(as_actor(actor), "user", None)
    by_filter = set(db.session.scalars(select(Article.id).where(visible_articles_filter(user))))
    by_rule = {a.id for a in db.session.scalars(select(Article)) if can(user, "article.read", a)}
    assert by_filter == by_rule == EXPECTED[actor]


def _related_fixture():
    make_article("guardian-main", title="Sjukanmälan", tags=("frånvaro", "sjuk"), system="attendance", commit=False)
    make_article("guardian-related", title="Frånvaro i appen", tags=("frånvaro", "sjuk"), system="attendance", commit=False)
    make_article("internal-twin", title="Frånvaro internt", tags=("frånvaro", "sjuk"), system="attendance",
                 audiences=("superuser",), visibility="internal", commit=False)
    make_article("pedagogue-twin", title="Frånvaro för lärare", tags=("frånvaro", "sjuk"), system="attendance",
                 audiences=("pedagogue",), commit=False)
    indexing.commit()


def test_related_articles_never_include_what_a_guardian_may_not_see(app, login_as):
    _related_fixture()
    page = login_as("guardian:ekbackaskolan").get("/kb/artikel/guardian-main").get_data(as_text=True)
    assert "/kb/artikel/guardian-related" in page
    assert "internal-twin" not in page and "pedagogue-twin" not in page


def test_related_articles_include_internal_ones_for_the_support_desk(app, login_as):
    _related_fixture()
    page = login_as("agent").get("/kb/artikel/guardian-main").get_data(as_text=True)
    assert "/kb/artikel/internal-twin" in page and "/kb/artikel/pedagogue-twin" in page


def test_translation_links_show_only_readable_versions(app, client, login_as):
    make_article("report-absence", title="Anmäl frånvaro", audiences=("guardian", "pedagogue"))
    make_article("report-absence-en", title="Report absence", language="en", translation_of="report-absence",
                 audiences=("guardian", "pedagogue"))
    make_article("report-absence-internal", title="Anmäl frånvaro (intern)", translation_of="report-absence",
                 language="en", audiences=("support",), visibility="internal")
    page = client.get("/kb/artikel/report-absence").get_data(as_text=True)
    assert "/kb/artikel/report-absence-en" in page
    assert "report-absence-internal" not in page


def test_landing_page_counts_and_most_read_list_only_readable_articles(articles, client, login_as):
    anonymous = client.get("/kb/vardnadshavare").get_data(as_text=True)
    assert "/kb/artikel/for-guardians" in anonymous
    assert "draft-guardians" not in anonymous and "internal" not in anonymous
    page = login_as("guardian:ekbackaskolan").get("/kb/pedagog").get_data(as_text=True)
    assert "for-pedagogues" not in page
    assert "Det finns inga artiklar" in page


def test_guardian_cannot_read_internal_or_pedagogue_articles_through_the_search_click_link(articles, login_as):
    guardian = login_as("guardian:ekbackaskolan")
    response = guardian.get("/kb/sok/till/internal-support?s=1&r=1", follow_redirects=True)
    assert response.status_code == 404
    response = guardian.get("/kb/sok/till/for-pedagogues?s=1&r=1", follow_redirects=True)
    assert response.status_code == 404


@pytest.mark.parametrize("audience, expected", [
    (None, ALL_PUBLIC), ("guardian", {"for-guardians"}), ("superuser", ALL_PUBLIC | {"internal-superusers"}),
    ("support", ALL_PUBLIC | {"internal-superusers", "internal-support"}),
])
def test_cli_search_uses_the_visibility_of_the_given_audience(articles, runner, audience, expected):
    args = ["kb", "search", "kalender", "--json"] + (["--audience", audience] if audience else [])
    result = runner.invoke(kb_cli, args=args[1:])
    assert result.exit_code == 0, result.output
    assert {hit["id"] for hit in json.loads(result.output)} == expected


def test_web_api_and_cli_give_the_same_hits_in_the_same_order(app, client, runner):
    make_article("absence-guardian", title="Anmäl frånvaro", body="Sjukanmäl ditt barn i appen.",
                 tags=("frånvaro",), system="attendance")
    make_article("absence-app", title="Frånvaro i appen", body="Se frånvaro och anmäl i appen.", system="app")
    make_article("schedule", title="Schemat", body="Veckans schema.")
    cli_ids = [h["id"] for h in json.loads(runner.invoke(kb_cli, args=["search", "frånvaro app", "--json"]).output)]
    api_ids = [h["id"] for h in client.get("/api/v1/kb/search?q=frånvaro app").get_json()["hits"]]
    page = client.get("/kb/sok?q=frånvaro app").get_data(as_text=True)
    page_ids = sorted(cli_ids, key=lambda i: page.index(f"/kb/sok/till/{i}?"))
    assert cli_ids == api_ids == page_ids
    assert cli_ids


def test_a_stale_index_entry_is_still_checked_by_the_policy(app, client):
    """Even if the index still holds an article that is no longer public, the reader never sees it."""
    article = make_article("soon-internal", title="Kalender snart intern")
    index = service.get_index()
    doc = service.article_doc(article)
    article.visibility = "internal"
    article.set_audiences(["support"])
    from support.extensions import db

    db.session.commit()  # committed without queueing the index: the index is now stale on purpose
    index.upsert(doc)
    data = client.get("/api/v1/kb/search?q=kalender").get_json()
    assert data["hits"] == [] and data["total"] == 0


def test_readership_of_a_signed_in_person_without_a_group_is_the_public_one(app, factory):
    person = factory.user(groups=(), roles=())
    assert readership_of(person).public_audiences is None
    assert not readership_of(person).internal_audiences


@pytest.mark.parametrize("actor", ACTORS)
def test_the_group_feed_lists_only_readable_articles(articles, as_actor, actor):
    response = as_actor(actor).get("/kb/vardnadshavare/nytt.atom")
    assert response.mimetype == "application/atom+xml"
    ElementTree.fromstring(response.data)  # noqa: S314 - our own output; checks it is well-formed XML
    listed = {article_id for article_id in ARTICLES if f"/kb/artikel/{article_id}</id>" in response.get_data(True)}
    assert listed == EXPECTED[actor] & {"for-guardians"}


def test_the_search_api_reads_with_the_identity_of_a_bearer_token(articles, app, client, factory):
    from support.accounts.service import issue_api_token
    from support.extensions import db

    agent = factory.user(roles=("agent",))
    token = issue_api_token(agent, "test")
    db.session.commit()
    data = client.get("/api/v1/kb/search?q=kalender", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert {hit["id"] for hit in data["hits"]} == EXPECTED["agent"]


def test_the_search_api_explains_a_missing_query_in_json(app, client):
    response = client.get("/api/v1/kb/search")
    assert response.status_code == 400 and "message" in response.get_json()


@pytest.mark.parametrize("actor", ACTORS)
def test_the_superusers_page_lists_internal_articles_only_for_those_who_may_read_them(articles, as_actor, actor):
    browser = as_actor(actor)
    page = browser.get("/kb/superanvandare").get_data(as_text=True)
    assert ("/kb/artikel/internal-superusers" in page) == ("internal-superusers" in EXPECTED[actor])
    assert "/kb/artikel/internal-support" not in page  # not written for superusers
    front_door = browser.get("/kb/").get_data(as_text=True)
    assert ('href="/kb/superanvandare"' in front_door) == ("internal-superusers" in EXPECTED[actor])

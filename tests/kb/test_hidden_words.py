"""No word of an article a reader may not read reaches them: not as "Menade du …?", not in the type-ahead, not on
any page that lists articles. Every article below has a word of its own; internal, draft and archived ones were
published first, so their words have been in the index and its vocabulary."""

from __future__ import annotations

import json

import pytest

from kb import indexing, service
from kb.cli import kb_cli
from tests.kb.articles import make_article
from tests.kb.test_visibility import ALL_PUBLIC
from tests.kb.test_visibility import EXPECTED as READABLE  # the same kinds of article, by the same ids

# article id: (options, its own word, that word misspelt)
ARTICLES = {
    "for-guardians": ({"audiences": ("guardian",)}, "vipplunda", "vippludna"),
    "for-pedagogues": ({"audiences": ("pedagogue",)}, "knorrvala", "knorrvlaa"),
    "for-students": ({"audiences": ("student",)}, "trasselbo", "trasslebo"),
    "internal-superusers": ({"audiences": ("superuser",), "visibility": "internal"}, "zebrafinkor", "zebrafnikor"),
    "internal-support": ({"audiences": ("support",), "visibility": "internal"}, "kolibrilo", "kolibirlo"),
    "draft-guardians": ({"audiences": ("guardian",), "later": "draft"}, "flamingotur", "flamignotur"),
    "archived-guardians": ({"audiences": ("guardian",), "later": "archived"}, "pelikanfod", "pelikafnod"),
}
ACTORS = sorted(READABLE)
GROUP_PAGES = ("vardnadshavare", "elev", "pedagog", "administrator", "superanvandare", "servicedesk")


@pytest.fixture
def worded_articles(app):
    later = {}
    for article_id, (options, word, _typo) in ARTICLES.items():
        options = dict(options)
        status = options.pop("later", None)
        article = make_article(article_id, title=f"Om {word}", body=f"Så fungerar {word} i appen.",
                               tags=("kalender",), commit=False, **options)
        if status:
            later[article] = status
    indexing.commit()  # every word is in the index and its vocabulary before some articles are withdrawn
    for article, status in later.items():
        service.set_status(article, status, None)
    indexing.commit()


def _hidden_words(actor: str) -> list[str]:
    return [word for article_id, (_o, word, _t) in ARTICLES.items() if article_id not in READABLE[actor]]


@pytest.mark.parametrize("actor", ACTORS)
def test_did_you_mean_offers_only_words_of_articles_the_reader_may_read(worded_articles, as_actor, actor):
    browser = as_actor(actor)
    for article_id, (_options, word, typo) in ARTICLES.items():
        page = browser.get(f"/kb/sok?q={typo}").get_data(as_text=True)
        api = browser.get(f"/api/v1/kb/search?q={typo}").get_json()
        if article_id in READABLE[actor]:
            assert "Menade du" in page and f">{word}</a>" in page, (actor, article_id)
            assert api["did_you_mean"] == word, (actor, article_id)
        else:
            assert "Menade du" not in page and word not in page, (actor, article_id)
            assert api["did_you_mean"] is None and word not in json.dumps(api), (actor, article_id)


@pytest.mark.parametrize("actor", ACTORS)
def test_type_ahead_offers_only_titles_of_articles_the_reader_may_read(worded_articles, as_actor, actor):
    browser = as_actor(actor)
    for article_id, (_options, word, _typo) in ARTICLES.items():
        response = browser.get(f"/api/v1/kb/suggest?q={word[:5]}")
        offered = {s["id"] for s in response.get_json()["suggestions"]}
        assert offered == {article_id} & READABLE[actor], (actor, article_id)
        if article_id not in READABLE[actor]:
            assert word not in response.get_data(as_text=True)


@pytest.mark.parametrize("actor", ACTORS)
def test_searching_a_hidden_word_finds_and_counts_nothing(worded_articles, as_actor, actor):
    browser = as_actor(actor)
    for word in _hidden_words(actor):
        data = browser.get(f"/api/v1/kb/search?q={word}").get_json()
        assert (data["total"], data["hits"], data["did_you_mean"]) == (0, [], None), (actor, word)
        assert "0 träffar" in browser.get(f"/kb/sok?q={word}").get_data(as_text=True)


@pytest.mark.parametrize("actor", ACTORS)
def test_pages_that_list_articles_never_show_words_of_hidden_ones(worded_articles, as_actor, actor):
    """Group pages (counts per system, "Mest lästa"), their feeds and systems, and readable articles with their
    related articles."""
    browser = as_actor(actor)
    pages = [f"/kb/{slug}" for slug in GROUP_PAGES] + [f"/kb/{slug}/nytt.atom" for slug in GROUP_PAGES]
    pages += [f"/kb/{slug}/system/schedule" for slug in GROUP_PAGES] + ["/kb/"]
    pages += [f"/kb/artikel/{article_id}" for article_id in READABLE[actor]]
    for path in pages:
        text = browser.get(path).get_data(as_text=True)
        for word in _hidden_words(actor):
            assert word not in text, (actor, path, word)


@pytest.mark.parametrize("actor", [a for a in ACTORS if a != "anonymous"])
def test_article_suggestions_while_writing_a_ticket_never_show_hidden_words(worded_articles, as_actor, actor):
    browser = as_actor(actor)
    for article_id, (_options, word, typo) in ARTICLES.items():
        for text in (word, typo):
            response = browser.get("/arenden/nytt/forslag", query_string={"q": text})
            if response.status_code != 200:
                continue  # a role that does not write tickets here
            listed = {a["id"] for a in response.get_json()["articles"]}
            assert listed <= {article_id} & READABLE[actor], (actor, text)


@pytest.mark.parametrize("audience, readable", [
    (None, ALL_PUBLIC), ("guardian", {"for-guardians"}), ("superuser", ALL_PUBLIC | {"internal-superusers"}),
    ("support", ALL_PUBLIC | {"internal-superusers", "internal-support"}),
])
def test_cli_search_offers_only_words_the_audience_may_read(worded_articles, runner, audience, readable):
    for article_id, (_options, word, typo) in ARTICLES.items():
        args = ["search", typo] + (["--audience", audience] if audience else [])
        output = runner.invoke(kb_cli, args=args).output
        assert (f"menade du: {word}?" in output) == (article_id in readable), (audience, article_id, output)


@pytest.mark.parametrize("actor", ACTORS)
def test_links_to_articles_the_reader_may_not_read_are_plain_text(worded_articles, as_actor, actor):
    links = " ".join(f"[läs mer]( kb:{article_id} )" for article_id in ARTICLES)
    make_article("linking", title="Länkar", body=f"Se också {links}.",
                 audiences=("guardian", "pedagogue", "student", "administrator"))
    response = as_actor(actor).get("/kb/artikel/linking")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for article_id in ARTICLES:
        assert (f'href="/kb/artikel/{article_id}"' in page) == (article_id in READABLE[actor]), (actor, article_id)
        if article_id not in READABLE[actor]:
            assert article_id not in page, (actor, article_id)

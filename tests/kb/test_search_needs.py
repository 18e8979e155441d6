"""Search that understands needs: type-ahead from the search itself, a partly typed last word, the asker's group,
dictionary forms, "Menade du" only when it helps, and synonyms learnt from the search log."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from kb import service
from kb.models import SearchLog
from kb.search import ArticleDoc, SearchIndex, Synonyms, VisibilityFilter
from support.extensions import db
from support.policy.kb import index_filter_for_audiences
from tests.kb.articles import flush_reading, make_article
from tests.kb.test_search_query import ids

SYN = Synonyms.from_text("sjukanmäla, sjukanmälan, frånvaroanmälan\ndagis => förskola\n")
ANYONE = VisibilityFilter.anonymous()


def doc(id_: str, title: str, body: str, *, audiences=("guardian",), tags=()) -> ArticleDoc:
    return ArticleDoc(id=id_, title=title, summary=title, body=body, audiences=list(audiences), tags=list(tags))


DOCS = [
    doc("teacher-absence", "Frånvaro i klassen", "Frånvaro registreras i Skola24.",
        audiences=["pedagogue", "guardian", "student"]),
    doc("guardian-absence", "Frånvaro i klassen", "Frånvaro registreras i Skola24.", audiences=["guardian"]),
    doc("sick-report", "Anmäl sjukdom", "Gör en frånvaroanmälan i appen före klockan åtta.",
        tags=["sjukanmälan"]),
    *[doc(f"preschool-{n}", f"Förskolans rutin nummer {n}", "Förskolan och förskola hör ihop.")
      for n in range(6)],
    doc("dags-1", "Dags att välja", "Nu är det dags att välja. Dags igen, dags."),
    doc("see-schedule", "Se ditt barns schema", "Schemat finns i appen."),
    doc("print-schedule", "Skriv ut schema", "Schemat finns i appen."),
]


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    with_docs = SearchIndex(tmp_path_factory.mktemp("kbneeds"), synonyms=SYN)
    with_docs.rebuild(DOCS)  # (creates the index)
    yield with_docs
    with_docs.close()


def test_type_ahead_suggests_for_the_search_boxs_own_examples(index: SearchIndex) -> None:
    assert "sick-report" in [i for i, _t in index.suggest_titles("sjukanmäla", allowed=ANYONE)]
    assert [i for i, _t in index.suggest_titles("dagis", allowed=ANYONE)][:1] == ["preschool-0"]


def test_a_partly_typed_last_word_finds_on_enter_every_title_the_type_ahead_offered(index: SearchIndex) -> None:
    offered = [i for i, _t in index.suggest_titles("sjukanm", allowed=ANYONE)]
    found = ids(index.search("sjukanm", allowed=ANYONE, per_page=20))
    assert offered and offered[0] == "sick-report"
    assert offered == found[:len(offered)]


def test_a_partly_typed_word_is_completed_only_from_articles_the_asker_may_read(index: SearchIndex) -> None:
    teachers = index_filter_for_audiences(["pedagogue"])
    assert index.search("sjukanm", allowed=teachers).total == 0
    assert index.suggest_titles("sjukanm", allowed=teachers) == []


def test_the_askers_group_ranks_an_article_written_for_it_first(index: SearchIndex) -> None:
    def lead(result) -> float:
        scores = {h.id: h.score for h in result.hits}
        return scores["guardian-absence"] / scores["teacher-absence"]

    anyone = index.search("frånvaro", allowed=ANYONE)
    guardians = index_filter_for_audiences(["guardian"])
    assert [i for i, _t in index.suggest_titles("frånvaro", allowed=guardians)][:2] == \
        ["guardian-absence", "teacher-absence"]
    assert lead(index.search("frånvaro", allowed=guardians)) > lead(anyone) * 1.05
    on_the_guardians_page = index.search("frånvaro", allowed=ANYONE, audience="guardian")
    assert ids(on_the_guardians_page)[:2] == ["guardian-absence", "teacher-absence"]
    assert lead(on_the_guardians_page) > lead(anyone) * 1.05


def test_a_word_the_synonym_list_knows_gets_no_did_you_mean(index: SearchIndex) -> None:
    result = index.search("dagis", allowed=ANYONE)
    assert result.total >= 6 and result.did_you_mean is None
    assert index.search("sjukanm", allowed=ANYONE).did_you_mean is None  # completed, not corrected


def test_a_misspelt_word_still_gets_did_you_mean(index: SearchIndex) -> None:
    assert index.search("shcema", allowed=ANYONE).did_you_mean == "schema"


def test_the_dictionary_form_of_a_strong_verb_finds_the_title_that_uses_it(index: SearchIndex) -> None:
    assert ids(index.search("ser schemat", allowed=ANYONE))[0] == "see-schedule"


def test_a_need_said_with_another_form_of_a_strong_verb_meets_the_synonym_lists_phrase(tmp_path) -> None:
    # the editors wrote "syns inte"; a parent writes "ser inte", "kan inte se", "såg inte"
    idx = SearchIndex(tmp_path / "ix", synonyms=Synonyms.from_text("syns inte, finns inte => saknas\n"))
    idx.rebuild([
        doc("child-missing", "Ett barn saknas i listan", "Om ett barn saknas beror det oftast på vårdnaden."),
        doc("switch-child", "Byt mellan dina barn i appen", "Du ser dina barn i appen och byter med ett tryck."),
    ])
    for need in ("ser inte mitt barn", "kan inte se mitt barn", "såg inte barnet"):
        assert ids(idx.search(need, allowed=ANYONE))[0] == "child-missing", need
    # without the negation the phrase does not apply: seeing one's children is the other article
    assert ids(idx.search("se mina barn i appen", allowed=ANYONE))[0] == "switch-child"
    idx.close()


def test_the_issues_everyday_phrasings_find_the_missing_child_article_in_the_shipped_articles(tmp_path) -> None:
    from kb.demo import DEMO_CORPUS
    from kb.search import load_corpus

    idx = SearchIndex(tmp_path / "ix")  # the shipped synonym list
    idx.rebuild(load_corpus(DEMO_CORPUS))
    guardian = index_filter_for_audiences({"guardian"})
    assert ids(idx.search("kan inte se mitt barn", allowed=guardian))[0] == "guardian-child-not-shown"
    assert "guardian-child-not-shown" in ids(idx.search("ser inte mitt barn i appen", allowed=guardian))[:3]
    idx.close()


# --- through the app: the suggestion API as the search box calls it, and synonyms learnt from the log -------------

def test_the_suggestion_api_and_enter_agree_for_a_partly_typed_word(app, client):
    make_article("sick", title="Sjukanmäl ditt barn", body="Sjukanmälan görs i appen.", tags=("sjukanmälan",))
    make_article("other", title="Kalender", body="Om kalendern.")
    offered = client.get("/api/v1/kb/suggest?q=sjukanm").get_json()["suggestions"]
    assert [s["id"] for s in offered] == ["sick"]
    page = client.get("/kb/sok?q=sjukanm").get_data(as_text=True)
    assert "1 träff" in page and 'data-article-id="sick"' in page


def test_the_suggestion_api_ranks_a_signed_in_guardians_article_first(app, login_as):
    make_article("for-everyone", title="Frånvaro", body="Om frånvaro.",
                 audiences=("pedagogue", "guardian", "student"))
    make_article("for-guardians", title="Frånvaro", body="Om frånvaro.", audiences=("guardian",))
    guardian = login_as("guardian:ekbackaskolan")
    offered = guardian.get("/api/v1/kb/suggest?q=frånvaro").get_json()["suggestions"]
    assert [s["id"] for s in offered] == ["for-guardians", "for-everyone"]


def test_the_suggestion_api_keeps_to_the_group_page_the_search_box_is_on(app, client):
    make_article("guardians", title="Frånvaro för vårdnadshavare", audiences=("guardian",))
    make_article("teachers", title="Frånvaro för lärare", audiences=("pedagogue",))
    offered = client.get("/api/v1/kb/suggest?q=frånvaro&malgrupp=vardnadshavare").get_json()["suggestions"]
    assert [s["id"] for s in offered] == ["guardians"]


def test_the_suggestion_api_keeps_to_the_search_pages_filters(app, client):
    make_article("schedule", title="Frånvaro i schemat", system="schedule")
    make_article("attendance", title="Frånvaro i närvaron", system="attendance")
    offered = client.get("/api/v1/kb/suggest?q=frånvaro&system=attendance").get_json()["suggestions"]
    found = client.get("/kb/sok?q=frånvaro&system=attendance").get_data(as_text=True)
    assert [s["id"] for s in offered] == ["attendance"]
    assert 'data-article-id="attendance"' in found and 'data-article-id="schedule"' not in found


def _search_and_open(client, query: str, article_id: str) -> None:
    """Search, then open the article through the result link's search token, as a reader's click does; the
    worker's next pass writes both to the search log."""
    page = client.get("/kb/sok", query_string={"q": query}).get_data(as_text=True)
    link = re.search(r'/kb/sok/till/[^"?]+\?s=([^&"]+)', page)
    if link is None:  # no result to click: the search's own token, as a hand-made link would carry it
        flush_reading()
        token = db.session.scalar(select(SearchLog.token).order_by(SearchLog.id.desc()).limit(1))
    else:
        token = link.group(1)
    client.get(f"/kb/sok/till/{article_id}", query_string={"s": token, "r": 3})
    flush_reading()


def test_an_approved_synonym_from_the_search_log_lets_the_search_find_the_article(app, client, login_as):
    make_article("child-missing", title="Inga barn visas när du loggar in", body="Kontakta skolan om barnlistan.",
                 tags=("barnlista",))
    for n in range(4):
        make_article(f"child-{n}", title=f"Mitt barn i appen {n}", body="Ser du ditt barn i appen? Byt barn här.")
    query = "ser inte mitt barn i appen"
    assert service.search_articles(query, service.readership_of(None), log_search=False).hits[0].id != \
        "child-missing"
    for spelling in (query, "Ser inte mitt barn i appen"):
        _search_and_open(client, spelling, "child-missing")
    _search_and_open(client, "kalender", "child-0")  # opened once only: no suggestion
    for _ in range(2):
        _search_and_open(client, "hur gör jag", "child-1")  # function words only: no line that fires everywhere

    editor = login_as("kb_editor")
    page = editor.get("/kb/redaktion/synonymer").get_data(as_text=True)
    page = page[page.index('id="suggestions-heading"'):]
    assert "ser inte mitt barn i appen =&gt; inga barn visas när du loggar in" in page
    assert "kalender =&gt;" not in page and "hur gör jag =&gt;" not in page
    response = editor.post("/kb/redaktion/synonymer/forslag", data={"sokning": query, "artikel": "child-missing"})
    assert response.status_code == 302
    assert "ser inte mitt barn i appen => inga barn visas när du loggar in" in service.current_synonyms_text()
    assert service.search_articles(query, service.readership_of(None), log_search=False).hits[0].id == \
        "child-missing"
    after = editor.get("/kb/redaktion/synonymer").get_data(as_text=True)
    assert "ser inte mitt barn i appen =&gt;" not in after[after.index('id="suggestions-heading"'):]


def test_a_reader_cannot_approve_a_synonym(app, client, login_as):
    make_article("child-missing", title="Inga barn visas")
    for _ in range(2):
        _search_and_open(client, "ser inte barnet", "child-missing")
    guardian = login_as("guardian:ekbackaskolan")
    response = guardian.post("/kb/redaktion/synonymer/forslag", data={"sokning": "ser inte barnet",
                                                                      "artikel": "child-missing"})
    assert response.status_code == 404
    assert "ser inte barnet =>" not in service.current_synonyms_text()


def test_dagis_on_the_search_page_finds_the_preschool_articles_without_did_you_mean(app, client):
    for n in range(3):
        make_article(f"preschool-{n}", title=f"Förskolans rutin {n}", body="Om förskolan.")
    for n in range(5):  # a word one letter away that more articles have
        make_article(f"time-{n}", title=f"Dags att välja {n}", body="Nu är det dags. Dags igen.")
    page = client.get("/kb/sok?q=dagis").get_data(as_text=True)
    assert "3 träffar" in page and "Menade du" not in page
    assert "Menade du" in client.get("/kb/sok?q=förskloan").get_data(as_text=True)

"""The KB search index: visibility, hostile input, did-you-mean, language preference, pagination, updates."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.search import ArticleDoc, SearchIndex, Synonyms, VisibilityFilter, load_corpus
from support.policy.kb import index_filter_for_audiences

SYN = Synonyms.from_text("lösenord, lösen\nsjukanmäla, frånvaroanmälan\ndagis => förskola\n")


def doc(id_: str, title: str, body: str, *, audiences=("guardian",), visibility="public", language="sv",
        translation_of=None, school_forms=(), system="general", tags=(), summary="", status="published"):
    return ArticleDoc(id=id_, title=title, summary=summary or title, body=body, language=language,
                      translation_of=translation_of, audiences=list(audiences), visibility=visibility,
                      school_forms=list(school_forms), system=system, tags=list(tags), status=status)


DOCS = [
    doc("guardian-absence", "Anmäl frånvaro för ditt barn", "Du anmäler frånvaro i appen. Välj barn och datum.",
        audiences=["guardian"], system="attendance", tags=["sjukanmälan", "frånvaroanmälan"]),
    doc("guardian-absence-en", "Report absence for your child", "You report absence in the app. Choose child.",
        audiences=["guardian"], language="en", translation_of="guardian-absence", system="attendance"),
    doc("preschool-absence", "Sjukanmäl ditt barn i förskolan", "Anmäl frånvaro för ditt barn i förskolan.",
        audiences=["guardian"], school_forms=["preschool"], system="attendance"),
    doc("pedagogue-attendance", "Registrera frånvaro och närvaro", "Läraren registrerar frånvaro för lektionen.",
        audiences=["pedagogue"], system="attendance"),
    doc("internal-absence-bug", "Känt fel: frånvaro sparas inte", "Frånvaro försvinner. Rutin för superanvändare.",
        audiences=["superuser", "support"], visibility="internal", system="attendance"),
    doc("support-only-routine", "Rutin för frånvaro i ärendekön", "Servicedesken hanterar frånvaro-ärenden.",
        audiences=["support"], visibility="internal", system="general"),
    doc("reset-password", "Byt eller återställ ditt lösenord", "Har du glömt lösenordet? Byt lösenord här.",
        audiences=["student", "pedagogue"], system="login", tags=["lösenordsbyte"]),
    doc("draft-absence", "Utkast om frånvaro", "Frånvaro frånvaro frånvaro.", audiences=["guardian"],
        status="draft"),
    doc("xss", "Säkerhet <script>alert(1)</script>", "Frånvaro & <b>fet</b> text <script>x</script> här.",
        audiences=["guardian"]),
]


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    idx = SearchIndex(tmp_path_factory.mktemp("kbindex"), synonyms=SYN)
    idx.create()
    idx.rebuild(DOCS)
    yield idx
    idx.close()


def ids(result) -> list[str]:
    return [h.id for h in result.hits]


# --- visibility ----------------------------------------------------------------------------------------------------
def test_guardian_never_sees_internal_or_other_groups(index: SearchIndex) -> None:
    allowed = index_filter_for_audiences(["guardian"])
    r = index.search("frånvaro", allowed=allowed, per_page=50)
    got = set(ids(r))
    assert "guardian-absence" in got
    assert not got & {"pedagogue-attendance", "internal-absence-bug", "support-only-routine", "reset-password"}
    assert r.total == len(got)  # the total counts visible articles only
    for h in r.hits:
        assert allowed.may_read({"visibility": "public", "audiences": ["guardian"]})
        assert h.id != "draft-absence"


def test_total_and_pages_exclude_hidden(index: SearchIndex) -> None:
    everything = index.search("frånvaro", allowed=VisibilityFilter.everything(), per_page=50)
    guardian = index.search("frånvaro", allowed=index_filter_for_audiences(["guardian"]), per_page=1)
    assert guardian.total < everything.total
    seen = []
    for page in range(1, guardian.total + 2):
        seen += ids(index.search("frånvaro", allowed=index_filter_for_audiences(["guardian"]),
                                 per_page=1, page=page))
    assert len(seen) == guardian.total == len(set(seen))


def test_superuser_sees_superuser_internal_only(index: SearchIndex) -> None:
    got = set(ids(index.search("frånvaro", allowed=index_filter_for_audiences(["superuser"]), per_page=50)))
    assert "internal-absence-bug" in got
    assert "support-only-routine" not in got
    assert "pedagogue-attendance" in got  # every public article


def test_support_and_admin_see_everything(index: SearchIndex) -> None:
    for group in ("support", "admin"):
        got = set(ids(index.search("frånvaro", allowed=index_filter_for_audiences([group]), per_page=50)))
        assert {"internal-absence-bug", "support-only-routine", "pedagogue-attendance"} <= got


def test_anonymous_sees_public_only(index: SearchIndex) -> None:
    got = set(ids(index.search("frånvaro", allowed=VisibilityFilter.anonymous(), per_page=50)))
    assert "pedagogue-attendance" in got and "guardian-absence" in got
    assert not got & {"internal-absence-bug", "support-only-routine"}


def test_several_groups_are_a_union(index: SearchIndex) -> None:
    allowed = index_filter_for_audiences(["guardian", "pedagogue"])
    got = set(ids(index.search("frånvaro", allowed=allowed, per_page=50)))
    assert {"guardian-absence", "pedagogue-attendance"} <= got
    assert "internal-absence-bug" not in got


def test_may_read() -> None:
    g = index_filter_for_audiences(["guardian"])
    assert g.may_read({"visibility": "public", "audiences": ["guardian", "student"]})
    assert not g.may_read({"visibility": "public", "audiences": ["pedagogue"]})
    assert not g.may_read({"visibility": "internal", "audiences": ["guardian"]})
    assert not g.may_read({"visibility": "public", "audiences": ["guardian"], "status": "draft"})
    assert not VisibilityFilter.anonymous().may_read({"visibility": "internal", "audiences": ["superuser"]})
    assert VisibilityFilter.everything().may_read({"visibility": "internal", "audiences": ["support"]})


def test_unpublished_articles_are_not_searchable(index: SearchIndex) -> None:
    assert "draft-absence" not in index.ids()
    got = ids(index.search("utkast", allowed=VisibilityFilter.everything()))
    assert "draft-absence" not in got


# --- robustness ------------------------------------------------------------------------------------------------------
HOSTILE = [
    "", "   ", '"', '"frånvaro', "frånvaro AND", "AND OR NOT", "NOT frånvaro", "*", "*ånvaro", "frånv*",
    "title:frånvaro", "id:reset-password", "visibility:internal", "((((", "))", "[a TO z]", "{}", "~", "^2",
    "frånvaro~2", "a" * 5000, "frånvaro " * 2000, "\x00\x01\x02", "😀 🙈", "ö" * 300, "-", "--", "'", "'; DROP",
    "<script>alert(1)</script>", "../../etc/passwd", "%s %d", "\\", "ÅÄÖ åäö", "och att för",
    " ".join(f"ord{i}" for i in range(500)),
]


@pytest.mark.parametrize("q", HOSTILE)
def test_hostile_queries_never_raise(index: SearchIndex, q: str) -> None:
    for allowed in (VisibilityFilter.anonymous(), index_filter_for_audiences(["guardian"])):
        r = index.search(q, allowed=allowed)
        assert r.total >= 0
        assert len(r.normalized_query) <= 256
        assert not {h.id for h in r.hits} & {"internal-absence-bug", "support-only-routine"}


def test_query_syntax_is_plain_text(index: SearchIndex) -> None:
    # a field prefix is a word like any other: no access to internal articles, no field search
    r = index.search("visibility:internal frånvaro", allowed=index_filter_for_audiences(["guardian"]))
    assert "internal-absence-bug" not in ids(r)
    # a wildcard is not expanded into a scan of the index
    assert index.search("*", allowed=VisibilityFilter.everything()).total == 0


def test_bad_paging_arguments(index: SearchIndex) -> None:
    r = index.search("frånvaro", allowed=VisibilityFilter.everything(), page=-3, per_page=0)
    assert r.page == 1 and r.per_page == 1
    r = index.search("frånvaro", allowed=VisibilityFilter.everything(), page=999)
    assert r.hits == [] and r.total > 0


def test_snippet_is_escaped(index: SearchIndex) -> None:
    r = index.search("frånvaro säkerhet", allowed=index_filter_for_audiences(["guardian"]), per_page=50)
    hit = next(h for h in r.hits if h.id == "xss")
    assert "<script>" not in hit.snippet_html and "<b>" not in hit.snippet_html
    stripped = hit.snippet_html.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in stripped
    assert "<mark>" in hit.snippet_html


# --- Swedish search behaviour ---------------------------------------------------------------------------------------
def test_missing_diacritics_and_inflection(index: SearchIndex) -> None:
    allowed = index_filter_for_audiences(["student"])
    assert ids(index.search("glomt losenordet", allowed=allowed))[0] == "reset-password"


def test_did_you_mean(index: SearchIndex) -> None:
    r = index.search("lösnord", allowed=index_filter_for_audiences(["student"]))
    assert r.did_you_mean == "lösenord"
    assert ids(r)[0] == "reset-password"
    assert index.search("lösenord", allowed=VisibilityFilter.anonymous()).did_you_mean is None


def _vocabulary_index(tmp_path: Path) -> SearchIndex:
    idx = SearchIndex(tmp_path / "ix", synonyms=SYN)
    idx.create()
    idx.rebuild([
        doc("public", "Kalender", "Om vipplundan och knorrvala i appen.", system="schedule"),
        doc("internal", "Intern rutin", "Om zebrafinkor och knorrvalp.", audiences=["superuser"],
            visibility="internal", system="login"),
    ])
    idx.upsert(doc("archived", "Gammal", "Om pelikanfoder."))
    idx.upsert(doc("archived", "Gammal", "Om pelikanfoder.", status="archived"))  # was published, now gone
    return idx


def test_did_you_mean_comes_only_from_articles_the_searcher_may_read(tmp_path: Path) -> None:
    idx = _vocabulary_index(tmp_path)
    anonymous, superuser = VisibilityFilter.anonymous(), index_filter_for_audiences(["superuser"])
    assert idx.search("zebrafnikor", allowed=anonymous).did_you_mean is None
    assert idx.search("zebrafnikor", allowed=superuser).did_you_mean == "zebrafinkor"
    for allowed in (anonymous, superuser, VisibilityFilter.everything()):
        assert idx.search("pelikafnoder", allowed=allowed).did_you_mean is None


def test_did_you_mean_takes_the_readable_word_when_a_hidden_one_is_closer(tmp_path: Path) -> None:
    idx = _vocabulary_index(tmp_path)
    assert idx.search("knorrvalpp", allowed=index_filter_for_audiences(["superuser"])).did_you_mean \
        == "knorrvalp"
    assert idx.search("knorrvalpp", allowed=VisibilityFilter.anonymous()).did_you_mean == "knorrvala"


def test_did_you_mean_is_offered_only_when_the_correction_finds_more_than_the_query(tmp_path: Path) -> None:
    idx = _vocabulary_index(tmp_path)
    anonymous = VisibilityFilter.anonymous()
    assert idx.search("vipplundna", allowed=anonymous).did_you_mean == "vipplundan"
    # within the chosen system, the corrected word finds nothing either
    assert idx.search("vipplundna", allowed=anonymous, system="login").did_you_mean is None
    assert idx.search("vipplundna kalender", allowed=anonymous).did_you_mean == "vipplundan kalender"


def test_synonyms_apply(index: SearchIndex) -> None:
    assert ids(index.search("lösen", allowed=index_filter_for_audiences(["student"])))[0] == "reset-password"
    r = index.search("sjukanmäla dagis", allowed=index_filter_for_audiences(["guardian"]))
    assert ids(r)[0] == "preschool-absence"


def test_editor_synonyms_take_effect_without_reindexing(tmp_path: Path) -> None:
    idx = SearchIndex(tmp_path / "ix", synonyms=Synonyms.empty())
    idx.rebuild(DOCS)
    anyone = VisibilityFilter.everything()
    assert "reset-password" not in ids(idx.search("kodord", allowed=anyone))
    idx.set_synonyms(Synonyms.from_text("kodord => lösenord"))
    assert ids(idx.search("kodord", allowed=anyone))[0] == "reset-password"
    idx.close()


def test_language_preference(index: SearchIndex) -> None:
    allowed = index_filter_for_audiences(["guardian"])
    en = ids(index.search("report absence for my child", allowed=allowed))
    assert en[0] == "guardian-absence-en"
    sv = ids(index.search("anmäla frånvaro barn", allowed=allowed))
    assert sv.index("guardian-absence") < sv.index("guardian-absence-en") if "guardian-absence-en" in sv else True
    assert sv[0] != "guardian-absence-en"


def test_filters(index: SearchIndex) -> None:
    anyone = VisibilityFilter.everything()
    assert set(ids(index.search("frånvaro", allowed=anyone, language="en"))) == {"guardian-absence-en"}
    got = set(ids(index.search("frånvaro", allowed=anyone, school_form="preschool", per_page=50)))
    assert "preschool-absence" in got and "guardian-absence" in got  # [] = every school form
    assert set(ids(index.search("lösenord", allowed=anyone, system="attendance"))) == set()
    got = set(ids(index.search("frånvaro", allowed=anyone, audience="pedagogue", per_page=50)))
    assert got == {"pedagogue-attendance"}


def test_pagination(tmp_path: Path) -> None:
    idx = SearchIndex(tmp_path / "ix", synonyms=Synonyms.empty())
    docs = [doc(f"a{i:02d}", f"Frånvaro nummer {i}", "frånvaro " * (1 + i % 7) + "text", audiences=["guardian"])
            for i in range(25)]
    idx.rebuild(docs)
    allowed = index_filter_for_audiences(["guardian"])
    pages = [idx.search("frånvaro", allowed=allowed, page=p, per_page=10) for p in (1, 2, 3)]
    assert [len(p.hits) for p in pages] == [10, 10, 5]
    assert all(p.total == 25 for p in pages)
    all_ids = [h.id for p in pages for h in p.hits]
    assert len(set(all_ids)) == 25
    scores = [h.score for p in pages for h in p.hits]
    assert scores == sorted(scores, reverse=True)
    assert pages[0].pages == 3
    idx.close()


def test_suggest_titles(index: SearchIndex) -> None:
    got = index.suggest_titles("byt lös", allowed=index_filter_for_audiences(["student"]))
    assert got == [("reset-password", "Byt eller återställ ditt lösenord")]
    assert index.suggest_titles("byt lös", allowed=index_filter_for_audiences(["guardian"])) == []
    assert index.suggest_titles("k", allowed=VisibilityFilter.everything()) == []
    got = index.suggest_titles("känt", allowed=index_filter_for_audiences(["guardian"]))
    assert got == []  # internal


# --- updates ---------------------------------------------------------------------------------------------------------
def test_upsert_delete_and_ids(tmp_path: Path) -> None:
    idx = SearchIndex(tmp_path / "ix", synonyms=Synonyms.empty())
    assert not idx.exists()
    idx.create()
    assert idx.exists() and idx.ids() == {}
    d = doc("one", "Schema för klassen", "Schemat visas i appen.", audiences=["student"])
    idx.upsert(d)
    assert idx.ids() == {"one": d.fingerprint()}
    anyone = VisibilityFilter.everything()
    assert ids(idx.search("schemat", allowed=anyone)) == ["one"]
    changed = doc("one", "Lektioner", "Lektionerna visas i appen.", audiences=["student"])
    idx.upsert(changed)
    assert idx.ids() == {"one": changed.fingerprint()}
    assert ids(idx.search("schema", allowed=anyone)) == []
    assert ids(idx.search("lektioner", allowed=anyone)) == ["one"]
    # unpublishing removes it
    idx.upsert(doc("one", "Lektioner", "x", status="draft"))
    assert idx.ids() == {}
    idx.upsert(changed)
    idx.delete("one")
    assert idx.ids() == {} and idx.search("lektioner", allowed=anyone).total == 0
    idx.close()


def test_rebuild_reports_progress(tmp_path: Path) -> None:
    idx = SearchIndex(tmp_path / "ix", synonyms=Synonyms.empty())
    seen: list[int] = []
    n = idx.rebuild(DOCS, progress=seen.append)
    assert n == len(DOCS) - 1  # the draft is skipped
    assert seen[-1] == n
    idx.close()


def test_a_second_instance_sees_changes(tmp_path: Path) -> None:
    writer = SearchIndex(tmp_path / "ix", synonyms=Synonyms.empty())
    writer.rebuild(DOCS[:2])
    reader = SearchIndex(tmp_path / "ix", synonyms=Synonyms.empty())
    reader.REFRESH_INTERVAL = 0.0
    anyone = VisibilityFilter.everything()
    assert reader.search("lösenord", allowed=anyone).total == 0
    writer.upsert(DOCS[6])
    assert ids(reader.search("lösenord", allowed=anyone)) == ["reset-password"]
    writer.close()
    reader.close()


# --- the shared corpus (optional) -----------------------------------------------------------------------------------
CORPUS = Path("/work/shared/kb-corpus")


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared KB corpus not available at /work/shared/kb-corpus")
def test_shared_corpus_titles_find_their_article(tmp_path: Path) -> None:
    docs = load_corpus(CORPUS)
    assert len(docs) > 100
    idx = SearchIndex(tmp_path / "ix")
    idx.rebuild(docs)
    assert set(idx.ids()) == {d.id for d in docs}
    anyone = VisibilityFilter.everything()
    first = 0
    for d in docs:
        r = idx.search(d.title, allowed=anyone, highlight=False)
        first += bool(r.hits) and r.hits[0].id == d.id
    assert first / len(docs) > 0.9
    idx.close()


def test_an_outdated_index_is_never_destroyed_by_reading(tmp_path: Path) -> None:
    idx = SearchIndex(tmp_path / "ix", synonyms=Synonyms.empty())
    idx.rebuild(DOCS[:2])
    (tmp_path / "ix" / "search-meta.json").write_text('{"schema": 0}', encoding="utf-8")
    old = SearchIndex(tmp_path / "ix", synonyms=Synonyms.empty())
    assert old.needs_rebuild()
    assert old.search("frånvaro", allowed=VisibilityFilter.everything()).total == 0
    assert old.ids() == {}
    assert old.suggest_titles("anmäl", allowed=VisibilityFilter.everything()) == []
    old.rebuild(DOCS[:2])
    assert not old.needs_rebuild()
    assert old.search("frånvaro", allowed=VisibilityFilter.everything()).total > 0
    idx.close()
    old.close()


def test_concurrent_searches_and_updates(tmp_path: Path) -> None:
    import threading

    idx = SearchIndex(tmp_path / "ix", synonyms=SYN)
    idx.rebuild(DOCS)
    idx.REFRESH_INTERVAL = 0.0
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(40):
                r = idx.search("frånvaro barn" if i % 2 else "lösenord", allowed=VisibilityFilter.anonymous())
                assert not {h.id for h in r.hits} & {"internal-absence-bug", "support-only-routine"}
                idx.suggest_titles("anm", allowed=VisibilityFilter.anonymous())
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for i in range(3):
        idx.upsert(doc(f"extra-{i}", f"Frånvaro extra {i}", "Mer om frånvaro.", audiences=["guardian"]))
    for t in threads:
        t.join()
    assert errors == []
    idx.close()


def test_highlighting_marks_only_this_querys_words(tmp_path: Path) -> None:
    idx = SearchIndex(tmp_path / "ix", synonyms=Synonyms.empty())
    idx.rebuild([doc("mix", "Lösenord och frånvaro", "Byt lösenord här. Anmäl frånvaro där.", audiences=["guardian"])])
    anyone = VisibilityFilter.everything()
    first = idx.search("lösenordet", allowed=anyone).hits[0].snippet_html
    assert "<mark>lösenord</mark>" in first and "<mark>frånvaro" not in first
    second = idx.search("frånvaron", allowed=anyone).hits[0].snippet_html
    assert "<mark>frånvaro</mark>" in second and "<mark>lösenord" not in second
    idx.close()

"""Swedish text analysis of the KB search: folding, stemming, definite forms, compounds, typos, synonyms."""

from __future__ import annotations

import pytest

from kb.search.analysis import Analyzer, Lexicon, damerau_levenshtein, fold, markdown_to_text
from kb.search.query import MAX_QUERY_CHARS, MAX_QUERY_TERMS, QueryPlanner, sanitize
from kb.search.synonyms import Synonyms

TEXT = """
Byt lösenord. Har du glömt lösenordet? Lösenorden byts varje år. Anmäl frånvaro i appen. Du kan anmäla
frånvaro för ditt barn. Anmälan går till skolan. Skolan ser frånvaron. En frånvaroanmälan syns direkt.
Kontot är låst. Ditt konto låses efter fem försök. Registrera närvaro för en lektion. Registreringen sparas.
Elevkonto och elevens konto. Schemat visar lektioner. Skola, skolor och skolmejl. Vårdnadshavare och elev.
Logga in med BankID eller e-legitimation. Inloggningen misslyckades. Lämna in uppgiften. Inlämningen är klar.
Frånvaro och närvaro. Mejl och e-post. Skicka ett mejl. Ladda ner appen. Förskola och fritidshem. Hämta på fritidshemmet.
"""


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    lex = Lexicon()
    lex.add_text(TEXT, "sv")
    lex.add_text("Report absence for your child. Children and parents. Log in with BankID.", "en")
    return Analyzer(lex)


def terms(a: Analyzer, word: str) -> set[str]:
    return {t for t, _w in a.word_terms(fold(word))}


# --- folding ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "folded"),
    [("Frånvaro", "franvaro"), ("LÖSENORD", "losenord"), ("Närvaro", "narvaro"), ("Café", "cafe"),
     ("Ärende", "arende"), ("Åk 9", "ak 9")],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_missing_diacritics_give_the_same_terms(analyzer: Analyzer) -> None:
    assert terms(analyzer, "franvaro") == terms(analyzer, "frånvaro")
    assert terms(analyzer, "losenordet") == terms(analyzer, "lösenordet")
    assert terms(analyzer, "narvaro") == terms(analyzer, "Närvaro")


# --- stemming, definite forms, verb/noun pairs -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("lösenordet", "lösenord"),  # definite -et (Snowball leaves it)
        ("lösenorden", "lösenord"),
        ("skolan", "skola"),  # definite -n
        ("kontot", "konto"),  # definite -t
        ("frånvaron", "frånvaro"),
        ("fritidshemmet", "fritidshem"),  # doubled consonant before the definite ending
        ("schemat", "schema"),
        ("anmälan", "anmäla"),  # verb/noun pair
        ("anmäl", "anmäla"),
        ("registrering", "registrera"),
        ("skolor", "skola"),
    ],
)
def test_inflections_share_a_stem(analyzer: Analyzer, a: str, b: str) -> None:
    assert analyzer.sv_norm(fold(a)) == analyzer.sv_norm(fold(b))


def test_unknown_stem_is_not_over_stripped(analyzer: Analyzer) -> None:
    # "paket" must not lose "-et": "pak" is not a word of the vocabulary
    assert analyzer.sv_norm("paket") == "paket"


# --- compounds ---------------------------------------------------------------------------------------------------
def test_compound_split_into_known_parts(analyzer: Analyzer) -> None:
    assert analyzer.split_compound(fold("frånvaroanmälan")) == ("franvaro", "anmalan")
    assert analyzer.split_compound(fold("elevkonto")) == ("elev", "konto")


def test_compound_with_dropped_vowel(analyzer: Analyzer) -> None:
    # skol|mejl: the first part is "skola" without its final vowel
    parts = analyzer.split_compound(fold("skolmejl"))
    assert parts and parts[-1] == "mejl" and parts[0].startswith("skol")


def test_compound_parts_are_indexed(analyzer: Analyzer) -> None:
    t = terms(analyzer, "frånvaroanmälan")
    assert analyzer.sv_norm("franvaro") in t
    assert analyzer.sv_norm("anmala") in t  # anmälan ~ anmäla


def test_plain_words_are_not_split(analyzer: Analyzer) -> None:
    assert analyzer.split_compound("kontakt") == ()
    assert analyzer.split_compound("lektion") == ()


def test_hyphenated_word(analyzer: Analyzer) -> None:
    t = terms(analyzer, "e-legitimation")
    assert "elegitimation" in t or analyzer.sv_norm("elegitimation") in t
    assert analyzer.sv_norm("legitimation") in t


# --- typos ---------------------------------------------------------------------------------------------------------
def test_damerau_levenshtein() -> None:
    assert damerau_levenshtein("schema", "shcema") == 1  # transposition
    assert damerau_levenshtein("losenord", "losnord") == 1
    assert damerau_levenshtein("abc", "xyz", limit=1) == 2  # capped at limit+1


def test_corrections_against_the_vocabulary(analyzer: Analyzer) -> None:
    lex = analyzer.lexicon
    assert lex.corrections("losnord", 1)[0][2] == "losenord"
    assert lex.corrections("shcemat", 1)[0][2] == "schemat"
    assert lex.corrections("inloggnigen", 2)[0][2] == "inloggningen"
    assert lex.corrections("xqzwv", 2) == []


def test_typo_gives_did_you_mean(analyzer: Analyzer) -> None:
    planner = QueryPlanner(analyzer, Synonyms.empty())
    plan = planner.plan("glömt lösnord")
    assert plan.did_you_mean == "glömt lösenord"
    assert any(("losenord",) in c.variants for c in plan.concepts)


def test_no_did_you_mean_for_known_words(analyzer: Analyzer) -> None:
    planner = QueryPlanner(analyzer, Synonyms.empty())
    assert planner.plan("glömt lösenordet").did_you_mean is None
    assert planner.plan("franvaro").did_you_mean is None  # missing å is not a typo


# --- synonyms --------------------------------------------------------------------------------------------------------
SYN = """
# kommentar
lösenord, lösen, password
dagis => förskola
grundsärskola => anpassad grundskola
fritids, fritidshem
"""


def test_synonyms_parse_and_round_trip() -> None:
    syn = Synonyms.from_text(SYN)
    assert len(syn) == 4 and not syn.errors
    assert not syn.rules[1].two_way and syn.rules[1].targets == ("förskola",)
    again = Synonyms.from_text(syn.to_text())
    assert again.rules == [type(r)(r.sources, r.targets, r.two_way, again.rules[i].line) for i, r in
                           enumerate(syn.rules)]


def test_synonym_errors_are_reported_not_raised() -> None:
    syn = Synonyms.from_text("ensam\na => \n=> b\na => b => c\nok, fine")
    assert len(syn) == 1
    assert len(syn.errors) == 4


def test_default_synonym_list_parses() -> None:
    syn = Synonyms.default()
    assert len(syn) > 50
    assert not syn.errors


def test_synonym_expansion(analyzer: Analyzer) -> None:
    planner = QueryPlanner(analyzer, Synonyms.from_text(SYN))
    plan = planner.plan("Lösen")  # case and inflection do not matter
    variants = {t for c in plan.concepts for ts in c.variants for t in ts}
    assert analyzer.sv_norm("losenord") in variants
    # one-way: förskola does not expand to dagis
    plan = planner.plan("förskola")
    variants = {t for c in plan.concepts for ts in c.variants for t in ts}
    assert analyzer.sv_norm("dagis") not in variants
    plan = planner.plan("dagis")
    variants = {t for c in plan.concepts for ts in c.variants for t in ts}
    assert analyzer.sv_norm("forskola") in variants


def test_phrase_synonym_target(analyzer: Analyzer) -> None:
    planner = QueryPlanner(analyzer, Synonyms.from_text(SYN))
    plan = planner.plan("grundsärskola betyg")
    phrase = (analyzer.sv_norm("anpassad"), analyzer.sv_norm("grundskola"))
    assert any(phrase in c.variants for c in plan.concepts)


def test_question_words_are_dropped(analyzer: Analyzer) -> None:
    planner = QueryPlanner(analyzer, Synonyms.empty())
    plan = planner.plan("hur gör jag för att byta lösenord")
    labels = [c.label for c in plan.concepts if not c.optional]
    assert labels == ["byta", "lösenord"]


def test_particle_verb_finds_the_noun(analyzer: Analyzer) -> None:
    planner = QueryPlanner(analyzer, Synonyms.empty())
    plan = planner.plan("lämna in uppgift")
    variants = {t for c in plan.concepts for ts in c.variants for t in ts}
    assert analyzer.sv_norm("inlamningen") in variants


def test_english_detection(analyzer: Analyzer) -> None:
    planner = QueryPlanner(analyzer, Synonyms.empty())
    assert planner.plan("how do I report absence for my child").language == "en"
    assert planner.plan("anmäla frånvaro för mitt barn").language == "sv"


# --- input hygiene ------------------------------------------------------------------------------------------------------
def test_sanitize_caps_length_and_terms() -> None:
    assert len(sanitize("a" * 5000)) <= MAX_QUERY_CHARS
    assert len(sanitize(" ".join(["ord"] * 100)).split()) == MAX_QUERY_TERMS
    assert sanitize('title:"foo AND bar*') == "title foo AND bar"
    assert sanitize(None) == ""


def test_markdown_to_text() -> None:
    md = "## Rubrik\n\n1. Klicka på **Frånvaro** och [läs mer](kb:other-id).\n\n| a | b |\n|---|---|\n| c | d |"
    text = markdown_to_text(md)
    assert "Rubrik" in text and "Frånvaro" in text and "läs mer" in text
    assert "**" not in text and "kb:other-id" not in text and "##" not in text

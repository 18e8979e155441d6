"""From what a person typed to a weighted query plan.

User input is never parsed as query syntax: it is cut into words (quotes, ``*``, ``field:``, AND/OR/NOT are just
characters or words), capped, and every word becomes a *concept*: a set of alternative index terms with weights
(the word's own stem, inflection variants, compound parts, synonyms from the editor's list, spelling corrections
against the index vocabulary). The index module turns a plan into a Whoosh query.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from .analysis import (
    EN_STOPWORDS,
    STOP_PREFIX,
    SV_STOPWORDS,
    Analyzer,
    en_stem,
    fold,
    sv_lemma,
    sv_snowball,
    tokenize,
)
from .synonyms import Synonyms

MAX_QUERY_CHARS = 256
MAX_QUERY_TERMS = 32
MAX_FUZZY_CANDIDATES = 3

# weights of the alternatives of one concept (relative to the word as typed)
W_EXACT = 1.0
W_INFLECTION = 0.9
W_PART = 0.55
W_SYNONYM = 0.8
W_FUZZY = 0.85
W_JOINED = 0.6
W_PARTICLE = 0.9
W_CROSS_LANGUAGE = 0.6
W_STOPWORD = 0.4  # a function word of the query found in a title ("vad är …", "hur …")
W_PREFIX = 0.85  # a word of the articles that the last, partly typed word begins ("sjukanm" → sjukanmälan)
W_LEMMA = 0.7  # the dictionary form of the word (ser → se)
MAX_COMPLETIONS = 8  # words a partly typed word is completed to
COMPLETION_CHECKS = 60  # vocabulary words looked at for them (most frequent first)
MIN_PREFIX = 3

# strong (irregular) verbs: every form -> the stems used in compound nouns (tog bort -> borttagen, borttagning)
_STRONG_VERBS = {
    ("ta", "tar", "tog", "tagit", "tagen", "taget", "tagna", "tas"): ("tag",),
    ("ge", "ger", "gav", "gett", "givit", "given", "givet"): ("giv", "ge"),
    ("ga", "gar", "gick", "gatt"): ("gang", "ga"),
    ("dra", "drar", "drog", "dragit", "dras"): ("drag",),
    ("skriva", "skriver", "skrev", "skrivit", "skrivs"): ("skriv", "skrift"),
    ("lagga", "lagger", "la", "lade", "lagt", "lagts"): ("lagg",),
    ("saga", "sager", "sa", "sade", "sagt"): ("sag",),
    ("sla", "slar", "slog", "slagit"): ("slag",),
    ("se", "ser", "sag", "sett", "ses", "syns"): ("syn", "se"),
    ("fa", "far", "fick", "fatt"): ("fa",),
    ("sta", "star", "stod", "statt"): ("stand", "sta"),
    ("sitta", "sitter", "satt", "suttit"): ("sitt",),
    ("bli", "blir", "blev", "blivit"): ("bli",),
    ("komma", "kommer", "kom", "kommit"): ("komst", "kom"),
    ("valja", "valjer", "valde", "valt"): ("val",),
    ("satta", "satter", "satte"): ("satt", "sattning"),
}
STRONG_VERB_STEMS = {form: stems for forms, stems in _STRONG_VERBS.items() for form in forms}
# every form -> the other forms of its verb (ser → se, såg, sett, syns), which suffix rules cannot relate
STRONG_VERB_FORMS = {form: tuple(f for f in forms if f != form) for forms in _STRONG_VERBS for form in forms}

# verb particles and the prefix they become in a compound noun (säga upp → uppsägning)
PARTICLES = {
    "in": ("in",), "ut": ("ut",), "upp": ("upp",), "av": ("av",), "pa": ("pa",), "ner": ("ned", "ner"),
    "ned": ("ned", "ner"), "bort": ("bort",), "om": ("om",), "till": ("till",), "over": ("over",),
    "fram": ("fram",), "tillbaka": ("tillbaka",), "ihop": ("ihop", "sammen"), "undan": ("undan",),
}

_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]+")

Readable = Callable[[str], bool]
"""Does an index term find at least one article the person searching may read? Spelling corrections and the
"is this word known?" decision use it, so that nothing from an article someone may not read (internal, for another
group, archived) ever shapes what they are offered."""


@dataclass
class Concept:
    label: str  # the word(s) as typed
    variants: dict[tuple[str, ...], float] = field(default_factory=dict)
    weight: float = 1.0
    optional: bool = False  # e.g. a joined pair: adds score, does not count as a word of the query
    fields: tuple[str, ...] | None = None  # only these index fields (None: all)
    covers: float = 0.0  # an optional phrase: the typed words an article matching it answers (a synonym phrase)

    def add(self, terms: tuple[str, ...], weight: float) -> None:
        terms = tuple(t for t in terms if t)
        if not terms:
            return
        if weight > self.variants.get(terms, 0.0):
            self.variants[terms] = weight

    def terms(self) -> set[str]:
        return {t for ts in self.variants for t in ts}


@dataclass
class QueryPlan:
    text: str  # normalised query text (what was searched for)
    concepts: list[Concept]
    language: str  # detected language of the query: 'sv' or 'en'
    did_you_mean: str | None = None
    corrections: dict[str, str] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not any(c.variants for c in self.concepts)

    def highlight_terms(self) -> set[str]:
        out: set[str] = set()
        for c in self.concepts:
            if c.fields is not None:
                continue  # function words
            for ts, w in c.variants.items():
                if len(ts) == 1 and w >= W_PART:
                    out.update(ts)
        return out


def sanitize(text: object) -> str:
    """Plain text of at most MAX_QUERY_CHARS characters and MAX_QUERY_TERMS words."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    text = _CONTROL_RE.sub(" ", text)[: MAX_QUERY_CHARS * 4]
    words = [t.text for t in tokenize(text)][:MAX_QUERY_TERMS]
    out = " ".join(words)
    if len(out) > MAX_QUERY_CHARS:
        out = out[:MAX_QUERY_CHARS].rsplit(" ", 1)[0] if " " in out[:MAX_QUERY_CHARS] else out[:MAX_QUERY_CHARS]
    return out


class QueryPlanner:
    """Builds :class:`QueryPlan` objects; bound to an analyser (vocabulary) and a synonym list."""

    def __init__(self, analyzer: Analyzer, synonyms: Synonyms | None = None,
                 index_terms: set[str] | frozenset[str] | None = None) -> None:
        self.analyzer = analyzer
        self.lexicon = analyzer.lexicon
        self.synonyms = synonyms if synonyms is not None else Synonyms.empty()
        self.index_terms = index_terms  # terms present in the index (None: trust the lexicon)
        self._syn1: dict[str, list[tuple[str, ...]]] = {}
        self._synN: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
        self._compile()

    # synonyms ------------------------------------------------------------------------------------------------
    def _key_seq(self, phrase: str) -> tuple[str, ...]:
        out = []
        for tok in tokenize(phrase):
            w = fold(tok.text).replace("'", "")
            # in a phrase, function words and particles count ("lämna över" is not "lämna")
            out.append(w if w in SV_STOPWORDS else self._key(w))
        return tuple(out)

    def _key(self, w: str) -> str:
        return self.analyzer.sv_norm(w.replace("-", ""))

    def _compile(self) -> None:
        for rule in self.synonyms.rules:
            targets = [tuple(fold(t.text) for t in tokenize(p)) for p in rule.targets]
            for src in rule.sources:
                key = self._key_seq(src)
                if not key:
                    continue
                tgt = [t for t, p in zip(targets, rule.targets, strict=True) if self._key_seq(p) != key and t]
                if len(key) == 1:
                    self._syn1.setdefault(key[0], []).extend(tgt)
                else:
                    self._synN.setdefault(key, []).extend(tgt)

    def _target_terms(self, words: tuple[str, ...], lang: str) -> list[tuple[str, ...]]:
        """Index terms for a synonym target (one alternative per analysis)."""
        sv = tuple(self.analyzer.sv_norm(w.replace("-", "")) for w in words if w not in SV_STOPWORDS)
        out = [sv] if sv else []
        lex = self.lexicon
        if lang == "en" or all(w in lex.en_counts and w not in lex.counts for w in words):
            en = tuple(en_stem(w) for w in words if w not in EN_STOPWORDS)
            if en and en != sv:
                out.append(en)
        return out

    # language --------------------------------------------------------------------------------------------------
    def detect_language(self, words: list[str]) -> str:
        lex = self.lexicon
        en = sv = 0.0
        for w in words:
            w2 = w.replace("'", "")
            in_sv = w in lex.counts or w in SV_STOPWORDS
            in_en = w2 in lex.en_counts or w2 in EN_STOPWORDS
            if w2 in EN_STOPWORDS and w not in SV_STOPWORDS:
                en += 1.0
            elif w in SV_STOPWORDS and w2 not in EN_STOPWORDS:
                sv += 1.0
            elif in_en and not in_sv:
                en += 1.0
            elif in_sv and not in_en:
                sv += 1.0
            elif in_sv and in_en:
                en += 0.5 * lex.en_counts.get(w2, 0) / max(1, lex.en_counts.get(w2, 0) + lex.counts.get(w, 0))
                sv += 0.5 * lex.counts.get(w, 0) / max(1, lex.en_counts.get(w2, 0) + lex.counts.get(w, 0))
        return "en" if en > sv else "sv"

    # the plan --------------------------------------------------------------------------------------------------
    def _known(self, w: str, readable: Readable | None) -> bool:
        """Is the word itself (not just its compound parts) in the index, in an article the asker may read?"""
        a = self.analyzer
        if self.index_terms is None and readable is None:
            return a.is_known(w)
        terms = [t for t, wt in a.word_terms(w) if wt >= 1.0]
        terms.append(en_stem(w))
        return any(self._term_known(t, readable) for t in terms)

    def _in_index(self, term: str) -> bool:
        return self.index_terms is not None and term in self.index_terms

    def _term_known(self, term: str, readable: Readable | None) -> bool:
        if self.index_terms is not None and term not in self.index_terms:
            return False  # the cheap test first: not in the index at all
        return readable is None or readable(term)

    def _word_readable(self, folded: str, readable: Readable | None) -> bool:
        """Would a vocabulary word, used as a correction, find an article the asker may read?"""
        if readable is None:
            return True
        lex = self.lexicon
        if folded in lex.en_counts and self._term_known(en_stem(folded), readable):
            return True
        if folded not in lex.counts:
            return False
        key = self.analyzer.sv_norm(folded)
        if self._term_known(key, readable):
            return True
        # a word of the synonym list that articles write otherwise (sjukanmäla → frånvaroanmälan)
        return self._known_by_synonym(key, readable)

    def _corrections(self, w: str, max_dist: int, readable: Readable | None) -> list[tuple[int, str]]:
        """The closest vocabulary words (distance, word), best first, that find an article the asker may read."""
        out: list[tuple[int, str]] = []
        for dist, _frequency, candidate in self.lexicon.corrections(w, max_dist):
            if out and (dist > out[0][0] or len(out) >= MAX_FUZZY_CANDIDATES):
                break
            if self._word_readable(candidate, readable):
                out.append((dist, candidate))
        return out

    def _word_concept(self, w: str, label: str, lang: str, plan: QueryPlan, readable: Readable | None, *,
                      allow_split: bool = True, allow_fuzzy: bool = True, complete: bool = False) -> list[Concept]:
        a = self.analyzer
        c = Concept(label)
        plain = w.replace("-", "").replace("'", "")
        base = a.sv_norm(plain)
        c.add((base,), W_EXACT)
        if plain == w and not w.isdigit() and len(w) > 3:
            # the raw Snowball stem too: the index may have been built with a smaller vocabulary
            s = sv_snowball(w)
            if s != base:
                c.add((s,), W_INFLECTION)
        if lang == "sv" and plain.isalpha() and fold(label) == w and not self._in_index(base):
            # a form the articles never use: its dictionary form catches what suffix rules cannot (strong verbs,
            # umlaut plurals: ser → se); not for a part of a typed compound
            lemma = a.sv_norm(fold(sv_lemma(label.lower())))
            if lemma != base and len(lemma) >= 2:
                c.add((lemma,), W_LEMMA)
        # English analysis: full weight for English queries, a little for Swedish ones (shared jargon)
        c.add((en_stem(w),), W_EXACT if lang == "en" else 0.3)
        if "-" in w:
            for p in w.split("-"):
                if len(p) >= 2 and p not in SV_STOPWORDS and p not in EN_STOPWORDS:
                    c.add((a.sv_norm(p),), W_PART)
                    if lang == "en":
                        c.add((en_stem(p),), W_PART)
        self._add_synonyms(c, base, lang)
        if complete and self._complete(w, c, readable):
            return [c]

        # Whether a compound is searched whole or by its parts only orders the articles the asker may read, so it
        # follows the whole index; a correction shows words, so it is offered only when the asker's articles do
        # not have the word and taken only from their words.
        parts = a.split_compound(w) if allow_split and w.isalpha() else ()
        if parts:
            if self._known(w, None):
                # the whole word is in the index; its parts are weak alternatives
                c.add(tuple(a.sv_norm(p) for p in parts if p not in SV_STOPWORDS), W_PART)
                for p in parts:
                    self._add_synonyms(c, a.sv_norm(p), lang, factor=W_PART)
                return [c]
            # an unknown compound: search for its parts as separate words
            out: list[Concept] = []
            for p in parts:
                if p in SV_STOPWORDS:
                    continue
                out.extend(self._word_concept(p, label, lang, plan, readable, allow_split=False,
                                               allow_fuzzy=False))
            for oc in out:
                oc.weight = max(0.6, 1.0 / len(out) ** 0.5)
                oc.add((base,), W_EXACT)
            return out or [c]
        if allow_fuzzy and len(w) >= 4 and w.isalpha() and not self._known(w, readable) \
                and not self._known_by_synonym(base, readable):
            fixed = self._fuzzy(w, c, lang, readable)
            if fixed:
                plan.corrections[label] = fixed
            else:
                # a typo inside a compound: known head + misspelt tail (repetitionsutbildnig)
                split = self._fuzzy_compound(w, readable)
                if split:
                    head, tail = split
                    plan.corrections[label] = head + tail
                    out = [
                        *self._word_concept(head, label, lang, plan, readable, allow_split=False,
                                            allow_fuzzy=False),
                        *self._word_concept(tail, label, lang, plan, readable, allow_split=False,
                                            allow_fuzzy=False),
                    ]
                    for oc in out:
                        oc.weight = 0.75
                    c.add((a.sv_norm(head + tail),), W_FUZZY)
                    return [c, *out]
        return [c]

    def _known_by_synonym(self, key: str, readable: Readable | None) -> bool:
        """Does the editors' synonym list lead the word to an article the asker may read (dagis → förskola)?"""
        return any(all(self._term_known(t, readable) for t in terms)
                   for target in self._syn1.get(key, ()) for terms in self._target_terms(target, "sv"))

    def _complete(self, w: str, c: Concept, readable: Readable | None) -> bool:
        """A last word not (yet) in the index and the start of words that are: search for those words, so that
        what the type-ahead shows for "sjukanm" is what Enter finds. True when completions were added."""
        if len(w) < MIN_PREFIX or not w.isalpha() or self._known(w, readable) \
                or self._known_by_synonym(self.analyzer.sv_norm(w), readable):
            return False
        added = 0
        for candidate in self.lexicon.completions(w, COMPLETION_CHECKS):
            if candidate in SV_STOPWORDS or not self._word_readable(candidate, readable):
                continue
            key = self.analyzer.sv_norm(candidate)
            c.add((key,), W_PREFIX)
            self._add_synonyms(c, key, "sv", factor=W_PREFIX)
            if candidate in self.lexicon.en_counts:
                c.add((en_stem(candidate),), W_PREFIX)
            added += 1
            if added >= MAX_COMPLETIONS:
                break
        return bool(added)

    def _add_synonyms(self, c: Concept, key: str, lang: str, factor: float = 1.0) -> None:
        en, sv = self.lexicon.en_counts, self.lexicon.counts
        for target in self._syn1.get(key, ()):
            f = factor
            if lang == "en" and any(sv.get(w, 0) >= en.get(w, 0) for w in target):
                f *= W_CROSS_LANGUAGE  # an English query: English articles should match on their own words
            for terms in self._target_terms(target, lang):
                c.add(terms, W_SYNONYM * f)

    def _fuzzy(self, w: str, c: Concept, lang: str, readable: Readable | None) -> str | None:
        max_dist = 1 if len(w) < 8 else 2
        cands = self._corrections(w, max_dist, readable)
        if not cands:
            return None
        best_d = cands[0][0]
        chosen = [cw for _d, cw in cands]
        for i, cw in enumerate(chosen):
            wt = W_FUZZY * (1.0 if i == 0 else 0.8) * (1.0 if best_d == 1 else 0.9)
            if cw in self.lexicon.counts:
                key = self.analyzer.sv_norm(cw)
                c.add((key,), wt)
                self._add_synonyms(c, key, lang, factor=wt)
            if cw in self.lexicon.en_counts:
                c.add((en_stem(cw),), wt)
        return chosen[0]

    def _fuzzy_compound(self, w: str, readable: Readable | None) -> tuple[str, str] | None:
        a = self.analyzer
        for i in range(len(w) - 4, 3, -1):
            head, tail = w[:i], w[i:]
            if not (a._head_ok(head) or (head[-1] == "s" and a._head_ok(head[:-1]))):
                continue
            cands = self._corrections(tail, 1, readable)
            if cands:
                return head, cands[0][1]
        return None

    def plan(self, text: object, readable: Readable | None = None, *, correct: bool = True,
             complete: bool = True) -> QueryPlan:
        """The plan of a query; ``readable`` limits known words and corrections to what the asker may read
        (None: the whole vocabulary); ``correct=False`` searches the words as typed, without spelling corrections;
        ``complete`` searches a partly typed last word for the words it begins."""
        clean = sanitize(text)
        toks = [t.text for t in tokenize(clean)]
        folded = [fold(t).replace("’", "'") for t in toks]
        lang = self.detect_language(folded)
        plan = QueryPlan(clean, [], lang)
        stop = EN_STOPWORDS if lang == "en" else SV_STOPWORDS
        content: list[tuple[str, str, int]] = []  # (folded, as typed, position)
        for i, (t, w) in enumerate(zip(toks, folded, strict=True)):
            w2 = w.replace("'", "") if lang == "en" else w
            if w2 in stop or w in stop or (lang == "en" and w in SV_STOPWORDS and len(w) < 3):
                continue
            if len(w2) < 2 and not w2.isdigit():
                continue
            content.append((w2, t, i))
        if not content and folded:
            # only stop words: search for them anyway (better than nothing)
            content = [(w, t, i) for i, (t, w) in enumerate(zip(toks, folded, strict=True)) if len(w) >= 2][:4]

        # multi-word synonym phrases ("anpassad grundskola", "skickat till fel"): all their words in the query
        keys = {w if w in SV_STOPWORDS else self._key(w) for w in folded}
        if lang == "sv":
            keys |= self._verb_form_keys(folded)
        for k, targets in self._synN.items():
            if not set(k) <= keys:
                continue
            # an article with the phrase's synonym answers the phrase's words, as if it had them
            words = float(sum(1 for w in k if w not in SV_STOPWORDS))
            pc = Concept(" ".join(k), optional=True, covers=words, weight=max(1.0, words))
            for target in targets:
                for terms in self._target_terms(target, lang):
                    pc.add(terms, W_SYNONYM)
            if pc.variants:
                plan.concepts.append(pc)

        # function words are weak evidence, in titles only
        content_pos = {i for _w, _t, i in content}
        for i, (t, w) in enumerate(zip(toks, folded, strict=True)):
            w2 = w.replace("'", "") if lang == "en" else w
            if i not in content_pos and (w2 in stop or w in stop):
                sc = Concept(t, optional=True, weight=W_STOPWORD, fields=("title",))
                sc.add((STOP_PREFIX + w2,), W_EXACT)
                plan.concepts.append(sc)

        particles = self._particle_forms(folded) if lang == "sv" else {}
        last = content[-1][2] if content and content[-1][2] == len(toks) - 1 else None
        for w, t, i in content:
            concepts = self._word_concept(w, t, lang, plan, readable, allow_fuzzy=correct,
                                          complete=complete and i == last)
            for form in particles.get(i, ()):
                concepts[0].add((self.analyzer.sv_norm(form),), W_PARTICLE)
            plan.concepts.extend(concepts)

        # two words typed apart that the articles write as one (frånvaro anmälan → frånvaroanmälan)
        for (a_, ta, _ia), (b_, tb, _ib) in zip(content, content[1:], strict=False):
            if not (a_.isalpha() and b_.isalpha()):
                continue
            for joined in (a_ + b_, a_ + "s" + b_):
                if joined in self.lexicon.counts:
                    jc = Concept(f"{ta} {tb}", optional=True, weight=W_JOINED)
                    jc.add((self.analyzer.sv_norm(joined),), W_EXACT)
                    plan.concepts.append(jc)
                    break

        if plan.corrections:
            words = []
            for t in toks:
                fixed = plan.corrections.get(t)
                words.append(self.lexicon.spelling(fixed) if fixed else t)
            suggestion = " ".join(words)
            if fold(suggestion) != fold(" ".join(toks)):
                plan.did_you_mean = suggestion
        return plan

    def _verb_form_keys(self, folded: list[str]) -> set[str]:
        """Keys of the other forms of the strong verbs typed, so that a phrase of the synonym list says the need
        in any form: "ser inte", "kan inte se" are a "syns inte"; "fick tillbaka" a "få tillbaka". A form the
        articles mostly write as another word (stod: mostly "stöd") is left out."""
        spelling = self.lexicon.spelling
        return {self._key(f) for w in folded for f in STRONG_VERB_FORMS.get(w, ())
                if f not in SV_STOPWORDS and fold(spelling(f)) == f}

    def _particle_forms(self, folded: list[str]) -> dict[int, list[str]]:
        """Swedish particle verbs and their nouns: "säger upp" → uppsägning, "lämna in" → inlämning,
        "stänga av" → avstängning. Returns {position of the verb: [known compound forms]}."""
        out: dict[int, list[str]] = {}
        counts = self.lexicon.counts
        for i in range(len(folded) - 1):
            verb, part = folded[i], folded[i + 1]
            if part not in PARTICLES or not verb.isalpha():
                continue
            irregular = STRONG_VERB_STEMS.get(verb)
            if irregular is None and (len(verb) < 3 or verb in SV_STOPWORDS):
                continue
            stems = {sv_snowball(verb), self.analyzer.sv_norm(verb), *(irregular or ())}
            forms = []
            for prefix in PARTICLES[part]:
                for st in stems:
                    for suf in ("ning", "ing", "", "a", "an", "else", "d", "t"):
                        for end in ("", "en", "et", "ar", "er", "n"):
                            cand = prefix + st + suf + end
                            if cand in counts and cand not in forms:
                                forms.append(cand)
                                break
            if forms:
                out[i] = forms[:4]
        return out

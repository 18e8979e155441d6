"""Swedish (and English) text analysis for the knowledge-base search.

Everything here is plain Python and independent of Whoosh's query machinery: the index stores *pre-analysed*
terms (see :class:`PreAnalyzedTokenizer`), and the query side builds term queries from the same functions, so
index and query analysis can never drift apart.

The chain for a Swedish word:

1. lower-case and fold diacritics (å, ä → a, ö → o, é → e …) so that "franvaro" matches "frånvaro";
2. Snowball Swedish stemming;
3. vocabulary-checked extra normalisation for what Snowball leaves alone: definite forms (lösenordet → lösenord,
   skolan → skola, kontot → konto), verb/noun pairs (anmälan → anmäla, registrering → registrera);
4. compound splitting against the vocabulary of the corpus (frånvaroanmälan → frånvaro + anmälan), with the
   Swedish linking -s- and dropped final vowels (skolmejl → skola + mejl). The parts are indexed too.

The vocabulary (:class:`Lexicon`) is built from the articles at index time and stored beside the index.
"""

from __future__ import annotations

import bisect
import json
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from whoosh.analysis import Token, Tokenizer
from whoosh.lang.porter2 import stem as _porter2_stem
from whoosh.lang.snowball.swedish import SwedishStemmer

__all__ = [
    "Analyzer",
    "Lexicon",
    "PreAnalyzedTokenizer",
    "SV_STOPWORDS",
    "EN_STOPWORDS",
    "damerau_levenshtein",
    "fold",
    "tokenize",
    "markdown_to_text",
    "sv_lemma",
]

# ---------------------------------------------------------------------------------------------------------------
# Folding and tokenising

_FOLD = str.maketrans(
    {
        "å": "a", "ä": "a", "à": "a", "á": "a", "â": "a", "æ": "a",
        "ö": "o", "ø": "o", "ó": "o", "ò": "o", "ô": "o",
        "é": "e", "è": "e", "ê": "e", "ë": "e",
        "ü": "u", "ú": "u", "ù": "u", "í": "i", "ì": "i", "ï": "i", "ç": "c", "ñ": "n", "ß": "ss",
        "’": "'",
    }
)


def fold(text: str) -> str:
    """Lower-case and fold diacritics to plain ASCII letters where possible (å/ä → a, ö → o)."""
    text = text.lower().translate(_FOLD)
    if text.isascii():
        return text
    # anything else: strip combining marks
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# a word: letters/digits, optionally joined by hyphens or apostrophes (e-legitimation, QR-kod, KF-2317, can't)
_WORD_RE = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Tok:
    text: str  # the surface form as written
    start: int
    end: int


def tokenize(text: str) -> Iterator[Tok]:
    for m in _WORD_RE.finditer(text):
        yield Tok(m.group(), m.start(), m.end())


def words(text: str) -> list[str]:
    """The words of a text as written (no positions; faster than :func:`tokenize`)."""
    return _WORD_RE.findall(text)


_FOLD_CACHE: dict[str, str] = {}


def fold_word(word: str) -> str:
    """:func:`fold` for one word, memoised."""
    r = _FOLD_CACHE.get(word)
    if r is None:
        r = fold(word).replace("’", "'")
        if len(_FOLD_CACHE) > 200_000:
            _FOLD_CACHE.clear()
        _FOLD_CACHE[word] = r
    return r


_MD_SUBS = [
    (re.compile(r"```.*?```", re.S), " "),
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"<[^>]+>"), " "),
    (re.compile(r"^\s{0,3}#{1,6}\s*", re.M), ""),
    (re.compile(r"^\s*[-*+]\s+", re.M), ""),
    (re.compile(r"^\s*\d+[.)]\s+", re.M), ""),
    (re.compile(r"^\s*\|?[\s:|-]*-{3,}[\s:|-]*$", re.M), ""),
    (re.compile(r"^\s*>\s?", re.M), ""),
    (re.compile(r"\*\*|__|`"), ""),
    (re.compile(r"(?<!\w)[*_](?=\S)|(?<=\S)[*_](?!\w)"), ""),
    (re.compile(r"\s*\|\s*"), " · "),
    (re.compile(r"[ \t]+"), " "),
    (re.compile(r"\n{3,}"), "\n\n"),
]


def markdown_to_text(md: str) -> str:
    """A cheap Markdown → plain text conversion for indexing and snippets (links keep their text)."""
    text = md or ""
    for rx, rep in _MD_SUBS:
        text = rx.sub(rep, text)
    return text.strip()


# ---------------------------------------------------------------------------------------------------------------
# Stop words (folded). Swedish function words plus the phrasing of questions ("hur gör jag för att", "var hittar
# jag", "kan inte"), which must not dominate the ranking.

_SV_STOP_TEXT = """
alla allt att av blev bli blir blivit de dem den denna deras dess dessa det detta dig din dina ditt du där då
efter ej eller en er era ert ett från för ha hade han hans har henne hennes hon honom hur här i icke inom
inte ingen inga inget jag ju kan kunde man med mellan men mig min mina mitt mot mycket ni nu när någon något några och om oss på
samma sedan sig sin sina skulle som så sådan sådana sådant till under upp ut utan vad var vara varför varit varje
vars vart vem vi vid vilka vilkas vilken vilket vår våra vårt än är åt över
in av på bort ner ned fram ihop undan iväg nej ja också även bara sen redan ens mej dej sej dom nån nåt nåra ska skall kunna kommer komma
gör göra gjorde vill ville måste behöver behövs får fått går gå gick finns fanns hittar hitta kolla
går ta tar fungerar funkar funka funkade fungera varför vart hur hej tack snälla typ liksom eller
dag idag igår imorgon nu längre
"""
_EN_STOP_TEXT = """
a about after again all am an and any are as at be because been but by can cannot cant can't could did do does
doesnt don't dont for from get gets getting got had has have how i i'm im if in into is it its it's me my no
not of on or our please should so than that the their them then there these they this to too up us was we
were what when where which who why will with would you your yours do does doing what's whats want need
"""

SV_STOPWORDS: frozenset[str] = frozenset(fold(w) for w in _SV_STOP_TEXT.split())
EN_STOPWORDS: frozenset[str] = frozenset(fold(w).replace("'", "") for w in _EN_STOP_TEXT.split())
STOP_PREFIX = "_"  # function words indexed in titles: "_vad", "_hur"

# Swedish suffixes that Snowball leaves, tried (longest first) when the rest is a known stem.
# Definite forms (-et, -n, -t), verbal nouns (-an, -ning, -ing), past participles/tenses (-d, -t).
_EXTRA_SUFFIXES = ("ningen", "ningar", "ningarna", "ning", "ing", "an", "et", "ets", "n", "t", "d", "s", "a", "e")
# linking elements between compound parts
_LINKERS = ("s", "e", "a", "u", "o")
# a non-final compound part may be a word minus its ending: skol|mejl (skola), gymnasie|antagning (gymnasiet)
_HEAD_ENDINGS = ("a", "e", "t", "n", "en", "et", "ar", "er")
# productive two-letter first parts (nyanställd, nyanländ)
_SHORT_HEADS = frozenset({"ny"})
_MIN_PART = 3

_MISSING = object()
_sv_stemmer = SwedishStemmer()
_SV_STOP_STEMS = frozenset(_sv_stemmer.stem(w) for w in SV_STOPWORDS)


def sv_snowball(word: str) -> str:
    return _sv_stemmer.stem(word)


_EN_IRREGULAR = {
    "children": "child", "childrens": "child", "kids": "kid", "people": "person", "men": "man", "women": "woman",
    "teeth": "tooth", "feet": "foot", "wives": "wife", "lives": "life", "sent": "send", "got": "get",
    "forgot": "forget", "forgotten": "forget", "lost": "lose", "saw": "see", "seen": "see", "went": "go",
    "gone": "go", "did": "do", "done": "do", "made": "make", "paid": "pay", "wrote": "write", "written": "write",
}


_LEMMA_CACHE: dict[str, str] = {}


def sv_lemma(word: str) -> str:
    """The dictionary form of a Swedish word as written (ser → se, barnet → barn, loopar → loop), from simplemma's
    Swedish dictionary; the word itself when the dictionary does not know it. Memoised; the dictionary loads on
    first use (about two seconds, once per process)."""
    r = _LEMMA_CACHE.get(word)
    if r is None:
        from simplemma import lemmatize

        r = lemmatize(word, lang="sv").lower() if word.isalpha() else word
        if len(_LEMMA_CACHE) > 200_000:
            _LEMMA_CACHE.clear()
        _LEMMA_CACHE[word] = r
    return r


def en_stem(word: str) -> str:
    w = word.replace("'", "")
    w = _EN_IRREGULAR.get(w, w)
    return _porter2_stem(w) if len(w) > 2 else w


# ---------------------------------------------------------------------------------------------------------------
# Edit distance


def damerau_levenshtein(a: str, b: str, limit: int = 3) -> int:
    """Optimal-string-alignment distance (adjacent transpositions count 1). Returns limit+1 if larger."""
    if a == b:
        return 0
    la, lb = len(a), len(b)
    if abs(la - lb) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(lb + 1))
    for i in range(1, la + 1):
        cur = [i] + [0] * lb
        ai = a[i - 1]
        row_min = cur[0]
        for j in range(1, lb + 1):
            cost = 0 if ai == b[j - 1] else 1
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ai == b[j - 2] and a[i - 2] == b[j - 1]:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v
            if v < row_min:
                row_min = v
        if row_min > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[lb]


def _deletes(word: str, depth: int) -> set[str]:
    out = {word}
    frontier = {word}
    for _ in range(depth):
        nxt = set()
        for w in frontier:
            for i in range(len(w)):
                nxt.add(w[:i] + w[i + 1 :])
        out |= nxt
        frontier = nxt
    return out


# ---------------------------------------------------------------------------------------------------------------
# Vocabulary


class Lexicon:
    """The vocabulary of the indexed articles: folded words with their frequency and most common spelling.

    Used for compound splitting, vocabulary-checked normalisation, spelling correction ("Menade du …?") and
    detecting English queries. Serialisable to JSON so it can live beside the index.
    """

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()  # folded word -> frequency (Swedish + other)
        self.en_counts: Counter[str] = Counter()  # folded word -> frequency in English articles
        self._spell: Counter[tuple[str, str]] = Counter()  # (folded, lower-case original) -> frequency
        self.version = 0
        self._derived: dict | None = None

    # building ----------------------------------------------------------------------------------------------
    def add_text(self, text: str, language: str = "sv", weight: int = 1) -> None:
        for w, c in Counter(words(text)).items():
            self.add_word(w, language, weight * c)

    def add_counts(self, counts: Counter[str], language: str = "sv") -> None:
        """Add word counts (words as written) collected elsewhere, e.g. over many articles at once."""
        for w, c in counts.items():
            self.add_word(w, language, c)

    def add_word(self, surface: str, language: str = "sv", weight: int = 1) -> None:
        low = surface.lower().replace("’", "'")
        parts = [low]
        if "-" in low:
            parts = [low.replace("-", ""), *low.split("-")]
        for p in parts:
            f = fold_word(p)
            if not f or len(f) > 40:
                continue
            if language == "en":
                self.en_counts[f] += weight
            else:
                self.counts[f] += weight
                self._spell[(f, p)] += weight
        self._derived = None
        self.version += 1

    def merge(self, other: Lexicon) -> None:
        self.counts.update(other.counts)
        self.en_counts.update(other.en_counts)
        self._spell.update(other._spell)
        self._derived = None
        self.version += 1

    # derived structures (lazy) ------------------------------------------------------------------------------
    def _derive(self) -> dict:
        if self._derived is None:
            stems: Counter[str] = Counter()
            for w, c in self.counts.items():
                if not w.isdigit():
                    stems[sv_snowball(w)] += c
            forms: dict[str, tuple[int, str]] = {}
            for (f, orig), c in self._spell.items():
                best = forms.get(f)
                if best is None or c > best[0]:
                    forms[f] = (c, orig)
            self._derived = {
                "stems": stems,
                "forms": {f: o for f, (_c, o) in forms.items()},
                "spell_index": None,
                "sorted": sorted(w for w in set(self.counts) | set(self.en_counts) if w.isalpha()),
            }
        return self._derived

    @property
    def stems(self) -> Counter[str]:
        return self._derive()["stems"]

    def spelling(self, folded: str) -> str:
        """The usual spelling (with å/ä/ö) of a folded word, or the word itself."""
        return self._derive()["forms"].get(folded, folded)

    def knows(self, folded: str) -> bool:
        return folded in self.counts or folded in self.en_counts

    def completions(self, prefix: str, limit: int = 200) -> list[str]:
        """Vocabulary words that begin with ``prefix`` and are longer, most frequent first (a partly typed word)."""
        ordered = self._derive()["sorted"]
        start = bisect.bisect_right(ordered, prefix)
        found = []
        for w in ordered[start:start + 5000]:
            if not w.startswith(prefix):
                break
            found.append(w)
        found.sort(key=lambda w: (-(self.counts.get(w, 0) + self.en_counts.get(w, 0)), w))
        return found[:limit]

    def _spell_index(self) -> dict[str, list[str]]:
        d = self._derive()
        if d["spell_index"] is None:
            idx: dict[str, list[str]] = {}
            for w in set(self.counts) | set(self.en_counts):
                if len(w) < 4 or w.isdigit():
                    continue
                for v in _deletes(w, 1):
                    idx.setdefault(v, []).append(w)
            d["spell_index"] = idx
        return d["spell_index"]

    def corrections(self, folded: str, max_dist: int) -> list[tuple[int, int, str]]:
        """Vocabulary words within ``max_dist`` edits: [(distance, -frequency, word)] best first."""
        idx = self._spell_index()
        found: set[str] = set()
        for v in _deletes(folded, max_dist):
            found.update(idx.get(v, ()))
        out = []
        for w in found:
            if w == folded:
                continue
            d = damerau_levenshtein(folded, w, max_dist)
            if d <= max_dist:
                out.append((d, -(self.counts.get(w, 0) + self.en_counts.get(w, 0)), w))
        out.sort()
        return out

    # persistence --------------------------------------------------------------------------------------------
    def to_json(self) -> str:
        return json.dumps(
            {
                "counts": self.counts,
                "en_counts": self.en_counts,
                "spell": [[f, o, c] for (f, o), c in self._spell.items() if f != o],
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> Lexicon:
        data = json.loads(text)
        lex = cls()
        lex.counts = Counter(data.get("counts", {}))
        lex.en_counts = Counter(data.get("en_counts", {}))
        lex._spell = Counter({(f, o): c for f, o, c in data.get("spell", [])})
        return lex


# ---------------------------------------------------------------------------------------------------------------
# The analyser


class Analyzer:
    """Turns words into index terms, bound to a :class:`Lexicon`.

    All per-word functions are memoised; create a new Analyzer when the lexicon changes.
    """

    #: boost of compound parts relative to the whole word (index side)
    PART_WEIGHT = 0.5

    def __init__(self, lexicon: Lexicon | None = None) -> None:
        self.lexicon = lexicon or Lexicon()
        self._norm_cache: dict[str, str] = {}
        self._split_cache: dict[str, tuple[str, ...]] = {}
        self._terms_cache: dict[tuple[str, str], tuple[tuple[str, float], ...]] = {}
        self._raw_cache: dict[tuple[str, str], tuple[tuple[str, float], ...] | None] = {}
        self._stems = self.lexicon.stems
        self._words = self.lexicon.counts

    # single words -------------------------------------------------------------------------------------------
    def sv_norm(self, w: str) -> str:
        """Folded word → normalised Swedish stem (Snowball plus vocabulary-checked definite/verbal-noun forms)."""
        r = self._norm_cache.get(w)
        if r is not None:
            return r
        if w.isdigit() or len(w) <= 3:
            r = w
        else:
            s = sv_snowball(w)
            r = s
            stems = self._stems
            for suf in _EXTRA_SUFFIXES:
                if s.endswith(suf) and len(s) - len(suf) >= 3:
                    base = s[: -len(suf)]
                    if len(base) >= 4 and base[-1] == base[-2] and base[-1] in "mn" and base[:-1] in stems:
                        # a doubled consonant before the definite ending: hemmet -> hem, programmet -> program
                        r = base[:-1]
                        break
                    if base in stems and (len(suf) > 1 or len(base) >= 4) and base not in _SV_STOP_STEMS:
                        # only when the base is a real stem of some other word (avoid paket -> pak)
                        r = base
                        break
        self._norm_cache[w] = r
        return r

    def is_known(self, w: str) -> bool:
        """Is the folded word (or its normalised stem) in the vocabulary?"""
        if w in self._words or w in self.lexicon.en_counts:
            return True
        return self.sv_norm(w) in self._stems

    def _freq(self, p: str) -> int:
        return max(self._words.get(p, 0), self._stems.get(p, 0), self._stems.get(self.sv_norm(p), 0))

    def _final_ok(self, p: str) -> bool:
        if len(p) < _MIN_PART or p in SV_STOPWORDS:
            return False
        if len(p) < 6 and self._freq(p) < 2:
            return False
        if p in self._words:
            return True
        if len(p) < 4:
            return False
        n = self.sv_norm(p)
        return n in self._stems and n not in _SV_STOP_STEMS

    def _head_ok(self, p: str) -> bool:
        """A non-final compound part: a known word or a form of one (skol|mejl, gymnasie|antagning)."""
        if p in _SHORT_HEADS:
            return True
        if len(p) < _MIN_PART or p in SV_STOPWORDS or p in _SV_STOP_STEMS:
            return False
        return self._head_freq(p) >= (1 if len(p) >= 6 else 2)

    def _head_freq(self, p: str) -> int:
        words = self._words
        f = words.get(p, 0)
        if len(p) >= 4:
            f = max(f, self._stems.get(p, 0))
            for e in _HEAD_ENDINGS:
                if p + e not in SV_STOPWORDS:
                    f = max(f, words.get(p + e, 0))
        return f

    def split_compound(self, w: str) -> tuple[str, ...]:
        """Split a folded Swedish compound into known parts (frånvaroanmälan → frånvaro, anmälan); () if none."""
        r = self._split_cache.get(w)
        if r is not None:
            return r
        r = ()
        if len(w) >= 2 * _MIN_PART and w.isalpha():
            found = self._split(w, 0)
            if found:
                score, parts = found
                # Koehn & Knight: keep a frequent word whole when its parts are rare (kontakta ≠ kon + takta)
                whole = self._words.get(w, 0)
                if not whole or score >= math.log(whole) - 0.5:
                    r = parts
        self._split_cache[w] = r
        return r

    def _split(self, w: str, depth: int) -> tuple[float, tuple[str, ...]] | None:
        best: tuple[float, tuple[str, ...]] | None = None
        n = len(w)
        for i in range(n - _MIN_PART, _MIN_PART - 1, -1):
            head, tail = w[:i], w[i:]
            if not self._final_ok(tail):
                continue
            heads = [head]
            if len(head) > 4 and head[-1] in _LINKERS:
                heads.append(head[:-1])
            for h in heads:
                if self._head_ok(h):
                    left: tuple[str, ...] = (h,)
                elif depth < 2 and len(h) >= 2 * _MIN_PART:
                    sub = self._split(h, depth + 1)
                    if not sub:
                        continue
                    left = sub[1]
                else:
                    continue
                parts = (*left, tail)
                # geometric mean of part frequencies, fewer parts preferred
                score = sum(math.log(max(self._freq(p), self._head_freq(p), 1)) for p in parts) / len(parts) - 0.5 * (len(parts) - 1)
                if best is None or score > best[0]:
                    best = (score, parts)
        return best

    def word_terms(self, w: str, language: str = "sv") -> tuple[tuple[str, float], ...]:
        """Index terms for one folded word: [(term, weight)], the normalised stem first."""
        key = (w, language)
        r = self._terms_cache.get(key)
        if r is not None:
            return r
        out: dict[str, float] = {}
        if "-" in w or "'" in w:
            joined = w.replace("-", "").replace("'", "")
            for t, wt in self.word_terms(joined, language):
                out[t] = max(out.get(t, 0), wt)
            if "-" in w:
                for p in w.split("-"):
                    if len(p) >= 2 and p not in SV_STOPWORDS:
                        for t, wt in self.word_terms(p, language):
                            out.setdefault(t, wt * 0.7)
        elif language == "en":
            out[en_stem(w)] = 1.0
        else:
            n = self.sv_norm(w)
            out[n] = 1.0
            # (the raw Snowball stem is not indexed: the query searches for both forms)
            parts = self.split_compound(w)
            for p in parts:
                if p in SV_STOPWORDS:
                    continue
                out.setdefault(self.sv_norm(p), self.PART_WEIGHT)
        r = tuple(out.items())
        self._terms_cache[key] = r
        return r

    # documents ---------------------------------------------------------------------------------------------
    def text_terms(self, text: str, language: str = "sv", boost: float = 1.0) -> Iterator[tuple[str, float]]:
        stop = EN_STOPWORDS if language == "en" else SV_STOPWORDS
        for raw in words(text):
            w = fold_word(raw)
            if w in stop or (len(w) < 2 and not w.isdigit()):
                continue
            for t, wt in self.word_terms(w, language):
                yield t, wt * boost

    def field_value(self, parts: Iterable[tuple[str, float]], language: str = "sv", *,
                    keep_stopwords: bool = False) -> str:
        """Pre-analysed field value for :class:`PreAnalyzedTokenizer`: each term once, ``term^weight`` with the
        summed weight of its occurrences (the field length Whoosh records is then the number of distinct terms).

        ``keep_stopwords`` adds function words as ``_word`` terms (used for titles: "Vad är …", "Hur …")."""
        acc: dict[str, float] = {}
        get = acc.get
        for text, boost in parts:
            # count the words first: each distinct word is analysed once per text
            for raw, n in Counter(words(text)).items():
                terms = self._raw_terms(raw, language)
                if terms is None:  # a function word
                    if keep_stopwords:
                        acc[STOP_PREFIX + fold_word(raw)] = boost
                    continue
                for t, wt in terms:
                    acc[t] = get(t, 0.0) + wt * boost * n
        return " ".join(t if wt == 1.0 else f"{t}^{wt:.3g}" for t, wt in acc.items())

    def _raw_terms(self, raw: str, language: str) -> tuple[tuple[str, float], ...] | None:
        """Index terms of a word as written; None for a function word, () for a word too short to index."""
        key = (raw, language)
        r = self._raw_cache.get(key, _MISSING)
        if r is _MISSING:
            w = fold_word(raw)
            stop = EN_STOPWORDS if language == "en" else SV_STOPWORDS
            if w in stop:
                r = None
            elif len(w) < 2 and not w.isdigit():
                r = ()
            else:
                r = self.word_terms(w, language)
            if len(self._raw_cache) > 300_000:
                self._raw_cache.clear()
            self._raw_cache[key] = r
        return r

    def highlight_terms(self, word: str, language: str = "sv") -> set[str]:
        """The terms a surface word produces (for highlighting)."""
        w = fold_word(word)
        return {t for t, _ in self.word_terms(w, language)}


class PreAnalyzedTokenizer(Tokenizer):
    """Whoosh tokenizer for values produced by :meth:`Analyzer.field_value`: space-separated ``term`` or
    ``term^boost``. Keeps the index schema free of state (the analysis happens in Python before indexing)."""

    def __eq__(self, other: object) -> bool:
        return other.__class__ is self.__class__

    def __hash__(self) -> int:
        return hash(self.__class__.__name__)

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for pos, item in enumerate(value.split()):
            if item[0] == "#":
                continue
            term, _, boost = item.partition("^")
            t.text = term
            t.boost = float(boost) if boost else 1.0
            t.stopped = False
            if keeporiginal:
                t.original = term
            if positions:
                t.pos = start_pos + pos
            if chars:
                t.startchar = start_char
                t.endchar = start_char + len(term)
            yield t

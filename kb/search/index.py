"""The knowledge-base search index (Whoosh), framework-free.

The web app, the CLI and the API call :class:`SearchIndex`. Visibility is enforced twice: the allowed documents
are computed from the index's own ``visibility``/``audiences`` postings and applied while collecting (so totals and
pagination never include hidden articles), and every returned hit is re-checked with
:meth:`VisibilityFilter.may_read` on its stored fields. No ``TimeLimitCollector`` and no numeric ranges are used.
"""

from __future__ import annotations

import hashlib
import heapq
import html
import json
import logging
import os
import re
import shutil
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import index as windex
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.scoring import BM25F
from whoosh.writing import CLEAR

from .analysis import Analyzer, Lexicon, PreAnalyzedTokenizer, markdown_to_text, tokenize, words
from .query import QueryPlan, QueryPlanner, Readable, sanitize
from .scoring import TermScorer, score_concepts
from .synonyms import Synonyms

log = logging.getLogger(__name__)

INDEX_NAME = "kb"
LEXICON_FILE = "search-lexicon.json"  # (not "kb_…": Whoosh removes unknown files with its prefix)
SCHEMA_VERSION = 3  # 3: no title-prefix field (type-ahead is the search itself)
META_FILE = "search-meta.json"

AUDIENCES = ("pedagogue", "guardian", "student", "administrator", "superuser", "support")

# words indexed for the metadata of an article, so that "förskola", "gymnasiet", "lärare", "skola24" … in a query
# find the articles written for that school form, group or system (in the article's language)
SCHOOL_FORM_WORDS = {
    "sv": {
        "preschool": "förskola förskolan",
        "compulsory": "grundskola grundskolan",
        "compulsory-adapted": "anpassad grundskola grundsärskola",
        "upper-secondary": "gymnasieskola gymnasiet gymnasium",
        "upper-secondary-adapted": "anpassad gymnasieskola gymnasiesärskola",
        "adult": "komvux vuxenutbildning",
        "adult-adapted": "komvux anpassad utbildning särvux",
        "sfi": "sfi svenska för invandrare",
        "vocational": "yrkeshögskola yh",
    },
    "en": {
        "preschool": "preschool nursery",
        "compulsory": "compulsory school primary",
        "compulsory-adapted": "adapted compulsory school",
        "upper-secondary": "upper secondary school high",
        "upper-secondary-adapted": "adapted upper secondary school",
        "adult": "adult education komvux",
        "adult-adapted": "adapted adult education",
        "sfi": "sfi swedish for immigrants",
        "vocational": "vocational higher education",
    },
}
AUDIENCE_WORDS = {
    "sv": {
        "guardian": "vårdnadshavare förälder",
        "student": "elev",
        "pedagogue": "pedagog lärare",
        "administrator": "administratör skoladministratör",
        "superuser": "superanvändare",
        "support": "servicedesk",
    },
    "en": {
        "guardian": "guardian parent",
        "student": "student pupil",
        "pedagogue": "teacher staff",
        "administrator": "administrator",
        "superuser": "superuser",
        "support": "service desk",
    },
}
SYSTEM_WORDS = {
    "login": "inloggning konto",
    "schedule": "schema skola24",
    "attendance": "frånvaro närvaro skola24",
    "documentation": "elevdokumentation pingpong",
    "assessment": "bedömning planering unikum",
    "teams": "teams office",
    "startpage": "startsida",
    "app": "app",
    "messages": "meddelanden notiser",
    "general": "",
}

# Three indexed text fields: "title"; "head" holds the summary, tags and metadata words (school forms, audiences,
# system) with per-token weights; "body" the article text.
HEAD_WEIGHTS = {"summary": 1.0, "tags": 1.2, "system": 0.4, "forms": 0.6, "audiences": 0.2}
FIELD_BOOSTS = {"title": 1.6, "head": 1.0, "body": 0.7}
# coverage: score × (share of the typed words the article matches) ** COVERAGE
COVERAGE = 1.5
# language preference: articles in the searcher's language ×LANGUAGE_PREFERENCE; an article in another language
# whose translation exists in the searcher's language ×TRANSLATED (the translation comes first); others ×1
LANGUAGE_PREFERENCE = 1.2
TRANSLATED = 0.5
OTHER_LANGUAGE = 0.8  # an article in another language without a translation (only for non-Swedish searchers)
# the asker's group: an article written for the asker's groups only ×(1 + AUDIENCE_PREFERENCE); one written for
# them and others in proportion (a guardian's "frånvaro" puts the guardians' article before the one for everybody)
AUDIENCE_PREFERENCE = 0.15
READABLE_CACHE = 100_000  # (visibility, term) answers kept per searcher
RANKING_CACHE = 2_000  # searches kept per searcher
RANKING_CACHE_HITS = 100  # ... when they ask for at most this many (score, document) pairs
SNIPPET_CACHE = 20_000  # snippets kept per searcher (~300 bytes each)


# ---------------------------------------------------------------------------------------------------------------
# Data objects


@dataclass
class ArticleDoc:
    id: str
    title: str
    summary: str
    body: str  # Markdown
    language: str = "sv"
    translation_of: str | None = None
    audiences: list[str] = field(default_factory=list)
    visibility: str = "public"  # 'public' | 'internal'
    school_forms: list[str] = field(default_factory=list)  # [] = every school form
    system: str = "general"
    tags: list[str] = field(default_factory=list)
    status: str = "published"

    def fingerprint(self) -> str:
        payload = json.dumps(
            [self.id, self.title, self.summary, self.body, self.language, self.translation_of,
             sorted(self.audiences), self.visibility, sorted(self.school_forms), self.system, list(self.tags),
             self.status],
            ensure_ascii=False,
        )
        return hashlib.sha1(payload.encode("utf-8")).hexdigest()[:16]  # noqa: S324 - a fingerprint


@dataclass(frozen=True)
class VisibilityFilter:
    """What a searcher may read.

    ``audiences``: public articles are readable when their audiences intersect this set (None: every public
    article). ``include_internal``: internal articles are readable at all; ``internal_audiences`` restricts them
    to those whose audiences intersect the set (None: every internal article).
    """

    audiences: frozenset[str] | None = None
    include_internal: bool = False
    internal_audiences: frozenset[str] | None = None
    include_public: bool = True

    @classmethod
    def everything(cls) -> VisibilityFilter:
        """Support agents and administrators: every article."""
        return cls(None, True, None)

    @classmethod
    def anonymous(cls) -> VisibilityFilter:
        """Not signed in: every public article."""
        return cls(None, False, None)

    @classmethod
    def nothing(cls) -> VisibilityFilter:
        return cls(frozenset(), False, None, include_public=False)

    def key(self) -> tuple:
        return (
            self.include_public,
            None if self.audiences is None else tuple(sorted(self.audiences)),
            self.include_internal,
            None if self.internal_audiences is None else tuple(sorted(self.internal_audiences)),
        )

    def may_read(self, doc: dict | ArticleDoc) -> bool:
        """Check one article's fields (a dict of stored fields or an :class:`ArticleDoc`)."""
        get = doc.get if isinstance(doc, dict) else (lambda k, d=None: getattr(doc, k, d))
        if (get("status", "published") or "published") != "published":
            return False
        auds = get("audiences") or []
        if isinstance(auds, str):
            auds = [a for a in re.split(r"[,\s]+", auds) if a]
        auds = set(auds)
        vis = get("visibility", "public")
        if vis == "public":
            if not self.include_public:
                return False
            return self.audiences is None or bool(auds & self.audiences)
        if vis == "internal":
            if not self.include_internal:
                return False
            return self.internal_audiences is None or bool(auds & self.internal_audiences)
        return False


@dataclass
class Hit:
    id: str
    title: str
    summary: str
    score: float
    snippet_html: str
    language: str
    system: str


@dataclass
class SearchResult:
    hits: list[Hit]
    total: int
    page: int
    per_page: int
    did_you_mean: str | None
    normalized_query: str
    language: str = "sv"  # detected language of the query

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page)) if self.per_page else 1


# ---------------------------------------------------------------------------------------------------------------
# Schema


def make_schema() -> Schema:
    pre = PreAnalyzedTokenizer()
    return Schema(
        id=ID(stored=True, unique=True),
        title=TEXT(analyzer=pre, phrase=False),
        head=TEXT(analyzer=pre, phrase=False),
        body=TEXT(analyzer=pre, phrase=False),
        language=ID(stored=True),
        visibility=ID(stored=True),
        status=ID(stored=True),
        system=ID(stored=True),
        audiences=KEYWORD(stored=True, commas=True),
        school_forms=KEYWORD(stored=True, commas=True),
        title_s=STORED(),
        summary_s=STORED(),
        text_s=STORED(),
        tags_s=STORED(),
        translation_of=ID(stored=True),
        fp=STORED(),
    )


def _count_words(counts: Counter[str], doc: ArticleDoc, text: str) -> None:
    """Word counts of an article for the vocabulary (title ×3, summary and tags ×2, body ×1)."""
    for part, weight in ((doc.title, 3), (doc.summary, 2), (" ".join(doc.tags), 2), (text, 1)):
        for w in words(part):
            counts[w] += weight


def _add_to_lexicon(lex: Lexicon, doc: ArticleDoc, text: str) -> None:
    counts: Counter[str] = Counter()
    _count_words(counts, doc, text)
    lex.add_counts(counts, "en" if doc.language == "en" else "sv")


# ---------------------------------------------------------------------------------------------------------------
# Per-searcher state


@dataclass(frozen=True)
class _Ranking:
    """What a search found before its hits are read: the first hits as (score, document number); None: nothing."""
    text: str
    language: str
    terms: frozenset[str]  # the query's terms that snippets mark
    total: int
    top: list[tuple[float, int]] | None
    did_you_mean: str | None


class _State:
    """An open searcher with everything derived from it (vocabulary, planner, docsets)."""

    def __init__(self, ix, lexicon: Lexicon, synonyms: Synonyms) -> None:
        self.searcher = ix.searcher(weighting=BM25F())
        self.reader = self.searcher.reader()
        self.analyzer = Analyzer(lexicon)
        terms: set[str] = set()
        for fname in FIELD_BOOSTS:
            if fname in self.reader.indexed_field_names():
                terms.update(self.reader.field_terms(fname))
        self.index_terms = frozenset(terms)
        self.planner = QueryPlanner(self.analyzer, synonyms, self.index_terms)
        self.scorer = TermScorer(self.searcher, FIELD_BOOSTS)
        self.checked = time.monotonic()
        self._docsets: dict[tuple, frozenset[int] | None] = {}
        self._lock = threading.Lock()
        # Whoosh's readers seek and read shared file objects: one reading thread at a time per searcher
        self.io_lock = threading.RLock()
        self.highlight_cache: dict[tuple[str, str], frozenset[str]] = {}
        # a hit's snippet for the query's terms: a searcher reads one index version, so it never goes stale
        self.snippets: dict[tuple[int, frozenset[str]], str] = {}
        self.shown: dict[int, dict] = {}
        # a search's ranked hits, for a search asked again (a popular question): the same searcher, the same answer
        self.rankings: dict[tuple, _Ranking] = {}
        self._translated: dict[str, frozenset[int]] | None = None
        self._audiences_of: dict[int, frozenset[str]] | None = None
        self._preferences: dict[frozenset[str], dict[int, float]] = {}
        self._readable: dict[tuple[tuple, str], bool] = {}

    def readable(self, allowed: VisibilityFilter) -> Readable:
        """A test for index terms: does the term occur in an article ``allowed`` may read?

        One posting list per term (the one a search reads anyway, from the scorer's cache), remembered per
        searcher; an archived article is deleted from the index, so its words fail the test at once."""
        visible = self.docset(allowed, None, None, None, None) or frozenset()
        key = allowed.key()
        cache = self._readable

        def readable(term: str) -> bool:
            found = cache.get((key, term))
            if found is None:
                with self.io_lock:
                    postings = self.scorer.combined(term, FIELD_BOOSTS)
                found = not visible.isdisjoint(postings)
                if len(cache) > READABLE_CACHE:
                    cache.clear()
                cache[(key, term)] = found
            return found

        return readable

    def translated_into(self, language: str) -> frozenset[int]:
        """Documents that have a translation (or an original) in ``language``."""
        if self._translated is None:
            lang_of: dict[int, str] = {}
            for lterm in self.reader.lexicon("language"):
                lang = lterm.decode("utf-8")
                for d in self._ids("language", lang):
                    lang_of[d] = lang
            groups: dict[str, set[int]] = {}
            for tterm in self.reader.lexicon("translation_of"):
                orig = tterm.decode("utf-8")
                if not orig:
                    continue
                members = self._ids("translation_of", orig)
                o = self.searcher.document_number(id=orig)
                if o is not None:
                    members.add(o)
                groups[orig] = members
            out: dict[str, set[int]] = {}
            for members in groups.values():
                langs = {lang_of.get(d, "sv") for d in members}
                for d in members:
                    for lang in langs:
                        if lang != lang_of.get(d, "sv"):
                            out.setdefault(lang, set()).add(d)
            self._translated = {k: frozenset(v) for k, v in out.items()}
        return self._translated.get(language, frozenset())

    def audience_preference(self, groups: frozenset[str] | None) -> dict[int, float]:
        """{document: ranking factor} for an asker in ``groups``: the share of the article's audiences that are
        the asker's (None or empty: no preference)."""
        if not groups:
            return {}
        with self._lock:
            known = self._preferences.get(groups)
        if known is not None:
            return known
        if self._audiences_of is None:
            found: dict[int, set[str]] = {}
            for aterm in self.reader.lexicon("audiences"):
                audience = aterm.decode("utf-8")
                for d in self._ids("audiences", audience):
                    found.setdefault(d, set()).add(audience)
            self._audiences_of = {d: frozenset(a) for d, a in found.items()}
        known = {d: 1.0 + AUDIENCE_PREFERENCE * len(auds & groups) / len(auds)
                 for d, auds in self._audiences_of.items() if auds & groups}
        with self._lock:
            if len(self._preferences) > 64:
                self._preferences.clear()
            self._preferences[groups] = known
        return known

    def shown_fields(self, docnum: int) -> dict:
        """The stored fields a hit shows (all but the article's text), read once per searcher."""
        found = self.shown.get(docnum)
        if found is None:
            with self.io_lock:
                found = {name: value for name, value in self.searcher.stored_fields(docnum).items()
                         if name != "text_s"}
            if len(self.shown) >= SNIPPET_CACHE:
                self.shown.clear()
            self.shown[docnum] = found
        return found

    def snippet(self, docnum: int, fields: dict, terms: frozenset[str]) -> str:
        """The hit's snippet for ``terms`` (see :func:`make_snippet`), made once per searcher: a popular search
        shows the same hits again and again."""
        key = (docnum, terms)
        found = self.snippets.get(key)
        if found is None:
            with self.io_lock:  # the analyser's caches too are one thread's at a time
                found = make_snippet(self.searcher.stored_fields(docnum).get("text_s", ""), fields.get("summary_s", ""),
                                     terms, self, fields.get("language", "sv"))
            if len(self.snippets) >= SNIPPET_CACHE:
                self.snippets.clear()
            self.snippets[key] = found
        return found

    def close(self) -> None:
        try:
            self.searcher.close()
        except Exception:  # noqa: BLE001 - closing is best effort
            log.debug("closing searcher failed", exc_info=True)

    def _ids(self, fieldname: str, value: str) -> set[int]:
        try:
            btext = value.encode("utf-8") if isinstance(value, str) else value
            if (fieldname, btext) not in self.reader:
                return set()
            return set(self.reader.postings(fieldname, btext).all_ids())
        except Exception:  # noqa: BLE001 - a missing term is an empty set
            return set()

    def docset(self, allowed: VisibilityFilter, language: str | None, school_form: str | None,
               system: str | None, audience: str | None) -> frozenset[int] | None:
        """Document numbers the searcher may see (after the optional filters); None = every document."""
        key = (allowed.key(), language, school_form, system, audience)
        with self._lock:
            if key in self._docsets:
                return self._docsets[key]
        ids: set[int] | None = None
        published = self._ids("status", "published")
        if allowed.key() != VisibilityFilter.everything().key():
            vis: set[int] = set()
            if allowed.include_public:
                pub = self._ids("visibility", "public")
                if allowed.audiences is not None:
                    aud: set[int] = set()
                    for a in allowed.audiences:
                        aud |= self._ids("audiences", a)
                    pub &= aud
                vis |= pub
            if allowed.include_internal:
                internal = self._ids("visibility", "internal")
                if allowed.internal_audiences is not None:
                    aud = set()
                    for a in allowed.internal_audiences:
                        aud |= self._ids("audiences", a)
                    internal &= aud
                vis |= internal
            ids = vis
        if language:
            s = self._ids("language", language)
            ids = s if ids is None else ids & s
        if school_form:
            everywhere = set(self.reader.all_doc_ids()) - self._all_with("school_forms")
            s = self._ids("school_forms", school_form) | everywhere
            ids = s if ids is None else ids & s
        if system:
            s = self._ids("system", system)
            ids = s if ids is None else ids & s
        if audience:
            s = self._ids("audiences", audience)
            ids = s if ids is None else ids & s
        # deleted documents are skipped by the matchers; unpublished ones are never indexed, but be safe
        ids = published if ids is None else ids & published
        result = frozenset(ids)
        with self._lock:
            if len(self._docsets) > 256:
                self._docsets.clear()
            self._docsets[key] = result
        return result

    def _all_with(self, fieldname: str) -> set[int]:
        out: set[int] = set()
        for term in self.reader.lexicon(fieldname):
            out |= set(self.reader.postings(fieldname, term).all_ids())
        return out


# ---------------------------------------------------------------------------------------------------------------
# The index


class IndexOutdated(RuntimeError):
    """The index on disk was built with another schema version; rebuild it."""


class SearchIndex:
    """A Whoosh index of knowledge-base articles in ``index_dir``.

    Reading never destroys anything: a missing index is created empty, an index with an outdated schema gives
    empty results (and a warning in the log) until :meth:`rebuild` runs.
    """

    REFRESH_INTERVAL = 1.0  # seconds between checks whether another process changed the index

    def __init__(self, index_dir: str | Path, synonyms: Synonyms | None = None) -> None:
        self.index_dir = Path(index_dir)
        self.synonyms = synonyms if synonyms is not None else Synonyms.default()
        self._ix = None
        self._state: _State | None = None
        self._lock = threading.RLock()

    # lifecycle ---------------------------------------------------------------------------------------------
    def exists(self) -> bool:
        """True when an index with the current schema is present (an outdated one counts as missing)."""
        if not (self.index_dir.is_dir() and windex.exists_in(str(self.index_dir), indexname=INDEX_NAME)):
            return False
        try:
            meta = json.loads((self.index_dir / META_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return meta.get("schema") == SCHEMA_VERSION

    def create(self) -> None:
        """Create an empty index with the schema (replaces an existing one)."""
        with self._lock:
            self._close()
            self.index_dir.mkdir(parents=True, exist_ok=True)
            windex.create_in(str(self.index_dir), make_schema(), indexname=INDEX_NAME)
            self._save_lexicon(self._base_lexicon())
            (self.index_dir / META_FILE).write_text(json.dumps({"schema": SCHEMA_VERSION}), encoding="utf-8")

    def set_synonyms(self, synonyms: Synonyms) -> None:
        """Use another synonym list (e.g. the editor's list from the database); takes effect at once."""
        with self._lock:
            self.synonyms = synonyms
            self._drop_state()

    def close(self) -> None:
        with self._lock:
            self._close()

    def _close(self) -> None:
        if self._state is not None:
            with self._state.io_lock:
                self._state.close()
        self._drop_state()
        if self._ix is not None:
            self._ix.close()
            self._ix = None

    def _drop_state(self) -> None:
        # not closed here: another thread may still be searching with it (its files close when it is freed)
        self._state = None

    def _index(self, *, writing: bool = False):
        if self._ix is None:
            if not self.exists():
                if writing or not windex.exists_in(str(self.index_dir), indexname=INDEX_NAME):
                    self.create()
                else:
                    raise IndexOutdated(f"the search index in {self.index_dir} has an old schema: rebuild it")
            self._ix = windex.open_dir(str(self.index_dir), indexname=INDEX_NAME)
        return self._ix

    # vocabulary ----------------------------------------------------------------------------------------------
    def _base_lexicon(self) -> Lexicon:
        lex = Lexicon()
        for phrase in self.synonyms.words():
            lex.add_text(phrase, "sv", 1)
        return lex

    def _lexicon_path(self) -> Path:
        return self.index_dir / LEXICON_FILE

    def _load_lexicon(self) -> Lexicon:
        try:
            lex = Lexicon.from_json(self._lexicon_path().read_text(encoding="utf-8"))
        except (OSError, ValueError):
            lex = Lexicon()
        lex.merge(self._base_lexicon())
        return lex

    def _save_lexicon(self, lex: Lexicon) -> None:
        path = self._lexicon_path()
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(lex.to_json(), encoding="utf-8")
        os.replace(tmp, path)

    # writing -------------------------------------------------------------------------------------------------
    def _fields(self, doc: ArticleDoc, analyzer: Analyzer, text: str | None = None) -> dict:
        lang = (doc.language or "sv").lower()
        alang = "en" if lang == "en" else "sv"
        if text is None:
            text = markdown_to_text(doc.body)
        words_lang = "en" if lang == "en" else "sv"
        forms = " ".join(SCHOOL_FORM_WORDS[words_lang].get(f, "") for f in doc.school_forms)
        auds = " ".join(AUDIENCE_WORDS[words_lang].get(a, "") for a in doc.audiences)
        system_words = SYSTEM_WORDS.get(doc.system, "")
        hw = HEAD_WEIGHTS
        head = analyzer.field_value(
            [(doc.summary, hw["summary"]), (" ".join(doc.tags), hw["tags"]),
             (system_words, hw["system"]), (forms, hw["forms"]), (auds, hw["audiences"])], alang)
        if alang == "en":
            # Swedish names of school forms etc. also for English articles (people mix languages)
            forms_sv = " ".join(SCHOOL_FORM_WORDS["sv"].get(f, "") for f in doc.school_forms)
            head += " " + analyzer.field_value([(forms_sv, hw["forms"] * 0.5)], "sv")
        return {
            "id": doc.id,
            "title": analyzer.field_value([(doc.title, 1.0)], alang, keep_stopwords=True),
            "head": head,
            "body": analyzer.field_value([(text, 1.0)], alang),
            "language": lang,
            "visibility": doc.visibility,
            "status": doc.status,
            "system": doc.system or "general",
            "audiences": ",".join(doc.audiences),
            "school_forms": ",".join(doc.school_forms),
            "title_s": doc.title,
            "summary_s": doc.summary,
            "text_s": text[:20000],
            "tags_s": list(doc.tags),
            **({"translation_of": doc.translation_of} if doc.translation_of else {}),
            "fp": doc.fingerprint(),
        }

    def rebuild(self, docs: Iterable[ArticleDoc], progress: Callable[[int], None] | None = None) -> int:
        """Replace the whole index with ``docs`` (only published ones are indexed). Returns the count.

        Readers keep seeing the old index until the new one is committed (one atomic table-of-contents switch).
        """
        docs = [d for d in docs if (d.status or "published") == "published"]
        texts = [markdown_to_text(d.body) for d in docs]
        lex = self._base_lexicon()
        per_language: dict[str, Counter[str]] = {"sv": Counter(), "en": Counter()}
        for d, text in zip(docs, texts, strict=True):
            _count_words(per_language["en" if d.language == "en" else "sv"], d, text)
        for lang, counts in per_language.items():
            lex.add_counts(counts, lang)
        analyzer = Analyzer(lex)
        with self._lock:
            if not self.exists():
                self.create()
            ix = self._index(writing=True)
            writer = ix.writer(timeout=30.0, limitmb=256)
            try:
                for n, (d, text) in enumerate(zip(docs, texts, strict=True), start=1):
                    writer.add_document(**self._fields(d, analyzer, text))
                    if progress and (n % 50 == 0 or n == len(docs)):
                        progress(n)
                writer.commit(mergetype=CLEAR, optimize=True)
            except BaseException:
                writer.cancel()
                raise
            self._save_lexicon(lex)
            self._drop_state()
        if progress and not docs:
            progress(0)
        return len(docs)

    def upsert(self, doc: ArticleDoc) -> None:
        """Add or replace one article (an unpublished article is removed from the index)."""
        self.write([doc], [])

    def delete(self, article_id: str) -> None:
        self.write([], [article_id])

    def write(self, docs: list[ArticleDoc], removed: list[str]) -> None:
        """Add or replace `docs` and remove the articles `removed` in one index commit (an unpublished doc is
        removed): a change of several articles costs one segment and one lexicon save, not one per article."""
        published = [doc for doc in docs if (doc.status or "published") == "published"]
        removed = [*removed, *(doc.id for doc in docs if (doc.status or "published") != "published")]
        with self._lock:
            ix = self._index(writing=True)
            analyzer, texts = None, [markdown_to_text(doc.body) for doc in published]
            if published:
                lex = self._load_lexicon()
                for doc, text in zip(published, texts, strict=True):
                    _add_to_lexicon(lex, doc, text)
                analyzer = Analyzer(lex)
            writer = ix.writer(timeout=30.0)
            try:
                for article_id in removed:
                    writer.delete_by_term("id", article_id)
                for doc, text in zip(published, texts, strict=True):
                    writer.update_document(**self._fields(doc, analyzer, text))
                writer.commit()
            except BaseException:
                writer.cancel()
                raise
            if published:
                self._save_lexicon(lex)
            self._drop_state()

    def ids(self) -> dict[str, str]:
        """Every indexed article id with its content fingerprint (compare with ArticleDoc.fingerprint()).

        An index with an outdated schema reports nothing (so a check sees every article as missing)."""
        try:
            st = self._current()
        except IndexOutdated:
            return {}
        out = {}
        with st.io_lock:
            stored = list(st.reader.all_stored_fields())
        for fields in stored:
            out[fields["id"]] = fields.get("fp", "")
        return out

    def destroy(self) -> None:
        """Remove the index directory."""
        with self._lock:
            self._close()
            shutil.rmtree(self.index_dir, ignore_errors=True)

    # reading -------------------------------------------------------------------------------------------------
    def _current(self) -> _State:
        with self._lock:
            st = self._state
            now = time.monotonic()
            if st is not None and now - st.checked > self.REFRESH_INTERVAL:
                st.checked = now
                try:
                    fresh = st.searcher.up_to_date()
                except Exception:  # noqa: BLE001 - treat as stale
                    fresh = False
                if not fresh:
                    self._drop_state()
                    st = None
            if st is None:
                ix = self._index()
                st = _State(ix, self._load_lexicon(), self.synonyms)
                self._state = st
            return st

    def needs_rebuild(self) -> bool:
        """True when there is no index with the current schema (run :meth:`rebuild`)."""
        return not self.exists()

    def plan(self, query: str) -> QueryPlan:
        """The analysed query (for debugging and the "Menade du" link)."""
        return self._current().planner.plan(query)

    def search(self, query: str, *, allowed: VisibilityFilter, language: str | None = None,
               school_form: str | None = None, system: str | None = None, audience: str | None = None,
               page: int = 1, per_page: int = 10, highlight: bool = True,
               prefer_language: str | None = None, prefer_audiences: frozenset[str] | None = None,
               suggest_spelling: bool = True) -> SearchResult:
        """Search the published articles that ``allowed`` may read.

        ``language``/``school_form``/``system``/``audience`` are strict filters (a school-form filter keeps
        articles for every school form). Articles in ``prefer_language`` (default: the detected language of the
        query) come first, then the others; articles written for ``prefer_audiences`` (default: the groups
        ``allowed`` reads for) rank a little higher. A partly typed last word is searched as the words it begins.
        """
        try:
            page = max(1, int(page))
        except (TypeError, ValueError):
            page = 1
        try:
            per_page = min(100, max(1, int(per_page)))
        except (TypeError, ValueError):
            per_page = 10
        page = min(page, 1000)
        if not isinstance(allowed, VisibilityFilter):
            raise TypeError("allowed must be a VisibilityFilter")
        try:
            st = self._current()
        except IndexOutdated as exc:
            log.warning("search: %s", exc)
            return SearchResult([], 0, page, per_page, None, sanitize(query))
        key = (query, allowed.key(), language, school_form, system, audience, page * per_page, prefer_language,
               frozenset(prefer_audiences) if prefer_audiences is not None else None, suggest_spelling)
        ranking = st.rankings.get(key)
        if ranking is None:
            with st.io_lock:
                ranking = self._rank(st, query, allowed, language, school_form, system, audience, page * per_page,
                                     prefer_language, prefer_audiences, suggest_spelling)
            if page * per_page <= RANKING_CACHE_HITS:  # the first pages: what people ask again
                if len(st.rankings) >= RANKING_CACHE:
                    st.rankings.clear()
                st.rankings[key] = ranking
        if ranking.top is None:
            return SearchResult([], 0, page, per_page, None, ranking.text, ranking.language)
        total = ranking.total
        start = (page - 1) * per_page
        hits: list[Hit] = []
        terms = ranking.terms if highlight else frozenset()
        for score, docnum in ranking.top[start:start + per_page]:
            fields = st.shown_fields(docnum)
            if not allowed.may_read(_as_doc_fields(fields)):
                # the index filter and the policy disagree: never show it
                log.warning("search: hit %s failed the visibility re-check", fields.get("id"))
                total -= 1
                continue
            lang = fields.get("language", "sv")
            snippet = st.snippet(docnum, fields, terms) if highlight else html.escape(fields.get("summary_s", ""))
            hits.append(Hit(fields["id"], fields.get("title_s", ""), fields.get("summary_s", ""), round(score, 4),
                            snippet, lang, fields.get("system", "")))
        return SearchResult(hits, max(total, 0), page, per_page, ranking.did_you_mean, ranking.text,
                            ranking.language)

    def _rank(self, st: _State, query: str, allowed: VisibilityFilter, language: str | None,
              school_form: str | None, system: str | None, audience: str | None, want: int,
              prefer_language: str | None, prefer_audiences: frozenset[str] | None,
              suggest_spelling: bool) -> _Ranking:
        """The first ``want`` hits of a search as (score, document number), before the hits are read."""
        # known words and spelling corrections come only from articles this searcher may read
        readable = st.readable(allowed)
        plan = st.planner.plan(query, readable)
        empty = _Ranking(plan.text, plan.language, frozenset(), 0, None, None)
        if plan.empty:
            return empty
        docset = st.docset(allowed, language, school_form, system, audience)
        if docset is not None and not docset:
            return empty
        pref = (prefer_language or plan.language or "sv").lower()
        lang_ids = st.docset(VisibilityFilter.everything(), pref, None, None, None) or frozenset()
        translated = st.translated_into(pref)
        groups = prefer_audiences if prefer_audiences is not None else (
            allowed.audiences or (frozenset({audience}) if audience else None))
        preference = st.audience_preference(frozenset(groups) if groups else None)
        total, top = self._collect(st, plan, docset, lang_ids, translated, want, pref, preference)
        did_you_mean = self._worth_suggesting(st, plan, docset, readable) if suggest_spelling else None
        return _Ranking(plan.text, plan.language, frozenset(plan.highlight_terms()), total, top, did_you_mean)

    @staticmethod
    def _worth_suggesting(st: _State, plan: QueryPlan, docset: frozenset[int] | None,
                          readable: Readable) -> str | None:
        """The corrected query, when it finds more than the words as typed or better (more articles with every word,
        or the same ones ranked higher), among the articles of this search; else None."""
        if not plan.did_you_mean:
            return None
        typed = st.planner.plan(plan.text, readable, correct=False)
        corrected = st.planner.plan(plan.did_you_mean, readable, correct=False)
        return plan.did_you_mean if _reach(st, corrected, docset) > _reach(st, typed, docset) else None

    @staticmethod
    def _collect(st: _State, plan: QueryPlan, docset: frozenset[int] | None, lang_ids: frozenset[int],
                 translated: frozenset[int], want: int, plan_language: str = "sv",
                 preference: dict[int, float] | None = None) -> tuple[int, list[tuple[float, int]]]:
        scores, covered, weight_sum = _score_plan(st, plan)
        # only what the searcher may see (a C-level set intersection, then one pass)
        cand = scores.keys() if docset is None else scores.keys() & docset
        total = len(cand)
        if not total:
            return 0, []
        # coverage factor: documents that match more of the typed words come first
        factors = {c: (min(1.0, c / weight_sum) ** COVERAGE) if weight_sum else 1.0
                   for c in {*covered.values(), 0.0}}
        cget = covered.get
        final = {d: scores[d] * factors[cget(d, 0.0)] for d in cand}
        # language: the searcher's language first, then the others (a translated article after its translation)
        for d in lang_ids & final.keys():
            final[d] *= LANGUAGE_PREFERENCE
        for d in (translated - lang_ids) & final.keys():
            final[d] *= TRANSLATED
        if plan_language != "sv" and OTHER_LANGUAGE != 1.0:
            # Swedish is the language every article exists in: only other searchers push untranslated ones down
            for d in final.keys() - lang_ids - translated:
                final[d] *= OTHER_LANGUAGE
        for d in (preference or {}).keys() & final.keys():
            final[d] *= preference[d]
        top = heapq.nlargest(want, ((sc, -d) for d, sc in final.items()))
        return total, [(sc, -nd) for sc, nd in top]

    def suggest_titles(self, typed: str, *, allowed: VisibilityFilter, limit: int = 8, **filters) -> list[tuple[str, str]]:
        """Titles for the search box as someone types: the first hits of the search itself with the same
        ``filters`` (the last word completed as a prefix), so that Enter finds every title offered, in order."""
        if len(sanitize(typed)) < 2:
            return []
        result = self.search(typed, allowed=allowed, per_page=limit, highlight=False, suggest_spelling=False,
                             **filters)
        return [(h.id, h.title) for h in result.hits]


def _score_plan(st: _State, plan: QueryPlan) -> tuple[dict[int, float], dict[int, float], float]:
    """(score per document, matched word weight per document, weight of all the typed words) of a plan."""
    concepts = []
    weight_sum = 0.0
    for c in plan.concepts:
        alts = list(c.variants.items())
        if alts:
            concepts.append((alts, c.weight, c.covers if c.optional else c.weight, c.fields))
            if not c.optional:
                weight_sum += c.weight
    scores, covered = score_concepts(st.scorer, concepts, FIELD_BOOSTS)
    return scores, covered, weight_sum


def _reach(st: _State, plan: QueryPlan, docset: frozenset[int] | None) -> tuple[int, int, float]:
    """What a plan finds among ``docset``: (articles matching every typed word, articles matched, best score)."""
    scores, covered, weight_sum = _score_plan(st, plan)
    found = scores.keys() if docset is None else scores.keys() & docset
    complete = sum(1 for d in found if covered.get(d, 0.0) >= weight_sum - 1e-9)
    return complete, len(found), round(max((scores[d] for d in found), default=0.0), 6)


def _as_doc_fields(fields: dict) -> dict:
    return {
        "status": fields.get("status", "published"),
        "visibility": fields.get("visibility", "public"),
        "audiences": [a for a in (fields.get("audiences") or "").split(",") if a]
        if isinstance(fields.get("audiences"), str) else fields.get("audiences") or [],
    }


# ---------------------------------------------------------------------------------------------------------------
# Snippets

_SENTENCE_RE = re.compile(r"[^\n.!?]+[.!?]?")
SNIPPET_CHARS = 220
SNIPPET_SCAN = 4000  # characters of the article searched for the best passage


def make_snippet(text: str, summary: str, terms: set[str], st: _State | None, language: str = "sv") -> str:
    """The best passage of the article for the query, HTML-escaped, with matched words in <mark>."""
    if not terms or st is None:
        return html.escape(_shorten(summary or text, SNIPPET_CHARS))
    cache = st.highlight_cache
    analyzer = st.analyzer

    local: dict[str, frozenset[str]] = {}

    def hits_of(word: str) -> frozenset[str]:
        r = local.get(word)
        if r is None:
            key = (word, language)
            wt = cache.get(key)  # the word's own terms, shared by all queries
            if wt is None:
                wt = frozenset(analyzer.highlight_terms(word, language))
                if len(cache) > 50000:
                    cache.clear()
                cache[key] = wt
            r = local[word] = wt & terms
        return r

    best: tuple[float, int, int] | None = None
    want = len(terms)
    scanned = text[:SNIPPET_SCAN]
    # the distinct words of the passage are tested once; a sentence is then a set look-up per word
    hitting = {w for w in set(words(scanned)) if hits_of(w)}
    if hitting:
        for m in _SENTENCE_RE.finditer(scanned):
            matched = [w for w in words(m.group()) if w in hitting]
            if matched:
                found = set().union(*map(local.__getitem__, matched))
                sc = len(found) + 0.1 * min(len(matched), 5) - 0.0001 * m.start()
                if best is None or sc > best[0]:
                    best = (sc, m.start(), m.end())
                    if len(found) >= want:
                        break
    if best is None:
        source = summary or text
        return _mark(_shorten(source, SNIPPET_CHARS), hits_of)
    _sc, s, e = best
    seg = text[s:e].strip()
    if len(seg) > SNIPPET_CHARS:
        # centre on the first match
        first = next((t.start for t in tokenize(seg) if hits_of(t.text)), 0)
        lo = max(0, first - 60)
        seg = ("… " if lo else "") + seg[lo:lo + SNIPPET_CHARS].rsplit(" ", 1)[0] + " …"
    elif len(seg) < 80:
        # a short line: add the next one for context
        nxt = text[e:e + SNIPPET_CHARS - len(seg)].strip()
        if nxt:
            seg = seg + " " + _shorten(nxt, SNIPPET_CHARS - len(seg))
    return _mark(seg, hits_of)


def _shorten(text: str, n: int) -> str:
    text = " ".join((text or "").split())
    if len(text) <= n:
        return text
    return text[:n].rsplit(" ", 1)[0] + " …"


def _mark(text: str, hits_of: Callable[[str], frozenset[str]]) -> str:
    out = []
    pos = 0
    for tok in tokenize(text):
        if hits_of(tok.text):
            out.append(html.escape(text[pos:tok.start]))
            out.append("<mark>" + html.escape(tok.text) + "</mark>")
            pos = tok.end
    out.append(html.escape(text[pos:]))
    return "".join(out)

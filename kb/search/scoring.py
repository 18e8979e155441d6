"""Term-at-a-time BM25 scoring over Whoosh postings.

The query plan of :mod:`kb.search.query` has several alternative terms per word (stem, inflection, compound
parts, synonyms, spelling corrections). Scoring them with a tree of Whoosh matchers visits every posting through
several layers of Python objects; here each posting list is read block by block and scored in a tight loop:

* per term and field: BM25 (idf from the whole index, per-field length normalisation);
* per *concept* (one typed word): the best of its alternatives plus a small share of the others (DisMax);
* per document: the sum of its concepts (the caller multiplies it by a coverage factor, so that documents
  matching more of the typed words rank first, and by the language preference).

Scored posting lists are cached per searcher (an index change gives a new searcher and an empty cache).
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Iterable

from whoosh.matching import ListMatcher
from whoosh.matching.wrappers import FilterMatcher

try:  # the block-reading fast path (whoosh-reloaded 2.7.x codec); the generic path works without it
    from whoosh.codec.whoosh3 import W3LeafMatcher
except ImportError:  # pragma: no cover
    W3LeafMatcher = None  # type: ignore[assignment,misc]

K1 = 1.2
FIELD_B = {"title": 0.5, "head": 0.5, "body": 0.75}
TIEBREAK = 0.15  # share of the non-best alternatives of a concept
CACHE_TERMS = 4096
PRUNE_MIN_DOCS = 2000


class FieldStats:
    """Per-field length normalisation for every document of a searcher."""

    def __init__(self, searcher, fieldname: str, b: float) -> None:
        n = searcher.doc_count_all()
        avg = searcher.avg_field_length(fieldname) or 1.0
        norms = [K1] * n
        for sub, offset in _leaves(searcher):
            reader = sub.reader()
            for local in range(reader.doc_count_all()):
                dl = reader.doc_field_length(local, fieldname, 0) or 0
                norms[offset + local] = K1 * ((1.0 - b) + b * dl / avg)
        self.norms = norms


def _leaves(searcher) -> list[tuple[object, int]]:
    subs = searcher.leaf_searchers()
    return list(subs) if subs else [(searcher, 0)]


def _blocks(m) -> Iterable[tuple[list[int], list[float]]]:
    """(ids, weights) arrays of a posting list, block by block."""
    if isinstance(m, FilterMatcher):
        # deleted documents: the caller's document set excludes them
        m = m.child
    if W3LeafMatcher is not None and isinstance(m, W3LeafMatcher) and hasattr(m, "_read_ids"):
        while m.is_active():
            if m._ids is None:
                m._read_ids()
            if m._weights is None:
                m._read_weights()
            i = m._i
            ids, ws = m._ids, m._weights
            yield (ids[i:], ws[i:]) if i else (ids, ws)
            m._next_block()
        return
    if isinstance(m, ListMatcher) and hasattr(m, "_ids") and not getattr(m, "_i", 0):
        ids = list(m._ids)
        ws = list(m._weights) if getattr(m, "_weights", None) is not None else [m.weight() for _ in ids]
        if len(ws) == len(ids):
            yield ids, ws
            return
    ids, ws = [], []
    while m.is_active():
        ids.append(m.id())
        ws.append(m.weight())
        m.next()
    yield ids, ws


class TermScorer:
    """Scores terms against one searcher; caches the scored posting lists."""

    def __init__(self, searcher, fields: Iterable[str]) -> None:
        self.searcher = searcher
        self.n = max(1, searcher.doc_count_all())
        self.stats = {f: FieldStats(searcher, f, FIELD_B.get(f, 0.75)) for f in fields}
        self._cache: OrderedDict[tuple[str, str], dict[int, float]] = OrderedDict()
        self._lock = threading.Lock()
        self._schema = searcher.schema

    def combined(self, term: str, field_boosts: dict[str, float]) -> dict[int, float]:
        """{docnum: sum over fields of boost × BM25} for one term (cached; do not modify the result)."""
        key = ("\x00" + ",".join(f"{f}={b}" for f, b in field_boosts.items()), term)
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        out: dict[int, float] = {}
        for f, fb in field_boosts.items():
            p = self.postings(f, term)
            if not p:
                continue
            if not out:
                out = {d: s * fb for d, s in p.items()}
            else:
                get = out.get
                out.update({d: get(d, 0.0) + s * fb for d, s in p.items()})
        with self._lock:
            self._cache[key] = out
            if len(self._cache) > CACHE_TERMS:
                self._cache.popitem(last=False)
        return out

    def doc_frequency(self, fieldname: str, term: str) -> int:
        try:
            return self.searcher.doc_frequency(fieldname, term)
        except Exception:  # noqa: BLE001 - unknown term
            return 0

    def postings(self, fieldname: str, term: str) -> dict[int, float]:
        """{docnum: BM25 score} for one term in one field (no boost)."""
        key = (fieldname, term)
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        out = self._compute(fieldname, term)
        with self._lock:
            self._cache[key] = out
            if len(self._cache) > CACHE_TERMS:
                self._cache.popitem(last=False)
        return out

    def _compute(self, fieldname: str, term: str) -> dict[int, float]:
        try:
            btext = self._schema[fieldname].to_bytes(term)
        except (KeyError, ValueError):
            return {}
        df = self.doc_frequency(fieldname, btext)
        if not df:
            return {}
        idf = math.log(self.n / (df + 1)) + 1.0
        k1p = idf * (K1 + 1.0)
        norms = self.stats[fieldname].norms
        out: dict[int, float] = {}
        for sub, offset in _leaves(self.searcher):
            reader = sub.reader()
            if (fieldname, btext) not in reader:
                continue
            m = reader.postings(fieldname, btext)
            for ids, ws in _blocks(m):
                if offset:
                    out.update({d + offset: k1p * w / (w + norms[d + offset]) for d, w in zip(ids, ws, strict=False)})
                else:
                    out.update({d: k1p * w / (w + norms[d]) for d, w in zip(ids, ws, strict=False)})
        return out


def _term_scores(scorer: TermScorer, term: str, w: float, field_boosts: dict[str, float],
                 max_df: float) -> dict[int, float] | None:
    """One term over all fields: {doc: sum of the boosted field scores} (unweighted; shared with the cache)."""
    v = scorer.combined(term, field_boosts)
    if not v:
        return None
    if w < 1.0 and len(v) > max_df:
        # a weak alternative that is everywhere adds nothing but time
        return None
    return v


def score_concepts(scorer: TermScorer,
                   concepts: list[tuple[list[tuple[tuple[str, ...], float]], float, float, tuple[str, ...] | None]],
                   field_boosts: dict[str, float], max_df_ratio: float = 0.4
                   ) -> tuple[dict[int, float], dict[int, float]]:
    """Score a plan: ``concepts`` = [(alternatives [(terms, weight)], concept weight, the weight of typed words a
    match answers (for coverage; 0: none), fields or None for all)].

    An alternative with several terms (a phrase, the parts of a compound) matches only documents that contain
    all of them, with the mean of their scores. Returns (score per document, matched concept weight per document).
    """
    total: dict[int, float] = {}
    covered: dict[int, float] = {}
    # skipping weak alternatives that occur everywhere is a speed measure for large indexes only
    max_df = max_df_ratio * scorer.n if scorer.n >= PRUNE_MIN_DOCS else float("inf")
    for alts, cweight, answers, only in concepts:
        boosts = field_boosts if not only else {f: b for f, b in field_boosts.items() if f in only}
        vs: list[tuple[dict[int, float], float]] = []  # (scores, weight): never modify the dicts
        for terms, w in alts:
            if len(terms) == 1:
                v = _term_scores(scorer, terms[0], w, boosts, max_df)
                if v:
                    vs.append((v, w))
                continue
            parts = [_term_scores(scorer, t, w, boosts, max_df) for t in terms]
            if not all(parts):
                continue
            parts.sort(key=len)
            v = parts[0]
            for other in parts[1:]:
                v = {d: s + other[d] for d, s in v.items() if d in other}
            vs.append((v, w / len(terms)))
        if not vs:
            continue
        tget = total.get
        if len(vs) == 1:
            best, f = vs[0]
            f *= cweight
            if not total:
                total = {d: s * f for d, s in best.items()}
            else:
                total.update({d: tget(d, 0.0) + s * f for d, s in best.items()})
        else:
            # DisMax with tie-break: (1 - T) × best alternative + T × sum of the alternatives
            vs.sort(key=lambda x: len(x[0]), reverse=True)
            v0, w0 = vs[0]
            mx = {d: s * w0 for d, s in v0.items()}
            sm = dict(mx)
            for v, w in vs[1:]:
                mget, sget = mx.get, sm.get
                mx.update({d: s * w for d, s in v.items() if s * w > mget(d, 0.0)})
                sm.update({d: sget(d, 0.0) + s * w for d, s in v.items()})
            t1, t = (1.0 - TIEBREAK) * cweight, TIEBREAK * cweight
            best = mx
            total.update({d: tget(d, 0.0) + t1 * s + t * sm[d] for d, s in mx.items()})
        if answers:
            cget = covered.get
            covered.update({d: cget(d, 0.0) + answers for d in best})
    return total, covered

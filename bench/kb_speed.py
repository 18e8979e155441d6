"""Speed benchmark for the knowledge-base search.

Builds a synthetic corpus of N articles (default 10,000) from the vocabulary and sentences of the real corpus
(varied audiences, visibility, school forms and languages), prints the index build time, then the search latency
(p50/p95/max) over Q realistic queries (default 1,000; words from titles, tags and bodies, with missing å/ä/ö,
typos and question phrasing; every query with an audience filter and highlighting) for

  * ours: SearchIndex.search(), as the web app calls it (warm: the searcher and its term cache are reused);
  * ours, cold term cache: the cache emptied before every query;
  * floor: a bare Whoosh top-10 query on the same index (the words' stems OR-ed over the text fields, Whoosh's
    BM25F, no filter, no expansion, no highlighting).

    python bench/kb_speed.py [--docs N] [--queries Q] [--corpus DIR] [--seed S]
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from whoosh import query as wq  # noqa: E402

from kb.search import ArticleDoc, SearchIndex, VisibilityFilter, load_corpus  # noqa: E402
from kb.search.analysis import SV_STOPWORDS, fold, markdown_to_text, tokenize  # noqa: E402
from support.policy.kb import index_filter_for_audience

DEFAULT_CORPUS = Path("/work/shared/kb-corpus")
AUDIENCES = ["guardian", "student", "pedagogue", "administrator", "superuser", "support"]
QUERY_AUDIENCES = [*AUDIENCES, "anonymous"]
SCHOOL_FORMS = ["preschool", "compulsory", "compulsory-adapted", "upper-secondary", "upper-secondary-adapted",
                "adult", "adult-adapted", "sfi", "vocational"]
QUESTION_PREFIXES = ["hur gör jag för att", "var hittar jag", "kan inte", "varför", "hur", "vad gör jag om"]
_SENT = re.compile(r"[^.!?\n]{20,}[.!?]")


def synthetic_corpus(real: list[ArticleDoc], n: int, rng: random.Random) -> list[ArticleDoc]:
    by_system: dict[str, list[str]] = {}
    for d in real:
        sents = _SENT.findall(markdown_to_text(d.body))
        by_system.setdefault(f"{d.language}:{d.system}", []).extend(s.strip() for s in sents)
    all_sents = {k: v for k, v in by_system.items() if v}
    docs = []
    for i in range(n):
        t = rng.choice(real)
        key = f"{t.language}:{t.system}"
        pool = all_sents.get(key) or next(iter(all_sents.values()))
        other = all_sents[rng.choice(list(all_sents))]
        body_sents = rng.sample(pool, min(len(pool), rng.randint(6, 18))) + rng.sample(other, min(len(other), 3))
        rng.shuffle(body_sents)
        paras = ["## " + rng.choice(pool)[:60].rstrip(" ,.")]
        for j in range(0, len(body_sents), 3):
            paras.append(" ".join(body_sents[j:j + 3]))
        title_words = t.title.split()
        if len(title_words) > 3 and rng.random() < 0.6:
            k = rng.randrange(len(title_words))
            title_words[k] = rng.choice(rng.choice(real).title.split())
        visibility = "internal" if rng.random() < 0.15 else "public"
        auds = rng.sample(AUDIENCES, rng.randint(1, 3))
        forms = [] if rng.random() < 0.35 else rng.sample(SCHOOL_FORMS, rng.randint(1, 5))
        docs.append(ArticleDoc(
            id=f"syn-{i:05d}",
            title=" ".join(title_words),
            summary=rng.choice(pool),
            body="\n\n".join(paras),
            language=t.language,
            translation_of=None,
            audiences=auds,
            visibility=visibility,
            school_forms=forms,
            system=t.system,
            tags=rng.sample(t.tags, min(len(t.tags), rng.randint(2, 5))),
        ))
    return docs


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    op = rng.choice(["drop", "swap", "double"])
    if op == "drop":
        return word[:i] + word[i + 1:]
    if op == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    return word[:i] + word[i] + word[i:]


def synthetic_queries(real: list[ArticleDoc], n: int, rng: random.Random) -> list[tuple[str, str]]:
    out = []
    for _ in range(n):
        d = rng.choice(real)
        source = rng.choice([d.title, d.title, " ".join(d.tags), d.summary, markdown_to_text(d.body)[:400]])
        words = [t.text.lower() for t in tokenize(source) if fold(t.text) not in SV_STOPWORDS and len(t.text) > 2]
        if not words:
            words = ["frånvaro"]
        k = min(len(words), rng.choice([1, 2, 2, 3, 3, 4]))
        start = rng.randrange(0, len(words) - k + 1)
        q = words[start:start + k]
        r = rng.random()
        if r < 0.3:
            q = [fold(w) for w in q]
        elif r < 0.45:
            j = rng.randrange(len(q))
            q[j] = _typo(q[j], rng)
        if rng.random() < 0.15:
            q = [rng.choice(QUESTION_PREFIXES), *q]
        out.append((" ".join(q), rng.choice(QUERY_AUDIENCES)))
    return out


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s)) - 1))]


def forget_searches(st) -> None:
    """Empty the searcher's kept searches (ranked hits, snippets, shown fields): every query is timed as a search
    not asked before, as a repeated one costs nearly nothing."""
    st.rankings.clear()
    st.snippets.clear()
    st.shown.clear()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=10_000)
    ap.add_argument("--queries", type=int, default=1_000)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--seed", type=int, default=20260914)
    args = ap.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"corpus missing: {args.corpus}", file=sys.stderr)
        return 2
    rng = random.Random(args.seed)
    real = load_corpus(args.corpus)
    t0 = time.perf_counter()
    docs = synthetic_corpus(real, args.docs, rng)
    queries = synthetic_queries(real, args.queries, rng)
    words = sum(len(d.body.split()) for d in docs)
    print(f"synthetic corpus: {len(docs)} articles, {words:,} body words, generated in "
          f"{time.perf_counter() - t0:.1f} s; {len(queries)} queries")

    with tempfile.TemporaryDirectory(prefix="kbs-") as tmp:
        idx = SearchIndex(Path(tmp) / "ix")
        idx.create()
        t0, c0 = time.perf_counter(), time.process_time()
        idx.rebuild(docs)
        build, build_cpu = time.perf_counter() - t0, time.process_time() - c0
        print(f"index build (rebuild of {len(docs)} articles): {build:.1f} s wall, {build_cpu:.1f} s CPU")

        t0 = time.perf_counter()
        idx.search("frånvaro", allowed=VisibilityFilter.anonymous())
        print(f"first search (opens the searcher, loads the vocabulary): {1000 * (time.perf_counter() - t0):.0f} ms")
        st = idx._current()

        # ours, warm: the way the web app runs (one long-lived SearchIndex)
        ours: list[float] = []
        ours_cpu: list[float] = []
        totals = 0
        for q, aud in queries:
            allowed = index_filter_for_audience(aud)
            forget_searches(st)
            t0, c0 = time.perf_counter(), time.thread_time()
            r = idx.search(q, allowed=allowed, page=1, per_page=10, highlight=True)
            ours.append(1000 * (time.perf_counter() - t0))
            ours_cpu.append(1000 * (time.thread_time() - c0))
            totals += r.total

        # ours, cold term cache
        cold: list[float] = []
        cold_cpu: list[float] = []
        for q, aud in queries:
            allowed = index_filter_for_audience(aud)
            st.scorer._cache.clear()
            st._readable.clear()  # what the searcher may read, per term
            forget_searches(st)
            t0, c0 = time.perf_counter(), time.thread_time()
            idx.search(q, allowed=allowed, page=1, per_page=10, highlight=True)
            cold.append(1000 * (time.perf_counter() - t0))
            cold_cpu.append(1000 * (time.thread_time() - c0))

        # floor: bare Whoosh top-10 on the same index and the same words
        searcher = st.searcher
        analyzer = st.analyzer
        floor: list[float] = []
        floor_cpu: list[float] = []
        for q, _aud in queries:
            t0, c0 = time.perf_counter(), time.thread_time()
            terms = [analyzer.sv_norm(fold(t.text)) for t in tokenize(q) if fold(t.text) not in SV_STOPWORDS]
            wquery = wq.Or([wq.Term(f, t) for t in terms for f in ("title", "head", "body")])
            res = searcher.search(wquery, limit=10)
            _ = [h["id"] for h in res]
            floor.append(1000 * (time.perf_counter() - t0))
            floor_cpu.append(1000 * (time.thread_time() - c0))
        idx.close()

    def line(name: str, xs: list[float]) -> str:
        return (f"{name:34} p50 {statistics.median(xs):6.2f} ms   p95 {pct(xs, 95):6.2f} ms   "
                f"max {max(xs):7.2f} ms   mean {statistics.fmean(xs):6.2f} ms")

    print()
    print("wall-clock latency:")
    print(line("  ours (warm, as served)", ours))
    print(line("  ours (cold term cache)", cold))
    print(line("  floor: bare Whoosh top-10", floor))
    print("CPU time of the searching thread (insensitive to other load on the machine):")
    print(line("  ours (warm, as served)", ours_cpu))
    print(line("  ours (cold term cache)", cold_cpu))
    print(line("  floor: bare Whoosh top-10", floor_cpu))
    print()
    print(f"p95 ratio ours/floor (wall): warm {pct(ours, 95) / pct(floor, 95):.2f}×, "
          f"cold {pct(cold, 95) / pct(floor, 95):.2f}×;  (CPU): warm {pct(ours_cpu, 95) / pct(floor_cpu, 95):.2f}×, "
          f"cold {pct(cold_cpu, 95) / pct(floor_cpu, 95):.2f}×")
    print(f"goals: p95 ≤ 2× floor and < 25 ms; rebuild < 60 s (here {build:.1f} s wall)")
    print(f"mean visible hits per query: {totals / len(queries):.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

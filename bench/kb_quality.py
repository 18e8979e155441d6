"""Search-quality benchmark for the knowledge base.

Loads the front-matter Markdown corpus into a temporary index, runs the judged queries (TSV: query, audience,
relevant, kind, note) with each query's visibility, and prints MRR@10, Recall@1 and Recall@5 overall and per
audience for

  (a) our search (kb.search),
  (b) a baseline: case-insensitive substring match of every query word on title and body,
  (c) a baseline: plain Whoosh BM25F over title×2, summary, tags, body (StandardAnalyzer, no language handling).

Recall@k counts a query as answered when any of its relevant articles is among the first k results (the relevant
ids of a query all fully answer it). The query file is read at run time and never copied.

    python bench/kb_quality.py [--corpus DIR] [--queries FILE] [--by-kind] [--show-misses]
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from whoosh import index as windex  # noqa: E402
from whoosh.analysis import StandardAnalyzer  # noqa: E402
from whoosh.fields import ID, TEXT, Schema  # noqa: E402
from whoosh.qparser import MultifieldParser, OrGroup  # noqa: E402

from kb.search import ArticleDoc, SearchIndex, VisibilityFilter, load_corpus  # noqa: E402
from kb.search.analysis import markdown_to_text  # noqa: E402
from support.policy.kb import index_filter_for_audience

DEFAULT_CORPUS = Path("/work/shared/kb-corpus")
DEFAULT_QUERIES = Path("/work/shared/kb-queries/queries.tsv")
AUDIENCE_ORDER = ["guardian", "student", "pedagogue", "administrator", "superuser", "support", "anonymous"]

Searcher = Callable[[str, VisibilityFilter], list[str]]


def read_queries(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    for r in rows:
        r["relevant"] = [x.strip() for x in r["relevant"].split(",") if x.strip()]
    return rows


# --- (a) ours -------------------------------------------------------------------------------------------------
def ours(docs: list[ArticleDoc], tmp: Path) -> tuple[Searcher, SearchIndex]:
    idx = SearchIndex(tmp / "ours")
    idx.create()
    idx.rebuild(docs)

    def run(q: str, allowed: VisibilityFilter) -> list[str]:
        return [h.id for h in idx.search(q, allowed=allowed, per_page=10, highlight=False).hits]

    return run, idx


# --- (b) substring --------------------------------------------------------------------------------------------
def substring(docs: list[ArticleDoc]) -> Searcher:
    prepared = [(d, d.title.lower(), (d.title + "\n" + d.body).lower()) for d in docs]

    def run(q: str, allowed: VisibilityFilter) -> list[str]:
        words = q.lower().split()
        if not words:
            return []
        found = []
        for d, title, text in prepared:
            if not allowed.may_read(d):
                continue
            if all(w in text for w in words):
                found.append((-sum(title.count(w) for w in words), -sum(text.count(w) for w in words), d.id))
        found.sort()
        return [i for *_x, i in found[:10]]

    return run


# --- (c) plain BM25F ------------------------------------------------------------------------------------------
def plain_bm25f(docs: list[ArticleDoc], tmp: Path) -> Searcher:
    ana = StandardAnalyzer()
    schema = Schema(
        id=ID(stored=True, unique=True),
        title=TEXT(analyzer=ana, field_boost=2.0),
        summary=TEXT(analyzer=ana),
        tags=TEXT(analyzer=ana),
        body=TEXT(analyzer=ana),
    )
    d = tmp / "plain"
    d.mkdir()
    ix = windex.create_in(str(d), schema)
    w = ix.writer()
    by_id = {}
    for doc in docs:
        by_id[doc.id] = doc
        w.add_document(id=doc.id, title=doc.title, summary=doc.summary, tags=" ".join(doc.tags),
                       body=markdown_to_text(doc.body))
    w.commit()
    searcher = ix.searcher()
    parser = MultifieldParser(["title", "summary", "tags", "body"], schema, group=OrGroup)

    def run(q: str, allowed: VisibilityFilter) -> list[str]:
        try:
            parsed = parser.parse(q)
        except Exception:  # noqa: BLE001 - a baseline: unparsable means no results
            return []
        out = []
        for hit in searcher.search(parsed, limit=None):
            doc = by_id[hit["id"]]
            if allowed.may_read(doc):
                out.append(doc.id)
                if len(out) == 10:
                    break
        return out

    return run


# --- scoring --------------------------------------------------------------------------------------------------
def evaluate(run: Searcher, queries: list[dict]) -> tuple[dict, list[tuple[dict, list[str], int]]]:
    per: dict[str, list[tuple[float, int, int]]] = defaultdict(list)
    details = []
    for r in queries:
        allowed = index_filter_for_audience(r["audience"])
        ranked = run(r["query"], allowed)[:10]
        rank = next((i + 1 for i, x in enumerate(ranked) if x in r["relevant"]), 0)
        rr = 1.0 / rank if rank else 0.0
        row = (rr, int(rank == 1), int(0 < rank <= 5))
        per["all"].append(row)
        per["aud:" + r["audience"]].append(row)
        per["kind:" + r["kind"]].append(row)
        details.append((r, ranked, rank))
    summary = {}
    for k, rows in per.items():
        n = len(rows)
        summary[k] = (n, sum(x[0] for x in rows) / n, sum(x[1] for x in rows) / n, sum(x[2] for x in rows) / n)
    return summary, details


def visibility_violations(run: Searcher, queries: list[dict], docs: list[ArticleDoc]) -> int:
    by_id = {d.id: d for d in docs}
    bad = 0
    for r in queries:
        allowed = index_filter_for_audience(r["audience"])
        bad += sum(1 for i in run(r["query"], allowed) if not allowed.may_read(by_id[i]))
    return bad


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--queries", type=Path, default=DEFAULT_QUERIES)
    ap.add_argument("--by-kind", action="store_true", help="also print figures per query kind")
    ap.add_argument("--show-misses", action="store_true", help="list queries whose best answer is not first")
    ap.add_argument("--ours-only", action="store_true")
    args = ap.parse_args(argv)

    if not args.corpus.is_dir() or not args.queries.is_file():
        print(f"corpus or queries missing: {args.corpus} {args.queries}", file=sys.stderr)
        return 2
    docs = load_corpus(args.corpus)
    queries = read_queries(args.queries)
    print(f"{len(docs)} articles, {len(queries)} queries")

    with tempfile.TemporaryDirectory(prefix="kbq-") as tmpdir:
        tmp = Path(tmpdir)
        t0 = time.perf_counter()
        run_ours, idx = ours(docs, tmp)
        build = time.perf_counter() - t0
        systems: list[tuple[str, Searcher]] = [("ours", run_ours)]
        if not args.ours_only:
            systems += [("substring", substring(docs)), ("plain-bm25f", plain_bm25f(docs, tmp))]
        results = {}
        for name, run in systems:
            t0 = time.perf_counter()
            results[name] = evaluate(run, queries)
            results[name] = (*results[name], time.perf_counter() - t0)
        violations = visibility_violations(run_ours, queries, docs)
        idx.close()

    names = [n for n, _ in systems]
    keys = ["all"] + [f"aud:{a}" for a in AUDIENCE_ORDER if f"aud:{a}" in results["ours"][0]]
    if args.by_kind:
        keys += sorted(k for k in results["ours"][0] if k.startswith("kind:"))
    print(f"index build {build:.2f} s; visibility violations (ours): {violations}")
    print()
    head = f"{'':22}{'n':>4}  " + "  ".join(f"{n:^26}" for n in names)
    print(head)
    print(f"{'':22}{'':>4}  " + "  ".join(f"{'MRR@10':>8}{'R@1':>9}{'R@5':>9}" for _ in names))
    for k in keys:
        n = results["ours"][0][k][0]
        cells = []
        for name in names:
            _n, mrr, r1, r5 = results[name][0][k]
            cells.append(f"{mrr:8.3f}{r1:9.3f}{r5:9.3f}")
        label = k.split(":", 1)[-1]
        print(f"{label:22}{n:>4}  " + "  ".join(cells))
    print()
    print("time per system: " + ", ".join(f"{n} {results[n][2]:.2f} s" for n in names))

    if args.show_misses:
        print("\nqueries whose first result is not relevant (ours):")
        for r, ranked, rank in results["ours"][1]:
            if rank != 1:
                print(f"  [{r['kind']}/{r['audience']}] {r['query']!r} rank={rank or '-'} "
                      f"want={r['relevant'][0]} got={ranked[:3]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Search quality of a static copy of the site: the judged queries typed into /search/ with no search server.

A plain static server (``python -m http.server``) serves ``build/site``, so the search page falls back
to its offline index; each judged query of bench/eval/search_queries.json is opened in real Chromium
as ``/search/?q=…`` (with the query's filters), the ranked result links are read from the page, and
nDCG@10, Recall@10 and MRR are computed with :mod:`hub.search.evaluate`'s own functions, beside the
server's keyword and hybrid modes on the same build.

    .venv/bin/hub build && HF_HUB_OFFLINE=1 .venv/bin/python bench/eval_static_search.py [--build DIR]
        [--also "Pagefind (before)=/path/to/other/site"]

``--also`` measures other static copies of the same corpus beside it (the figures of the Pagefind search
this replaced were taken so, from the same build's pages indexed by Pagefind 1.5.2 and the search.js of
that time). Prints a table and writes bench/results/static-search-eval.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlencode

from run_info import machine as machine_info, stamp

from hub.config import settings
from hub.search.evaluate import (
    Judged,
    K,
    evaluate,
    load_queries,
    ndcg,
    recall,
    reciprocal_rank,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from helpers import CHROMIUM, CHROMIUM_ARGS, static_server  # noqa: E402  (one static host for the tests and this benchmark)

QUERIES = Path(__file__).parent / "eval" / "search_queries.json"
RESULTS = Path(__file__).parent / "results" / "static-search-eval.json"
SERVER_MODES = ("keyword", "hybrid")


def search_url(base: str, q: Judged) -> str:
    params = [("q", q.query)] + [(f, v) for f, vals in q.filters.items() for v in vals]
    return f"{base}/search/?{urlencode(params)}"


def ranked_ids(page, url: str) -> list[str]:
    """Open a search URL and read the record ids of the results, in the order shown."""
    page.goto(url)
    page.wait_for_function("""() => {
        const s = document.getElementById('status').textContent;
        return document.getElementById('results').dataset.backend && s && !s.startsWith('Searching');
    }""")
    hrefs = page.eval_on_selector_all("#results .card-title a", "els => els.map(a => a.getAttribute('href'))")
    return [h.rstrip("/").rsplit("/", 1)[-1] for h in hrefs]


def static_rankings(page, base: str, queries: Sequence[Judged]) -> dict[str, list[str]]:
    """Every query's ranked ids from the static page; fails if the page searched with the server's API."""
    out = {q.id: ranked_ids(page, search_url(base, q)) for q in queries}
    backend = page.eval_on_selector("#results", "el => el.dataset.backend")
    if backend == "api":
        raise RuntimeError("the static server answered /api/search: this is not a static copy")
    return out


def score(rankings: dict[str, list[str]], queries: Sequence[Judged]) -> dict:
    """Mean metrics, per kind, and per query, as :func:`hub.search.evaluate.evaluate` reports a mode."""
    rows = [
        (
            q,
            {
                "ndcg": ndcg(rankings[q.id], q.relevant),
                "recall": recall(rankings[q.id], q.relevant),
                "mrr": reciprocal_rank(rankings[q.id], q.relevant),
            },
        )
        for q in queries
    ]

    def mean(ms: list[dict[str, float]]) -> dict[str, float]:
        return {k: round(sum(m[k] for m in ms) / len(ms), 4) for k in ("ndcg", "recall", "mrr")}

    kinds = sorted({q.kind for q in queries})
    return {
        "mean": mean([m for _, m in rows]),
        "by_kind": {
            k: mean([m for q, m in rows if q.kind == k]) | {"n": sum(q.kind == k for q in queries)} for k in kinds
        },
        "empty": sum(not rankings[q.id] for q in queries),
        "per_query": {
            q.id: {"query": q.query, **{k: round(v, 3) for k, v in m.items()}, "top": rankings[q.id][:K]}
            for q, m in rows
        },
    }


def measure_static(site: Path, queries: Sequence[Judged]) -> dict:
    from playwright.sync_api import sync_playwright

    with static_server(site) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            return score(static_rankings(page, base, queries), queries)
        finally:
            browser.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", type=Path, default=settings().build_dir, help="a build directory (default: build/)")
    ap.add_argument("--also", action="append", default=[], metavar="LABEL=DIR", help="another static copy to measure")
    ap.add_argument("--no-server", action="store_true", help="skip the server's modes")
    args = ap.parse_args()
    from hub.search.index import load

    queries = load_queries(QUERIES)
    machine = machine_info()  # before the run: the load it started under
    site = (args.build / "site").resolve()
    static = measure_static(site, queries)
    others = {label: measure_static(Path(d).resolve(), queries) for label, d in (a.split("=", 1) for a in args.also)}
    server = {} if args.no_server else evaluate(load(args.build / "search"), queries, SERVER_MODES)
    rows = {"static copy (this site)": static} | {f"static copy, {k}": v for k, v in others.items()}
    rows |= {
        f"server, {m} mode": {"mean": server["modes"][m], "by_kind": server["by_kind"][m], "empty": None}
        for m in server.get("modes", {})
    }
    kinds = sorted(static["by_kind"])
    print(f"{len(queries)} judged queries; static copy: {site}\n")
    header = " | ".join(f"nDCG {k} ({static['by_kind'][k]['n']})" for k in kinds)
    print(f"| search | nDCG@10 | Recall@10 | MRR | no result | {header} |")
    print("|---|---|---|---|---|" + "---|" * len(kinds))
    for name, r in rows.items():
        m = r["mean"]
        empty = "" if r["empty"] is None else r["empty"]
        by_kind = " | ".join(f"{r['by_kind'][k]['ndcg']:.3f}" for k in kinds)
        print(f"| {name} | {m['ndcg']:.3f} | {m['recall']:.3f} | {m['mrr']:.3f} | {empty} | {by_kind} |")
    report = {
        "k": K,
        "queries": len(queries),
        **stamp(machine),
        "static": static,
        "others": {k: {key: v[key] for key in ("mean", "by_kind", "empty")} for k, v in others.items()},
        "server": {m: {"mean": server["modes"][m], "by_kind": server["by_kind"][m]} for m in server.get("modes", {})},
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwritten to {RESULTS}")


if __name__ == "__main__":
    main()

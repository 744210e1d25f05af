"""Search quality: nDCG@10, Recall@10 and MRR of keyword, semantic and hybrid on the judged query set.

The set (bench/eval/search_queries.json) holds queries phrased as a city official
would ask, each with the records of data/ judged relevant (graded 2 or 1), in four
kinds: paraphrased needs, queries only meaning can answer, exact names, place names.
See :mod:`hub.search.evaluate` for the metrics.

    .venv/bin/hub build && HF_HUB_OFFLINE=1 .venv/bin/python bench/eval_search.py [--build DIR]

Prints the Markdown tables of README "Search" and writes bench/results/search-eval.json.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path

from eval_peers import _machine as machine_info

from hub.config import settings
from hub.search.evaluate import evaluate, load_queries
from hub.search.index import load
from hub.search.query import DEFAULT_FUSION

QUERIES = Path(__file__).parent / "eval" / "search_queries.json"
RESULTS = Path(__file__).parent / "results" / "search-eval.json"
MODES = ("keyword", "semantic", "hybrid")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", type=Path, default=settings().build_dir, help="a build directory (default: build/)")
    args = ap.parse_args()
    index = load(args.build / "search")
    queries = load_queries(QUERIES)
    report = evaluate(index, queries, MODES)
    kinds = sorted(report["by_kind"]["hybrid"])
    print(f"{len(queries)} judged queries, {len(index.docs)} records\n")
    print("| mode | nDCG@10 | Recall@10 | MRR |\n|---|---|---|---|")
    for mode in MODES:
        m = report["modes"][mode]
        print(f"| {mode} | {m['ndcg']:.3f} | {m['recall']:.3f} | {m['mrr']:.3f} |")
    print("\nnDCG@10 by kind of query\n")
    print("| mode | " + " | ".join(f"{k} ({report['by_kind']['hybrid'][k]['n']})" for k in kinds) + " |")
    print("|---|" + "---|" * len(kinds))
    for mode in MODES:
        print(f"| {mode} | " + " | ".join(f"{report['by_kind'][mode][k]['ndcg']:.3f}" for k in kinds) + " |")
    keyword_params = asdict(index.keyword.params) if hasattr(index.keyword, "params") else {}
    report.update(machine=machine_info(), records=len(index.docs), fusion=asdict(DEFAULT_FUSION), keyword=keyword_params)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwritten to {RESULTS}")


if __name__ == "__main__":
    main()

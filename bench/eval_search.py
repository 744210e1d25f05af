"""Search quality: nDCG@10, Recall@10 and MRR of keyword, semantic and hybrid on the judged query set.

The set (bench/eval/search_queries.json) holds queries phrased as a city official
would ask, each with the records of data/ judged relevant (graded 2 or 1), in four
kinds: paraphrased needs, queries only meaning can answer, exact names, place names.
See :mod:`hub.search.evaluate` for the metrics.

    .venv/bin/hub build && HF_HUB_OFFLINE=1 .venv/bin/python bench/eval_search.py [--build DIR]

Prints the Markdown tables of README "Search" and writes bench/results/search-eval.json.

``--floors`` calibrates the semantic floor (the cosine from which a record matches by
meaning alone) instead: for each candidate floor, the share of judged-relevant records
at or above it, how many records each query matches by meaning alone, and the quality
of the semantic and hybrid modes; written to bench/results/search-floor.json.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path

from hub.config import settings
from hub.search.evaluate import evaluate, load_queries
from hub.search.index import load
from hub.search.query import DEFAULT_FUSION, FusionParams

from eval_peers import _machine as machine_info

QUERIES = Path(__file__).parent / "eval" / "search_queries.json"
RESULTS = Path(__file__).parent / "results" / "search-eval.json"
FLOOR_RESULTS = Path(__file__).parent / "results" / "search-floor.json"
FLOORS = (0.25, 0.30, 0.35, 0.40, 0.45, 0.50, 0.55)
MODES = ("keyword", "semantic", "hybrid")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", type=Path, default=settings().build_dir, help="a build directory (default: build/)")
    ap.add_argument("--floors", action="store_true", help="calibrate the semantic floor instead")
    args = ap.parse_args()
    index = load(args.build / "search")
    queries = load_queries(QUERIES)
    if args.floors:
        return calibrate_floor(index, queries)
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
    report.update(
        machine=machine_info(), records=len(index.docs), fusion=asdict(DEFAULT_FUSION), keyword=keyword_params
    )
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwritten to {RESULTS}")


def calibrate_floor(index, queries) -> None:
    """The semantic floor's sweep: what each candidate keeps of the judged records, what it lets in, what it ranks."""
    import numpy as np

    sims = []  # per query: every record's best cosine, and the records keyword search matches
    for q in queries:
        scores, _ = index.semantic.scores(index.semantic.encode_query(q.query))
        keyword = index.keyword.search(q.query, match="best").ids
        sims.append((q, scores, set(keyword.tolist())))
    position = {d["id"]: i for i, d in enumerate(index.docs)}
    rows = []
    for floor in FLOORS:
        kept = [float(s[position[r]] >= floor) for q, s, _ in sims for r in q.relevant]
        alone = [sum(1 for i in np.flatnonzero(s >= floor) if i not in kw) for q, s, kw in sims]
        alone_judged = [
            sum(1 for i in np.flatnonzero(s >= floor) if i not in kw and index.docs[i]["id"] in q.relevant)
            for q, s, kw in sims
        ]
        fusion = FusionParams(**{**asdict(DEFAULT_FUSION), "semantic_floor": floor, "semantic_mode_floor": floor})
        report = evaluate(index, queries, ("semantic", "hybrid"), fusion)
        rows.append(
            {
                "floor": floor,
                "relevant_kept": round(sum(kept) / len(kept), 3),
                "meaning_only_per_query": round(sum(alone) / len(alone), 1),
                "meaning_only_judged_relevant": round(sum(alone_judged) / max(1, sum(alone)), 3),
                **{mode: report["modes"][mode] for mode in ("semantic", "hybrid")},
            }
        )
    print(
        "| floor | judged relevant at or above | records matched by meaning alone per query "
        "| of which judged relevant | semantic nDCG@10 / R@10 | hybrid nDCG@10 / R@10 |\n|---|---|---|---|---|---|"
    )
    for r in rows:
        sem, hyb = r["semantic"], r["hybrid"]
        print(
            f"| {r['floor']:.2f} | {r['relevant_kept']:.3f} | {r['meaning_only_per_query']} "
            f"| {r['meaning_only_judged_relevant']:.3f} | {sem['ndcg']:.3f} / {sem['recall']:.3f} "
            f"| {hyb['ndcg']:.3f} / {hyb['recall']:.3f} |"
        )
    FLOOR_RESULTS.parent.mkdir(exist_ok=True)
    out = {"machine": machine_info(), "records": len(index.docs), "floors": rows}
    FLOOR_RESULTS.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten to {FLOOR_RESULTS}")


if __name__ == "__main__":
    main()

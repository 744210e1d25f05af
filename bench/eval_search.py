"""Search quality: nDCG@10, Recall@10 and MRR of keyword, semantic and hybrid on the judged query set.

The set (bench/eval/search_queries.json) holds queries phrased as a city official
would ask, each with the records of data/ judged relevant (graded 2 or 1), in four
kinds: paraphrased needs, queries only meaning can answer, exact names, place names.
See :mod:`hub.search.evaluate` for the metrics.

    .venv/bin/hub build && HF_HUB_OFFLINE=1 .venv/bin/python bench/eval_search.py [--build DIR]

Prints the Markdown tables of README "Search" and writes bench/results/search-eval.json.

Then the cross-lingual set (bench/eval/search_queries_xl.json: needs of English records asked in French, Spanish,
Portuguese, Arabic and Russian, split into "tune" and "test"): nDCG@10 and Recall@10 per language and mode on the
test split, written to bench/results/search-eval-xl.json. ``--tune-xl`` sweeps the fusion of such queries
(``FusionParams.xl_*``) on the tune split only and writes bench/results/search-tune-xl.json; the defaults in
hub/search/query.py are taken from it.

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

from run_info import stamp

from hub.config import settings
from hub.search.evaluate import evaluate, load_queries
from hub.search.index import load
from hub.search.query import DEFAULT_FUSION, FusionParams

QUERIES = Path(__file__).parent / "eval" / "search_queries.json"
RESULTS = Path(__file__).parent / "results" / "search-eval.json"
XL_QUERIES = Path(__file__).parent / "eval" / "search_queries_xl.json"
XL_RESULTS = Path(__file__).parent / "results" / "search-eval-xl.json"
XL_TUNE_RESULTS = Path(__file__).parent / "results" / "search-tune-xl.json"
XL_GRID = {
    "xl_keyword_bonus": (0.0, 0.01, 0.015, 0.02, 0.03),
    "xl_floor": (0.76, 0.78, 0.80),
    "xl_english_weight": (0.0, 0.05, 0.1, 0.15, 0.2),
    "xl_rendered_bonus": (0.0, 0.01, 0.02, 0.03, 0.04, 0.06),
}
FLOOR_RESULTS = Path(__file__).parent / "results" / "search-floor.json"
FLOORS = (0.25, 0.30, 0.35, 0.40, 0.45, 0.50, 0.55)
MODES = ("keyword", "semantic", "hybrid")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", type=Path, default=settings().build_dir, help="a build directory (default: build/)")
    ap.add_argument("--floors", action="store_true", help="calibrate the semantic floor instead")
    ap.add_argument("--tune-xl", action="store_true", help="tune the fusion of non-English queries (tune split)")
    args = ap.parse_args()
    index = load(args.build / "search")
    queries = load_queries(QUERIES)
    if args.floors:
        return calibrate_floor(index, queries)
    if args.tune_xl:
        return tune_xl(index, [q for q in load_queries(XL_QUERIES) if q.split == "tune"])
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
    report.update(**stamp(), records=len(index.docs), fusion=asdict(DEFAULT_FUSION), keyword=keyword_params)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwritten to {RESULTS}")
    if XL_QUERIES.exists():
        cross_lingual(index)


def cross_lingual(index) -> None:
    """Per language and mode on the held-out test split of the cross-lingual set; how its languages were told."""
    from hub.search.bilingual import files, read
    from hub.search.languages import detect

    test = [q for q in load_queries(XL_QUERIES) if q.split == "test"]
    report = evaluate(index, test, MODES)
    langs = sorted(report["by_language"]["hybrid"])
    print(f"\ncross-lingual test split: {len(test)} judged queries\n")
    print("| mode | all | " + " | ".join(f"{lang} ({report['by_language']['hybrid'][lang]['n']})" for lang in langs))
    print("|---|---|" + "---|" * len(langs))
    for mode in MODES:
        cells = [
            f"{report['by_language'][mode][lang]['ndcg']:.3f} / {report['by_language'][mode][lang]['recall']:.3f}"
            for lang in langs
        ]
        m = report["modes"][mode]
        print(f"| {mode} | {m['ndcg']:.3f} / {m['recall']:.3f} | " + " | ".join(cells) + " |")
    print("(nDCG@10 / Recall@10)")
    detected = {q.id: detect(q.query) for q in test}
    report["detected"] = {
        "as_its_language": sum(detected[q.id] == q.lang for q in test),
        "as_another_non_english": sum(detected[q.id] not in (q.lang, "en") for q in test),
        "as_english": sorted(q.query for q in test if detected[q.id] == "en"),
    }
    report.update(
        **stamp(),
        records=len(index.docs),
        split="test",
        fusion=asdict(DEFAULT_FUSION),
        keyword=asdict(index.keyword.params),
        multilingual=index.multilingual is not None,
        lexicon={path.stem: len(read(path)) for path in files()},
    )
    XL_RESULTS.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwritten to {XL_RESULTS}")


def tune_xl(index, tune) -> None:
    """Every combination of XL_GRID on the tune split, with and without the bilingual lexicon's everyday words in
    the keyword side's expansion (``KeywordParams.everyday_words``; the rendered query uses them either way); the
    best by mean hybrid nDCG@10, then Recall@10, then the higher floor, then keyword mode's nDCG@10 (which the
    expansion changes and the fusion settings do not)."""
    import itertools
    from dataclasses import replace

    rows = []
    params = index.keyword.params
    keyword_mode = {}
    for everyday in (False, True):
        index.keyword.params = replace(params, everyday_words=everyday)
        keyword_mode[everyday] = evaluate(index, tune, ("keyword",))["modes"]["keyword"]
        for values in itertools.product(*XL_GRID.values()):
            fusion = FusionParams(**{**asdict(DEFAULT_FUSION), **dict(zip(XL_GRID, values, strict=True))})
            m = evaluate(index, tune, ("hybrid",), fusion)["modes"]["hybrid"]
            rows.append({"everyday_words": everyday, **dict(zip(XL_GRID, values, strict=True)), **m})
    index.keyword.params = params
    # a tie: the floor that lets in fewer, then the better keyword mode
    rows.sort(key=lambda r: (-r["ndcg"], -r["recall"], -r["xl_floor"], -keyword_mode[r["everyday_words"]]["ndcg"]))
    for r in rows[:10]:
        print(r)
    out = {
        **stamp(),
        "split": "tune",
        "queries": len(tune),
        "grid": XL_GRID,
        "best": rows[0],
        "keyword_mode": {f"everyday_words={k}": v for k, v in keyword_mode.items()},
        "rows": rows,
    }
    XL_TUNE_RESULTS.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten to {XL_TUNE_RESULTS}")


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
    out = {**stamp(), "records": len(index.docs), "floors": rows}
    FLOOR_RESULTS.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten to {FLOOR_RESULTS}")


if __name__ == "__main__":
    main()

"""Search quality on a judged query set: nDCG@10, Recall@10 and MRR per mode.

The judged set lives in ``bench/eval/search_queries.json``: each query has records
graded 2 (what the person is looking for) or 1 (useful, secondary). Used by
``bench/eval_search.py`` to report and tune, and by a test that guards a floor.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hub.search.query import DEFAULT_FUSION, FusionParams

if TYPE_CHECKING:
    from hub.search.index import SearchIndex

K = 10


@dataclass(frozen=True)
class Judged:
    id: str
    query: str
    kind: str
    relevant: dict[str, int]
    filters: dict[str, list[str]]
    lang: str = "en"  # the cross-lingual set (search_queries_xl.json): fr, es, pt, ar or ru
    split: str = ""  # and its "tune" or "test" split


def load_queries(path: Path) -> list[Judged]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [
        Judged(
            q["id"],
            q["query"],
            q.get("kind", ""),
            dict(q["relevant"]),
            q.get("filters", {}),
            q.get("lang", "en"),
            q.get("split", ""),
        )
        for q in data["queries"]
    ]


def ndcg(ranked: Sequence[str], relevant: dict[str, int], k: int = K) -> float:
    """Normalised discounted cumulative gain with graded gains 2^grade − 1."""
    dcg = sum((2 ** relevant.get(d, 0) - 1) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(sorted(relevant.values(), reverse=True)[:k]))
    return dcg / ideal if ideal else 0.0


def recall(ranked: Sequence[str], relevant: dict[str, int], k: int = K) -> float:
    """Share of the records judged relevant (any grade) found in the top k; capped by k."""
    if not relevant:
        return 0.0
    return len(set(ranked[:k]) & set(relevant)) / min(len(relevant), k)


def reciprocal_rank(ranked: Sequence[str], relevant: dict[str, int]) -> float:
    """1 / rank of the first record of the best grade (what the person was looking for)."""
    best = max(relevant.values(), default=0)
    for i, d in enumerate(ranked, start=1):
        if relevant.get(d, 0) == best:
            return 1.0 / i
    return 0.0


def evaluate(
    index: SearchIndex,
    queries: Sequence[Judged],
    modes: Sequence[str] = ("keyword", "semantic", "hybrid"),
    fusion: FusionParams = DEFAULT_FUSION,
) -> dict[str, Any]:
    """Mean metrics per mode, the same per query kind, and each query's scores."""
    out: dict[str, Any] = {
        "k": K,
        "queries": len(queries),
        "modes": {},
        "by_kind": {},
        "by_language": {},
        "per_query": {},
    }
    for mode in modes:
        rows = []
        for q in queries:
            ranked = [
                r["id"]
                for r in index.search(q.query, mode=mode, filters=q.filters, limit=max(K, 50), fusion=fusion)["results"]
            ]
            rows.append(
                (
                    q,
                    {
                        "ndcg": ndcg(ranked, q.relevant),
                        "recall": recall(ranked, q.relevant),
                        "mrr": reciprocal_rank(ranked, q.relevant),
                    },
                )
            )
        out["modes"][mode] = _mean([m for _, m in rows])
        kinds: dict[str, list[dict[str, float]]] = defaultdict(list)
        languages: dict[str, list[dict[str, float]]] = defaultdict(list)
        for q, m in rows:
            kinds[q.kind].append(m)
            languages[q.lang].append(m)
            out["per_query"].setdefault(q.id, {"query": q.query, "kind": q.kind, "lang": q.lang})[mode] = {
                k: round(v, 3) for k, v in m.items()
            }
        out["by_kind"][mode] = {kind: _mean(ms) | {"n": len(ms)} for kind, ms in sorted(kinds.items())}
        out["by_language"][mode] = {lang: _mean(ms) | {"n": len(ms)} for lang, ms in sorted(languages.items())}
    return out


def _mean(rows: Sequence[dict[str, float]]) -> dict[str, float]:
    return {key: round(sum(r[key] for r in rows) / len(rows), 4) for key in ("ndcg", "recall", "mrr")} if rows else {}

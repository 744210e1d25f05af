"""Hybrid ranking: reciprocal rank fusion (RRF) of the keyword and the semantic lists.

RRF adds ``weight / (k + rank)`` over the lists a record appears in. It needs no
score calibration between BM25 (unbounded) and cosine (−1…1), and a record found
by both engines rises above one found by either alone. Chunk hits are already
merged to their record before fusion (a record scores by its best chunk), so a
long record is not counted several times.
"""

from __future__ import annotations

from collections.abc import Sequence

RRF_K = 60


def rrf(rankings: Sequence[Sequence[int]], weights: Sequence[float] | None = None, k: float = RRF_K) -> list[tuple[int, float]]:
    """Fused (record, score) best first; ties keep the order of the first list that has the record."""
    weights = weights or [1.0] * len(rankings)
    scores: dict[int, float] = {}
    for ranking, w in zip(rankings, weights):
        for rank, doc in enumerate(ranking, start=1):
            scores[doc] = scores.get(doc, 0.0) + w / (k + rank)
    return sorted(scores.items(), key=lambda item: -item[1])

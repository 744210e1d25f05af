"""Hybrid ranking: reciprocal rank fusion (RRF) of the keyword and the semantic lists.

RRF adds ``weight / (k + rank)`` over the lists a record appears in. It needs no
score calibration between BM25 (unbounded) and cosine (−1…1), and a record found
by both engines rises above one found by either alone. Chunk hits are already
merged to their record before fusion (a record scores by its best chunk), so a
long record is not counted several times. Vectorised: 10,000 records fuse in well
under a millisecond.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

RRF_K = 60


def rrf(
    rankings: Sequence[np.ndarray], weights: Sequence[float] | None = None, k: float = RRF_K
) -> tuple[np.ndarray, np.ndarray]:
    """(record ids, fused scores) best first. Each ranking lists record ids best first, without repeats.

    Ties keep the order in which records first appear, list after list."""
    weights = list(weights or [1.0] * len(rankings))
    size = max((int(r.max()) + 1 for r in rankings if len(r)), default=0)
    scores = np.zeros(size)
    first = np.full(size, np.iinfo(np.int64).max)
    seen = 0
    for ranking, w in zip(rankings, weights, strict=False):
        ranking = np.asarray(ranking, dtype=np.int64)
        scores[ranking] += w / (k + np.arange(1, len(ranking) + 1))
        first[ranking] = np.minimum(first[ranking], seen + np.arange(len(ranking)))
        seen += len(ranking)
    ids = np.flatnonzero(first < np.iinfo(np.int64).max)
    order = ids[np.lexsort((first[ids], -scores[ids]))]
    return order, scores[order]

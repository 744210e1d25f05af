"""One search, start to finish: check the request, run the engines, fuse, filter, count facets, page, cut snippets.

This is the function behind ``GET /api/search`` and ``hub search``; both only
parse their arguments and format what it returns, so the two always agree.

The set of *matching* records (what ``total`` and the facet counts describe) is
the keyword matches, the records whose best semantic similarity reaches
``semantic_floor``, or both (hybrid). An empty query browses: every record
matches and filters narrow it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from hub.search.errors import BadSearchParameter, QueryTooLong
from hub.search.facets import FACET_NAMES
from hub.search.hybrid import RRF_K, rrf
from hub.search.snippets import snippet

if TYPE_CHECKING:
    from hub.search.index import SearchIndex

MAX_QUERY_CHARS = 500
MAX_LIMIT = 100
MAX_OFFSET = 10_000
MODES = ("hybrid", "keyword", "semantic")
_WORD = re.compile(r"\w")


@dataclass(frozen=True)
class FusionParams:
    """How the two engines are combined; tuned on bench/eval/search_queries.json (see bench/eval_search.py)."""

    rrf_k: float = RRF_K
    keyword_weight: float = 1.0
    semantic_weight: float = 1.0
    semantic_floor: float = 0.30  # cosine below which a record is not a semantic match


DEFAULT_FUSION = FusionParams()


def _check(q: str, mode: str, limit: int, offset: int, filters: Mapping[str, Sequence[str]]) -> None:
    if len(q) > MAX_QUERY_CHARS:
        raise QueryTooLong(f"the query is {len(q)} characters long; at most {MAX_QUERY_CHARS} are accepted",
                           {"parameter": "q", "length": len(q), "max_length": MAX_QUERY_CHARS,
                            "message": f"the query is {len(q)} characters long; at most {MAX_QUERY_CHARS} are accepted"})
    if mode not in MODES:
        raise BadSearchParameter(f"unknown mode '{mode}'; one of {', '.join(MODES)}", {"parameter": "mode", "value": mode, "valid": list(MODES)})
    if not 1 <= limit <= MAX_LIMIT:
        raise BadSearchParameter(f"limit must be between 1 and {MAX_LIMIT}", {"parameter": "limit", "value": limit})
    if not 0 <= offset <= MAX_OFFSET:
        raise BadSearchParameter(f"offset must be between 0 and {MAX_OFFSET}", {"parameter": "offset", "value": offset})
    for name in filters:
        if name not in FACET_NAMES:
            raise BadSearchParameter(f"unknown filter '{name}'; one of {', '.join(FACET_NAMES)}", {"parameter": name, "valid": list(FACET_NAMES)})


def run(
    index: "SearchIndex",
    q: str = "",
    *,
    mode: str = "hybrid",
    filters: Mapping[str, Sequence[str]] | None = None,
    limit: int = 20,
    offset: int = 0,
    fusion: FusionParams = DEFAULT_FUSION,
) -> dict[str, Any]:
    """``{query, mode, total, results, facets}`` (+ ``notices`` when the query could not be used as typed)."""
    q = q or ""
    filters = {k: list(v) for k, v in (filters or {}).items() if v}
    _check(q, mode, limit, offset, filters)
    selected = {name: index.facets.resolve(name, values) for name, values in filters.items()}
    masks = index.facets.masks(selected)
    n = len(index.docs)
    allowed = np.ones(n, dtype=bool)
    for m in masks.values():
        allowed &= m

    text = " ".join(q.split())
    notices: list[str] = []
    terms: frozenset[str] = frozenset()
    unit_sims: np.ndarray | None = None
    if not text:
        matches = np.ones(n, dtype=bool)
        ranked = [(d, 0.0) for d in index.browse_order if allowed[d]]
    else:
        matches = np.zeros(n, dtype=bool)
        keyword_list: list[tuple[int, float]] = []
        semantic_list: list[tuple[int, float]] = []
        if mode in ("keyword", "hybrid"):
            kres = index.keyword.search(text)
            terms = kres.terms
            if kres.notice and (mode == "keyword" or not _WORD.search(text)):
                notices.append(kres.notice)
            keyword_list = kres.hits
            matches[[d for d, _ in keyword_list]] = True
        else:
            terms = index.keyword.terms(text)
        if mode in ("semantic", "hybrid"):
            if _WORD.search(text):
                doc_scores, unit_sims = index.semantic.scores(index.semantic.encode_query(text))
                hit = np.flatnonzero(doc_scores >= fusion.semantic_floor)
                hit = hit[np.argsort(-doc_scores[hit], kind="stable")]
                semantic_list = [(int(d), float(doc_scores[d])) for d in hit]
                matches[hit] = True
            elif mode == "semantic":
                notices.append("the query has no words to compare (only punctuation or symbols)")
        keyword_list = [(d, s) for d, s in keyword_list if allowed[d]]
        semantic_list = [(d, s) for d, s in semantic_list if allowed[d]]
        if mode == "keyword":
            ranked = keyword_list
        elif mode == "semantic":
            ranked = semantic_list
        else:
            ranked = rrf([[d for d, _ in keyword_list], [d for d, _ in semantic_list]],
                         [fusion.keyword_weight, fusion.semantic_weight], fusion.rrf_k)

    results = [_result(index, d, score, terms, unit_sims) for d, score in ranked[offset:offset + limit]]
    response: dict[str, Any] = {"query": q, "mode": mode, "total": len(ranked), "results": results,
                                "facets": index.facets.counts(matches, masks, selected)}
    if notices:
        response["notices"] = notices
    return response


def _result(index: "SearchIndex", d: int, score: float, terms: frozenset[str], unit_sims: np.ndarray | None) -> dict[str, Any]:
    doc = index.docs[d]
    texts = [doc.get("summary") or "", doc.get("body") or ""]
    if unit_sims is not None:
        texts.insert(0, index.semantic.best_unit_text(d, unit_sims))
    return {
        "id": doc["id"], "type": doc["type"], "title": doc["title"], "url": doc["url"],
        "city": doc.get("city"), "country": doc.get("country"), "region": doc.get("region"),
        "score": round(float(score), 4), "snippet": snippet(texts, terms, index.analyzer),
        "themes": doc.get("themes") or [], "levels": doc.get("levels") or [],
    }

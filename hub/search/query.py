"""One search, start to finish: check the request, run the engines, fuse, filter, count facets, page, cut snippets.

This is the function behind ``GET /api/search`` and ``hub search``; both only
parse their arguments and format what it returns, so the two always agree.

The set of *matching* records (what ``total`` and the facet counts describe) is
the keyword matches, the records whose best semantic similarity reaches
``semantic_floor``, or both (hybrid). An empty query browses: every record
matches and filters narrow it.

Keyword matches hold *all* the query's words (stems and SKOS synonyms count); only
when no record does are records holding the most of them used, and the response
says so (``match``, ``notice``). A word no record contains is corrected from the
index's vocabulary (``did_you_mean``); when the query as typed matches nothing
with all its words and the correction does, the correction is searched instead
(``corrected``), and the notice offers the query as typed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from hub.search.errors import BadSearchParameter, QueryTooLong
from hub.search.facets import FACET_NAMES
from hub.search.hybrid import RRF_K, rrf
from hub.search.languages import detect
from hub.search.rendering import to_english
from hub.search.snippets import snippet

if TYPE_CHECKING:
    from hub.search.facets import FacetIndex
    from hub.search.keyword import KeywordEngine
    from hub.search.multilingual import MultilingualIndex
    from hub.search.semantic import SemanticIndex


class SearchIndex(Protocol):
    """What one search reads: :class:`hub.search.index.SearchIndex` (declared here so this module need not import
    the loader, which imports this one)."""

    docs: list[dict[str, Any]]
    keyword: KeywordEngine
    semantic: SemanticIndex
    facets: FacetIndex
    browse_order: np.ndarray
    multilingual: MultilingualIndex | None


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
    semantic_weight: float = 1.25  # meaning matters a little more than shared words for paraphrased needs
    # hybrid: the cosine from which a record matches by meaning alone (without holding the query's words).
    # Calibrated on the judged set (bench/eval_search.py --floors): the highest floor at which none of hybrid's
    # nDCG@10, Recall@10 and MRR falls below what they were at the old floor of 0.30 (higher floors trade recall)
    semantic_floor: float = 0.35
    # semantic mode ranks by meaning only, so every result is a meaning-alone match: a higher floor there cut judged
    # records out of its first ten (nDCG@10 0.747 -> 0.722 at 0.35), so it keeps the floor it had
    semantic_mode_floor: float = 0.30
    # A query in another language (hub.search.languages) is ranked by its multilingual cosine plus a keyword bonus,
    # ``xl_keyword_bonus × BM25 / the best BM25``: e5's cosines sit in a narrow band (unrelated texts ~0.75), so a
    # small bonus lifts records that also hold the query's words (translated concept labels, names) without letting
    # a stray word outrank meaning. Score fusion beat RRF over the same lists on the tune split of
    # bench/eval/search_queries_xl.json (nDCG@10 0.751 against 0.715 at best); the English model's vectors of the
    # query as typed added nothing there, so they are not run for such queries (of its English rendering they are,
    # below). Tuned on that split only (bench/eval_search.py --tune-xl); figures are reported on its test split.
    # 0.0 since the bilingual lexicon (hub.search.bilingual) joined the rendering below, whose BM25 now carries the
    # query's words (tune nDCG@10 0.805 at 0.01 -> 0.809); 0.01 before it, 0.02 before the rendered query
    xl_keyword_bonus: float = 0.0
    # the multilingual cosine from which a record matches by meaning alone (keyword matches always match)
    xl_floor: float = 0.78
    # ... and the query rendered in English through the translated labels and the lexicon (hub.search.rendering) adds
    # ``xl_english_weight × the English model's cosine`` and ``xl_rendered_bonus × its BM25 / the best``; its keyword
    # matches match too. Tuned with the two above on the tune split (bench/eval_search.py --tune-xl).
    xl_english_weight: float = 0.05
    xl_rendered_bonus: float = 0.03  # 0.02 before the lexicon
    # e5's cosines sit in a narrow band, so a floor alone lets in most of the hub (a median of 125 of 309 records on
    # the tune split): a record also has to score within this margin of the best one (0: no margin)
    xl_margin: float = 0.07  # the smallest of 0.04-0.10 that kept the tune split's nDCG@10 and Recall@10


DEFAULT_FUSION = FusionParams()


def _check(q: str, mode: str, limit: int, offset: int, filters: Mapping[str, Sequence[str]]) -> None:
    if len(q) > MAX_QUERY_CHARS:
        raise QueryTooLong(
            f"the query is {len(q)} characters long; at most {MAX_QUERY_CHARS} are accepted",
            {
                "parameter": "q",
                "length": len(q),
                "max_length": MAX_QUERY_CHARS,
                "message": f"the query is {len(q)} characters long; at most {MAX_QUERY_CHARS} are accepted",
            },
        )
    if mode not in MODES:
        raise BadSearchParameter(
            f"unknown mode '{mode}'; one of {', '.join(MODES)}",
            {"parameter": "mode", "value": mode, "valid": list(MODES)},
        )
    if not 1 <= limit <= MAX_LIMIT:
        raise BadSearchParameter(f"limit must be between 1 and {MAX_LIMIT}", {"parameter": "limit", "value": limit})
    if not 0 <= offset <= MAX_OFFSET:
        raise BadSearchParameter(f"offset must be between 0 and {MAX_OFFSET}", {"parameter": "offset", "value": offset})
    for name in filters:
        if name not in FACET_NAMES:
            raise BadSearchParameter(
                f"unknown filter '{name}'; one of {', '.join(FACET_NAMES)}",
                {"parameter": name, "valid": list(FACET_NAMES)},
            )


@cache
def _pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=4, thread_name_prefix="hub-search-encode")


def run(
    index: SearchIndex,
    q: str = "",
    *,
    mode: str = "hybrid",
    filters: Mapping[str, Sequence[str]] | None = None,
    limit: int = 20,
    offset: int = 0,
    fusion: FusionParams = DEFAULT_FUSION,
    correct: bool = True,
) -> dict[str, Any]:
    """``{query, mode, total, results, facets, match, did_you_mean, corrected, notice, query_language,
    semantic_model}`` (+ ``notices`` when the query could not be used as typed)."""
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
    suggestion = index.keyword.suggest(text) if text else None
    corrected = False
    if text:
        found = _rank(index, text, mode, allowed, fusion)
        if correct and suggestion and not _all_words(index, text, mode, found) and _all_words(index, suggestion, mode):
            found, corrected = _rank(index, suggestion, mode, allowed, fusion), True
    else:  # browse: everything matches, filters narrow it
        order = index.browse_order[allowed[index.browse_order]]
        found = _Found(np.ones(n, dtype=bool), order, np.zeros(len(order)), language="en")
    page = zip(found.ids[offset : offset + limit].tolist(), found.scores[offset : offset + limit].tolist(), strict=True)
    results = [_result(index, d, score, found.terms, found.unit_sims) for d, score in page]
    response: dict[str, Any] = {
        "query": q,
        "mode": mode,
        "total": len(found.ids),
        "results": results,
        "facets": index.facets.counts(found.matches, masks, selected),
        "match": found.match,
        "did_you_mean": suggestion,
        "corrected": corrected,
        "notice": notice(text, found, suggestion, corrected),
        "query_language": found.language,
        "semantic_model": found.semantic_model,
    }
    if found.notices:
        response["notices"] = found.notices
    return response


def _all_words(index: SearchIndex, text: str, mode: str, found: _Found | None = None) -> bool:
    """Whether some record holds every word of ``text`` (from ``found`` when its keyword search ran)."""
    if found is not None and found.match is not None:
        return found.match == "all" and bool(found.kw_matches)
    result = index.keyword.search(text, match="best")
    return result.match == "all" and len(result.ids) > 0


def _quoted(words: Sequence[str]) -> str:
    return ", ".join(f"“{w}”" for w in words)


def notice(text: str, found: _Found, suggestion: str | None, corrected: bool) -> str | None:
    """One sentence for people on how the query was read, when it was not read exactly as typed."""
    if corrected:
        return f"Showing results for “{suggestion}”; search instead for “{text}”."
    parts = []
    if found.missing:
        parts.append(f"No record contains {_quoted(found.missing)}.")
    if found.match in ("most", "any") and found.kw_matches:
        need, of = found.held or (1, 0)
        some = "any one" if need == 1 else f"{need} of the {of}"
        parts.append(
            f"No record contains all of your words: showing records that contain {some}"
            + (" and records close in meaning." if found.semantic_only else ".")
        )
    if suggestion and not corrected:
        parts.append(f"Did you mean “{suggestion}”?")
    return " ".join(parts) or None


@dataclass
class _Found:
    matches: np.ndarray  # every record the query matches, before filters (for facet counts)
    ids: np.ndarray  # filtered matches, best first
    scores: np.ndarray  # their scores
    terms: frozenset[str] = frozenset()  # analysed query words, for snippets
    unit_sims: np.ndarray | None = None  # cosine of every semantic unit, for snippets
    notices: list[str] = field(default_factory=list)
    match: str | None = None  # keyword matching: "all" | "most" | "any" words (None: the keyword engine did not run)
    held: tuple[int, int] | None = None  # (words each keyword match holds at least, words to match)
    missing: tuple[str, ...] = ()  # words no record contains
    kw_matches: int = 0  # records matched by keyword, before filters
    semantic_only: int = 0  # records matched by meaning alone, before filters
    language: str = "en"  # the query's language (hub.search.languages)
    semantic_model: str | None = None  # which vectors answered: "english", "multilingual" or None (keyword only)


_NONE = np.zeros(0, dtype=np.int64)


def _rank(index: SearchIndex, text: str, mode: str, allowed: np.ndarray, fusion: FusionParams) -> _Found:
    found = _Found(np.zeros(len(index.docs), dtype=bool), _NONE, np.zeros(0), language=detect(text))
    kw_ids, kw_scores, sem_ids, sem_scores = _NONE, np.zeros(0), _NONE, np.zeros(0)
    comparable = mode != "keyword" and _WORD.search(text) is not None
    # another language, and the build has the vectors for it: the multilingual model answers (English queries never)
    crosslingual = comparable and found.language != "en" and index.multilingual is not None
    # the query is embedded (torch, outside the GIL) while Whoosh searches (Python)
    vector = _pool().submit(index.semantic.encode_query, text) if comparable and not crosslingual else None
    ml_vector = _pool().submit(index.multilingual.encode_query, text) if crosslingual and index.multilingual else None
    rendered = to_english(text, index.keyword.translations) if crosslingual and mode == "hybrid" else ""
    en_vector = _pool().submit(index.semantic.encode_query, rendered) if rendered and fusion.xl_english_weight else None
    if mode == "semantic":
        found.terms, found.missing = index.keyword.terms(text), index.keyword.missing(text)
    else:
        kres = index.keyword.search(text, match="best", labels=found.language != "en")
        found.terms, kw_ids, kw_scores = kres.terms, kres.ids, kres.scores
        found.match, found.held, found.missing, found.kw_matches = kres.match, kres.held, kres.missing, len(kw_ids)
        if kres.notice and not comparable:
            found.notices.append(kres.notice)
        found.matches[kw_ids] = True
    if vector is not None:
        found.semantic_model = "english"
        doc_scores, found.unit_sims = index.semantic.scores(vector.result())
        above = doc_scores >= (fusion.semantic_floor if mode == "hybrid" else fusion.semantic_mode_floor)
        found.semantic_only = int((above & ~found.matches).sum())
        sem_ids = np.flatnonzero(above)
        sem_ids = sem_ids[np.argsort(-doc_scores[sem_ids], kind="stable")]
        sem_scores = doc_scores[sem_ids]
        found.matches |= above
    elif ml_vector is not None and index.multilingual is not None:
        found.semantic_model = "multilingual"
        cosines = index.multilingual.scores(ml_vector.result()).astype(np.float64)
        above = cosines >= fusion.xl_floor
        found.semantic_only = int((above & ~found.matches).sum())
        if mode == "hybrid":
            if len(kw_ids):
                cosines[kw_ids] += fusion.xl_keyword_bonus * kw_scores / max(float(kw_scores.max()), 1e-9)
            if en_vector is not None:
                cosines += fusion.xl_english_weight * index.semantic.scores(en_vector.result())[0]
            if rendered and fusion.xl_rendered_bonus:
                kr = index.keyword.search(rendered, match="best")
                if len(kr.ids):
                    cosines[kr.ids] += fusion.xl_rendered_bonus * kr.scores / max(float(kr.scores.max()), 1e-9)
                    found.matches[kr.ids] = True
            above |= found.matches
        if mode == "hybrid" and above.any() and fusion.xl_margin:  # a count that means something: near the best
            above &= cosines >= float(cosines[above].max()) - fusion.xl_margin
        sem_ids = np.flatnonzero(above)
        sem_ids = sem_ids[np.argsort(-cosines[sem_ids], kind="stable")]
        sem_scores = cosines[sem_ids]
        found.matches = above if mode == "hybrid" else found.matches | above
    elif mode == "semantic":
        found.notices.append("the query has no words to compare (only punctuation or symbols)")
    keep_kw, keep_sem = allowed[kw_ids], allowed[sem_ids]
    kw_ids, kw_scores, sem_ids, sem_scores = (
        kw_ids[keep_kw],
        kw_scores[keep_kw],
        sem_ids[keep_sem],
        sem_scores[keep_sem],
    )
    if mode == "keyword":
        found.ids, found.scores = kw_ids, kw_scores
    elif mode == "semantic" or found.semantic_model == "multilingual":  # the multilingual list is already fused
        found.ids, found.scores = sem_ids, sem_scores
    else:
        found.ids, found.scores = rrf([kw_ids, sem_ids], [fusion.keyword_weight, fusion.semantic_weight], fusion.rrf_k)
    return found


def _result(
    index: SearchIndex, d: int, score: float, terms: frozenset[str], unit_sims: np.ndarray | None
) -> dict[str, Any]:
    doc = index.docs[d]
    texts = [doc.get("summary") or "", doc.get("body") or ""]
    if unit_sims is not None:
        texts.insert(0, index.semantic.best_unit_text(d, unit_sims))
    return {
        "id": doc["id"],
        "type": doc["type"],
        "title": doc["title"],
        "url": doc["url"],
        "city": doc.get("city"),
        "country": doc.get("country"),
        "region": doc.get("region"),
        "place": doc.get("place") or "",
        "score": round(float(score), 4),
        "snippet": snippet(texts, terms),
        "themes": doc.get("themes") or [],
        "levels": doc.get("levels") or [],
    }

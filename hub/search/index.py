"""The search index as servers use it: :func:`load` opens ``build/search/`` (written by :mod:`hub.search.indexer`).

``build/search/`` holds everything a search needs, so a replica can serve from a
copy of it without the data, the vocabularies or rdflib; this module imports no build
or validation code. Loading never touches the model; the first semantic query loads it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hub.config import RECORD_KINDS
from hub.search import keyword, multilingual, query, semantic
from hub.search.errors import IndexMissing, reading
from hub.search.facets import FacetIndex, FacetValue

FORMAT = 2  # 2: -ize folded to -ise in the keyword index, lexicon.json for "did you mean"
DIRECTORY = "search"  # the search index's folder in a build


@dataclass
class SearchIndex:
    """Everything a query needs, in memory. Create with :func:`load`; safe to share between threads."""

    directory: Path
    docs: list[dict[str, Any]]
    keyword: keyword.KeywordEngine
    semantic: semantic.SemanticIndex
    facets: FacetIndex
    browse_order: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # practices first, by title
    multilingual: multilingual.MultilingualIndex | None = None  # None: built with HUB_MULTILINGUAL=0

    def search(self, q: str = "", **options: Any) -> dict[str, Any]:
        """Run one search; see :func:`hub.search.query.run` for the options and the response."""
        return query.run(self, q, **options)


def load(directory: Path, params: keyword.KeywordParams | None = None) -> SearchIndex:
    """Open a built index; raises :class:`IndexMissing` when there is none."""
    if not (directory / "meta.json").exists():
        raise IndexMissing(f"no search index in {directory}; run `hub build` first")
    with reading(directory / "meta.json"):
        meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
    if meta.get("format") != FORMAT:
        raise IndexMissing(f"the search index in {directory} has an old format; run `hub build`")
    docs = meta["docs"]
    values = {
        name: [FacetValue(v["id"], v["label"], tuple(v["alt_labels"])) for v in vals]
        for name, vals in meta["facet_values"].items()
    }
    kinds = {k: i for i, k in enumerate(RECORD_KINDS)}
    order = sorted(range(len(docs)), key=lambda i: (kinds.get(docs[i]["type"], 9), docs[i]["title"].lower()))
    return SearchIndex(
        directory,
        docs,
        keyword.open_engine(directory / "keyword", params),
        semantic.SemanticIndex(directory, len(docs)),
        FacetIndex(values, meta["facets"]),
        browse_order=np.asarray(order, dtype=np.int64),
        multilingual=multilingual.load(directory, len(docs)),
    )

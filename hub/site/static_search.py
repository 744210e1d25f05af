"""The static copy's search: the records' searchable fields as one JSON file, and the engine's files from npm.

A copy of ``build/site/`` on a plain file host has no ``/api/search``; ``site/static/static-search.js``
then ranks these records in the browser with MiniSearch (BM25 over any of the words, fuzzy and prefix
matching, the keyword index's field weights) and counts the filters like the server. Its records are
the keyword index's own documents (:func:`hub.search.indexer.keyword_doc`) and facet memberships
(broader concepts included), and the folding rule and stop words come from :mod:`hub.search.keyword`,
so a word matches the same records on the static copy as on the server. The index's file name carries
a hash of its content: a CDN may cache it for ever, and only the search page changes when it does.
The engine's files are copied from ``node_modules`` (pinned in ``package.json``, installed by
``npm ci``), with their licences: nothing is fetched from a CDN.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hub.config import RECORD_KINDS, REPO_DIR
from hub.search import indexer as search_index, keyword, languages
from hub.site.model import SEARCH_FACETS
from hub.text import LETTERS

FORMAT = 1
# site/static/<name> ← node_modules/<path>: the engine and its Porter stemmer (the server's keyword index stems too)
VENDOR = {
    "minisearch.js": "minisearch/dist/es/index.js",
    "minisearch.LICENSE.txt": "minisearch/LICENSE.txt",
    "stemmer.js": "stemmer/index.js",
    "stemmer.LICENSE.txt": "stemmer/license",
}
NODE_MODULES = REPO_DIR / "node_modules"


class StaticSearchError(RuntimeError):
    """The engine's files are missing from node_modules."""


def payload(catalog: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Every record's searchable fields, what a result shows, and its filter values; plus the analysis rules."""
    aliases = {e["id"]: list(e.get("aliases") or []) for e in catalog if e["type"] == "city"}
    docs = []
    for e in catalog:
        doc = search_index.keyword_doc(e, aliases)
        del doc[keyword.TRANSLATED]  # other languages need the server (its analysis of their scripts and labels)
        member = search_index.memberships(e)
        where = e.get("place") or ", ".join(x for x in (e.get("city"), e.get("country")) if x)  # as the API's results
        doc.update(
            url=e["url"],
            type=e["type"],
            where=where,
            facets={f: member.get(f, []) for f in SEARCH_FACETS if member.get(f)},
        )
        docs.append(doc)
    letters = {chr(k): v for k, v in LETTERS.items()}
    return {
        "format": FORMAT,
        "boosts": {f: w for f, w in keyword.KeywordParams().boosts.items() if f != keyword.TRANSLATED},
        "fields": [f for f in keyword.FIELDS if f != keyword.TRANSLATED],
        "stopwords": sorted(keyword.STOPLIST),
        "letters": letters,
        "language": languages.detection_rules(),
        "order": list(RECORD_KINDS),
        "docs": docs,
    }


def files(catalog: Sequence[dict[str, Any]]) -> dict[str, bytes]:
    """``{file name in site/static: content}``: the vendored engine and ``search-index-<hash>.json``."""
    out: dict[str, bytes] = {}
    for name, rel in VENDOR.items():
        source = NODE_MODULES / rel
        if not source.is_file():
            raise StaticSearchError(f"{source} not found: run `npm ci` (or ./scripts/setup.sh) before building")
        out[name] = source.read_bytes()
    data = json.dumps(payload(catalog), ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    out[f"search-index-{hashlib.sha256(data).hexdigest()[:12]}.json"] = data
    return out


def index_name(written: dict[str, bytes]) -> str:
    """The hashed file name of the records' JSON among :func:`files`."""
    return next(n for n in written if n.startswith("search-index-"))


def write(static_dir: Path, written: dict[str, bytes]) -> None:
    for name, data in written.items():
        (static_dir / name).write_bytes(data)

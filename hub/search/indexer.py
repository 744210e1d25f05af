"""The search index's build side: ``build/search/`` written from a catalogue, for :mod:`hub.search.index` to load.

:func:`build_search_index` is a plain function (a catalogue, a folder, a cache folder); the
build's ``search`` stage calls it. What it writes:

* ``meta.json``: the records as results show them, their facet memberships, and
  every valid facet value with its labels (to resolve and suggest filter values);
* ``keyword/``: the Whoosh index, the SKOS synonym groups and the translations (labels and the bilingual lexicon);
* ``embeddings.npy`` + ``units.json``: one vector per title-and-summary and per body chunk;
* ``multilingual.npy`` + ``multilingual.json``: one multilingual vector per record (unless ``multilingual`` is off).
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from hub import vocab
from hub.catalog_model import CatalogEntry
from hub.config import VOCAB_DIR
from hub.facets import FACET_BY_NAME, FACETS, facet_names
from hub.search import bilingual, keyword, multilingual, semantic
from hub.search.facets import facet_values
from hub.search.index import FORMAT

# what a result shows and what snippets are cut from
DISPLAY_FIELDS = (
    "id",
    "type",
    "title",
    "url",
    "city",
    "country",
    "region",
    "place",
    "themes",
    "levels",
    "summary",
    "body",
)
CONCEPT_FACETS = tuple(f for f in FACETS if f.describes)  # facets whose labels describe the practice
# facets whose translated labels are searchable: the describing ones and where the record is ("Marruecos")
TRANSLATED_FACETS = (*CONCEPT_FACETS, FACET_BY_NAME["country"], FACET_BY_NAME["region"])


def _schemes() -> dict[str, vocab.Scheme]:
    return vocab.load(VOCAB_DIR)


def memberships(entry: CatalogEntry) -> dict[str, list[str]]:
    """A record's facet values, each concept with its broader concepts in the same scheme."""
    schemes = _schemes()
    out: dict[str, list[str]] = {}
    for name in facet_names():
        ids = list(entry.get("facets", {}).get(name, []))
        if name in FACET_BY_NAME:
            scheme = schemes[FACET_BY_NAME[name].scheme]
            for cid in list(ids):
                if cid in scheme.concepts:
                    ids += [a for a in scheme.ancestors(cid) if a not in ids]
        out[name] = ids
    return out


def synonym_groups() -> list[list[str]]:
    """``[preferred label, *alternative labels]`` per concept, across the schemes search uses.

    An alternative label that is also a label of another concept ("sports" listed
    under the stakeholder "city departments" but also a theme) is ambiguous and left
    out: expanding it would send a query about sport to city departments."""
    concepts = [c for f in FACETS for c in _schemes()[f.scheme].concepts.values()]
    ana = keyword.analyzer()
    uses = Counter(" ".join(keyword.analyse(label, ana)) for c in concepts for label in {c.label, *c.alt_labels})
    groups = []
    for c in concepts:
        alts = [a for a in c.alt_labels if uses[" ".join(keyword.analyse(a, ana))] == 1]
        if alts:
            groups.append([c.label, *alts])
    return groups


def translation_groups() -> list[list[str]]:
    """``[English preferred label, *labels in other languages]`` per concept of the translated facets: the keyword
    engine's one-way :class:`hub.search.keyword.Translations`."""
    schemes = _schemes()
    groups = []
    for facet in TRANSLATED_FACETS:
        for c in schemes[facet.scheme].concepts.values():
            if c.translations():
                groups.append([c.label, *c.translations()])
    return groups


def keyword_doc(entry: CatalogEntry, aliases: dict[str, list[str]]) -> dict[str, str]:
    """The text fields of one record for the keyword index."""
    schemes = _schemes()
    places: list[str] = []
    for c in entry.get("cities") or []:
        places += [c["label"], *aliases.get(c["id"], [])]
    if entry["type"] == "city":
        places += [entry["title"], *entry.get("aliases", [])]
    places += (entry.get("countries") or []) + (entry.get("regions") or [])
    concepts: list[str] = []
    for facet in CONCEPT_FACETS:
        scheme = schemes[facet.scheme]
        for cid in entry.get("facets", {}).get(facet.name, []):
            c = scheme.concepts.get(cid)
            if c:
                concepts += [c.label, *c.alt_labels]
    translated: list[str] = []
    for facet in TRANSLATED_FACETS:
        scheme = schemes[facet.scheme]
        for cid in entry.get("facets", {}).get(facet.name, []):
            c = scheme.concepts.get(cid)
            if c:
                translated += c.translations()
    extra = [
        *(entry.get("partners") or []),
        entry.get("publisher") or "",
        entry.get("category") or "",
        entry.get("resource_type") or "",
        entry.get("scope") or "",
        # the names a city goes by elsewhere (GeoNames: "Den Haag", "Prishtinë", "Гаага"), in the low-weight field
        # so that dozens of them do not outweigh the city's own name in "place"
        *((entry.get("geonames") or {}).get("names") or []),
    ]
    return {
        "id": entry["id"],
        "title": entry["title"],
        "summary": entry.get("summary") or "",
        "body": entry.get("body") or "",
        "place": " · ".join(dict.fromkeys(places)),
        "concepts": " · ".join(dict.fromkeys(concepts)),
        "extra": " · ".join(x for x in extra if x),
        keyword.TRANSLATED: " · ".join(dict.fromkeys(translated)),
    }


def build_search_index(
    catalog: Sequence[CatalogEntry],
    out: Path,
    cache_dir: Path,
    in_background: bool = False,
    multilingual_vectors: bool = True,
) -> dict[str, Any]:
    """Write the whole search index for ``catalog`` into ``out``; return counts and timings.

    With ``in_background`` the Whoosh index is written by a second process
    (:mod:`hub.background`) and the caller must wait for the returned ``keyword_job``.
    That process starts after the embeddings: the encoder already keeps both cores busy,
    and the single-threaded stages that follow leave one idle.
    """
    out.mkdir(parents=True, exist_ok=True)
    aliases = {e["id"]: list(e.get("aliases") or []) for e in catalog if e["type"] == "city"}
    t0 = time.perf_counter()
    sem = semantic.build(out, catalog, cache_dir)
    tm = time.perf_counter()
    if multilingual_vectors:
        sem |= multilingual.build(out, catalog, cache_dir)
    sem["multilingual_s"] = round(time.perf_counter() - tm, 3)
    t1 = time.perf_counter()
    docs, synonyms, translations = [keyword_doc(e, aliases) for e in catalog], synonym_groups(), translation_groups()
    words = bilingual.groups()  # before the second process starts: a malformed line stops the build here
    job = keyword.build_in_background(out / "keyword", docs, synonyms, translations, words) if in_background else None
    if job is None:
        keyword.build(out / "keyword", docs, synonyms, translations, words)
    t2 = time.perf_counter()
    meta = {
        "format": FORMAT,
        "docs": [{k: e.get(k) for k in DISPLAY_FIELDS} for e in catalog],
        "facets": [memberships(e) for e in catalog],
        "facet_values": {name: [asdict(v) for v in vals] for name, vals in facet_values().items()},
    }
    (out / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    stats: dict[str, Any] = {
        "records": len(catalog),
        **sem,
        "semantic_s": round(tm - t0, 3),
        "keyword_s": round(t2 - t1, 3),
        "total_s": round(time.perf_counter() - t0, 3),
    }
    if job is not None:
        stats["keyword_job"] = job
    return stats

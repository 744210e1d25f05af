"""One record of a build: found by kind and id, with close matches when it is not there, and as RDF.

The JSON form is the catalogue entry (``build/records.json``); the RDF form is the
record's own named graph in the store, i.e. exactly the statements its Markdown file
made, in Turtle, N-Triples or JSON-LD. Used by the API's record routes; knows nothing of HTTP.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

from hub import store
from hub.config import BASE_IRI, KIND_FOLDERS, graph_iri
from hub.vocab import close_matches

RDF_FORMATS = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD}
# prefixes for readable Turtle: the store's, plus one per record kind (practice:x, city:y ...)
PREFIXES = {
    **store.PREFIXES,
    "practice": f"{BASE_IRI}practices/",
    "city": f"{BASE_IRI}cities/",
    "resource": f"{BASE_IRI}resources/",
    "spotlight": f"{BASE_IRI}spotlights/",
    "org": f"{BASE_IRI}organisations/",
}


def find(records: dict[str, dict[str, Any]], kind: str, record_id: str) -> dict[str, Any] | None:
    """The catalogue entry of this kind and id, or None."""
    rec = records.get(record_id)
    return rec if rec is not None and rec["type"] == kind else None


def suggest(records: dict[str, dict[str, Any]], kind: str, record_id: str, n: int = 5) -> list[dict[str, str]]:
    """Records the caller may have meant: the same id under another kind first, then close ids and id words of this
    kind."""
    out: list[dict[str, str]] = []
    other = records.get(record_id)
    if other is not None and other["type"] != kind:
        out.append(other)
    ids = [rid for rid, r in records.items() if r["type"] == kind]
    close = close_matches(record_id, ids, n=n)
    words = [w for w in record_id.lower().split("-") if len(w) > 2]
    partial = [rid for rid in ids if rid not in close and any(w in rid for w in words)]
    for rid in close + partial:
        if len(out) >= n:
            break
        out.append(records[rid])
    return [
        {"id": r["id"], "type": r["type"], "title": r["title"], "api": f"/api/{KIND_FOLDERS[r['type']]}/{r['id']}"}
        for r in out
    ]


def record_rdf(graph_store: store.GraphStore, kind: str, record_id: str, fmt: str) -> bytes:
    """The record's named graph serialised as ``fmt`` (turtle, ntriples or jsonld)."""
    triples = sorted(store.graph_triples(graph_store, graph_iri(kind, record_id)), key=str)
    return ox.serialize(triples, format=RDF_FORMATS[fmt], prefixes=PREFIXES)

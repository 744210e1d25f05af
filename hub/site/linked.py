"""JSON-LD for record pages, read from the built graph store so a page says exactly what the graph says.

Each page embeds its record's named graph, plus two things a reader of the page
(a search engine, a harvester) needs and the graph already holds elsewhere: the
schema.org classes the record's hub classes are subclasses of (RDFS entailment
from ``hub.ttl``), and the labels of the concepts, cities and organisations it
points to. Blank nodes are renamed by content so the output is stable from build
to build.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pyoxigraph as ox

from hub.config import graph_iri, record_iri
from hub.store import PREFIXES, select

RDF_TYPE = PREFIXES["rdf"] + "type"
LABEL_PROPERTIES = [ox.NamedNode(PREFIXES["skos"] + "prefLabel"), ox.NamedNode(PREFIXES["rdfs"] + "label")]
CONTEXT = {p: ns for p, ns in PREFIXES.items() if p != "owl"}
_SIMPLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
_BY_LENGTH = sorted(CONTEXT.items(), key=lambda kv: -len(kv[1]))


def _curie(iri: str) -> str:
    for prefix, ns in _BY_LENGTH:
        if iri.startswith(ns) and _SIMPLE.match(iri[len(ns) :]):
            return f"{prefix}:{iri[len(ns) :]}"
    return iri


class JsonLd:
    """Per-record JSON-LD documents from one open store."""

    def __init__(self, store: ox.Store):
        self.store = store
        rows = select(
            store, f'SELECT ?c ?s WHERE {{ ?c rdfs:subClassOf+ ?s FILTER(STRSTARTS(STR(?s), "{PREFIXES["schema"]}")) }}'
        )
        self.schema_types: dict[str, set[str]] = {}
        for r in rows:
            self.schema_types.setdefault(r["c"], set()).add(r["s"])

    def triples(self, kind: str, record_id: str) -> list[ox.Triple]:
        """The record's named graph, its schema.org types, and the labels of what it links to."""
        graph = ox.NamedNode(graph_iri(kind, record_id))
        own = [q.triple for q in self.store.quads_for_pattern(None, None, None, graph)]
        subject = ox.NamedNode(record_iri(kind, record_id))
        rdf_type = ox.NamedNode(RDF_TYPE)
        extra: set[ox.Triple] = set()
        for t in own:
            if t.subject == subject and t.predicate == rdf_type:
                extra.update(
                    ox.Triple(subject, rdf_type, ox.NamedNode(s)) for s in self.schema_types.get(t.object.value, ())
                )
        for o in {t.object for t in own if isinstance(t.object, ox.NamedNode) and t.predicate != rdf_type}:
            for prop in LABEL_PROPERTIES:
                found = [q.triple for q in self.store.quads_for_pattern(o, prop, None, None)]
                if found:
                    extra.update(found)
                    break
        return own + sorted(extra - set(own), key=str)

    def document(self, kind: str, record_id: str) -> dict[str, Any]:
        triples = self.triples(kind, record_id)
        key = (record_iri(kind, record_id), _content_key(triples))
        if (
            key not in _documents
        ):  # the same triples give the same document: `hub build --watch` re-derives only what changed
            if len(_documents) > 50_000:
                _documents.clear()
            _documents[key] = compact(json.loads(ox.serialize(triples, format=ox.RdfFormat.JSON_LD)), key[0])
        return _documents[key]  # shared between builds: read, never modify


_documents: dict[tuple[str, tuple[str, ...]], dict[str, Any]] = {}


def _content_key(triples: list[ox.Triple]) -> tuple[str, ...]:
    """The triples with each blank node written as its own statements: the store names blank nodes anew on every
    load."""
    own: dict[str, list[str]] = {}
    for t in triples:
        if isinstance(t.subject, ox.BlankNode):
            own.setdefault(t.subject.value, []).append(f"{t.predicate} {t.object}")
    names = {b: "[" + " ; ".join(sorted(v)) + "]" for b, v in own.items()}

    def term(x: Any) -> str:
        return names.get(x.value, "[]") if isinstance(x, ox.BlankNode) else str(x)

    return tuple(sorted(f"{term(t.subject)} {t.predicate} {term(t.object)}" for t in triples))


def _compact_value(v: dict[str, Any]) -> Any:
    if "@type" in v:
        return {**v, "@type": _curie(v["@type"])}
    return v


def compact(nodes: list[dict[str, Any]], main: str) -> dict[str, Any]:
    """Expanded JSON-LD (a list of node objects) → one readable document with prefixes, the record first.

    Same triples, shorter keys: properties and types become CURIEs declared in the
    context, rdf:type becomes @type, one-element arrays lose their brackets.
    """
    merged: dict[str, dict[str, list[Any]]] = {}  # a serializer may emit one subject in several node objects
    for node in nodes:
        target = merged.setdefault(node["@id"], {"@id": node["@id"]})  # type: ignore[dict-item]
        for key, values in node.items():
            if key != "@id":
                target.setdefault(key, []).extend(v for v in values if v not in target.get(key, []))
    out = []
    for node in merged.values():
        new: dict[str, Any] = {"@id": node["@id"]}
        types = [_curie(t["@id"]) for t in node.get(RDF_TYPE, [])] + [_curie(t) for t in node.get("@type", [])]
        if types:
            new["@type"] = sorted(types)[0] if len(types) == 1 else sorted(types)
        for key in sorted(k for k in node if k not in ("@id", "@type", RDF_TYPE)):
            values = [_compact_value(v) for v in node[key]]
            values.sort(key=lambda v: json.dumps(v, sort_keys=True))
            new[_curie(key)] = values[0] if len(values) == 1 else values
        out.append(new)
    out = _rename_blank_nodes(out)
    for (
        node
    ) in out:  # values were sorted under the serializer's random blank node names: sort again under the stable ones
        for key, value in node.items():
            if isinstance(value, list) and key != "@type":
                value.sort(key=lambda v: json.dumps(v, sort_keys=True))
    out.sort(key=lambda n: (n["@id"] != main, n["@id"].startswith("_:"), n["@id"]))
    return {"@context": CONTEXT, "@graph": out}


def _rename_blank_nodes(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    incoming: dict[str, list[tuple[str, str]]] = {}  # two passages with the same text differ by who cites them
    for n in nodes:
        for key, value in n.items():
            for v in value if isinstance(value, list) else [value]:
                if isinstance(v, dict) and str(v.get("@id", "")).startswith("_:"):
                    incoming.setdefault(v["@id"], []).append(("" if n["@id"].startswith("_:") else n["@id"], key))

    def signature(n: dict[str, Any]) -> str:
        return json.dumps(
            [sorted(incoming.get(n["@id"], [])), {k: v for k, v in n.items() if k != "@id"}], sort_keys=True
        )

    blank = sorted((n for n in nodes if n["@id"].startswith("_:")), key=signature)
    names = {n["@id"]: f"_:b{i}" for i, n in enumerate(blank)}

    def walk(x: Any) -> Any:
        if isinstance(x, dict):
            return {k: (names.get(v, v) if k == "@id" else walk(v)) for k, v in x.items()}
        if isinstance(x, list):
            return [walk(v) for v in x]
        return x

    return walk(nodes) if names else nodes

"""The graph store the servers query: embedded Oxigraph by default, a remote SPARQL 1.1 endpoint by URL.

Both answer the same two calls, :func:`select` for rows and :func:`raw_query` for
serialised results, so the API and the SPARQL endpoint do not care which is behind them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from hub.config import BASE_IRI

PREFIXES = {
    "hub": BASE_IRI,
    "schema": "https://schema.org/",
    "dcterms": "http://purl.org/dc/terms/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "prov": "http://www.w3.org/ns/prov#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


class StoreError(RuntimeError):
    """The store is missing or unreadable; the message says how to fix it."""


def create(path: Path, nquads: Path) -> None:
    """Write a new on-disk store from an N-Quads file (build time only)."""
    store = ox.Store(str(path))
    store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    store.flush()
    store.optimize()
    del store


def open_local(path: Path) -> ox.Store:
    """Open the built store read-only; many server processes may share it."""
    if not path.is_dir():
        raise StoreError(f"no graph store at {path}: run `hub build` first")
    try:
        return ox.Store.read_only(str(path))
    except OSError as exc:
        raise StoreError(f"the graph store at {path} cannot be opened ({exc}): run `hub build` to rebuild it") from exc


def _term(term: Any) -> Any:
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        return term.value
    return term.value  # NamedNode / BlankNode


def select(store: ox.Store, query: str, **bindings: str) -> list[dict[str, Any]]:
    """Rows of a SELECT as plain dicts of Python strings. The union of named graphs is the default graph."""
    subs = {ox.Variable(k): (ox.NamedNode(v) if v.startswith("http") else ox.Literal(v)) for k, v in bindings.items()}
    solutions = store.query(query, prefixes=PREFIXES, use_default_graph_as_union=True, substitutions=subs or None)
    names = [v.value for v in solutions.variables]
    return [{n: _term(row[n]) for n in names} for row in solutions]


@dataclass(frozen=True)
class Counts:
    practices: int
    cities: int
    resources: int
    spotlights: int
    triples: int


def counts(store: ox.Store) -> Counts:
    rows = select(
        store,
        """SELECT
             (SUM(IF(?t = hub:Practice, 1, 0)) AS ?p) (SUM(IF(?t = hub:City, 1, 0)) AS ?c)
             (SUM(IF(?t = hub:Resource, 1, 0)) AS ?r) (SUM(IF(?t = hub:Spotlight, 1, 0)) AS ?s)
           WHERE { ?x a ?t }""",
    )
    r = rows[0]
    return Counts(int(r["p"]), int(r["c"]), int(r["r"]), int(r["s"]), len(store))

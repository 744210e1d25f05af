"""The graph store the servers query: embedded Oxigraph by default, a remote SPARQL 1.1 endpoint by URL.

:func:`connect` returns either an ``ox.Store`` opened read-only or a :class:`RemoteStore`
(``HUB_STORE=http://host:port/query``); :func:`select`, :func:`query` and
:func:`graph_triples` answer the same way for both, so the API and the SPARQL endpoint
do not care which is behind them. :func:`publish` copies a built graph into a remote
server through the SPARQL 1.1 Graph Store Protocol, one named graph per record.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph as ox

from hub import __version__
from hub.config import BASE_IRI, Settings

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
    except (OSError, RuntimeError) as exc:  # pyoxigraph reports a corrupted store as RuntimeError
        raise StoreError(f"the graph store at {path} cannot be opened ({exc}): run `hub build` to rebuild it") from exc


def _term(term: Any) -> Any:
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        return term.value
    return term.value  # NamedNode / BlankNode


def select(store: GraphStore, query: str, **bindings: str) -> list[dict[str, Any]]:
    """Rows of a SELECT as plain dicts of Python strings. The union of named graphs is the default graph."""
    subs = {ox.Variable(k): (ox.NamedNode(v) if v.startswith("http") else ox.Literal(v)) for k, v in bindings.items()}
    if isinstance(store, RemoteStore):
        solutions = store.query(_inline_bindings(query, subs))
    else:
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


# ---------------------------------------------------------------- one interface for both kinds of store

GRAPH_PREFIX = f"{BASE_IRI}graph/"  # every named graph the build writes lives under this IRI
_PROLOGUE = "".join(f"PREFIX {k}: <{v}>\n" for k, v in PREFIXES.items())
_REMOTE_ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9"
MAX_REMOTE_BYTES = 256 * 1024 * 1024  # a remote answer larger than this is refused, not buffered


class RemoteStore:
    """A SPARQL 1.1 query endpoint reached over HTTP (``HUB_STORE=http://host:port/query``).

    It answers :meth:`query` with the same pyoxigraph result objects as the embedded
    store, so callers never branch on the kind of store. The server must expose the
    union of its named graphs as the default graph (``oxigraph serve --union-default-graph``,
    Fuseki ``unionDefaultGraph``), as the embedded store does.
    """

    def __init__(self, query_url: str, timeout_s: float = 30.0):
        if not query_url.startswith(("http://", "https://")):
            raise StoreError(f"HUB_STORE must be an http(s) URL of a SPARQL query endpoint, not {query_url!r}")
        self.query_url = query_url
        self._client = httpx.Client(timeout=timeout_s, headers={"User-Agent": f"cityhub/{__version__}"})

    def __repr__(self) -> str:
        return f"RemoteStore({self.query_url!r})"

    def request(
        self, query: str, default_graphs: Iterable[str] = (), named_graphs: Iterable[str] = ()
    ) -> httpx.Response:
        """POST the query (form-encoded, as the protocol allows for any size) and return the raw answer."""
        data = {
            "query": _PROLOGUE + query,
            "default-graph-uri": list(default_graphs),
            "named-graph-uri": list(named_graphs),
        }
        try:
            with self._client.stream("POST", self.query_url, data=data, headers={"Accept": _REMOTE_ACCEPT}) as resp:
                body = bytearray()
                for chunk in resp.iter_bytes():
                    body += chunk
                    if len(body) > MAX_REMOTE_BYTES:
                        raise StoreError(f"the remote store's answer exceeds {MAX_REMOTE_BYTES // 2**20} MB")
        except httpx.HTTPError as exc:
            raise StoreError(f"the remote store at {self.query_url} cannot be reached ({exc})") from exc
        if resp.status_code >= 400:
            text = bytes(body[:500]).decode("utf-8", "replace").strip()
            if resp.status_code == 400:
                raise SyntaxError(text or "the remote store refused the query")
            raise StoreError(f"the remote store answered {resp.status_code}: {text}")
        return httpx.Response(resp.status_code, headers=resp.headers, content=bytes(body))

    def query(self, query: str, default_graphs: Iterable[str] = (), named_graphs: Iterable[str] = ()) -> Any:
        """QuerySolutions, QueryBoolean or an iterator of Triples, parsed from the remote answer."""
        resp = self.request(query, default_graphs, named_graphs)
        media = resp.headers.get("content-type", "").split(";")[0].strip()
        if media == "application/sparql-results+json":
            return ox.parse_query_results(resp.content, format=ox.QueryResultsFormat.JSON)
        if media in ("application/n-triples", "text/plain"):
            return (q.triple for q in ox.parse(resp.content, format=ox.RdfFormat.N_TRIPLES))
        raise StoreError(
            f"the remote store answered in {media or 'an unknown format'}, expected SPARQL JSON or N-Triples"
        )

    def __len__(self) -> int:
        rows = select(self, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        return int(rows[0]["n"])

    def close(self) -> None:
        self._client.close()


GraphStore = ox.Store | RemoteStore


def connect(cfg: Settings, store_dir: Path | None = None) -> GraphStore:
    """The store the settings name: remote when ``HUB_STORE`` is a URL, else the built one, read-only."""
    if cfg.store_url:
        return RemoteStore(cfg.store_url, timeout_s=max(cfg.sparql_timeout_s, 30.0))
    return open_local(store_dir or cfg.store_dir)


def _inline_bindings(query: str, subs: dict[ox.Variable, Any]) -> str:
    """Bindings as a VALUES block opening the outer WHERE group: the remote twin of oxigraph's substitutions.

    Only for the hub's own queries, which always write ``WHERE {``.
    """
    if not subs:
        return query
    at = query.upper().find("WHERE")
    brace = query.find("{", at)
    if at < 0 or brace < 0:
        raise ValueError("bindings need a query with a WHERE { ... } clause")
    values = " ".join(f"VALUES {var} {{ {term} }}" for var, term in subs.items())
    return f"{query[: brace + 1]} {values} {query[brace + 1 :]}"


def query(
    store: GraphStore,
    sparql: str,
    *,
    union: bool = True,
    default_graphs: Iterable[str] = (),
    named_graphs: Iterable[str] = (),
) -> Any:
    """Run any read query; ``union`` makes the union of named graphs the default graph when no dataset is given."""
    default_graphs, named_graphs = list(default_graphs), list(named_graphs)
    if isinstance(store, RemoteStore):
        return store.query(sparql, default_graphs, named_graphs)
    return store.query(
        sparql,
        prefixes=PREFIXES,
        use_default_graph_as_union=union and not default_graphs and not named_graphs,
        default_graph=[ox.NamedNode(g) for g in default_graphs] or None,
        named_graphs=[ox.NamedNode(g) for g in named_graphs] or None,
    )


def graph_triples(store: GraphStore, graph: str) -> list[ox.Triple]:
    """The triples of one named graph (a record's provenance unit)."""
    if isinstance(store, RemoteStore):
        return list(store.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"))
    return [q.triple for q in store.quads_for_pattern(None, None, None, ox.NamedNode(graph))]


# ---------------------------------------------------------------- publishing into a remote store


@dataclass
class PublishReport:
    graphs: int = 0
    triples: int = 0
    removed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _graphs_of(nquads: Path) -> dict[str, list[ox.Triple]]:
    graphs: dict[str, list[ox.Triple]] = defaultdict(list)
    for q in ox.parse(path=str(nquads), format=ox.RdfFormat.N_QUADS):
        graphs[q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else ""].append(q.triple)
    return graphs


def _gsp_target(graph: str) -> dict[str, str]:
    """The Graph Store Protocol's indirect identification: ``?graph=IRI``, or ``?default`` for the default graph."""
    return {"graph": graph} if graph else {"default": ""}


def publish(nquads: Path, store_url: str, query_url: str | None = None, timeout_s: float = 60.0) -> PublishReport:
    """Load a built graph into a SPARQL 1.1 Graph Store Protocol endpoint, one PUT per named graph.

    Each PUT replaces that graph whole, so publishing again is idempotent and readers never
    see a record half-written. With ``query_url``, graphs under the hub's graph namespace
    that the new build no longer has are deleted afterwards, and the union default graph is checked.
    """
    report = PublishReport()
    graphs = _graphs_of(nquads)
    headers = {"Content-Type": "application/n-triples", "User-Agent": f"cityhub/{__version__}"}
    with httpx.Client(timeout=timeout_s, headers=headers) as client:
        try:
            for graph, triples in graphs.items():
                body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
                resp = client.put(store_url, params=_gsp_target(graph), content=body)
                if resp.status_code >= 300:
                    raise StoreError(
                        f"the graph store at {store_url} refused <{graph or 'default graph'}> ({resp.status_code}: "
                        f"{resp.text[:300]})"
                    )
                report.graphs += 1
                report.triples += len(triples)
            if query_url:
                remote = RemoteStore(query_url, timeout_s=timeout_s)
                present = {r["g"] for r in select(remote, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")}
                for stale in sorted(g for g in present - set(graphs) if g.startswith(GRAPH_PREFIX)):
                    resp = client.delete(store_url, params={"graph": stale})
                    if resp.status_code >= 300 and resp.status_code != 404:
                        raise StoreError(
                            f"the graph store at {store_url} refused to delete <{stale}> ({resp.status_code})"
                        )
                    report.removed.append(stale)
                if not select(remote, "SELECT ?x WHERE { ?x a hub:Record } LIMIT 1"):
                    report.warnings.append(
                        "the server does not show the named graphs in its default graph; the hub's queries need "
                        "that (oxigraph serve --union-default-graph, or Fuseki's unionDefaultGraph)"
                    )
                remote.close()
        except httpx.HTTPError as exc:
            raise StoreError(f"the graph store at {store_url} cannot be reached ({exc})") from exc
    return report

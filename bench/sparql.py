"""SPARQL endpoint benchmark: our /sparql (Oxigraph in killable workers) vs rdflib-endpoint, same data, over HTTP.

Five representative queries (facet counts, a practice→city→country→region join, a
``skos:broader*`` property path, a text FILTER, a CONSTRUCT) on two graphs: the corpus
graph (the current build) and a synthetic one of about 200,000 triples with the same
shape (ontology + vocabularies + synthetic cities and practices from ``bench/synth.py``).
The servers run as separate processes on loopback ports in the same run and get the
same HTTP requests: ours as configured by default (query workers hold a graph of up to
64 MB of N-Quads in memory and run with mimalloc where the system has it, see
``hub.sparql.runner``), ours with the on-disk store (``HUB_SPARQL_MEMORY_MB=0``),
and rdflib-endpoint (rdflib's in-memory store and engine). Each query's answer size is
compared across the three.

    .venv/bin/hub build && .venv/bin/python bench/sparql.py [--build DIR] [--triples 200000] [--runs 5]

Prints a Markdown table (the one in README "API and SPARQL") and writes bench/results/sparql.json.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pyoxigraph as ox
from run_info import stamp

from hub import store, vocab
from hub.config import BASE_IRI, record_iri, settings

from synth import practices as synthetic_practices

RESULTS = Path(__file__).parent / "results" / "sparql.json"
BIN = Path(sys.executable).parent
PROLOGUE = "".join(f"PREFIX {k}: <{v}>\n" for k, v in store.PREFIXES.items())  # rdflib needs them spelled out
QUERIES = {
    "facet counts": """SELECT ?theme (COUNT(DISTINCT ?p) AS ?n) WHERE {
  ?p a hub:Practice ; hub:theme ?t . ?t skos:prefLabel ?theme } GROUP BY ?theme ORDER BY DESC(?n)""",
    "join practice→city→region": """SELECT ?title ?city ?country WHERE {
  ?p a hub:Practice ; rdfs:label ?title ; hub:implementedBy ?c .
  ?c rdfs:label ?city ; schema:containedInPlace ?k .
  ?k skos:prefLabel ?country ; skos:broader ?r . ?r skos:prefLabel "Europe"@en }""",
    "skos:broader* path": """SELECT ?top (COUNT(DISTINCT ?p) AS ?n) WHERE {
  ?p a hub:Practice ; hub:theme ?t . ?t skos:broader* ?top .
  ?top skos:inScheme <https://w3id.org/cityhub/scheme/themes> FILTER NOT EXISTS { ?top skos:broader ?up } } GROUP BY ?top""",  # noqa: E501 (the query text is reported with the results)
    "text FILTER": """SELECT ?p ?title WHERE {
  ?p a hub:Practice ; rdfs:label ?title ; schema:description ?summary .
  FILTER (REGEX(?summary, "youth", "i") && CONTAINS(LCASE(?title), "e")) }""",
    "CONSTRUCT": """CONSTRUCT { ?p schema:name ?title ; schema:location ?c . ?c schema:name ?city } WHERE {
  ?p a hub:Practice ; rdfs:label ?title ; hub:leadCity ?c ; hub:preventionLevel/skos:prefLabel "primary"@en . ?c rdfs:label ?city }""",  # noqa: E501 (the query text is reported with the results)
}


# ---------------------------------------------------------------- the synthetic graph


def _q(s: str, p: str, o: ox.NamedNode | ox.Literal | ox.BlankNode, g: str) -> ox.Quad:
    return ox.Quad(ox.NamedNode(s) if not isinstance(s, ox.BlankNode) else s, ox.NamedNode(p), o, ox.NamedNode(g))


def synthetic_quads(base_nq: Path, target: int) -> list[ox.Quad]:
    """Ontology and vocabularies from the corpus build, plus synthetic cities and practices: ~``target`` triples."""
    keep = (f"{BASE_IRI}graph/ontology", f"{BASE_IRI}graph/vocabularies")
    base = [q for q in ox.parse(path=str(base_nq), format=ox.RdfFormat.N_QUADS) if q.graph_name.value in keep]
    n = 1000
    for _ in range(3):  # cities per practice vary with n: correct the estimate twice
        records = _records_quads(n)
        n = max(100, round(n * (target - len(base)) / len(records)))
    return base + records


def _records_quads(n_practices: int) -> list[ox.Quad]:
    """The quads of ``n_practices`` synthetic practices and their cities, shaped as hub.ingest.to_rdf writes records."""
    quads: list[ox.Quad] = []
    H, RDF, RDFS, S, DCT, PROV = (
        BASE_IRI,
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
        "http://www.w3.org/2000/01/rdf-schema#",
        "https://schema.org/",
        "http://purl.org/dc/terms/",
        "http://www.w3.org/ns/prov#",
    )
    n, lit = ox.NamedNode, ox.Literal
    entries = synthetic_practices(n=n_practices)
    cities = {}
    for e in entries:
        c = e["cities"][0]
        cities[c["id"]] = (c["label"], e["facets"]["country"][0], (e["facets"]["region"] or [None])[0])
    for cid, (label, country, region) in cities.items():
        s, g = record_iri("city", cid), f"{H}graph/cities/{cid}"
        quads += [
            _q(s, RDF + "type", n(H + "Record"), g),
            _q(s, RDF + "type", n(H + "City"), g),
            _q(s, RDFS + "label", lit(label, language="en"), g),
            _q(s, S + "name", lit(label, language="en"), g),
            _q(s, DCT + "identifier", lit(cid), g),
            _q(s, S + "containedInPlace", n(vocab.concept_iri("countries", country)), g),
            _q(s, H + "country", n(vocab.concept_iri("countries", country)), g),
        ]
        if region:
            quads.append(_q(s, H + "region", n(vocab.concept_iri("regions", region)), g))
    facet_props = {
        "theme": ("theme", "themes"),
        "stakeholder": ("stakeholder", "stakeholders"),
        "challenge": ("challenge", "challenges"),
        "level": ("preventionLevel", "prevention-levels"),
        "country": ("country", "countries"),
        "region": ("region", "regions"),
    }
    for i, e in enumerate(entries):
        s, g, city = (
            record_iri("practice", e["id"]),
            f"{H}graph/practices/{e['id']}",
            record_iri("city", e["cities"][0]["id"]),
        )
        passage = ox.BlankNode(f"p{i}")
        quads += [
            _q(s, RDF + "type", n(H + "Record"), g),
            _q(s, RDF + "type", n(H + "Practice"), g),
            _q(s, RDFS + "label", lit(e["title"], language="en"), g),
            _q(s, S + "name", lit(e["title"], language="en"), g),
            _q(s, DCT + "identifier", lit(e["id"]), g),
            _q(s, S + "description", lit(e["summary"], language="en"), g),
            _q(s, H + "body", lit(e["body"], language="en"), g),
            _q(s, H + "implementedBy", n(city), g),
            _q(s, H + "leadCity", n(city), g),
            _q(s, H + "year", lit(str(e["year"]), datatype=n("http://www.w3.org/2001/XMLSchema#gYear")), g),
            _q(s, H + "scope", n(vocab.concept_iri("scopes", "city")), g),
            _q(s, PROV + "wasDerivedFrom", passage, g),
            ox.Quad(passage, n(RDF + "type"), n(H + "SourcePassage"), n(g)),
            ox.Quad(passage, n(H + "section"), lit("Synthetic > Benchmark"), n(g)),
        ]
        for facet, ids in e["facets"].items():
            if facet in facet_props:
                prop, scheme = facet_props[facet]
                quads += [_q(s, H + prop, n(vocab.concept_iri(scheme, cid)), g) for cid in ids]
    return quads


def prepare_synthetic(base_nq: Path, target: int, root: Path) -> tuple[Path, Path, int]:
    """A build directory our app can serve (store + manifest) and the same graph as N-Quads for rdflib-endpoint."""
    quads = synthetic_quads(base_nq, target)
    build = root / "synthetic-build"
    build.mkdir(parents=True)
    nq = build / "graph.nq"  # where the query workers look for a graph small enough to hold in memory
    nq.write_bytes(ox.serialize(quads, format=ox.RdfFormat.N_QUADS))
    store.create(build / "store", nq)
    (build / "manifest.json").write_text(json.dumps({"built": "synthetic", "stats": {"triples": len(quads)}}))
    return build, nq, len(quads)


# ---------------------------------------------------------------- servers and timing


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(
    args: list[str], url: str, env: dict[str, str] | None = None, wait_s: float = 600
) -> tuple[subprocess.Popen, float]:
    t0 = time.perf_counter()
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        try:
            if (
                httpx.get(
                    url,
                    params={"query": "ASK { ?s ?p ?o }"},
                    headers={"Accept": "application/sparql-results+json"},
                    timeout=5,
                ).status_code
                == 200
            ):
                return proc, time.perf_counter() - t0
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            break
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"{args[0]} did not start")


def ours(build: Path, memory_mb: int = 64) -> tuple[subprocess.Popen, str, float]:
    port = _free_port()
    env = {
        **os.environ,
        "HUB_BUILD": str(build),
        "HUB_SPARQL_TIMEOUT": "120",
        "HUB_SPARQL_MEMORY_MB": str(memory_mb),
        "HUB_RATE_LIMIT": "100000",
        "HUB_RATE_BURST": "100000",
    }  # measure the engine, not the per-client rate limit
    url = f"http://127.0.0.1:{port}/sparql"
    proc, ready = _start(
        [
            str(BIN / "python"),
            "-m",
            "uvicorn",
            "hub.api.app:create_app",
            "--factory",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        url,
        env,
    )
    return proc, url, ready


def rdflib_endpoint(nq: Path) -> tuple[subprocess.Popen, str, float]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    proc, ready = _start(
        [str(BIN / "rdflib-endpoint"), "serve", "--host", "127.0.0.1", "--port", str(port), str(nq)], url
    )
    return proc, url, ready


def _size(resp: httpx.Response, construct: bool) -> int:
    if construct:
        return len(list(ox.parse(resp.content, format=ox.RdfFormat.N_TRIPLES)))
    return len(resp.json()["results"]["bindings"])


def time_query(client: httpx.Client, url: str, query: str, runs: int, limit_s: float) -> dict[str, object]:
    """First-request and median wall times (ms) of ``runs`` more requests, and the answer's size; stops early past
    ``limit_s``."""
    construct = query.lstrip().upper().startswith("CONSTRUCT")
    accept = "application/n-triples" if construct else "application/sparql-results+json"
    times, size = [], None
    for _ in range(runs + 1):
        t = time.perf_counter()
        resp = client.get(url, params={"query": PROLOGUE + query}, headers={"Accept": accept}, timeout=limit_s)
        times.append((time.perf_counter() - t) * 1000)
        resp.raise_for_status()
        size = _size(resp, construct)
        if sum(times) > limit_s * 1000:
            break
    rest = times[1:] or times
    return {
        "first_ms": round(times[0], 1),
        "median_ms": round(statistics.median(rest), 1),
        "runs": len(rest),
        "size": size,
    }


def bench_dataset(name: str, build: Path, nq: Path, triples: int, runs: int, limit_s: float) -> dict[str, object]:
    out: dict[str, object] = {"dataset": name, "triples": triples, "queries": {}}
    servers = {}
    engines = (
        ("ours", lambda: ours(build)),
        ("ours, on-disk store", lambda: ours(build, memory_mb=0)),
        ("rdflib-endpoint", lambda: rdflib_endpoint(nq)),
    )
    for engine, start in engines:
        proc, url, ready = start()
        servers[engine] = (proc, url)
        out[f"{engine}_startup_s"] = round(ready, 2)
    try:
        with httpx.Client() as client:
            for qname, q in QUERIES.items():
                row = {engine: time_query(client, url, q, runs, limit_s) for engine, (_, url) in servers.items()}
                a, d, b = row["ours"], row["ours, on-disk store"], row["rdflib-endpoint"]
                row["same_size"] = a["size"] == d["size"] == b["size"]
                row["speedup"] = round(b["median_ms"] / a["median_ms"], 1) if a["median_ms"] else None
                out["queries"][qname] = row
                print(
                    f"  {name:9} {qname:28} ours {a['median_ms']:8.1f} ms  (disk {d['median_ms']:8.1f})  "
                    "rdflib-endpoint "
                    f"{b['median_ms']:9.1f} ms   ×{row['speedup']}   rows {a['size']}/{d['size']}/{b['size']}",
                    file=sys.stderr,
                )
    finally:
        for proc, _ in servers.values():
            proc.kill()
            proc.wait(10)
    return out


def markdown(results: list[dict[str, object]]) -> str:
    lines = [
        "| graph | query | rows | ours: median (first) | ours, on-disk store | rdflib-endpoint: median (first) | "
        "speed-up |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for ds in results:
        for qname, row in ds["queries"].items():  # type: ignore[union-attr]
            a, d, b = row["ours"], row["ours, on-disk store"], row["rdflib-endpoint"]
            size = a["size"] if row["same_size"] else f"{a['size']} / {d['size']} / {b['size']} (differ!)"
            lines.append(
                f"| {ds['dataset']} ({ds['triples']:,} triples) | {qname} | {size} | {a['median_ms']:.1f} ms "
                f"({a['first_ms']:.0f}) | "
                f"{d['median_ms']:.1f} ms | {b['median_ms']:.1f} ms ({b['first_ms']:.0f}) | ×{row['speedup']} |"
            )
    return "\n".join(lines)


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # so the servers are stopped on `kill` too
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", type=Path, default=settings().build_dir, help="the corpus build (default: build/)")
    ap.add_argument("--triples", type=int, default=200_000, help="size of the synthetic graph")
    ap.add_argument(
        "--runs", type=int, default=5, help="timed requests per query and engine (after one untimed first request)"
    )
    ap.add_argument(
        "--limit", type=float, default=300.0, help="seconds per query and engine before fewer runs are taken"
    )
    args = ap.parse_args()
    build = args.build.resolve()
    load_before = os.getloadavg()
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-sparql-") as tmp:
        corpus = json.loads((build / "manifest.json").read_text())["stats"]
        results.append(
            bench_dataset(
                "corpus",
                build,
                build / "graph.nq",
                int(corpus.get("quads", corpus.get("triples", 0))),
                args.runs,
                args.limit,
            )
        )
        t = time.perf_counter()
        syn_build, syn_nq, n = prepare_synthetic(build / "graph.nq", args.triples, Path(tmp))
        print(f"  synthetic graph: {n:,} triples written and loaded in {time.perf_counter() - t:.1f}s", file=sys.stderr)
        results.append(bench_dataset("synthetic", syn_build, syn_nq, n, args.runs, args.limit))
    report = {
        **stamp(),
        "load_average": {"start": load_before, "end": os.getloadavg()},
        "runs": args.runs,
        "queries": QUERIES,
        "results": results,
        "note": "wall time per HTTP request from a local client, milliseconds; ours parses each query text once "
        "(LRU cache) to check it, so 'first' includes that check; all servers read the same N-Quads; "
        "speed-up = rdflib-endpoint / ours.",
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    print(markdown(results))
    m = report["machine"]
    print(
        f"\n{m['cores']} cores, {m['cpu']}, Python {m['python']}, load average {load_before[0]:.1f} → "
        f"{os.getloadavg()[0]:.1f}"
        f" · written to {RESULTS}"
    )


if __name__ == "__main__":
    main()

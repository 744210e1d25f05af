"""Remote store mode against a real `oxigraph serve`: `hub publish`, then the API and /sparql answering from it as
from the embedded store."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from rdflib import Graph

from hub import store
from hub.config import Settings

from sparql_server import asgi_client, build_mini_graph, oxigraph_server

LABELS = "SELECT ?p ?title WHERE { ?p a hub:Practice ; rdfs:label ?title } ORDER BY ?p"
HUB = Path(sys.executable).parent / "hub"


@pytest.fixture(scope="module")
def cfg(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return build_mini_graph(tmp_path_factory.mktemp("remote"))


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with oxigraph_server(tmp_path_factory.mktemp("oxigraph-data")) as base:
        yield base


def hub_cli(cfg: Settings, *args: str, store_url: str = "") -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "HUB_BUILD": str(cfg.build_dir),
        "HUB_DATA": str(cfg.data_dir),
        "HUB_CACHE": str(cfg.cache_dir),
        "HUB_STORE": store_url,
    }
    return subprocess.run([str(HUB), *args], capture_output=True, text=True, env=env, timeout=120)


@pytest.fixture(scope="module")
def published(cfg: Settings, oxigraph: str) -> Settings:
    """The mini build loaded into oxigraph with `hub publish`, and settings that point the hub at it."""
    done = hub_cli(cfg, "publish", "--to", f"{oxigraph}/store", store_url=f"{oxigraph}/query")
    assert done.returncode == 0, done.stderr
    assert "graphs" in done.stderr and "triples" in done.stderr
    return dataclasses.replace(cfg, store_url=f"{oxigraph}/query")


@pytest.fixture(scope="module")
def local_api(cfg: Settings) -> Iterator[httpx.Client]:
    with asgi_client(cfg) as client:
        yield client


@pytest.fixture(scope="module")
def remote_api(published: Settings) -> Iterator[httpx.Client]:
    with asgi_client(published) as client:
        yield client


def test_publish_copies_every_quad(cfg: Settings, published: Settings) -> None:
    local, remote = store.open_local(cfg.store_dir), store.connect(published)
    assert isinstance(remote, store.RemoteStore)
    assert len(remote) == len(local) > 500
    assert store.counts(remote) == store.counts(local)
    assert store.select(remote, LABELS) == store.select(local, LABELS)
    # oxigraph binds projected variables only
    bound = "SELECT ?city ?title WHERE { ?p rdfs:label ?title ; hub:leadCity ?city }"
    city = "https://w3id.org/cityhub/cities/beta-city"
    assert (
        store.select(remote, bound, city=city)
        == store.select(local, bound, city=city)
        == [{"city": city, "title": "Sports league keeping young people away from gangs"}]
    )


@pytest.mark.parametrize(
    "query,accept",
    [
        (LABELS, "application/sparql-results+json"),
        (LABELS, "text/csv"),
        (LABELS, "application/sparql-results+xml"),
        ("ASK { ?p a hub:Practice ; hub:preventionLevel ?l }", "application/sparql-results+json"),
        (
            "SELECT ?theme (COUNT(?p) AS ?n) WHERE { ?p hub:theme/skos:prefLabel ?theme } GROUP BY ?theme ORDER BY "
            "?theme",
            "text/tab-separated-values",
        ),
    ],
)
def test_sparql_answers_the_same_from_the_remote_store(
    local_api: httpx.Client, remote_api: httpx.Client, query: str, accept: str
) -> None:
    local = local_api.get("/sparql", params={"query": query}, headers={"Accept": accept})
    remote = remote_api.get("/sparql", params={"query": query}, headers={"Accept": accept})
    assert remote.status_code == local.status_code == 200
    assert remote.content == local.content


def test_graph_results_records_and_concepts_from_the_remote_store(
    local_api: httpx.Client, remote_api: httpx.Client
) -> None:
    construct = {"query": "CONSTRUCT WHERE { ?p a hub:Practice ; rdfs:label ?t ; hub:theme ?th }"}
    g_local = Graph().parse(data=local_api.get("/sparql", params=construct).content, format="turtle")
    g_remote = Graph().parse(data=remote_api.get("/sparql", params=construct).content, format="turtle")
    assert len(g_remote) == len(g_local) > 4 and g_remote.isomorphic(g_local)
    for path in ("/api/practices/alpha-youth-council.ttl", "/api/spotlights/spotlight-alpha.ttl"):
        r_local, r_remote = local_api.get(path), remote_api.get(path)
        assert r_remote.status_code == 200
        assert (
            Graph()
            .parse(data=r_remote.content, format="turtle")
            .isomorphic(Graph().parse(data=r_local.content, format="turtle"))
        )
    assert remote_api.get("/api/concepts/themes").json() == local_api.get("/api/concepts/themes").json()
    refused = remote_api.get("/sparql", params={"query": "SELECT * WHERE { SERVICE <http://x.org/q> { ?s ?p ?o } }"})
    assert refused.status_code == 400 and refused.json()["error"] == "service_refused"
    bad = remote_api.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o FILTER(?o < ) }"})
    assert bad.status_code == 400


def test_republish_replaces_graphs_and_prunes_stale_ones(cfg: Settings, published: Settings, oxigraph: str) -> None:
    stale, foreign = "https://w3id.org/cityhub/graph/practices/gone", "http://example.org/other-data"
    for g in (stale, foreign):
        r = httpx.put(
            f"{oxigraph}/store",
            params={"graph": g},
            content=b"<http://a> <http://b> <http://c> .\n",
            headers={"Content-Type": "application/n-triples"},
        )
        assert r.status_code in (200, 201, 204)
    before = len(store.open_local(cfg.store_dir))
    report = store.publish(cfg.build_dir / "graph.nq", f"{oxigraph}/store", f"{oxigraph}/query")
    assert report.removed == [stale] and not report.warnings
    graphs = {
        r["g"] for r in store.select(store.connect(published), "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    }
    assert stale not in graphs and foreign in graphs  # only the hub's own namespace is pruned
    assert len(store.connect(published)) == before + 1  # the foreign graph's one triple
    httpx.delete(f"{oxigraph}/store", params={"graph": foreign})


def test_publish_warns_when_the_server_hides_named_graphs(cfg: Settings, tmp_path: Path) -> None:
    with oxigraph_server(tmp_path / "plain", union_default_graph=False) as base:
        report = store.publish(cfg.build_dir / "graph.nq", f"{base}/store", f"{base}/query")
    assert report.graphs > 5 and any("union-default-graph" in w for w in report.warnings)


def test_publish_and_remote_errors_are_reported(cfg: Settings) -> None:
    down = hub_cli(cfg, "publish", "--to", "http://127.0.0.1:9/store")
    assert down.returncode == 1 and "cannot be reached" in down.stderr
    with pytest.raises(store.StoreError, match="cannot be reached"):
        store.select(store.RemoteStore("http://127.0.0.1:9/query"), LABELS)
    with pytest.raises(store.StoreError, match="http"):
        store.RemoteStore("ftp://example.org/query")


def test_hub_sparql_cli_local_and_remote(cfg: Settings, published: Settings) -> None:
    for url in ("", published.store_url):
        table = hub_cli(cfg, "sparql", LABELS, store_url=url)
        assert table.returncode == 0 and "Youth council advising the mayor" in table.stdout
        as_json = hub_cli(cfg, "sparql", "-f", "json", LABELS, store_url=url)
        assert [b["title"]["value"] for b in json.loads(as_json.stdout)["results"]["bindings"]][0].startswith(
            "Youth council"
        )
    refused = hub_cli(cfg, "sparql", "LOAD <http://example.org/x.ttl>")
    assert refused.returncode == 2 and "update_refused" in refused.stderr
    slow = hub_cli(
        cfg, "sparql", "--timeout", "0.5", "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    )
    assert slow.returncode == 1 and "stopped" in slow.stderr
    ttl = hub_cli(cfg, "sparql", "DESCRIBE <https://w3id.org/cityhub/cities/alpha-town>")
    assert ttl.returncode == 0 and len(Graph().parse(data=ttl.stdout, format="turtle")) > 5

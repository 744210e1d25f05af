"""Records, concepts and downloads over real HTTP: JSON, Turtle / JSON-LD by Accept and suffix, counts, licence, no
traversal."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS

from hub.config import Settings

from sparql_server import asgi_client, build_mini_graph

PRACTICE = "https://w3id.org/cityhub/practices/alpha-youth-council"


@pytest.fixture(scope="module")
def cfg(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return build_mini_graph(tmp_path_factory.mktemp("api-records"))


@pytest.fixture(scope="module")
def api(cfg: Settings) -> Iterator[httpx.Client]:
    with asgi_client(cfg) as client:  # what the app answers: no server needed
        yield client


@pytest.fixture(scope="module")
def catalog(cfg: Settings) -> list[dict]:
    return json.loads((cfg.build_dir / "records.json").read_text(encoding="utf-8"))


def test_practice_as_json_is_the_catalogue_entry(api: httpx.Client, catalog: list[dict]) -> None:
    r = api.get("/api/practices/alpha-youth-council")
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    assert r.json() == next(e for e in catalog if e["id"] == "alpha-youth-council")
    assert r.json()["city"] == "Alphaville" and r.json()["levels"] == ["primary"]
    assert api.get("/api/practices/alpha-youth-council.json").json() == r.json()


@pytest.mark.parametrize(
    "how,value,rdflib_format",
    [
        ("accept", "text/turtle", "turtle"),
        ("suffix", ".ttl", "turtle"),
        ("accept", "application/ld+json", "json-ld"),
        ("suffix", ".jsonld", "json-ld"),
        ("accept", "application/n-triples", "nt"),
        ("suffix", ".nt", "nt"),
    ],
)
def test_practice_as_rdf_by_accept_and_suffix(api: httpx.Client, how: str, value: str, rdflib_format: str) -> None:
    if how == "accept":
        r = api.get("/api/practices/alpha-youth-council", headers={"Accept": value})
    else:
        r = api.get(f"/api/practices/alpha-youth-council{value}")
    assert r.status_code == 200, r.text
    g = Graph().parse(data=r.content, format=rdflib_format)
    assert g.value(URIRef(PRACTICE), RDFS.label) == Literal("Youth council advising the mayor on cohesion", lang="en")
    assert (
        URIRef(PRACTICE),
        URIRef("https://w3id.org/cityhub/leadCity"),
        URIRef("https://w3id.org/cityhub/cities/alpha-town"),
    ) in g
    # only this record's own statements (its named graph): nothing said about the other practice
    assert not set(g.subjects()) & {URIRef("https://w3id.org/cityhub/practices/beta-sports-league")}
    assert "Vary" in r.headers and 'rel="alternate"' in r.headers["link"]


def test_accept_preferences_and_default(api: httpx.Client) -> None:
    prefer_ld = api.get(
        "/api/practices/alpha-youth-council", headers={"Accept": "text/turtle;q=0.5, application/ld+json"}
    )
    assert prefer_ld.headers["content-type"] == "application/ld+json"
    assert (
        api.get("/api/practices/alpha-youth-council", headers={"Accept": "*/*"}).headers["content-type"]
        == "application/json"
    )


def test_resources_and_spotlights(api: httpx.Client) -> None:
    res = api.get("/api/resources/seed-guide")
    assert res.status_code == 200 and res.json()["type"] == "resource"
    spot = api.get("/api/spotlights/spotlight-alpha")
    assert spot.status_code == 200 and spot.json()["type"] == "spotlight"
    ttl = api.get("/api/spotlights/spotlight-alpha.ttl")
    assert (None, URIRef("https://w3id.org/cityhub/about"), URIRef(PRACTICE)) in Graph().parse(
        data=ttl.content, format="turtle"
    )


def test_unknown_records_are_404_with_close_matches(api: httpx.Client) -> None:
    typo = api.get("/api/practices/alpha-youth-councel")
    assert typo.status_code == 404 and typo.json()["error"] == "not_found"
    assert typo.json()["detail"]["suggestions"][0]["id"] == "alpha-youth-council"
    other_kind = api.get("/api/practices/alpha-town")  # a city, asked for as a practice
    first = other_kind.json()["detail"]["suggestions"][0]
    assert other_kind.status_code == 404 and (first["type"], first["api"]) == ("city", "/api/cities/alpha-town")
    wrong_kind = api.get("/api/resources/alpha-youth-council.ttl")
    assert wrong_kind.status_code == 404 and wrong_kind.json()["detail"]["suggestions"][0]["type"] == "practice"
    nothing = api.get("/api/spotlights/zzzz")
    assert nothing.status_code == 404 and nothing.json()["detail"]["suggestions"] == []


def _find(tree: list[dict], concept_id: str) -> dict:
    for node in tree:
        if node["id"] == concept_id:
            return node
        found = _find(node["narrower"], concept_id) if node["narrower"] else None
        if found:
            return found
    return {}


def test_concept_tree_counts_agree_with_the_catalogue(api: httpx.Client, catalog: list[dict]) -> None:
    r = api.get("/api/concepts/themes")
    assert r.status_code == 200
    body = r.json()
    assert body["scheme"] == "themes" and body["concepts"] > 30
    used = Counter(t for e in catalog if e["type"] == "practice" for t in e["facets"]["theme"])
    assert used  # the fixture tags practices with themes
    for concept_id, n in used.items():
        node = _find(body["tree"], concept_id)
        assert node["by_type"].get("practice") == n and node["count"] >= n
    youth = _find(body["tree"], "youth-engagement")
    assert youth["label"] == "youth engagement" and youth["count"] == 1
    parent = next(n for n in body["tree"] if _find(n["narrower"], "youth-engagement"))
    assert parent["total"] >= youth["total"] and parent["count"] == 0  # counted through skos:broader
    levels = api.get("/api/concepts/prevention-levels").json()
    assert {n["id"]: n["by_type"].get("practice", 0) for n in levels["tree"]} == {
        "primary": 2,
        "secondary": 1,
        "tertiary": 0,
    }


def test_concept_schemes_and_unknown_scheme(api: httpx.Client) -> None:
    names = {s["name"] for s in api.get("/api/concepts").json()["schemes"]}
    assert {"themes", "stakeholders", "challenges", "prevention-levels", "regions", "countries"} <= names
    r = api.get("/api/concepts/theme")
    assert r.status_code == 404 and r.json()["detail"]["suggestions"] == ["themes"]


@pytest.mark.parametrize(
    "name,media,rdflib_format",
    [
        ("graph.ttl", "text/turtle", "turtle"),
        ("graph.jsonld", "application/ld+json", "json-ld"),
        ("graph.nq", "application/n-quads", None),
        ("dataset.ttl", "text/turtle", "turtle"),
    ],
)
def test_graph_downloads(api: httpx.Client, cfg: Settings, name: str, media: str, rdflib_format: str | None) -> None:
    r = api.get(f"/download/{name}")
    assert r.status_code == 200 and r.headers["content-type"].split(";")[0] == media
    assert 'rel="license"' in r.headers["link"] and "creativecommons.org/licenses/by/4.0" in r.headers["link"]
    assert r.content == (cfg.build_dir / name).read_bytes()
    if rdflib_format:
        assert len(Graph().parse(data=r.content, format=rdflib_format)) > 10
    assert api.head(f"/download/{name}").status_code == 200


def test_practices_csv_has_one_row_per_practice(api: httpx.Client, catalog: list[dict]) -> None:
    r = api.get("/download/practices.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    practices = {e["id"]: e for e in catalog if e["type"] == "practice"}
    assert [row["id"] for row in rows] == sorted(practices)
    row = next(x for x in rows if x["id"] == "alpha-youth-council")
    assert (row["title"], row["cities"], row["countries"], row["regions"]) == (
        practices["alpha-youth-council"]["title"],
        "Alphaville",
        "Poland",
        "Europe",
    )
    assert set(row["themes"].split("; ")) == {"youth engagement", "mayoral leadership"} and row["year"] == "2022"
    assert "Primary prevention > Youth engagement" in row["sources"]


def test_download_index_states_licence_provenance_and_checksums(api: httpx.Client) -> None:
    idx = api.get("/download/").json()
    assert (
        idx["licence"]["data"] == "https://creativecommons.org/licenses/by/4.0/"
        and "MIT" in idx["licence"]["statement"]
    )
    assert idx["provenance"]["records"] > 0 and "source" in idx["provenance"]["statement"]
    assert {f["name"] for f in idx["files"]} == {
        "graph.ttl",
        "graph.jsonld",
        "graph.nq",
        "practices.csv",
        "dataset.ttl",
    }
    for f in idx["files"]:
        assert hashlib.sha256(api.get(f["url"]).content).hexdigest() == f["sha256"]
    desc = Graph().parse(data=api.get("/download/dataset.ttl").content, format="turtle")
    assert (
        URIRef("https://w3id.org/cityhub/dataset"),
        URIRef("http://purl.org/dc/terms/license"),
        URIRef("https://creativecommons.org/licenses/by/4.0/"),
    ) in desc


@pytest.mark.parametrize(
    "path",
    [
        "/download/records.json",
        "/download/manifest.json",
        "/download/..%2Frecords.json",
        "/download/%2e%2e/records.json",
        "/download/store",
        "/download/..%2f..%2fetc%2fpasswd",
    ],
)
def test_downloads_cannot_reach_other_files(api: httpx.Client, cfg: Settings, path: str) -> None:
    r = api.get(path)
    assert r.status_code == 404
    assert (cfg.build_dir / "records.json").read_bytes()[:200] not in r.content
    assert b"root:" not in r.content

"""/sparql over real HTTP (uvicorn on a loopback port): the protocol, every format, the refusals, the limits, the
page."""

from __future__ import annotations

import csv
import io
import json
import re
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from html.parser import HTMLParser

import httpx
import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef

from hub.config import Settings
from hub.sparql.examples import EXAMPLES
from hub.sparql.runner import pool_for

from sparql_server import build_mini_graph, idle_baseline, serve, wait_until_busy

MAX_S, MAX_ROWS = 4.0, 500
LABELS = "SELECT ?p ?title WHERE { ?p a hub:Practice ; rdfs:label ?title } ORDER BY ?p"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture(scope="module")
def cfg(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return build_mini_graph(
        tmp_path_factory.mktemp("sparql-http"),
        sparql_timeout_s=MAX_S,
        sparql_max_rows=MAX_ROWS,
        sparql_max_query_chars=2000,
        sparql_workers=2,
    )


@pytest.fixture(scope="module")
def api(cfg: Settings) -> Iterator[httpx.Client]:
    with serve(cfg) as base, httpx.Client(base_url=base, timeout=30) as client:
        yield client


def titles(resp: httpx.Response) -> list[str]:
    return [b["title"]["value"] for b in resp.json()["results"]["bindings"]]


EXPECTED = ["Youth council advising the mayor on cohesion", "Sports league keeping young people away from gangs"]


def test_query_by_get_form_post_and_sparql_query_post(api: httpx.Client) -> None:
    by_get = api.get("/sparql", params={"query": LABELS})
    by_form = api.post("/sparql", data={"query": LABELS})
    by_body = api.post("/sparql", content=LABELS.encode(), headers={"Content-Type": "application/sparql-query"})
    for r in (by_get, by_form, by_body):
        assert r.status_code == 200 and r.headers["content-type"] == "application/sparql-results+json"
        assert titles(r) == EXPECTED
    assert by_get.headers["access-control-allow-origin"] == "*"  # CORS for GET
    assert "access-control-allow-origin" not in by_form.headers
    pre = api.options("/sparql", headers={"Origin": "https://example.org", "Access-Control-Request-Method": "GET"})
    assert pre.status_code == 204 and pre.headers["access-control-allow-methods"] == "GET"


@pytest.mark.parametrize(
    "accept,fmt,media",
    [
        ("application/sparql-results+json", "json", "application/sparql-results+json"),
        ("application/sparql-results+xml", "xml", "application/sparql-results+xml"),
        ("text/csv", "csv", "text/csv; charset=utf-8"),
        ("text/tab-separated-values", "tsv", "text/tab-separated-values; charset=utf-8"),
    ],
)
def test_select_in_every_result_format(api: httpx.Client, accept: str, fmt: str, media: str) -> None:
    by_accept = api.get("/sparql", params={"query": LABELS}, headers={"Accept": accept})
    by_param = api.get("/sparql", params={"query": LABELS, "format": fmt})
    assert by_accept.status_code == by_param.status_code == 200
    assert by_accept.headers["content-type"] == by_param.headers["content-type"] == media
    assert by_accept.content == by_param.content
    if fmt == "xml":
        got = [e.text for e in ET.fromstring(by_accept.content).iter("{http://www.w3.org/2005/sparql-results#}literal")]
    elif fmt == "csv":
        got = [r["title"] for r in csv.DictReader(io.StringIO(by_accept.text))]
    elif fmt == "tsv":
        got = [s["title"].value for s in ox.parse_query_results(by_accept.content, format=ox.QueryResultsFormat.TSV)]
    else:
        got = titles(by_accept)
    assert got == EXPECTED


def test_ask_and_accept_fallbacks(api: httpx.Client) -> None:
    ask = api.get(
        "/sparql",
        params={"query": 'ASK { ?p a hub:Practice ; hub:year "2022"^^xsd:gYear }'},
        headers={"Accept": "application/json"},
    )
    assert ask.json() == {"head": {}, "boolean": True}
    xml = api.get(
        "/sparql", params={"query": "ASK { ?p hub:year 1999 }"}, headers={"Accept": "application/sparql-results+xml"}
    )
    assert xml.text.endswith("<boolean>false</boolean></sparql>")
    assert (
        api.get("/sparql", params={"query": LABELS}, headers={"Accept": "*/*"}).headers["content-type"]
        == "application/sparql-results+json"
    )
    refused = api.get("/sparql", params={"query": LABELS}, headers={"Accept": "image/png"})
    assert (
        refused.status_code == 406
        and refused.json()["error"] == "not_acceptable"
        and "text/csv" in refused.json()["detail"]
    )


@pytest.mark.parametrize(
    "accept,rdflib_format",
    [
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("application/ld+json", "json-ld"),
        ("application/rdf+xml", "xml"),
    ],
)
def test_construct_and_describe_in_every_rdf_format(api: httpx.Client, accept: str, rdflib_format: str) -> None:
    construct = "CONSTRUCT { ?p rdfs:label ?t } WHERE { ?p a hub:Practice ; rdfs:label ?t }"
    r = api.get("/sparql", params={"query": construct}, headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].startswith(accept)
    g = Graph().parse(data=r.content, format=rdflib_format)
    assert sorted(str(o) for o in g.objects()) == sorted(EXPECTED)
    d = api.get(
        "/sparql",
        params={"query": 'DESCRIBE ?c WHERE { ?c a hub:City ; dcterms:identifier "alpha-town" }'},
        headers={"Accept": accept},
    )
    names = {
        str(o)
        for o in Graph().parse(data=d.content, format=rdflib_format).objects(predicate=None)
        if str(o) == "Alphaville"
    }
    assert d.status_code == 200 and names == {"Alphaville"}


@pytest.mark.parametrize(
    "query,code",
    [
        ("INSERT DATA { <http://a> <http://b> <http://c> }", "update_refused"),
        ("DELETE WHERE { ?s ?p ?o }", "update_refused"),
        ("LOAD <http://example.org/evil.ttl>", "update_refused"),
        ("CLEAR ALL", "update_refused"),
        ("DROP GRAPH <https://w3id.org/cityhub/graph/ontology>", "update_refused"),
        ("SELECT * WHERE { service <http://example.org/sparql> { ?s ?p ?o } }", "service_refused"),
        (
            "SELECT * WHERE { ?s ?p ?o OPTIONAL { { SELECT * WHERE { SERVICE <http://x.org/q> { ?s ?p ?o } } } } }",
            "service_refused",
        ),
        ("SELECT * FROM <http://example.org/data.ttl> WHERE { ?s ?p ?o }", "remote_dataset_refused"),
        ("SELECT * WHERE { ?s ?p", "malformed_query"),
    ],
)
def test_refused_queries_get_400_with_a_message_by_get_and_post(api: httpx.Client, query: str, code: str) -> None:
    for r in (
        api.get("/sparql", params={"query": query}),
        api.post("/sparql", content=query.encode(), headers={"Content-Type": "application/sparql-query"}),
    ):
        assert r.status_code == 400, r.text
        body = r.json()
        assert body["error"] == code and len(body["detail"]) > 20 and "Traceback" not in r.text


def test_update_by_protocol_and_bad_requests(api: httpx.Client) -> None:
    update = api.post(
        "/sparql",
        content=b"INSERT DATA { <http://a> <http://b> <http://c> }",
        headers={"Content-Type": "application/sparql-update"},
    )
    assert update.status_code == 400 and update.json()["error"] == "update_refused"
    form_update = api.post("/sparql", data={"update": "CLEAR ALL"})
    assert form_update.status_code == 400 and form_update.json()["error"] == "update_refused"
    remote_param = api.get("/sparql", params={"query": LABELS, "default-graph-uri": "http://example.org/g"})
    assert remote_param.status_code == 400 and remote_param.json()["error"] == "remote_dataset_refused"
    assert api.post("/sparql", content=b"x", headers={"Content-Type": "text/plain"}).status_code == 415
    too_big = api.get("/sparql", params={"query": LABELS + " #" + "x" * 3000})
    assert too_big.status_code == 413 and too_big.json()["error"] == "query_too_large"
    huge_body = api.post(
        "/sparql", content=b"SELECT * {}" + b" " * 40000, headers={"Content-Type": "application/sparql-query"}
    )
    assert huge_body.status_code == 413
    assert api.get("/sparql", params={"query": LABELS, "timeout": "soon"}).status_code == 400
    assert api.get("/sparql", params={"query": LABELS, "timeout": "-1"}).status_code == 400
    assert api.get("/sparql", params={"query": LABELS, "format": "yaml"}).status_code == 400
    assert (
        api.get("/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }", "format": "csv"}).json()["error"]
        == "format_mismatch"
    )


def test_local_named_graphs_can_be_chosen(api: httpx.Client) -> None:
    g = "https://w3id.org/cityhub/graph/practices/beta-sports-league"
    q = "SELECT ?title WHERE { ?p a hub:Practice ; rdfs:label ?title }"
    by_from = api.get("/sparql", params={"query": q.replace("WHERE", f"FROM <{g}> WHERE")})
    by_param = api.get("/sparql", params={"query": q, "default-graph-uri": g})
    assert titles(by_from) == titles(by_param) == [EXPECTED[1]]


def test_row_limit_and_timeout_cap_are_reported(api: httpx.Client) -> None:
    r = api.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }", "timeout": "999"})
    assert r.status_code == 200 and len(r.json()["results"]["bindings"]) == MAX_ROWS
    assert (r.headers["x-sparql-truncated"], r.headers["x-sparql-row-limit"], r.headers["x-sparql-timeout"]) == (
        "true",
        str(MAX_ROWS),
        f"{MAX_S:g}",
    )
    small = api.get("/sparql", params={"query": LABELS, "timeout": "2.5"})
    assert (small.headers["x-sparql-truncated"], small.headers["x-sparql-rows"], small.headers["x-sparql-timeout"]) == (
        "false",
        "2",
        "2.5",
    )


def test_runaway_query_is_killed_while_a_fast_one_is_answered(api: httpx.Client, cfg: Settings) -> None:
    api.get("/sparql", params={"query": "ASK {}"})  # the pool exists
    pool = pool_for(cfg)
    before = set(pool.pids())
    slow: dict[str, httpx.Response] = {}
    started = threading.Event()

    def run_slow() -> None:
        started.set()
        slow["r"] = api.get("/sparql", params={"query": RUNAWAY, "timeout": "3"})

    baseline = idle_baseline(sorted(before))
    t = threading.Thread(target=run_slow)
    t.start()
    started.wait()
    wait_until_busy(sorted(before), baseline)  # a worker is computing the runaway query
    fast = api.get("/sparql", params={"query": LABELS})
    assert fast.status_code == 200 and titles(fast) == EXPECTED
    assert t.is_alive(), "the fast query must be answered while the runaway one still runs"
    t.join(30)
    assert slow["r"].status_code == 503 and slow["r"].json()["error"] == "query_timeout"
    assert "3 s" in slow["r"].json()["detail"]
    after = set(pool.pids())
    assert len(before - after) == 1 and len(after) == len(before)  # one worker killed, one fresh in its place
    assert titles(api.get("/sparql", params={"query": LABELS})) == EXPECTED


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.external: list[str] = []
        self.cells = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"] or "")
        if (
            tag in ("script", "img", "iframe")
            and a.get("src")
            or tag == "link"
            and a.get("href")
            and a.get("rel") != "canonical"
        ):
            self.external.append(a.get("src") or a.get("href") or "")
        if tag == "td":
            self.cells += 1


def test_browser_gets_an_offline_page_whose_examples_all_run(api: httpx.Client) -> None:
    r = api.get("/sparql", headers={"Accept": BROWSER})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = _Page()
    page.feed(r.text)
    assert page.external and all(
        u.startswith("/static/") for u in page.external
    )  # no CDN, no external script, style or font
    assert 'method="get" action="/sparql"' in r.text and 'name="query"' in r.text
    example_links = [h for h in page.links if h.startswith("/sparql?query=")]
    assert len(example_links) == len(EXAMPLES) >= 8
    for href in example_links:
        res = api.get(href, headers={"Accept": BROWSER})
        assert res.status_code == 200, href
        assert "The query was not run" not in res.text
        assert re.search(r"\d+ (rows|triples|answer) in", res.text)
    table = _Page()
    table.feed(api.get("/sparql", params={"query": LABELS}, headers={"Accept": BROWSER}).text)
    assert table.cells == 4 and "/practices/alpha-youth-council/" in table.links
    bad = api.get(
        "/sparql",
        params={"query": "SELECT * WHERE { SERVICE <http://x.org/s> { ?s ?p ?o } }"},
        headers={"Accept": BROWSER},
    )
    assert bad.status_code == 400 and "service_refused" in bad.text and "<form" in bad.text
    hostile = 'SELECT ?x WHERE { BIND("</td><script>alert(1)</script>" AS ?x) } # </textarea><script>alert(2)</script>'
    page = api.get("/sparql", params={"query": hostile}, headers={"Accept": BROWSER}).text
    assert (
        "<script>" not in page
        and "&lt;script&gt;alert(1)" in page
        and "&lt;/textarea&gt;&lt;script&gt;alert(2)" in page
    )


def test_service_description(api: httpx.Client) -> None:
    r = api.get("/sparql")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    g = Graph().parse(data=r.content, format="turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    endpoint = {str(o) for o in g.objects(predicate=URIRef(sd + "endpoint"))}
    assert endpoint == {f"{str(api.base_url).rstrip('/')}/sparql"}
    formats = {str(o).rsplit("/", 1)[-1] for o in g.objects(predicate=URIRef(sd + "resultFormat"))}
    assert formats >= {
        "SPARQL_Results_JSON",
        "SPARQL_Results_XML",
        "SPARQL_Results_CSV",
        "SPARQL_Results_TSV",
        "Turtle",
        "N-Triples",
        "JSON-LD",
    }
    as_jsonld = api.get("/sparql", headers={"Accept": "application/ld+json"})
    assert len(Graph().parse(data=as_jsonld.content, format="json-ld")) == len(g)


def test_sparql_is_documented_in_openapi(api: httpx.Client) -> None:
    spec = api.get("/openapi.json").json()
    assert {"get", "post"} <= set(spec["paths"]["/sparql"])
    assert any(p["name"] == "timeout" for p in spec["paths"]["/sparql"]["get"]["parameters"])
    assert json.dumps(spec).count("application/sparql-query") >= 1

"""The researcher's rules at the HTTP and CLI level: empty optional fields, unknown prefixes, downloads as attachments,
and how the query page shapes results (clean values, chart, map) — over the mini corpus's real graph and server."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from email.message import Message

import httpx
import pytest

from hub.api import sparql_page
from hub.config import REPO_DIR, Settings
from hub.exports import FILES
from hub.sparql.examples import EXAMPLES
from hub.store import PREFIXES

from sparql_server import build_mini_graph, serve

MAX_S = 4.0
LABELS = "SELECT ?p ?title WHERE { ?p a hub:Practice ; rdfs:label ?title } ORDER BY ?p"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
UNKNOWN = "SELECT ?p WHERE {\n  ?p a hub:Practice ;\n     foaf:name ?n }"


@pytest.fixture(scope="module")
def cfg(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return build_mini_graph(tmp_path_factory.mktemp("sparql-research"), sparql_timeout_s=MAX_S, sparql_workers=1)


@pytest.fixture(scope="module")
def api(cfg: Settings) -> Iterator[httpx.Client]:
    with serve(cfg) as base, httpx.Client(base_url=base, timeout=30) as client:
        yield client


def disposition(resp: httpx.Response) -> tuple[str, str | None]:
    msg = Message()
    msg["content-disposition"] = resp.headers.get("content-disposition", "")
    return msg.get_content_disposition() or "", msg.get_filename()


def test_an_empty_optional_field_means_the_default(api: httpx.Client) -> None:
    """A form sends its untouched fields as `timeout=` and `format=`: that is "use the default", not an error."""
    by_get = api.get("/sparql", params={"query": LABELS, "timeout": "", "format": ""})
    by_form = api.post("/sparql", data={"query": LABELS, "timeout": "", "format": ""})
    for r in (by_get, by_form):
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == "application/sparql-results+json"
        assert r.headers["x-sparql-timeout"] == f"{MAX_S:g}"
    page = api.get("/sparql", params={"query": LABELS, "timeout": "", "format": "html"}, headers={"Accept": BROWSER})
    assert page.status_code == 200 and "The query was not run" not in page.text and "<table" in page.text
    # a value that is given must still be a number of seconds
    assert api.get("/sparql", params={"query": LABELS, "timeout": "soon"}).json()["error"] == "invalid_parameter"
    assert api.get("/sparql", params={"query": LABELS, "timeout": "1"}).headers["x-sparql-timeout"] == "1"


def test_an_unknown_prefix_is_named_with_the_predeclared_ones(api: httpx.Client, cfg: Settings) -> None:
    r = api.get("/sparql", params={"query": UNKNOWN})
    assert r.status_code == 400 and r.json()["error"] == "unknown_prefix"
    message = r.json()["detail"]
    assert message.startswith("unknown prefix foaf: (line 3, column 6)") and "Prefix not found" not in message
    assert all(f"{p}:" in message for p in PREFIXES) and "PREFIX foaf:" in message
    page = api.get("/sparql", params={"query": UNKNOWN}, headers={"Accept": BROWSER})
    assert page.status_code == 400 and "unknown prefix foaf: (line 3, column 6)" in page.text
    # the CLI says the same
    env = {
        **os.environ,
        "HUB_BUILD": str(cfg.build_dir),
        "HUB_DATA": str(cfg.data_dir),
        "HUB_CACHE": str(cfg.cache_dir),
        "PYTHONPATH": str(REPO_DIR),
    }
    cli = subprocess.run(
        [sys.executable, "-m", "hub.cli", "sparql", UNKNOWN], capture_output=True, text=True, env=env, timeout=120
    )
    assert cli.returncode == 2 and message in " ".join(cli.stderr.split())


def test_syntax_errors_keep_their_line_and_column(api: httpx.Client) -> None:
    r = api.get("/sparql", params={"query": "SELECT ?p WHERE {\n ?p a hub:Practice "})
    assert r.status_code == 400 and r.json()["error"] == "malformed_query" and "line:2" in r.text


def test_prefixes_declared_in_the_query_are_not_unknown(api: httpx.Client) -> None:
    q = "PREFIX foaf: <http://xmlns.com/foaf/0.1/>\nSELECT ?p WHERE { ?p a hub:Practice ; foaf:name ?n }"
    assert api.get("/sparql", params={"query": q}).status_code == 200


@pytest.mark.parametrize("name", sorted(FILES))
def test_every_download_is_an_attachment_with_its_name(api: httpx.Client, name: str) -> None:
    for r in (api.get(f"/download/{name}"), api.head(f"/download/{name}")):
        assert r.status_code == 200
        assert disposition(r) == ("attachment", name)


def test_the_download_index_is_an_attachment_too(api: httpx.Client) -> None:
    r = api.get("/download/")
    assert r.status_code == 200 and disposition(r) == ("attachment", "downloads.json")


@pytest.mark.parametrize(
    "fmt,filename", [("csv", "query-results.csv"), ("json", "query-results.json"), ("tsv", "query-results.tsv")]
)
def test_sparql_results_download_as_a_file_when_asked(api: httpx.Client, fmt: str, filename: str) -> None:
    shown = api.get("/sparql", params={"query": LABELS, "format": fmt})
    saved = api.get("/sparql", params={"query": LABELS, "format": fmt, "download": "1"})
    assert "content-disposition" not in shown.headers
    assert (
        saved.status_code == 200 and disposition(saved) == ("attachment", filename) and saved.content == shown.content
    )


def test_the_page_offers_downloads_of_the_same_query(api: httpx.Client) -> None:
    page = api.get("/sparql", params={"query": LABELS}, headers={"Accept": BROWSER}).text
    assert 'download="query-results.csv"' in page and 'download="query-results.tsv"' in page
    href = page.split('download="query-results.csv"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    r = api.get(href)
    rows = list(csv.reader(io.StringIO(r.text)))
    assert disposition(r) == ("attachment", "query-results.csv") and rows[0] == ["p", "title"] and len(rows) > 1


def test_cli_lists_the_one_example_gallery() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "hub.cli", "sparql", "--examples"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO_DIR)},
    )
    flat = " ".join(out.stdout.split())
    assert out.returncode == 0 and all(e.title in flat and e.id in flat for e in EXAMPLES)


# ---------------------------------------------------------------- how the page shapes values


def test_values_are_clean_with_a_quiet_hint() -> None:
    lang = sparql_page.cell({"type": "literal", "value": "youth", "xml:lang": "en"})
    number = sparql_page.cell(
        {"type": "literal", "value": "12", "datatype": "http://www.w3.org/2001/XMLSchema#integer"}
    )
    plain = sparql_page.cell({"type": "literal", "value": "x", "datatype": "http://www.w3.org/2001/XMLSchema#string"})
    record = sparql_page.cell({"type": "uri", "value": "https://w3id.org/cityhub/practices/alpha-youth-council"})
    concept = sparql_page.cell({"type": "uri", "value": "http://www.w3.org/2004/02/skos/core#Concept"})
    assert (lang["text"], lang["hint"]) == ("youth", "en") and "@" not in lang["text"]
    assert (number["text"], number["hint"], number["numeric"]) == ("12", "integer", True) and "^^" not in number["text"]
    assert "hint" not in plain
    assert record["href"] == "/practices/alpha-youth-council/" and record["hub"]
    assert concept["text"] == "skos:Concept" and concept["title"].endswith("#Concept")


def test_label_and_count_results_get_a_bar_chart_and_coordinates_a_map() -> None:
    n = "http://www.w3.org/2001/XMLSchema#integer"
    d = "http://www.w3.org/2001/XMLSchema#decimal"
    rows = [
        [
            sparql_page.cell({"type": "literal", "value": t}),
            sparql_page.cell({"type": "literal", "value": v, "datatype": n}),
        ]
        for t, v in (("youth", "8"), ("schools", "2"))
    ]
    chart = sparql_page.bar_chart(["theme", "practices"], rows)
    assert chart and [(b["label"], b["value"], b["width"]) for b in chart["bars"]] == [
        ("youth", "8", 100.0),
        ("schools", "2", 25.0),
    ]
    assert sparql_page.bar_chart(["theme", "title"], [[rows[0][0], rows[0][0]]]) is None
    city = sparql_page.cell({"type": "uri", "value": "https://w3id.org/cityhub/cities/cape-town"})
    where = [
        [
            city,
            sparql_page.cell({"type": "literal", "value": "Cape Town"}),
            sparql_page.cell({"type": "literal", "value": "-33.92", "datatype": d}),
            sparql_page.cell({"type": "literal", "value": "18.42", "datatype": d}),
        ]
    ]
    drawn = sparql_page.map_points(["city", "name", "lat", "long"], where)
    assert drawn and drawn["points"] == [
        {"x": 396.8, "y": 247.8, "href": "/cities/cape-town/", "label": "Cape Town: -33.92, 18.42"}
    ]
    assert sparql_page.map_points(["city", "name"], [where[0][:2]]) is None

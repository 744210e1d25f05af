"""Hostile input against the real server (uvicorn on a loopback port, raw sockets where a client would tidy the
request):
path traversal on every file-serving route, size limits (413/414/431), header injection, XSS in data and in queries,
the Content-Security-Policy (also in a real browser), SPARQL abuse bounded by its time and row limits, and the
per-client rate limit (429 + Retry-After)."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import socket
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest

from hub.api.guard import TokenBuckets
from hub.build import build
from hub.config import Settings

from helpers import poll
from sparql_server import MINI, listener, serve

MAX_S, MAX_ROWS = 3.0, 200

XSS_PRACTICE = """---
id: xss-probe
type: practice
title: "<script>window.__xss = 'title'</script> Youth forum"
summary: "A monthly forum \\"><img src=x onerror=\\"window.__xss='summary'\\"> where young residents question the council."
cities: [alpha-town]
scope: city
themes: [youth engagement]
stakeholders: [youth]
challenges: [polarisation (general)]
prevention_levels: [primary]
partners: ["</script><script>window.__xss='partner'</script>"]
sources:
  - doc: 003_test.txt
    section: "<svg onload=\\"window.__xss='section'\\">"
---
Young residents meet the council every month. <script>window.__xss = 'body'</script>
<img src=x onerror="window.__xss='body-img'"> and <iframe src="https://example.org/"></iframe>.
Read [the minutes](javascript:window.__xss='link') or ![a picture](javascript:window.__xss='image').
"""  # noqa: E501 (the probe record, verbatim)


# ---------------------------------------------------------------- fixtures: one full build, three servers over it


@pytest.fixture(scope="module")
def cfg(tmp_path_factory: pytest.TempPathFactory, shared_cache: Path) -> Settings:
    """The mini corpus plus a practice whose every field is an injection attempt, fully built (search, peers, site)."""
    root = tmp_path_factory.mktemp("security")
    shutil.copytree(MINI, root / "data")
    (root / "data" / "practices" / "xss-probe.md").write_text(XSS_PRACTICE, encoding="utf-8")
    cfg = Settings(
        data_dir=root / "data",
        build_dir=root / "build",
        cache_dir=shared_cache,
        sparql_timeout_s=MAX_S,
        sparql_max_rows=MAX_ROWS,
        sparql_max_query_chars=20_000,
        rate_per_minute=0,
    )
    build(cfg)
    return cfg


@pytest.fixture(scope="module")
def base(cfg: Settings) -> Iterator[str]:
    with serve(cfg) as url:
        yield url


@pytest.fixture(scope="module")
def api(base: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base, timeout=60) as client:
        yield client


@pytest.fixture(scope="module")
def tight(cfg: Settings) -> Iterator[str]:
    """The same build behind small limits, as an operator would set them with HUB_* variables."""
    small = dataclasses.replace(
        cfg, max_body_bytes=2000, max_url_bytes=1000, max_headers=20, rate_per_minute=60, rate_burst=3
    )
    with serve(small) as url:
        yield url


def raw(base: str, request: bytes, timeout: float = 30) -> tuple[int, dict[str, str], bytes]:
    """Send bytes exactly as given (no client normalises the path or headers); return status, headers, body."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as s:
        s.sendall(request)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = headers.get(k.strip().lower(), "") + v.strip()
    return int(lines[0].split()[1]), headers, body


def get(base: str, target: str, extra: str = "") -> tuple[int, dict[str, str], bytes]:
    return raw(base, f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}Connection: close\r\n\r\n".encode("latin-1"))


# ---------------------------------------------------------------- path traversal


TRAVERSALS = [
    "/../records.json",
    "/%2e%2e/records.json",
    "/%2E%2E%2Frecords.json",
    "/..%2frecords.json",
    "/..%5crecords.json",
    "/%252e%252e/records.json",
    "/static/../../records.json",
    "/static/..%2f..%2frecords.json",
    "/static/%2e%2e/%2e%2e/manifest.json",
    "/practices/..%2f..%2f..%2frecords.json",
    "/pagefind/..%2f..%2fmanifest.json",
    "/..%c0%afrecords.json",
    "/.%2e/.%2e/records.json",
    "/....//....//records.json",
    "/static/....%2f....%2fstore/",
    "/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/../../../../../../etc/passwd",
    "/static/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc/passwd",
    "//etc/passwd",
    "/download/../records.json",
    "/download/..%2frecords.json",
    "/download/%2e%2e%2fmanifest.json",
    "/download/..%5cmanifest.json",
    "/download/%2e%2e/%2e%2e/etc/passwd",
    "/download/graph.nq%00.csv",
    "/download/store",
    "/download/search%2fmeta.json",
    "/api/practices/..%2f..%2frecords.json",
    "/api/practices/%2e%2e",
    "/api/concepts/..%2f..%2fmanifest",
    "/api/cities/..%2frecords.json",
    "/sparql/..%2f..%2frecords.json",
]


@pytest.mark.parametrize("target", TRAVERSALS)
def test_path_traversal_never_leaves_the_served_folders(base: str, cfg: Settings, target: str) -> None:
    status, _, body = get(base, target)
    assert status in (400, 404, 405, 307), (target, status)
    secrets = [
        (cfg.build_dir / "manifest.json").read_bytes()[:60],
        (cfg.build_dir / "records.json").read_bytes()[:60],
        b"root:x:0:0",
    ]
    assert not any(s in body for s in secrets), target
    assert b"Traceback" not in body


def test_a_symlink_inside_the_site_cannot_point_outside(base: str, cfg: Settings) -> None:
    site = cfg.site_dir.resolve()
    link = site / "escape"
    link.symlink_to(cfg.build_dir.resolve())
    try:
        for target in ("/escape/manifest.json", "/escape/records.json", "/escape/"):
            status, _, body = get(base, target)
            assert status == 404 and b'"built"' not in body, target
    finally:
        link.unlink()


def test_the_site_and_downloads_still_serve_what_they_should(api: httpx.Client) -> None:
    """The other side of the traversal tests: the refusals are not a server that refuses everything."""
    assert api.get("/practices/alpha-youth-council/").status_code == 200
    assert api.get("/static/site.css").status_code == 200
    assert api.get("/download/graph.nq").status_code == 200
    assert api.get("/api/practices/alpha-youth-council").status_code == 200


# ---------------------------------------------------------------- size limits


def test_urls_over_the_limit_are_414_on_every_kind_of_route(base: str, cfg: Settings) -> None:
    pad = "x" * (cfg.max_url_bytes + 10)
    for target in (f"/api/search?q={pad}", f"/sparql?query={pad}", f"/practices/?{pad}", f"/{pad}"):
        status, headers, body = get(base, target)
        assert status == 414, target
        assert json.loads(body)["error"] == "uri_too_long" and "content-security-policy" in headers


def test_far_longer_request_lines_and_headers_are_refused_without_harm(base: str, api: httpx.Client) -> None:
    def refused(path: str, extra: str = "") -> int:
        """Status of a far-too-long request; uvicorn may also close the socket while the client still sends (a
        reset)."""
        try:
            return get(base, path, extra=extra)[0]
        except ConnectionResetError:
            return 0

    # uvicorn refuses a request head over 16 KiB itself, before the app
    assert refused("/api/search?q=" + "y" * 40_000) in (0, 400, 414, 431)
    assert refused("/", extra=f"X-Padding: {'z' * 40_000}\r\n") in (0, 400, 431)
    status, _, body = get(base, "/", extra=f"X-Padding: {'z' * 17_000}\r\n")
    assert status == 431 and json.loads(body)["error"] == "headers_too_large"
    assert api.get("/healthz").status_code == 200


def test_a_long_query_within_the_url_limit_is_the_search_apis_422(api: httpx.Client) -> None:
    r = api.get("/api/search", params={"q": "youth " * 700})
    assert r.status_code == 422 and r.json()["error"] == "query_too_long"


def test_bodies_over_the_limit_are_413_declared_or_streamed(base: str, api: httpx.Client, cfg: Settings) -> None:
    big = b"q" * (cfg.max_body_bytes + 1)
    for path, ctype in (
        ("/sparql", "application/sparql-query"),
        ("/api/peers", "application/json"),
        ("/", "text/plain"),
    ):
        r = api.post(path, content=big, headers={"Content-Type": ctype})
        assert r.status_code == 413 and r.json()["error"] == "too_large", path

        def chunks():  # no Content-Length: the limit holds while the body streams in
            for _ in range(cfg.max_body_bytes // 16_000 + 2):
                yield b"q" * 16_000

        r = api.post(path, content=chunks(), headers={"Content-Type": ctype})
        assert r.status_code in (413, 405) and "Traceback" not in r.text, path
        if path != "/":
            assert r.status_code == 413, path
    status, _, body = raw(
        base,
        b"POST /sparql HTTP/1.1\r\nHost: a\r\nContent-Type: application/sparql-query\r\n"
        b"Content-Length: 12abc\r\nConnection: close\r\n\r\nASK {}",
    )
    assert status == 400


def test_limits_follow_the_settings(tight: str) -> None:
    with httpx.Client(base_url=tight, timeout=30) as c:
        assert (
            c.post(
                "/api/peers", content=b"{" + b" " * 2500 + b"}", headers={"Content-Type": "application/json"}
            ).status_code
            == 413
        )
        assert c.get("/about/", params={"x": "y" * 1000}).status_code == 414
        assert c.get("/about/", headers={f"X-H{i}": "1" for i in range(25)}).status_code == 431
        assert c.get("/about/").status_code == 200


def test_settings_read_the_limits_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in (
        ("HUB_MAX_BODY", "1234"),
        ("HUB_MAX_URL", "555"),
        ("HUB_MAX_HEADERS", "7"),
        ("HUB_MAX_HEADER_BYTES", "999"),
        ("HUB_RATE_LIMIT", "9"),
        ("HUB_RATE_BURST", "4"),
    ):
        monkeypatch.setenv(name, value)
    s = Settings()
    assert (s.max_body_bytes, s.max_url_bytes, s.max_headers, s.max_header_bytes, s.rate_per_minute, s.rate_burst) == (
        1234,
        555,
        7,
        999,
        9.0,
        4,
    )


# ---------------------------------------------------------------- header injection


@pytest.mark.parametrize(
    "target",
    [
        "/practices%0d%0aSet-Cookie:%20injected=1",
        "/practices/alpha-youth-council%0d%0aSet-Cookie:%20injected=1",
        "/search/?q=%0d%0aSet-Cookie:%20injected=1",
        "/download/graph.nq%0d%0aSet-Cookie:%20injected=1",
        "/api/search?q=a%0d%0aSet-Cookie:%20injected=1",
        "/sparql?query=ASK%7B%7D&format=json%0d%0aSet-Cookie:%20injected=1",
    ],
)
def test_crlf_in_the_url_never_becomes_a_response_header(base: str, target: str) -> None:
    status, headers, _ = get(base, target)
    assert "set-cookie" not in headers and status < 500
    assert all("injected" not in v for v in headers.values())


def test_redirects_keep_the_path_encoded(base: str) -> None:
    status, headers, _ = get(base, "/practices/alpha-youth-council")  # a directory without its slash
    assert status in (301, 307, 308, 404)
    if "location" in headers:
        assert "\r" not in headers["location"] and "\n" not in headers["location"]


@pytest.mark.parametrize(
    "host", ["evil.example/<script>", "a b", "a.example, b.example", "a.example:99999999", "\x7fa"]
)
def test_malformed_host_headers_are_refused(base: str, host: str) -> None:
    status, _, _ = raw(base, f"GET /sparql HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode("latin-1"))
    assert status == 400


def test_raw_control_characters_in_headers_or_path_are_refused(base: str) -> None:
    assert raw(base, b"GET / HTTP/1.1\r\nHost: a\r\nX-A: b\rSet-Cookie: c=1\r\nConnection: close\r\n\r\n")[0] == 400
    assert get(base, "/practices/%00/")[0] == 400
    assert get(base, "/static/site.css%00.html")[0] == 400
    status, _, _ = raw(base, b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n")
    assert status == 400


# ---------------------------------------------------------------- XSS: data and queries stay escaped; the policy
# forbids inline code


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text of each script element."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._script: dict[str, str | None] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._script = dict(attrs)
            self.scripts.append((self._script, ""))

    def handle_data(self, data):
        if self._script is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None


def _inline_code(html: str) -> list[str]:
    """What a CSP without 'unsafe-inline' would block or what an injection would have added."""
    page = Tags(html)
    found = []
    for tag, attrs in page.tags:
        found += [f"<{tag} {k}=…>" for k in attrs if k.startswith("on")]
        found += [f"<{tag} style=…>" for k in attrs if k == "style"]
        found += [
            f"<{tag} {k}=javascript:…>"
            for k, v in attrs.items()
            if k in ("href", "src") and v and v.strip().lower().startswith("javascript:")
        ]
        if tag in ("iframe", "object", "embed") or (tag == "img" and attrs.get("src") == "x"):
            found.append(f"<{tag}>")
    for attrs, text in page.scripts:
        if "src" not in attrs and attrs.get("type") not in ("application/json", "application/ld+json"):
            found.append(f"inline <script>{text[:40]}")
        if "xss" in text and attrs.get("type") in ("application/json", "application/ld+json"):
            json.loads(text)  # data blocks stay data: valid JSON, not closed early by a </script> in a value
    return found


def test_every_page_of_the_site_is_free_of_inline_code_and_injected_markup(cfg: Settings) -> None:
    pages = sorted(cfg.site_dir.resolve().rglob("*.html"))
    assert len(pages) > 20
    problems = {
        str(p.relative_to(cfg.site_dir.resolve())): found
        for p in pages
        if (found := _inline_code(p.read_text(encoding="utf-8")))
    }
    assert problems == {}
    probe = (cfg.site_dir / "practices" / "xss-probe" / "index.html").read_text(encoding="utf-8")
    assert (
        "&lt;script&gt;window.__xss = &#39;title&#39;&lt;/script&gt;" in probe
        or "&lt;script&gt;window.__xss = &#x27;title&#x27;" in probe
    )


def test_api_html_and_json_escape_what_the_caller_sent(api: httpx.Client) -> None:
    attack = "SELECT * WHERE { ?s ?p \"</textarea><script>window.__xss='q'</script>\" }"
    page = api.get("/sparql", params={"query": attack}, headers={"Accept": "text/html"})
    assert page.status_code == 200 and _inline_code(page.text) == []
    assert "&lt;/textarea&gt;&lt;script&gt;" in page.text
    refused = api.get("/sparql", params={"query": "<script>window.__xss=1</script>"}, headers={"Accept": "text/html"})
    assert refused.status_code == 400 and _inline_code(refused.text) == [] and "<script>window" not in refused.text
    search = api.get("/api/search", params={"q": "<script>window.__xss</script> forum", "mode": "keyword"})
    assert (
        search.headers["content-type"] == "application/json" and search.headers["x-content-type-options"] == "nosniff"
    )
    snippets = [r["snippet"] for r in search.json()["results"]]
    assert snippets and all(re.sub(r"</?mark>", "", s).count("<") == 0 for s in snippets)
    status, headers, body = get(api.base_url.__str__().rstrip("/"), "/%3Cscript%3Ewindow.__xss=1%3C/script%3E")
    assert status == 404 and b"<script>window" not in body


def test_security_headers_on_every_kind_of_response(base: str, api: httpx.Client, cfg: Settings) -> None:
    responses = [
        api.get("/"),
        api.get("/practices/xss-probe/"),
        api.get("/static/site.css"),
        api.get("/api/search", params={"q": "youth"}),
        api.get("/sparql", headers={"Accept": "text/html"}),
        api.get("/sparql", params={"query": "ASK {}"}),
        api.get("/no/such/page/"),
        api.get("/download/graph.ttl"),
        api.get("/openapi.json"),
        api.post("/api/peers", content=b"x" * (cfg.max_body_bytes + 1)),
    ]
    for r in responses:
        csp = r.headers["content-security-policy"]
        directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
        assert "'unsafe-inline'" not in directives["script-src"] and "unsafe-eval'" not in directives["script-src"]
        assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
        assert r.headers["x-content-type-options"] == "nosniff" and r.headers["x-frame-options"] == "DENY", r.url
        assert "unsafe-inline" not in directives.get("style-src", "")
    assert "strict-transport-security" not in responses[0].headers  # only over https


def test_api_docs_run_under_the_sites_policy_with_no_inline_code(api: httpx.Client) -> None:
    """/docs is Swagger UI from this server, started by a file (hub/api/docs.py): no exception to the policy is
    needed."""
    page = api.get("/docs")
    assert page.status_code == 200 and _inline_code(page.text) == [] and "<style" not in page.text
    csp = page.headers["content-security-policy"]
    assert csp == api.get("/").headers["content-security-policy"]  # the same policy as every page
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'" and "http" not in csp and "'unsafe-inline'" not in csp


# ---------------------------------------------------------------- SPARQL abuse: refused, or bounded by the time and row
# limits


REFUSED = {
    "INSERT DATA { <http://a> <http://b> <http://c> }": "update_refused",
    "LOAD <{url}>": "update_refused",
    "CLEAR ALL": "update_refused",
    "DROP GRAPH <https://w3id.org/cityhub/graph/ontology>": "update_refused",
    "SELECT * WHERE { SERVICE <{url}> { ?s ?p ?o } }": "service_refused",
    "SELECT * WHERE { ?s ?p ?o FILTER EXISTS { SeRvIcE SILENT <{url}> { ?s ?p ?o } } }": "service_refused",
    "SELECT * WHERE { \\u0053ERVICE <{url}> { ?s ?p ?o } }": "service_refused",
    "SELECT * FROM <{url}> WHERE { ?s ?p ?o }": "remote_dataset_refused",
    "SELECT * FROM NAMED <{url}> WHERE { GRAPH ?g { ?s ?p ?o } }": "remote_dataset_refused",
}


def test_each_refused_form_is_a_400_that_contacts_nobody(api: httpx.Client) -> None:
    with listener() as (url, hits):
        for template, code in REFUSED.items():
            q = template.replace("{url}", url)
            for r in (
                api.get("/sparql", params={"query": q}),
                api.post("/sparql", data={"query": q}),
                api.post("/sparql", content=q.encode(), headers={"Content-Type": "application/sparql-query"}),
            ):
                assert r.status_code == 400 and r.json()["error"] == code, (q, r.text)
        update = api.post(
            "/sparql", content=f"LOAD <{url}>".encode(), headers={"Content-Type": "application/sparql-update"}
        )
        assert update.status_code == 400 and api.post("/sparql", data={"update": f"LOAD <{url}>"}).status_code == 400
        assert (
            api.get("/sparql", params={"query": "ASK {}", "named-graph-uri": url}).json()["error"]
            == "remote_dataset_refused"
        )
    assert hits == []


@pytest.mark.parametrize("depth", [50, 400, 3000])
def test_deep_nesting_is_answered_or_refused_never_a_crash(api: httpx.Client, depth: int) -> None:
    groups = "SELECT * WHERE " + "{ " * depth + "?s a hub:Practice " + "} " * depth
    optionals = (
        "SELECT * WHERE { ?s a hub:Practice "
        + "OPTIONAL { ?s ?p ?o " * min(depth, 2000)
        + "}" * min(depth, 2000)
        + " }"
    )
    parens = "SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * depth + "1" + ")" * depth + ") } LIMIT 1"
    for q in (groups, optionals, parens):
        r = api.get("/sparql", params={"query": q}) if len(q) < 6000 else api.post("/sparql", data={"query": q})
        assert r.status_code in (200, 400, 413, 503), r.text[:300]
        if r.status_code != 200:
            assert r.json()["error"] in ("query_too_complex", "malformed_query", "query_too_large", "query_timeout")
    assert api.get("/sparql", params={"query": "ASK { ?s a hub:Practice }"}).json()["boolean"] is True


def test_huge_values_blocks_are_capped_by_size_rows_or_time(api: httpx.Client, cfg: Settings) -> None:
    values = "SELECT ?n WHERE { VALUES ?n { " + " ".join(str(i) for i in range(3000)) + " } }"
    r = api.post("/sparql", data={"query": values})
    assert (
        r.status_code == 200
        and len(r.json()["results"]["bindings"]) == MAX_ROWS
        and r.headers["x-sparql-truncated"] == "true"
    )
    square = (
        "SELECT * WHERE { VALUES ?a { "
        + " ".join(map(str, range(1500)))
        + " } VALUES ?b { "
        + " ".join(map(str, range(1500)))
        + " } }"
    )
    r = api.post("/sparql", data={"query": square, "timeout": "2"})
    assert r.status_code in (200, 503)
    if r.status_code == 200:
        assert len(r.json()["results"]["bindings"]) == MAX_ROWS
    too_big = "SELECT ?n WHERE { VALUES ?n { " + " ".join(str(i) for i in range(6000)) + " } }"
    assert len(too_big) > cfg.sparql_max_query_chars
    r = api.post("/sparql", data={"query": too_big})
    assert r.status_code == 413 and r.json()["error"] == "query_too_large"


def test_cross_joins_stop_at_the_row_limit_or_the_time_limit(api: httpx.Client) -> None:
    rows = api.get("/sparql", params={"query": "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"})
    assert (
        rows.status_code == 200
        and rows.headers["x-sparql-rows"] == str(MAX_ROWS)
        and rows.headers["x-sparql-truncated"] == "true"
    )
    for q in (
        "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
        "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i",
        "CONSTRUCT { ?a ?b ?i } WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY DESC(?i)",
    ):
        r = api.get("/sparql", params={"query": q, "timeout": "1.5"})
        assert r.status_code == 503 and r.json()["error"] == "query_timeout", q
    assert (
        api.get("/sparql", params={"query": "ASK { ?s a hub:City }"}).json()["boolean"] is True
    )  # a fresh worker took over


# ---------------------------------------------------------------- the per-client rate limit


def test_token_buckets_allow_a_burst_then_the_rate() -> None:
    b = TokenBuckets(per_minute=60, burst=3, max_clients=2)
    assert [b.take(("a", "s"), now=100.0) for _ in range(3)] == [0, 0, 0]
    assert b.take(("a", "s"), now=100.0) == pytest.approx(1.0)
    assert b.take(("a", "s"), now=100.5) == pytest.approx(0.5)  # half a token has come back
    assert b.take(("a", "s"), now=101.6) == 0
    assert b.take(("a", "other"), now=101.6) == 0  # each route has its own bucket
    b.take(("b", "s"), now=101.6)
    assert ("a", "s") not in b._buckets and len(b._buckets) == 2  # the oldest client is forgotten past max_clients


def test_search_and_sparql_answer_429_with_retry_after_per_client(tight: str) -> None:
    with httpx.Client(base_url=tight, timeout=30) as c:
        codes = [c.get("/api/search", params={"q": "youth", "mode": "keyword"}).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        limited = c.get("/api/search", params={"q": "youth"})
        assert limited.status_code == 429 and limited.json()["error"] == "too_many_requests"
        retry = int(limited.headers["retry-after"])
        assert retry >= 1 and "content-security-policy" in limited.headers
        assert c.get("/sparql", params={"query": "ASK {}"}).status_code == 200  # another bucket
        assert c.get("/api/cities").status_code == 200 and c.get("/about/").status_code == 200  # not limited at all
        other = {"X-Forwarded-For": "198.51.100.7"}  # a client behind the local proxy: its own bucket
        assert c.get("/api/search", params={"q": "youth", "mode": "keyword"}, headers=other).status_code == 200
        again = lambda: c.get("/api/search", params={"q": "youth", "mode": "keyword"}).status_code == 200  # noqa: E731
        poll(again, timeout=retry + 0.5)  # a token is back within Retry-After


# ---------------------------------------------------------------- in a real browser: the policy breaks nothing and
# stops the injections


def _visit(browser, url: str, wait: str | None = None) -> tuple[list[str], object]:
    """Open a page; return the CSP violations and JavaScript errors it caused, and window.__xss."""
    ctx = browser.new_context()
    pg = ctx.new_page()
    problems: list[str] = []
    pg.on(
        "console",
        lambda m: problems.append(m.text) if "Content Security Policy" in m.text or m.type == "error" else None,
    )
    pg.on("pageerror", lambda e: problems.append(str(e)))
    pg.on("dialog", lambda d: (problems.append(f"dialog {d.message}"), d.dismiss()))
    pg.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => console.error('Content Security Policy: ' + "
        "e.violatedDirective + ' ' + e.blockedURI))"
    )
    pg.goto(url)
    if wait:
        pg.wait_for_function(wait, timeout=60_000)
    pg.wait_for_load_state("networkidle")
    xss = pg.evaluate("window.__xss")
    backend = pg.evaluate("document.getElementById('results') && document.getElementById('results').dataset.backend")
    ctx.close()
    return [p for p in problems if "favicon" not in p and "404" not in p], (xss, backend)


@pytest.mark.browser
def test_pages_run_under_the_policy_and_injected_code_does_not(browser, base: str) -> None:
    results = "() => /result/.test(document.getElementById('status').textContent)"
    visits = {
        "/": None,
        "/practices/xss-probe/": None,
        "/cities/alpha-town/": None,
        "/search/?q=forum+council": results,
        "/sparql?query=SELECT+*+WHERE+%7B+%3Fs+%3Fp+%3Fo+%7D+LIMIT+5": None,
        "/sparql": None,
    }
    for path, wait in visits.items():
        problems, (xss, backend) = _visit(browser, base + path, wait)
        assert problems == [] and xss is None, (path, problems, xss)
        if path.startswith("/search/"):
            assert backend == "api"


@pytest.mark.browser
def test_search_page_falls_back_to_the_offline_index_under_the_policy_when_rate_limited(browser, cfg: Settings) -> None:
    """The API's 429 sends the page to the offline index, whose scripts and records must load under the policy."""
    limited = dataclasses.replace(cfg, rate_per_minute=0.01, rate_burst=1)
    with serve(limited) as url:
        problems, (xss, backend) = _visit(
            browser,
            url + "/search/?q=youth+council",
            "() => /result/.test(document.getElementById('status').textContent)",
        )
    assert [p for p in problems if "429" not in p and "Too Many" not in p] == [] and xss is None
    assert backend == "static"

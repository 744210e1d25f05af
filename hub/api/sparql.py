"""``/sparql``: the SPARQL 1.1 Protocol over the hub's graph.

This module only reads requests and writes responses: query by GET, form POST or
``application/sparql-query`` POST; the result format from ``format=`` or the ``Accept``
header; an HTML page when a browser asks; the service description when no query is
given. Whether a query may run, and running it in a killable worker with time and row
limits, is :mod:`hub.sparql`'s job.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import parse_qsl

import pyoxigraph as ox
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from hub.api import sparql_page as page
from hub.api.contract import error, errors
from hub.api.deps import LoadedBuild, current_build
from hub.api.negotiation import accept_ranges
from hub.config import BASE_IRI, Settings
from hub.errors import HubError
from hub.sparql.examples import EXAMPLES
from hub.sparql.execute import execute
from hub.sparql.guard import Plan, QueryRefused
from hub.sparql.results import FORMATS, ResultFormat, format_named
from hub.sparql.runner import Answer, default_format, effective_timeout
from hub.store import GRAPH_PREFIX, PREFIXES

router = APIRouter(tags=["sparql"])

LIMIT_HEADERS = ("X-SPARQL-Rows", "X-SPARQL-Truncated", "X-SPARQL-Row-Limit", "X-SPARQL-Timeout")
CORS = {"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": ", ".join(LIMIT_HEADERS)}
Params = dict[str, list[str]]


class Refusal(Exception):
    """A request this endpoint answers with an error status rather than results."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.code, self.headers = status, code, headers or {}


# ---------------------------------------------------------------- content negotiation


def _wants_html(request: Request, params: Params) -> bool:
    fmt = (params.get("format") or [None])[0]  # a repeated format is refused later, in the page or as JSON
    if fmt:
        return fmt.lower() == "html"
    ranges = accept_ranges(request.headers.get("accept", ""))
    return bool(ranges) and ranges[0] in ("text/html", "application/xhtml+xml")


def _negotiate(request: Request, params: Params, for_graphs: bool) -> ResultFormat:
    """``format=`` wins; otherwise the best Accept range any candidate format matches; ``*/*`` gets the default."""
    candidates = [f for f in FORMATS.values() if f.for_graphs == for_graphs]
    name = _optional(params, "format")
    if name is not None:
        fmt = format_named(name)
        if fmt is None:
            raise Refusal(
                400, "invalid_parameter", f"unknown format {name!r}; use one of {', '.join(FORMATS)} (or html)"
            )
        return fmt
    header = request.headers.get("accept", "") or "*/*"
    for media in accept_ranges(header):
        for f in candidates:
            if media in (f.media_type, *f.accepts) or (media.endswith("/*") and f.media_type.startswith(media[:-1])):
                return f
        if media == "*/*":
            return candidates[0]
    raise Refusal(
        406,
        "not_acceptable",
        f"none of the requested types ({header}) fits this answer; available: "
        f"{', '.join(f.media_type for f in candidates)}",
    )


# ---------------------------------------------------------------- request parameters


def _one(params: Params, name: str) -> str | None:
    values = params.get(name) or []
    if len(values) > 1:
        raise Refusal(400, "invalid_parameter", f"give the {name} parameter once")
    return values[0] if values else None


def _optional(params: Params, name: str) -> str | None:
    """An optional parameter: given empty (a form's untouched field) it means "use the default", like not given."""
    value = _one(params, name)
    return value if value and value.strip() else None


def _merge(params: Params, pairs: list[tuple[str, str]]) -> Params:
    for k, v in pairs:
        params.setdefault(k, []).append(v)
    return params


async def _read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it passes ``limit`` bytes (never buffered whole)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise Refusal(
            413, "query_too_large", f"the request body has {declared} bytes; this endpoint accepts at most {limit}"
        )
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise Refusal(413, "query_too_large", f"the request body passes {limit} bytes; send a shorter query")
    return bytes(body)


def _wants_download(params: Params) -> bool:
    """``download=1`` (any value but 0/false/no): the results come as a file to save, not a page to show."""
    value = _optional(params, "download")
    return value is not None and value.strip().lower() not in ("0", "false", "no")


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        raise Refusal(400, "invalid_parameter", f"timeout must be a number of seconds, not {value!r}") from None


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refusal(400, "malformed_query", "the request body is not UTF-8 text") from None


# ---------------------------------------------------------------- answering


async def _answer(request: Request, build: LoadedBuild, params: Params, cors: bool) -> Response:
    cfg: Settings = request.app.state.settings
    html = _wants_html(request, params)
    extra = CORS if cors else {}
    try:
        if "update" in params:
            raise QueryRefused("update_refused", "SPARQL Update is not accepted: this endpoint is read-only")
        query = _one(params, "query")
        limit = effective_timeout(
            cfg, _seconds(_optional(params, "timeout"))
        )  # checked with or without a query: one contract
        if query is None:
            return _page(request, cfg, params, build) if html else _service_description(request, build, params, extra)
        choose = default_format if html else (lambda plan: _negotiate(request, params, plan.returns_graph))
        # parsing a long query can take a good part of a second: never on the event loop
        done = await run_in_threadpool(
            execute,
            cfg,
            query,
            choose,
            limit,
            build.path / "store",
            params.get("default-graph-uri", []),
            params.get("named-graph-uri", []),
        )
        plan, answer, fmt = done.plan, done.answer, done.answer.format
    except Refusal as exc:
        return _fail(request, cfg, params, build, html, exc, extra)
    except HubError as exc:  # QueryRefused, QueryTimeout, QueryBusy, QueryFailed: each knows its status and code
        return _fail(request, cfg, params, build, html, Refusal(exc.status, exc.error, str(exc), exc.headers), extra)
    if html:
        return _page(request, cfg, params, build, plan=plan, answer=answer)
    headers = {
        **extra,
        "Vary": "Accept",
        "X-SPARQL-Rows": str(answer.rows),
        "X-SPARQL-Truncated": str(answer.truncated).lower(),
        "X-SPARQL-Row-Limit": str(answer.max_rows),
        "X-SPARQL-Timeout": f"{answer.timeout_s:g}",
    }
    if _wants_download(params):
        headers["Content-Disposition"] = f'attachment; filename="query-results.{page.EXTENSIONS[fmt.name]}"'
    return Response(answer.payload, media_type=fmt.content_type, headers=headers)


def _fail(
    request: Request, cfg: Settings, params: Params, build: LoadedBuild, html: bool, exc: Refusal, extra: dict[str, str]
) -> Response:
    if html:
        return _page(request, cfg, params, build, failure=exc)
    resp = error(exc.status, exc.code, str(exc))
    resp.headers.update({**extra, **exc.headers})
    return resp


_DOC = """SPARQL 1.1 Protocol, read-only. Send the query as `query` (GET or form POST) or as an
`application/sparql-query` body. SELECT/ASK answer as SPARQL JSON (default), XML, CSV or TSV;
CONSTRUCT/DESCRIBE as Turtle (default), N-Triples, JSON-LD or RDF/XML — chosen by `Accept` or
`format=json|xml|csv|tsv|turtle|ntriples|jsonld|rdfxml`. `timeout` (seconds) lowers the time limit;
it never rises past the server's (`X-SPARQL-Timeout` says what applied). Results stop at the row
limit (`X-SPARQL-Truncated: true` says so). UPDATE, LOAD, CLEAR, SERVICE and FROM of other graphs
are refused with 400; a query over its time limit is stopped with 503. Without a query: the
HTML page for a browser, the service description (Turtle) otherwise."""

GET_QUERY_CHARS = (
    600  # what fits the server's 8 KiB URL whatever the characters (12 bytes each, %-encoded); longer: POST
)
_GRAPHS = {"type": "array", "items": {"type": "string", "pattern": f"^{GRAPH_PREFIX.replace('.', '[.]')}"}}
_QUERY_EXAMPLES = {e.id: {"summary": e.title, "value": e.query} for e in EXAMPLES[:3]}
_PARAMS = [
    {
        "name": "query",
        "in": "query",
        "schema": {"type": "string", "maxLength": GET_QUERY_CHARS},
        "description": (
            f"the SPARQL query (by GET at most {GET_QUERY_CHARS} characters are sure to fit the URL; POST longer ones)"
        ),
        "examples": _QUERY_EXAMPLES,
    },
    {
        "name": "format",
        "in": "query",
        "schema": {"type": "string", "enum": [*FORMATS, "html", ""]},
        "description": "overrides Accept (empty: by Accept)",
        "examples": {"json": {"summary": "SPARQL JSON results", "value": "json"}},
    },
    {
        "name": "timeout",
        "in": "query",
        "schema": {"type": "number"},  # checked (> 0) only when a query runs
        "description": "seconds, more than 0, for the query given; at most the server's limit",
        "examples": {"five": {"summary": "five seconds", "value": 5}},
    },
    {
        "name": "download",
        "in": "query",
        "schema": {"type": "string"},
        "description": "any value but 0, false or no: answer as a file to save (`Content-Disposition: attachment`)",
        "examples": {"file": {"summary": "save the results as a file", "value": "1"}},
    },
    {"name": "default-graph-uri", "in": "query", "schema": _GRAPHS, "description": "only the hub's graphs"},
    {"name": "named-graph-uri", "in": "query", "schema": _GRAPHS, "description": "only the hub's graphs"},
]
_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "results (text/html: the query page, for a browser or format=html)",
        "content": {**{f.media_type: {} for f in FORMATS.values()}, "text/html": {}},
    },
    **errors(
        400,
        406,
        413,
        502,
        503,
        s400="malformed or refused query (update, SERVICE, remote FROM), or a bad parameter",
        s413="query too large",
        s503="time limit reached, or every query worker busy (`Retry-After`)",
    ),
}
for _status in (400, 406, 413, 502, 503):  # a browser's query page (format=html) shows the error on the page itself
    _RESPONSES[_status]["content"] = {"text/html": {}}


@router.get(
    "/sparql",
    name="sparql",
    summary="SPARQL query (GET)",
    description=_DOC,
    response_class=Response,
    responses=_RESPONSES,
    openapi_extra={"parameters": _PARAMS},
)
async def sparql_get(request: Request, build: Annotated[LoadedBuild, Depends(current_build)]) -> Response:
    return await _answer(request, build, _merge({}, request.query_params.multi_items()), cors=True)


@router.post(
    "/sparql",
    summary="SPARQL query (POST)",
    description=_DOC,
    response_class=Response,
    responses={**_RESPONSES, **errors(415, s415="a body that is neither a form nor application/sparql-query")},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {"type": "object", "properties": {"query": {"type": "string"}}},
                    "examples": {k: {**e, "value": {"query": e["value"]}} for k, e in _QUERY_EXAMPLES.items()},
                },
                "application/sparql-query": {"schema": {"type": "string"}, "examples": _QUERY_EXAMPLES},
            },
        }
    },
)
async def sparql_post(request: Request, build: Annotated[LoadedBuild, Depends(current_build)]) -> Response:
    cfg: Settings = request.app.state.settings
    params = _merge({}, request.query_params.multi_items())
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        if media == "application/sparql-update":
            raise Refusal(400, "update_refused", "SPARQL Update is not accepted: this endpoint is read-only")
        if media not in ("application/x-www-form-urlencoded", "application/sparql-query"):
            raise Refusal(
                415,
                "unsupported_media_type",
                "send the query as application/x-www-form-urlencoded (query=...) "
                "or as an application/sparql-query body",
            )
        body = _decode(await _read_body(request, cfg.sparql_max_query_chars * 12 + 4096))  # room for %-encoded UTF-8
    except Refusal as exc:
        return _fail(request, cfg, params, build, False, exc, {})
    if media == "application/sparql-query":
        params["query"] = [*params.get("query", []), body]
    else:
        _merge(params, parse_qsl(body, keep_blank_values=True))
    return await _answer(request, build, params, cors=False)


@router.options("/sparql", include_in_schema=False)
def sparql_preflight() -> Response:
    """CORS pre-flight: cross-origin GET (with any Accept) is open; POST stays same-origin."""
    return Response(
        status_code=204,
        headers={
            **CORS,
            "Access-Control-Allow-Methods": "GET",
            "Access-Control-Allow-Headers": "Accept",
            "Access-Control-Max-Age": "86400",
        },
    )


# ---------------------------------------------------------------- service description

SD = "http://www.w3.org/ns/sparql-service-description#"
_FORMAT_IRIS = {
    "json": "SPARQL_Results_JSON",
    "xml": "SPARQL_Results_XML",
    "csv": "SPARQL_Results_CSV",
    "tsv": "SPARQL_Results_TSV",
    "turtle": "Turtle",
    "ntriples": "N-Triples",
    "jsonld": "JSON-LD",
    "rdfxml": "RDF_XML",
}
_RDF_OUT = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}


def _service_description(request: Request, build: LoadedBuild, params: Params, extra: dict[str, str]) -> Response:
    """What this endpoint is and accepts (SPARQL 1.1 Service Description), in any RDF format it writes."""
    cfg: Settings = request.app.state.settings
    fmt = _negotiate(request, params, for_graphs=True)
    if not fmt.for_graphs:
        raise Refusal(400, "invalid_parameter", f"the service description is RDF; ask for one of {', '.join(_RDF_OUT)}")
    n, lit = ox.NamedNode, ox.Literal
    svc, ds, dg = ox.BlankNode("service"), ox.BlankNode("dataset"), ox.BlankNode("defaultGraph")
    rdf_type = n("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    dct = "http://purl.org/dc/terms/"
    endpoint = str(request.url_for("sparql"))
    stats = build.manifest.get("stats", {})
    t = [
        ox.Triple(svc, rdf_type, n(SD + "Service")),
        ox.Triple(svc, n(SD + "endpoint"), n(endpoint)),
        ox.Triple(svc, n(SD + "supportedLanguage"), n(SD + "SPARQL11Query")),
        ox.Triple(svc, n(SD + "feature"), n(SD + "UnionDefaultGraph")),
        ox.Triple(svc, n(SD + "defaultEntailmentRegime"), n("http://www.w3.org/ns/entailment/Simple")),
        ox.Triple(svc, n(dct + "title"), lit("Strong Cities practice hub — SPARQL endpoint", language="en")),
        ox.Triple(
            svc,
            n(dct + "description"),
            lit(
                f"Read-only. Each query runs for at most {cfg.sparql_timeout_s:g} s (the timeout parameter lowers it) "
                "and returns at most "
                f"{cfg.sparql_max_rows} rows; queries are limited to {cfg.sparql_max_query_chars} characters. UPDATE, "
                "LOAD, CLEAR, SERVICE "
                f"and FROM of graphs outside {BASE_IRI}graph/ are refused. Prefixes {', '.join(PREFIXES)} are "
                "predeclared.",
                language="en",
            ),
        ),
        ox.Triple(svc, n(dct + "license"), n("https://creativecommons.org/licenses/by/4.0/")),
        ox.Triple(svc, n(SD + "defaultDataset"), ds),
        ox.Triple(ds, rdf_type, n(SD + "Dataset")),
        ox.Triple(ds, n(SD + "defaultGraph"), dg),
        ox.Triple(dg, rdf_type, n(SD + "Graph")),
    ]
    t += [
        ox.Triple(svc, n(SD + "resultFormat"), n(f"http://www.w3.org/ns/formats/{iri}"))
        for iri in _FORMAT_IRIS.values()
    ]
    if "triples" in stats:
        t.append(
            ox.Triple(
                dg,
                n("http://rdfs.org/ns/void#triples"),
                lit(str(stats["triples"]), datatype=n("http://www.w3.org/2001/XMLSchema#integer")),
            )
        )
    prefixes = {
        "sd": SD,
        "dcterms": dct,
        "void": "http://rdfs.org/ns/void#",
        "formats": "http://www.w3.org/ns/formats/",
    }
    return Response(
        ox.serialize(t, format=_RDF_OUT[fmt.name], prefixes=prefixes),
        media_type=fmt.content_type,
        headers={**extra, "Vary": "Accept"},
    )


# ---------------------------------------------------------------- the HTML page


def _page(
    request: Request,
    cfg: Settings,
    params: Params,
    build: LoadedBuild,
    plan: Plan | None = None,
    answer: Answer | None = None,
    failure: Refusal | None = None,
) -> HTMLResponse:
    endpoint = request.url_for("sparql").path
    query = (params.get("query") or [""])[0]
    timeout = (params.get("timeout") or [""])[0]
    result, links = None, []
    if answer is not None and plan is not None:
        result = page.results(
            plan.kind, plan.returns_graph, answer.payload, answer.rows, answer.truncated, answer.elapsed_s
        )
        links = page.downloads(endpoint, query, timeout.strip() or None, plan.returns_graph)
    body = page.render(
        cfg,
        build.artefact("static_versions", page.asset_versions),
        endpoint=endpoint,
        query=query,
        fmt=(params.get("format") or ["html"])[0] or "html",
        timeout=timeout,
        formats=list(FORMATS.values()),
        result=result,
        failure=page.Failure(failure.code, str(failure)) if failure else None,
        downloads_=links,
    )
    return HTMLResponse(body, status_code=failure.status if failure else 200, headers={"Vary": "Accept"})

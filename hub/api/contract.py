"""The API's contract in one place: the error body, the statuses routes answer, empty-means-absent, and examples.

``/openapi.json`` must say exactly what the server does (``tests/test_openapi_contract.py`` runs
Schemathesis with every check against the real server), so what every route shares lives here:

* :class:`ErrorBody` — the one error shape (``{error, detail}``), :func:`error`, which answers it, and :func:`errors`,
which
  declares statuses with it. :data:`EVERY_ROUTE` are the answers any route can give before or
  around its own code: the guard's refusals (400 bad path, host or length; 413; 414; 431) and
  the crash handler's 500; :data:`FROM_BUILD` is the 503 of a route that reads the build.
* :class:`EmptyMeansAbsent` — an empty query parameter (``?timeout=``, ``?limit=``, ``?theme=``)
  means "use the default", on every route: a form that leaves a field blank sends it that way,
  and a 400 or 422 for it would punish the person, not the mistake. Done once, on the request's
  query string, before any route reads it; a parameter given with a value is untouched.
* :func:`allowed_methods` — what a 405 lists in ``Allow`` (RFC 9110): every method some route
  of the path answers.
* Examples (:data:`EXAMPLE_IDS` …) are real ids of the corpus, so "Try it out" in ``/docs``
  runs a request that answers 200; ``tests/test_openapi_contract.py`` runs every one against the
  real build.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Match, Mount
from starlette.types import ASGIApp, Receive, Scope, Send


class ErrorBody(BaseModel):
    """Every error the hub answers, whatever the route or status."""

    error: str = Field(
        description="what went wrong, as a code (e.g. not_found, invalid_request, query_timeout)",
        examples=["not_found"],
    )
    detail: Any = Field(
        description="a message, or an object with the message and what would work "
        "(close matches, valid values, the parameters at fault)"
    )


def error(status: int, error_name: str, detail: object) -> JSONResponse:
    """The one error shape of the API: {error, detail} (here, not in app.py, so routers need not import the app)."""
    return JSONResponse({"error": error_name, "detail": detail}, status_code=status)


DESCRIPTIONS = {
    400: "a malformed request (a path with control characters, a bad Host or Content-Length header)",
    404: "no such thing; `detail.suggestions` lists close matches where there are any",
    406: "none of the types the Accept header asks for fits this answer",
    413: "the request body is larger than the server accepts",
    414: "the URL is longer than the server accepts",
    415: "the request body is not of a media type this route reads",
    422: "a parameter or body field the route cannot use; `detail` names it and what would work",
    429: "too many requests from this client; retry after the seconds in `Retry-After`",
    431: "too many or too large request headers",
    500: "the server failed to answer; the failure is logged, never shown",
    502: "the graph store behind the hub did not answer",
    503: "no usable build is being served (the message names the missing file), or a time limit was reached",
}


def errors(*codes: int, **described: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for error statuses, each with the :class:`ErrorBody` model.

    ``described`` overrides a description by status, e.g. ``errors(404, s404="no such record")``."""
    return {code: {"model": ErrorBody, "description": described.get(f"s{code}", DESCRIPTIONS[code])} for code in codes}


EVERY_ROUTE = errors(400, 413, 414, 431, 500)
FROM_BUILD = errors(503)
RATE_LIMITED = {
    429: {
        "model": ErrorBody,
        "description": DESCRIPTIONS[429],
        "headers": {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}},
    }
}


class EmptyMeansAbsent:
    """ASGI middleware: drops ``name=`` (and a bare ``name``) from the query string, so an empty field is the
    default."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("query_string"):
            scope = {**scope, "query_string": drop_empty(scope["query_string"])}
        await self.app(scope, receive, send)


def drop_empty(query: bytes) -> bytes:
    """The query string without its empty parameters; the others keep their bytes and order."""
    return b"&".join(p for p in query.split(b"&") if p.partition(b"=")[2])


def allowed_methods(routes: list[BaseRoute], scope: Scope) -> list[str]:
    """The methods of every route whose path matches this request's; the static site's files answer GET and HEAD."""
    return route_methods(routes, scope) or ["GET", "HEAD"]


def route_methods(routes: list[BaseRoute], scope: Scope) -> list[str]:
    """The methods the API's routes answer at this request's path (none: the path is the site's or nobody's)."""
    routes = [r for r in routes if not isinstance(r, Mount)]  # the site's and the docs' files
    return [m for m in METHOD_ORDER if any(r.matches({**scope, "method": m})[0] == Match.FULL for r in routes)]


METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


# ---------------------------------------------------------------- examples: real ids of the corpus

EXAMPLE_IDS = {
    "practice": "aurora-key-community-response-team",
    "city": "mombasa",
    "resource": "bilbao-intercultural-plan-doc",
    "spotlight": "spotlight-cape-town-regional-leadership",
}


def example(value: Any, summary: str) -> dict[str, Any]:
    """One entry of ``openapi_examples``."""
    return {"summary": summary, "value": value}


def vocab_values(scheme: str) -> list[str]:
    """What a vocabulary parameter accepts, for its ``enum``: each concept's id and preferred label (any case works
    too)."""
    from hub import vocab

    concepts = sorted(vocab.load()[scheme].concepts.values(), key=lambda c: c.label.lower())
    return list(dict.fromkeys(v for c in concepts for v in (c.id, c.label)))


def place_consistency() -> dict[str, Any]:
    """JSON Schema for a body with optional ``region`` and ``country``: when both are given, the country lies in the
    region."""
    from hub import vocab

    schemes = vocab.load()
    absent: list[Any] = [None, ""]
    homeless = [c for c in schemes["countries"].concepts.values() if vocab.region_of_country(c.id) is None]
    branches: list[dict[str, Any]] = [
        {"properties": {"region": {"enum": absent}}},
        {"properties": {"country": {"enum": absent}}},
    ]
    for region in sorted(schemes["regions"].concepts.values(), key=lambda c: c.label.lower()):
        inside = [
            c
            for c in schemes["countries"].concepts.values()
            if (home := vocab.region_of_country(c.id)) is not None and home.id == region.id
        ] + homeless
        if inside:
            branches.append(
                {
                    "properties": {
                        "region": {"enum": [region.id, region.label]},
                        "country": {"enum": sorted({v for c in inside for v in (c.id, c.label)})},
                    }
                }
            )
    return {"anyOf": branches}

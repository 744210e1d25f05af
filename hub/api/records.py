"""``GET /api/practices/{id}``, ``/api/resources/{id}``, ``/api/spotlights/{id}``: one record.

JSON (the catalogue entry) by default; the record's own RDF (its named graph) as
Turtle, N-Triples or JSON-LD when ``Accept`` asks for it or the id ends in ``.ttl``,
``.nt`` or ``.jsonld``. An unknown id is a 404 whose detail lists close matches.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse, Response

from hub import records
from hub.api.contract import EXAMPLE_IDS, error, errors, example
from hub.api.deps import LoadedBuild, current_build, current_store
from hub.api.language import language, record
from hub.api.negotiation import accept_ranges
from hub.config import KIND_FOLDERS
from hub.vocab import did_you_mean

router = APIRouter(tags=["records"])

SUFFIXES = {".ttl": "turtle", ".nt": "ntriples", ".jsonld": "jsonld", ".json": "json"}
MEDIA = {
    "turtle": "text/turtle; charset=utf-8",
    "ntriples": "application/n-triples",
    "jsonld": "application/ld+json",
    "json": "application/json",
}
_ACCEPTS = {
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/n-triples": "ntriples",
    "application/ld+json": "jsonld",
    "application/json": "json",
}


def representation(request: Request, raw_id: str) -> tuple[str, str]:
    """(record id, format): a suffix decides; otherwise the most preferred Accept type we know, JSON by default."""
    for suffix, fmt in SUFFIXES.items():
        if raw_id.endswith(suffix):
            return raw_id[: -len(suffix)], fmt
    for media in accept_ranges(request.headers.get("accept", "")):
        if media in _ACCEPTS:
            return raw_id, _ACCEPTS[media]
    return raw_id, "json"


def record_response(kind: str, raw_id: str, request: Request, build: LoadedBuild, lang: str = "en") -> Response:
    record_id, fmt = representation(request, raw_id)
    entry = records.find(build.records, kind, record_id)
    if entry is None:
        suggestions = records.suggest(build.records, kind, record_id)
        hint = f"; {did_you_mean([s['id'] for s in suggestions[:3]])}" if suggestions else ""
        return error(
            404, "not_found", {"message": f"no {kind} with id '{record_id}'{hint}", "suggestions": suggestions}
        )
    base = f"/api/{KIND_FOLDERS[kind]}/{record_id}"
    headers = {
        "Vary": "Accept, Accept-Language",
        "Link": ", ".join(
            f'<{base}{s}>; rel="alternate"; type="{MEDIA[f].split(";")[0]}"' for s, f in SUFFIXES.items() if f != fmt
        ),
    }
    if fmt == "json":
        return JSONResponse(record(entry, lang), headers=headers)
    body = records.record_rdf(current_store(request, build), kind, record_id, fmt)
    return Response(body, media_type=MEDIA[fmt], headers=headers)


RECORD_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {m.split(";")[0]: {} for m in MEDIA.values()}, "description": "the record"},
    **errors(
        404,
        422,
        s404="no such record; `detail.suggestions` lists close matches",
        s422="the id is longer than 120 characters or holds a slash or control character",
    ),
}
ID_PATTERN = (
    r"^[^\x00-\x1f\x7f/]+$"  # a path segment: the guard answers 400 for control characters, routing 404 for '/'
)


def record_id_param(kind: str) -> Any:
    """The ``{record_id}`` path parameter of a kind, with a real id of the corpus and its Turtle form as examples."""
    real = EXAMPLE_IDS[kind]
    return Path(
        max_length=120,
        pattern=ID_PATTERN,
        description="the record id, optionally ending in .ttl, .nt, .jsonld or .json",
        openapi_examples={
            "json": example(real, f"a {kind} as JSON"),
            "turtle": example(f"{real}.ttl", "its RDF as Turtle"),
        },
    )


@router.get("/api/practices/{record_id}", summary="One practice", response_class=Response, responses=RECORD_RESPONSES)
def practice(
    record_id: Annotated[str, record_id_param("practice")],
    request: Request,
    build: Annotated[LoadedBuild, Depends(current_build)],
    lang: Annotated[str, Depends(language)],
) -> Response:
    """A practice as JSON (default), or its RDF as Turtle / N-Triples / JSON-LD by `Accept` or suffix."""
    return record_response("practice", record_id, request, build, lang)


@router.get("/api/resources/{record_id}", summary="One resource", response_class=Response, responses=RECORD_RESPONSES)
def resource(
    record_id: Annotated[str, record_id_param("resource")],
    request: Request,
    build: Annotated[LoadedBuild, Depends(current_build)],
    lang: Annotated[str, Depends(language)],
) -> Response:
    """A guide, toolkit, report or other resource as JSON (default), or its RDF by `Accept` or suffix."""
    return record_response("resource", record_id, request, build, lang)


@router.get(
    "/api/spotlights/{record_id}", summary="One impact story", response_class=Response, responses=RECORD_RESPONSES
)
def spotlight(
    record_id: Annotated[str, record_id_param("spotlight")],
    request: Request,
    build: Annotated[LoadedBuild, Depends(current_build)],
    lang: Annotated[str, Depends(language)],
) -> Response:
    """An impact story as JSON (default), or its RDF by `Accept` or suffix."""
    return record_response("spotlight", record_id, request, build, lang)

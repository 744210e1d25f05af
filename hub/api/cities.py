"""Cities and their peers: ``/api/cities``, ``/api/cities/{id}``, ``/api/cities/{id}/peers``, ``POST /api/peers``.

Everything but ``POST /api/peers`` is served from the build's artefacts as they are
(``records.json`` and ``peers.json``, each read once per build); only a described
city is profiled at request time, against the vectors the build stored.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, Path as PathParam, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from hub.api.app import error
from hub.api.deps import BuildMissing, LoadedBuild, current_build
from hub.api.records import RECORD_RESPONSES, record_response, representation
from hub.peers import DescriptionError, PeerIndex
from hub.peers.index import DEFAULT_LIMIT, PEERS_FILE, STORED_PEERS, close_cities
from hub.peers.profile import MAX_DESCRIPTION

router = APIRouter(tags=["cities"])
Build = Annotated[LoadedBuild, Depends(current_build)]
Limit = Annotated[int, Query(ge=1, le=STORED_PEERS, description=f"how many peers, 1–{STORED_PEERS}")]


class PeerPractice(BaseModel):
    id: str
    title: str
    url: str
    summary: str
    score: float
    shared: list[str]


class Peer(BaseModel):
    id: str
    label: str
    country: str | None
    region: str | None
    admin_type: str | None
    url: str
    score: float
    components: dict[str, float]
    reasons: list[str]
    shared: dict[str, list[str]]
    differs: list[str]
    practices: list[PeerPractice]
    thin: bool
    weak: bool


class PeersResponse(BaseModel):
    city: str | None
    label: str
    thin: bool
    note: str | None
    profile: dict[str, Any] | None = None  # for a described city: what was understood from the text
    peers: list[Peer]


class Describe(BaseModel):
    description: str = Field(max_length=MAX_DESCRIPTION, description="the city in a few sentences: its situation, what it faces, what it does")
    region: str | None = Field(None, max_length=100, description="a region of the hub's vocabulary, e.g. 'East and Southern Africa'")
    country: str | None = Field(None, max_length=100, description="a country of the hub's vocabulary, e.g. 'Uganda'")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=STORED_PEERS)


def _peers(path: Path) -> dict[str, Any]:
    file = path / PEERS_FILE
    if not file.is_file():
        raise BuildMissing(f"{file} is missing: run `hub build`")
    return json.loads(file.read_text(encoding="utf-8"))


def _index(path: Path) -> PeerIndex:
    try:
        return PeerIndex.load(path)
    except FileNotFoundError as exc:
        raise BuildMissing(f"{exc.filename} is missing: run `hub build`") from None


def _cities(build: LoadedBuild) -> dict[str, dict[str, Any]]:
    return {rid: r for rid, r in build.records.items() if r["type"] == "city"}


def _city_or_404(build: LoadedBuild, city_id: str) -> dict[str, Any]:
    """The city's catalogue entry, or a 404 shaped like every record route's (message + suggestions)."""
    city = build.records.get(city_id)
    if city is None or city["type"] != "city":
        suggestions = close_cities(city_id, build.records)
        hint = f"; did you mean {', '.join(s['id'] for s in suggestions)}?" if suggestions else ""
        raise HTTPException(404, detail={"message": f"no city with id '{city_id}'{hint}", "suggestions": suggestions})
    return city


@router.get("/api/cities", summary="Every city and local government in the hub")
def list_cities(build: Build,
                region: Annotated[str | None, Query(description="only cities of this region (label)")] = None,
                country: Annotated[str | None, Query(description="only cities of this country (label)")] = None) -> dict:
    rows = [{"id": c["id"], "label": c["title"], "country": c["country"], "region": c["region"], "admin_type": c.get("admin_type"),
             "context": c.get("context") or [], "practices": len(c.get("practices") or []), "links": len(c.get("links") or []),
             "url": c["url"], "peers": f"/api/cities/{c['id']}/peers"}
            for c in sorted(_cities(build).values(), key=lambda c: c["title"].lower())
            if (region is None or c["region"] == region) and (country is None or c["country"] == country)]
    return {"total": len(rows), "cities": rows}


@router.get("/api/cities/{city_id}", summary="One city: its record, its practices and its learning links",
            response_class=Response, responses=RECORD_RESPONSES)
def get_city(build: Build, request: Request,
             city_id: Annotated[str, PathParam(max_length=120, description="the city id, optionally ending in .ttl, .nt, .jsonld or .json")]) -> Any:
    """JSON: the catalogue record with its practices expanded and its learning links as recorded facts (never peer scores).
    Its RDF (Turtle, N-Triples, JSON-LD) by `Accept` or suffix, as for every record."""
    city_id, fmt = representation(request, city_id)
    if fmt != "json":
        return record_response("city", request.path_params["city_id"], request, build)
    city = _city_or_404(build, city_id)
    records = build.records
    practices = [{"id": p, "title": records[p]["title"], "url": records[p]["url"], "summary": records[p]["summary"],
                  "themes": records[p]["themes"]} for p in city.get("practices") or [] if p in records]
    links = [{**ln, "url": records[ln["city"]]["url"] if ln["city"] in records else None} for ln in city.get("links") or []]
    return JSONResponse({**city, "practices": practices, "links": links, "peers": f"/api/cities/{city_id}/peers"}, headers={"Vary": "Accept"})


@router.get("/api/cities/{city_id}/peers", response_model=PeersResponse, summary="Peer cities, with reasons")
def city_peers(build: Build, city_id: Annotated[str, PathParam(max_length=120)], limit: Limit = DEFAULT_LIMIT) -> dict:
    """Cities that faced what this city faces and what they did, precomputed at build time."""
    _city_or_404(build, city_id)
    entry = build.artefact("peers", _peers)[city_id]
    return {**entry, "peers": entry["peers"][:limit]}


@router.post("/api/peers", response_model=PeersResponse, summary="Peer cities for a city described in words")
def describe_peers(build: Build, body: Annotated[Describe, Body()]) -> Any:
    """Profile a city that is not in the hub from a description (and optionally its region or country)."""
    index = build.artefact("peer-index", _index)
    try:
        return index.describe(body.description, region=body.region, country=body.country, limit=body.limit)
    except DescriptionError as exc:
        return error(422, "invalid_description", str(exc))

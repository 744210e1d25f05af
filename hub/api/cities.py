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
from pydantic import BaseModel, ConfigDict, Field

from hub.api.contract import EXAMPLE_IDS, errors, example, place_consistency, vocab_values
from hub.api.deps import BuildMissing, LoadedBuild, current_build
from hub.api.language import VARY, language, record
from hub.api.records import ID_PATTERN, RECORD_RESPONSES, record_response, representation
from hub.peers import PeerIndex
from hub.peers.index import DEFAULT_LIMIT, PEERS_FILE, STORED_PEERS, close_cities
from hub.peers.profile import MAX_DESCRIPTION, MAX_POPULATION
from hub.vocab import did_you_mean

router = APIRouter(tags=["cities"])
Build = Annotated[LoadedBuild, Depends(current_build)]
Limit = Annotated[
    int,
    Query(
        ge=1,
        le=STORED_PEERS,
        description=f"how many peers, 1–{STORED_PEERS}",
        openapi_examples={"five": example(5, "the five closest")},
    ),
]
CityId = Annotated[
    str,
    PathParam(
        max_length=120,
        pattern=ID_PATTERN,
        description="the city id, optionally ending in .ttl, .nt, .jsonld or .json",
        openapi_examples={
            "json": example(EXAMPLE_IDS["city"], "a city as JSON"),
            "turtle": example(f"{EXAMPLE_IDS['city']}.ttl", "its RDF as Turtle"),
        },
    ),
]
PeerCityId = Annotated[
    str,
    PathParam(
        max_length=120,
        pattern=ID_PATTERN,
        description="the city id",
        openapi_examples={"city": example(EXAMPLE_IDS["city"], "a city of the hub")},
    ),
]
PLACE_EXAMPLES = {
    "region": {"africa": example("East and Southern Africa", "a region")},
    "country": {"kenya": example("Kenya", "a country")},
}


class PeerPractice(BaseModel):
    id: str
    title: str
    url: str
    summary: str
    score: float
    shared: list[str]


class PeerGroupPractice(BaseModel):
    id: str
    title: str
    url: str


class PeerGroup(BaseModel):
    """What the members of a grouped card all took part in: their only shared ground with each other."""

    text: str = Field(description="e.g. 'Dijon, Madrid and Murcia all took part in “…”' (also the first reason)")
    practices: list[PeerGroupPractice]


class PeerMember(BaseModel):
    id: str
    label: str
    url: str
    country: str | None
    region: str | None
    admin_type: str | None
    population: int | None = Field(None, description="GeoNames' figure, where the city has a GeoNames id")
    size: str | None = Field(None, description="the population in words, e.g. 'about 160,000 people'")


class Peer(BaseModel):
    id: str = Field(description="the peer's city id (a grouped card: its member closest in size)")
    label: str = Field(description="the peer's name (a grouped card: every member's, 'Dijon, Madrid and Murcia')")
    country: str | None
    region: str | None
    admin_type: str | None
    url: str
    population: int | None = Field(None, description="GeoNames' figure (none on a grouped card: see members)")
    score: float
    components: dict[str, float]
    reasons: list[str]
    shared: dict[str, list[str]]
    differs: list[str]
    practices: list[PeerPractice]
    thin: bool
    weak: bool
    group: PeerGroup | None = Field(
        None, description="set when several peers are alike only through practices they all took part in: one card"
    )
    members: list[PeerMember] = Field(
        default_factory=list, description="a grouped card's cities, closest in size first"
    )


class PeersResponse(BaseModel):
    city: str | None
    label: str
    thin: bool
    note: str | None
    profile: dict[str, Any] | None = None  # for a described city: what was understood from the text
    peers: list[Peer]


class Describe(BaseModel):
    # pattern and enums are declared, not enforced here: the profile's own checks answer with what would work
    description: str = Field(
        max_length=MAX_DESCRIPTION,
        description="the city in a few sentences: its situation, what it faces, what it does",
        json_schema_extra={"pattern": r"\S"},
    )
    region: str | None = Field(
        None,
        max_length=100,
        description="a region of the hub's vocabulary (id or label; empty: none), e.g. 'East and Southern Africa'",
        json_schema_extra=lambda s: _enum(s, "regions"),
    )
    country: str | None = Field(
        None,
        max_length=100,
        description="a country of the hub's vocabulary (id or label; empty: none), "
        "e.g. 'Uganda'; when a region is given too, it must lie in it",
        json_schema_extra=lambda s: _enum(s, "countries"),
    )
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=STORED_PEERS)
    # bounds declared, not enforced here: the profile's checks say what is wrong in one sentence
    population: int | None = Field(
        None,
        description=f"the town's population, 1–{MAX_POPULATION:,}: said in the reasons and what differs (size does "
        "not change the score)",
        json_schema_extra={"minimum": 1, "maximum": MAX_POPULATION},
    )
    geonames: int | None = Field(
        None,
        description="instead of a population: the town's GeoNames id (https://www.geonames.org/<id>), whose "
        "population is used",
        json_schema_extra={"minimum": 1},
    )

    model_config = ConfigDict(json_schema_extra=lambda s: s.update(place_consistency(), **ONE_SIZE))


# a population or a GeoNames place, not both (either may be absent or null)
ONE_SIZE = {
    "not": {
        "required": ["population", "geonames"],
        "properties": {"population": {"type": "integer"}, "geonames": {"type": "integer"}},
    }
}


def _enum(schema: dict[str, Any], scheme: str) -> None:
    """Put the vocabulary's values (and empty, meaning none) on the string branch of an optional field."""
    for branch in schema.get("anyOf", [schema]):
        if branch.get("type") == "string":
            branch["enum"] = ["", *vocab_values(scheme)]


DESCRIBE_EXAMPLES = {
    "port-city": example(
        {
            "description": "A port city on the Indian Ocean coast with a young population. Young people are recruited "
            "into violent extremist groups online and in prisons; the county works with religious leaders, "
            "youth groups and the police on prevention.",
            "country": "Kenya",
            "population": 1_200_000,
            "limit": 5,
        },
        "a coastal city of 1.2 million people facing youth recruitment, in Kenya",
    ),
    "divided-town": example(
        {
            "description": "A mid-sized town where polarisation between communities has grown after a wave of "
            "migration; hate speech online and anti-migrant narratives are rising.",
            "region": "Europe",
        },
        "a European town facing polarisation and hate speech",
    ),
}


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
        hint = f"; {did_you_mean([s['id'] for s in suggestions])}" if suggestions else ""
        raise HTTPException(404, detail={"message": f"no city with id '{city_id}'{hint}", "suggestions": suggestions})
    return city


@router.get(
    "/api/cities",
    summary="Every city and local government in the hub",
    responses=errors(422, s422="a region or country longer than 100 characters"),
)
def list_cities(
    build: Build,
    region: Annotated[
        str | None,
        Query(
            max_length=100,
            description="only cities of this region (its label)",
            openapi_examples=PLACE_EXAMPLES["region"],
        ),
    ] = None,
    country: Annotated[
        str | None,
        Query(
            max_length=100,
            description="only cities of this country (its label)",
            openapi_examples=PLACE_EXAMPLES["country"],
        ),
    ] = None,
) -> dict:
    rows = [
        {
            "id": c["id"],
            "label": c["title"],
            "country": c["country"],
            "region": c["region"],
            "admin_type": c.get("admin_type"),
            "context": c.get("context") or [],
            "practices": len(c.get("practices") or []),
            "links": len(c.get("links") or []),
            "url": c["url"],
            "peers": f"/api/cities/{c['id']}/peers",
        }
        for c in sorted(_cities(build).values(), key=lambda c: c["title"].lower())
        if (region is None or c["region"] == region) and (country is None or c["country"] == country)
    ]
    return {"total": len(rows), "cities": rows}


@router.get(
    "/api/cities/{city_id}",
    summary="One city: its record, its practices and its learning links",
    response_class=Response,
    responses=RECORD_RESPONSES,
)
def get_city(build: Build, request: Request, city_id: CityId, lang: Annotated[str, Depends(language)]) -> Any:
    """JSON: the catalogue record with its practices expanded and its learning links as recorded facts (never peer scores).
    Its RDF (Turtle, N-Triples, JSON-LD) by `Accept` or suffix, as for every record."""  # noqa: E501 (its text is the public API/CLI description)
    city_id, fmt = representation(request, city_id)
    if fmt != "json":
        return record_response("city", request.path_params["city_id"], request, build, lang)
    city = _city_or_404(build, city_id)
    records = build.records
    practices = [
        {
            "id": p,
            "title": records[p]["title"],
            "url": records[p]["url"],
            "summary": records[p]["summary"],
            "themes": record({"themes": records[p]["themes"]}, lang)["themes"],
        }
        for p in city.get("practices") or []
        if p in records
    ]
    links = [
        {**ln, "url": records[ln["city"]]["url"] if ln["city"] in records else None} for ln in city.get("links") or []
    ]
    return JSONResponse(
        {**record(city, lang), "practices": practices, "links": links, "peers": f"/api/cities/{city_id}/peers"},
        headers=VARY,
    )


@router.get(
    "/api/cities/{city_id}/peers",
    response_model=PeersResponse,
    summary="Peer cities, with reasons",
    responses=errors(
        404,
        422,
        s404="no such city; `detail.suggestions` lists close matches",
        s422="a city id over 120 characters, or a limit out of range",
    ),
)
def city_peers(build: Build, city_id: PeerCityId, limit: Limit = DEFAULT_LIMIT) -> dict:
    """Cities that faced what this city faces and what they did, precomputed at build time."""
    _city_or_404(build, city_id)
    entry = build.artefact("peers", _peers)[city_id]
    return {**entry, "peers": entry["peers"][:limit]}


@router.post(
    "/api/peers",
    response_model=PeersResponse,
    summary="Peer cities for a city described in words",
    responses=errors(
        404,
        422,
        s404="no GeoNames place has the id given as `geonames` (among places of 500+ people)",
        s422="an empty or too long description, an unknown region or country, a country outside the region given, "
        "a population that is not a whole number from 1 to 100,000,000, or both a population and a GeoNames id",
    ),
)
def describe_peers(build: Build, body: Annotated[Describe, Body(openapi_examples=DESCRIBE_EXAMPLES)]) -> Any:
    """Profile a city that is not in the hub from a description (and optionally its region or country)."""
    index = build.artefact("peer-index", _index)
    return index.describe(
        body.description,
        region=body.region,
        country=body.country,
        limit=body.limit,
        population=body.population,
        geonames=body.geonames,
    )  # DescriptionError: 422

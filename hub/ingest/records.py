"""Typed records, one model per kind of curated file.

The models check shape (required fields, types, id format, year range); whether a
label is in a vocabulary or an id points at a real file is the validator's job,
because that needs the whole corpus.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
Id = Annotated[str, Field(pattern=ID_PATTERN, max_length=120)]
Label = Annotated[str, Field(min_length=1, max_length=200)]
Title = Annotated[str, Field(min_length=1, max_length=400)]  # official titles of reports run long
FIRST_YEAR = 1900


def check_year(v: int | None) -> int | None:
    if v is not None and not FIRST_YEAR <= v <= dt.date.today().year:
        raise ValueError(f"must be a year between {FIRST_YEAR} and {dt.date.today().year}")
    return v


Year = Annotated[int | None, AfterValidator(check_year)]


def check_url(v: str | None) -> str | None:
    if v is not None and not re.match(r"^https?://[^\s<>\"]+$", v):
        raise ValueError("must be an http(s) URL without spaces")
    return v


Url = Annotated[str | None, AfterValidator(check_url)]


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid")
    doc: Label
    section: Label
    url: Url = None


class Coordinates(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class Evidence(BaseModel):
    """What a practice's sources report about whether it works, and the passage that says so (shown on its page)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    level: Label  # a preferred label of the `evidence` scheme (hub/ontology/vocab/evidence.ttl)
    says: Annotated[str, Field(min_length=20, max_length=600)]  # what the passage reports, in our words
    source: Source


class Link(BaseModel):
    model_config = ConfigDict(extra="forbid")
    relation: Literal["learned_from", "replicated", "attended_event_in", "peer_group"]
    city: Id
    year: Year = None
    evidence: Annotated[str, Field(min_length=10, max_length=600)]
    source: Source


class RecordBase(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    id: Id
    sources: list[Source] = Field(min_length=1)
    notes: str | None = None  # published: the public reads it on the record's page
    curator_notes: str | None = None  # for curators only: never in the graph, the catalogue or a page
    body: str = ""

    @property
    def label(self) -> str:
        return getattr(self, "title", None) or self.name


class Practice(RecordBase):
    type: Literal["practice"]
    title: Title
    summary: Annotated[str, Field(min_length=20, max_length=600)]
    cities: list[Id] = []
    countries: list[Label] = []
    scope: Label
    themes: list[Label] = Field(min_length=1)
    stakeholders: list[Label] = []
    challenges: list[Label] = []
    prevention_levels: list[Label] = []
    year: Year = None
    partners: list[Label] = []
    related_practices: list[Id] = []
    resources: list[Id] = []
    annex_ii: bool = False
    evidence: Evidence | None = None


class StatedPopulation(BaseModel):
    """A population a cited passage states, for an area GeoNames gives none for (a province, a county)."""

    model_config = ConfigDict(extra="forbid")
    value: Annotated[int, Field(gt=0)]
    says: Label  # the passage's own words for it, e.g. "a population of 47.9 million"
    source: Source


class City(RecordBase):
    type: Literal["city"]
    name: Label
    aliases: list[Label] = []
    country: Label
    admin_type: Label
    strong_cities_member: bool | None = None
    coordinates: Coordinates | None = None
    geonames: Annotated[int, Field(gt=0)] | None = None  # the GeoNames id of the place, confirmed by a curator
    # an area (county, district) that is no GeoNames place: its seat town's id, used for the map point only — never
    # for population or names, which would be the town's and not the area's
    seat_geonames: Annotated[int, Field(gt=0)] | None = None
    population: StatedPopulation | None = None  # only as a cited passage states it; never with a `geonames:` id
    context: list[Label] = []
    links: list[Link] = []


class Resource(RecordBase):
    type: Literal["resource"]
    title: Title
    resource_type: Label
    publisher: Label | None = None
    year: Year = None
    date: Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$")] | None = None
    url: Url = None
    seed_file: Label | None = None
    about_cities: list[Id] = []
    about_practices: list[Id] = []

    @field_validator("date")
    @classmethod
    def _real_date(cls, v: str | None) -> str | None:
        if v is not None:
            dt.date.fromisoformat(v)  # raises ValueError for 2023-02-30
        return v


class Spotlight(RecordBase):
    type: Literal["spotlight"]
    title: Title
    category: Label
    cities: list[Id] = []  # some stories (a global initiative) name no city
    practices: list[Id] = []
    year: Year = None


Record = Practice | City | Resource | Spotlight
MODELS: dict[str, type[RecordBase]] = {"practice": Practice, "city": City, "resource": Resource, "spotlight": Spotlight}

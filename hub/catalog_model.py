"""The catalogue's shape (``build/records.json``): one typed entry per record, as every consumer reads it.

Written by :mod:`hub.ingest.catalog` (the build), read by search, peers, the site, the API and the
CLI. It lives here, below all of them and importing nothing of ingest, so a server can name the
type without importing the code that validates Markdown.
"""

from __future__ import annotations

from typing import Any, TypedDict

from hub.config import KIND_FOLDERS


class CityRef(TypedDict):
    """A city a record names, with its country and page."""

    id: str
    label: str
    country: str
    url: str


class CatalogEntry(TypedDict, total=False):
    """One record, flattened: labels resolved, facet values as concept ids.

    Every entry has the keys up to ``facets``; the rest depend on the record's kind
    (practice: ``scope``, ``partners``, ``related``…; city: ``aliases``, ``coordinates``, ``links``…;
    resource: ``publisher``, ``resource_type``…; spotlight: ``category``, ``practices``)."""

    id: str
    type: str  # one of hub.config.RECORD_KINDS
    title: str
    url: str
    iri: str
    summary: str
    body: str
    notes: str | None
    sources: list[dict[str, Any]]
    cities: list[CityRef]
    countries: list[str]
    regions: list[str]
    themes: list[str]
    stakeholders: list[str]
    challenges: list[str]
    levels: list[str]
    year: int | None
    city: str | None  # the first city the record names
    country: str | None  # that city's country, or the first country
    region: str | None
    place: str  # every place, as pages say it (place_phrase)
    facets: dict[str, list[str]]  # facet name (hub.facets) and "type" -> concept ids
    # practice
    scope: str
    partners: list[str]
    related: list[str]
    resources: list[str]
    annex_ii: bool
    evidence: list[str]  # the evidence level's label (a facet, hub.facets); empty until the practice is graded
    evidence_says: str | None  # what the passage the grade rests on reports, in the hub's words
    evidence_source: dict[str, Any] | None  # that passage, shaped like an entry of "sources"
    # city
    aliases: list[str]
    admin_type: str
    member: bool
    context: list[str]
    coordinates: dict[str, float] | None  # GeoNames' point when the record has a GeoNames id, else the record's own
    geonames: dict[str, Any] | None  # id, iri, name, population, names (alternate), source: facts derived from the id
    stated_population: dict[str, Any] | None  # an area's population as a cited passage states it: value, says, source
    seat: dict[str, Any] | None  # an area shown at its seat town: id, iri, name, label, source (the point only)
    practices: list[str]
    links: list[dict[str, Any]]
    # resource
    resource_type: str
    publisher: str | None
    date: str | None
    link: str | None
    seed_file: str | None
    about_practices: list[str]
    # spotlight
    category: str


Catalog = list[CatalogEntry]


def page_url(kind: str, record_id: str) -> str:
    """The record's page on the site (and the API's ``url`` field)."""
    return f"/{KIND_FOLDERS[kind]}/{record_id}/"


def place_phrase(cities: list[str], countries: list[str], limit: int = 3) -> str:
    """Where a record is, as every page and search result shows it: "Cape Town (South Africa)", or
    "Cape Town, London, Edmonton and 46 more" when it is about many places (site/templates/macros.html prints this)."""
    if len(cities) > limit:
        return f"{', '.join(cities[:limit])} and {len(cities) - limit} more"
    if cities:
        return ", ".join(cities) + (f" ({', '.join(countries)})" if countries else "")
    if len(countries) > limit:
        return f"{', '.join(countries[:limit])} and {len(countries) - limit} more"
    return ", ".join(countries)

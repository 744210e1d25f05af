"""The facet registry: every vocabulary facet a record is filtered, browsed, indexed and compared by, once.

Validation, the RDF mapping, the catalogue, search, peers, the site (and its search page's
script, through a data attribute the template renders), the API and the CLI all read
:data:`FACETS`, so adding a facet is one line here (plus its vocabulary file and its
front-matter field). This module imports nothing of the hub: servers and the build both use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Facet:
    """One vocabulary facet of the catalogue."""

    name: str  # key in a catalogue entry's "facets", the search filter and API query parameter
    scheme: str  # the SKOS scheme its values come from (hub/ontology/vocab/<scheme>.ttl)
    field: str  # catalogue field holding the values' labels; also the browse folder (/<field>/) and peers' profile key
    label: str  # singular, as a filter's title ("Theme")
    plural: str  # as a browse page's title ("Themes")
    shown: int  # its place among the search page's filters (after the record type)
    source: str | None = (
        None  # a practice's front-matter field with the labels, dotted when nested ("evidence.level"); None: derived
    )
    prop: str | None = None  # the hub: ontology property linking a record to a value (to_rdf); None when not stated
    browse: bool = True  # the site has browse pages /<field>/ and /<field>/<concept id>/
    describes: bool = False  # its concept labels describe the record: searchable words of the keyword index
    peers: int = 0  # its place in a city's peer profile and in the reasons peers share (hub.peers); 0: not part of it


# The order is that of a catalogue entry's "facets", of validation and of the RDF mapping; ``shown`` orders the
# search page's filters and the API's facet counts (after the record type).
FACETS: tuple[Facet, ...] = (
    Facet(
        "theme", "themes", "themes", "Theme", "Themes", shown=5, source="themes", prop="theme", describes=True, peers=1
    ),
    Facet(
        "stakeholder",
        "stakeholders",
        "stakeholders",
        "Stakeholder",
        "Stakeholders",
        shown=6,
        source="stakeholders",
        prop="stakeholder",
        describes=True,
        peers=3,
    ),
    Facet(
        "challenge",
        "challenges",
        "challenges",
        "Challenge",
        "Challenges",
        shown=7,
        source="challenges",
        prop="challenge",
        describes=True,
        peers=2,
    ),
    Facet(
        "level",
        "prevention-levels",
        "levels",
        "Prevention level",
        "Prevention levels",
        shown=3,
        source="prevention_levels",
        prop="preventionLevel",
        describes=True,
        peers=4,
    ),
    Facet(
        "country",
        "countries",
        "countries",
        "Country",
        "Countries",
        shown=2,
        source="countries",
        prop="country",
        browse=False,
    ),
    Facet("region", "regions", "regions", "Region", "Regions", shown=1),
    Facet(  # what a practice's sources report about whether it works (issue 17): graded, not derived
        "evidence",
        "evidence",
        "evidence",
        "Evidence level",
        "Evidence levels",
        shown=4,
        source="evidence.level",
        prop="evidenceLevel",
    ),
)
TYPE_FACET = "type"  # the record kind: a filter and a count like the others, but no vocabulary
FACET_BY_NAME = {f.name: f for f in FACETS}


def facet_names() -> tuple[str, ...]:
    """Every filter name, the record type first: what search counts and the search page shows."""
    return (TYPE_FACET, *(f.name for f in sorted(FACETS, key=lambda f: f.shown)))


def read_source(record: Any, path: str) -> Any:
    """The value at a front-matter path ("themes", "evidence.level") of a record or of raw front-matter (a dict).

    None where any step is missing (a practice not yet graded has no ``evidence``): validation, the RDF
    mapping and the catalogue all read a facet's ``source`` through this, so a nested field is one string."""
    value = record
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else getattr(value, part, None)
        if value is None:
            return None
    return value


def source_labels(record: Any, path: str) -> list[str]:
    """The labels at a facet's source path as a list (one label, a list of them, or none)."""
    value = read_source(record, path)
    return [] if value is None else list(value) if isinstance(value, list) else [value]


def write_source(record: Any, path: str, value: Any) -> None:
    """Set the value at a front-matter path of a record (validation writes back the preferred labels)."""
    *parents, last = path.split(".")
    target = record
    for part in parents:
        target = getattr(target, part)
    setattr(target, last, value)

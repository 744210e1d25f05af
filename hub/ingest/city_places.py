"""GeoNames candidates for the city records a curator is working on (`hub geonames`, `hub new city`).

Reads the record files themselves, not the built graph: a curator asks while editing, before any build.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hub import geonames
from hub.config import KIND_FOLDERS
from hub.ingest.frontmatter import read


@dataclass(frozen=True)
class CityFile:
    """What a candidate search needs from one city record, and what a curator needs to judge it."""

    id: str
    name: str
    country: str
    admin_type: str
    aliases: tuple[str, ...]
    coordinates: tuple[float, float] | None
    geonames: int | None
    curator_notes: str


def city_file(path: Path) -> CityFile:
    meta = read(path).meta
    coords = meta.get("coordinates")
    return CityFile(
        id=path.stem,
        name=str(meta.get("name", "")),
        country=str(meta.get("country", "")),
        admin_type=str(meta.get("admin_type", "")),
        aliases=tuple(str(a) for a in meta.get("aliases") or []),
        coordinates=(float(coords["lat"]), float(coords["lon"])) if coords else None,
        geonames=int(meta["geonames"]) if meta.get("geonames") else None,
        curator_notes=" ".join(str(meta.get("curator_notes") or "").split()),
    )


def city_path(city_id: str, data_dir: Path) -> Path:
    return data_dir / KIND_FOLDERS["city"] / f"{city_id}.md"


def candidates_for(city: CityFile, limit: int = 5) -> list[geonames.Candidate]:
    return geonames.candidates(city.name, city.country, city.aliases, city.coordinates, limit=limit)


def missing(data_dir: Path) -> list[CityFile]:
    """City records without a `geonames:` id, in id order (each should say why in `curator_notes:`)."""
    paths = sorted((data_dir / KIND_FOLDERS["city"]).glob("*.md"))
    return [c for c in map(city_file, paths) if c.geonames is None]

"""The catalogue: every record flattened to plain JSON, with labels resolved and facets as concept ids.

Search, peers, the site and the API all read this one artefact (``build/records.json``)
instead of re-reading Markdown or re-deriving labels, so every consumer shows the
same title, city, country, region and facet values for a record.
"""

from __future__ import annotations

from typing import Any

from hub import places, vocab
from hub.catalog_model import CatalogEntry, page_url, place_phrase
from hub.config import KIND_FOLDERS, VOCAB_DIR, record_iri
from hub.facets import FACETS, source_labels
from hub.ingest.records import City, Practice, RecordBase, Resource, Spotlight
from hub.ingest.validate import Corpus

__all__ = ["build_catalog", "entry", "page_url", "place_phrase"]  # the last two live in hub.catalog_model


def _concept_ids(scheme: str, labels: list[str]) -> list[str]:
    s = vocab.load(VOCAB_DIR)[scheme]
    return [c.id for c in (s.get(label) for label in labels) if c is not None]


def _region_labels(countries: list[str]) -> list[str]:
    out: list[str] = []
    for label in countries:
        country = vocab.load(VOCAB_DIR)["countries"].get(label)
        region = vocab.region_of_country(country.id) if country else None
        if region and region.label not in out:
            out.append(region.label)
    return out


def _sources(record: RecordBase, corpus: Corpus, sources=None) -> list[dict[str, Any]]:
    seeds = corpus.seed_documents()
    out = []
    for s in sources or record.sources:
        res = seeds.get(s.doc) or corpus.resources.get(s.doc)
        out.append(
            {
                "doc": s.doc,
                "section": s.section,
                "url": s.url or (res.url if res else None),
                "resource": res.id if res else None,
                "title": res.title if res else s.doc,
            }
        )
    return out


def _city_ref(corpus: Corpus, cid: str) -> dict[str, str]:
    c = corpus.cities[cid]
    return {"id": cid, "label": c.name, "country": c.country, "url": page_url("city", cid)}


def _backlinks(corpus: Corpus) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Practice id -> practices listing it as related, and city id -> its practices (in corpus order), worked out once
    per corpus: looking them up by scanning every practice for every record grows with the square of the corpus."""
    cached = corpus.__dict__.get("_catalog_backlinks")
    if cached is None:
        related: dict[str, list[str]] = {}
        by_city: dict[str, list[str]] = {}
        for p in corpus.practices.values():
            for r in dict.fromkeys(p.related_practices):
                related.setdefault(r, []).append(p.id)
            for c in dict.fromkeys(p.cities):
                by_city.setdefault(c, []).append(p.id)
        cached = corpus.__dict__["_catalog_backlinks"] = (related, by_city)
    return cached


def _related(record: Practice, corpus: Corpus) -> list[str]:
    """Related practices in both directions: the relation is symmetric, curators write one side."""
    back = [pid for pid in _backlinks(corpus)[0].get(record.id, []) if pid not in record.related_practices]
    return [*record.related_practices, *sorted(back)]


def _geonames(city: City) -> dict[str, Any] | None:
    """What the city's GeoNames id tells: the pages, search and exports read these, never the id alone."""
    found = places.place(city.geonames, [city.name, *city.aliases]) if city.geonames else None
    if found is None:
        return None
    return _place_facts(found, population=found.population, names=list(found.names))


def _seat(city: City) -> dict[str, Any] | None:
    """The seat town an area is shown at on maps (``seat_geonames``): its name and GeoNames IRI, for the label
    "Shown at Nakuru, the county seat"; nothing else of the town (its population is not the area's)."""
    found = places.place(city.seat_geonames) if city.seat_geonames and not city.geonames else None
    if found is None:
        return None
    return _place_facts(found, label=f"Shown at {found.name}, the {city.admin_type} seat")


def _place_facts(found: places.Place, **told: Any) -> dict[str, Any]:
    """A GeoNames place as the catalogue holds it: its id, IRI and name, what the caller tells of it, and the credit."""
    return {
        "id": found.id,
        "iri": found.iri,
        "name": found.name,
        **told,
        "source": places.source_note(),
        "credit": places.GEONAMES_CREDIT,
    }


def _coordinates(city: City) -> dict[str, float] | None:
    """GeoNames' point when the record has an id GeoNames knows; else its seat town's point (an area shown at its
    seat); else the record's own coordinates."""
    found = places.place(city.geonames) if city.geonames else None
    if found is None and city.seat_geonames:
        found = places.place(city.seat_geonames)
    if found is not None:
        return {"lat": found.lat, "lon": found.lon}
    return city.coordinates.model_dump() if city.coordinates else None


def entry(kind: str, record: RecordBase, corpus: Corpus) -> CatalogEntry:
    base: dict[str, Any] = {
        "id": record.id,
        "type": kind,
        "title": record.label,
        "url": page_url(kind, record.id),
        "iri": record_iri(kind, record.id),
        "summary": "",
        "body": record.body,
        "notes": record.notes,
        "sources": _sources(record, corpus),
        "cities": [],
        "countries": [],
        "themes": [],
        "stakeholders": [],
        "challenges": [],
        "levels": [],
        "year": getattr(record, "year", None),
    }
    if isinstance(record, Practice):
        base.update({f.field: source_labels(record, f.source) for f in FACETS if f.source})  # the stated facets
        base.update(
            summary=record.summary,
            cities=[_city_ref(corpus, c) for c in record.cities],
            countries=corpus.practice_countries(record),
            scope=record.scope,
            partners=record.partners,
            related=_related(record, corpus),
            resources=record.resources,
            annex_ii=record.annex_ii,
            evidence_says=record.evidence.says if record.evidence else None,
            evidence_source=_sources(record, corpus, [record.evidence.source])[0] if record.evidence else None,
        )
    elif isinstance(record, City):
        practices = list(_backlinks(corpus)[1].get(record.id, []))
        base.update(
            summary=record.body.split("\n\n")[0],
            cities=[],
            countries=[record.country],
            aliases=record.aliases,
            admin_type=record.admin_type,
            member=record.strong_cities_member,
            context=record.context,
            coordinates=_coordinates(record),
            geonames=_geonames(record),
            seat=_seat(record),
            stated_population=(
                {
                    "value": record.population.value,
                    "says": record.population.says,
                    "source": _sources(record, corpus, [record.population.source])[0],
                }
                if record.population and not record.geonames
                else None
            ),
            practices=practices,
            themes=sorted({t for p in practices for t in corpus.practices[p].themes}),
            challenges=sorted({t for p in practices for t in corpus.practices[p].challenges}),
            stakeholders=sorted({t for p in practices for t in corpus.practices[p].stakeholders}),
            levels=sorted({t for p in practices for t in corpus.practices[p].prevention_levels}),
            links=[
                {
                    "relation": ln.relation,
                    "city": ln.city,
                    "city_label": corpus.cities[ln.city].name,
                    "year": ln.year,
                    "evidence": ln.evidence,
                    "sources": _sources(record, corpus, [ln.source]),
                }
                for ln in record.links
            ],
        )
    elif isinstance(record, Resource):
        about_cities = [_city_ref(corpus, c) for c in record.about_cities]
        base.update(
            summary=record.body.split("\n\n")[0],
            cities=about_cities,
            countries=sorted({c["country"] for c in about_cities}),
            resource_type=record.resource_type,
            publisher=record.publisher,
            date=record.date,
            link=record.url,
            seed_file=record.seed_file,
            about_practices=record.about_practices,
        )
    elif isinstance(record, Spotlight):
        cities = [_city_ref(corpus, c) for c in record.cities]
        base.update(
            summary=record.body.split("\n\n")[0],
            cities=cities,
            countries=sorted({c["country"] for c in cities}, key=[c["country"] for c in cities].index),
            category=record.category,
            practices=record.practices,
            themes=sorted({t for p in record.practices for t in corpus.practices[p].themes}),
            levels=sorted({t for p in record.practices for t in corpus.practices[p].prevention_levels}),
        )
    base["regions"] = _region_labels(base["countries"])
    # One place, never two halves of different ones: the first city with its own country (a record about
    # Cape Town and Albania is "Cape Town, South Africa"), or the first country when no city is named;
    # "place" names them all.
    first = base["cities"][0] if base["cities"] else None
    base["city"] = first["label"] if first else None
    base["country"] = first["country"] if first else base["countries"][0] if base["countries"] else None
    base["region"] = next(iter(_region_labels([base["country"]])), None) if base["country"] else None
    base["place"] = place_phrase([c["label"] for c in base["cities"]], base["countries"])
    base["facets"] = {f.name: _concept_ids(f.scheme, base.setdefault(f.field, [])) for f in FACETS}
    base["facets"]["type"] = [kind]
    return base  # type: ignore[return-value]  # built key by key above; its shape is CatalogEntry's


def build_catalog(corpus: Corpus) -> list[CatalogEntry]:
    """Every record as a catalogue entry, practices first, each kind sorted by id."""
    return [
        entry(kind, r, corpus)
        for kind in KIND_FOLDERS
        for r in sorted(corpus.records[kind].values(), key=lambda r: r.id)
    ]

"""A synthetic corpus of practices generated from the vocabularies, for benchmarks at scale.

The records have the shape of ``build/records.json`` entries (see
:func:`hub.ingest.catalog.entry`), so any consumer of the catalogue (search, peers,
site) can be benchmarked on 10,000 of them. Texts are assembled from the
vocabulary labels and a few sentence templates: not meaningful prose, but with a
realistic vocabulary, length (title, ~40-word summary, ~100-word body) and
facet spread. Deterministic for a given seed.

    .venv/bin/python bench/synth.py 10000 > /tmp/synthetic-records.json
"""

from __future__ import annotations

import json
import random
import sys
from typing import Any

from hub import vocab
from hub.ingest.catalog import page_url

_SYLLABLES = [
    "al",
    "ber",
    "ca",
    "dor",
    "el",
    "fen",
    "gra",
    "hol",
    "ing",
    "ka",
    "lin",
    "mo",
    "nor",
    "pol",
    "ra",
    "san",
    "tor",
    "vik",
    "wen",
    "zu",
]
_FORMATS = [
    "programme",
    "network",
    "council",
    "strategy",
    "centre",
    "initiative",
    "forum",
    "training",
    "campaign",
    "partnership",
]
_OPENERS = [
    "{city} faced {challenge} and decided to act through {theme}.",
    "Officials in {city} noticed growing {challenge} in several neighbourhoods.",
    "After a period of {challenge}, the municipality of {city} looked for a local answer.",
]
_MIDDLES = [
    "The city brought together {stake1} and {stake2} to design a {fmt} focused on {theme}.",
    "A small team in the mayor's office coordinated {stake1}, {stake2} and partners around {theme2}.",
    "Training sessions prepared {stake1} to recognise early signs of {challenge2} and refer people for support.",
    "Regular meetings gave {stake2} a channel to raise concerns with the council and plan joint activities.",
    "The {fmt} combined {theme} with {theme2}, with a small budget line from the city.",
]
_CLOSERS = [
    "Participants reported more trust between residents and the municipality.",
    "An evaluation is planned, and other cities in {country} have asked to learn from the model.",
    "The lesson for other cities: start small, involve {stake1} early and keep a standing channel open.",
]


def _name(rng: random.Random) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()


def _leaves(scheme: vocab.Scheme) -> list[vocab.Concept]:
    broader = {b for c in scheme.concepts.values() for b in c.broader}
    return [c for c in scheme.concepts.values() if c.id not in broader]


def practices(n: int = 10_000, seed: int = 7) -> list[dict[str, Any]]:
    """``n`` synthetic practice entries in catalogue shape."""
    rng = random.Random(seed)
    schemes = vocab.load()
    countries = list(schemes["countries"].concepts.values())
    leaves = {name: _leaves(schemes[name]) for name in ("themes", "stakeholders", "challenges")}
    pick = lambda name, lo, hi: rng.sample(leaves[name], rng.randint(lo, hi))  # noqa: E731
    cities = []
    for i in range(max(50, n // 20)):  # about 20 practices per city, like a large network
        country = rng.choice(countries)
        region = vocab.region_of_country(country.id)
        cities.append(
            {
                "id": f"synth-city-{i}",
                "label": _name(rng),
                "country": country.label,
                "region": region.label if region else None,
                "country_id": country.id,
                "region_id": region.id if region else None,
            }
        )
    out = []
    for i in range(n):
        city = rng.choice(cities)
        themes = pick("themes", 1, 3)
        stakes = pick("stakeholders", 2, 3)
        challenges = pick("challenges", 1, 2)
        levels = rng.sample(list(schemes["prevention-levels"].concepts.values()), rng.randint(1, 2))
        words = {
            "city": city["label"],
            "country": city["country"],
            "theme": themes[0].label,
            "theme2": themes[-1].label,
            "stake1": stakes[0].label,
            "stake2": stakes[1].label,
            "challenge": challenges[0].label,
            "challenge2": challenges[-1].label,
            "fmt": rng.choice(_FORMATS),
        }
        title = f"{city['label']} {themes[0].label} {words['fmt']} with {stakes[0].label}"
        summary = " ".join(t.format(**words) for t in (rng.choice(_OPENERS), rng.choice(_MIDDLES)))
        body = "\n\n".join(
            [
                " ".join(t.format(**words) for t in rng.sample(_OPENERS, 2)),
                " ".join(t.format(**words) for t in rng.sample(_MIDDLES, 3)),
                " ".join(t.format(**words) for t in rng.sample(_CLOSERS, 2)),
            ]
        )
        pid = f"synth-{i:05d}"
        entry: dict[str, Any] = {
            "id": pid,
            "type": "practice",
            "title": title,
            "url": page_url("practice", pid),
            "summary": summary,
            "body": body,
            "cities": [
                {
                    "id": city["id"],
                    "label": city["label"],
                    "country": city["country"],
                    "url": page_url("city", city["id"]),
                }
            ],
            "countries": [city["country"]],
            "regions": [city["region"]] if city["region"] else [],
            "themes": [c.label for c in themes],
            "stakeholders": [c.label for c in stakes],
            "challenges": [c.label for c in challenges],
            "levels": [c.label for c in levels],
            "partners": [],
            "scope": "city",
            "year": rng.randint(2010, 2024),
        }
        entry.update(city=city["label"], country=city["country"], region=city["region"])
        entry["facets"] = {
            "theme": [c.id for c in themes],
            "stakeholder": [c.id for c in stakes],
            "challenge": [c.id for c in challenges],
            "level": [c.id for c in levels],
            "country": [city["country_id"]],
            "region": [city["region_id"]] if city["region_id"] else [],
        }
        entry["facets"]["type"] = ["practice"]
        out.append(entry)
    return out


if __name__ == "__main__":
    json.dump(practices(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000), sys.stdout, ensure_ascii=False)

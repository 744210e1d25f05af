"""City profiles: what a city's practices are about, where it is, what situation it is in.

Two sources give the same :class:`Profile` shape, so one similarity serves both:
a hub city (from its catalogue entry and its practices' entries) and a city a user
describes in free text (concepts found by the vocabulary's own labels and synonyms).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

import numpy as np

from hub import facets as registry, vocab
from hub.config import VOCAB_DIR
from hub.errors import InvalidInput, NotFound
from hub.search import encoder

# profile facet (the catalogue field) -> (SKOS scheme, catalogue facet name), for the registry's peer facets
FACETS: dict[str, tuple[str, str]] = {
    f.field: (f.scheme, f.name) for f in sorted((f for f in registry.FACETS if f.peers), key=lambda f: f.peers)
}
CONTEXT_SCHEME = "city-contexts"
MAX_DESCRIPTION = 5000  # characters; a page of text is plenty to describe a city
MAX_POPULATION = 100_000_000  # above any city's or province's population: a typo, not a town
THIN_PRACTICES = 1  # a profile resting on this many practices or fewer is flagged thin
ANCESTOR_WEIGHT = (
    0.5  # a broader concept counts half: "sports" and "culture" share "primary prevention service areas" a little
)

# The vocabulary's labels that are too ambiguous to read in free text ("primary school" is not primary prevention).
AMBIGUOUS_LABELS = {"primary", "secondary", "tertiary", "intervention"}
# City situations have no synonyms in the vocabulary; these cues find them in a description.
CONTEXT_CUES: dict[str, tuple[str, ...]] = {
    "border-area": ("border", "frontier", "cross border"),
    "hosts-refugees-or-migrants": ("refugee", "migrant", "asylum seeker", "displaced", "idp", "newcomer"),
    "aftermath-of-a-violent-attack": (
        "terrorist attack",
        "violent attack",
        "shooting",
        "bombing",
        "after an attack",
        "after the attack",
    ),
    "post-conflict-setting": ("post conflict", "civil war", "after the war", "former conflict"),
}

THIN_NOTES = {
    0: (
        "No practice of this city is recorded yet: its peers rest on where it is and how the hub describes it, so "
        "read them as a starting point."
    ),
    1: (
        "This profile rests on a single practice, so its peers reflect that one piece of work more than the city as "
        "a whole."
    ),
}
THIN_DESCRIPTION = (
    "The description names no theme, challenge or stakeholder from the hub's vocabulary, so peers rest on wording "
    "and place alone."
)


class DescriptionError(InvalidInput, ValueError):
    """A free-text profile request that cannot be answered; the message says why and what would work."""

    error = "invalid_description"
    status = 422


@dataclass
class Profile:
    """Everything similarity and explanations need to know about one city."""

    id: str | None  # None for a described city that is not in the hub
    label: str
    country: str | None = None
    region: str | None = None
    admin_type: str | None = None
    population: int | None = None  # GeoNames' figure, where the city record has a GeoNames id
    context: frozenset[str] = frozenset()  # city-contexts concept ids
    concepts: dict[str, frozenset[str]] = field(default_factory=dict)  # facet -> concept ids, as curators tagged them
    practices: tuple[str, ...] = ()
    vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, encoder.DIMENSIONS), np.float32))
    thin: bool = False
    note: str | None = None

    @property
    def centroid(self) -> np.ndarray | None:
        """The unit mean of the practice vectors: one direction for what the city's work reads like."""
        if not len(self.vectors):
            return None
        mean = self.vectors.mean(axis=0)
        norm = float(np.linalg.norm(mean))
        return mean / norm if norm else None

    def terms(self) -> dict[str, float]:
        """Concept terms ``facet:id`` with their strength: 1 for tagged concepts, less for their broader ones."""
        schemes = vocab.load(VOCAB_DIR)
        out: dict[str, float] = {}
        for facet, ids in self.concepts.items():
            scheme = schemes[FACETS[facet][0]]
            for cid in ids:
                out[f"{facet}:{cid}"] = 1.0
                for broader in scheme.ancestors(cid) if cid in scheme.concepts else []:
                    key = f"{facet}:{broader}"
                    out[key] = max(out.get(key, 0.0), ANCESTOR_WEIGHT)
        return out


def thin_note(n_practices: int) -> str | None:
    return THIN_NOTES.get(n_practices) if n_practices <= THIN_PRACTICES else None


def concept_ids(entries: list[dict]) -> dict[str, frozenset[str]]:
    """The union of each facet's concept ids over some catalogue entries."""
    return {
        facet: frozenset(cid for e in entries for cid in e["facets"].get(name, []))
        for facet, (_, name) in FACETS.items()
    }


def context_ids(labels: list[str]) -> frozenset[str]:
    scheme = vocab.load(VOCAB_DIR)[CONTEXT_SCHEME]
    return frozenset(c.id for c in (scheme.get(label) for label in labels) if c is not None)


def city_profile(city: dict, practices: list[dict], vectors: np.ndarray) -> Profile:
    """A hub city's profile from its catalogue entry, its practices' entries and one vector per text."""
    n = len(practices)
    return Profile(
        id=city["id"],
        label=city["title"],
        country=city.get("country"),
        region=city.get("region"),
        admin_type=city.get("admin_type"),
        population=(city.get("geonames") or {}).get("population")
        or (city.get("stated_population") or {}).get("value")
        or None,
        context=context_ids(city.get("context") or []),
        concepts=concept_ids(practices),
        practices=tuple(p["id"] for p in practices),
        vectors=vectors,
        thin=n <= THIN_PRACTICES,
        note=thin_note(n),
    )


# --- free text -------------------------------------------------------------------------------------------


def _stem(token: str) -> str:
    if len(token) > 4 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 3 and token.endswith("s") and not token.endswith("ss"):
        return token[:-1]
    return token


def _tokens(text: str) -> list[str]:
    return [_stem(t) for t in re.split(r"[^a-z0-9+]+", vocab.fold(text)) if t]


def _label_forms(label: str) -> list[tuple[str, ...]]:
    """Token sequences a label may appear as: 'polarisation (general)' → polarisation; 'migration/refugees' → each
    part."""
    base = re.sub(r"\s*\([^)]*\)", "", label).strip()
    forms = [base.replace("/", " ")] + [part for part in base.split("/") if len(part) >= 4 and "/" in base]
    return [tuple(_tokens(f)) for f in forms if _tokens(f)]


def _contains(tokens: list[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(tuple(tokens[i : i + n]) == phrase for i in range(len(tokens) - n + 1))


@cache
def _label_index() -> dict[str, list[tuple[str, list[tuple[str, ...]]]]]:
    """Per facet, each concept with the token sequences of its usable labels (built once per process)."""
    schemes = vocab.load(VOCAB_DIR)
    out = {}
    for facet, (scheme_name, _) in FACETS.items():
        out[facet] = [
            (
                c.id,
                [
                    form
                    for lab in (c.label, *c.alt_labels)
                    if vocab.fold(lab) not in AMBIGUOUS_LABELS
                    for form in _label_forms(lab)
                ],
            )
            for c in schemes[scheme_name].concepts.values()
        ]
    out["context"] = [(cid, [tuple(_tokens(cue)) for cue in cues]) for cid, cues in CONTEXT_CUES.items()]
    return out


def extract_concepts(text: str) -> tuple[dict[str, frozenset[str]], frozenset[str]]:
    """Concepts named in ``text`` by a preferred label or a synonym, and the city situations it mentions."""
    tokens = _tokens(text)
    found = {
        facet: frozenset(cid for cid, forms in concepts if any(_contains(tokens, f) for f in forms))
        for facet, concepts in _label_index().items()
    }
    situations = found.pop("context")
    return found, situations


def _place(scheme_name: str, value: str | None, what: str) -> vocab.Concept | None:
    if value is None or not value.strip():
        return None
    scheme = vocab.load(VOCAB_DIR)[scheme_name]
    concept = scheme.get(value) or scheme.by_alt_label(value)
    if concept is None:
        hint = scheme.suggest(value)
        raise DescriptionError(
            f"unknown {what} '{value}'"
            + (f" — {vocab.did_you_mean(hint)}" if hint else f"; `hub vocab {scheme_name}` lists them")
        )
    return concept


def description_profile(
    description: str,
    vector: np.ndarray,
    region: str | None = None,
    country: str | None = None,
    population: int | None = None,
) -> Profile:
    """A profile for a city described in words; ``vector`` is the description's embedding, ``population`` as checked
    by :func:`check_population` or read from GeoNames."""
    country_c = _place("countries", country, "country")
    region_c = _place("regions", region, "region")
    if country_c is not None:
        home = vocab.region_of_country(country_c.id, VOCAB_DIR)
        if region_c is not None and home is not None and home.id != region_c.id:
            raise DescriptionError(
                f"{country_c.label} is in the region '{home.label}', not '{region_c.label}'; give one of them or both "
                "consistently"
            )
        region_c = region_c or home
    concepts, situations = extract_concepts(description)
    empty = not any(concepts.values())
    return Profile(
        id=None,
        label="the described city",
        country=country_c.label if country_c else None,
        region=region_c.label if region_c else None,
        population=population,
        context=situations,
        concepts=concepts,
        vectors=vector.reshape(1, -1).astype(np.float32),
        thin=empty,
        note=THIN_DESCRIPTION if empty else None,
    )


class UnknownPlace(NotFound, LookupError):
    """A GeoNames id the packaged data does not know: a 404, like an unknown city, since any whole number is a
    well-formed id."""

    error = "unknown_place"
    exit_code = 2


def check_population(population: object) -> int | None:
    """A described town's population as a positive whole number (None when not given), or a DescriptionError."""
    if population is None:
        return None
    if isinstance(population, bool) or not isinstance(population, int):
        raise DescriptionError("the population must be a whole number of people, e.g. 45000")
    if not 1 <= population <= MAX_POPULATION:
        raise DescriptionError(
            f"the population must be between 1 and {MAX_POPULATION:,} people; {population:,} is not a town's"
        )
    return population


def place_population(geonames_id: object) -> tuple[int | None, dict]:
    """(population, what the hub read) for a GeoNames place id, or a DescriptionError for an unknown id."""
    from hub import places  # GeoNames' data is loaded only for a request that names a place

    if isinstance(geonames_id, bool) or not isinstance(geonames_id, int) or geonames_id <= 0:
        raise DescriptionError("the GeoNames place must be a positive whole number, e.g. 184745 for Nairobi")
    found = places.place(geonames_id)
    if found is None:
        raise UnknownPlace(
            f"no GeoNames place with id {geonames_id} among places of 500 or more people; look the town up on "
            f"{places.GEONAMES_HOME} and give the number in its address"
        )
    return found.population, {
        "geonames": found.id,
        "name": found.name,
        "country_code": found.country_code,
        "population": found.population,
        "source": places.source_note(),
    }


def check_description(description: object) -> str:
    """The description stripped, or a :class:`DescriptionError` saying what is wrong with it."""
    if not isinstance(description, str) or not description.strip():
        raise DescriptionError(
            "the description is empty: describe the city, its situation and what it faces in a few sentences"
        )
    text = description.strip()
    if len(text) > MAX_DESCRIPTION:
        raise DescriptionError(
            f"the description has {len(text)} characters; at most {MAX_DESCRIPTION} are read — shorten it to the "
            "essentials"
        )
    return text

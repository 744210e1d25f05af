"""Every hub city's profile in one object: ranks peers, explains them, and writes the build artefacts.

Built once per build from the catalogue (``build/records.json``) and written as

* ``build/peers.json`` — ``{city_id: {city, label, thin, note, peers: [...]}}``, the
  precomputed lists the API, the CLI and the site serve without computing anything;
* ``build/peer-vectors.npz`` — the practice embeddings, so a server can profile a
  described city (``POST /api/peers``) against the same vectors without re-encoding
  the corpus.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from hub.errors import NotFound
from hub.peers import explain
from hub.peers.profile import (
    CONTEXT_SCHEME,
    FACETS,
    DescriptionError,
    Profile,
    check_description,
    check_population,
    city_profile,
    description_profile,
    place_population,
)
from hub.peers.similarity import Match, Similarity, Stats, Weights, tie_break
from hub.peers.vectors import embed_groups, pieces
from hub.records import suggest
from hub.search import encoder, index as search_index
from hub.search.semantic import QueryEncoder
from hub.text import chunks, city_names, mask
from hub.vocab import close_matches, did_you_mean, fold

PEERS_FILE = "peers.json"
VECTORS_FILE = "peer-vectors.npz"
STORED_PEERS = 15  # a peer list is a short list to read (5–15), not a ranking of every city
DEFAULT_LIMIT = 10
MIN_SCORE = 0.05  # below this a city shares next to nothing with the profile…
MIN_PEERS = 3  # …but a thin profile still gets its few best candidates, marked weak
NO_MATCH = (
    "Nothing in the description matches a hub city yet: say what the city faces (e.g. hate speech, "
    "a large arrival of refugees), what it does or plans, and give its country."
)


def _text_groups(catalog: list[dict]) -> dict[str, list[str]]:
    """The masked texts each vector stands for: ``practice:<id>``, or ``city:<id>`` for a city with no practice yet.

    Every city's name is masked, a practice's own city's too: a name left in pulls profiles
    together through its letters (a city called Quietvale would match "a quiet place"), and
    masking only other cities' names lost peer quality in bench/eval_peers.py."""
    pattern = city_names(catalog)
    groups = {f"practice:{e['id']}": pieces(e, pattern) for e in catalog if e["type"] == "practice"}
    groups.update(
        {f"city:{e['id']}": pieces(e, pattern) for e in catalog if e["type"] == "city" and not e.get("practices")}
    )
    return groups


def close_cities(query: str, records: dict[str, dict], n: int = 3) -> list[dict[str, str]]:
    """Cities the caller may have meant by an unknown id: by name or alias first ("Cape Town", "Wroclaw"), then by id.

    Same shape as :func:`hub.records.suggest` (which does the id part), so every 404 of the API reads alike.
    """
    names: dict[str, str] = {}
    for rid, r in records.items():
        if r["type"] == "city":
            for name in (r["title"], *(r.get("aliases") or [])):
                names.setdefault(fold(name), rid)
    key = fold(query.replace("-", " "))
    by_name = [names[k] for k in close_matches(key, names, n=n, cutoff=0.75)]
    by_id = [s["id"] for s in suggest(records, "city", query, n)]
    ids = list(dict.fromkeys(by_name + by_id))[:n]
    return [
        {"id": r["id"], "type": "city", "title": r["title"], "url": r["url"], "api": f"/api/cities/{r['id']}"}
        for r in (records[i] for i in ids)
    ]


class UnknownCity(NotFound, LookupError):
    """No hub city has this id; ``suggestions`` are the closest ones."""

    exit_code = 2

    def __init__(self, city_id: str, suggestions: list[dict[str, str]]):
        super().__init__(f"no city with id '{city_id}'")
        self.suggestions = suggestions

    def terminal(self) -> str:
        hint = did_you_mean([s["id"] for s in self.suggestions])
        return f"{self}" + (f" — {hint}" if hint else "")


def read_peers(build_dir: Path, city_id: str, limit: int = DEFAULT_LIMIT) -> dict[str, Any]:
    """One city's precomputed peers from a finished build (no model, no computing)."""
    peers = json.loads((build_dir / PEERS_FILE).read_text(encoding="utf-8"))
    if city_id not in peers:
        records = json.loads((build_dir / "records.json").read_text(encoding="utf-8"))
        raise UnknownCity(city_id, close_cities(city_id, {r["id"]: r for r in records}))
    entry = peers[city_id]
    return {**entry, "peers": entry["peers"][:limit]}


class PeerIndex:
    """The profiles of all hub cities with the statistics and weights that compare them."""

    def __init__(self, catalog: list[dict], vectors: dict[str, np.ndarray], weights: Weights | None = None):
        self.practices = {e["id"]: e for e in catalog if e["type"] == "practice"}
        self.singles = {pid: explain.practice_profile(e) for pid, e in self.practices.items()}
        self.cities = {e["id"]: e for e in catalog if e["type"] == "city"}
        self.pattern = city_names(catalog)
        self.encode_query: Callable[[str], np.ndarray] = encoder.encode_query  # a loaded build's ONNX one, see load()
        self.encoded = 0  # texts embedded for this index (not found in the cache), see from_catalog
        empty = np.zeros((0, next(iter(vectors.values())).shape[0] if vectors else 0), np.float32)
        self.profiles: dict[str, Profile] = {}
        for cid, city in sorted(self.cities.items()):
            own = [self.practices[p] for p in city.get("practices") or [] if p in self.practices]
            keys = [f"practice:{p['id']}" for p in own] or [f"city:{cid}"]
            rows = [vectors[k] for k in keys if k in vectors]
            self.profiles[cid] = city_profile(city, own, np.stack(rows) if rows else empty)
        self.sim = Similarity(Stats.of(list(self.profiles.values())), weights)

    # --- construction ---------------------------------------------------------------------------------

    @classmethod
    def from_catalog(cls, catalog: list[dict], cache_dir: Path, weights: Weights | None = None) -> PeerIndex:
        """Embed every practice (cached by content hash) and build the index; ``encoded`` says how many texts were
        new."""
        vectors, encoded = embed_groups(_text_groups(catalog), cache_dir)
        index = cls(catalog, vectors, weights)
        index.encoded = encoded
        return index

    @classmethod
    def load(cls, build_dir: Path, weights: Weights | None = None) -> PeerIndex:
        """The index of a finished build, from its records.json and peer-vectors.npz (no encoding)."""
        catalog = json.loads((build_dir / "records.json").read_text(encoding="utf-8"))
        with np.load(build_dir / VECTORS_FILE) as data:
            vectors = dict(zip(data["keys"].tolist(), data["vectors"], strict=True))
        index = cls(catalog, vectors, weights)
        index.encode_query = QueryEncoder(
            build_dir / search_index.DIRECTORY
        )  # a described city is a query: encoded as search encodes one
        return index

    def save_vectors(self, out: Path) -> None:
        rows = {
            f"practice:{pid}": vec
            for p in self.profiles.values()
            if len(p.practices) == len(p.vectors)
            for pid, vec in zip(p.practices, p.vectors, strict=True)
        }
        rows.update(
            {f"city:{p.id}": p.vectors[0] for p in self.profiles.values() if not p.practices and len(p.vectors)}
        )
        keys = sorted(rows)
        np.savez(
            out / VECTORS_FILE,
            keys=np.array(keys),
            vectors=np.stack([rows[k] for k in keys]) if keys else np.zeros((0, 0)),
        )

    def profile_without(self, city_id: str, drop: set[str], description: bool = True) -> Profile:
        """The city's profile as if the practices in ``drop`` (and, with ``description=False``, the city's own
        description, which stands in for practices a city does not have yet) were not recorded: for held-out
        evaluation."""
        p = self.profiles[city_id]
        if not p.practices and not description:
            return city_profile(self.cities[city_id], [], p.vectors[:0])
        if not drop & set(p.practices):
            return p
        keep = [k for k, pid in enumerate(p.practices) if pid not in drop]
        vectors = p.vectors[keep] if len(p.practices) == len(p.vectors) else p.vectors[:0]
        return city_profile(self.cities[city_id], [self.practices[p.practices[k]] for k in keep], vectors)

    # --- ranking --------------------------------------------------------------------------------------

    def rank(self, profile: Profile, with_practices: bool = False) -> list[tuple[Match, Profile]]:
        """Every other hub city (with ``with_practices``, those with a practice to read), best first (ties by id,
        so lists are stable).

        Size does not break ties here: ordering tied peers closest in size first lowered held-out hit@5 / MRR from
        0.59 / 0.42 to 0.57 / 0.41 (bench/eval_peers.py). It orders the members of a grouped card instead.
        """
        scored = [
            (self.sim.match(profile, other), other)
            for cid, other in self.profiles.items()
            if cid != profile.id and (other.practices or not with_practices)
        ]
        return sorted(scored, key=lambda x: (-x[0].score, x[1].id))

    def shortlist(self, profile: Profile, limit: int, with_practices: bool = False) -> list[tuple[Match, Profile]]:
        """The peers worth showing: those above MIN_SCORE, or at least the MIN_PEERS best with any score."""
        ranked = [(m, o) for m, o in self.rank(profile, with_practices) if m.score > 0]
        strong = [(m, o) for m, o in ranked if m.score >= MIN_SCORE]
        return (strong if len(strong) >= MIN_PEERS else ranked[:MIN_PEERS])[:limit]

    def peer(self, profile: Profile, match: Match, other: Profile) -> dict[str, Any]:
        city = self.cities[other.id]
        return {
            "id": other.id,
            "label": other.label,
            "country": other.country,
            "region": other.region,
            "admin_type": other.admin_type,
            "url": city["url"],
            "population": other.population,
            "score": match.score,
            "components": match.components,
            "reasons": explain.reasons(profile, other, match, self.sim, self.practices),
            "shared": explain.shared(profile, other, self.sim),
            "differs": explain.differs(profile, other, self.sim),
            "practices": explain.relevant_practices(profile, other, self.sim, self.practices, self.singles),
            "thin": other.thin,
            "weak": match.score < MIN_SCORE,
            "group": None,
            "members": [],
        }

    def group(self, profile: Profile, members: list[tuple[Match, Profile]]) -> dict[str, Any]:
        """One card for peers alike only through the practices they all took part in (the same event, the same
        working group): their profiles are those practices, so their scores and reasons are one and the same.

        The card keeps a single peer's fields (those of the member closest in size, so older readers still show a
        city) with ``label`` naming them all; ``group`` says what they took part in, linked once, and ``members``
        lists each city with its size.
        """
        members = sorted(members, key=lambda x: (-tie_break(profile.population, x[1].population), x[1].id))
        match, first = members[0]
        card = self.peer(profile, match, first)
        joint = first.practices
        practices = [{"id": p, "title": self.practices[p]["title"], "url": self.practices[p]["url"]} for p in joint]
        labels = [o.label for _, o in members]
        text = explain.group_text(profile, labels, joint, [p["title"] for p in practices])
        countries = {o.country for _, o in members}
        regions = {o.region for _, o in members}
        return {
            **card,
            "label": explain.names(labels),
            "country": first.country if len(countries) == 1 else None,
            "region": first.region if len(regions) == 1 else None,
            "population": None,
            "reasons": [text, *explain.group_reasons(card["reasons"], profile, first)],
            "differs": explain.group_differs(profile, first, self.sim),
            "practices": [p for p in card["practices"] if p["id"] not in joint],
            "group": {"text": text, "practices": practices},
            "members": [
                {
                    "id": o.id,
                    "label": o.label,
                    "url": self.cities[o.id]["url"],
                    "country": o.country,
                    "region": o.region,
                    "admin_type": o.admin_type,
                    "population": o.population,
                    "size": explain.people(o.population) if o.population else None,
                }
                for _, o in members
            ],
        }

    def peers_of(
        self, profile: Profile, limit: int = DEFAULT_LIMIT, with_practices: bool = False
    ) -> list[dict[str, Any]]:
        """Up to ``limit`` cards, best first: one per peer, except that peers with the same practices and the same
        score components become one card (:meth:`group`), so a list does not repeat one event five times."""
        cards: list[list[tuple[Match, Profile]]] = []
        seen: dict[tuple, int] = {}
        for m, o in self.shortlist(profile, len(self.profiles), with_practices):
            key = (o.practices, tuple(sorted(m.components.items()))) if o.practices else None
            if key is not None and key in seen:
                cards[seen[key]].append((m, o))
                continue
            if len(cards) == limit:
                break
            if key is not None:
                seen[key] = len(cards)
            cards.append([(m, o)])
        return [self.peer(profile, *c[0]) if len(c) == 1 else self.group(profile, c) for c in cards]

    def city(self, city_id: str, limit: int = STORED_PEERS) -> dict[str, Any]:
        """One hub city's entry of peers.json."""
        p = self.profiles[city_id]
        return {"city": city_id, "label": p.label, "thin": p.thin, "note": p.note, "peers": self.peers_of(p, limit)}

    def all(self, limit: int = STORED_PEERS) -> dict[str, dict[str, Any]]:
        return {cid: self.city(cid, limit) for cid in self.profiles}

    def describe(
        self,
        description: object,
        region: str | None = None,
        country: str | None = None,
        limit: int = DEFAULT_LIMIT,
        population: object = None,
        geonames: object = None,
    ) -> dict[str, Any]:
        """Peers for a city described in words, optionally with its population or its GeoNames place (whose
        population is then used); raises DescriptionError for empty, huge, unplaceable or out-of-range input.

        Size does not change the score: it is said in the reasons ("both have about 40,000–80,000 people"), in what
        differs ("Madrid is far larger") and orders the members of a grouped card."""
        text = check_description(description)
        if population is not None and geonames is not None:
            raise DescriptionError("give the town's population or its GeoNames place, not both")
        people = check_population(population)
        place = None
        if geonames is not None:
            people, place = place_population(geonames)
        parts = [mask(c, self.pattern) for c in chunks(text)] or [
            mask(text, self.pattern)
        ]  # long descriptions in pieces, as bodies are
        mean = np.mean([self.encode_query(part) for part in parts], axis=0)
        vector = (mean / max(float(np.linalg.norm(mean)), 1e-12)).astype(np.float32)
        profile = description_profile(text, vector, region=region, country=country, population=people)
        understood = {
            facet: [explain.label(scheme, c) for c in sorted(profile.concepts[facet])]
            for facet, (scheme, _) in FACETS.items()
        }
        understood["context"] = [explain.label(CONTEXT_SCHEME, c) for c in sorted(profile.context)]
        understood.update(region=profile.region, country=profile.country, population=people)
        if place is not None:
            understood["place"] = place
        # a town not in the hub comes for what others did: a city with no practice recorded has nothing to read
        found = self.peers_of(profile, limit, with_practices=True)
        return {
            "city": None,
            "label": profile.label,
            "thin": profile.thin,
            "note": NO_MATCH if not found else profile.note,
            "profile": understood,
            "peers": found,
        }


def build_peer_index(catalog: list[dict], out: Path, cache_dir: Path) -> dict[str, Any]:
    """Write ``peers.json`` and ``peer-vectors.npz`` for ``catalog`` into the folder ``out`` (texts embedded or taken
    from the cache under ``cache_dir``); return the counts a build reports."""
    index = PeerIndex.from_catalog(catalog, cache_dir)
    peers = index.all()
    (out / PEERS_FILE).write_text(
        json.dumps(peers, ensure_ascii=False), encoding="utf-8"
    )  # not indented: json's C encoder, 10x faster
    index.save_vectors(out)
    return {
        "peer_cities": len(peers),
        "peer_texts_encoded": index.encoded,
        "thin_peer_profiles": sum(1 for v in peers.values() if v["thin"]),
        "peer_weights": index.sim.weights.blend(),
    }

"""What the pages show, worked out once from the catalogue: lookups, reverse links, concept counts, similar practices.

Templates stay dumb: every list they loop over (a city's practices, the cities a
resource is about, the practices that cite a source document, the count of practices
under a theme and its narrower themes) is computed here from ``records.json``, the
vocabularies and, when present, ``peers.json``.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from hub import vocab
from hub.catalog_model import page_url
from hub.config import KIND_FOLDERS, VOCAB_DIR
from hub.facets import FACET_BY_NAME, FACETS, Facet, facet_names

Entry = dict[str, Any]


@dataclass(frozen=True)
class Listing:
    """A facet that gets browse pages: /<folder>/ and /<folder>/<concept id>/."""

    facet: str  # key in an entry's "facets"
    scheme: str  # vocabulary scheme
    folder: str
    title: str
    singular: str

    @classmethod
    def of(cls, facet: Facet) -> Listing:
        return cls(facet.name, facet.scheme, facet.field, facet.plural, facet.label)


LISTINGS = [Listing.of(f) for f in FACETS if f.browse]  # from the facet registry (hub.facets)
LISTING_BY_FACET = {lst.facet: lst for lst in LISTINGS}
TYPE_LABELS = {
    "practice": ("Practice", "Practices"),
    "city": ("City", "Cities"),
    "resource": ("Resource", "Resources"),
    "spotlight": ("Impact story", "Impact stories"),
}
# The search page's filters, in the order shown; the offline search (static_search) counts the same names.
SEARCH_FACETS = list(facet_names())
SIMILAR_FACETS = ("theme", "challenge", "stakeholder")
PEERS_SHOWN = 6  # the closest few, with reasons; the API has the full list
RELATIONS = {
    "learned_from": "learned from",
    "replicated": "replicated a model of",
    "attended_event_in": "attended an event in",
    "peer_group": "is in a peer group with",
}


@dataclass
class Term:
    id: str
    label: str
    url: str


@dataclass
class SiteModel:
    catalog: list[Entry]
    peers: dict[str, dict[str, Any]] = field(default_factory=dict)  # read_peers(peers.json)

    def __post_init__(self) -> None:
        self.schemes = vocab.load(VOCAB_DIR)
        self.by_kind: dict[str, dict[str, Entry]] = {k: {} for k in KIND_FOLDERS}
        for e in self.catalog:
            self.by_kind[e["type"]][e["id"]] = e
        self.cited_by: dict[str, list[Entry]] = defaultdict(list)
        self.spotlights_of: dict[str, list[Entry]] = defaultdict(list)  # by practice or city id
        self.resources_of: dict[str, list[Entry]] = defaultdict(list)  # by practice or city id
        self.links_to: dict[str, list[tuple[Entry, dict[str, Any]]]] = defaultdict(list)  # city id -> (from city, link)
        for e in self.catalog:
            for r in {s["resource"] for s in e["sources"] if s["resource"]}:
                self.cited_by[r].append(e)
        for s in self.spotlights:
            for ref in [c["id"] for c in s["cities"]] + s.get("practices", []):
                self.spotlights_of[ref].append(s)
        for r in self.resources:
            for ref in [c["id"] for c in r["cities"]] + r.get("about_practices", []):
                self.resources_of[ref].append(r)
        for p in self.practices:
            for rid in p.get("resources", []):
                if rid in self.by_kind["resource"] and self.by_kind["resource"][rid] not in self.resources_of[p["id"]]:
                    self.resources_of[p["id"]].append(self.by_kind["resource"][rid])
        for c in self.cities:
            for link in c.get("links", []):
                self.links_to[link["city"]].append((c, link))
        self._df = Counter(f"{f}:{v}" for p in self.practices for f in SIMILAR_FACETS for v in set(p["facets"][f]))

    # ---- plain lookups ------------------------------------------------------------------
    @cached_property
    def practices(self) -> list[Entry]:
        return sorted(self.by_kind["practice"].values(), key=lambda e: e["title"].lower())

    @cached_property
    def cities(self) -> list[Entry]:
        return sorted(self.by_kind["city"].values(), key=lambda e: e["title"].lower())

    @cached_property
    def resources(self) -> list[Entry]:
        return sorted(self.by_kind["resource"].values(), key=lambda e: e["title"].lower())

    @cached_property
    def spotlights(self) -> list[Entry]:
        return sorted(self.by_kind["spotlight"].values(), key=lambda e: (-(e["year"] or 0), e["title"].lower()))

    def get(self, kind: str, record_id: str) -> Entry | None:
        return self.by_kind[kind].get(record_id)

    def refs(self, kind: str, ids: list[str]) -> list[Entry]:
        """Entries for ids, in the given order, skipping any that are not in the catalogue."""
        return [self.by_kind[kind][i] for i in ids if i in self.by_kind[kind]]

    # ---- vocabulary terms ---------------------------------------------------------------
    def term(self, facet: str, concept_id: str) -> Term:
        lst = LISTING_BY_FACET.get(facet)
        scheme = lst.scheme if lst else FACET_BY_NAME[facet].scheme if facet in FACET_BY_NAME else facet
        c = self.schemes[scheme].concepts.get(concept_id)
        label = c.label if c else concept_id
        return Term(concept_id, label, f"/{lst.folder}/{concept_id}/" if lst else "")

    def term_by_label(self, field_name: str, label: str) -> Term:
        """A term from a catalogue field name ("themes", "levels"…) and a label; linked when it has a browse page."""
        lst = next((x for x in LISTINGS if x.folder == field_name or x.facet + "s" == field_name), None)
        concept = self.schemes[lst.scheme].get(label) if lst else None
        return self.term(lst.facet, concept.id) if lst and concept else Term(label, label, "")

    def terms(self, entry: Entry, facet: str) -> list[Term]:
        return [self.term(facet, cid) for cid in entry["facets"].get(facet, [])]

    def evidence(self, entry: Entry) -> dict[str, Any] | None:
        """A practice's evidence grade as its page shows it: the level (linked), the level's definition, what the
        passage says and the passage cited; None until the practice is graded."""
        [cid, *_] = entry["facets"].get("evidence") or [None]
        if cid is None or not entry.get("evidence_says"):
            return None
        concept = self.schemes[FACET_BY_NAME["evidence"].scheme].concepts[cid]
        return {
            "term": self.term("evidence", cid),
            "definition": concept.definition,
            "says": entry["evidence_says"],
            "source": entry.get("evidence_source"),
        }

    def concept_ids_with_descendants(self, lst: Listing, concept_id: str) -> set[str]:
        return _with_descendants(self.schemes[lst.scheme], concept_id)

    @cached_property
    def _by_title(self) -> dict[str, list[Entry]]:
        return {k: sorted(v.values(), key=lambda e: e["title"].lower()) for k, v in self.by_kind.items()}

    def tagged(self, lst: Listing, concept_id: str, kinds: tuple[str, ...] = ("practice",)) -> list[Entry]:
        """Records tagged with the concept or any narrower one."""
        ids = self.concept_ids_with_descendants(lst, concept_id)
        return [e for k in kinds for e in self._by_title[k] if not ids.isdisjoint(e["facets"][lst.facet])]

    def untagged(self, lst: Listing) -> list[Entry]:
        """Practices with no value in the facet: a filter on it never shows them, so its pages say how many there
        are."""
        return [p for p in self.practices if not p["facets"][lst.facet]]

    def counts(self, lst: Listing) -> dict[str, int]:
        """Practices per concept, a practice counting once under each broader concept of its tags."""
        scheme = self.schemes[lst.scheme]
        out: Counter[str] = Counter()
        for p in self.practices:
            ids: set[str] = set()
            for cid in p["facets"][lst.facet]:
                ids.add(cid)
                ids.update(a for a in scheme.ancestors(cid) if a in scheme.concepts)
            out.update(ids)
        return dict(out)

    def tree(self, lst: Listing) -> list[dict[str, Any]]:
        """The scheme as nested nodes {term, count, definition, children}, only branches holding practices."""
        scheme = self.schemes[lst.scheme]
        counts = self.counts(lst)

        def node(c: vocab.Concept) -> dict[str, Any]:
            kids = [node(k) for k in sorted(scheme.narrower(c.id), key=lambda k: k.label) if counts.get(k.id)]
            return {
                "term": self.term(lst.facet, c.id),
                "count": counts.get(c.id, 0),
                "definition": c.definition,
                "children": kids,
            }

        tops = [c for c in scheme.concepts.values() if not any(b in scheme.concepts for b in c.broader)]
        return [node(c) for c in sorted(tops, key=lambda c: (c.notation or "", c.label)) if counts.get(c.id)]

    def facet_values(self, facet: str) -> list[dict[str, Any]]:
        """Every value a search filter can take, with how many records carry it (all kinds)."""
        counts = Counter(v for e in self.catalog for v in e["facets"].get(facet, []))
        if facet == "type":
            return [{"id": k, "label": TYPE_LABELS[k][0], "count": counts[k]} for k in KIND_FOLDERS if counts[k]]
        values = [
            {"id": t.id, "label": t.label, "count": counts[cid]} for cid in counts for t in [self.term(facet, cid)]
        ]
        return sorted(values, key=lambda v: (-v["count"], v["label"]))

    # ---- derived relations --------------------------------------------------------------
    @cached_property
    def _tags(self) -> tuple[dict[str, int], np.ndarray, dict[str, int]]:
        """Which practice (row, in ``self.practices`` order) has which facet value (column): ``similar`` scores them
        all at once."""
        columns = {k: j for j, k in enumerate(self._df)}
        rows = {p["id"]: i for i, p in enumerate(self.practices)}
        matrix = np.zeros((len(self.practices), len(columns)))
        for i, p in enumerate(self.practices):
            for f in SIMILAR_FACETS:
                matrix[i, [columns[f"{f}:{v}"] for v in p["facets"][f]]] = 1.0
        return columns, matrix, rows

    def similar(self, practice: Entry, n: int = 4) -> list[Entry]:
        """Practices sharing the rarest themes, challenges and stakeholders (IDF-weighted overlap), curated links
        excluded.

        One matrix-vector product per practice rather than a loop over all of them: the site of 10,000 practices
        would otherwise spend most of its build here (it grows with the square of the corpus)."""
        total = max(len(self.by_kind["practice"]), 1)
        columns, matrix, rows = self._tags
        mine = sorted(k for k in {f"{f}:{v}" for f in SIMILAR_FACETS for v in practice["facets"][f]} if k in columns)
        if not mine:
            return []
        skip = {practice["id"], *practice.get("related", [])}
        scores = matrix[:, [columns[k] for k in mine]] @ np.array([math.log(total / self._df[k]) for k in mine])
        scores[[rows[x] for x in skip if x in rows]] = 0.0
        keep = min(n, int((scores > 0).sum()))
        if keep == 0:
            return []
        floor = np.partition(scores, -keep)[
            -keep
        ]  # every practice scoring at least the n-th best: ties are ordered by title
        scored = [
            (-scores[i], self.practices[i]["title"].lower(), self.practices[i]) for i in np.flatnonzero(scores >= floor)
        ]
        return [p for *_, p in sorted(scored, key=lambda t: t[:2])[:n]]

    def learning_links(self, city: Entry) -> list[dict[str, Any]]:
        """This city's learning links both ways, each told from the side that states it: {source, verb, target, year,
        evidence, sources}."""

        def side(entry: Entry | None, cid: str, label: str) -> dict[str, str]:
            return {
                "label": label,
                "url": entry["url"] if entry else page_url("city", cid) if cid in self.by_kind["city"] else "",
            }

        out = []
        here = side(city, city["id"], city["title"])
        for link in city.get("links", []):
            out.append(
                {
                    "source": here,
                    "verb": RELATIONS[link["relation"]],
                    "target": side(self.get("city", link["city"]), link["city"], link["city_label"]),
                    "year": link["year"],
                    "evidence": link["evidence"],
                    "sources": link["sources"],
                }
            )
        stated = {(link["relation"], link["city"]) for link in city.get("links", [])}
        for src, link in self.links_to.get(city["id"], []):
            if link["relation"] == "peer_group" and ("peer_group", src["id"]) in stated:
                continue  # symmetric: already listed from this city's side
            out.append(
                {
                    "source": side(src, src["id"], src["title"]),
                    "verb": RELATIONS[link["relation"]],
                    "target": here,
                    "year": link["year"],
                    "evidence": link["evidence"],
                    "sources": link["sources"],
                }
            )
        return out

    def peers_of(self, city: Entry) -> list[dict[str, Any]]:
        """Peer cities from peers.json, with their practices resolved to entries where they are ids."""
        out = []
        for peer in self.peers.get(city["id"], {}).get("peers", [])[:PEERS_SHOWN]:
            practices = []
            for p in peer.get("practices") or []:
                pid = p if isinstance(p, str) else p.get("id")
                found = self.get("practice", pid) if pid else None
                if found:
                    practices.append({"title": found["title"], "url": found["url"]})
                elif isinstance(p, dict) and p.get("title"):
                    practices.append(
                        {"title": p["title"], "url": p.get("url") or (page_url("practice", pid) if pid else "")}
                    )
            shared = peer.get("shared") or {}
            shared_lists = {
                k: [self.term_by_label(k, str(x)) for x in (v if isinstance(v, list) else [v])]
                for k, v in shared.items()
                if v
            }
            shown = {
                k: v for k, v in peer.items() if k != "components"
            }  # pages show the score to two places, never its parts:
            if isinstance(
                shown.get("score"), float
            ):  # a page changes when what it shows changes, not a 4th decimal (hub build --watch)
                shown["score"] = round(shown["score"], 2)
            out.append(
                {
                    **shown,
                    "entry": self.get("city", peer.get("id", "")),
                    "practices": practices,
                    "shared": shared_lists,
                    "reasons": [r if isinstance(r, str) else str(r.get("text", r)) for r in peer.get("reasons") or []],
                    "differs": [d for d in peer.get("differs") or [] if isinstance(d, str)],
                    # a grouped card (hub.peers.index.PeerIndex.group): each member linked, the shared practice once
                    "members": [
                        {**m, "entry": self.get("city", m.get("id", ""))}
                        for m in peer.get("members") or []
                        if isinstance(m, dict)
                    ],
                    "group": peer.get("group") if isinstance(peer.get("group"), dict) else None,
                }
            )
        return out

    def peers_note(self, city: Entry) -> str | None:
        """The peers stage's caveat about this city's profile (e.g. it rests on one practice)."""
        return self.peers.get(city["id"], {}).get("note")


def read_peers(data: Any) -> dict[str, dict[str, Any]]:
    """peers.json as {city id: {"peers": […], "note": …}}, whether the file is keyed by city or a list of {city,
    peers}."""
    items = data.values() if isinstance(data, dict) else data
    out: dict[str, dict[str, Any]] = {}
    for item in items or []:
        if isinstance(item, dict) and "city" in item:
            out[item["city"]] = {"peers": list(item.get("peers") or []), "note": item.get("note")}
    return out


def _with_descendants(scheme: Any, concept_id: str) -> frozenset[str]:
    """A concept and every narrower one, kept on the scheme (vocabularies are loaded once per process)."""
    known = scheme.__dict__.setdefault("_hub_descendants", {})
    if concept_id not in known:
        known[concept_id] = frozenset(
            {concept_id} | {c.id for c in scheme.concepts.values() if concept_id in scheme.ancestors(c.id)}
        )
    return known[concept_id]

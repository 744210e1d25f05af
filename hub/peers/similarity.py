"""How alike two city profiles are: a weighted blend of concepts, wording and place.

    score = Σ weight_i · component_i / Σ weight_i, every component in [0, 1]

* ``concepts`` — weighted Jaccard (Ruzicka: Σ min / Σ max) over the concept terms
  of both profiles. A term's weight is facet weight × strength (1 tagged, ½ for a
  broader concept) × IDF over hub cities, so two cities sharing "cross-border
  militancy" (three cities) count for far more than two sharing "community
  engagement" (most cities).
* ``text`` — cosine of the mean practice embeddings, rescaled so the corpus' average
  pair scores 0: every practice is about prevention, so raw cosines all sit high.
* ``region`` / ``country`` / ``admin`` — 1 when the two share it.
* ``situation`` — weighted Jaccard over city situations (border area, hosts
  refugees or migrants, aftermath of a violent attack, post-conflict setting).

The default :class:`Weights` were chosen on the held-out learning links
(``bench/eval_peers.py``, README "Peer cities"): the grid there shows how much each
part adds, and the defaults sit on a flat stretch of it rather than on a lucky peak.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import asdict, dataclass, field

import numpy as np

from hub.peers.profile import Profile


@dataclass(frozen=True)
class Weights:
    concepts: float = 0.30
    text: float = 0.30
    region: float = 0.10
    country: float = 0.10
    admin: float = 0.02
    situation: float = 0.06  # few cities record a situation, so the links cannot tune this: kept small, by judgement
    # within ``concepts``: how much each facet counts
    themes: float = 1.0
    challenges: float = 1.0
    stakeholders: float = 0.5
    levels: float = 0.3

    def blend(self) -> dict[str, float]:
        return {k: v for k, v in asdict(self).items() if k in COMPONENTS}

    def facet(self, name: str) -> float:
        return float(getattr(self, name))


COMPONENTS = ("concepts", "text", "region", "country", "admin", "situation")
SIZE_SPAN = 2.0  # orders of magnitude of population at which size similarity reaches 0


def size_similarity(a: int | None, b: int | None) -> float | None:
    """1 − |Δ log10 population| / SIZE_SPAN clipped at 0; None when either population is unknown.

    Not part of the blend: on the held-out links no size weight tried (0.01–0.15) kept MRR at the
    blend's without it (bench/eval_peers.py prints size alone as a baseline), nor did breaking ties by it
    (:func:`tie_break`), which therefore only orders the members of a grouped peer card.
    """
    if not a or not b or a <= 0 or b <= 0:
        return None
    return max(0.0, 1.0 - abs(math.log10(a) - math.log10(b)) / SIZE_SPAN)


def tie_break(a: int | None, b: int | None) -> float:
    """Size similarity for ordering peers at one score, unknown sizes in the middle (½).

    Used to list the members of a grouped card (cities known only through one shared practice, so
    scoring the same) closest in size first. As a tie-break of the ranking itself it lowered held-out
    hit@5 / MRR (bench/eval_peers.py measures it), so the ranking does not use it.
    """
    s = size_similarity(a, b)
    return 0.5 if s is None else s


def _idf(documents: list[set[str]]) -> dict[str, float]:
    """Smoothed inverse document frequency: ln((1+N)/(1+df)) + 1, never zero."""
    df = Counter(t for doc in documents for t in doc)
    n = len(documents)
    return {t: math.log((1 + n) / (1 + d)) + 1 for t, d in df.items()}


def ruzicka(a: dict[str, float], b: dict[str, float]) -> float:
    """Σ min / Σ max over the union of terms; Σ max = Σa + Σb − Σ min, so only the smaller side is walked."""
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    common = sum(min(v, large[k]) for k, v in small.items() if k in large)
    union = sum(a.values()) + sum(b.values()) - common
    return common / union if union > 0 else 0.0


@dataclass
class Stats:
    """What similarity needs to know about the whole hub: term rarity and the usual wording overlap."""

    idf: dict[str, float]
    context_idf: dict[str, float]
    text_floor: float
    n_cities: int

    @classmethod
    def of(cls, profiles: list[Profile]) -> Stats:
        idf = _idf([set(p.terms()) for p in profiles])
        context_idf = _idf([set(p.context) for p in profiles])
        centroids = [c for c in (p.centroid for p in profiles) if c is not None]
        floor = 0.0
        if len(centroids) > 1:
            m = np.stack(centroids)
            sims = m @ m.T
            k = len(centroids)
            floor = float((sims.sum() - np.trace(sims)) / (k * (k - 1)))
        return cls(idf, context_idf, floor, len(profiles))

    def rarity(self, term: str, table: dict[str, float] | None = None) -> float:
        """IDF of a term; one never seen in the hub is as rare as can be."""
        table = self.idf if table is None else table
        return table.get(term, math.log(1 + self.n_cities) + 1)


@dataclass
class Match:
    score: float
    components: dict[str, float] = field(default_factory=dict)


class Similarity:
    """Scores pairs of profiles with fixed corpus statistics and weights (cached per profile)."""

    def __init__(self, stats: Stats, weights: Weights | None = None):
        self.stats = stats
        self.weights = weights or Weights()
        self._blend = self.weights.blend()
        self._total = sum(self._blend.values())
        # per hub profile object (kept alive by the cache, so its id() is never reused)
        self._cache: dict[int, tuple[Profile, dict[str, float], dict[str, float], np.ndarray | None]] = {}
        self._recent: tuple[Profile, dict[str, float], dict[str, float], np.ndarray | None] | None = None

    def weighted_terms(self, p: Profile) -> dict[str, float]:
        return self._prepared(p)[0]

    def _prepared(self, p: Profile) -> tuple[dict[str, float], dict[str, float], np.ndarray | None]:
        cached = self._cache.get(id(p)) if p.id is not None else self._recent
        if cached is not None and cached[0] is p:
            return cached[1:]
        w = self.weights
        terms = {t: s * w.facet(t.split(":", 1)[0]) * self.stats.rarity(t) for t, s in p.terms().items()}
        context = {c: self.stats.rarity(c, self.stats.context_idf) for c in p.context}
        entry = (p, terms, context, p.centroid)
        if p.id is not None:
            self._cache[id(p)] = entry
        else:  # a described city lives for one request: keep only the latest, while it is ranked against every city
            self._recent = entry
        return terms, context, p.centroid

    def text(self, a: np.ndarray | None, b: np.ndarray | None) -> float:
        """Cosine of two unit vectors rescaled against the hub's usual overlap, clipped to [0, 1]."""
        if a is None or b is None:
            return 0.0
        floor = self.stats.text_floor
        return float(min(1.0, max(0.0, (float(a @ b) - floor) / (1.0 - floor))))

    def match(self, a: Profile, b: Profile) -> Match:
        ta, ca, va = self._prepared(a)
        tb, cb, vb = self._prepared(b)
        comp = {
            "concepts": ruzicka(ta, tb),
            "text": self.text(va, vb),
            "region": float(bool(a.region) and a.region == b.region),
            "country": float(bool(a.country) and a.country == b.country),
            "admin": float(bool(a.admin_type) and a.admin_type == b.admin_type),
            "situation": ruzicka(ca, cb),
        }
        score = sum(self._blend[k] * comp[k] for k in COMPONENTS) / self._total if self._total else 0.0
        return Match(round(score, 4), {k: round(v, 4) for k, v in comp.items()})

"""Held-out evaluation: do recommended peers find the cities a city actually learned from?

Curators record learning links on city files (``links:`` learned_from, replicated,
attended_event_in, peer_group). The score never reads them, so each link is a test
case: rank every other hub city for the link's source and see where its target
lands. We report hit@5 (target among the first five) and MRR (mean of 1/rank).

Two honesty rules:

* **Filtered, tie-aware ranks.** Other known targets of the same source are removed
  before ranking (they are right answers too), and a target tied with others is
  given the *expected* reciprocal rank over the tied positions. Baselines are
  scored by the same function, so "same region, random order" and "random" are
  exact expectations, not one lucky shuffle.
* **Co-listed practices held out.** Many links also show up as one practice listing
  both cities (the working group both sit in, the event both attended). In the
  ``held_out`` setting those practices are dropped from both profiles before
  scoring, so the similarity has to find the peer from what each city does on its own.
  So is the description of a city with no practice (it stands in for practices in
  that city's profile): for a venue city such as Nairobi it is mostly the story of
  the event another city attended there, i.e. the link itself.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace

from hub.peers.index import PeerIndex
from hub.peers.profile import Profile
from hub.peers.similarity import Similarity, Weights, size_similarity, tie_break

K = 5
Scorer = Callable[[Profile, Profile], float | tuple[float, float]]  # a tuple ranks by its parts in turn
SIZE_WEIGHTS = (0.02, 0.05)  # size as a small component of the blend, measured against size as a tie-break


@dataclass(frozen=True)
class Link:
    source: str
    target: str
    relation: str
    colisted: frozenset[str]  # practices that list both cities


def links(index: PeerIndex) -> list[Link]:
    """Every learning link whose two ends are hub cities, with the practices that list both."""
    out = []
    for cid, city in sorted(index.cities.items()):
        for ln in city.get("links") or []:
            if ln["city"] in index.profiles and ln["city"] != cid:
                both = set(index.profiles[cid].practices) & set(index.profiles[ln["city"]].practices)
                out.append(Link(cid, ln["city"], ln["relation"], frozenset(both)))
    return out


def expected_rank_metrics(scores: dict[str, float], target: str, k: int = K) -> tuple[float, float]:
    """(expected reciprocal rank, probability of being in the top k) with ties broken at random."""
    t = scores[target]
    above = sum(1 for s in scores.values() if s > t)
    tied = sum(1 for s in scores.values() if s == t)  # includes the target
    positions = range(above + 1, above + tied + 1)
    return sum(1 / r for r in positions) / tied, sum(1 for r in positions if r <= k) / tied


def _candidates(
    index: PeerIndex, link: Link, all_links: list[Link], held_out: bool
) -> tuple[Profile, dict[str, Profile]]:
    others = {ln.target for ln in all_links if ln.source == link.source} - {link.target}
    drop = set(link.colisted) if held_out else set()
    source = index.profile_without(link.source, drop, description=not held_out)
    pool = {cid: p for cid, p in index.profiles.items() if cid != link.source and cid not in others}
    pool[link.target] = index.profile_without(link.target, drop, description=not held_out)
    return source, pool


def score_links(
    index: PeerIndex, scorer: Scorer, held_out: bool, subset: list[Link] | None = None
) -> list[tuple[Link, float, float]]:
    """(link, reciprocal rank, hit@K) for each link."""
    all_links = links(index)
    out = []
    for link in subset if subset is not None else all_links:
        source, pool = _candidates(index, link, all_links, held_out)
        scores = {cid: scorer(source, p) for cid, p in pool.items()}
        rr, hit = expected_rank_metrics(scores, link.target)
        out.append((link, rr, hit))
    return out


def summary(rows: list[tuple[Link, float, float]]) -> dict[str, float]:
    n = len(rows)
    return {
        "n": n,
        f"hit@{K}": round(sum(h for _, _, h in rows) / n, 3) if n else 0.0,
        "mrr": round(sum(r for _, r, _ in rows) / n, 3) if n else 0.0,
    }


# --- scorers -------------------------------------------------------------------------------------------


def model(index: PeerIndex, weights: Weights | None = None) -> Scorer:
    sim = Similarity(index.sim.stats, weights or index.sim.weights)
    return lambda a, b: sim.match(a, b).score


def model_size_ties(index: PeerIndex) -> Scorer:
    """The blend, then closeness in size among equal scores: measured, not shipped (it lost on the held-out links)."""
    sim = Similarity(index.sim.stats, index.sim.weights)
    return lambda a, b: (sim.match(a, b).score, tie_break(a.population, b.population))


def model_size_weight(index: PeerIndex, weight: float) -> Scorer:
    """The blend with size as one more component at ``weight`` (unknown sizes left out, the weights renormalised)."""
    sim = Similarity(index.sim.stats, index.sim.weights)
    total = sum(index.sim.weights.blend().values())

    def score(a: Profile, b: Profile) -> float:
        base, s = sim.match(a, b).score, size_similarity(a.population, b.population)
        return base if s is None else (total * base + weight * s) / (total + weight)

    return score


def random_baseline(a: Profile, b: Profile) -> float:
    return 0.0  # every candidate tied: the expected metrics of a random order


def same_region(a: Profile, b: Profile) -> float:
    return float(bool(a.region) and a.region == b.region)


def size_only(a: Profile, b: Profile) -> float:
    """Closeness in population alone (unknown sizes tie at ½): what the Chicago Fed's peer tool starts from."""
    s = size_similarity(a.population, b.population)
    return 0.5 if s is None else s


def same_country_then_region(a: Profile, b: Profile) -> float:
    return 2.0 * float(bool(a.country) and a.country == b.country) + same_region(a, b)


ABLATIONS: dict[str, Weights] = {
    "concepts only": Weights(concepts=1, text=0, region=0, country=0, admin=0, situation=0),
    "wording only": Weights(concepts=0, text=1, region=0, country=0, admin=0, situation=0),
    "concepts + wording (no place)": replace(Weights(), region=0, country=0, admin=0, situation=0),
}


def table(index: PeerIndex) -> list[dict[str, object]]:
    """Every method × setting, one row each, with a per-relation breakdown."""
    methods: dict[str, Scorer] = {
        "random order": random_baseline,
        "same region only (random within)": same_region,
        "same country, then same region": same_country_then_region,
        "size only (log population)": size_only,
        **{name: model(index, w) for name, w in ABLATIONS.items()},
        "blend, size breaks ties": model_size_ties(index),
        **{f"blend + size at weight {w}": model_size_weight(index, w) for w in SIZE_WEIGHTS},
        "blend (default weights)": model(index),
    }
    rows = []
    for setting, held_out in (("co-listed practices held out", True), ("all practices", False)):
        for name, scorer in methods.items():
            scored = score_links(index, scorer, held_out)
            by_rel = {
                rel: summary([r for r in scored if r[0].relation == rel])
                for rel in sorted({r[0].relation for r in scored})
            }
            rows.append({"setting": setting, "method": name, **summary(scored), "by_relation": by_rel})
    return rows


GRID = {
    "concepts": (0.1, 0.2, 0.3, 0.45, 0.6),
    "text": (0.0, 0.15, 0.3, 0.45),
    "region": (0.0, 0.05, 0.1, 0.2),
    "country": (0.0, 0.05, 0.1),
    "admin": (0.0, 0.02),
    "situation": (0.0, 0.06, 0.12),
}
Case = tuple[Link, dict[str, dict[str, float]]]


def _cases(index: PeerIndex, held_out: bool) -> list[Case]:
    """Each link with every candidate's score components (they do not depend on the blend weights)."""
    sim = Similarity(index.sim.stats, index.sim.weights)
    all_links = links(index)
    out = []
    for link in all_links:
        source, pool = _candidates(index, link, all_links, held_out)
        out.append((link, {cid: sim.match(source, p).components for cid, p in pool.items()}))
    return out


def _blended(cases: list[Case], blend: dict[str, float]) -> list[tuple[Link, float, float]]:
    return [
        (
            link,
            *expected_rank_metrics(
                {cid: sum(w * c[k] for k, w in blend.items()) for cid, c in comps.items()}, link.target
            ),
        )
        for link, comps in cases
    ]


def _points() -> list[dict[str, float]]:
    names = list(GRID)
    return [dict(zip(names, v, strict=True)) for v in itertools.product(*(GRID[n] for n in names)) if sum(v)]


def grid(index: PeerIndex, held_out: bool = True) -> list[dict[str, object]]:
    """The blend at every grid point, best MRR first: how sensitive the score is to its weights."""
    cases = _cases(index, held_out)
    out = [{"weights": blend, **summary(_blended(cases, blend))} for blend in _points()]
    return sorted(out, key=lambda r: (-r["mrr"], -r[f"hit@{K}"]))


def leave_one_out(index: PeerIndex, held_out: bool = True) -> dict[str, object]:
    """Tune on all links but one, score that one, for every link: what tuning is worth on unseen links.

    Choosing weights on the same 30-odd links one reports on flatters the blend; this
    is the number to quote for "the blend with tuned weights".
    """
    cases = _cases(index, held_out)
    points = _points()
    per_point = [_blended(cases, blend) for blend in points]
    rows = []
    for i, (_link, _) in enumerate(cases):

        def rest(rs: list[tuple[Link, float, float]]) -> tuple[float, float]:
            others = rs[:i] + rs[i + 1 :]  # noqa: B023 (rest is called only within this iteration)
            return (sum(r for _, r, _ in others), sum(h for _, _, h in others))

        best = max(range(len(points)), key=lambda j: rest(per_point[j]))
        rows.append(per_point[best][i])
    return summary(rows)


def tied_top(index: PeerIndex, k: int = K, at_least: int = 3, places: int = 2, grouped: bool = True) -> list[str]:
    """Cities with ``at_least`` peer cards at one score (as pages show it, to ``places`` decimals) in their top ``k``.

    A card grouping peers alike only through one shared practice counts once (``grouped=False`` counts every peer,
    as lists were before cards were grouped). Such a list does not tell its peers apart: the goal is at most two.
    """
    out = []
    for cid, p in sorted(index.profiles.items()):
        scores = [c["score"] for c in index.peers_of(p, k)] if grouped else [m.score for m, _ in index.shortlist(p, k)]
        top = Counter(round(s, places) for s in scores)
        if top and max(top.values()) >= at_least:
            out.append(cid)
    return out

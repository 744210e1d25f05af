"""Why a city is a peer, in plain words: reasons, shared concepts, what differs, what to read.

A city official reading a peer list should see at a glance *why* ("both run
sports-based youth programmes", "both are border areas") and where to start
reading (the peer's practices closest to their own situation). Reasons are ranked
by how much each shared thing weighs in the score, so the first reason is the
strongest one.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from typing import Any

import numpy as np

from hub import vocab
from hub.config import VOCAB_DIR
from hub.peers.profile import CONTEXT_SCHEME, FACETS, Profile, concept_ids
from hub.peers.similarity import Match, Similarity, ruzicka

MAX_REASONS = 4
MAX_CONCEPT_REASONS = 3
MAX_DIFFERS = 3
MAX_PRACTICES = 3
TEXT_REASON_FLOOR = 0.25  # rescaled wording similarity above which "their work reads alike" is worth saying
SIZE_ALIKE = 2.0  # populations within this factor of each other: "both have about 40,000–80,000 people"
SIZE_FAR = 10.0  # from this factor on: "Madrid is far larger"
FRACTIONS = {
    2: "half",
    3: "a third",
    4: "a quarter",
    5: "a fifth",
    6: "a sixth",
    7: "a seventh",
    8: "an eighth",
    9: "a ninth",
}
GROUP_SUBJECT = "each of them"  # how a grouped card's "what differs" names its members

# "both …" — a theme in words an official would use; themes not listed read "work on <label>"
THEME_PHRASES = {
    "anti-racism": "work against racism",
    "civic-education": "run civic education",
    "civil-society-partnership": "partner with civil society",
    "coalition-building": "build coalitions of local actors",
    "communications": "use public communications and counter-messaging",
    "community-engagement": "engage communities directly",
    "conflict-resolution": "resolve local conflicts through dialogue",
    "crime-prevention": "tie prevention to crime prevention and community safety",
    "cross-border-cooperation": "cooperate with towns across a national border",
    "culture": "use culture and the arts",
    "early-warning": "run early-warning systems",
    "education": "work through schools and education",
    "employment": "create jobs and economic opportunities",
    "family-support": "support families",
    "funding": "fund prevention from their own budgets or grants",
    "gender": "build gender into their prevention work",
    "housing": "work on housing",
    "incident-response": "plan the city's response to incidents",
    "inclusion": "work on inclusion of minorities and excluded groups",
    "information-sharing": "share information between agencies",
    "interfaith": "run interfaith or intercultural dialogue",
    "mapping-assessment": "map local risks and needs",
    "mayoral-leadership": "have their mayors leading the work",
    "mentorship": "run mentoring",
    "migration-refugees": "work on integrating migrants and refugees",
    "monitoring-and-evaluation": "monitor and evaluate their work",
    "multi-actor-coordination": "coordinate prevention through a local multi-actor platform",
    "national-local-cooperation": "work with their national government on prevention",
    "online-harms": "tackle online hate and disinformation",
    "peer-learning": "learn from other cities",
    "private-sector-engagement": "work with businesses",
    "protests-and-free-speech": "handle protests and free speech",
    "psychosocial-support": "offer psychosocial support",
    "public-health": "take a public-health approach",
    "public-safety": "work on public safety",
    "referral-mechanism": "run a multi-agency referral mechanism for people at risk",
    "rehabilitation-and-reintegration": "rehabilitate and reintegrate returnees or former offenders",
    "remembrance": "hold remembrance after attacks",
    "restorative-justice": "use restorative justice",
    "soft-target-protection": "protect places of worship and other soft targets",
    "strategy-development": "have a local prevention strategy or action plan",
    "targeted-interventions": "run targeted interventions",
    "training": "train staff and partners",
    "urban-planning": "use urban planning and public space",
    "victim-support": "support victims",
    "workplace": "work on polarisation in the workplace",
    "youth-engagement": "run youth engagement programmes",
}
# when both also work with young people, these themes read better together ("sports-based youth programmes")
YOUTH_PHRASES = {
    "sports": "run sports-based youth programmes",
    "employment": "create jobs and opportunities for young people",
    "education": "work with young people through schools",
    "mentorship": "mentor young people",
    "culture": "use culture and the arts with young people",
    "civic-education": "run civic education for young people",
}
CHALLENGE_PHRASES = {
    "terrorist-attack-aftermath": "deal with the aftermath of a terrorist attack",
    "mass-shooting-attack-aftermath": "deal with the aftermath of a mass shooting or attack",
    "school-shooting-aftermath": "deal with the aftermath of a school shooting",
    "displacement-idps": "deal with internal displacement",
    "covid-19": "deal with the local effects of COVID-19",
    "refugee-influx": "face a large arrival of refugees",
    "lack-of-local-mandate": "lack a formal local mandate for prevention",
    "no-national-prevention-framework": "work without a national prevention framework",
    "lack-of-local-prevention-structures": "started without local prevention structures",
    "limited-resources": "work with limited resources",
    "lack-of-expertise": "lack specialist expertise",
}
STAKEHOLDER_PHRASES = {
    "youth": "work with young people",
    "mayors": "involve their mayors",
    "women": "work with women",
    "police": "work with the police",
    "community": "work with the wider community",
}
LEVEL_PHRASES = {
    "primary": "do primary prevention (reaching everyone before problems start)",
    "secondary": "do secondary prevention (working with people at risk)",
    "tertiary": "do tertiary prevention (disengagement and reintegration)",
}
SITUATION_BOTH = {
    "border-area": "both are border areas",
    "hosts-refugees-or-migrants": "both host refugees or migrants",
    "aftermath-of-a-violent-attack": "both are recovering from a violent attack",
    "post-conflict-setting": "both are post-conflict settings",
}
SITUATION_ONE = {
    "border-area": "is a border area",
    "hosts-refugees-or-migrants": "hosts refugees or migrants",
    "aftermath-of-a-violent-attack": "is recovering from a violent attack",
    "post-conflict-setting": "is a post-conflict setting",
}
ADMIN_PLURALS = {
    "city": "cities",
    "county": "counties",
    "municipality": "municipalities",
    "town": "towns",
    "district": "districts",
    "province": "provinces",
    "state": "states",
    "municipal council": "municipal councils",
    "combined authority": "combined authorities",
    "association": "associations of local governments",
}


def in_country(name: str) -> str:
    """'the United States', 'the Netherlands', but 'Kenya'."""
    return f"the {name}" if name.startswith(("United ", "Democratic Republic")) or name in ("Netherlands",) else name


def label(scheme: str, concept_id: str) -> str:
    c = vocab.load(VOCAB_DIR)[scheme].concepts.get(concept_id)
    return c.label if c else concept_id


def _plain(text: str) -> str:
    """A label without its parenthetical qualifier: 'polarisation (general)' → 'polarisation'."""
    return re.sub(r"\s*\([^)]*\)", "", text).strip()


def shared(a: Profile, b: Profile, sim: Similarity) -> dict[str, list[str]]:
    """Concepts both profiles carry, rarest first, as preferred labels; plus shared situations."""
    rarity = sim.stats.rarity
    out = {}
    for facet, (scheme, _) in FACETS.items():
        common = a.concepts.get(facet, frozenset()) & b.concepts.get(facet, frozenset())
        out[facet] = [label(scheme, c) for c in sorted(common, key=lambda c: (-rarity(f"{facet}:{c}"), c))]
    out["context"] = [label(CONTEXT_SCHEME, c) for c in sorted(a.context & b.context)]
    return out


def _concept_reasons(a: Profile, b: Profile, sim: Similarity) -> list[tuple[float, str]]:
    terms = sim.weighted_terms(a)
    common = {f: a.concepts.get(f, frozenset()) & b.concepts.get(f, frozenset()) for f in FACETS}
    youth = "youth" in common["stakeholders"] or "youth-engagement" in common["themes"]
    used_youth = False
    out: list[tuple[float, str]] = []
    for facet, ids in common.items():
        for cid in ids:
            weight = terms.get(f"{facet}:{cid}", 0.0)
            if facet == "themes":
                if youth and cid in YOUTH_PHRASES:
                    phrase, used_youth = YOUTH_PHRASES[cid], True
                else:
                    phrase = THEME_PHRASES.get(cid, f"work on {_plain(label('themes', cid))}")
            elif facet == "challenges":
                phrase = CHALLENGE_PHRASES.get(cid, f"face {_plain(label('challenges', cid))}")
            elif facet == "stakeholders":
                phrase = STAKEHOLDER_PHRASES.get(cid, f"work with {_plain(label('stakeholders', cid))}")
            else:
                phrase = LEVEL_PHRASES.get(cid, f"do {label('prevention-levels', cid)} prevention")
            out.append((weight, f"both {phrase}"))
    said = {"both work with young people"}  # already said by a combined phrase or by "youth engagement programmes"
    if used_youth:
        said.add(f"both {THEME_PHRASES['youth-engagement']}")
    if used_youth or "youth-engagement" in common["themes"]:
        out = [(w, r) for w, r in out if r not in said]
    return sorted(out, key=lambda x: (-x[0], x[1]))


def _closest_texts(a: Profile, b: Profile) -> tuple[int | None, int | None]:
    """Indexes of the pair of *different* practices (one per city) whose texts read most alike."""
    if not len(a.vectors) or not len(b.vectors):
        return None, None
    sims = a.vectors @ b.vectors.T
    aligned = len(a.practices) == len(a.vectors) and len(b.practices) == len(b.vectors)
    if aligned:  # a practice both cities share is said as such, not as "reads alike"
        for i, pa in enumerate(a.practices):
            for j, pb in enumerate(b.practices):
                if pa == pb:
                    sims[i, j] = -np.inf
    if not np.isfinite(sims).any():
        return None, None
    i, j = np.unravel_index(int(np.argmax(sims)), sims.shape)
    return int(i), int(j)


def _text_reason(a: Profile, b: Profile, practices: dict[str, dict]) -> str | None:
    i, j = _closest_texts(a, b)

    def title(p: Profile, k: int | None) -> str | None:
        if k is None or len(p.practices) != len(p.vectors):
            return None
        return practices[p.practices[k]]["title"]

    ta, tb = title(a, i), title(b, j)
    if a.id is None and tb:
        return f"your description reads closest to {b.label}'s “{tb}”"
    if ta and tb:
        return f"their work reads alike: {a.label}'s “{ta}” and {b.label}'s “{tb}”"
    if i is None:
        return None
    if tb:  # a city with no practice yet is embedded by its description
        return f"{a.label}'s description reads like {b.label}'s “{tb}”"
    if ta:
        return f"{a.label}'s “{ta}” reads like {b.label}'s description"
    return "their descriptions read alike"


def _joint_reasons(a: Profile, b: Profile, practices: dict[str, dict]) -> list[str]:
    """Practices listing both cities: the plainest reason there is."""
    return [f"both take part in “{practices[p]['title']}”" for p in sorted(set(a.practices) & set(b.practices))]


def reasons(a: Profile, b: Profile, match: Match, sim: Similarity, practices: dict[str, dict]) -> list[str]:
    """Plain-language reasons, strongest first: situations, shared concepts, wording, place."""
    top_idf = max(sim.stats.idf.values(), default=1.0)
    out: list[tuple[float, str]] = [
        (2 * top_idf, SITUATION_BOTH[c]) for c in sorted(a.context & b.context) if c in SITUATION_BOTH
    ]
    out += [(3 * top_idf, r) for r in _joint_reasons(a, b, practices)]
    out += _concept_reasons(a, b, sim)[:MAX_CONCEPT_REASONS]
    if match.components.get("text", 0.0) >= TEXT_REASON_FLOOR and (text := _text_reason(a, b, practices)):
        out.append((top_idf * match.components["text"] * 2, text))
    if match.components.get("country"):
        out.append((top_idf * 0.5, f"both are in {in_country(b.country)}"))
    elif match.components.get("region"):
        out.append((top_idf * 0.3, f"both are in {b.region}"))
    if match.components.get("admin") and b.admin_type:
        out.append((0.1, f"both are {ADMIN_PLURALS.get(b.admin_type, b.admin_type)}"))
    ranked = [r for _, r in sorted(out, key=lambda x: -x[0])][:MAX_REASONS]
    if alike := size_alike(a, b):  # said apart from the weighted reasons: it orders peers tied on the score
        ranked.append(alike)
    return ranked or ["closest by overall profile, though they share little that the hub records"]


# --- size -------------------------------------------------------------------------------------------------


def _step(n: float) -> int:
    """A round step for ``n``: 10,000 for 52,000, but 1,000 for 12,000 (one more figure below 3 × a power of 10) and
    100,000 for 3,255,944 (millions read to one decimal)."""
    step = 10 ** int(math.floor(math.log10(n)))
    return max(1, step // 10) if n < 3 * step or n >= 1_000_000 else step


def _figure(n: float) -> str:
    """120,000 · 3.3 million."""
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f}".rstrip("0").rstrip(".") + " million"
    return f"{int(n):,}"


def people(n: int) -> str:
    """'about 45,000 people', 'about 140,000 people', 'about 3.3 million people' (two significant figures)."""
    step = max(1, 10 ** (int(math.floor(math.log10(n))) - 1))
    return f"about {_figure(round(n / step) * step)} people"


def size_alike(a: Profile, b: Profile) -> str | None:
    """'both have about 40,000–80,000 people' when both sizes are known and within SIZE_ALIKE of each other."""
    if not a.population or not b.population:
        return None
    lo, hi = sorted((a.population, b.population))
    if hi / lo > SIZE_ALIKE:
        return None
    low = lo // _step(lo) * _step(lo)
    high = -(-hi // _step(hi)) * _step(hi)
    if low == high:
        return f"both have about {_figure(low)} people"
    if low >= 1_000_000:
        return f"both have about {_figure(low).removesuffix(' million')}–{_figure(high)} people"
    return f"both have about {_figure(low)}–{_figure(high)} people"


def size_gap(a: Profile, b: Profile) -> str | None:
    """'Madrid is far larger (about 3.3 million people; Aalborg about 120,000)' from a factor of SIZE_FAR, 'Oslo is
    about 4 times smaller (…)' from SIZE_ALIKE; nothing when a size is unknown or the two are alike."""
    if not a.population or not b.population or b.label == GROUP_SUBJECT:
        return None
    ratio = b.population / a.population
    if 1 / SIZE_ALIKE <= ratio <= SIZE_ALIKE:
        return None
    factor = round(max(ratio, 1 / ratio))
    if factor >= SIZE_FAR:
        how = "far larger" if ratio > 1 else "far smaller"
    elif ratio > 1:
        how = "about twice as large" if factor == 2 else f"about {factor} times as large"
    else:
        how = f"about {FRACTIONS[factor]} the size"
    name = a.label if a.id else "your city"
    own = people(a.population).removesuffix(" people")
    return f"{b.label} is {how} ({people(b.population)}; {name} {own})"


# --- peers alike only through the practices they took part in together --------------------------------------


def names(labels: list[str]) -> str:
    """'Dijon, Madrid and Murcia'."""
    return labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} and {labels[-1]}"


def group_text(a: Profile, labels: list[str], practice_ids: tuple[str, ...], titles: list[str]) -> str:
    """'Dijon, Madrid, Montpellier and Murcia all took part in “…”' (', like Aalborg,' when the city did too)."""
    work = names([f"“{t}”" for t in titles])
    like = f", like {a.label}," if a.id and set(practice_ids) <= set(a.practices) else ""
    return f"{names(labels)}{like} all took part in {work}"


def group_reasons(member_reasons: list[str], a: Profile, b: Profile) -> list[str]:
    """A member's reasons said of the whole group: "both" becomes "all", and what names the member alone (its wording
    compared with the city's, a practice both take part in) is left to the group's own line."""
    out = []
    for r in member_reasons:
        if b.label in r or r.startswith("both take part in") or r == size_alike(a, b):
            continue
        out.append("all" + r[len("both") :] if r.startswith("both ") else r)
    return out


def group_differs(a: Profile, b: Profile, sim: Similarity) -> list[str]:
    """What differs, said of every member at once (they share the practices, so the same things differ)."""
    return differs(a, replace(b, label=GROUP_SUBJECT), sim)


def _possessive(name: str) -> str:
    return "their" if name == GROUP_SUBJECT else f"{name}'s"


def differs(a: Profile, b: Profile, sim: Similarity) -> list[str]:
    """The main ways the peer is unlike the city, so nobody copies a practice blind; a size gap first."""
    out: list[str] = []
    name = a.label if a.id else "your city"
    if gap := size_gap(a, b):
        out.append(gap)
    if a.region and b.region and a.region != b.region:
        out.append(f"{b.label} is in {b.region}, {name} in {a.region}")
    for c in sorted(b.context - a.context):
        out.append(f"{b.label} {SITUATION_ONE.get(c, label(CONTEXT_SCHEME, c))}; {name} is not recorded as such")
    if not b.practices:
        out.append(f"{b.label} has no practice recorded in the hub yet")
    rarity = sim.stats.rarity
    own_challenges = sorted(
        a.concepts.get("challenges", frozenset()) - b.concepts.get("challenges", frozenset()),
        key=lambda c: (-rarity(f"challenges:{c}"), c),
    )[:2]
    if own_challenges and b.practices:
        out.append(
            f"{_possessive(b.label)} practices do not address "
            f"{' or '.join(_plain(label('challenges', c)) for c in own_challenges)}"
        )
    their_themes = sorted(
        b.concepts.get("themes", frozenset()) - a.concepts.get("themes", frozenset()),
        key=lambda c: (-rarity(f"themes:{c}"), c),
    )[:2]
    if their_themes:
        out.append(f"{b.label} also works on {' and '.join(label('themes', c) for c in their_themes)}")
    return out[:MAX_DIFFERS]


def practice_profile(entry: dict) -> Profile:
    """One practice as a profile of its own, to score it against a city's concerns."""
    return Profile(id=f"practice:{entry['id']}", label=entry["title"], concepts=concept_ids([entry]))


def relevant_practices(
    a: Profile, b: Profile, sim: Similarity, practices: dict[str, dict], singles: dict[str, Profile]
) -> list[dict[str, Any]]:
    """The peer's practices closest to the city's own concerns (half shared concepts, half wording), minus the city's
    own.

    ``singles`` holds :func:`practice_profile` of each practice, built once so their weighted terms are computed once.
    """
    terms_a = sim.weighted_terms(a)
    centroid = a.centroid
    aligned = len(b.practices) == len(b.vectors)
    scored = []
    for k, pid in enumerate(b.practices):
        if pid in a.practices:  # the city knows its own practice; recommend what it has not read
            continue
        concept = ruzicka(terms_a, sim.weighted_terms(singles[pid]))
        text = sim.text(centroid, b.vectors[k]) if aligned else 0.0
        scored.append((round(0.5 * concept + 0.5 * text, 4), pid))
    scored.sort(key=lambda x: (-x[0], x[1]))
    out = []
    for score, pid in scored[:MAX_PRACTICES]:
        entry, one = practices[pid], singles[pid]
        common = [
            label(scheme, c)
            for facet, (scheme, _) in FACETS.items()
            if facet != "levels"
            for c in sorted(one.concepts[facet] & a.concepts.get(facet, frozenset()))
        ]
        out.append(
            {
                "id": pid,
                "title": entry["title"],
                "url": entry["url"],
                "summary": entry.get("summary", ""),
                "score": score,
                "shared": common[:5],
            }
        )
    return out

"""Facets: filter by theme, region, country, prevention level, stakeholder, challenge and type, with counts.

Semantics (as a faceted catalogue should behave):

* several values of one facet are OR-ed ("Europe or Western Balkans"), facets are AND-ed;
* the counts of a facet reflect the query and the *other* facets' filters, so each
  count says how many results choosing that value would give;
* a record tagged with a narrower concept also counts for its broader ones
  (``civic education`` is found under ``education``).

Membership is kept as (record, value) pairs per facet, so a count is one
``bincount`` over the matching records' pairs: no dense matrix, no BLAS threads,
about a millisecond at 10,000 records.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from hub import vocab
from hub.config import RECORD_KINDS, VOCAB_DIR
from hub.facets import FACETS, TYPE_FACET, facet_names
from hub.search.errors import UnknownFilterValue
from hub.vocab import fold

# facet name -> the API query parameter; order is the order facets are returned in (hub.facets)
FACET_NAMES = facet_names()


@dataclass(frozen=True)
class FacetValue:
    id: str
    label: str
    alt_labels: tuple[str, ...] = ()


def facet_values() -> dict[str, list[FacetValue]]:
    """Every value a filter accepts, per facet, from the vocabularies."""
    schemes = vocab.load(VOCAB_DIR)
    out: dict[str, list[FacetValue]] = {TYPE_FACET: [FacetValue(k, k) for k in RECORD_KINDS]}
    for facet in FACETS:
        concepts = sorted(schemes[facet.scheme].concepts.values(), key=lambda c: c.label.lower())
        out[facet.name] = [FacetValue(c.id, c.label, c.alt_labels) for c in concepts]
    return out


class FacetIndex:
    def __init__(self, values: Mapping[str, Sequence[FacetValue]], memberships: Sequence[Mapping[str, Sequence[str]]]):
        """``values``: every valid value per facet; ``memberships``: per record, its value ids per facet."""
        self.values = {name: list(values[name]) for name in FACET_NAMES}
        self.n_docs = len(memberships)
        self._lookup: dict[str, dict[str, int]] = {}
        self._docs: dict[str, np.ndarray] = {}  # per facet: the record of each (record, value) pair
        self._vals: dict[str, np.ndarray] = {}  # ... and its value
        for name, vals in self.values.items():
            index = {v.id: i for i, v in enumerate(vals)}
            lookup: dict[str, int] = {}
            for i, v in enumerate(vals):  # ids and preferred labels win over alternative labels
                for alt in v.alt_labels:
                    lookup.setdefault(fold(alt), i)
            for i, v in enumerate(vals):
                lookup[fold(v.label)] = i
                lookup[fold(v.id)] = i
            self._lookup[name] = lookup
            pairs = [
                (d, index[vid])
                for d, member in enumerate(memberships)
                for vid in dict.fromkeys(member.get(name, ()))
                if vid in index
            ]
            self._docs[name] = np.array([d for d, _ in pairs], dtype=np.int64)
            self._vals[name] = np.array([v for _, v in pairs], dtype=np.int64)

    def resolve(self, name: str, raw: Sequence[str]) -> list[int]:
        """Value positions for what a caller typed (id, preferred or alternative label, any case or accents)."""
        out: list[int] = []
        for value in raw:
            if not value.strip():
                continue
            i = self._lookup[name].get(fold(value))
            if i is None:
                raise self._unknown(name, value)
            if i not in out:
                out.append(i)
        return out

    def _unknown(self, name: str, value: str) -> UnknownFilterValue:
        from hub.vocab import close_matches, did_you_mean

        vals = self.values[name]
        labels = {fold(v.label): v.id for v in vals} | {fold(v.id): v.id for v in vals}
        suggestions = list(dict.fromkeys(labels[c] for c in close_matches(fold(value), labels)))
        hint = f" — {did_you_mean(suggestions)}" if suggestions else ""
        return UnknownFilterValue(
            f"unknown {name} '{value}'{hint}",
            {
                "parameter": name,
                "value": value,
                "message": f"unknown {name} '{value}'{hint}",
                "did_you_mean": suggestions,
                "valid": [v.id for v in vals],
            },
        )

    def masks(self, selected: Mapping[str, Sequence[int]]) -> dict[str, np.ndarray]:
        """One boolean record mask per filtered facet (OR of its chosen values)."""
        out: dict[str, np.ndarray] = {}
        for name, idx in selected.items():
            if idx:
                mask = np.zeros(self.n_docs, dtype=bool)
                mask[self._docs[name][np.isin(self._vals[name], idx)]] = True
                out[name] = mask
        return out

    def counts(
        self, matches: np.ndarray, masks: Mapping[str, np.ndarray], selected: Mapping[str, Sequence[int]]
    ) -> dict[str, list[dict]]:
        """Per facet, the values with their counts among ``matches`` filtered by every *other* facet.

        Values with no record are left out unless they are selected (so a filter that
        empties the results still shows, at zero)."""
        out: dict[str, list[dict]] = {}
        for name in FACET_NAMES:
            base = matches.copy()
            for other, m in masks.items():
                if other != name:
                    base &= m
            counts = np.bincount(self._vals[name][base[self._docs[name]]], minlength=len(self.values[name]))
            chosen = set(selected.get(name, ()))
            rows = [(int(counts[i]), i) for i in sorted(set(np.flatnonzero(counts).tolist()) | chosen)]
            rows.sort(key=lambda r: (-r[0], self.values[name][r[1]].label.lower()))
            out[name] = [
                {"id": self.values[name][i].id, "label": self.values[name][i].label, "count": c} for c, i in rows
            ]
        return out

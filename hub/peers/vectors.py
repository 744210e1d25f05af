"""One vector per practice (or per undocumented city), from the texts search already embeds.

A practice is embedded as the search index embeds it (:func:`hub.search.semantic.units`:
title + summary, then paragraph-sized chunks of a long body, which would otherwise be
cut at the model's 256-token window) and its vector is the normalised mean of those
pieces. Vectors come from the search index's content-hash cache
(:class:`hub.search.semantic.EmbeddingCache`), so a text both consumers embed is
encoded once per machine, and a rebuild only encodes what changed.

City and place names are masked before embedding ("Nansana trained…" → "the city
trained…"). A profile must say *what* a city does, not *whom it is written up
with*: a practice telling how Nansana copied Stellenbosch's model would otherwise
pull the two together through the names alone — the very learning link the
evaluation holds out. Pieces that name no city are identical to the search
index's and are reused from its cache.
"""

from __future__ import annotations

import re
from functools import lru_cache
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from hub.search.semantic import EmbeddingCache, units

MASK = "the city"


def name_pattern(names: Iterable[str]) -> re.Pattern[str] | None:
    """One case-insensitive regex for every name, longest first so 'Isiolo County' wins over 'Isiolo'."""
    unique = sorted({n.strip() for n in names if n and len(n.strip()) > 2}, key=len, reverse=True)
    if not unique:
        return None
    return re.compile(r"\b(?:" + "|".join(re.escape(n) for n in unique) + r")\b", re.IGNORECASE)


def mask(text: str, pattern: re.Pattern[str] | None) -> str:
    return _masked(text, pattern) if pattern else text


@lru_cache(maxsize=200_000)
def _masked(text: str, pattern: re.Pattern[str]) -> str:
    """Remembered: a rebuild masks every piece of every practice again, and only an edited one has changed."""
    return pattern.sub(MASK, text)


def pieces(entry: dict, pattern: re.Pattern[str] | None) -> list[str]:
    """The masked texts one catalogue entry is embedded as."""
    return [mask(u.encoded, pattern) for u in units(0, entry)]


def embed_groups(groups: dict[str, list[str]], cache_dir: Path) -> tuple[dict[str, np.ndarray], int]:
    """One unit vector per group of texts (the normalised mean of theirs), and how many texts were not cached."""
    keys = [k for k, texts in groups.items() if texts]
    matrix, encoded = EmbeddingCache(cache_dir).embed([t for k in keys for t in groups[k]])
    out: dict[str, np.ndarray] = {}
    start = 0
    for k in keys:
        n = len(groups[k])
        mean = matrix[start:start + n].mean(axis=0)
        start += n
        norm = float(np.linalg.norm(mean))
        out[k] = (mean / norm if norm else mean).astype(np.float32)
    return out, encoded

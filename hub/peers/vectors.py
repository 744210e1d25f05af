"""One vector per practice (or per undocumented city), from the vectors search already has.

A practice is the normalised mean of the body chunks the search index embeds
(:func:`hub.search.semantic.units`), which are embedded with every hub city's name
masked ("Nansana trained…" → "the city trained…"). A profile must say *what* a city
does, not *whom it is written up with*: a practice telling how Nansana copied
Stellenbosch's model would otherwise pull the two together through the names alone —
the very learning link the evaluation holds out. The title + summary unit is left
out: search embeds it with its names, and the chunks say all it says.

Since the chunks are search's own texts, they come from its content-hash cache
(:class:`hub.search.semantic.EmbeddingCache`) and a build embeds them once. Only a
record too short to have chunks is embedded again, as its masked title + summary.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from hub.search.semantic import EmbeddingCache, units
from hub.text import mask


def pieces(entry: dict, names: re.Pattern[str] | None) -> list[str]:
    """The masked texts one catalogue entry is embedded as: its body chunks, or its masked first unit."""
    first, *body = units(0, entry, names)
    return [u.encoded for u in body] or [mask(first.encoded, names)]


def embed_groups(groups: dict[str, list[str]], cache_dir: Path) -> tuple[dict[str, np.ndarray], int]:
    """One unit vector per group of texts (the normalised mean of theirs), and how many texts were not cached."""
    keys = [k for k, texts in groups.items() if texts]
    matrix, encoded = EmbeddingCache(cache_dir).embed([t for k in keys for t in groups[k]])
    out: dict[str, np.ndarray] = {}
    start = 0
    for k in keys:
        n = len(groups[k])
        mean = matrix[start : start + n].mean(axis=0)
        start += n
        norm = float(np.linalg.norm(mean))
        out[k] = (mean / norm if norm else mean).astype(np.float32)
    return out, encoded

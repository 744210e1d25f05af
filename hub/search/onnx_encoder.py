"""The query encoder a server runs: the same model as an ONNX graph on ONNX Runtime, without torch.

Why: a server only ever embeds one short text at a time (a query, a city described in
words), and torch costs a serving process ~400 MB of memory and ~9 s of import for it.
ONNX Runtime with the exported graph takes ~200 MB in all, encodes a query in ~6 ms
instead of ~9 ms on one core, and gives the same vectors (within 1e-6; bench/search.py,
README "Scale"). Batch encoding at build time stays on torch, which is faster there.

The build exports the graph once per model and library versions into the cache, checks
it against :func:`hub.search.encoder.encode` on probe texts, and hard-links it into the
search index with those probes and their vectors. A server checks the probes again when
it loads the graph (a different tokenizer or runtime on the serving machine would show
there) and falls back to torch, with a warning, when the file is missing or the check fails.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Callable
from functools import cache
from importlib.metadata import version
from pathlib import Path

import numpy as np

from hub.search import encoder

GRAPH_FILE = "query-model.onnx"
CHECK_FILE = "query-model.json"
PROBES = [
    "Wrocław",
    "Keeping young people away from gangs and extremists through sport in Wrocław.",
    " ".join(["A city council brought schools, police and mosques together to prevent hate crime."] * 40),
]  # past the window
TOLERANCE = 1e-5
log = logging.getLogger("hub.search")

QueryFn = Callable[[str], np.ndarray]
_exported: dict[
    str, Path
] = {}  # cache file name -> a checked graph this process exported (tests build with many caches)


def write(directory: Path, cache_dir: Path) -> str:
    """Put the checked graph and its probes into ``directory``; return what servers will encode queries with.

    The graph is exported only when the cache has none for these versions (~2 s, loading the model);
    otherwise it is hard-linked, so a warm build neither loads torch nor copies 90 MB."""
    cached = cache_dir / "onnx" / _cache_name()
    if not cached.exists() and _exported.get(cached.name, cached).exists():  # this process made one for another cache
        cached.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_exported[cached.name].with_suffix(".json"), cached.with_suffix(".json"))
        _link(_exported[cached.name], cached)
    if not cached.exists():
        problem = _export(cached)
        if problem:
            log.warning("queries will be encoded with torch: the ONNX export %s", problem)
            return f"torch ({problem})"
        _exported[cached.name] = cached
    _link(cached, directory / GRAPH_FILE)
    shutil.copyfile(cached.with_suffix(".json"), directory / CHECK_FILE)
    return "onnx"


def _cache_name() -> str:
    versions = "-".join(f"{p}{version(p)}" for p in ("torch", "transformers", "onnx", "onnxruntime", "tokenizers"))
    return f"{encoder.MODEL_NAME}-{versions}.onnx"


def _export(target: Path) -> str | None:
    """Export the loaded model's transformer to ``target`` (+ its ``.json`` check); a reason if it is not usable."""
    import torch

    model = encoder.model()
    bert, max_length = model[0].auto_model.eval(), model.max_seq_length

    class LastHiddenState(torch.nn.Module):  # keyword arguments in, one tensor out: what the exporter can trace
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.stem}-{os.getpid()}.onnx")
    example = model.tokenizer(["keeping young people away from gangs", "a"], return_tensors="pt", padding=True)
    axes = {
        "input_ids": {0: "batch", 1: "tokens"},
        "attention_mask": {0: "batch", 1: "tokens"},
        "last_hidden_state": {0: "batch", 1: "tokens"},
    }
    import warnings

    try:
        with warnings.catch_warnings(), torch.inference_mode():
            warnings.simplefilter(
                "ignore"
            )  # the exporter's notes on HF's shape checks, which fixed inputs never change
            torch.onnx.export(
                LastHiddenState(),
                (example["input_ids"], example["attention_mask"]),
                str(tmp),
                input_names=["input_ids", "attention_mask"],
                output_names=["last_hidden_state"],
                dynamic_axes=axes,
                opset_version=17,
                dynamo=False,
            )
        expected = encoder.encode(PROBES)
        run = _session(str(tmp), encoder.model_path(), max_length)
        worst = max(float(np.abs(run(p) - e).max()) for p, e in zip(PROBES, expected, strict=True))
        if worst > TOLERANCE:
            return f"differs from torch by {worst:.2g} on the probe texts"
    except Exception as exc:  # an exporter or runtime that cannot take this model: servers keep torch
        tmp.unlink(missing_ok=True)
        return f"failed: {exc}"
    check = {"model": encoder.MODEL_NAME, "max_length": max_length, "probes": PROBES, "vectors": expected.tolist()}
    tmp.with_suffix(".json").write_text(json.dumps(check), encoding="utf-8")
    os.replace(tmp.with_suffix(".json"), target.with_suffix(".json"))
    os.replace(tmp, target)
    return None


def _link(source: Path, target: Path) -> None:
    target.unlink(missing_ok=True)
    try:
        os.link(source, target)
    except OSError:  # another file system than the cache's
        shutil.copyfile(source, target)


def load(directory: Path) -> QueryFn | None:
    """The ONNX query encoder of the search index in ``directory``, or None (use torch) with the reason logged."""
    graph = directory / GRAPH_FILE
    if not graph.is_file():
        return None
    stat = graph.stat()
    return _checked(str(graph), stat.st_ino, stat.st_mtime_ns)


@cache
def _checked(graph: str, _inode: int, _mtime: int) -> QueryFn | None:
    """One session per graph file (builds hard-link the same file, so a rebuild keeps it), checked on its probes."""
    try:
        check = json.loads(Path(graph).with_name(CHECK_FILE).read_text(encoding="utf-8"))
        if check["model"] != encoder.MODEL_NAME:
            raise ValueError(f"it was exported from {check['model']}, not {encoder.MODEL_NAME}")
        run = _session(graph, encoder.model_path(), int(check["max_length"]))
        worst = max(
            float(np.abs(run(p) - np.asarray(v, np.float32)).max())
            for p, v in zip(check["probes"], check["vectors"], strict=True)
        )
        if worst > TOLERANCE:
            raise ValueError(f"its vectors differ from the build's by {worst:.2g}")
    except Exception as exc:
        log.warning(
            "queries will be encoded with torch: %s is not usable (%s); `hub build` exports it again", graph, exc
        )
        return None
    return run


def _session(graph: str, model_dir: str, max_length: int) -> QueryFn:
    """Tokenise → transformer → mean pooling → unit length, as the sentence-transformers pipeline does, on one
    thread."""
    import onnxruntime
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(Path(model_dir) / "tokenizer.json"))
    tokenizer.enable_truncation(max_length)
    tokenizer.no_padding()  # one text at a time: never padded
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1  # see encoder.encode_query: one core per query
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = onnxruntime.InferenceSession(graph, options, providers=["CPUExecutionProvider"])

    def run(text: str) -> np.ndarray:
        tokens = tokenizer.encode(text)
        ids = np.asarray([tokens.ids], dtype=np.int64)
        hidden = session.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids)})[0][0]
        mean = hidden.mean(axis=0)
        return (mean / max(float(np.linalg.norm(mean)), 1e-12)).astype(np.float32)

    return run

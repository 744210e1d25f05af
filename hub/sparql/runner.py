"""Outside queries run in worker processes that are killed when their time is up.

pyoxigraph has no query timeout and never checks for signals while it evaluates, so
neither signals nor threads can stop it: only killing the process can. Each server
process therefore keeps a small pool of warm workers (:mod:`hub.sparql.worker`, each
holding the graph: in memory when it is small, else the on-disk store opened
read-only). A query takes an idle worker; if its answer is not
back within its time limit, the worker is killed with SIGKILL and a fresh one replaces
it. The other workers keep answering meanwhile, so one runaway query never stalls other
clients.

Workers run with mimalloc instead of glibc's malloc where the system has it
(:func:`worker_allocator`): oxigraph allocates a string or a vector for most terms it
decodes and triples it builds, and with glibc a good quarter of a CONSTRUCT's time went
to malloc and free (perf), 7 ms of it just freeing the triples kept to remove
duplicates. Only the worker processes are affected: the server's own allocator stays.
"""

from __future__ import annotations

import atexit
import ctypes.util
import math
import os
import queue
import socket
import subprocess
import sys
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from hub.config import Settings
from hub.errors import Unavailable
from hub.sparql.guard import Plan, QueryRefused, SparqlError
from hub.sparql.results import FORMATS, ResultFormat
from hub.sparql.worker import Job, Spec


class QueryTimeout(Unavailable):
    """The query outlived its time limit and its worker was killed."""

    error = "query_timeout"

    def __init__(self, timeout_s: float):
        super().__init__(
            f"the query ran for more than {timeout_s:g} s and was stopped; narrow it (LIMIT, a more specific pattern) "
            "or download the whole graph from /download/"
        )
        self.timeout_s = timeout_s


class QueryBusy(Unavailable):
    """Every worker stayed busy for the whole time limit."""

    error = "busy"
    headers = {"Retry-After": "2"}  # noqa: RUF012


class QueryFailed(SparqlError, RuntimeError):
    """The engine refused or could not answer: ``code`` is ``query`` (the caller's fault), ``store`` or ``internal``."""

    _HTTP = {"query": (400, "query_error"), "store": (502, "store_unavailable")}

    @property
    def error(self) -> str:  # type: ignore[override]
        return self._HTTP.get(self.code, (500, "query_failed"))[1]

    @property
    def status(self) -> int:  # type: ignore[override]
        return self._HTTP.get(self.code, (500, "query_failed"))[0]


@dataclass(frozen=True)
class Answer:
    payload: bytes
    format: ResultFormat
    rows: int
    truncated: bool
    max_rows: int
    timeout_s: float
    elapsed_s: float


def effective_timeout(cfg: Settings, requested: float | None) -> float:
    """The caller may lower the time limit, never raise it past the server's."""
    if requested is None:
        return cfg.sparql_timeout_s
    if math.isnan(requested) or requested <= 0:
        raise QueryRefused("invalid_parameter", "timeout must be a positive number of seconds")
    return min(requested, cfg.sparql_timeout_s)


def default_format(plan: Plan) -> ResultFormat:
    return FORMATS["turtle" if plan.returns_graph else "json"]


SYSTEM_ALLOCATOR = ("system", "glibc", "none", "off", "")


def worker_allocator(setting: str) -> str | None:
    """The shared library to preload as the workers' malloc (``HUB_SPARQL_ALLOCATOR``), or None for the system's.

    ``auto``: mimalloc when the dynamic linker knows it (Linux; ``scripts/setup.sh`` installs Debian's
    ``libmimalloc2.0``), else the system's; ``system``: glibc's malloc; anything else is a path or
    soname handed to the dynamic linker as it is (which ignores, with a warning, one it cannot load).
    """
    value = setting.strip()
    if value.lower() in SYSTEM_ALLOCATOR:
        return None
    if value.lower() == "auto":
        return _find_mimalloc() if sys.platform.startswith("linux") else None
    return value


@lru_cache(maxsize=1)  # once per process: find_library runs ldconfig
def _find_mimalloc() -> str | None:
    return ctypes.util.find_library("mimalloc")


def _worker_env(allocator: str | None) -> dict[str, str] | None:
    """The environment of a worker: this process's, with the allocator preloaded (None: inherit unchanged)."""
    if not allocator:
        return None
    preload = " ".join(p for p in (allocator, os.environ.get("LD_PRELOAD", "")) if p)
    return {**os.environ, "LD_PRELOAD": preload}


@dataclass(eq=False)  # identity, so workers can live in a set
class _Worker:
    process: subprocess.Popen
    conn: Connection


class WorkerPool:
    """A fixed number of warm query workers for one store; thread-safe, used from server threads."""

    def __init__(self, spec: Spec, size: int, memory_bytes: int = 0, allocator: str | None = None):
        self.spec = spec
        self.memory_bytes = memory_bytes  # graphs up to this size (N-Quads) are held in memory by each worker
        self.allocator = (
            allocator  # a malloc library preloaded into each worker (see worker_allocator), None: the system's
        )
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._workers: set[_Worker] = set()  # guarded by _lock
        self._closed = False
        for _ in range(max(1, size)):
            self._idle.put(self._spawn())

    def _spawn(self) -> _Worker:
        ours, theirs = socket.socketpair()
        proc = subprocess.Popen(
            [sys.executable, "-m", "hub.sparql.worker", str(theirs.fileno()), *self.spec, str(self.memory_bytes)],
            pass_fds=[theirs.fileno()],
            stdin=subprocess.DEVNULL,
            env=_worker_env(self.allocator),
        )
        theirs.close()
        w = _Worker(proc, Connection(ours.detach()))
        with self._lock:
            self._workers.add(w)
        return w

    def _retire(self, w: _Worker) -> None:
        """Kill a worker (SIGKILL: pyoxigraph ignores gentler signals) and put a fresh one in its place."""
        w.process.kill()
        w.conn.close()
        threading.Thread(target=w.process.wait, daemon=True).start()  # reap without waiting here
        with self._lock:
            self._workers.discard(w)
            closed = self._closed
        if not closed:
            self._idle.put(self._spawn())

    def pids(self) -> list[int]:
        with self._lock:
            return sorted(w.process.pid for w in self._workers)

    def run(self, job: Job, timeout_s: float) -> tuple[str, Any]:
        """The worker's reply, or QueryTimeout / QueryBusy once ``timeout_s`` has passed."""
        deadline = time.monotonic() + timeout_s
        try:
            w = self._idle.get(timeout=timeout_s)
        except queue.Empty:
            raise QueryBusy(f"every query worker stayed busy for {timeout_s:g} s; try again shortly") from None
        try:
            w.conn.send(job)
            if not w.conn.poll(max(0.0, deadline - time.monotonic())):
                self._retire(w)
                raise QueryTimeout(timeout_s)
            reply = w.conn.recv()
        except (EOFError, OSError):
            self._retire(w)
            raise QueryFailed(
                "internal", "the query worker stopped unexpectedly (out of memory?); the query was not answered"
            ) from None
        self._idle.put(w)
        return reply

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers = list(self._workers)
            self._workers.clear()
        for w in workers:
            w.process.kill()
            w.conn.close()
            w.process.wait(timeout=5)


KEEP_POOLS = 2  # the build being served and the one before it (a rebuild swaps the store under a running server)
_pools: OrderedDict[tuple[Spec, int, str | None], WorkerPool] = (
    OrderedDict()
)  # by (store, memory limit, allocator), least recently used first
_pools_lock = threading.Lock()


def store_spec(cfg: Settings, store_dir: Path | None = None) -> Spec:
    if cfg.store_url:
        return ("remote", cfg.store_url)
    return ("local", str((store_dir or cfg.store_dir).resolve()))


def pool_for(cfg: Settings, store_dir: Path | None = None) -> WorkerPool:
    """The process-wide pool for this store (apps and CLI calls in one process share it); older stores' pools retire."""
    key = (store_spec(cfg, store_dir), cfg.sparql_memory_mb * 2**20, worker_allocator(cfg.sparql_allocator))
    with _pools_lock:
        pool = _pools.pop(key, None) or WorkerPool(key[0], cfg.sparql_workers, key[1], key[2])
        _pools[key] = pool
        stale = [_pools.popitem(last=False)[1] for _ in range(len(_pools) - KEEP_POOLS)]
    for old in stale:  # queries already running on an older build may finish first
        timer = threading.Timer(cfg.sparql_timeout_s + 1, old.close)
        timer.daemon = True
        timer.start()
    return pool


@atexit.register
def close_pools() -> None:
    with _pools_lock:
        pools = list(_pools.values())
        _pools.clear()
    for p in pools:
        p.close()


def run_query(cfg: Settings, plan: Plan, fmt: ResultFormat, timeout_s: float, store_dir: Path | None = None) -> Answer:
    """Run a checked query (see :func:`hub.sparql.guard.check`) in a killable worker, capped at
    ``cfg.sparql_max_rows`` rows."""
    if fmt.for_graphs != plan.returns_graph:
        kind = "an RDF graph" if plan.returns_graph else "a result table"
        raise QueryRefused("format_mismatch", f"a {plan.kind.upper()} query returns {kind}; {fmt.label} cannot hold it")
    job = Job(plan, fmt.name, cfg.sparql_max_rows)
    status, value = pool_for(cfg, store_dir).run(job, timeout_s)
    if status != "ok":
        raise QueryFailed(status, value)
    payload, rows, truncated, elapsed = value
    return Answer(payload, fmt, rows, truncated, cfg.sparql_max_rows, timeout_s, elapsed)

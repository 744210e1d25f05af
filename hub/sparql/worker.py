"""The query worker process: opens the store once, then answers one job at a time until its pipe closes.

Started by :mod:`hub.sparql.runner` as ``python -m hub.sparql.worker FD KIND WHERE MEMORY_BYTES`` (a
plain subprocess, not ``multiprocessing``, so no caller's ``__main__`` is ever re-imported)
and killed by it when a query overruns. Workers on the embedded store first drop their
network (new user + network namespaces where Linux allows it): whatever slipped past the
guard, an engine in a worker cannot reach a SERVICE endpoint, a FROM URL or anything else.
"""

from __future__ import annotations

import ctypes
import os
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from hub.sparql.guard import Plan

Spec = tuple[str, str]  # ("local", store directory) or ("remote", query URL)
_CLONE_NEWUSER, _CLONE_NEWNET = 0x10000000, 0x40000000


@dataclass(frozen=True)
class Job:
    plan: Plan
    fmt: str
    max_rows: int


def isolate_network() -> bool:
    """Move this (single-threaded) process into new user and network namespaces: no network at all.

    The user namespace maps our own uid/gid to themselves, so files stay readable as before.
    Best effort: returns False where the OS refuses (non-Linux, user namespaces disabled).
    """
    if not sys.platform.startswith("linux"):
        return False
    uid, gid = os.getuid(), os.getgid()
    try:
        if ctypes.CDLL(None, use_errno=True).unshare(_CLONE_NEWUSER | _CLONE_NEWNET) != 0:
            return False
        for name, value in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
            with open(f"/proc/self/{name}", "w") as fh:
                fh.write(value)
    except (OSError, AttributeError):
        return False
    return True


def _open(spec: Spec, memory_bytes: int) -> Any:
    """The store to query: the remote one; or the build's graph.nq loaded into memory when it is small enough
    (oxigraph answers 3-4x faster from memory than from its on-disk store); or the on-disk store, read-only."""
    import pyoxigraph as ox

    from hub import store

    kind, where = spec
    if kind == "remote":
        return store.RemoteStore(where, timeout_s=3600)
    nquads = Path(where).parent / "graph.nq"
    if nquads.is_file() and nquads.stat().st_size <= memory_bytes:
        memory = ox.Store()
        memory.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
        return memory
    return store.open_local(Path(where))


def execute(source: Any, job: Job, spent: list[Any] | None = None) -> tuple[str, Any]:
    """("ok", (payload, rows, truncated, seconds)) or (reason, message) with reason query / store.

    The engine's result object is appended to ``spent`` when given, for the caller to drop once
    the answer is sent: dropping a CONSTRUCT's result frees every triple the engine kept to
    remove duplicates (7 ms with glibc's malloc, 1 ms with mimalloc, for the 8,747 triples of
    bench/sparql.py's CONSTRUCT).
    """
    from hub import store
    from hub.sparql.results import FORMATS, write

    t0 = time.perf_counter()
    try:
        result = store.query(
            source,
            job.plan.text,
            union=not job.plan.has_dataset,
            default_graphs=job.plan.default_graphs,
            named_graphs=job.plan.named_graphs,
        )
        if spent is not None:
            spent.append(result)
        written = write(result, FORMATS[job.fmt], job.max_rows, store.PREFIXES)
    except (SyntaxError, ValueError, TypeError) as exc:  # oxigraph's parse and evaluation errors
        return "query", str(exc)
    except (store.StoreError, OSError) as exc:
        return "store", str(exc)
    return "ok", (written.payload, written.rows, written.truncated, time.perf_counter() - t0)


def _exit_with(parent: int) -> None:
    """Die with the server: if it was killed outright, nobody would otherwise stop a runaway query here."""
    while True:
        time.sleep(1)
        if os.getppid() != parent:
            os._exit(1)


def serve(conn: Connection, spec: Spec, memory_bytes: int = 0) -> None:
    """Open the store before the first job comes, then answer jobs until the pipe closes or the runner kills us."""
    if spec[0] == "local":
        isolate_network()  # first, while this process has a single thread
    threading.Thread(target=_exit_with, args=(os.getppid(),), daemon=True).start()  # pyoxigraph releases the GIL
    try:
        source: Any = _open(spec, memory_bytes)
        failure = None
    except Exception as exc:  # reported to every job: the server answers 502/503 rather than hanging
        message = (
            str(exc)
            if type(exc).__name__ == "StoreError"
            else f"the graph of this build cannot be read ({exc}): run `hub build` to rebuild it"
        )
        source, failure = None, ("store", message)
    answer_jobs(conn, source, failure)


def answer_jobs(conn: Connection, source: Any, failure: tuple[str, str] | None = None) -> None:
    """Answer each job from ``conn`` until it closes (``failure``, if given, is every job's reply).

    A reply is sent before the job's result object is freed: freeing is work the client need not wait for.
    """
    spent: list[Any] = []  # the last job's result objects, dropped after its answer is sent
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            reply = failure or execute(source, job, spent)
        except Exception as exc:  # something unforeseen: report it and keep serving
            reply = ("internal", str(exc))
        conn.send(reply)
        del reply
        spent.clear()


if __name__ == "__main__":
    fd, kind, where, memory = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
    serve(Connection(fd), (kind, where), memory)

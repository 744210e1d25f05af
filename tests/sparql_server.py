"""Helpers for the API / SPARQL tests: a graph-only build of the mini corpus, a real HTTP server, an oxigraph server.

The mini corpus is built with the stages these tests read (graph, SHACL, catalogue,
exports) and not the search or site stages, so no model is loaded for them.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn

from hub.config import Settings

from helpers import free_port  # noqa: F401  (re-exported: test modules import it from here too)

MINI = Path(__file__).parent / "fixtures" / "mini"
GRAPH_STAGES = ("graph", "shapes", "catalog", "exports")


def build_mini_graph(root: Path, **settings: object) -> Settings:
    """A copy of tests/fixtures/mini built into ``root`` (graph, store, records.json, downloads).

    Built once per session (next to ``root``, by the first caller) and copied: the copies are private to each
    module, and ``settings`` (limits, time-outs) change how the build is served, not what is built."""
    template = root.parent / "mini-graph-build"
    if not (template / "build").exists():
        from hub.build import build, default_stages

        shutil.rmtree(template, ignore_errors=True)  # what a failed first build left
        shutil.copytree(MINI, template / "data")
        build(
            Settings(data_dir=template / "data", build_dir=template / "build", cache_dir=template / "cache"),
            stages=[s for s in default_stages() if s[0] in GRAPH_STAGES],
        )
    shutil.copytree(template, root, symlinks=True, dirs_exist_ok=True)
    settings = {
        "rate_burst": 100_000,
        "rate_per_minute": 1e6,
        **settings,
    }  # these tests send many queries; the limiter has its own
    return Settings(data_dir=root / "data", build_dir=root / "build", cache_dir=root / "cache", **settings)  # type: ignore[arg-type]


@contextmanager
def serve(cfg: Settings) -> Iterator[str]:
    """The real app on uvicorn, in a thread of this process, on a free loopback port; yields its base URL."""
    from hub.api.app import create_app

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(cfg), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@contextmanager
def asgi_client(cfg: Settings) -> Iterator[httpx.Client]:
    """The real app called in-process through ASGI (Starlette's TestClient, an ``httpx.Client``): no socket, no thread.

    For tests of what the app answers. Where the server is the point (raw bytes, keep-alive, faults, a browser, the
    client's address) use :func:`serve` or :func:`hub_serve`. A crash is answered 500, as a server would."""
    from fastapi.testclient import TestClient

    from hub.api.app import create_app

    with TestClient(create_app(cfg), base_url="http://127.0.0.1", raise_server_exceptions=False) as client:
        yield client


@contextmanager
def hub_serve(env: dict[str, str], workers: int = 1, wait_s: float = 300) -> Iterator[tuple[str, subprocess.Popen]]:
    """The real `hub serve` command (its own process group) on a free loopback port; yields (base URL, process)."""
    import os
    import signal

    port = free_port()
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "hub"), "serve", "--port", str(port), "--workers", str(workers)],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"hub serve did not start on {base}: {proc.stderr.read().decode()[-500:] if proc.stderr else ''}"
                )
            time.sleep(0.2)
        yield base, proc
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


@contextmanager
def oxigraph_server(location: Path, union_default_graph: bool = True) -> Iterator[str]:
    """``oxigraph serve`` (from the oxigraph PyPI package) on a free loopback port; yields its base URL."""
    binary = Path(sys.executable).parent / "oxigraph"
    port = free_port()
    args = [str(binary), "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"]
    proc = subprocess.Popen(
        args + (["--union-default-graph"] if union_default_graph else []),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/query", params={"query": "ASK {}"}, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("oxigraph serve did not start")
            time.sleep(0.1)
        yield base
    finally:
        proc.kill()
        proc.wait(10)


@contextmanager
def listener() -> Iterator[tuple[str, list[int]]]:
    """A TCP listener that records every connection (a honeypot for SERVICE calls); yields (URL, hits).

    On leaving, connections the kernel completed but nobody accepted yet are counted too, so a test can assert
    ``hits == []`` right after its requests returned, without waiting for a straggler."""
    hits: list[int] = []
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    srv.settimeout(0.2)
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except OSError:
                continue
            hits.append(1)
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{srv.getsockname()[1]}/sparql", hits
    finally:
        stop.set()
        thread.join(2)
        srv.setblocking(False)
        try:
            while True:
                conn, _ = srv.accept()  # the backlog: connected before we left
                hits.append(1)
                conn.close()
        except BlockingIOError:
            pass
        srv.close()


def cpu_ticks(pid: int) -> int:
    """CPU time a process has used so far (utime + stime, clock ticks); 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def idle_baseline(pids: list[int], settle_s: float = 0.3, wait_s: float = 30) -> dict[int, int]:
    """CPU ticks of processes once none has used any for ``settle_s`` (started up and waiting)."""
    deadline = time.monotonic() + wait_s
    last = {pid: cpu_ticks(pid) for pid in pids}
    while time.monotonic() < deadline:
        time.sleep(settle_s)
        now = {pid: cpu_ticks(pid) for pid in pids}
        if now == last:
            return now
        last = now
    raise RuntimeError("the workers never went idle")


def wait_until_busy(pids: list[int], baseline: dict[int, int], ticks: int = 10, wait_s: float = 30) -> None:
    """Until one of the processes has used ``ticks`` more CPU than at ``baseline`` (it is running the query)."""
    deadline = time.monotonic() + wait_s
    while not any(cpu_ticks(pid) - baseline[pid] > ticks for pid in pids):
        if time.monotonic() > deadline:
            raise RuntimeError("no worker started computing")
        time.sleep(0.05)

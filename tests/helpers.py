"""Small helpers every test module shares: a free port, waiting for a condition or a server, stopping a process.

In one place so that no test waits a fixed time: each wait polls what it waits for, with a deadline."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from hub.config import REPO_DIR, Settings

T = TypeVar("T")

CHROMIUM = Path("/usr/bin/chromium")  # Debian's package: scripts/setup.sh installs it
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = REPO_DIR / "node_modules" / "axe-core" / "axe.min.js"


def axe_violations(pg) -> list[str]:
    """axe-core's violations on the page as it is now (axe from node_modules: no CDN).

    Evaluated through the DevTools protocol: the hub's CSP (rightly) refuses an inline <script> tag."""
    pg.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    result = pg.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:5]}"
        for v in result["violations"]
    ]


def hub_env(cfg: Settings, **extra: str) -> dict[str, str]:
    """The environment of a `hub` process working on ``cfg``'s data, build and cache, with the model offline."""
    return {
        **os.environ,
        "HUB_DATA": str(cfg.data_dir),
        "HUB_BUILD": str(cfg.build_dir),
        "HUB_CACHE": str(cfg.cache_dir),
        "HF_HUB_OFFLINE": "1",
        **extra,
    }


def serve_watch(env: dict[str, str], port: int) -> subprocess.Popen:
    """The real `hub serve --watch` on ``port`` (its output discarded); wait for it with :func:`wait_for`."""
    return subprocess.Popen(
        [sys.executable, "-m", "hub.cli", "serve", "--watch", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def free_port() -> int:
    """A loopback port nothing listens on now (the OS picks it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def poll(predicate: Callable[[], T], timeout: float = 120.0, every: float = 0.05, what: str = "condition") -> T:
    """The first truthy value of ``predicate()``, asked every ``every`` seconds; AssertionError after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not met in {timeout} s")
        time.sleep(every)


def wait_for(url: str, timeout: float = 90) -> None:
    """Until something answers HTTP at ``url`` (any status: it is up); the last connection error after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def stop(proc: subprocess.Popen) -> None:
    """Terminate a process we started, killing it if it does not end within 10 s."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


@contextmanager
def static_server(folder: Path) -> Iterator[str]:
    """``python -m http.server`` over ``folder`` on a free loopback port: a host with no API behind it, as a CDN is.

    Yields its base URL; the server is stopped after."""
    port = free_port()
    cmd = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(folder)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/", timeout=30)
        yield base
    finally:
        stop(proc)

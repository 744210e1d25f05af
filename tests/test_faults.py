"""Faults: a missing or corrupted build file stops `hub serve` with the file's name and how to rebuild (no traceback)
and
makes the API answer 503 saying the same; a build killed at any stage leaves the last good build serving; a server
keeps answering while `hub build` runs and swaps to the new build without dropping a request."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from hub.build import build, default_stages
from hub.config import Settings

from conftest import copy_build
from helpers import free_port, hub_env, poll
from sparql_server import hub_serve, serve

HUB = Path(sys.executable).parent / "hub"
NEW_PRACTICE = """---
id: gamma-listening-forum
type: practice
title: Listening forum on the quay
summary: Residents of the harbour quarter meet officials every month to raise tensions early.
cities: [beta-city]
scope: city
themes: [community engagement]
stakeholders: [community leaders]
challenges: [polarisation (general)]
prevention_levels: [primary]
sources:
  - doc: 003_test.txt
    section: "Primary prevention > Dialogue"
---
Every month the harbour quarter hosts a listening forum: residents raise what worries them and officials answer.
"""


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory, mini_build: Settings) -> Settings:
    """A full build (every stage) of a private copy of the mini corpus (a copy of the session's build).

    The practices the rebuild tests add are embedded here, in this process (its model is loaded once per session), so
    the `hub build` runs under test find their vectors in the shared cache, as a curator's next build would."""
    cfg = copy_build(mini_build, tmp_path_factory.mktemp("faults"))
    added = cfg.data_dir / "practices" / "gamma-listening-forum.md"
    harbour = NEW_PRACTICE.replace("Listening forum on the quay", "Listening forum on the harbour quay")
    for text in (NEW_PRACTICE, harbour, NEW_PRACTICE.replace("on the quay", "killed mid-build")):
        added.write_text(text, encoding="utf-8")
        build(cfg, stages=[s for s in default_stages() if s[0] in ("graph", "catalog", "search", "peers")], swap=False)
    added.unlink()
    return cfg


def _garbage(path: Path) -> None:
    path.write_bytes(b"\x00\x01not what this file should hold\n" * 40)


def _truncate(path: Path) -> None:
    """Cut a file in half, as a full disk or a killed copy would leave it."""
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _each(folder: Path, pattern: str, action: Callable[[Path], None]) -> None:
    for p in folder.glob(pattern):
        action(p)


SITE_PAGES = ["/", "/practices/alpha-youth-council/"]  # the static site is answered from the build too: 503, not 404

# name -> (how to break a copy of the build, text the message must name, API paths that must answer 503)
BREAKS: dict[str, tuple[Callable[[Path], None], str, list[str]]] = {
    "no build at all": (lambda b: shutil.rmtree(b), "manifest.json", ["/healthz", "/api/search?q=youth", *SITE_PAGES]),
    "manifest corrupted": (
        lambda b: _garbage(b / "manifest.json"),
        "manifest.json",
        [
            "/healthz",
            "/api/practices/alpha-youth-council",
            "/api/practices/no-such-practice",
            "/download/graph.ttl",
            *SITE_PAGES,
        ],
    ),
    "manifest truncated": (
        lambda b: _truncate(b / "manifest.json"),
        "manifest.json",
        ["/healthz", "/api/practices/alpha-youth-council", "/api/search?q=youth", *SITE_PAGES],
    ),
    "manifest not an object": (
        lambda b: (b / "manifest.json").write_text("null", encoding="utf-8"),
        "manifest.json",
        ["/healthz", "/api/practices/alpha-youth-council", *SITE_PAGES],
    ),
    "catalogue missing": (
        lambda b: (b / "records.json").unlink(),
        "records.json",
        ["/api/practices/alpha-youth-council"],
    ),
    "catalogue corrupted": (
        lambda b: _garbage(b / "records.json"),
        "records.json",
        ["/api/practices/alpha-youth-council"],
    ),
    "catalogue truncated": (
        lambda b: _truncate(b / "records.json"),
        "records.json",
        ["/api/practices/alpha-youth-council", "/api/practices/no-such-practice"],
    ),
    "store missing": (lambda b: shutil.rmtree(b / "store"), "store", ["/api/concepts/themes"]),
    "store corrupted": (lambda b: _each(b / "store", "*.sst", _garbage), "store", ["/api/concepts/themes"]),
    "search index missing": (
        lambda b: (b / "search" / "meta.json").unlink(),
        "search/meta.json",
        ["/api/search?q=youth"],
    ),
    "search meta truncated": (
        lambda b: _truncate(b / "search" / "meta.json"),
        "search/meta.json",
        ["/api/search?q=youth&mode=keyword"],
    ),
    "search index corrupted": (
        lambda b: _each(b / "search" / "keyword", "*.seg", _garbage),
        "search",
        ["/api/search?q=youth"],
    ),
    "embeddings truncated": (
        lambda b: (b / "search" / "embeddings.npy").write_bytes(b"\x93NUMPY"),
        "search/embeddings.npy",
        ["/api/search?q=youth&mode=semantic"],
    ),
}


@pytest.fixture
def broken(good: Settings, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    """A copy of the good build, broken as the test's parameter says (a plain folder where `build` is)."""
    copy = tmp_path / "build"
    shutil.copytree(good.build_dir.resolve(), copy)
    BREAKS[request.param][0](copy)
    return Settings(data_dir=good.data_dir, build_dir=copy, cache_dir=good.cache_dir)


@pytest.mark.parametrize("broken", list(BREAKS), indirect=True)
def test_a_broken_build_is_named_with_how_to_rebuild(broken: Settings, request: pytest.FixtureRequest) -> None:
    _, names, paths = BREAKS[request.node.callspec.params["broken"]]
    proc = subprocess.run(
        [str(HUB), "serve", "--port", str(free_port())],
        env=hub_env(broken),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1
    assert names in proc.stderr and "hub build" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr and "╭" not in proc.stderr, proc.stderr  # no plain or rich traceback
    with serve(broken) as base, httpx.Client(base_url=base, timeout=60) as c:
        for path in paths:
            r = c.get(path)
            assert r.status_code == 503, (path, r.text)
            body = r.json()
            assert body["error"] == "no_build" and names in body["detail"] and "hub build" in body["detail"], body
        if (broken.build_dir / "manifest.json").is_file() and "manifest" not in names:
            assert c.get("/healthz").status_code == 200  # what does not need the broken file keeps working
            if "records" not in names:
                assert (
                    c.get("/api/practices/no-such-practice").status_code == 404
                )  # and an unknown record is still a 404


def _broken_behind_link(good: Settings, root: Path, breakage: str) -> Settings:
    """A copy of the good build under ``root/.builds/``, broken in place, with ``root/build`` a symlink to it (as `hub
    build` leaves it)."""
    folder = root / ".builds" / "20000101T000000000000Z"  # older than any real stamp
    shutil.copytree(good.build_dir.resolve(), folder)
    BREAKS[breakage][0](folder)
    (root / "build").symlink_to(folder)
    return Settings(data_dir=good.data_dir, build_dir=root / "build", cache_dir=good.cache_dir)


@pytest.mark.parametrize("breakage", ["manifest corrupted", "catalogue truncated", "search index missing"])
def test_a_good_hub_build_brings_a_broken_server_back_without_restart(
    good: Settings, tmp_path: Path, breakage: str
) -> None:
    _, names, paths = BREAKS[breakage]
    cfg = _broken_behind_link(good, tmp_path, breakage)
    broken = cfg.build_dir.resolve()
    with serve(cfg) as base, httpx.Client(base_url=base, timeout=60) as c:
        for path in paths:
            r = c.get(path)
            assert r.status_code == 503 and names in r.json()["detail"], (path, r.text)
        subprocess.run([str(HUB), "build", "--quiet"], env=hub_env(cfg), check=True, timeout=600)
        rebuilt = cfg.build_dir.resolve()
        assert rebuilt != broken
        poll(lambda: c.get("/healthz").status_code == 200, timeout=10)
        assert c.get("/healthz").json()["build"] == rebuilt.name
        for path in paths:
            expected = 404 if "no-such" in path else 200
            assert c.get(path).status_code == expected, path


def test_a_link_moved_to_a_broken_build_keeps_the_loaded_one_only_while_it_exists(
    good: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Not what `hub build` does (it writes the manifest last), but a hand-made link can point at a broken build."""
    cfg = _broken_behind_link(good, tmp_path, "manifest corrupted")
    working = tmp_path / ".builds" / "20000102T000000000000Z"
    shutil.copytree(good.build_dir.resolve(), working)
    link = cfg.build_dir
    link.unlink()
    link.symlink_to(working)
    with serve(cfg) as base, httpx.Client(base_url=base, timeout=60) as c:
        assert (
            c.get("/healthz").json()["build"] == good.build_dir.resolve().name
        )  # the copy's manifest says which build it is
        assert c.get("/api/practices/alpha-youth-council").status_code == 200
        broken = tmp_path / ".builds" / "20000101T000000000000Z"
        link.unlink()
        link.symlink_to(broken)
        # until a recheck of the link has seen the broken build (the server says so once, as a warning)
        poll(lambda: c.get("/healthz").status_code == 200 and "still serving" in caplog.text, timeout=10)
        assert c.get("/healthz").status_code == 200 and c.get("/practices/alpha-youth-council/").status_code == 200
        shutil.rmtree(working)  # the build it was answering from is gone: the broken one is the answer now
        poll(lambda: c.get("/healthz").status_code == 503, timeout=10)
        for path in ["/healthz", "/api/practices/alpha-youth-council", *SITE_PAGES]:
            r = c.get(path)
            assert r.status_code == 503 and str(broken / "manifest.json") in r.json()["detail"], (path, r.text)


# ---------------------------------------------------------------- rebuilding under a running server


@pytest.fixture(scope="module")
def live(good: Settings) -> Iterator[str]:
    """`hub serve` (the real command: uvicorn, one worker) over the good build, warmed up (model, index, query
    workers)."""
    with hub_serve(hub_env(good)) as (base, _), httpx.Client(base_url=base, timeout=120) as c:
        for path in LOOP:
            assert c.get(path).status_code == 200, path
        yield base


def test_hub_serve_keeps_an_idle_connection_longer_than_clients_do(live: str) -> None:
    """A client may reuse a connection it kept idle for 5 s (httpx's default); the server must not have closed it."""
    import http.client
    from urllib.parse import urlsplit

    url = urlsplit(live)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        conn.request("GET", "/healthz")
        first = conn.getresponse()
        assert first.status == 200 and first.read()
        local = conn.sock.getsockname()
        time.sleep(6.5)  # past uvicorn's default keep-alive of 5 s
        conn.request("GET", "/healthz")  # on the same socket: http.client reconnects only when it has none
        second = conn.getresponse()
        assert second.status == 200 and second.read()
        assert conn.sock.getsockname() == local
    finally:
        conn.close()


LOOP = [
    "/healthz",
    "/api/search?q=youth+council",
    "/api/search?q=sport&mode=keyword&theme=sports",
    "/api/practices/alpha-youth-council",
    "/practices/alpha-youth-council/",
    "/cities/beta-city/",
    "/sparql?query=SELECT+%3Fp+WHERE+%7B+%3Fp+a+hub%3APractice+%7D",
    "/api/cities/alpha-town/peers",
    "/api/concepts/themes",
    "/static/site.css",
    "/download/graph.ttl",
    "/",
]


class Loop:
    """Clients requesting LOOP over and over from threads, recording every status, error and build stamp seen."""

    def __init__(self, base: str, clients: int = 4):
        self.base, self.stop = base, threading.Event()
        self.statuses: Counter[str] = Counter()
        self.failures: list[str] = []
        self.stamps: list[str] = []
        self.threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(clients)]

    def _run(self, i: int) -> None:
        with httpx.Client(base_url=self.base, timeout=60) as c:
            n = i
            while not self.stop.is_set():
                path = LOOP[n % len(LOOP)]
                n += 1
                try:
                    r = c.get(path)
                except httpx.HTTPError as exc:
                    self.failures.append(f"{path}: {exc!r}")
                    continue
                self.statuses[str(r.status_code)] += 1
                if r.status_code != 200:
                    self.failures.append(f"{path}: {r.status_code} {r.text[:200]}")
                elif path == "/healthz":
                    self.stamps.append(r.json()["build"])

    def __enter__(self) -> Loop:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(90)


def test_rebuilds_under_load_drop_no_request_and_swap_in(good: Settings, live: str) -> None:
    """Two rebuilds (the second prunes the build the server started on) while four clients keep requesting
    everything."""
    before = httpx.get(f"{live}/healthz").json()["build"]
    new = good.data_dir / "practices" / "gamma-listening-forum.md"
    with Loop(live) as loop:
        poll(lambda: sum(loop.statuses.values()) >= 2 * len(LOOP), timeout=60)  # every client is requesting
        new.write_text(NEW_PRACTICE, encoding="utf-8")
        subprocess.run([str(HUB), "build", "--quiet"], env=hub_env(good), check=True, timeout=600)
        new.write_text(
            NEW_PRACTICE.replace("Listening forum on the quay", "Listening forum on the harbour quay"), encoding="utf-8"
        )
        subprocess.run([str(HUB), "build", "--quiet"], env=hub_env(good), check=True, timeout=600)
        newest = good.build_dir.resolve().name
        poll(lambda: loop.stamps and loop.stamps[-1] == newest, timeout=60)  # the clients see the last build
    try:
        assert loop.failures == [] and sum(loop.statuses.values()) > 50, (loop.failures[:10], loop.statuses)
        served = [s for i, s in enumerate(loop.stamps) if i == 0 or s != loop.stamps[i - 1]]
        assert served[0] == before and len(served) >= 2 and served == sorted(served)  # moved forward, never back
        with httpx.Client(base_url=live, timeout=60) as c:
            assert c.get("/healthz").json()["build"] == good.build_dir.resolve().name
            assert (
                c.get("/api/practices/gamma-listening-forum").json()["title"] == "Listening forum on the harbour quay"
            )
            assert "harbour quay" in c.get("/practices/gamma-listening-forum/").text
            hits = c.get("/api/search", params={"q": "listening forum harbour", "mode": "keyword"}).json()["results"]
            assert hits and hits[0]["id"] == "gamma-listening-forum"
    finally:
        new.unlink()


@pytest.mark.parametrize("stage,marker", [("graph", "graph.nq"), ("search", "search"), ("site", "site")])
def test_a_build_killed_in_any_stage_leaves_the_last_good_one_serving(
    good: Settings, live: str, stage: str, marker: str
) -> None:
    before = httpx.get(f"{live}/healthz").json()["build"]
    builds = good.build_dir.parent / ".builds"
    (good.data_dir / "practices" / "gamma-listening-forum.md").write_text(
        NEW_PRACTICE.replace("on the quay", "killed mid-build"), encoding="utf-8"
    )
    proc = subprocess.Popen(
        [str(HUB), "build", "--quiet"],
        env=hub_env(good),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 300
        while not list(builds.glob(f"tmp-*/{marker}")):
            assert proc.poll() is None and time.monotonic() < deadline, f"the build never reached the {stage} stage"
            time.sleep(0.02)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the build and anything it started
        proc.wait(30)
        (good.data_dir / "practices" / "gamma-listening-forum.md").unlink()
    with httpx.Client(base_url=live, timeout=60) as c:
        assert c.get("/healthz").json()["build"] == before
        for path in LOOP:
            assert c.get(path).status_code == 200, path
        assert "killed mid-build" not in c.get("/api/practices/gamma-listening-forum").text
    assert good.build_dir.resolve().name == before

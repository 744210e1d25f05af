"""The current build and its artefacts, for whatever serves them (the API, `hub serve`'s preflight).

``build`` is a symlink that ``hub build`` swaps atomically. Each request asks
:meth:`BuildHolder.get` for the build to answer from; when the symlink has moved (a rebuild,
e.g. under ``hub serve --watch``) the next request loads the new build, and
requests already running finish on the one they started with, so a swap drops
nothing. Artefacts (records, store, search index, peers) load lazily, once per
build, through :meth:`LoadedBuild.artefact`.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from hub.config import Settings
from hub.errors import BuildMissing

T = TypeVar("T")
RECHECK_SECONDS = 0.25  # how stale the view of the build symlink may be
log = logging.getLogger("hub.api")


@dataclass
class LoadedBuild:
    path: Path
    manifest: dict[str, Any]
    _artefacts: dict[str, Any] = field(default_factory=dict)
    _lock: threading.RLock = field(
        default_factory=threading.RLock
    )  # re-entrant: a loader may load another artefact (concepts → store)

    @property
    def stamp(self) -> str:
        return str(self.manifest.get("built", ""))

    def artefact(self, name: str, loader: Callable[[Path], T]) -> T:
        """Load an artefact of this build once (thread-safe) and keep it for the build's life.

        A missing or unreadable artefact is :class:`BuildMissing` naming its file (a 503 that says how
        to rebuild), never a crash; the next request tries again."""
        if name not in self._artefacts:
            with self._lock:
                if name not in self._artefacts:
                    try:
                        self._artefacts[name] = loader(self.path)
                    except BuildMissing:
                        raise
                    except Exception as exc:  # corrupted or truncated files, a store that will not open
                        raise BuildMissing(_unreadable(self.path, name, exc)) from None
        return self._artefacts[name]

    @property
    def records(self) -> dict[str, dict[str, Any]]:
        """The catalogue (build/records.json) by record id."""
        return self.artefact("records", _load_records)


ARTEFACT_FILES = {
    "records": "records.json",
    "search": "search/",
    "store": "store/",
    "peers": "peers.json",
    "peer-index": "peers.json + peer-vectors.npz",
    "downloads": "downloads.json",
}


def _unreadable(path: Path, name: str, exc: Exception) -> str:
    from hub.store import StoreError

    if isinstance(exc, StoreError) or "hub build" in str(exc):  # already says what is wrong and what to do
        return str(exc)
    filename = getattr(exc, "filename", None)  # an OSError knows the very file (e.g. one segment of the search index)
    what = filename if isinstance(filename, str) and filename else path / ARTEFACT_FILES.get(name, name)
    return f"{what} cannot be read ({type(exc).__name__}: {str(exc)[:200]}): run `hub build` to rebuild it"


def _load_records(path: Path) -> dict[str, dict[str, Any]]:
    file = path / "records.json"
    if not file.is_file():
        raise BuildMissing(f"{file} is missing: run `hub build`")
    return {r["id"]: r for r in json.loads(file.read_text(encoding="utf-8"))}


def load_search(path: Path) -> Any:
    """The build's search index (``build.artefact("search", load_search)``); a missing ``meta.json`` is named as
    such."""
    from hub.search.index import load

    meta = path / "search" / "meta.json"
    if not meta.is_file():
        raise BuildMissing(f"{meta} is missing (the search index is incomplete): run `hub build`")
    return load(path / "search")


def _read_manifest(build: Path) -> dict[str, Any]:
    """``manifest.json`` of a build, which is written last (a build without a readable one is not a usable build)."""
    file = build / "manifest.json"
    if not file.is_file():
        raise FileNotFoundError(f"{file} is missing")
    try:
        manifest = json.loads(file.read_text(encoding="utf-8"))
        if not isinstance(manifest, dict):
            kind = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
                type(manifest), "a number"
            )
            raise ValueError(f"it holds {kind}, not a JSON object")
    except (OSError, ValueError) as exc:
        raise BuildMissing(_unreadable(build, "manifest.json", exc)) from None
    return manifest


class BuildHolder:
    """Follows the ``build`` symlink; one per app."""

    def __init__(self, link: Path):
        self.link = link
        self._current: LoadedBuild | None = None
        self._checked = 0.0
        self._lock = threading.Lock()
        self._warned: Path | None = None  # the broken target last logged (once, not per request)

    def get(self) -> LoadedBuild:
        """The build to answer from, or :class:`BuildMissing` (a 503) naming the file that makes it unusable.

        When the link moves to a build whose manifest is missing or unreadable (not something `hub build`
        swaps in: it writes the manifest last), the build already loaded keeps answering as long as it is
        still on disk; once it is gone too, the new build's fault is the answer. Nothing is cached about a
        failure, so the first request after a good `hub build` is answered from it, without a restart."""
        now = time.monotonic()
        if self._current is not None and now - self._checked < RECHECK_SECONDS:
            return self._current
        with self._lock:
            target = self.link.resolve()
            if self._current is None or self._current.path != target:
                try:
                    manifest = _read_manifest(target)
                except FileNotFoundError as exc:
                    if self._usable_fallback(target, str(exc)):
                        return self._current  # type: ignore[return-value]
                    raise BuildMissing(f"no build at {self.link} ({exc}): run `hub build`") from None
                except BuildMissing as exc:
                    if self._usable_fallback(target, str(exc)):
                        return self._current  # type: ignore[return-value]
                    raise
                self._current = LoadedBuild(target, manifest)
            self._checked = now
            return self._current

    def _usable_fallback(self, target: Path, problem: str) -> bool:
        """Whether the build loaded before can stand in for ``target`` (mid-swap, or a hand-made link to a broken
        build)."""
        if self._current is None or not (self._current.path / "manifest.json").is_file():
            return False
        if self._warned != target:
            self._warned = target
            log.warning("%s: still serving %s", problem, self._current.path)
        self._checked = time.monotonic()  # look again at the next recheck, not on every request
        return True


def preflight(cfg: Settings) -> None:
    """What `hub serve` opens before it listens: the build, its catalogue, its store (or HUB_STORE's) and its search
    index, so a missing or corrupted file stops it with the file's name and how to rebuild, not a traceback.

    Done in a short-lived child process: the server then starts without a second copy of what the app loads
    per build (at 10,000 practices that copy would be ~90 MB of the serving process)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        pool.submit(_open_all, cfg).result()  # re-raises BuildMissing here


def _open_all(cfg: Settings) -> None:
    from hub.store import connect

    build = BuildHolder(cfg.build_dir).get()
    build.artefact("records", _load_records)
    build.artefact("store", lambda path: connect(cfg, path / "store"))
    build.artefact("search", load_search)

"""Shared fixtures: one embedding cache, the real corpus and the mini corpus built once per session, and a small corpus
to break on purpose."""

from __future__ import annotations

import dataclasses
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from hub.config import REPO_DIR, Settings

from helpers import CHROMIUM, CHROMIUM_ARGS

MINI = Path(__file__).parent / "fixtures" / "mini"
# The per-client rate limit (hub.api.guard) is for the public: servers under test answer every request,
# and the tests of the limit give their own Settings a rate (tests/test_security.py).
os.environ.setdefault("HUB_RATE_LIMIT", "0")
# CI draws the same examples every run (a red CI from chance blocks everyone); locally hypothesis explores.
hypothesis_settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


@pytest.fixture(scope="session")
def shared_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The build cache (text embeddings, the exported ONNX query model) of the whole session.

    Every build whose test is not about the cache uses it, so a text is embedded and the model exported once per
    session, not once per fixture; tests of the cache itself (a cold build, what a rebuild re-encodes) keep
    their own. CI starts cold (a fresh folder each session); on a developer's machine it is kept in .cache/tests
    (content-addressed, so never stale) and a second run does not embed the real corpus again. HUB_TEST_CACHE
    names another folder to keep it in."""
    kept = os.environ.get("HUB_TEST_CACHE") or ("" if os.environ.get("CI") else str(REPO_DIR / ".cache" / "tests"))
    return Path(kept) if kept else tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="session")
def corpus_settings(tmp_path_factory: pytest.TempPathFactory, shared_cache: Path) -> Settings:
    """The real data/ built into a temporary build dir, once for the whole session."""
    from hub.build import build

    root = tmp_path_factory.mktemp("corpus")
    cfg = Settings(data_dir=REPO_DIR / "data", build_dir=root / "build", cache_dir=shared_cache)
    build(cfg)
    return cfg


@pytest.fixture(scope="session")
def corpus_store(corpus_settings: Settings):
    from hub.store import open_local

    return open_local(corpus_settings.store_dir)


@pytest.fixture(scope="session")
def peers_settings(tmp_path_factory: pytest.TempPathFactory, shared_cache: Path) -> Settings:
    """tests/fixtures/peers (seven cities whose peers are known by construction) built once: graph, catalogue, peers."""
    from hub.build import build, default_stages

    root = tmp_path_factory.mktemp("peers")
    shutil.copytree(Path(__file__).parent / "fixtures" / "peers", root / "data")
    cfg = Settings(data_dir=root / "data", build_dir=root / "build", cache_dir=shared_cache)
    build(cfg, stages=[s for s in default_stages() if s[0] in ("graph", "catalog", "peers")])
    return cfg


@pytest.fixture
def mini(tmp_path: Path, shared_cache: Path) -> Settings:
    """A private copy of the small fixture corpus, safe to edit and break (not built; the session's cache).

    A test of the cache itself gives it its own: ``dataclasses.replace(mini, cache_dir=tmp_path / "cache")``."""
    data = tmp_path / "data"
    shutil.copytree(MINI, data)
    return Settings(data_dir=data, build_dir=tmp_path / "build", cache_dir=shared_cache)


@pytest.fixture(scope="session")
def mini_build(tmp_path_factory: pytest.TempPathFactory, shared_cache: Path) -> Settings:
    """tests/fixtures/mini built once with every stage, for the tests that only read it (rate limit off).

    A test that edits the data or the build takes its own copy with :func:`copy_build`; a test that needs other
    runtime settings (limits, time-outs) uses ``dataclasses.replace`` on it: those do not change what is built."""
    from hub.build import build

    root = tmp_path_factory.mktemp("mini-build")
    shutil.copytree(MINI, root / "data")
    cfg = Settings(data_dir=root / "data", build_dir=root / "build", cache_dir=shared_cache, rate_per_minute=0)
    build(cfg)
    return cfg


@pytest.fixture(scope="session")
def search_corpus(tmp_path_factory: pytest.TempPathFactory, shared_cache: Path) -> Settings:
    """The mini corpus plus the records search needs (tests/search_corpus.py), built once: the search tests read it."""
    from search_corpus import build_search_corpus

    return build_search_corpus(tmp_path_factory.mktemp("search"), shared_cache)


def copy_build(cfg: Settings, root: Path) -> Settings:
    """A private copy of a built corpus under ``root``: its data, its builds and the ``build`` link (relative).

    Much quicker than building again; the cache stays shared. ``cfg``'s data and build must share a parent."""
    source = cfg.build_dir.parent
    assert cfg.data_dir.parent == source, "copy_build copies a corpus whose data and build sit side by side"
    shutil.copytree(source, root, symlinks=True, dirs_exist_ok=True)
    return dataclasses.replace(cfg, data_dir=root / cfg.data_dir.name, build_dir=root / cfg.build_dir.name)


@pytest.fixture(scope="module")
def browser():
    """A real headless Chromium for the tests of one module (Playwright drives Debian's binary)."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (scripts/setup.sh installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def live_hub(corpus_settings: Settings):
    """The real `hub serve` command over the real corpus build, as a person reaches it: yields its base URL.

    Journey tests (tests/test_journey_*.py) drive it in Chromium; one server for the whole session."""
    from helpers import hub_env
    from sparql_server import hub_serve

    with hub_serve(hub_env(corpus_settings, HUB_RATE_LIMIT="0")) as (base, _proc):
        yield base


def _page(browser, **context_options):
    """A fresh context and page; yields the page and fails the test if it raised a JavaScript error."""
    context = browser.new_context(accept_downloads=True, **context_options)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


@pytest.fixture
def desk(browser):
    """A desktop-sized page (1280 x 900)."""
    yield from _page(browser, viewport={"width": 1280, "height": 900})


@pytest.fixture
def phone(browser):
    """A phone-sized page (375 x 800, touch), as the phone user's journeys see the site."""
    yield from _page(browser, viewport={"width": 375, "height": 800}, has_touch=True, is_mobile=True)

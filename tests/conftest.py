"""Shared fixtures: the real corpus built once per session, and a small corpus to break on purpose."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from hub.config import REPO_DIR, Settings

MINI = Path(__file__).parent / "fixtures" / "mini"
# The per-client rate limit (hub.api.guard) is for the public: servers under test answer every request,
# and the tests of the limit give their own Settings a rate (tests/test_security.py).
os.environ.setdefault("HUB_RATE_LIMIT", "0")
# CI draws the same examples every run (a red CI from chance blocks everyone); locally hypothesis explores.
hypothesis_settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


@pytest.fixture(scope="session")
def corpus_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The real data/ built into a temporary build dir, once for the whole session."""
    from hub.build import build

    root = tmp_path_factory.mktemp("corpus")
    cfg = Settings(data_dir=REPO_DIR / "data", build_dir=root / "build", cache_dir=root / "cache")
    build(cfg)
    return cfg


@pytest.fixture(scope="session")
def corpus_store(corpus_settings: Settings):
    from hub.store import open_local

    return open_local(corpus_settings.store_dir)


@pytest.fixture(scope="session")
def peers_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """tests/fixtures/peers (seven cities whose peers are known by construction) built once: graph, catalogue, peers."""
    from hub.build import build, default_stages

    root = tmp_path_factory.mktemp("peers")
    shutil.copytree(Path(__file__).parent / "fixtures" / "peers", root / "data")
    cfg = Settings(data_dir=root / "data", build_dir=root / "build", cache_dir=root / "cache")
    build(cfg, stages=[s for s in default_stages() if s[0] in ("graph", "catalog", "peers")])
    return cfg


@pytest.fixture
def mini(tmp_path: Path) -> Settings:
    """A private copy of the small fixture corpus, safe to edit and break."""
    data = tmp_path / "data"
    shutil.copytree(MINI, data)
    return Settings(data_dir=data, build_dir=tmp_path / "build", cache_dir=tmp_path / "cache")


CHROMIUM = Path("/usr/bin/chromium")  # Debian's package: scripts/setup.sh installs it
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


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


AXE = REPO_DIR / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def live_hub(corpus_settings: Settings):
    """The real `hub serve` command over the real corpus build, as a person reaches it: yields its base URL.

    Journey tests (tests/test_journey_*.py) drive it in Chromium; one server for the whole session."""
    from sparql_server import hub_serve

    env = {"HUB_DATA": str(corpus_settings.data_dir), "HUB_BUILD": str(corpus_settings.build_dir),
           "HUB_CACHE": str(corpus_settings.cache_dir), "HF_HUB_OFFLINE": "1", "HUB_RATE_LIMIT": "0"}
    with hub_serve(env) as (base, _proc):
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


def axe_violations(pg) -> list[str]:
    """axe-core's violations on the page as it is now (axe from node_modules: no CDN).

    Evaluated through the DevTools protocol: the hub's CSP (rightly) refuses an inline <script> tag."""
    pg.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    result = pg.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:5]}" for v in result["violations"]]

"""The site in a real headless Chromium (Debian's /usr/bin/chromium, never a downloaded browser):
axe-core finds no violations, the offline search and its filters work from plain static files, the search page
uses /api/search when `hub serve` answers it, and everything can be done with the keyboard."""

from __future__ import annotations

import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from hub.build import build
from hub.config import Settings
from hub.site import static_search

from helpers import AXE, CHROMIUM, axe_violations, free_port, hub_env, static_server, stop, wait_for
from test_site import MINI, SITE_STAGES

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="Debian's chromium is not installed (scripts/setup.sh installs it as root: apt-get install chromium)",
    ),
    pytest.mark.skipif(
        not AXE.exists() or not (static_search.NODE_MODULES / "minisearch").exists(),
        reason="npm devDependencies missing: run `npm ci` (scripts/setup.sh does)",
    ),
]


def serve(cmd: list[str], url: str, env: dict | None = None) -> subprocess.Popen:
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        wait_for(url)
    except OSError:
        proc.kill()
        raise
    return proc


@pytest.fixture(scope="module")
def site_build(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("browser")
    shutil.copytree(MINI, root / "data")
    cfg = Settings(data_dir=root / "data", build_dir=root / "build", cache_dir=root / "cache")
    build(cfg, stages=SITE_STAGES)
    return cfg


@pytest.fixture(scope="module")
def static_url(site_build: Settings) -> Iterator[str]:
    """build/site served by Python's plain static file server: no API behind it."""
    with static_server(site_build.site_dir) as base:
        yield base


@pytest.fixture
def page(desk):
    """A desktop page that fails the test on any JavaScript error (conftest's ``desk``)."""
    return desk


def results(pg) -> list[str]:
    return pg.locator("#results .card-title a").all_inner_texts()


def wait_results(pg, backend: str | None = None) -> None:
    pg.wait_for_function("() => /result|Type a query/.test(document.getElementById('status').textContent)")
    if backend:
        assert pg.locator("#results").get_attribute("data-backend") == backend


PAGES = [
    "/",
    "/search/?q=youth",
    "/practices/alpha-youth-council/",
    "/cities/alpha-town/",
    "/themes/youth-engagement/",
    "/evidence/",
    "/evidence/results-reported/",
]


@pytest.mark.parametrize("path", PAGES)
def test_no_axe_violations(page, static_url: str, path: str) -> None:
    page.goto(static_url + path)
    if path.startswith("/search/"):
        wait_results(page)
    assert axe_violations(page) == []


def test_offline_search_finds_the_practice_on_a_static_server(page, static_url: str) -> None:
    page.goto(f"{static_url}/search/?q=youth+council")
    wait_results(page, backend="static")  # the static server has no /api/search
    assert results(page)[0] == "Youth council advising the mayor on cohesion"
    assert page.locator("#results mark").count() > 0  # the snippet highlights the words
    # a misspelt word still finds it first
    page.fill("#q", "councel")  # one letter wrong, and no other word to lean on
    page.press("#q", "Enter")
    page.wait_for_function("() => /councel/.test(document.getElementById('status').textContent)")
    assert results(page)[0] == "Youth council advising the mayor on cohesion"


def test_offline_filter_narrows_to_the_expected_practice(page, static_url: str) -> None:
    page.goto(f"{static_url}/search/")
    wait_results(page)
    page.get_by_label("sports", exact=False).first.check()
    page.wait_for_function("() => document.querySelectorAll('#results .card').length > 0")
    found = results(page)
    assert "Sports league keeping young people away from gangs" in found
    assert "Youth council advising the mayor on cohesion" not in found
    assert "theme=sports" in page.url  # the filter is in the address, so the search can be shared
    # a second filter in another facet combines with the first (AND across facets)
    page.locator("#f-type-practice").check()
    page.wait_for_function("() => /filtered by .*Practice/.test(document.getElementById('status').textContent)")
    assert results(page) == ["Sports league keeping young people away from gangs"]


def test_offline_evidence_filter_keeps_the_graded_practice(page, static_url: str) -> None:
    """The evidence level is a filter of the static copy's search too (its records carry every registry facet)."""
    page.goto(f"{static_url}/search/")
    wait_results(page)
    page.locator("#f-evidence-results-reported").check()
    page.wait_for_function("() => /filtered by .*results reported/.test(document.getElementById('status').textContent)")
    assert results(page) == ["Youth council advising the mayor on cohesion"]
    assert "evidence=results-reported" in page.url


def test_keyboard_only_search_filter_and_open(page, static_url: str) -> None:
    page.goto(static_url + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.goto(f"{static_url}/search/")
    wait_results(page)

    def tab_to(predicate: str, limit: int = 60) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate(f"(() => {{ const el = document.activeElement; return {predicate}; }})()"):
                assert (
                    page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
                )  # focus is visible
                return
        raise AssertionError(f"never reached {predicate} with Tab")

    tab_to("el.id === 'q'")
    page.keyboard.type("young people")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelectorAll('#results .card').length > 0")
    tab_to("el.id === 'f-level-secondary'")
    page.keyboard.press("Space")
    page.wait_for_function("() => /filtered by secondary/.test(document.getElementById('status').textContent)")
    assert results(page) == ["Sports league keeping young people away from gangs"]
    tab_to("el.closest('#results') !== null && el.tagName === 'A'", limit=120)
    page.keyboard.press("Enter")
    page.wait_for_url("**/practices/beta-sports-league/")
    assert page.locator("h1").inner_text() == "Sports league keeping young people away from gangs"


def test_map_dot_opens_the_city_and_the_city_links_back(page, static_url: str) -> None:
    page.goto(static_url + "/")
    page.locator('.map svg > a[href="/cities/alpha-town/"]').click()  # the visible dot's link
    page.wait_for_url("**/cities/alpha-town/")
    page.get_by_role("link", name="Youth council advising the mayor on cohesion").click()
    page.wait_for_url("**/practices/alpha-youth-council/")


def test_practice_page_fits_a_phone(browser, static_url: str) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 740})
    pg = context.new_page()
    for path in ("/practices/alpha-youth-council/", "/search/?q=youth", "/"):
        pg.goto(static_url + path)
        assert pg.evaluate("document.documentElement.scrollWidth") <= 375, path
    context.close()


@pytest.fixture(scope="module")
def hub_server(mini_build: Settings) -> Iterator[tuple[str, bool]]:
    """`hub serve` (uvicorn + the FastAPI app) over a full default build of the mini corpus (the session's)."""
    cfg = mini_build
    port = free_port()
    env = hub_env(cfg)
    proc = serve(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "hub.api.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        f"http://127.0.0.1:{port}/healthz",
        env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        with urllib.request.urlopen(f"{url}/api/search?q=youth&limit=1", timeout=120) as r:
            has_api = r.status == 200
    except urllib.error.HTTPError:
        has_api = False
    yield url, has_api
    stop(proc)


def test_search_page_uses_the_api_under_hub_serve(page, hub_server: tuple[str, bool]) -> None:
    url, has_api = hub_server
    page.goto(f"{url}/search/?q=youth+council")
    wait_results(page, backend="api" if has_api else "static")
    assert "Youth council advising the mayor on cohesion" in results(page)
    page.locator("#f-theme-sports").check()
    page.wait_for_function("() => /filtered by sports/.test(document.getElementById('status').textContent)")
    assert "Youth council advising the mayor on cohesion" not in results(page)
    page.goto(f"{url}/no/such/page/")
    assert page.locator("h1").inner_text() == "Page not found"


@pytest.fixture(scope="module")
def corpus_site(corpus_settings: Settings) -> Iterator[tuple[str, Settings]]:
    with static_server(corpus_settings.site_dir) as base:
        yield base, corpus_settings


@pytest.mark.slow
def test_no_axe_violations_on_the_real_corpus(page, corpus_site: tuple[str, Settings]) -> None:
    """The real data's heaviest pages: the biggest practice, the city with most practices, the most used theme."""
    import json

    url, cfg = corpus_site
    entries = json.loads((cfg.build_dir / "records.json").read_text())
    practice = max(
        (e for e in entries if e["type"] == "practice"),
        key=lambda e: (cfg.site_dir / e["url"].strip("/") / "index.html").stat().st_size,
    )
    city = max((e for e in entries if e["type"] == "city"), key=lambda e: len(e["practices"]))
    theme = max(
        {t for e in entries for t in e["facets"]["theme"]},
        key=lambda t: sum(t in e["facets"]["theme"] for e in entries),
    )
    problems = {}
    for path in (
        "/",
        "/search/?q=youth",
        practice["url"],
        city["url"],
        f"/themes/{theme}/",
        "/cities/",
        "/search/?theme=" + theme,
    ):
        page.goto(url + path)
        if path.startswith("/search/"):
            wait_results(page)
        if found := axe_violations(page):
            problems[path] = found
    assert problems == {}

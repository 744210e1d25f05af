"""`hub serve --watch`, as a curator uses it: save a file, see the page change; save a mistake,
see the error (file:line) in the terminal's status and as a banner on the page, while the last
good build keeps serving."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from hub.config import Settings

from conftest import copy_build
from helpers import CHROMIUM, CHROMIUM_ARGS, free_port, hub_env, poll, serve_watch, stop, wait_for


@pytest.fixture
def watched(tmp_path: Path, mini_build: Settings):
    cfg = copy_build(mini_build, tmp_path)
    port = free_port()
    env = hub_env(cfg)
    proc = serve_watch(env, port)
    base = f"http://127.0.0.1:{port}"
    wait_for(base + "/healthz")
    yield cfg, base
    stop(proc)


def test_edit_is_served_and_a_broken_edit_keeps_the_last_good_build(watched) -> None:
    cfg, base = watched
    page = "/practices/beta-sports-league/"
    f = cfg.data_dir / "practices/beta-sports-league.md"
    original = f.read_text(encoding="utf-8")
    assert httpx.get(base + "/api/build").json()["watching"] is True

    f.write_text(
        original.replace(
            "title: Sports league keeping young people away from gangs", "title: Football league run with local coaches"
        ),
        encoding="utf-8",
    )
    poll(lambda: "Football league run with local coaches" in httpx.get(base + page).text)
    assert (
        httpx.get(base + "/api/practices/beta-sports-league").json()["title"]
        == "Football league run with local coaches"
    )

    broken = f.read_text(encoding="utf-8").replace("themes: [sports]", "themes: [sprots]")
    f.write_text(broken, encoding="utf-8")
    status = poll(lambda: (s := httpx.get(base + "/api/build").json()) and not s["ok"] and s)
    line = next(i for i, text in enumerate(broken.splitlines(), 1) if "sprots" in text)
    assert {
        "path": "data/practices/beta-sports-league.md",
        "line": line,
        "severity": "error",
        "message": "unknown themes term 'sprots' — did you mean 'sports'?",
    } in status["problems"]
    # the last good build is still served
    assert "Football league run with local coaches" in httpx.get(base + page).text

    if CHROMIUM.exists():
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            tab = browser.new_page()
            tab.goto(base + page)
            banner = tab.locator("#build-banner")
            banner.wait_for(timeout=10_000)
            assert f"data/practices/beta-sports-league.md:{line}: unknown themes term 'sprots'" in banner.inner_text()
            # fixing the file reloads the page by itself and the banner goes away
            f.write_text(original, encoding="utf-8")
            tab.wait_for_function(
                "() => document.title.startsWith('Sports league keeping young people away from gangs')", timeout=120_000
            )
            assert tab.locator("#build-banner").count() == 0
            browser.close()
    else:
        f.write_text(original, encoding="utf-8")
        poll(lambda: httpx.get(base + "/api/build").json()["ok"])

"""A city official who searches in French: the real hub over the real corpus, in real Chromium.

She types her need in French on the search page and reads the English record that answers it; on a static copy of
the site (no search server) the same question is told that searching in other languages needs the server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from hub.config import Settings

from helpers import axe_violations, static_server

pytestmark = pytest.mark.slow

NEED = "comment aider les réfugiés ukrainiens qui arrivent dans notre ville"
ANSWER = "Crisis Centre for Ukrainian refugees"  # Bratislava's, an English record


def ask(page, base: str, q: str) -> None:
    page.goto(f"{base}/search/")
    page.fill("#q", q)
    page.press("#q", "Enter")
    expect(page.locator("#status")).to_contain_text(f"for “{q}”", timeout=30_000)


def test_a_french_need_finds_the_english_record(live_hub: str, desk) -> None:
    ask(desk, live_hub, NEED)
    titles = desk.locator("#results .card-title").all_inner_texts()
    assert ANSWER in titles[:3], titles[:10]
    expect(desk.locator("#search-reading")).not_to_contain_text("other languages")  # the server answers them
    assert axe_violations(desk) == []
    desk.locator("#results .card-title a", has_text=ANSWER).click()
    expect(desk.locator("h1")).to_contain_text(ANSWER)


@pytest.fixture(scope="module")
def static_copy(corpus_settings: Settings) -> Iterator[str]:
    with static_server(corpus_settings.site_dir) as base:
        yield base


def test_a_static_copy_says_other_languages_need_the_server(static_copy: str, desk) -> None:
    ask(desk, static_copy, NEED)
    assert desk.locator("#results").get_attribute("data-backend") == "static"
    expect(desk.locator("#search-reading")).to_contain_text(
        "searching in other languages needs the hub's search server"
    )
    assert axe_violations(desk) == []
    ask(desk, static_copy, "support for refugees from Ukraine")  # English: no such sentence
    expect(desk.locator("#search-reading")).not_to_contain_text("other languages")

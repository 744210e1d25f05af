"""A city official who mistypes: the real hub over the real corpus, in real Chromium.

She types "radicalisaton" on the home page and still reaches records about radicalisation, with the page saying
what it searched; an American spelling finds as much as the British one; nonsense shows a way on that works."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from helpers import axe_violations

pytestmark = pytest.mark.slow


def search_box(desk, live_hub: str, q: str) -> None:
    """Type into the search page's box and press Enter, as a person does; wait for the answer."""
    desk.goto(f"{live_hub}/search/")
    desk.fill("#q", q)
    desk.press("#q", "Enter")
    expect(desk.locator("#status")).to_contain_text(f"for “{q}”", timeout=30_000)


def test_a_typo_on_the_home_page_still_finds_radicalisation(live_hub: str, desk) -> None:
    desk.goto(f"{live_hub}/")
    desk.fill("#home-q", "radicalisaton")
    desk.press("#home-q", "Enter")
    desk.wait_for_url(re.compile(r"/search/\?q=radicalisaton"))
    reading = desk.locator("#search-reading")
    expect(reading).to_contain_text("Showing results for radicalisation", timeout=30_000)
    expect(reading.get_by_role("link", name="radicalisaton")).to_be_visible()  # "search instead for" what was typed
    titles = desk.locator("#results .card-title").all_inner_texts()
    assert sum("radicali" in t.lower() for t in titles[:10]) >= 3, titles[:10]
    assert axe_violations(desk) == []
    link = desk.locator("#results .card-title a", has_text=re.compile("radicali", re.I)).first
    title = link.inner_text()
    link.click()
    expect(desk.locator("h1")).to_contain_text(title)
    assert "/search/" not in desk.url


def test_search_instead_for_what_was_typed(live_hub: str, desk) -> None:
    desk.goto(f"{live_hub}/search/?q=radicalisaton")
    desk.locator("#search-reading").get_by_role("link", name="radicalisaton").click()
    desk.wait_for_url(re.compile(r"correct=0"))
    expect(desk.locator("#search-reading")).to_contain_text("Did you mean radicalisation?", timeout=30_000)
    expect(desk.locator("#search-reading")).not_to_contain_text("Showing results for")


def _count(desk) -> int:
    return int(re.match(r"(\d+) result", desk.locator("#status").inner_text()).group(1))


def test_american_spelling_finds_as_many_as_british(live_hub: str, desk) -> None:
    search_box(desk, live_hub, "polarisation")
    british = _count(desk)
    search_box(desk, live_hub, "polarization")
    assert _count(desk) == british >= 40
    expect(desk.locator("#results .card-title").first).to_be_visible()


def test_nonsense_shows_a_way_on(live_hub: str, desk) -> None:
    search_box(desk, live_hub, "qwxzzy")
    expect(desk.locator("#status")).to_contain_text("0 results")
    reading = desk.locator("#search-reading")
    expect(reading).to_contain_text("Nothing found")
    assert axe_violations(desk) == []
    reading.get_by_role("link", name="all practices").click()
    desk.wait_for_url(re.compile(r"/practices/$"))
    expect(desk.locator("h1")).to_be_visible()
    assert desk.locator("main a[href^='/practices/']").count() > 10

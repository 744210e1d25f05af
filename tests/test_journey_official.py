"""A city official's journeys, in real Chromium against the real `hub serve` over the real corpus.

The official describes their town on /peers/ (reached from the home page or any city page), gets peer cities with
reasons and opens a practice to read; a region page's "Search within these practices" stays on practices; /cities/
names regions as the vocabulary does; a prevention-level page says how many practices state no level. A static copy
of the site (plain `python -m http.server`, no hub server) says the peer finder needs the server."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import expect

from hub import vocab
from hub.config import VOCAB_DIR, Settings

from helpers import CHROMIUM, axe_violations, static_server

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]

TOWN = (
    "A town of 60,000 people. Since a refugee reception centre opened last year there has been tension in the "
    "neighbourhood, and far-right groups are recruiting young people online through gaming chats and social media. "
    "The council has tried a dialogue evening with residents and wants to work with schools and youth workers."
)


def _records(cfg: Settings) -> list[dict]:
    return json.loads((cfg.build_dir / "records.json").read_text(encoding="utf-8"))


def _no_axe(pg) -> None:
    assert axe_violations(pg) == []


def _describe_and_submit(pg, country: str | None) -> None:
    pg.get_by_label("Describe your town").fill(TOWN)
    if country:
        pg.get_by_label("Country (optional)").select_option(label=country)
    pg.get_by_role("button", name="Find similar cities").click()


def test_official_describes_their_town_and_reads_a_peers_practice(desk, live_hub: str) -> None:
    desk.goto(live_hub + "/")
    desk.get_by_role("link", name="Find cities like yours").click()
    expect(desk).to_have_url(live_hub + "/peers/")
    expect(desk.get_by_role("heading", level=1)).to_have_text("Find cities like yours")
    _no_axe(desk)

    _describe_and_submit(desk, country="Germany")
    status = desk.locator("#peers-status")
    expect(status).to_have_text(re.compile(r"^\d+ cit(y|ies) like yours"), timeout=60_000)
    peers = desk.locator("#peers-results > li.peer")
    assert peers.count() >= 3
    expect(desk.locator("#peers-results-h")).to_be_focused()  # keyboard users land on the answer
    for i in range(peers.count()):
        peer = peers.nth(i)
        assert peer.locator("h3 a").get_attribute("href").startswith("/cities/")
        assert peer.locator(".reasons li").count() >= 1, peer.inner_text()
    # the same answer the API gives, in the same order
    api = httpx.post(live_hub + "/api/peers", json={"description": TOWN, "country": "Germany"}, timeout=60).json()
    names = [m["label"] for p in api["peers"] for m in (p["members"] or [p])]  # a grouped card links each member
    assert [a.inner_text() for a in peers.locator("h3 a").all()] == names
    assert desk.locator("#peers-understood").inner_text()  # what was understood from the text is shown
    _no_axe(desk)

    practice = desk.locator("#peers-results .peer-practices a").first
    title = practice.inner_text()
    practice.click()
    expect(desk).to_have_url(re.compile(r"/practices/[^/]+/$"))
    expect(desk.get_by_role("heading", level=1)).to_have_text(title)


def test_the_finder_works_from_the_keyboard_without_a_country(desk, live_hub: str) -> None:
    desk.goto(live_hub + "/peers/")
    desk.get_by_label("Describe your town").focus()
    desk.keyboard.type("Hate speech against migrants is rising in our port city and young people feel excluded.")
    for _ in range(4):  # country, region, population, then the button
        desk.keyboard.press("Tab")
    expect(desk.get_by_role("button", name="Find similar cities")).to_be_focused()
    desk.keyboard.press("Enter")
    expect(desk.locator("#peers-status")).to_have_text(re.compile(r"^\d+ cit(y|ies) like yours"), timeout=60_000)
    assert desk.locator("#peers-results > li.peer").count() >= 1


def test_official_gives_the_towns_population_and_reads_size_in_the_reasons(desk, live_hub: str) -> None:
    desk.goto(live_hub + "/peers/")
    desk.get_by_label("Describe your town").fill(TOWN)
    population = desk.get_by_label("Population (optional)")
    population.fill("sixty thousand")  # not a number: said on the page, nothing sent
    desk.get_by_role("button", name="Find similar cities").click()
    expect(desk.locator("#peers-status")).to_have_text(re.compile("must be a whole number"))
    expect(population).to_have_attribute("aria-invalid", "true")
    expect(population).to_be_focused()

    population.fill("0")  # a number out of range: the server's reason is shown
    desk.get_by_role("button", name="Find similar cities").click()
    expect(desk.locator("#peers-status")).to_have_text(re.compile(r"No answer: the population must be between 1 and"))

    population.fill("60,000")
    desk.get_by_role("button", name="Find similar cities").click()
    expect(desk.locator("#peers-status")).to_have_text(re.compile(r"^\d+ cit(y|ies) like yours"), timeout=60_000)
    expect(population).not_to_have_attribute("aria-invalid", "true")
    results = desk.locator("#peers-results")
    alike = results.locator(".reasons li").filter(has_text=re.compile(r"^both have about [\d,.–]+( million)? people$"))
    expect(alike.first).to_be_visible()  # a peer of about the same size says so among its reasons
    expect(results.locator(".differs").filter(has_text="your city about 60,000").first).to_be_visible()
    api = httpx.post(live_hub + "/api/peers", json={"description": TOWN, "population": 60000}, timeout=60).json()
    said = [r for p in api["peers"] for r in p["reasons"] if r.startswith("both have about")]
    assert [li.inner_text() for li in alike.all()] == said  # the page shows what the API answers
    _no_axe(desk)


def test_an_empty_description_is_explained_not_sent(desk, live_hub: str) -> None:
    desk.goto(live_hub + "/peers/")
    desk.get_by_role("button", name="Find similar cities").click()
    expect(desk.locator("#peers-status")).to_have_text(re.compile("Describe your town first"))
    expect(desk.get_by_label("Describe your town")).to_be_focused()
    expect(desk.get_by_label("Describe your town")).to_have_attribute("aria-invalid", "true")


def test_a_city_page_links_to_the_finder(desk, live_hub: str) -> None:
    desk.goto(live_hub + "/cities/")
    desk.locator("main .compact-list a").first.click()
    expect(desk).to_have_url(re.compile(r"/cities/[^/]+/$"))
    _no_axe(desk)
    desk.get_by_role("link", name="Find cities like yours").click()
    expect(desk).to_have_url(live_hub + "/peers/")


def test_search_within_a_regions_practices_lists_only_practices(desk, live_hub: str, corpus_settings: Settings) -> None:
    desk.goto(live_hub + "/regions/europe/")
    count = int(desk.locator("#practices-h .count").inner_text())
    desk.get_by_role("link", name="Search within these practices").click()
    expect(desk).to_have_url(re.compile(r"/search/\?type=practice&region=europe$"))
    expect(desk.locator("#status")).to_have_text(re.compile(rf"^{count} results? filtered by"), timeout=60_000)
    expect(desk.locator("#f-type-practice")).to_be_checked()
    results = desk.locator("#results > li")
    while (
        shown := results.count()
    ) < count:  # "Show more results" until all are listed; the button hides while loading
        desk.locator("#more").click()
        expect(results).not_to_have_count(shown)
    expect(results).to_have_count(count)
    kinds = {k.text_content() for k in desk.locator("#results .card-meta .kind").all()}
    assert kinds == {"Practice"}


def test_cities_list_names_regions_as_the_vocabulary_does(desk, live_hub: str) -> None:
    desk.goto(live_hub + "/cities/")
    labels = {c.label for c in vocab.load(VOCAB_DIR)["regions"].concepts.values()} | {"Other"}
    headings = [
        h.inner_text().rsplit(" ", 1)[0]
        for h in desk.locator("main section > h2").all()
        if h.get_attribute("id", timeout=1000).startswith("g-")
    ]
    assert headings and set(headings) <= labels, headings
    assert "Middle East and North Africa" in headings or "East and Southern Africa" in headings
    _no_axe(desk)


def test_a_level_page_says_how_many_practices_state_no_level(desk, live_hub: str, corpus_settings: Settings) -> None:
    practices = [e for e in _records(corpus_settings) if e["type"] == "practice"]
    unlevelled = sum(1 for p in practices if not p["levels"])
    assert unlevelled > 0
    desk.goto(live_hub + "/levels/")
    desk.locator("main .tree a").first.click()
    note = desk.locator("#untagged-note")
    expect(note).to_have_text(
        re.compile(
            rf"^{unlevelled} of {len(practices)} practices do not state a prevention level; they are not listed here"
        )
    )
    _no_axe(desk)
    note.get_by_role("link").click()
    expect(desk).to_have_url(live_hub + "/levels/#untagged-h")
    expect(desk.locator("section[aria-labelledby=untagged-h] li")).to_have_count(unlevelled)


def test_search_results_name_places_as_record_pages_do(desk, live_hub: str, corpus_settings: Settings) -> None:
    many = next(e for e in _records(corpus_settings) if e["type"] == "practice" and len(e["cities"]) > 3)
    desk.goto(live_hub + "/search/")
    desk.get_by_label("Search practices, cities, resources and impact stories").fill(many["title"])
    desk.keyboard.press("Enter")
    card = desk.locator("#results > li", has=desk.get_by_role("link", name=many["title"], exact=True))
    expect(card).to_have_count(1, timeout=60_000)
    expect(card.locator(".card-meta")).to_have_text(f"Practice · {many['place']}")
    card.get_by_role("link", name=many["title"], exact=True).click()
    expect(desk.locator(".record-place")).to_have_text(many["place"])


@pytest.fixture(scope="module")
def static_site(corpus_settings: Settings) -> Iterator[str]:
    """The built site on a plain static file server: no /api, no POST."""
    with static_server(corpus_settings.site_dir) as base:
        yield base


def test_on_a_static_host_the_finder_says_it_needs_the_server(desk, static_site: str) -> None:
    desk.goto(static_site + "/peers/")
    status = desk.locator("#peers-status")
    expect(status).to_have_text(re.compile("needs the hub's server"))
    expect(desk.locator("#peers-understood").get_by_role("link", name="list of cities")).to_have_attribute(
        "href", "/cities/"
    )
    _describe_and_submit(desk, country=None)  # asking anyway gives the same plain answer, not an error
    expect(status).to_have_text(re.compile("needs the hub's server"))
    expect(desk.locator("#peers-results > li")).to_have_count(0)
    _no_axe(desk)
    desk.locator("#peers-understood").get_by_role("link", name="list of cities").click()
    expect(desk).to_have_url(static_site + "/cities/")

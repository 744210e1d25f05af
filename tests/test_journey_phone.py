"""Journey: a person on a phone (375 x 800) searches, filters and opens what they find; and the search filters on a
desktop.

Real Chromium against the real `hub serve` over the real corpus (``live_hub``). On a phone the results come first
and the filters open as a dialog ("Filters (1)", "Show N results", Escape); map dots are tap targets of at least
24 px; a practice page's text starts on the first screen. On a desktop every region is listed without a box
scrolling inside the page, the long Country facet unfolds in place, and the Level facet says how many practices
state no level (counted here from the build's catalogue).
"""

from __future__ import annotations

import json
import re

from playwright.sync_api import expect

from helpers import axe_violations

SCREEN = 800  # the phone's viewport height: "the first screen"


def status_text(pg) -> str:
    return pg.locator("#status").inner_text()


def wait_for_status(pg, pattern: str) -> str:
    """Wait until the search status (the live region) matches ``pattern``; return it."""
    pg.wait_for_function("(p) => new RegExp(p).test(document.getElementById('status').textContent)", arg=pattern)
    return status_text(pg)


def total_in(status: str) -> int:
    return int(re.match(r"(\d+) results?", status).group(1))


def test_phone_search_shows_results_first_and_filters_in_a_dialog(phone, live_hub: str) -> None:
    phone.goto(f"{live_hub}/search/")
    phone.fill("#q", "youth")
    phone.press("#q", "Enter")
    unfiltered = total_in(wait_for_status(phone, r"^\d+ results? for “youth” \("))
    first = phone.locator("#results .card").first
    assert first.bounding_box()["y"] < SCREEN  # the results, not the filters, are on the first screen
    assert not phone.locator("#filters").is_visible()
    assert axe_violations(phone) == []

    expect(phone.get_by_role("button", name="Filters", exact=True)).to_be_visible()  # nothing ticked: no number
    opener = phone.locator("#filters-open")
    assert opener.get_attribute("aria-expanded") == "false"
    opener.tap()
    dialog = phone.get_by_role("dialog", name="Filters")
    expect(dialog).to_be_visible()
    assert opener.get_attribute("aria-expanded") == "true"
    assert phone.evaluate("document.getElementById('filters').contains(document.activeElement)")  # focus moved in
    assert phone.evaluate("document.querySelector('.site-header').inert")  # the page behind is out of reach
    assert axe_violations(phone) == []

    # tick the first theme that has results for "youth"
    theme = dialog.locator(".facet[data-facet=theme] li:not(.zero)").first
    label = re.sub(r"\s*\d+$", "", theme.locator("label").inner_text()).strip()
    theme.locator("input").tap()
    expect(phone.locator("#filters-open")).to_have_text("Filters (1)")
    filtered = total_in(wait_for_status(phone, f"filtered by {re.escape(label)} "))
    assert 0 < filtered < unfiltered
    done = dialog.get_by_role("button", name=re.compile(r"^Show \d+ results?$"))
    expect(done).to_have_text(f"Show {filtered} result{'' if filtered == 1 else 's'}")
    done.tap()

    expect(phone.locator("#filters")).to_be_hidden()
    assert opener.get_attribute("aria-expanded") == "false"
    assert phone.evaluate("document.activeElement.id") == "filters-open"
    assert "theme=" in phone.url  # the filter is in the address
    cards = phone.locator("#results .card")
    assert cards.count() == min(filtered, 20)
    box = cards.first.bounding_box()
    assert 0 <= box["y"] < SCREEN  # the filtered results are in view, on the first screen

    # Escape closes the dialog again, and the page behind is usable again
    opener.tap()
    expect(dialog).to_be_visible()
    phone.keyboard.press("Escape")
    expect(phone.locator("#filters")).to_be_hidden()
    assert phone.evaluate("document.activeElement.id") == "filters-open"
    assert not phone.evaluate("document.querySelector('.site-header').inert")


def test_phone_map_dots_are_tap_targets_of_24px(phone, live_hub: str) -> None:
    phone.goto(f"{live_hub}/")
    assert axe_violations(phone) == []
    phone.locator(".map").scroll_into_view_if_needed()
    sizes = phone.evaluate("""() => [...document.querySelectorAll('.map .hits circle')].map((c) => {
        const r = c.getBoundingClientRect(); return Math.min(r.width, r.height); })""")
    dots = phone.locator(".map svg > a").count()
    assert len(sizes) == dots > 50
    assert min(sizes) >= 24, min(sizes)
    # tap beside the dot of the most isolated city: inside its target, outside the small visible dot
    target = phone.evaluate("""() => {
        const dots = [...document.querySelectorAll('.map svg > a')].map((a) => {
            const r = a.querySelector('circle').getBoundingClientRect();
            return {href: a.getAttribute('href'), x: r.x + r.width / 2, y: r.y + r.height / 2, r: r.width / 2};
        });
        let best = null, far = 0;
        for (const d of dots) {
            const near = Math.min(...dots.filter((o) => o !== d).map((o) => Math.hypot(o.x - d.x, o.y - d.y)));
            if (near > far) { far = near; best = d; }
        }
        return {href: best.href, x: best.x, y: best.y + best.r + 4, dot: best.r * 2};
    }""")
    assert target["dot"] < 24  # the visible dot alone would be too small
    under = phone.evaluate(
        "([x, y]) => document.elementFromPoint(x, y).closest('a').getAttribute('href')", [target["x"], target["y"]]
    )
    assert under == target["href"]
    phone.touchscreen.tap(target["x"], target["y"])
    phone.wait_for_url(f"**{target['href']}")


def test_phone_practice_page_text_starts_on_the_first_screen(phone, live_hub: str) -> None:
    phone.goto(f"{live_hub}/practices/")
    # the practice with the longest title: the hardest first screen
    href = phone.evaluate("""() => [...document.querySelectorAll('main .card-title a')]
        .sort((a, b) => b.textContent.length - a.textContent.length)[0].getAttribute('href')""")
    phone.goto(live_hub + href)
    title = phone.locator("h1").inner_text()
    crumbs = phone.locator(".breadcrumbs")
    line = float(phone.evaluate("parseFloat(getComputedStyle(document.querySelector('.breadcrumbs li')).lineHeight)"))
    assert crumbs.locator("ol").bounding_box()["height"] < 2 * line  # one line, not three
    assert crumbs.bounding_box()["width"] <= 375
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    assert title in crumbs.inner_text()  # still there for screen readers, only cut short on screen
    lead = phone.locator(".record-head .lead")
    assert (
        lead.bounding_box()["y"] + 40 < SCREEN
    )  # the first paragraph starts (and shows a line or two) on the first screen
    assert axe_violations(phone) == []


def test_desktop_facets_list_every_value_and_unfold_long_ones(desk, live_hub: str, corpus_settings) -> None:
    desk.goto(f"{live_hub}/search/")
    wait_for_status(desk, "Type a query")
    labels = json.loads(desk.locator("#facet-labels").text_content())

    regions = desk.locator(".facet[data-facet=region] .facet-values")
    assert regions.locator("li:visible").count() == len(labels["region"]) >= 10
    assert desk.evaluate("(el) => el.scrollHeight === el.clientHeight", regions.element_handle())
    assert desk.locator(".facet[data-facet=region] .show-all").count() == 0

    n_countries = len(labels["country"])
    countries = desk.locator(".facet[data-facet=country] .facet-values")
    show_all = desk.get_by_role("button", name=f"Show all ({n_countries})")
    assert countries.locator("li:visible").count() < n_countries
    assert show_all.get_attribute("aria-expanded") == "false"
    show_all.click()
    assert desk.get_by_role("button", name="Show fewer").get_attribute("aria-expanded") == "true"
    assert countries.locator("li:visible").count() == n_countries
    assert desk.evaluate("(el) => el.scrollHeight === el.clientHeight", countries.element_handle())
    # a country from the unfolded part filters the results, and stays listed when the facet folds again
    last = countries.locator("li").last
    name = re.sub(r"\s*\d+$", "", last.locator("label").inner_text()).strip()
    last.locator("input").check()
    found = total_in(wait_for_status(desk, f"filtered by {re.escape(name)} "))
    assert found > 0
    desk.get_by_role("button", name="Show fewer").click()
    expect(last).to_be_visible()

    # the Level facet says how many practices state no level, as the catalogue has it
    records = json.loads((corpus_settings.build_dir / "records.json").read_text())
    practices = [r for r in records if r["type"] == "practice"]
    unstated = sum(not r["facets"].get("level") for r in practices)
    note = desk.locator(".facet[data-facet=level] .facet-note").inner_text()
    assert note.startswith(f"{unstated} of the {len(practices)} practices state no prevention level")
    assert 0 < unstated < len(practices)
    assert axe_violations(desk) == []

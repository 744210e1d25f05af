"""The researcher's journey, in real Chromium against the real `hub serve` on the real corpus.

They open /sparql and run the query it opens with, read clean values and follow a record's IRI to its page; run an
example from the gallery, sort it, see its bar chart and download it as CSV; mistype a prefix and are told which; see
results with coordinates on the map and move between its points with the keyboard; and start from /linked-data/.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from hub.store import PREFIXES

from helpers import axe_violations


def column(pg: Page, name: str) -> list[str]:
    """The clean values of one result column, in the order the table shows them."""
    names = pg.locator("table.sparql-table thead th").all_inner_texts()
    index = next(i for i, n in enumerate(names) if n.strip().startswith(f"?{name}"))
    return pg.locator(f"table.sparql-table tbody tr td:nth-child({index + 1}) .v").all_inner_texts()


def run_example(pg: Page, title: str) -> None:
    pg.get_by_role("link", name=f"Run “{title}”").click()
    expect(pg.locator("#result-summary")).to_contain_text("rows in")


def test_researcher_runs_reads_sorts_downloads_and_maps(desk: Page, live_hub: str, tmp_path: Path) -> None:
    desk.goto(f"{live_hub}/sparql")
    expect(desk.locator("link[rel=icon]")).to_have_count(1)
    expect(desk.locator("header.site-header")).to_be_visible()
    expect(desk.locator("footer.site-footer")).to_be_visible()

    # Run on the untouched default query: the empty time limit is not an error, the results are a table
    desk.get_by_role("button", name="Run query").click()
    expect(desk.locator("table.sparql-table tbody tr").first).to_be_visible()
    assert "timeout=" not in desk.url
    rows = desk.locator("table.sparql-table tbody tr")
    assert rows.count() == 50
    titles, names = column(desk, "title"), column(desk, "name")
    assert all(t and "@" not in t and "^^" not in t for t in titles + names)
    name_cell = desk.locator("table.sparql-table tbody tr").first.locator("td").nth(3)
    expect(name_cell.locator(".lit-hint")).to_have_text("en")
    # a hub IRI is a link to its page on this site, and the page opens
    first_practice = rows.first.locator("td").first.get_by_role("link")
    href = first_practice.get_attribute("href") or ""
    assert re.fullmatch(r"/practices/[a-z0-9-]+/", href)
    with desk.expect_navigation() as nav:
        first_practice.click()
    assert nav.value and nav.value.ok
    expect(desk.locator("h1")).to_have_text(titles[0])
    desk.go_back()

    # an example from the gallery runs with one click; a label + count result draws a bar chart
    run_example(desk, "Practices per theme")
    themes, counts = column(desk, "theme"), [int(c) for c in column(desk, "practices")]
    assert len(themes) > 10 and counts == sorted(counts, reverse=True)
    bars = desk.locator(".bar-chart .bars li")
    expect(bars).to_have_count(len(themes))
    expect(bars.first.locator(".bar-label")).to_have_text(themes[0])
    expect(bars.first.locator(".bar-value")).to_have_text(str(counts[0]))
    assert axe_violations(desk) == []

    # sort by a column, with the mouse and with the keyboard
    by_count = desk.get_by_role("button", name="?practices")
    by_count.click()
    expect(desk.locator("th", has=by_count)).to_have_attribute("aria-sort", "ascending")
    assert [int(c) for c in column(desk, "practices")] == sorted(counts)
    by_theme = desk.get_by_role("button", name="?theme")
    by_theme.focus()
    desk.keyboard.press("Enter")
    expect(desk.locator("th", has=by_theme)).to_have_attribute("aria-sort", "ascending")
    expect(desk.locator("th", has=by_count)).to_have_attribute("aria-sort", "none")
    assert column(desk, "theme") == sorted(themes, key=str.lower)
    desk.keyboard.press("Enter")
    expect(desk.locator("th", has=by_theme)).to_have_attribute("aria-sort", "descending")

    # download the result as CSV through the link
    with desk.expect_download() as got:
        desk.get_by_role("link", name="CSV", exact=True).click()
    assert got.value.suggested_filename == "query-results.csv"
    saved = tmp_path / "results.csv"
    got.value.save_as(saved)
    table = list(csv.reader(saved.open(encoding="utf-8", newline="")))
    assert table[0] == ["theme", "practices"] and len(table) == len(themes) + 1
    assert {(r[0], int(r[1])) for r in table[1:]} == set(zip(themes, counts, strict=True))

    # an unknown prefix is named, with the prefixes that are predeclared
    desk.get_by_label("Query").fill("SELECT ?p ?name WHERE {\n  ?p a hub:Practice ;\n     foaf:name ?name }")
    desk.get_by_role("button", name="Run query").click()
    alert = desk.get_by_role("alert")
    expect(alert).to_contain_text("unknown prefix foaf: (line 3, column 6)")
    expect(alert).to_contain_text(", ".join(f"{p}:" for p in PREFIXES))
    expect(alert).not_to_contain_text("Prefix not found")

    # results with a latitude and longitude are drawn on the map, and its points take the keyboard
    run_example(desk, "Cities on a map")
    points = desk.locator(".result-map svg a")
    assert points.count() == len(column(desk, "name")) > 10
    points.first.focus()
    desk.keyboard.press("Tab")
    focused = desk.evaluate("document.activeElement.getAttribute('aria-label')")
    assert focused == points.nth(1).get_attribute("aria-label") and re.search(r": -?\d+(\.\d+)?, -?\d+", focused or "")
    target = points.nth(1).get_attribute("href") or ""
    assert target.startswith("/cities/")
    desk.keyboard.press("Enter")
    desk.wait_for_url(f"**{target}")
    expect(desk.locator("h1")).to_have_text((focused or "").split(":")[0])
    desk.go_back()
    expect(desk.locator(".result-map")).to_be_visible()
    assert axe_violations(desk) == []


def test_researcher_starts_from_the_linked_data_page(desk: Page, live_hub: str) -> None:
    desk.goto(f"{live_hub}/linked-data/")
    assert axe_violations(desk) == []
    gallery = desk.locator(".example-gallery li")
    assert gallery.count() >= 10
    desk.get_by_role("link", name="Run “Practices per theme”").click()
    desk.wait_for_url(re.compile(r"/sparql\?query="))
    expect(desk.locator(".bar-chart .bars li").first).to_be_visible()
    expect(desk.get_by_label("Query")).to_have_value(re.compile(r"COUNT\(DISTINCT \?practice\)"))
    # the same gallery on both pages
    on_sparql = desk.locator(".example-gallery h3").all_inner_texts()
    desk.go_back()
    assert desk.locator(".example-gallery h3").all_inner_texts() == on_sparql


@pytest.mark.parametrize("path", ["/download/graph.ttl", "/download/practices.csv"])
def test_bulk_downloads_are_saved_not_shown(desk: Page, live_hub: str, path: str, tmp_path: Path) -> None:
    desk.goto(f"{live_hub}/linked-data/")
    name = path.rsplit("/", 1)[1]
    with desk.expect_download() as got:
        desk.get_by_role("link", name=name, exact=True).click()
    assert got.value.suggested_filename == name
    saved = tmp_path / name
    got.value.save_as(saved)
    assert saved.stat().st_size > 1000

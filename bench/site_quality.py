"""Page weights and axe-core results of the built site, and the screenshots in docs/.

Reads an existing build (default: build/), serves its site/ with Python's plain static
server on a loopback port, and:

* weighs every page kind (HTML + the one stylesheet; the offline search's records and scripts
  are excluded, as in the < 100 kB target), raw and gzip-compressed;
* runs axe-core in Debian's headless Chromium on the home, search, heaviest practice,
  busiest city and most used theme pages (plus the list pages);
* with --screenshots, writes docs/screenshot-home.png, -practice.png, -city.png, -peers.png and -search.png.

Prints a table and writes bench/results/site_quality.json.

    .venv/bin/python bench/site_quality.py [--build build] [--screenshots]
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
from run_info import describe, machine, stamp  # noqa: E402

from helpers import AXE, CHROMIUM, CHROMIUM_ARGS, axe_violations, free_port  # noqa: E402  (one axe runner for tests and bench)


def page_file(site: Path, url: str) -> Path:
    return site / url.strip("/") / "index.html" if url.endswith("/") else site / url.lstrip("/")


def weigh(site: Path, url: str, css: bytes) -> dict:
    html = page_file(site, url).read_bytes()
    return {
        "url": url,
        "html": len(html),
        "css": len(css),
        "total": len(html) + len(css),
        "total_gzip": len(gzip.compress(html, 9)) + len(gzip.compress(css, 9)),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", type=Path, default=REPO / "build")
    ap.add_argument("--screenshots", action="store_true", help="also write docs/screenshot-*.png")
    args = ap.parse_args()
    build = args.build.resolve()
    site = build / "site"
    entries = json.loads((build / "records.json").read_text())
    css = (site / "static" / "site.css").read_bytes()

    practices = sorted(
        (weigh(site, e["url"], css) for e in entries if e["type"] == "practice"), key=lambda w: w["total"]
    )
    cities = sorted((weigh(site, e["url"], css) for e in entries if e["type"] == "city"), key=lambda w: w["total"])
    city = max((e for e in entries if e["type"] == "city"), key=lambda e: len(e["practices"]))
    theme = max(
        {t for e in entries for t in e["facets"]["theme"]},
        key=lambda t: sum(t in e["facets"]["theme"] for e in entries),
    )
    weights = {
        "practice (median)": practices[len(practices) // 2],
        "practice (heaviest)": practices[-1],
        "city (median)": cities[len(cities) // 2],
        "city (heaviest)": cities[-1],
        "home": weigh(site, "/", css),
        "search": weigh(site, "/search/", css),
        f"theme ({theme})": weigh(site, f"/themes/{theme}/", css),
    }
    print(f"Page weights ({len(practices)} practice pages; HTML + CSS, search index excluded) — {describe(machine())}")
    print(f"{'page':<24} {'url':<58} {'HTML kB':>8} {'+CSS kB':>8} {'gzip kB':>8}")
    for name, w in weights.items():
        print(
            f"{name:<24} {w['url'][:58]:<58} {w['html'] / 1000:>8.1f} {w['total'] / 1000:>8.1f} "
            f"{w['total_gzip'] / 1000:>8.1f}"
        )

    axe: dict[str, list[str]] = {}
    if CHROMIUM.exists() and AXE.exists():
        from playwright.sync_api import sync_playwright

        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(site)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(base + "/", timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.1)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
                pg = browser.new_page(viewport={"width": 1280, "height": 900})
                for url in [
                    "/",
                    "/search/?q=youth",
                    practices[-1]["url"],
                    city["url"],
                    f"/themes/{theme}/",
                    "/practices/",
                    "/cities/",
                    "/about/",
                    "/linked-data/",
                ]:
                    pg.goto(base + url)
                    pg.wait_for_timeout(800)  # search results and fonts settle
                    axe[url] = axe_violations(pg)
                if args.screenshots:
                    shots = {
                        "home": ("/", None),
                        "practice": (practices[len(practices) // 2]["url"], 2200),
                        "city": (city["url"], 2200),
                        "search": ("/search/?q=youth+council&level=primary", 1400),
                    }
                    for name, (url, height) in shots.items():
                        pg.goto(base + url)
                        pg.wait_for_timeout(800)
                        out = REPO / "docs" / f"screenshot-{name}.png"
                        if height:
                            pg.screenshot(
                                path=str(out),
                                full_page=True,
                                clip={
                                    "x": 0,
                                    "y": 0,
                                    "width": 1280,
                                    "height": min(height, pg.evaluate("document.documentElement.scrollHeight")),
                                },
                            )
                        else:
                            pg.screenshot(path=str(out), full_page=True)
                        print(f"wrote {out.relative_to(REPO)} ({url})")
                    pg.goto(base + city["url"])
                    if pg.locator(".peers").count():  # the peer cities, readable at full size
                        pg.locator("section[aria-labelledby=peers-h]").screenshot(
                            path=str(REPO / "docs" / "screenshot-peers.png")
                        )
                        print(f"wrote docs/screenshot-peers.png ({city['url']})")
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)
        print(
            "\naxe-core " + json.loads((AXE.parent / "package.json").read_text())["version"] + " in headless Chromium:"
        )
        for url, found in axe.items():
            print(f"  {len(found)} violations  {url}" + "".join(f"\n      {v}" for v in found))
    else:
        print("\naxe: skipped (needs /usr/bin/chromium and `npm ci`)")

    out = REPO / "bench" / "results" / "site_quality.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(
        json.dumps(
            {
                **stamp(),
                "build": str(build),
                "pages": len(list(site.rglob("*.html"))),
                "practice_total_median": statistics.median(w["total"] for w in practices),
                "weights": weights,
                "axe": axe,
            },
            indent=2,
        )
    )
    print(f"\nwrote {out.relative_to(REPO)}")


if __name__ == "__main__":
    main()

"""Journey: a visitor of a static copy of the site (a CDN: plain files, no hub server) searches it.

The real corpus's build/site is served by Python's plain static file server, so /api/search does not
answer and the search page uses its offline index. The visitor types questions as a person asks them,
presses Enter, reads relevant results, narrows them with a filter and sees the counts follow.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator

import pytest

from hub.config import REPO_DIR, Settings
from hub.search.evaluate import load_queries
from hub.vocab import fold

from helpers import axe_violations, static_server

sys.path.insert(0, str(REPO_DIR / "bench"))
from eval_static_search import QUERIES

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture(scope="module")
def static_copy(corpus_settings: Settings) -> Iterator[str]:
    with static_server(corpus_settings.site_dir) as base:
        yield base


@pytest.fixture(scope="module")
def records(corpus_settings: Settings) -> dict[str, dict]:
    return {e["id"]: e for e in json.loads((corpus_settings.build_dir / "records.json").read_text(encoding="utf-8"))}


def ask(page, question: str) -> list[str]:
    """Type a question into the search box, press Enter, wait for the answer; the record ids shown, in order."""
    page.fill("#q", question)
    page.press("#q", "Enter")
    page.wait_for_function("q => document.getElementById('status').textContent.includes(`for “${q}”`)", arg=question)
    assert page.locator("#results").get_attribute("data-backend") == "static"  # no server behind a static copy
    hrefs = page.eval_on_selector_all("#results .card-title a", "els => els.map(a => a.getAttribute('href'))")
    return [h.rstrip("/").rsplit("/", 1)[-1] for h in hrefs]


def total(page) -> int:
    return int(page.text_content("#status").split()[0])


def test_a_static_copy_answers_plain_questions_and_filters_narrow_them(desk, static_copy: str, records: dict) -> None:
    desk.goto(f"{static_copy}/search/")
    judged = {q.id: q for q in load_queries(QUERIES)}

    # a question as a person asks it, in words the records do not share exactly: judged answers lead the list
    need = judged["q02"]  # keeping young people away from gangs and extremists through sport
    shown = ask(desk, need.query)
    wanted = {r for r, grade in need.relevant.items() if grade == 2}
    assert wanted & set(shown[:2]) and len(wanted & set(shown[:10])) >= len(wanted) / 2, (shown[:10], wanted)

    # the same kind of question with words misspelt ("refugess", "Ukrain") still finds what it looks for
    assert judged["q03"].query == "support for refugees from Ukraine"
    shown = ask(desk, "support for refugess from Ukrain")
    assert {r for r, grade in judged["q03"].relevant.items() if grade == 2} <= set(shown[:3]), shown[:10]

    # a question in another language's grammar still gets answers, and they are about radicalisation
    shown = ask(desk, "radicalisation des jeunes")
    text = {r: fold(" ".join(records[r].get(k) or "" for k in ("title", "summary", "body"))) for r in shown[:10]}
    about = [r for r in shown[:10] if "radicali" in text[r]]
    assert len(shown) >= 10 and len(about) >= 6, (shown[:10], about)

    # a city's name without its accent finds the city and every practice it runs
    shown = ask(desk, "Wroclaw")
    own = {
        r
        for r, e in records.items()
        if e["type"] == "practice" and any(c["id"] == "wroclaw" for c in e.get("cities") or [])
    }
    assert len(own) >= 3 and shown[0] == "wroclaw" and own <= set(shown[: 1 + len(own) + 1]), (shown, own)
    everything = total(desk)

    # a filter narrows the results to practices, and the counts follow
    practice_count = desk.locator("label[for=f-type-practice] [data-count]")
    assert int(practice_count.inner_text()) == len(own)  # the count says what choosing it will give
    desk.locator("#f-type-practice").check()
    desk.wait_for_function("() => /filtered by Practice/.test(document.getElementById('status').textContent)")
    assert total(desk) == len(own) < everything and "type=practice" in desk.url
    cards = desk.eval_on_selector_all("#results .card-title a", "els => els.map(a => a.getAttribute('href'))")
    assert sorted(h.rstrip("/").rsplit("/", 1)[-1] for h in cards) == sorted(own)
    assert all(h.startswith("/practices/") for h in cards)

    # the page with a static search's results has no accessibility violations
    assert axe_violations(desk) == []

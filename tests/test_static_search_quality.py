"""The static copy's search, measured: the judged queries typed into /search/ in Chromium on a plain static server.

bench/eval_static_search.py reports the same figures; here they must stay within a few points of the
server's keyword mode measured on the same build in the same run (README "Site" has the numbers).
"""

from __future__ import annotations

import sys

import pytest

from hub.config import REPO_DIR, Settings
from hub.search.evaluate import evaluate, load_queries
from hub.search.index import load

sys.path.insert(0, str(REPO_DIR / "bench"))
from eval_static_search import QUERIES, score, static_rankings, static_server

pytestmark = [pytest.mark.slow, pytest.mark.browser]
MARGIN = 0.05  # what the static copy may lose to the server's keyword mode


@pytest.fixture(scope="module")
def measured(browser, corpus_settings: Settings) -> tuple[dict, dict]:
    queries = load_queries(QUERIES)
    with static_server(corpus_settings.site_dir) as base:
        page = browser.new_page()
        static = score(static_rankings(page, base, queries), queries)
        page.close()
    server = evaluate(load(corpus_settings.search_dir), queries, ("keyword",))
    return static, server["modes"]["keyword"]


def test_static_search_is_within_a_few_points_of_the_servers_keyword_mode(measured: tuple[dict, dict]) -> None:
    static, keyword = measured
    for metric in ("ndcg", "recall", "mrr"):
        assert static["mean"][metric] >= keyword[metric] - MARGIN, (metric, static["mean"], keyword)


def test_every_judged_question_gets_an_answer_and_names_are_found(measured: tuple[dict, dict]) -> None:
    static, _ = measured
    assert static["empty"] == 0, [q for q, m in static["per_query"].items() if not m["top"]]
    assert static["by_kind"]["exact"]["ndcg"] >= 0.9 and static["by_kind"]["place"]["ndcg"] >= 0.9, static["by_kind"]

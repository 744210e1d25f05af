"""Spelling on the real corpus: -ise/-ize folding, "did you mean" from the index's own words, all-words matching."""

from __future__ import annotations

import pytest

from hub.config import Settings
from hub.search.index import SearchIndex, load
from hub.search.keyword import _fold, analyse
from hub.search.suggest import Suggester

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def index(corpus_settings: Settings) -> SearchIndex:
    return load(corpus_settings.search_dir)


@pytest.mark.parametrize(
    "us,uk",
    [
        ("polarization", "polarisation"),
        ("radicalized", "radicalised"),
        ("organizing", "organising"),
        ("organizers", "organisers"),
        ("analyze", "analyse"),
        ("radicalizations", "radicalisations"),
    ],
)
def test_american_and_british_spellings_analyse_alike(us: str, uk: str) -> None:
    assert analyse(us) == analyse(uk)


@pytest.mark.parametrize("word", ["size", "prize", "seize", "citizen", "citizens", "horizon"])
def test_words_that_only_look_like_ize_are_left_alone(word: str) -> None:
    assert _fold(word) == word


def test_suggester_weighs_edits_against_document_frequency() -> None:
    s = Suggester({"extremism": 150, "extremist": 60, "radicalisation": 120, "radicalisations": 1, "council": 90})
    assert s.suggest("extremsim") == "extremism"  # a swap of two letters is one edit
    assert s.suggest("radicalisaton") == "radicalisation"  # one letter missing; the plural is rarer and farther
    assert s.suggest("council") is None  # known words are not corrected
    assert s.suggest("qwxzzy") is None and s.suggest("ab") is None


def test_index_suggests_from_its_own_words(index: SearchIndex) -> None:
    assert index.keyword.suggest("radicalisaton") == "radicalisation"
    assert index.keyword.suggest("extremsim") == "extremism"
    assert index.keyword.suggest("radicalisaton of youht") == "radicalisation of youth"
    assert index.keyword.suggest("youth council") is None
    assert index.keyword.suggest("qwxzzy") is None


@pytest.mark.parametrize("mode", ["hybrid", "keyword"])
def test_a_typo_that_finds_nothing_searches_the_correction_and_says_so(index: SearchIndex, mode: str) -> None:
    got = index.search("radicalisaton", mode=mode)
    assert got["corrected"] and got["did_you_mean"] == "radicalisation"
    assert got["notice"].startswith("Showing results for “radicalisation”")
    assert got["total"] == index.search("radicalisation", mode=mode)["total"] >= 20
    assert sum("radicali" in r["title"].lower() for r in got["results"][:10]) >= 3
    exact = index.search("radicalisaton", mode=mode, correct=False)
    assert not exact["corrected"] and exact["did_you_mean"] == "radicalisation" and exact["total"] < got["total"]


def test_american_spelling_finds_as_many_as_british(index: SearchIndex) -> None:
    for mode in ("keyword", "hybrid"):
        us, uk = index.search("polarization", mode=mode), index.search("polarisation", mode=mode)
        assert us["total"] == uk["total"] >= 40


def test_results_hold_all_the_words_when_records_do(index: SearchIndex) -> None:
    got = index.search("youth council", mode="keyword", limit=100)
    assert got["match"] == "all" and got["notice"] is None
    assert got["total"] < index.search("youth", mode="keyword")["total"]

    def every(q: str) -> set[str]:
        total = index.search(q, mode="keyword")["total"]
        pages = (index.search(q, mode="keyword", limit=100, offset=o)["results"] for o in range(0, total, 100))
        return {r["id"] for page in pages for r in page}

    # every result holds "council", or the concept "youth engagement" whose SKOS alternative label is "youth council"
    assert {r["id"] for r in got["results"]} <= every("council") | every('"youth engagement"')
    # facet counts describe the same matches
    types = {v["id"]: v["count"] for v in got["facets"]["type"]}
    assert sum(types.values()) == got["total"]


def test_meaning_alone_needs_the_calibrated_floor(index: SearchIndex) -> None:
    hybrid, keyword = index.search("youth council")["total"], index.search("youth council", mode="keyword")["total"]
    assert keyword <= hybrid < 150  # it was 211 of 309 records with the old floor and any-word matching


def test_no_record_with_all_words_falls_back_with_a_notice(index: SearchIndex) -> None:
    got = index.search("young people drawn into extremism online", mode="keyword")
    assert got["match"] in ("most", "any") and got["total"] > 0
    assert "No record contains all of your words" in got["notice"]


def test_nonsense_finds_nothing_and_says_which_word(index: SearchIndex) -> None:
    got = index.search("qwxzzy")
    assert got["total"] == 0 and got["did_you_mean"] is None and "“qwxzzy”" in got["notice"]

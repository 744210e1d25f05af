"""Search on a small built corpus: real Whoosh index, real embeddings, real facets — no mocks."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from hub.config import REPO_DIR, Settings
from hub.search.errors import BadSearchParameter, QueryTooLong, UnknownFilterValue
from hub.search.hybrid import rrf
from hub.search.index import SearchIndex, load
from hub.search.keyword import Synonyms, analyse, analyzer, parse
from hub.search.query import DEFAULT_FUSION, MAX_QUERY_CHARS
from hub.search.semantic import units
from hub.text import CHUNK_WORDS, chunks, name_pattern

MODES = ("hybrid", "keyword", "semantic")


@pytest.fixture(scope="module")
def corpus(search_corpus: Settings) -> Settings:
    return search_corpus


@pytest.fixture(scope="module")
def index(corpus: Settings) -> SearchIndex:
    return load(corpus.search_dir)


def ids(response: dict) -> list[str]:
    return [r["id"] for r in response["results"]]


def all_ids(index: SearchIndex, q: str = "", **kw) -> set[str]:
    return set(ids(index.search(q, limit=100, **kw)))


# --- the analyser and the lenient parser -------------------------------------------------


def test_analyser_folds_accents_stems_and_keeps_other_scripts() -> None:
    assert analyse("Wrocław") == analyse("WROCLAW") == ["wroclaw"]
    assert analyse("Đakovo São Paulo") == ["dakovo", "sao", "paulo"]
    assert analyse("Utøya Æsir Straße") == analyse("utoya aesir strasse")
    assert analyse("sports leagues") == analyse("sport league")
    assert analyse("Київ молодь") and all(t.isalpha() for t in analyse("Київ молодь"))
    assert analyse("how do we support the US") == ["support", "us"]  # filler dropped, United States kept


@pytest.mark.parametrize(
    "raw",
    [
        '"youth council',
        'youth council"',
        '"youth" "council',
        "youth AND OR NOT council",
        "title:youth council:",
        "theme:youth CITY:council",
        "(youth) [council] {+-!^~*?}",
        "youth\\council/",
        "youth\x00council",
    ],
)
def test_parser_reads_any_syntax_as_words(raw: str) -> None:
    assert parse(raw).words == ("youth", "council")


def test_parser_keeps_balanced_quotes_as_phrases() -> None:
    q = parse('"youth council" in “Alpha Town” and "unclosed phrase')
    assert q.phrases == (("youth", "council"), ("alpha", "town"))
    assert q.words == ("youth", "council", "alpha", "town", "unclos", "phrase")


def test_synonym_groups_expand_to_the_other_labels() -> None:
    syn = Synonyms([["psychosocial support", "counselling", "trauma care"], ["sports"]], analyzer())
    assert syn.expand(analyse("psychosocial support for families")) == [("counsel",), ("trauma", "care")]
    assert syn.expand(analyse("trauma care for families")) == [
        ("psychosocial", "support")
    ]  # not the sibling "counselling"
    assert syn.expand(analyse("care of trauma")) == []  # a label only counts as a whole, in order
    assert syn.expand(analyse("sports")) == []  # a concept without alternatives has no group


# --- keyword ----------------------------------------------------------------------------


def test_accents_are_folded_both_ways(index: SearchIndex) -> None:
    for q in ("Wroclaw", "wrocław", "WROCŁAW"):
        assert ids(index.search(q, mode="keyword"))[0] == "wroclaw"
    assert "wroclaw-migrant-centre" in ids(index.search("Wroclaw", mode="keyword"))  # through its city
    assert ids(index.search("Breslau", mode="keyword"))[:2] != []  # a city alias is searchable


def test_stemming_matches_word_forms(index: SearchIndex) -> None:
    assert ids(index.search("sport", mode="keyword"))[0] == "beta-sports-league"
    assert ids(index.search("newcomer", mode="keyword"))[0] == "wroclaw-migrant-centre"


def test_skos_alternative_label_finds_the_preferred_one(index: SearchIndex) -> None:
    # "trauma care" is an altLabel of "psychosocial support"; the help desk only says the latter
    # and is tagged with another theme, so only the synonym can find it.
    got = index.search("trauma care", mode="keyword")
    assert ids(got)[0] == "beta-family-counselling"
    assert "<mark>psychosocial</mark> <mark>support</mark>" in got["results"][0]["snippet"]


def test_quoted_phrase_rewards_adjacent_words_only(index: SearchIndex) -> None:
    plain, quoted = dict(index.keyword.search("help desk").hits), dict(index.keyword.search('"help desk"').hits)
    pos = {d["id"]: i for i, d in enumerate(index.docs)}
    adjacent, apart = pos["beta-family-counselling"], pos["wroclaw-migrant-centre"]  # "help desk" / "help with ..."
    assert quoted[adjacent] > plain[adjacent] and quoted[apart] == pytest.approx(plain[apart])


def test_vectorised_scores_equal_whoosh_bm25f(index: SearchIndex) -> None:
    for q in (
        "youth council",
        "trauma care for families",
        '"help desk" newcomers',
        "Wroclaw sport",
        "city",
        "young people and sport",
    ):
        ours, theirs = dict(index.keyword.search(q).hits), dict(index.keyword.whoosh_hits(q))
        assert ours.keys() == theirs.keys() and all(ours[d] == pytest.approx(theirs[d], rel=1e-5) for d in ours), q


def test_non_latin_query(index: SearchIndex) -> None:
    assert ids(index.search("Київ", mode="keyword")) == ["wroclaw-migrant-centre"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "raw",
    [
        '"youth council',
        "youth AND NOT council",
        "theme:youth council",
        "((youth",
        "council)))",
        "youth -council +mayor",
        "youth~2 counc*",
        "Київ",
        "اللاجئين",
        "難民",
        "a" * MAX_QUERY_CHARS,
        " \t\n ",
    ],
)
def test_bad_input_never_fails_and_stays_useful(index: SearchIndex, mode: str, raw: str) -> None:
    got = index.search(raw, mode=mode)
    assert set(got) >= {"query", "mode", "total", "results", "facets"}
    if mode == "keyword" and "youth" in raw and "council" in raw:
        assert "alpha-youth-council" in ids(got), "operator or field syntax must not hide plain-word matches"


@pytest.mark.parametrize("mode", MODES)
def test_punctuation_only_query_explains_itself(index: SearchIndex, mode: str) -> None:
    got = index.search('?!* "" :::', mode=mode)
    assert got["total"] == 0 and got["notices"], "an empty result caused by the query must say why"


def test_too_long_query_is_refused_by_the_index(index: SearchIndex) -> None:
    with pytest.raises(QueryTooLong):
        index.search("y" * (MAX_QUERY_CHARS + 1))


@pytest.mark.parametrize(
    "kw", [{"mode": "fuzzy"}, {"limit": 0}, {"limit": 101}, {"offset": -1}, {"filters": {"colour": ["red"]}}]
)
def test_bad_parameters_are_refused(index: SearchIndex, kw: dict) -> None:
    with pytest.raises(BadSearchParameter):
        index.search("youth", **kw)


# --- semantic and hybrid ----------------------------------------------------------------


def test_semantic_finds_a_paraphrase_keyword_cannot(index: SearchIndex) -> None:
    q = "athletic activities for teenagers"
    assert index.search(q, mode="keyword")["total"] == 0
    assert ids(index.search(q, mode="semantic"))[0] == "beta-sports-league"
    assert ids(index.search(q, mode="hybrid"))[0] == "beta-sports-league"


def test_queries_are_encoded_by_the_onnx_graph_as_the_build_encodes_texts(index: SearchIndex) -> None:
    from hub.search import encoder, onnx_encoder

    run = onnx_encoder.load(index.directory)
    assert run is not None and index.semantic.encode_query._encode is run  # the graph passed its probes and is in use
    texts = ["support for refugees from Ukraine", "Київ", "a" * 3000, "?"]
    for text, batch in zip(texts, encoder.encode(texts), strict=True):
        assert np.allclose(run(text), batch, atol=1e-5), text
        assert np.allclose(encoder.encode_query(text), batch, atol=1e-5), text  # the torch fallback agrees too


@pytest.mark.parametrize("damage", ["garbage graph", "missing graph", "other vectors", "missing check"])
def test_an_unusable_query_graph_falls_back_to_torch_with_a_warning(
    corpus: Settings, tmp_path, damage: str, caplog
) -> None:
    import shutil

    from hub.search import onnx_encoder

    copy = tmp_path / "search"
    shutil.copytree(corpus.search_dir, copy)
    graph, check = copy / onnx_encoder.GRAPH_FILE, copy / onnx_encoder.CHECK_FILE
    if damage == "garbage graph":
        graph.unlink()  # a new file: the build's is hard-linked from the cache
        graph.write_bytes(b"not an onnx graph")
    elif damage == "missing graph":
        graph.unlink()
    elif damage == "other vectors":
        data = json.loads(check.read_text())
        data["vectors"][0] = [-v for v in data["vectors"][0]]
        check.write_text(json.dumps(data))
    else:
        check.unlink()
    with caplog.at_level("WARNING", logger="hub.search"):
        broken = load(copy)
    assert onnx_encoder.load(copy) is None
    if damage != "missing graph":
        assert str(graph) in caplog.text and "hub build" in caplog.text  # says which file, and how to mend it
    expected = ids(load(corpus.search_dir).search("athletic activities for teenagers", mode="semantic"))
    assert (
        ids(broken.search("athletic activities for teenagers", mode="semantic")) == expected
    )  # torch answers the same


def test_semantic_scores_are_cosines_best_first(index: SearchIndex) -> None:
    scores = [r["score"] for r in index.search("refugees arriving from abroad", mode="semantic")["results"]]
    assert scores and all(-1 <= s <= 1 for s in scores) and scores == sorted(scores, reverse=True)


def test_rrf_rewards_agreement_and_is_rank_based() -> None:
    ids, scores = rrf([np.array([1, 2, 3]), np.array([3, 4])], k=60)
    assert ids[0] == 3 and scores[0] == pytest.approx(1 / 63 + 1 / 61)  # in both lists beats first place in one
    assert ids[1:].tolist() == [1, 2, 4]  # 2 and 4 tie at rank 2: the first list breaks the tie
    ids, scores = rrf([np.array([7, 8]), np.array([], dtype=np.int64)], weights=[2.0, 1.0])
    assert ids.tolist() == [7, 8] and scores[0] == pytest.approx(2 / 61)


def test_hybrid_returns_the_union_of_both_engines(index: SearchIndex) -> None:
    q = "young people and sport"
    # by meaning alone, hybrid needs its own (higher, calibrated) floor: semantic mode keeps the lower one
    by_meaning = {
        r["id"]
        for r in index.search(q, mode="semantic", limit=100)["results"]
        if r["score"] >= DEFAULT_FUSION.semantic_floor
    }
    assert all_ids(index, q, mode="hybrid") == all_ids(index, q, mode="keyword") | by_meaning


def test_chunks_cover_long_bodies_in_order() -> None:
    body = "\n\n".join(" ".join(f"w{p}x{i}." for i in range(70)) for p in range(4))
    pieces = chunks(body)
    assert all(len(p.split()) <= CHUNK_WORDS for p in pieces)
    assert " ".join(pieces).split() == body.split()
    doc = {"title": "T", "summary": "S.", "body": body}
    us = units(3, doc)
    assert us[0].encoded == "T. S." and len(us) == 1 + len(pieces) and {u.doc for u in us} == {3}
    [short] = units(0, {"title": "T", "summary": "S.", "body": "A *short* body."})
    assert short.encoded == "T. S. A short body."  # a short body is embedded with the summary


def test_chunks_are_embedded_with_city_names_masked() -> None:
    """What a record did is embedded without where (peers need that); its title and summary keep the name."""
    names = name_pattern(["Alphaville", "Beta City"])
    body = "\n\n".join(["Alphaville copied Beta City's league. " + " ".join(f"w{i}" for i in range(70))] * 2)
    first, *rest = units(
        0, {"title": "Alphaville youth council", "summary": "Alphaville listens.", "body": body}, names
    )
    assert first.encoded == "Alphaville youth council. Alphaville listens."
    assert len(rest) == 2 and all(
        u.encoded.startswith("the city youth council: the city copied the city's league.") for u in rest
    )
    assert all(
        u.text.startswith("Alphaville copied Beta City's league.") for u in rest
    )  # snippets show the text as written
    assert units(0, {"title": "T", "summary": "S.", "body": body})[1].encoded.startswith(
        "T: Alphaville copied"
    )  # no names, no masking


def test_the_name_trie_masks_as_one_alternative_per_name_would() -> None:
    """Longest name first, whole words only, any case: what a plain alternation does, at any number of names."""
    import re

    names = [
        "New York",
        "new york city",
        "York",
        "Isiolo",
        "Isiolo County",
        "Ałphaville",
        "Nansana",
        "Nansana North",
        "Nan",
    ]
    naive = re.compile(
        r"\b(?:" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) + r")\b", re.IGNORECASE
    )
    text = (
        "New York City and NEW YORK helped York; Yorkshire did not. Isiolo County, isiolo and Isiolos. "
        "ałphaville met Nansana North, Nansana, Nanny and nan."
    )
    assert name_pattern(names).sub("X", text) == naive.sub("X", text)
    assert name_pattern(names).sub("X", text).startswith("X and X helped X; Yorkshire did not. X, X and Isiolos.")
    assert name_pattern(["ab"]) is None  # names of two letters or fewer are never masked


def test_rebuild_encodes_only_changed_records(mini: Settings, tmp_path: Path) -> None:
    from hub.build import build

    mini = dataclasses.replace(mini, cache_dir=tmp_path / "cache")  # a cold cache of its own: this test counts encodes
    first = build(mini).stats["search"]
    assert first["encoded"] == first["units"] > 0
    before = np.load(mini.search_dir / "embeddings.npy")
    again = build(mini).stats["search"]
    assert again["encoded"] == 0 and again["reused"] == first["units"]
    f = mini.data_dir / "practices/beta-sports-league.md"
    f.write_text(
        f.read_text(encoding="utf-8").replace("coaches act as mentors", "coaches act as mentors and role models"),
        encoding="utf-8",
    )
    changed = build(mini).stats["search"]
    units_doc = json.loads((mini.search_dir / "units.json").read_text())["doc"]
    meta = json.loads((mini.search_dir / "meta.json").read_text())["docs"]
    beta = [i for i, d in enumerate(units_doc) if meta[d]["id"] == "beta-sports-league"]
    assert changed["encoded"] == len(beta) >= 1
    after = np.load(mini.search_dir / "embeddings.npy")
    others = [i for i in range(len(units_doc)) if i not in beta]
    assert np.array_equal(before[others], after[others]) and not np.allclose(before[beta], after[beta])


def test_searching_never_imports_torch(corpus: Settings) -> None:
    """A server needs ~400 MB less without torch: every mode, semantic too, runs on the index's ONNX graph."""
    code = (
        "import sys; from pathlib import Path; from hub.search.index import load; "
        f"ix = load(Path({str(corpus.search_dir)!r})); ix.search('youth', mode='keyword'); ix.search(''); "
        "print('sentence_transformers' in sys.modules, 'torch' in sys.modules); "
        "r = ix.search('athletic activities for teenagers', mode='hybrid'); "
        "print(r['results'][0]['id'], 'sentence_transformers' in sys.modules, 'torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO_DIR)
    assert out.stdout.split() == ["False", "False", "beta-sports-league", "False", "False"]


# --- filters, facets, paging, snippets ---------------------------------------------------


def test_unknown_filter_value_lists_valid_values(index: SearchIndex) -> None:
    with pytest.raises(UnknownFilterValue) as exc:
        index.search("youth", filters={"theme": ["sprots"]})
    detail = exc.value.detail
    assert detail["parameter"] == "theme" and detail["did_you_mean"] == ["sports"]
    assert "sports" in detail["valid"] and "youth-engagement" in detail["valid"]


def test_filter_values_accept_ids_labels_and_alternative_labels(index: SearchIndex) -> None:
    expected = all_ids(index, filters={"region": ["europe"]})
    assert expected and all(
        all_ids(index, filters={"region": [v]}) == expected for v in ("Europe", "EUROPE", " europe")
    )
    assert all_ids(index, filters={"level": ["early intervention"]}) == all_ids(index, filters={"level": ["secondary"]})


def test_or_within_a_facet_and_across_facets(index: SearchIndex) -> None:
    europe, africa = (
        all_ids(index, filters={"region": ["europe"]}),
        all_ids(index, filters={"region": ["east-and-southern-africa"]}),
    )
    assert all_ids(index, filters={"region": ["europe", "east-and-southern-africa"]}) == europe | africa
    practices = all_ids(index, filters={"type": ["practice"]})
    assert all_ids(index, filters={"region": ["europe"], "type": ["practice"]}) == europe & practices
    assert all_ids(index, "youth", filters={"type": ["practice"]}) == all_ids(index, "youth") & practices


def test_broader_concept_filter_includes_narrower(index: SearchIndex) -> None:
    sports = all_ids(index, filters={"theme": ["sports"]})  # sports is narrower than the service areas
    assert sports and sports <= all_ids(index, filters={"theme": ["primary-prevention-service-areas"]})


@pytest.mark.parametrize(
    "q,mode,filters",
    [
        ("", "hybrid", {}),
        ("youth", "keyword", {"type": ["practice"]}),
        ("young people in cities", "hybrid", {"region": ["europe"], "level": ["primary"]}),
        ("support for families", "semantic", {"theme": ["family support", "sports"]}),
    ],
)
def test_each_facet_count_is_the_total_that_choosing_it_gives(
    index: SearchIndex, q: str, mode: str, filters: dict
) -> None:
    got = index.search(q, mode=mode, filters=filters)
    assert any(got["facets"][name] for name in got["facets"])
    for name, values in got["facets"].items():
        for v in values:
            chosen = {**filters, name: [v["id"]]}
            assert index.search(q, mode=mode, filters=chosen, limit=1)["total"] == v["count"], (name, v)


def test_browse_with_and_without_filters(index: SearchIndex) -> None:
    everything = index.search("", limit=100)
    assert everything["total"] == len(index.docs) and everything["results"][0]["type"] == "practice"
    cities = index.search("", filters={"type": ["city"]}, limit=100)
    assert {r["type"] for r in cities["results"]} == {"city"} and cities["total"] == 3


def test_paging_is_consistent(index: SearchIndex) -> None:
    full = ids(index.search("city", mode="keyword", limit=100))
    pages = [ids(index.search("city", mode="keyword", limit=2, offset=o)) for o in range(0, len(full) + 2, 2)]
    assert [i for p in pages for i in p] == full and len(full) > 2


def test_results_carry_the_contract_fields(index: SearchIndex) -> None:
    r = index.search("youth council")["results"][0]
    assert set(r) == {
        "id",
        "type",
        "title",
        "url",
        "city",
        "country",
        "region",
        "place",
        "score",
        "snippet",
        "themes",
        "levels",
    }
    assert (r["id"], r["url"], r["city"], r["country"], r["region"]) == (
        "alpha-youth-council",
        "/practices/alpha-youth-council/",
        "Alphaville",
        "Poland",
        "Europe",
    )
    assert r["themes"] == ["youth engagement", "mayoral leadership"] and r["levels"] == ["primary"]


def test_snippets_mark_words_and_escape_html(index: SearchIndex) -> None:
    snip = index.search("newsletter", mode="keyword")["results"][0]["snippet"]
    assert "<mark>newsletter</mark>" in snip and "&lt;b&gt;" in snip and "<b>" not in snip
    snip = index.search("languages", mode="keyword")["results"][0]["snippet"]
    assert "<mark>language" in snip and "&lt;in their own" in snip

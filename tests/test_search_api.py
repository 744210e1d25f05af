"""GET /api/search over real HTTP (uvicorn on a loopback port) and `hub search`, on a small built corpus."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from typer.testing import CliRunner

from hub.config import Settings
from hub.search.index import load

from sparql_server import asgi_client, serve


@pytest.fixture(scope="module")
def corpus(search_corpus: Settings) -> Settings:
    return search_corpus


@pytest.fixture(scope="module")
def api(corpus: Settings) -> Iterator[httpx.Client]:
    with asgi_client(corpus) as client:
        yield client


def test_search_answers_the_contract(api: httpx.Client) -> None:
    r = api.get("/api/search", params={"q": "youth sport", "region": "east-and-southern-africa"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    body = r.json()
    # match / did_you_mean / corrected / notice say how the query was read (added with spelling correction);
    # query_language / semantic_model which language it was read as and which vectors answered it
    assert set(body) == {
        "query",
        "mode",
        "total",
        "results",
        "facets",
        "match",
        "did_you_mean",
        "corrected",
        "notice",
        "query_language",
        "semantic_model",
    }
    assert (body["query_language"], body["semantic_model"]) == ("en", "english")
    assert body["match"] in ("all", "most", "any") and body["did_you_mean"] is None and body["corrected"] is False
    assert (body["query"], body["mode"]) == ("youth sport", "hybrid")
    assert body["results"][0]["id"] == "beta-sports-league"
    found = {res["id"] for res in body["results"]}
    assert "alpha-youth-council" not in found and "spotlight-alpha" in found  # Europe only vs. both regions
    assert set(body["facets"]) >= {"theme", "region", "level", "stakeholder", "type", "country"}
    assert all(set(v) == {"id", "label", "count"} for values in body["facets"].values() for v in values)
    # the region facet ignores its own filter, so other regions still show what choosing them would give
    assert {v["id"] for v in body["facets"]["region"]} >= {"europe", "east-and-southern-africa"}


def test_a_typo_is_corrected_and_the_api_says_so(api: httpx.Client) -> None:
    body = api.get("/api/search", params={"q": "newcomrs"}).json()
    assert (body["did_you_mean"], body["corrected"]) == ("newcomers", True) and body["total"] > 0
    assert body["notice"] == "Showing results for “newcomers”; search instead for “newcomrs”."
    assert any("newcomers" in r["title"].lower() for r in body["results"])
    exact = api.get("/api/search", params={"q": "newcomrs", "correct": "false", "mode": "keyword"}).json()
    assert (exact["corrected"], exact["total"]) == (False, 0) and "“newcomrs”" in exact["notice"]


def test_api_and_library_give_the_same_answer(api: httpx.Client, corpus: Settings) -> None:
    params = {"q": "newcomers and housing", "mode": "keyword", "type": ["practice", "city"], "limit": 3}
    expected = load(corpus.search_dir).search(
        "newcomers and housing", mode="keyword", filters={"type": ["practice", "city"]}, limit=3
    )
    assert api.get("/api/search", params=params).json() == expected


def test_repeated_parameters_or_and_different_ones_and(api: httpx.Client) -> None:
    def got(**params) -> set[str]:
        return {r["id"] for r in api.get("/api/search", params={**params, "limit": 100}).json()["results"]}

    assert got(region=["europe", "east-and-southern-africa"]) == got(region="europe") | got(
        region="east-and-southern-africa"
    )
    assert got(region="europe", type="practice") == got(region="europe") & got(type="practice")


def test_browse_with_empty_query(api: httpx.Client) -> None:
    body = api.get("/api/search", params={"type": "city"}).json()
    assert body["total"] == 3 and {r["type"] for r in body["results"]} == {"city"}


def test_too_long_query_is_a_clear_422(api: httpx.Client) -> None:
    r = api.get("/api/search", params={"q": "x" * 501})
    assert r.status_code == 422
    body = r.json()
    assert (
        body["error"] == "query_too_long" and body["detail"]["max_length"] == 500 and "500" in body["detail"]["message"]
    )
    assert api.get("/api/search", params={"q": "x" * 500}).status_code == 200


def test_unknown_filter_value_is_a_422_listing_valid_ones(api: httpx.Client) -> None:
    r = api.get("/api/search", params={"q": "youth", "theme": ["sports", "sprots"]})
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert r.json()["error"] == "unknown_filter_value"
    assert (detail["parameter"], detail["value"], detail["did_you_mean"]) == ("theme", "sprots", ["sports"])
    assert "youth-engagement" in detail["valid"]
    r = api.get("/api/search", params={"type": "guide"})
    assert r.status_code == 422 and r.json()["detail"]["valid"] == ["practice", "city", "resource", "spotlight"]


@pytest.mark.parametrize("params", [{"mode": "fuzzy"}, {"limit": 0}, {"limit": 1000}, {"offset": -5}, {"limit": "ten"}])
def test_bad_parameters_are_422_not_500(api: httpx.Client, params: dict) -> None:
    r = api.get("/api/search", params={"q": "youth", **params})
    assert r.status_code == 422 and set(r.json()) == {"error", "detail"}


@pytest.mark.parametrize(
    "q",
    [
        '"youth council',
        "youth AND OR NOT",
        "title:youth",
        "((((",
        "Київ",
        "%00",
        "<script>alert(1)</script>",
        "' OR 1=1 --",
    ],
)
def test_awkward_queries_answer_200(api: httpx.Client, q: str) -> None:
    for mode in ("hybrid", "keyword", "semantic"):
        r = api.get("/api/search", params={"q": q, "mode": mode})
        assert r.status_code == 200, (q, mode, r.text)
        assert "<script>" not in json.dumps(r.json()["results"])


def test_openapi_documents_search(api: httpx.Client) -> None:
    spec = api.get("/openapi.json").json()
    params = {p["name"] for p in spec["paths"]["/api/search"]["get"]["parameters"]}
    assert params == {
        "q",
        "mode",
        "type",
        "theme",
        "region",
        "country",
        "level",
        "evidence",
        "stakeholder",
        "challenge",
        "limit",
        "offset",
        "correct",
        "lang",
    }  # correct=false: search exactly what was typed (spelling correction); lang: the labels' language


def test_every_registry_facet_is_a_filter_with_counts(api: httpx.Client) -> None:
    """The filters come from the facet registry (one dependency, parameters generated for /openapi.json): the
    evidence level filters, is counted, and an unknown level is the usual 422 with "did you mean"."""
    from hub.facets import facet_names

    spec = api.get("/openapi.json").json()
    declared = {p["name"]: p for p in spec["paths"]["/api/search"]["get"]["parameters"]}
    assert set(facet_names()) <= set(declared)
    assert "results-reported" in declared["evidence"]["schema"]["items"]["enum"]
    body = api.get("/api/search", params={"evidence": "results-reported", "limit": 100}).json()
    assert [r["id"] for r in body["results"]] == ["alpha-youth-council"]  # the one graded practice of the corpus
    assert {v["id"]: v["count"] for v in body["facets"]["evidence"]} == {"results-reported": 1}
    assert api.get("/api/search", params={"evidence": "results reported"}).json()["total"] == 1  # a label works too
    bad = api.get("/api/search", params={"evidence": "results reportd"})
    assert bad.status_code == 422 and bad.json()["detail"]["did_you_mean"][0] == "results-reported"
    both = api.get("/api/search", params={"evidence": "results-reported", "region": "east-and-southern-africa"})
    assert both.json()["total"] == 0  # facets AND


def test_build_without_search_index_is_a_503(tmp_path, corpus: Settings) -> None:
    from hub.build import build, check_shapes, write_catalog, write_graph

    cfg = Settings(data_dir=corpus.data_dir, build_dir=tmp_path / "build", cache_dir=tmp_path / "cache")
    build(cfg, stages=[("graph", write_graph), ("shapes", check_shapes), ("catalog", write_catalog)])
    with serve(cfg) as base:
        r = httpx.get(f"{base}/api/search", params={"q": "youth"}, timeout=30)
        assert r.status_code == 503 and "hub build" in r.json()["detail"]


def test_cli_prints_a_table_and_the_api_json(corpus: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from hub.cli import app

    monkeypatch.setenv("HUB_BUILD", str(corpus.build_dir))
    runner = CliRunner()
    table = runner.invoke(app, ["search", "Wroclaw", "--mode", "keyword", "--limit", "2"])
    assert table.exit_code == 0, table.output
    assert "Wrocław" in table.output and "Migrant information centre" in table.output
    out = runner.invoke(app, ["search", "refugees", "--theme", "migration/refugees", "--json"])
    assert out.exit_code == 0
    expected = load(corpus.search_dir).search("refugees", filters={"theme": ["migration/refugees"]}, limit=10)
    assert json.loads(out.stdout) == expected
    bad = runner.invoke(app, ["search", "x", "--region", "Europa"])
    assert bad.exit_code == 2 and "did you mean 'europe'" in bad.output
    graded = runner.invoke(app, ["search", "", "--evidence", "results reported", "--type", "practice", "--json"])
    assert graded.exit_code == 0, graded.output
    assert [r["id"] for r in json.loads(graded.stdout)["results"]] == ["alpha-youth-council"]

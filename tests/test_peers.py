"""Peer cities: the similarity, its explanations, thin profiles, free text and bad input (library and CLI).

The fixture corpus (tests/fixtures/peers) is small enough to know the right peers by
construction: two border areas hosting refugees that both run youth football
(Lakeside, Rivermouth), a Balkan municipality whose sports-coach model Lakeside
copied (Hillford), two European cities working with people at risk of
radicalisation (Northport, Westhaven), a town with one thin practice (Eastbrook) and
a city with none (Quietvale).
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from hub.build import build, default_stages
from hub.cli import app
from hub.config import Settings
from hub.peers import DescriptionError, PeerIndex, Weights, explain
from hub.peers.evaluate import expected_rank_metrics, size_only, tied_top
from hub.peers.index import PEERS_FILE, UnknownCity, close_cities, read_peers
from hub.peers.profile import MAX_DESCRIPTION, Profile, city_profile, extract_concepts
from hub.peers.similarity import Similarity, Stats, size_similarity
from hub.text import mask, name_pattern


@pytest.fixture(scope="module")
def peers(peers_settings: Settings) -> dict:
    return json.loads((peers_settings.build_dir / PEERS_FILE).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def records(peers_settings: Settings) -> dict[str, dict]:
    return {r["id"]: r for r in json.loads((peers_settings.build_dir / "records.json").read_text(encoding="utf-8"))}


@pytest.fixture(scope="module")
def index(peers_settings: Settings) -> PeerIndex:
    return PeerIndex.load(peers_settings.build_dir)


def peer_ids(entry: dict) -> list[str]:
    return [p["id"] for p in entry["peers"]]


def by_id(entry: dict, pid: str) -> dict:
    return next(p for p in entry["peers"] if p["id"] == pid)


# --- the similarity ------------------------------------------------------------------------------------


def _profile(pid: str, themes: set[str]) -> Profile:
    return Profile(id=pid, label=pid, concepts={"themes": frozenset(themes)})


def test_a_rare_shared_concept_counts_more_than_a_common_one() -> None:
    # A shares a rare theme with B (only they have it) and a common one with C (five cities have it)
    profiles = [
        _profile("a", {"remembrance", "sports"}),
        _profile("b", {"remembrance", "housing"}),
        _profile("c", {"sports", "funding"}),
        *(_profile(x, {"sports"}) for x in "def"),
    ]
    sim = Similarity(Stats.of(profiles), Weights(concepts=1, text=0, region=0, country=0, admin=0, situation=0))
    a, b, c = profiles[:3]
    assert sim.match(a, b).score > sim.match(a, c).score > 0


def test_broader_concepts_give_partial_credit() -> None:
    # sports and culture are both "primary prevention service areas"; housing sits under urban planning
    profiles = [
        _profile("a", {"sports"}),
        _profile("b", {"culture"}),
        _profile("c", {"remembrance"}),
        _profile("d", {"mentorship"}),
    ]
    sim = Similarity(Stats.of(profiles), Weights(concepts=1, text=0, region=0, country=0, admin=0, situation=0))
    assert sim.match(profiles[0], profiles[1]).components["concepts"] > 0
    assert sim.match(profiles[0], profiles[2]).components["concepts"] == 0


def test_scores_are_symmetric_bounded_and_a_profile_is_its_own_best_match(index: PeerIndex) -> None:
    cities = list(index.profiles.values())
    for a in cities:
        for b in cities:
            ab, ba = index.sim.match(a, b), index.sim.match(b, a)
            assert ab.score == pytest.approx(ba.score)
            assert 0.0 <= ab.score <= 1.0
            assert all(0.0 <= v <= 1.0 for v in ab.components.values())
        if a.practices:
            assert index.sim.match(a, a).score >= max(index.sim.match(a, b).score for b in cities)


def test_known_peers_come_first(peers: dict) -> None:
    assert set(peer_ids(peers["lakeside"])[:2]) == {"rivermouth", "hillford"}
    assert peer_ids(peers["westhaven"])[0] == "northport"
    assert peer_ids(peers["northport"])[0] == "westhaven"
    assert all(e["city"] not in peer_ids(e) for e in peers.values())  # never its own peer
    for e in peers.values():
        scores = [p["score"] for p in e["peers"]]
        assert scores == sorted(scores, reverse=True)


# --- explanations --------------------------------------------------------------------------------------


def test_reasons_say_in_plain_words_what_is_shared(peers: dict) -> None:
    river = by_id(peers["lakeside"], "rivermouth")["reasons"]
    assert "both are border areas" in river and "both host refugees or migrants" in river
    hill = " / ".join(by_id(peers["lakeside"], "hillford")["reasons"])
    assert "sports" in hill and "youth" in hill
    north = " / ".join(by_id(peers["westhaven"], "northport")["reasons"])
    assert "referral" in north
    for e in peers.values():
        for p in e["peers"]:
            assert 1 <= len(p["reasons"]) <= 4
            assert all(r and "-" not in r.split()[0] for r in p["reasons"])  # words, not concept ids


def test_shared_concepts_are_what_both_cities_carry(peers: dict, records: dict) -> None:
    for cid, e in peers.items():
        for p in e["peers"]:
            for facet in ("themes", "challenges", "stakeholders", "levels"):
                assert set(p["shared"][facet]) <= set(records[cid][facet]) & set(records[p["id"]][facet])
            assert set(p["shared"]["context"]) == set(records[cid]["context"]) & set(records[p["id"]]["context"])
    assert set(by_id(peers["lakeside"], "hillford")["shared"]["themes"]) == {"sports", "youth engagement"}


def test_differs_and_practices_point_at_the_peer(peers: dict, records: dict) -> None:
    hill = by_id(peers["lakeside"], "hillford")
    assert any("Western Balkans" in d for d in hill["differs"])  # another region
    assert any(
        "cross-border militancy" in d or "youth radicalisation" in d for d in hill["differs"]
    )  # Lakeside's concerns it lacks
    assert [x["id"] for x in hill["practices"]] == ["hillford-sports-trainers"]
    for cid, e in peers.items():
        for p in e["peers"]:
            own = set(records[cid].get("practices") or [])
            assert {x["id"] for x in p["practices"]} <= set(records[p["id"]]["practices"]) - own


# --- thin profiles ---------------------------------------------------------------------------------------


def test_thin_profiles_still_get_peers_with_a_note(peers: dict) -> None:
    one, none, two = peers["eastbrook"], peers["quietvale"], peers["rivermouth"]
    assert one["thin"] and "single practice" in one["note"] and one["peers"]
    assert none["thin"] and "No practice" in none["note"] and len(none["peers"]) >= 1
    assert not two["thin"] and two["note"] is None
    # Eastbrook's one youth practice and its country put the Ugandan youth-league city first
    assert peer_ids(one)[0] == "rivermouth"


def test_learning_links_are_not_inputs(peers_settings: Settings, peers: dict, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(peers_settings.data_dir, data)
    for f in (data / "cities").glob("*.md"):
        text = f.read_text(encoding="utf-8")
        if "relation:" in text:
            head, rest = text.split("links:", 1)
            f.write_text(head + "links: []\nsources:" + rest.split("sources:", 1)[1], encoding="utf-8")
    assert "relation:" not in "".join(f.read_text() for f in (data / "cities").glob("*.md"))
    cfg = Settings(data_dir=data, build_dir=tmp_path / "build", cache_dir=peers_settings.cache_dir)
    build(cfg, stages=[s for s in default_stages() if s[0] in ("graph", "catalog", "peers")])
    assert json.loads((cfg.build_dir / PEERS_FILE).read_text(encoding="utf-8")) == peers


def test_peers_reuse_the_masked_chunks_search_embeds(mini: Settings, tmp_path: Path) -> None:
    """A body's chunks are embedded once, masked, for search and peers; only a record too short for chunks
    gets a masked copy of its title and summary, and only when they name a city."""
    from hub.peers.index import _text_groups
    from hub.search.semantic import city_names, units

    mini = dataclasses.replace(mini, cache_dir=tmp_path / "cache")  # a cold cache of its own: this test counts encodes
    long = mini.data_dir / "practices/alpha-youth-council.md"
    paragraph = " ".join(
        ["Young residents of Alphaville asked Beta City how its league finds coaches, and the council wrote a plan."]
        * 4
    )
    long.write_text(long.read_text(encoding="utf-8") + "\n" + "\n\n".join([paragraph] * 3), encoding="utf-8")
    first = build(mini).stats
    catalog = json.loads((mini.build_dir / "records.json").read_text(encoding="utf-8"))
    names = city_names(catalog)
    searched = {u.encoded for n, e in enumerate(catalog) for u in units(n, e, names)}
    groups = _text_groups(catalog)
    shared = groups["practice:alpha-youth-council"]
    assert len(shared) >= 2 and set(shared) <= searched  # the chunks: search embedded them, peers read them
    assert all("the city asked the city" in t for t in shared)
    masked = {t for texts in groups.values() for t in texts}
    assert masked - searched  # the short Beta City practice: its masked title + summary
    assert first["peer_texts_encoded"] == len(masked - searched)
    assert all(not names.search(t) for t in masked)
    assert build(mini).stats["peer_texts_encoded"] == 0  # and a rebuild embeds nothing


def test_city_names_are_masked_before_embedding() -> None:
    pattern = name_pattern(["Isiolo", "Isiolo County", "Wrocław"])
    assert (
        mask("Isiolo County copied Wrocław's model; isiolo agreed.", pattern)
        == "the city copied the city's model; the city agreed."
    )


# --- free text -------------------------------------------------------------------------------------------


def test_concepts_are_read_from_labels_and_synonyms() -> None:
    concepts, situations = extract_concepts(
        "Our border town hosts refugees. We fund sports clubs and youth councils and fight online hate, "
        "with religious leaders; the primary school is new."
    )
    assert {"sports", "youth-engagement", "online-harms"} <= concepts["themes"]
    assert {"sports-organisations", "faith-leaders"} <= concepts["stakeholders"]  # synonyms → preferred concepts
    assert "online-hate" in concepts["challenges"]
    assert concepts["levels"] == frozenset()  # "primary school" is not primary prevention
    assert situations == {"border-area", "hosts-refugees-or-migrants"}


def test_described_city_gets_explained_peers(index: PeerIndex) -> None:
    resp = index.describe(
        "A county on the border that hosts refugees. Militants recruit idle young people; "
        "we train football coaches and sports clubs to keep youth busy.",
        country="Kenya",
        limit=3,
    )
    assert resp["city"] is None and resp["profile"]["region"] == "East and Southern Africa"
    assert "sports" in resp["profile"]["themes"] and "border area" in resp["profile"]["context"]
    assert peer_ids(resp)[0] == "lakeside"
    assert len(resp["peers"]) == 3
    assert "both are border areas" in resp["peers"][0]["reasons"]


def test_description_naming_nothing_known_says_what_would_help(index: PeerIndex) -> None:
    resp = index.describe("A quiet place by the sea.")
    assert resp["thin"] and resp["peers"] == [] and "say what the city faces" in resp["note"]
    placed = index.describe("A quiet place by the sea.", country="Uganda")  # place alone is something to go on
    assert placed["thin"] and {p["id"] for p in placed["peers"]} >= {"rivermouth", "eastbrook"}


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"description": ""}, "empty"),
        ({"description": "   \n\t "}, "empty"),
        ({"description": "word " * (MAX_DESCRIPTION // 4)}, "characters"),
        ({"description": "a town", "country": "Narnia"}, "unknown country"),
        ({"description": "a town", "country": "Kenia"}, "did you mean 'Kenya'"),
        ({"description": "a town", "region": "Europe", "country": "Kenya"}, "East and Southern Africa"),
    ],
)
def test_bad_descriptions_are_refused_with_a_reason(index: PeerIndex, kwargs: dict, message: str) -> None:
    with pytest.raises(DescriptionError, match=message):
        index.describe(**kwargs)


def test_country_synonyms_are_accepted(index: PeerIndex) -> None:
    assert index.describe("a town by the sea", country="UK")["profile"]["country"] == "United Kingdom"


# --- lookups and evaluation helpers -----------------------------------------------------------------------


def test_unknown_city_suggests_close_ids_and_names(peers_settings: Settings, records: dict) -> None:
    assert close_cities("lakesde", records)[0]["id"] == "lakeside"
    assert close_cities("West Haven", records)[0]["id"] == "westhaven"  # by name
    assert close_cities("zzzz", records) == []
    assert all(s["type"] == "city" for s in close_cities("lakeside-football-for-peace", records))  # never another kind
    with pytest.raises(UnknownCity) as exc:
        read_peers(peers_settings.build_dir, "rivermoth")
    assert exc.value.suggestions[0]["id"] == "rivermouth"


def test_tied_ranks_count_as_their_expectation() -> None:
    assert expected_rank_metrics({"a": 1.0, "b": 1.0, "c": 0.0}, "a", k=1) == (pytest.approx(0.75), 0.5)
    rr, hit = expected_rank_metrics({str(i): 0.0 for i in range(10)}, "3", k=5)
    assert rr == pytest.approx(sum(1 / r for r in range(1, 11)) / 10) and hit == pytest.approx(0.5)


def test_size_similarity_falls_with_the_orders_of_magnitude_between_two_populations() -> None:
    assert size_similarity(50_000, 50_000) == 1.0
    assert size_similarity(40_000, 400_000) == pytest.approx(0.5) == size_similarity(400_000, 40_000)
    assert size_similarity(40_000, 4_000_000) == 0.0 == size_similarity(1_000, 9_000_000)  # clipped, not negative
    assert size_similarity(None, 50_000) is None and size_similarity(50_000, 0) is None  # unknown is not "unlike"


def test_size_only_baseline_ties_unknown_sizes_in_the_middle() -> None:
    sizes = (("t", 60_000), ("c", 6_000_000), ("u", None))
    town, city, unknown = (Profile(id=x, label=x, population=n) for x, n in sizes)
    assert size_only(town, city) < size_only(town, unknown) == size_only(unknown, city) == 0.5 < size_only(town, town)


def test_a_city_profile_takes_its_population_from_geonames() -> None:
    city = {"id": "x", "title": "X", "geonames": {"id": 1, "population": 81_000}}
    assert city_profile(city, [], np.zeros((0, 384), np.float32)).population == 81_000
    assert city_profile({"id": "y", "title": "Y"}, [], np.zeros((0, 384), np.float32)).population is None
    assert city_profile({**city, "geonames": {"id": 1, "population": 0}}, [], np.zeros((0, 384))).population is None


def test_tied_top_counts_the_lists_pages_show_with_three_peers_at_one_score(index: PeerIndex, peers: dict) -> None:
    expected = sorted(
        cid
        for cid, entry in peers.items()
        if max(Counter(round(p["score"], 2) for p in entry["peers"][:5]).values(), default=0) >= 3
    )
    assert tied_top(index) == expected
    assert tied_top(index, at_least=6) == []  # six cannot tie in a top five
    assert tied_top(index, at_least=1) == sorted(cid for cid, e in peers.items() if e["peers"])


def test_stored_vectors_reproduce_the_build(peers_settings: Settings, index: PeerIndex, peers: dict) -> None:
    assert index.all() == peers  # the API's POST path ranks against exactly what the build ranked
    assert all(np.isclose(np.linalg.norm(v), 1.0, atol=1e-4) for p in index.profiles.values() for v in p.vectors)


# --- CLI ---------------------------------------------------------------------------------------------------


def _cli(settings: Settings, *args: str):
    return CliRunner().invoke(app, ["peers", *args], env={"HUB_BUILD": str(settings.build_dir)})


def test_cli_lists_peers_with_reasons(peers_settings: Settings) -> None:
    res = _cli(peers_settings, "lakeside", "--limit", "2")
    assert res.exit_code == 0, res.output
    assert "Rivermouth" in res.output and "Hillford" in res.output and "both are border areas" in res.output
    as_json = json.loads(_cli(peers_settings, "lakeside", "--json").output)
    assert as_json["city"] == "lakeside" and as_json["peers"]


def test_cli_describe_and_bad_input(peers_settings: Settings) -> None:
    res = _cli(
        peers_settings,
        "--describe",
        "We run a safety house where police and social workers discuss people at risk of radicalisation.",
    )
    assert res.exit_code == 0, res.output
    assert "1. Westhaven" in res.output or "1. Northport" in res.output
    res = _cli(peers_settings, "lakesid")
    assert res.exit_code == 2 and "did you mean 'lakeside'" in res.output
    assert _cli(peers_settings, "--describe", "   ").exit_code == 2
    assert _cli(peers_settings).exit_code != 0  # neither a city nor a description
    assert _cli(peers_settings, "lakeside", "--describe", "x").exit_code != 0  # both


# --- size in words, and peers alike only through one practice grouped into one card ---------------------------


def test_size_is_said_in_round_figures_and_only_where_it_is_known() -> None:
    town = Profile(id="t", label="Aalborg", population=142_937)
    assert explain.people(142_937) == "about 140,000 people" and explain.people(3_255_944) == "about 3.3 million people"
    assert explain.size_alike(town, Profile(id="d", label="Dijon", population=159_941)) == (
        "both have about 140,000–160,000 people"
    )
    assert explain.size_alike(town, Profile(id="m", label="Madrid", population=3_255_944)) is None
    assert explain.size_gap(town, Profile(id="m", label="Madrid", population=3_255_944)) == (
        "Madrid is far larger (about 3.3 million people; Aalborg about 140,000)"
    )
    assert explain.size_gap(town, Profile(id="k", label="Kolo", population=30_000)).startswith(
        "Kolo is about a fifth the size"
    )
    assert explain.size_gap(town, Profile(id="u", label="Unknown")) is None  # never a guess
    assert explain.size_alike(town, Profile(id="u", label="Unknown")) is None


def _grouping_index() -> PeerIndex:
    """A city with its own practice, four cities known only through one workshop, and one with its own work."""

    def practice(pid: str, cities: list[str], themes: list[str]) -> dict:
        return {
            "id": pid,
            "type": "practice",
            "title": pid.title(),
            "url": f"/practices/{pid}/",
            "summary": "",
            "cities": [{"id": c} for c in cities],
            "facets": {"theme": themes},
        }

    def city(cid: str, practices: list[str], population: int | None) -> dict:
        return {
            "id": cid,
            "type": "city",
            "title": cid.title(),
            "url": f"/cities/{cid}/",
            "country": "Spain",
            "region": "Europe",
            "admin_type": "city",
            "practices": practices,
            "geonames": {"id": 1, "population": population} if population else None,
        }

    members = {"ames": 90_000, "bera": 3_000_000, "cora": 55_000, "dena": None}
    catalog = [
        practice("own", ["home"], ["youth-engagement", "sports"]),
        practice("workshop", list(members), ["youth-engagement"]),
        practice("other", ["else"], ["sports"]),
        city("home", ["own"], 60_000),
        *(city(c, ["workshop"], n) for c, n in members.items()),
        city("else", ["other"], 70_000),
    ]
    rng = np.random.default_rng(3)
    vectors = {
        f"practice:{p}": v / np.linalg.norm(v)
        for p, v in zip(("own", "workshop", "other"), rng.normal(size=(3, 384)).astype(np.float32), strict=True)
    }
    return PeerIndex(catalog, vectors)


def test_peers_alike_only_through_one_practice_are_one_card_naming_each_member() -> None:
    index = _grouping_index()
    cards = index.city("home")["peers"]
    grouped = [c for c in cards if c["group"]]
    assert len(grouped) == 1 and len(cards) == 2  # four cities, one card; "else" has its own
    card = grouped[0]
    # closest in size first, the unknown size in the middle
    assert [m["id"] for m in card["members"]] == ["cora", "ames", "dena", "bera"]
    assert card["label"] == "Cora, Ames, Dena and Bera"
    assert card["group"]["practices"] == [{"id": "workshop", "title": "Workshop", "url": "/practices/workshop/"}]
    assert card["reasons"][0] == card["group"]["text"] == "Cora, Ames, Dena and Bera all took part in “Workshop”"
    assert all(not r.startswith("both ") for r in card["reasons"])  # said of all of them
    assert "workshop" not in [p["id"] for p in card["practices"]]  # the practice is linked once, by the group
    assert [m["size"] for m in card["members"]] == [
        "about 55,000 people",
        "about 90,000 people",
        None,
        "about 3 million people",
    ]
    assert {c["id"] for c in index.city("home", limit=1)["peers"]} <= {"cora", "else"}  # a limit counts cards
    assert tied_top(_grouping_index(), at_least=2) == [] != tied_top(_grouping_index(), at_least=2, grouped=False)

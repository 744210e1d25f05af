"""The held-out evaluation on the real corpus guards a floor: peers must keep finding the cities a city learned from.

The learning links in data/cities are never inputs to the score (test_peers.py proves
it); here they are the truth. The floors sit below the figures in README "Peer cities"
so routine curation does not trip them, but a broken similarity (or one that stopped
beating "same country, then same region") does.
"""

from __future__ import annotations

import pytest

from hub.config import Settings
from hub.peers import PeerIndex, evaluate as ev

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def index(corpus_settings: Settings) -> PeerIndex:
    return PeerIndex.load(corpus_settings.build_dir)


def test_the_corpus_has_links_to_evaluate_on(index: PeerIndex) -> None:
    links = ev.links(index)
    assert len(links) >= 20
    assert {ln.relation for ln in links} >= {"learned_from", "replicated", "attended_event_in", "peer_group"}


def test_blend_beats_place_baselines_with_co_listed_practices_held_out(index: PeerIndex) -> None:
    blend = ev.summary(ev.score_links(index, ev.model(index), held_out=True))
    place = ev.summary(ev.score_links(index, ev.same_country_then_region, held_out=True))
    region = ev.summary(ev.score_links(index, ev.same_region, held_out=True))
    rand = ev.summary(ev.score_links(index, ev.random_baseline, held_out=True))
    assert blend["mrr"] > place["mrr"] > region["mrr"] > rand["mrr"]
    assert blend["hit@5"] > place["hit@5"]
    assert blend["hit@5"] >= 0.45 and blend["mrr"] >= 0.33


def test_blend_with_all_practices(index: PeerIndex) -> None:
    full = ev.summary(ev.score_links(index, ev.model(index), held_out=False))
    assert full["hit@5"] >= 0.7 and full["mrr"] >= 0.45


def test_every_city_gets_peers_with_reasons(corpus_settings: Settings) -> None:
    import json

    peers = json.loads((corpus_settings.build_dir / "peers.json").read_text(encoding="utf-8"))
    cities = [
        r
        for r in json.loads((corpus_settings.build_dir / "records.json").read_text(encoding="utf-8"))
        if r["type"] == "city"
    ]
    assert set(peers) == {c["id"] for c in cities}
    for entry in peers.values():
        assert entry["peers"], entry["city"]
        assert all(p["reasons"] for p in entry["peers"])
        assert entry["thin"] == (entry["note"] is not None)

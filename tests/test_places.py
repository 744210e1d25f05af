"""Where a record is, said one way everywhere: over every record of the real corpus, the catalogue's city and
country come from the same place, the search index and /api/search carry the same, and the place phrase is
the one the record pages print ("Cape Town, London, Edmonton and 46 more")."""

from __future__ import annotations

import json
import re

from hub import vocab
from hub.config import VOCAB_DIR, Settings
from hub.search.index import load


def _records(cfg: Settings) -> list[dict]:
    return json.loads((cfg.build_dir / "records.json").read_text(encoding="utf-8"))


def _region_of(country: str) -> str | None:
    concept = vocab.load(VOCAB_DIR)["countries"].get(country)
    region = vocab.region_of_country(concept.id) if concept else None
    return region.label if region else None


def test_every_record_names_one_place_not_two_halves(corpus_settings: Settings) -> None:
    records = _records(corpus_settings)
    mixed = 0
    for e in records:
        if e["cities"]:
            first = e["cities"][0]
            assert (e["city"], e["country"]) == (first["label"], first["country"]), e["id"]
            mixed += first["country"] != e["countries"][0]  # where taking the two halves apart went wrong before
        else:
            assert e["city"] is None and e["country"] == (e["countries"][0] if e["countries"] else None), e["id"]
        assert e["region"] == (_region_of(e["country"]) if e["country"] else None), e["id"]
    assert mixed > 0, (
        "the corpus no longer has a record whose first country is not its first city's: the check above proves less"
    )


def test_place_phrase_is_the_pages_phrase(corpus_settings: Settings) -> None:
    records = _records(corpus_settings)
    many = [e for e in records if len(e["cities"]) > 3]
    assert many, "the corpus has records about many places"
    for e in many:
        labels = [c["label"] for c in e["cities"]]
        assert e["place"] == f"{', '.join(labels[:3])} and {len(labels) - 3} more"
        page = (corpus_settings.site_dir / e["url"].strip("/") / "index.html").read_text(encoding="utf-8")
        if (
            e["type"] != "resource"
        ):  # a resource page's header names its publisher; its cards and search results the places
            assert re.search(f'class="record-place">{re.escape(e["place"])}( · \\d{{4}})?<', page), e["id"]
    few = [e for e in records if 0 < len(e["cities"]) <= 3]
    for e in few:
        assert e["place"].startswith(", ".join(c["label"] for c in e["cities"])) and all(
            c in e["place"] for c in e["countries"]
        )


def test_search_results_carry_the_catalogues_place(corpus_settings: Settings) -> None:
    index = load(corpus_settings.search_dir)
    by_id = {e["id"]: e for e in _records(corpus_settings)}
    fields = ("city", "country", "region", "place")
    assert {d["id"]: tuple(d.get(f) for f in fields) for d in index.docs} == {
        i: tuple(e[f] for f in fields) for i, e in by_id.items()
    }
    covered: set[str] = set()
    for e in by_id.values():  # what a search answers, for every record: each title as a query
        for r in index.search(e["title"], mode="keyword", limit=10)["results"]:
            assert tuple(r[f] for f in fields) == tuple(by_id[r["id"]][f] for f in fields), r["id"]
            covered.add(r["id"])
    assert len(covered) > 0.9 * len(by_id)

"""Search in the network's languages: a need typed in French, Spanish, Portuguese, Arabic or Russian finds the English
record it asks for, through the real `hub serve` over the real corpus, with the real multilingual model.

The queries here are this file's own (not the judged cross-lingual set, whose test split stays held out), each the
need behind one English record, phrased in words its title does not share."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import httpx
import numpy as np
import pytest

from hub.build import build
from hub.config import Settings
from hub.search import multilingual
from hub.search.index import load

from sparql_server import asgi_client

NEEDS = [  # (language, query, the English record it asks for)
    ("fr", "politique de logement inclusive pour que personne ne se retrouve à la rue", "helsinki-home-town-helsinki"),
    ("es", "centro de crisis para los refugiados que llegan de Ucrania", "bratislava-ukrainian-refugee-crisis-centre"),
    (
        "pt",
        "desenho urbano e prevenção do crime para os governos locais",
        "victoria-urban-design-crime-prevention-platform",
    ),
    ("ar", "تطبيق للمدارس للإبلاغ عن التنمر", "rio-safe-school-app"),
    ("ru", "картирование ненависти в интернете с помощью обработки естественного языка", "malmo-online-hate-mapping"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("lang", "query", "record"), NEEDS, ids=[n[0] for n in NEEDS])
def test_a_need_in_another_language_finds_its_english_record(live_hub: str, lang: str, query: str, record: str) -> None:
    answer = httpx.get(f"{live_hub}/api/search", params={"q": query}, timeout=60).raise_for_status().json()
    assert (answer["query_language"], answer["semantic_model"], answer["mode"]) == (lang, "multilingual", "hybrid")
    top = [r["id"] for r in answer["results"][:3]]
    assert record in top, top


@pytest.mark.slow
@pytest.mark.parametrize(("lang", "query", "record"), NEEDS, ids=[n[0] for n in NEEDS])
def test_a_need_in_another_language_matches_a_part_of_the_hub_not_all_of_it(
    corpus_settings: Settings, lang: str, query: str, record: str
) -> None:
    """e5's cosines sit in a narrow band: with a floor alone, "radicalisation des jeunes" matched 200 of 309 records.
    A record has to score near the best one too (``FusionParams.xl_margin``), and the one asked for stays."""
    index = load(corpus_settings.search_dir)
    answer = index.search(query, limit=100)
    assert answer["total"] <= len(index.docs) // 2, answer["total"]
    assert record in [r["id"] for r in answer["results"]]


@pytest.mark.slow
def test_english_queries_keep_their_path_and_never_run_the_second_model(corpus_settings: Settings) -> None:
    index = load(corpus_settings.search_dir)
    assert index.multilingual is not None
    for q in ("how to keep young people from being recruited by extremists", "Rio de Janeiro", "São Paulo"):
        answer = index.search(q)
        assert (answer["query_language"], answer["semantic_model"]) == ("en", "english"), q
    assert index.search("youth council", mode="keyword")["semantic_model"] is None
    assert len(index.multilingual.encode_query._cache) == 0  # not one English query was encoded by it
    index.search("radicalisation des jeunes")
    assert len(index.multilingual.encode_query._cache) == 1


def test_the_build_writes_multilingual_vectors_once_and_reuses_them(mini: Settings, tmp_path: Path) -> None:
    cold = dataclasses.replace(mini, cache_dir=tmp_path / "cache")
    first = build(cold).stats["search"]
    records = first["records"]
    assert (first["multilingual_encoded"], first["multilingual_reused"]) == (records, 0)
    vectors = np.load(cold.search_dir / multilingual.VECTORS)
    assert vectors.shape == (records, multilingual.DIMENSIONS)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-3)
    again = build(cold).stats["search"]
    assert (again["multilingual_encoded"], again["multilingual_reused"]) == (0, records)  # by content hash


FRENCH = "le conseil des jeunes qui conseille le maire"


def test_without_multilingual_vectors_other_languages_fall_back_and_say_so(
    mini: Settings, mini_build: Settings
) -> None:
    """HUB_MULTILINGUAL=0: no vectors in the build; a French query is answered by keyword (with the translated labels:
    "jeunes" also searches "youth") and the English model; the same build with the vectors answers it with them."""
    cfg = dataclasses.replace(mini, multilingual=False)
    stats = build(cfg).stats["search"]
    assert "multilingual_encoded" not in stats and not (cfg.search_dir / multilingual.VECTORS).exists()
    assert load(cfg.search_dir).multilingual is None
    with asgi_client(cfg) as client:
        answer = client.get("/api/search", params={"q": FRENCH}).json()
        assert (answer["query_language"], answer["semantic_model"]) == ("fr", "english")
        assert answer["results"][0]["id"] == "alpha-youth-council"  # through "jeunes" -> youth, by keyword
        mixed = client.get("/api/search", params={"q": "conseil des jeunes youth council"}).json()
        assert (mixed["query_language"], mixed["semantic_model"]) == ("fr", "english")
        assert mixed["results"][0]["id"] == "alpha-youth-council"  # the English model still answers its English
    with asgi_client(mini_build) as client:
        answer = client.get("/api/search", params={"q": FRENCH}).json()
    assert (answer["query_language"], answer["semantic_model"]) == ("fr", "multilingual")
    assert answer["results"][0]["id"] == "alpha-youth-council"


def test_the_setting_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_MULTILINGUAL", "0")
    assert Settings().multilingual is False
    monkeypatch.setenv("HUB_MULTILINGUAL", "1")
    assert Settings().multilingual is True
    monkeypatch.delenv("HUB_MULTILINGUAL")
    assert Settings().multilingual is True


def test_the_multilingual_model_puts_a_translation_next_to_its_source() -> None:
    """query/passage modes as e5 expects: a French question is closer to its English passage than to another."""
    q = multilingual.encode_query("comment aider les réfugiés à trouver un logement")
    passages = multilingual.encode_passages(
        ["Helping refugees find housing in the city.", "Training police officers on hate crime."], progress=False
    )
    sims = passages @ q
    assert sims[0] > sims[1] + 0.03, sims
    assert json.dumps(float(sims[0]))  # plain floats, unit vectors

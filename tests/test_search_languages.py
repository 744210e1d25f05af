"""Search in the network's other languages: the analyser (function words, Arabic and Cyrillic), the translated labels
as words of their concepts, city names in other scripts, and labels answered in the language asked for.

The analyser tests need no build; the others read the real corpus (``corpus_settings``) through the real app."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from hub import vocab
from hub.config import VOCAB_DIR, Settings
from hub.search.keyword import Translations, analyse, analyzer
from hub.search.languages import normalise_arabic, stem_arabic
from hub.search.rendering import to_english

from sparql_server import asgi_client

LANGS = ("fr", "es", "pt", "ar", "ru")


# --- the analyser ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,words",
    [
        ("radicalisation des jeunes", ["radicalis", "jeun"]),  # "des" was stemmed to "de" and matched
        ("Rio de Janeiro", ["rio", "janeiro"]),
        ("prevención de la violencia en el barrio", ["prevencion", "violencia", "barrio"]),
        ("prevenção do extremismo na escola", ["prevencao", "extremismo", "escola"]),
        ("профилактика экстремизма в школе и на улице", ["профилактик", "экстремизм", "школ", "улиц"]),
        ("الوقاية من التطرف في المدارس", ["وقا", "تطرف", "مدارس"]),
    ],
)
def test_function_words_are_not_searched(text: str, words: list[str]) -> None:
    assert analyse(text) == words


def test_english_words_that_look_foreign_are_kept() -> None:
    """ "un" is the United Nations, "no", "son", "plus" are English: not stop words."""
    assert analyse("UN Women") == ["un", "women"]
    assert analyse("no son plus") == ["no", "son", "plu"]


def test_russian_yo_and_case() -> None:
    assert analyse("молодёжь") == analyse("Молодежь") == analyse("МОЛОДЁЖИ") == ["молодеж"]
    assert analyse("молодой") == ["молод"]  # "й" is kept (folding would make it "и" and break the ending)


def test_arabic_spellings_and_diacritics_meet() -> None:
    assert normalise_arabic("إسلام") == normalise_arabic("أسلام") == "اسلام"  # hamza on or under alef: bare alef
    assert normalise_arabic("مدرسة") == "مدرسه" and normalise_arabic("على") == "علي"  # taa marbuta, alef maqsura
    assert analyse("الشَّبَاب") == analyse("الشباب") == analyse("للشباب") == analyse("والشباب") == ["شباب"]
    assert analyse("مُحاضَرة") == ["محاضر"]  # a word with tashkeel stays one word
    assert stem_arabic("المدينة") == stem_arabic("مدينة")


def test_accents_fold_as_before() -> None:
    assert analyse("Prishtinë") == analyse("prishtine") and analyse("Wrocław") == ["wroclaw"]


def test_translations_search_the_english_label_one_way() -> None:
    """A label in another language adds its concept's English label; the English label adds nothing."""
    t = Translations([["youth", "jeunesse", "jeunes", "الشباب"], ["tertiary", "prévention tertiaire"]], analyzer())
    assert t.covering(analyse("radicalisation des jeunes")) == {("youth",): frozenset({"jeun"})}
    assert t.covering(analyse("الشباب")) == {("youth",): frozenset(analyse("الشباب"))}
    assert t.covering(analyse("youth radicalisation")) == {}
    assert t.covering(analyse("jeunesse youth")) == {}  # the English label is already searched
    assert t.covering(analyse("prévention")) == {}  # a part of a label is not the label


def test_a_query_is_rendered_in_english_through_the_labels() -> None:
    """Each translated label becomes its concept's English label, the longest label first and without its
    qualifier; names and words no label holds stay as typed, function words go."""
    t = Translations(
        [
            ["youth", "jeunesse", "jeunes"],
            ["civil society partnership", "partenariat avec la société civile", "société civile"],
            ["violent extremism (general)", "extrémisme violent", "التطرف العنيف"],
        ],
        analyzer(),
    )
    assert to_english("comité des Jeunes à Dakar", t) == "comité youth Dakar"
    assert to_english("partenariat avec la société civile contre l'extrémisme violent", t) == (
        "civil society partnership contre violent extremism"
    )
    assert to_english("منع التطرف العنيف في العراق", t) == "منع violent extremism العراق"
    assert to_english("youth in Dakar", t) == "youth Dakar"  # English stays English


# --- the real corpus ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def api(corpus_settings: Settings) -> Iterator[httpx.Client]:
    with asgi_client(corpus_settings) as client:
        yield client


NOT_ABOUT_IT = {"rio-de-janeiro", "rio-safe-school-app", "safe-school-app", "rabat-gender-responsive-urban-planning"}


@pytest.mark.parametrize("mode", ["keyword", "hybrid"])
def test_french_function_words_match_nothing(api: httpx.Client, mode: str) -> None:
    """Before: "Rio de Janeiro" and Rabat's "Jossour Forum des Femmes" were among the first results, on "des"."""
    body = api.get("/api/search", params={"q": "radicalisation des jeunes", "mode": mode, "limit": 10}).json()
    ids = [r["id"] for r in body["results"]]
    assert not NOT_ABOUT_IT & set(ids), ids
    about = [r for r in body["results"] if "radicali" in (r["title"] + r["snippet"]).lower()]
    assert len(about) >= 5, [r["title"] for r in body["results"]]


@pytest.mark.parametrize("name,city", [("Вроцлав", "wroclaw"), ("Prishtinë", "prishtina"), ("Гаага", "the-hague")])
def test_cities_are_found_by_their_names_in_other_scripts(api: httpx.Client, name: str, city: str) -> None:
    body = api.get("/api/search", params={"q": name, "mode": "keyword", "type": "city"}).json()
    assert [r["id"] for r in body["results"]][:1] == [city], body["results"][:3]


@pytest.mark.parametrize("q", ["الشباب", "молодёжь", "منع التطرف العنيف لدى الشباب"])
def test_arabic_and_cyrillic_words_are_not_corrected_into_city_names(api: httpx.Client, q: str) -> None:
    """The index's only Arabic and Cyrillic words were city names: "الشباب" (youth) was "corrected" to "الرباط"."""
    body = api.get("/api/search", params={"q": q, "mode": "keyword"}).json()
    assert body["did_you_mean"] is None and body["corrected"] is False
    assert "rabat" not in [r["id"] for r in body["results"]]


def test_a_french_query_is_not_corrected_into_english(api: httpx.Client) -> None:
    """Its function words say it is not English: "jeunes" is no typo of "june"; an English typo still is one."""
    body = api.get("/api/search", params={"q": "radicalisation des jeunes", "mode": "keyword"}).json()
    assert body["did_you_mean"] is None and body["corrected"] is False
    english = api.get("/api/search", params={"q": "radicalisaton of the youth", "mode": "keyword"}).json()
    assert english["did_you_mean"] == "radicalisation of the youth"


def _tagged(api: httpx.Client, facet: str, concept: str) -> set[str]:
    body = api.get("/api/search", params={facet: concept, "mode": "keyword", "limit": 100}).json()
    return {r["id"] for r in body["results"]}


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(
    "facet,scheme,concept", [("level", "prevention-levels", "tertiary"), ("stakeholder", "stakeholders", "youth")]
)
def test_a_concept_is_found_by_its_label_in_each_language(
    api: httpx.Client, lang: str, facet: str, scheme: str, concept: str
) -> None:
    """The label of the concept in that language (hub/ontology/vocab/labels/) finds every record tagged with it, and
    those first (records that only speak of it in English, through its English label, follow)."""
    label = vocab.load(VOCAB_DIR)[scheme].concepts[concept].labels[lang]
    body = api.get("/api/search", params={"q": label, "mode": "keyword", "limit": 100}).json()
    found = [r["id"] for r in body["results"]]
    tagged = _tagged(api, facet, concept)
    assert tagged and tagged <= set(found), (label, sorted(tagged - set(found))[:5])
    assert sum(f in tagged for f in found[:5]) >= 3, (label, found[:5])


def test_an_english_query_is_not_changed_by_the_translations(api: httpx.Client) -> None:
    """The translated labels are looked at only for words no English field holds: an English word keeps its
    English matches, with or without a translation that happens to share it."""
    body = api.get("/api/search", params={"q": "disengagement", "mode": "keyword", "limit": 100}).json()
    english = {r["id"] for r in body["results"]}
    assert english and body["match"] == "all"


def test_an_english_word_only_a_translation_holds_matches_nothing(api: httpx.Client) -> None:
    """ "forces" is in no English text, only in French labels ("forces de l'ordre"): an English query holding it
    searched the labels and ranked other records than without them; a French one still reaches them."""
    assert api.get("/api/search", params={"q": "forces", "mode": "keyword"}).json()["total"] == 0
    french = api.get("/api/search", params={"q": "forces de l'ordre", "mode": "keyword"}).json()
    assert french["query_language"] == "fr" and french["total"] > 0


# --- labels in the language asked for ------------------------------------------------------------------------


def test_search_facets_and_results_in_the_language_asked_for(api: httpx.Client) -> None:
    levels = vocab.load(VOCAB_DIR)["prevention-levels"].concepts
    r = api.get("/api/search", params={"q": "reintegration", "lang": "fr", "limit": 5})
    assert r.status_code == 200 and "Accept-Language" in r.headers["vary"]
    body = r.json()
    assert {v["id"]: v["label"] for v in body["facets"]["level"]} == {
        v["id"]: levels[v["id"]].labels["fr"] for v in body["facets"]["level"]
    }
    assert any(levels["tertiary"].labels["fr"] in res["levels"] for res in body["results"])
    english = api.get("/api/search", params={"q": "reintegration", "limit": 5}).json()
    assert [v["id"] for v in english["facets"]["level"]] == [v["id"] for v in body["facets"]["level"]]
    assert {v["label"] for v in english["facets"]["level"]} <= {c.label for c in levels.values()}


def test_accept_language_is_the_fallback_and_lang_wins(api: httpx.Client) -> None:
    tertiary = vocab.load(VOCAB_DIR)["prevention-levels"].concepts["tertiary"]

    def label(**kw) -> str:
        facets = api.get("/api/search", params={"q": "reintegration", **kw.pop("params", {})}, **kw).json()["facets"]
        return next(v["label"] for v in facets["level"] if v["id"] == "tertiary")

    assert label(headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.8"}) == tertiary.labels["ru"]
    assert label(headers={"Accept-Language": "de-DE,pt;q=0.5"}) == tertiary.labels["pt"]  # first one we have
    assert label(headers={"Accept-Language": "de-DE"}) == label() == "tertiary"
    assert label(headers={"Accept-Language": "ru"}, params={"lang": "ar"}) == tertiary.labels["ar"]


@pytest.mark.parametrize("bad", ["de", "FR", "french", "fr-FR"])
def test_an_unknown_language_is_a_422_naming_the_six(api: httpx.Client, bad: str) -> None:
    r = api.get("/api/search", params={"q": "youth", "lang": bad})
    assert r.status_code == 422 and r.json()["error"] == "invalid_request"
    assert r.json()["detail"][0]["loc"] == ["query", "lang"] and "'ar'" in r.json()["detail"][0]["msg"]


def test_concepts_and_records_in_the_language_asked_for(api: httpx.Client) -> None:
    levels = vocab.load(VOCAB_DIR)["prevention-levels"].concepts
    tree = api.get("/api/concepts/prevention-levels", params={"lang": "ar"}).json()["tree"]
    assert {n["id"]: n["label"] for n in tree} == {cid: c.labels["ar"] for cid, c in levels.items()}
    assert all(n["labels"]["en"] == levels[n["id"]].label for n in tree)
    tagged = sorted(_tagged(api, "level", "tertiary"))
    practice = next(i for i in tagged if api.get(f"/api/practices/{i}").status_code == 200)
    es = api.get(f"/api/practices/{practice}", params={"lang": "es"}).json()
    en = api.get(f"/api/practices/{practice}").json()
    assert levels["tertiary"].labels["es"] in es["levels"] and "tertiary" in en["levels"]
    assert (es["id"], es["title"], es["facets"]) == (en["id"], en["title"], en["facets"])  # only labels change
    ru = api.get("/api/cities/berlin", headers={"Accept-Language": "ru"})
    assert ru.status_code == 200 and "Accept-Language" in ru.headers["vary"]

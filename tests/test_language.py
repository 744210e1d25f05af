"""Telling a query's language (hub/search/languages.py) and the static copy's same test (site/static/static-search.js).

English must be the answer whenever nothing points elsewhere: a misread English query would leave its fast, tuned
path. The judged English queries are all read as English; the JavaScript copy agrees with Python on every example."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from hypothesis import given, strategies as st

from hub.config import REPO_DIR
from hub.search.evaluate import load_queries
from hub.search.languages import LANGUAGES, VOTE_WORDS, detect, detection_rules

EXAMPLES = {
    "radicalisation des jeunes": "fr",
    "Prévention de la radicalisation": "fr",
    "comment former les enseignants": "fr",
    "jeunesse": "fr",
    "cómo prevenir el extremismo violento": "es",
    "capacitación de la policía local": "es",
    "como envolver os jovens nas escolas": "pt",
    "formação de professores": "pt",
    "الشباب": "ar",
    "كيف نشرك الشباب في منع التطرف": "ar",
    "как вовлечь молодёжь": "ru",
    "Вроцлав": "ru",
    "youth council": "en",
    "how to keep young people from being recruited by extremists": "en",
    "treating violence as a public health problem": "en",
    "Rio de Janeiro": "en",
    "La Paz youth": "en",
    "São Paulo": "en",
    "Bogotá": "en",
    "Jossour Forum des Femmes Marocaines": "en",
    "Montréal centre for prevention": "en",
    "": "en",
    "???": "en",
    "2024": "en",
}


@pytest.mark.parametrize(("text", "lang"), EXAMPLES.items())
def test_examples(text: str, lang: str) -> None:
    assert detect(text) == lang


def test_every_judged_english_query_is_read_as_english() -> None:
    queries = load_queries(REPO_DIR / "bench" / "eval" / "search_queries.json")
    assert [q.query for q in queries if detect(q.query) != "en"] == []


@given(st.text())
def test_any_text_gets_one_of_the_languages(text: str) -> None:
    assert detect(text) in LANGUAGES


@given(st.lists(st.sampled_from(sorted(VOTE_WORDS["en"]) + ["youth", "city", "prevention", "hate"]), min_size=1))
def test_english_words_are_english(words: list[str]) -> None:
    assert detect(" ".join(words)) == "en"


@given(st.text(alphabet=st.characters(min_codepoint=0x0621, max_codepoint=0x064A), min_size=1))
def test_arabic_letters_are_arabic(text: str) -> None:
    assert detect(text) == "ar"


@given(
    st.text(alphabet=st.characters(min_codepoint=0x0430, max_codepoint=0x044F), min_size=3), st.text("ab ", max_size=2)
)
def test_cyrillic_letters_are_russian_even_with_a_latin_letter_or_two(text: str, latin: str) -> None:
    assert detect(f"{text} {latin}") == "ru"


@given(st.sampled_from(["Rio de Janeiro", "São Paulo", "La Haye", "Nueva York", "Cidade do Cabo"]))
def test_a_name_after_an_english_need_keeps_it_english(name: str) -> None:
    assert detect(f"youth programmes in {name}") == "en"


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_static_copy_tells_languages_as_the_server_does() -> None:
    texts = list(EXAMPLES) + [q.query for q in load_queries(REPO_DIR / "bench" / "eval" / "search_queries.json")]
    script = (
        "import { languageTest } from './site/static/static-search.js';"
        "const [rules, texts] = JSON.parse(process.argv[1]);"
        "console.log(JSON.stringify(texts.map(languageTest(rules))));"
    )
    out = subprocess.run(
        ["node", "--no-warnings", "--input-type=module", "-e", script, json.dumps([detection_rules(), texts])],
        cwd=REPO_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    assert dict(zip(texts, json.loads(out.stdout), strict=True)) == {t: detect(t) for t in texts}

"""Generated input: schemathesis against /openapi.json of the real app on the real corpus build (every route, no
server error, responses as documented), and hypothesis properties of the front-matter parser and validator (any
YAML gives a valid record or errors with a line in the file) and of the search query parser (any text is read,
stray syntax never hides a word the index has).

The example counts are bounded so the module runs in about two minutes on two cores; raise them with
HUB_FUZZ_EXAMPLES for a longer hunt (e.g. HUB_FUZZ_EXAMPLES=500 .venv/bin/python -m pytest tests/test_fuzz.py)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, assume, example, given, settings, strategies as st

from hub.config import Settings
from hub.ingest.frontmatter import FrontMatterError, parse
from hub.ingest.validate import load_corpus
from hub.search.keyword import STOPLIST, analyse, parse as parse_query

from sparql_server import MINI, serve

EXAMPLES = int(os.environ.get("HUB_FUZZ_EXAMPLES", "0")) or None
FAST = settings(
    max_examples=EXAMPLES or 150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
SLOW = settings(
    max_examples=EXAMPLES or 40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# ---------------------------------------------------------------- schemathesis: the whole API as documented

schemathesis = pytest.importorskip("schemathesis")


@pytest.fixture(scope="module")
def live(corpus_settings: Settings) -> Iterator[str]:
    with serve(corpus_settings) as base:
        yield base


@pytest.fixture(scope="module")
def api_schema(live: str):
    return schemathesis.openapi.from_url(f"{live}/openapi.json")


def test_every_route_answers_as_documented_and_never_fails(api_schema) -> None:
    """Every operation of /openapi.json with generated valid and invalid input: no 5xx, bodies and media types as
    documented.

    (Driven through schemathesis' Python API: its pytest integration does not run under pytest 9.)"""
    from schemathesis.checks import content_type_conformance, not_a_server_error, response_schema_conformance

    failures: dict[str, str] = {}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 14
    for operation in operations:

        @settings(max_examples=EXAMPLES or 12, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(case=operation.as_strategy())
        def check(case) -> None:
            case.call_and_validate(
                checks=[not_a_server_error, response_schema_conformance, content_type_conformance], timeout=60
            )

        try:
            check()
        except (
            Exception,
            BaseExceptionGroup,
        ) as exc:  # schemathesis raises a BaseExceptionGroup: collect each, report all
            failures[operation.label] = str(exc)[:1500]
    assert failures == {}


def test_the_schema_covers_every_route(live: str) -> None:
    """Schemathesis only tries what /openapi.json lists: every API route must be there."""
    import httpx

    paths = set(httpx.get(f"{live}/openapi.json", timeout=30).json()["paths"])
    expected = {
        "/api/search",
        "/api/cities",
        "/api/cities/{city_id}",
        "/api/cities/{city_id}/peers",
        "/api/peers",
        "/api/concepts",
        "/api/concepts/{scheme}",
        "/api/practices/{record_id}",
        "/api/resources/{record_id}",
        "/api/spotlights/{record_id}",
        "/sparql",
        "/download/",
        "/download/{name}",
        "/healthz",
    }
    assert expected <= paths


# ---------------------------------------------------------------- front-matter: any YAML gives a record or errors with
# a line

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True),
    st.text(max_size=40),
    st.sampled_from(["alpha-town", "youth engagement", "primary", "practice", "city", "003_test.txt", "2022", ""]),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
KEYS = [
    "id",
    "type",
    "title",
    "summary",
    "cities",
    "scope",
    "themes",
    "stakeholders",
    "challenges",
    "prevention_levels",
    "year",
    "sources",
    "partners",
    "related_practices",
    "resources",
    "annex_ii",
    "notes",
    "countries",
]
VALID = yaml.safe_load((MINI / "practices" / "alpha-youth-council.md").read_text(encoding="utf-8").split("---")[1])


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("fuzz") / "data"
    shutil.copytree(MINI, data)
    return data


def _check_file(data: Path, text: str) -> None:
    """Write ``text`` as a practice file and validate the corpus: never raises; a valid record or errors with lines in
    the file."""
    path = data / "practices" / "alpha-youth-council.md"
    path.write_text(text, encoding="utf-8")
    corpus = load_corpus(data)
    n_lines = max(1, len(text.split("\n")))
    mine = [p for p in corpus.problems if p.path.endswith("alpha-youth-council.md")]
    assert all(1 <= p.line <= n_lines and p.message for p in mine), mine
    valid = "alpha-youth-council" in corpus.practices
    errors = [p for p in mine if p.severity == "error"]
    assert valid or errors  # (a valid record may still have errors: a reference to a record that does not exist)


@FAST
@given(
    meta=st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=10), values, max_size=8), body=st.text(max_size=200)
)
def test_arbitrary_front_matter_gives_a_record_or_an_error_with_a_line(corpus_dir: Path, meta: dict, body: str) -> None:
    text = f"---\n{yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)}---\n{body}\n"
    _check_file(corpus_dir, text)


@FAST
@given(key=st.sampled_from(KEYS), value=values)
def test_one_bad_field_in_a_valid_practice_is_reported_on_its_line(corpus_dir: Path, key: str, value: object) -> None:
    meta = {**VALID, key: value}
    text = f"---\n{yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)}---\nA body of the practice.\n"
    _check_file(corpus_dir, text)
    corpus = load_corpus(corpus_dir)
    errors = [p for p in corpus.errors if p.path.endswith("alpha-youth-council.md")]
    if errors and key in ("title", "summary", "scope", "year", "themes", "annex_ii"):
        key_line = text.split("\n").index(next(ln for ln in text.split("\n") if ln.startswith(f"{key}:")))
        assert any(p.line >= key_line + 1 for p in errors), (
            errors
        )  # at or below the key's own line (file lines count from 1)


YAMLISH = st.lists(
    st.sampled_from(
        list("ab:-[]{},'\"#&*!|>%@` \t\n\r\ufeff\\é")
        + ["!!python/object/apply:os.system ['true']", "---", "...", "&a [1]", "*a", "<<: *a", "key: ", "\n  - "]
    ),
    max_size=60,
).map("".join)


@FAST
@given(block=YAMLISH, body=st.text(max_size=50))
def test_any_text_between_the_markers_is_parsed_or_refused_with_a_line(block: str, body: str) -> None:
    text = f"---\n{block}\n---\n{body}"
    try:
        doc = parse(text, Path("x.md"))
    except FrontMatterError as exc:
        assert 1 <= exc.line <= len(text.split("\n")) and exc.message
        return
    assert isinstance(doc.meta, dict)
    assert all(1 <= line <= len(text.split("\n")) for line in doc.lines.values())


@SLOW
@given(text=st.text(max_size=300))
def test_any_file_content_validates_without_crashing(corpus_dir: Path, text: str) -> None:
    assume("\x00" not in text)
    _check_file(corpus_dir, text)


# ---------------------------------------------------------------- the search query parser

NOISE = st.lists(
    st.sampled_from(
        [
            '"',
            "'",
            ":",
            "(",
            ")",
            "AND",
            "OR",
            "NOT",
            "-",
            "+",
            "*",
            "?",
            "~",
            "^2",
            "\\",
            "/",
            "title:",
            "theme:",
            "{",
            "}",
            "[",
            "]",
            "&&",
            "||",
            "!",
            "…",
            "“",
            "»",
            "the",
            "of",
        ]
    ),
    max_size=6,
)


@FAST
@given(text=st.text(max_size=500))
@example("ÆÐ")  # folds to 'aed', whose stem is the stop word 'a': found on a fresh checkout
def test_any_text_is_read_as_words_and_phrases(text: str) -> None:
    q = parse_query(text)
    assert all(w and not any(c.isspace() for c in w) and w not in STOPLIST for w in q.words)
    for phrase in q.phrases:  # a phrase is a run of the query's words
        n = len(phrase)
        assert n > 1 and any(q.words[i : i + n] == phrase for i in range(len(q.words) - n + 1))


@FAST
@given(
    word=st.sampled_from(["youth", "refugees", "sport", "mayors", "dialogue", "radicalisation", "Wrocław", "police"]),
    before=NOISE,
    after=NOISE,
)
def test_stray_syntax_around_a_word_never_hides_it(word: str, before: list[str], after: list[str]) -> None:
    q = parse_query(" ".join([*before, word, *after]))
    assert analyse(word)[0] in q.words


@pytest.fixture(scope="module")
def index(corpus_settings: Settings):
    from hub.search.index import load

    return load(corpus_settings.search_dir)


@SLOW
@given(
    word=st.sampled_from(
        ["youth", "refugees", "sport", "mayor", "dialogue", "radicalisation", "Wroclaw", "police", "women"]
    ),
    before=NOISE,
    after=NOISE,
)
def test_a_query_with_stray_syntax_still_finds_what_its_word_finds(
    index, word: str, before: list[str], after: list[str]
) -> None:
    plain = index.search(word, mode="keyword", limit=5)
    noisy = index.search(" ".join([*before, word, *after]), mode="keyword", limit=5)
    assert plain["total"] > 0 and noisy["total"] > 0


@SLOW
@given(
    q=st.text(max_size=200),
    mode=st.sampled_from(["keyword", "semantic", "hybrid"]),
    limit=st.integers(1, 100),
    offset=st.integers(0, 400),
)
def test_any_query_answers_the_contract(index, q: str, mode: str, limit: int, offset: int) -> None:
    r = index.search(q, mode=mode, limit=limit, offset=offset)
    assert r["query"] == q and r["mode"] == mode
    assert len(r["results"]) == max(0, min(limit, r["total"] - offset))
    assert set(r["facets"]) >= {"theme", "region", "level", "type"}
    if q.strip() and mode == "keyword" and not parse_query(q).words:
        assert r["total"] == 0 and r.get("notices"), q  # nothing searchable: the answer says why

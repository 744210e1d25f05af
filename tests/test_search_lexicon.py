"""The bilingual lexicon of everyday words (hub/search/lexicon/*.tsv): read into the same translations as the
concepts' labels, rendered in English, the labels winning where both match, and a malformed line named.

Reads the real lexicon files and the real vocabularies; builds only a two-record keyword index."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from hub.search import bilingual, keyword
from hub.search.indexer import translation_groups
from hub.search.keyword import Translations, analyse, analyzer
from hub.search.rendering import to_english


@pytest.fixture(scope="module")
def real() -> Translations:
    return Translations(translation_groups(), analyzer(), bilingual.groups())


def _entries() -> list[tuple[str, str]]:
    """(form, English) of every line of every file of the real lexicon."""
    return [(form, english) for english, *forms in bilingual.groups() for form in forms]


def test_the_lexicon_ships_and_reads() -> None:
    assert bilingual.files(), "no hub/search/lexicon/*.tsv"
    assert all(len(g) >= 2 and all(g) for g in bilingual.groups())


def test_every_everyday_word_renders_in_english_through_the_file(real: Translations) -> None:
    """Each form of the file, alone, becomes an English word the file gives for it (several lines may share a
    form), unless a concept's label is that very form (the label wins, below) or the analyser drops the form or the
    English (a stop word such as "examples": nothing to search)."""
    ana = analyzer()
    labelled = {t.words for ts in real._first.values() for t in ts if t.label}
    english_of: dict[tuple[str, ...], set[str]] = {}
    for form, english in _entries():
        if not analyse(english, ana):
            continue
        english_of.setdefault(tuple(analyse(form, ana)), set()).add(english)
    checked = 0
    for form, _ in _entries():
        seq = tuple(analyse(form, ana))
        if not seq or seq in labelled or seq not in english_of:
            continue
        assert to_english(form, real) in english_of[seq], (form, to_english(form, real), english_of[seq])
        checked += 1
    assert checked, "every form of the lexicon is a label"


def test_a_label_wins_over_the_lexicon() -> None:
    """A concept's label is a whole concept: where the lexicon lists the same words, the label's English is used;
    the longest run of words is still taken first, so a lexicon phrase beats a shorter label inside it."""
    t = Translations(
        [["youth", "jeunesse"], ["violent extremism (general)", "extrémisme violent"], ["partnership", "accord"]],
        analyzer(),
        [
            ["young people", "jeunesse", "jeunes"],
            ["violent", "violent", "violente"],
            ["school", "école"],
            ["strategic partnership", "accord stratégique"],
        ],
    )
    assert to_english("jeunesse", t) == "youth"
    assert set(t.covering(analyse("jeunesse"), everyday=True)) == {("youth",)}  # not "young people" too
    assert to_english("jeunes", t) == "young people"
    assert to_english("extrémisme violent à l'école", t) == "violent extremism school"
    assert to_english("violente", t) == "violent"
    assert to_english("l'accord stratégique", t) == "strategic partnership"


def test_labels_win_in_the_real_files(real: Translations) -> None:
    """Every lexicon form that is also a translated label renders as that label's concept."""
    ana = analyzer()
    labels = Translations(translation_groups(), ana)
    shared = [form for form, _ in _entries() if labels.covering(analyse(form, ana)) and len(analyse(form, ana)) == 1]
    for form in shared:
        assert to_english(form, real) == to_english(form, labels), form


def test_the_keyword_side_expands_everyday_words_only_when_asked() -> None:
    t = Translations([["youth", "jeunesse"]], analyzer(), [["school", "école"]])
    words = analyse("jeunesse école")
    assert set(t.covering(words)) == {("youth",)}
    assert set(t.covering(words, everyday=True)) == {("youth",), tuple(analyse("school"))}


@pytest.mark.parametrize(
    "line,why",
    [
        ("school école", "no tab"),
        ("school\técole\tescuela", "2 tabs"),
        ("\técole", "English word before the tab is empty"),
        ("school\t", "no word after the tab"),
        ("school\técole||écoles", "empty form"),
    ],
)
def test_a_malformed_line_names_its_file_and_line(tmp_path: Path, line: str, why: str) -> None:
    path = tmp_path / "fr.tsv"
    path.write_text(f"# a comment\n\nmosque\tmosquée|mosquées\n{line}\n", encoding="utf-8")
    with pytest.raises(bilingual.LexiconError) as err:
        bilingual.groups(tmp_path)
    assert f"{path}, line 4" in str(err.value) and why in str(err.value), str(err.value)


def test_a_file_not_in_utf8_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "pt.tsv"
    path.write_bytes(b"school\tescola\n" + "municipality\tmunicípio\n".encode("latin-1"))
    with pytest.raises(bilingual.LexiconError, match=re.escape(f"{path}, line 2: not UTF-8")):
        bilingual.groups(tmp_path)


def test_the_index_carries_the_lexicon_and_its_engine_renders_it(tmp_path: Path) -> None:
    """translations.json holds the lexicon beside the labels (so it changes with the files), and the engine that
    loads the index renders an everyday word through it."""
    docs = [{"id": "a", "title": "A school programme", "summary": "", "body": ""}, {"id": "b", "title": "Mosques"}]
    words = [["school", "escola", "escolas"]]
    keyword.build(tmp_path, docs, [], [["youth", "juventude"]], words)
    written = json.loads((tmp_path / keyword.TRANSLATIONS).read_text(encoding="utf-8"))
    assert written == {"labels": [["youth", "juventude"]], "words": words}
    engine = keyword.open_engine(tmp_path)
    assert to_english("escolas e juventude", engine.translations) == "school youth"

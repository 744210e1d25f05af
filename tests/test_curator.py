"""Curator tools: a scaffolded file validates once filled; the JSON Schema agrees with the validator."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from hub import vocab
from hub.config import Settings
from hub.ingest import scaffold
from hub.ingest.scaffold import create, free_id, slugify
from hub.ingest.schema import front_matter_schema
from hub.ingest.validate import load_corpus


def test_slug_and_free_id(mini: Settings) -> None:
    assert slugify("Wrocław’s café: youth & dialogue!") == "wroclaws-cafe-youth-dialogue"
    assert free_id("Alpha youth council", mini.data_dir) == "alpha-youth-council-2"


DESCRIPTION = (
    "Beta City pairs young people leaving care with volunteer mentors from local firms and clubs, "
    "who meet them every week for a year and help with housing, training and first jobs."
)


def fill_in(path: Path) -> None:
    """What a curator does after `hub new`: replace every placeholder with real text (and drop the notes)."""
    text = path.read_text(encoding="utf-8")
    text = text.replace(f"notes: >-\n  {scaffold.NOTES}\n", "").replace(scaffold.SUMMARY, "Mentors for care leavers.")
    for body in scaffold.BODIES.values():
        text = text.replace("\n".join(body), DESCRIPTION)
    text = text.replace(f"publisher: {scaffold.PUBLISHER}", "publisher: Test Network")
    path.write_text(text, encoding="utf-8")


def test_scaffolded_practice_validates_once_filled_in(mini: Settings) -> None:
    path = create(
        "practice",
        "Mentoring for young people leaving care",
        mini.data_dir,
        {"cities": ["beta-city"], "themes": ["youth engagement"], "doc": "003_test.txt", "section": "Annex II"},
    )
    assert load_corpus(mini.data_dir).errors != []  # the placeholders are still there
    fill_in(path)
    corpus = load_corpus(mini.data_dir)
    assert corpus.errors == [], corpus.errors
    assert corpus.practices[path.stem].title == "Mentoring for young people leaving care"
    # the only remarks: the description is short and the practice is not graded yet (both warnings)
    remarks = [p for p in corpus.problems if path.name in p.path]
    assert [p.severity for p in remarks] == ["warning", "warning"]
    assert any("no evidence level yet" in p.message for p in remarks)


def test_scaffold_without_answers_fails_with_teaching_errors(mini: Settings) -> None:
    create("city", "Gamma", mini.data_dir)
    msgs = [str(p) for p in load_corpus(mini.data_dir).errors]
    assert any("cities/gamma.md" in m and "unknown countries term 'COUNTRY'" in m for m in msgs)
    assert any("cities/gamma.md" in m and "source 'SOURCE-FILE'" in m for m in msgs)


@pytest.mark.parametrize("kind", ["practice", "city", "resource", "spotlight"])
def test_every_untouched_placeholder_is_an_error_at_its_line(mini: Settings, kind: str) -> None:
    """Each placeholder the scaffold defines and writes is refused where it stands, whatever else is right."""
    given = {"cities": ["beta-city"], "themes": ["sports"], "country": "Kenya"}
    path = create(kind, "Placeholder check", mini.data_dir, given)
    lines = path.read_text(encoding="utf-8").splitlines()
    rel = f"data/{path.parent.name}/{path.name}"
    reported = {p.line for p in load_corpus(mini.data_dir).errors if p.path == rel and "placeholder" in p.message}
    expected = set()
    for number, line in enumerate(lines, 1):
        value = line.split("#")[0].split(":", 1)[-1].strip()
        if value in scaffold.PLACEHOLDER_VALUES or any(t in line for t in scaffold.PLACEHOLDER_TEXTS):
            # a folded value (summary, notes) is reported at its key, the line above
            expected.add(number - 1 if lines[number - 2].endswith(">-") else number)
    assert expected and reported == expected, (reported, expected)
    assert "SECTION" in {v for v in scaffold.PLACEHOLDER_VALUES}  # the set the validator imports is the scaffold's


def test_a_placeholder_re_wrapped_or_in_a_list_is_still_found(mini: Settings) -> None:
    f = mini.data_dir / "practices/alpha-youth-council.md"
    text = f.read_text(encoding="utf-8")
    half = len(scaffold.SUMMARY) // 2
    cut = scaffold.SUMMARY.index(" ", half)
    text = text.replace(
        "summary: Young residents advise the mayor on how to keep neighbourhoods cohesive.",
        f"summary: >-\n  {scaffold.SUMMARY[:cut]}\n  {scaffold.SUMMARY[cut + 1 :]}",
    )
    text = text.replace('    section: "Primary prevention > Youth engagement"', "    section: SECTION")
    f.write_text(text, encoding="utf-8")
    msgs = [str(p) for p in load_corpus(mini.data_dir).errors]
    summary_line = text.splitlines().index("summary: >-") + 1
    assert any(f":{summary_line}: error: 'summary' still holds the placeholder" in m for m in msgs), msgs
    assert any("'sources[0].section' still holds the placeholder 'SECTION'" in m for m in msgs), msgs


def hub_new(cfg: Settings, *args: str) -> subprocess.CompletedProcess:
    env = {"HUB_DATA": str(cfg.data_dir), "PATH": "/usr/bin:/bin", "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "hub.cli", "new", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def test_cli_new_writes_a_file_that_validates(mini: Settings) -> None:
    out = hub_new(
        mini, "resource", "--title", "Toolkit on youth work", "--source", "003_test.txt", "--section", "Annex I"
    )
    assert out.returncode == 0, out.stderr
    path = mini.data_dir / "resources/toolkit-on-youth-work.md"
    assert "    section: Annex I" in path.read_text(encoding="utf-8")
    fill_in(path)
    assert load_corpus(mini.data_dir).errors == []


def test_cli_new_flags_refuse_unknown_values_and_write_nothing(mini: Settings) -> None:
    before = sorted(p.name for p in mini.data_dir.rglob("*.md"))
    out = hub_new(
        mini,
        "practice",
        "--title",
        "Sports for newcomers",
        "--city",
        "beta-cty",
        "--theme",
        "sprots",
        "--theme",
        "youth engagment",
        "--level",
        "zzz",
        "--source",
        "003_tset.txt",
    )
    assert out.returncode != 0
    assert sorted(p.name for p in mini.data_dir.rglob("*.md")) == before
    err = out.stderr
    assert "--theme 'sprots' is not a themes term: did you mean 'sports'?" in err
    assert "--theme 'youth engagment' is not a themes term: did you mean 'youth engagement'" in err
    assert "--city 'beta-cty' is not a city id (a file in data/cities/): did you mean 'beta-city'?" in err
    assert "--source '003_tset.txt' is not a source document: did you mean '003_test.txt'?" in err
    # nothing close: the whole (small) scheme in words, never a Python list or an empty one
    assert (
        "--level 'zzz' is not a prevention-levels term: "
        "the prevention-levels terms are 'primary', 'secondary' and 'tertiary'"
    ) in err
    assert "[" not in err and "one of" not in err
    far = hub_new(mini, "practice", "--title", "Sports for newcomers", "--theme", "qqqqqq")
    assert far.returncode != 0 and "`hub vocab themes` lists the terms" in far.stderr


def test_cli_new_flags_write_preferred_labels(mini: Settings) -> None:
    out = hub_new(
        mini,
        "practice",
        "--title",
        "Sports for newcomers",
        "--city",
        "beta-city",
        "--theme",
        "Sports",
        "--theme",
        "capacity building",
        "--source",
        "003_test.txt",
        "--section",
        "Annex II",
    )
    assert out.returncode == 0, out.stderr
    text = (mini.data_dir / "practices/sports-for-newcomers.md").read_text(encoding="utf-8")
    assert "themes: [sports, training]" in text and "cities: [beta-city]" in text


def test_cli_new_prompts_for_everything_and_suggests_in_words(mini: Settings) -> None:
    from typer.testing import CliRunner

    from hub.cli import app

    answers = [
        "Mentoring for care leavers",
        "beta-cty",
        "beta-city",
        "yuoth engagement, sports",
        "youth engagement",
        "",
        "",
        "primry",
        "primary",
        "003_tset.txt",
        "003_test.txt",
        "Annex II",
    ]
    result = CliRunner().invoke(
        app, ["new", "practice"], input="\n".join(answers) + "\n", env={"HUB_DATA": str(mini.data_dir)}
    )
    assert result.exit_code == 0, result.output
    out = result.output
    assert "'beta-cty' is not a city id (a file in data/cities/): did you mean 'beta-city'?" in out
    assert "'yuoth engagement' is not a themes term: did you mean 'youth engagement'" in out
    assert "'primry' is not a prevention-levels term: did you mean 'primary'?" in out
    assert "'003_tset.txt' is not a source document: did you mean '003_test.txt'?" in out
    assert "[" not in out.replace("[y/N]", "")
    text = (mini.data_dir / "practices/mentoring-for-care-leavers.md").read_text(encoding="utf-8")
    for line in (
        "cities: [beta-city]",
        "themes: [youth engagement, sports]",
        "prevention_levels: [primary]",
        "  - doc: 003_test.txt",
        "    section: Annex II",
    ):
        assert line in text, line


def test_did_you_mean_reads_as_words() -> None:
    assert vocab.did_you_mean([]) == ""
    assert vocab.did_you_mean(["education"]) == "did you mean 'education'?"
    assert vocab.did_you_mean(["education", "equity"]) == "did you mean 'education' or 'equity'?"
    assert vocab.did_you_mean(["a", "b", "c"]) == "did you mean 'a', 'b' or 'c'?"


def test_schema_lists_vocabulary_terms_and_required_fields() -> None:
    schema = front_matter_schema("practice")
    assert "youth engagement" in schema["properties"]["themes"]["items"]["enum"]
    assert "yuoth engagement" not in schema["properties"]["themes"]["items"]["enum"]
    assert {"id", "type", "title", "summary", "themes", "sources", "scope"} <= set(schema["required"])
    assert schema["properties"]["prevention_levels"]["items"]["enum"] == ["primary", "secondary", "tertiary"]
    out = subprocess.run(
        [sys.executable, "-m", "hub.cli", "schema", "city"], capture_output=True, text=True, timeout=60
    )
    assert json.loads(out.stdout)["properties"]["admin_type"]["enum"][0] == "association"


def test_build_writes_the_schemas(mini: Settings) -> None:
    from hub.build import build, default_stages

    build(mini, stages=[s for s in default_stages() if s[0] in ("graph", "shapes", "catalog", "schema")])
    for kind in ("practice", "city", "resource", "spotlight"):
        written = json.loads((mini.build_dir / "schema" / f"{kind}.schema.json").read_text(encoding="utf-8"))
        assert written == front_matter_schema(kind)

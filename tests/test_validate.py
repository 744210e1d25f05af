"""Curators' errors: each broken file yields the right message at the right line, and nothing is written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from hub.config import Settings
from hub.ingest.frontmatter import FrontMatterError, parse
from hub.ingest.validate import load_corpus


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture text {old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


def messages(cfg: Settings) -> list[str]:
    return [str(p) for p in load_corpus(cfg.data_dir).errors]


def test_fixture_corpus_is_valid(mini: Settings) -> None:
    corpus = load_corpus(mini.data_dir)
    assert corpus.errors == []
    assert set(corpus.practices) == {"alpha-youth-council", "beta-sports-league"}
    assert corpus.practices["alpha-youth-council"].themes == ["youth engagement", "mayoral leadership"]


def test_misspelt_theme_gets_did_you_mean_at_its_line(mini: Settings) -> None:
    f = mini.data_dir / "practices/alpha-youth-council.md"
    edit(f, "themes: [youth engagement,", "themes: [yuoth engagement,")
    [msg] = messages(mini)
    assert msg.startswith(f"data/practices/alpha-youth-council.md:{line_of(f, 'yuoth')}: error:")
    assert "unknown themes term 'yuoth engagement'" in msg and "did you mean 'youth engagement'" in msg


def test_evidence_level_is_checked_like_any_facet(mini: Settings) -> None:
    """The nested `evidence.level` is a facet (hub.facets source "evidence.level"): a graded practice validates,
    a synonym is written back as the preferred label, and a misspelt level gets "did you mean" at its own line."""
    corpus = load_corpus(mini.data_dir)
    assert corpus.errors == []
    assert corpus.practices["alpha-youth-council"].evidence.level == "results reported"
    assert corpus.practices["beta-sports-league"].evidence is None  # not graded yet: allowed
    f = mini.data_dir / "practices/alpha-youth-council.md"
    edit(f, "level: results reported", "level: results reportd")
    [msg] = messages(mini)
    assert msg.startswith(f"data/practices/alpha-youth-council.md:{line_of(f, 'results reportd')}: error:")
    assert "unknown evidence term 'results reportd'" in msg and "did you mean 'results reported'" in msg
    edit(f, "level: results reportd", "level: outcomes reported")  # an altLabel
    [msg] = messages(mini)
    assert f":{line_of(f, 'outcomes reported')}:" in msg and "preferred label 'results reported'" in msg
    edit(f, "level: outcomes reported", "level: Results Reported")
    assert load_corpus(mini.data_dir).practices["alpha-youth-council"].evidence.level == "results reported"


def test_evidence_source_must_be_a_source_document(mini: Settings) -> None:
    f = mini.data_dir / "practices/alpha-youth-council.md"
    edit(f, "source: {doc: 003_test.txt,", "source: {doc: 003_tset.txt,")
    [msg] = messages(mini)
    assert msg.startswith(f"data/practices/alpha-youth-council.md:{line_of(f, '003_tset.txt')}:")
    assert "evidence source '003_tset.txt'" in msg and "did you mean '003_test.txt'" in msg


def test_synonym_points_to_preferred_label(mini: Settings) -> None:
    f = mini.data_dir / "practices/beta-sports-league.md"
    edit(f, "themes: [sports]", "themes:\n  - sports\n  - capacity building")
    [msg] = messages(mini)
    assert f":{line_of(f, 'capacity building')}:" in msg and "preferred label 'training'" in msg


def test_bad_yaml_reports_line(mini: Settings) -> None:
    f = mini.data_dir / "practices/beta-sports-league.md"
    edit(f, "scope: city", "scope: [city")
    [msg] = messages(mini)
    assert "YAML syntax" in msg
    assert (
        f"beta-sports-league.md:{line_of(f, 'scope: [city') + 1}:" in msg
        or f"beta-sports-league.md:{line_of(f, 'scope: [city')}:" in msg
    )


def test_unclosed_front_matter_and_missing_opening() -> None:
    with pytest.raises(FrontMatterError, match="not closed"):
        parse("---\nid: x\n", Path("x.md"))
    with pytest.raises(FrontMatterError, match="must start with a '---'"):
        parse("id: x\n---\n", Path("x.md"))


def test_duplicate_key_is_refused(mini: Settings) -> None:
    f = mini.data_dir / "practices/beta-sports-league.md"
    edit(f, "scope: city\n", "scope: city\nscope: multi-city\n")
    [msg] = messages(mini)
    assert "duplicate key 'scope'" in msg and f":{line_of(f, 'scope: multi-city')}:" in msg


def test_duplicate_id_across_files(mini: Settings) -> None:
    src = mini.data_dir / "practices/beta-sports-league.md"
    copy = mini.data_dir / "practices/beta-sports-league-copy.md"
    copy.write_text(
        src.read_text(encoding="utf-8").replace("id: beta-sports-league", "id: alpha-youth-council"), encoding="utf-8"
    )
    msgs = messages(mini)
    assert any("beta-sports-league-copy.md:2:" in m and "must match the file name" in m for m in msgs)
    # same id under another kind's folder with a matching file name is a true duplicate
    (mini.data_dir / "spotlights/alpha-youth-council.md").write_text(
        (mini.data_dir / "spotlights/spotlight-alpha.md")
        .read_text(encoding="utf-8")
        .replace("id: spotlight-alpha", "id: alpha-youth-council"),
        encoding="utf-8",
    )
    assert any(
        "duplicate id 'alpha-youth-council'" in m and "spotlights/alpha-youth-council.md:2:" in m
        for m in messages(mini)
    )


def test_missing_city_with_suggestion(mini: Settings) -> None:
    f = mini.data_dir / "practices/beta-sports-league.md"
    edit(f, "cities: [beta-city]", "cities: [beta-cty]")
    [msg] = messages(mini)
    assert (
        f":{line_of(f, 'beta-cty')}:" in msg
        and "no city with id 'beta-cty'" in msg
        and "did you mean 'beta-city'" in msg
    )


def test_city_typed_by_name_suggests_its_id(mini: Settings) -> None:
    f = mini.data_dir / "practices/beta-sports-league.md"
    edit(f, "cities: [beta-city]", "cities: [alphaville]")
    [msg] = messages(mini)
    assert "did you mean 'alpha-town'" in msg


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("year: 2022", "year: 1850", "'year': must be a year between 1900"),
        ("year: 2022", "year: next spring", "'year': Input should be a valid integer"),
        ("title: Youth council advising the mayor on cohesion\n", "", "missing required field 'title'"),
        (
            "themes: [youth engagement, mayoral leadership]",
            "theme: [youth engagement]",
            "unknown field 'theme' — did you mean 'themes'",
        ),
        (
            "related_practices: [beta-sports-league]",
            "related_practices: [gamma-gone]",
            "no practice with id 'gamma-gone'",
        ),
        ("    url: https://example.org/guide", "    url: not a url", "must be an http(s) URL"),
        (
            '  - doc: 003_test.txt\n    section: "Primary',
            '  - doc: 003_tset.txt\n    section: "Primary',
            "did you mean '003_test.txt'",
        ),
    ],
)
def test_each_error_class(mini: Settings, old: str, new: str, expected: str) -> None:
    f = mini.data_dir / "practices/alpha-youth-council.md"
    edit(f, old, new)
    msgs = messages(mini)
    assert any(expected in m and m.startswith("data/practices/alpha-youth-council.md:") for m in msgs), msgs


def test_missing_sources_is_an_error(mini: Settings) -> None:
    f = mini.data_dir / "cities/beta-city.md"
    edit(f, "sources:\n  - doc: 003_test.txt\n    section: Annex II\n", "")
    assert any("missing required field 'sources'" in m for m in messages(mini))


def test_dangling_link_between_cities(mini: Settings) -> None:
    f = mini.data_dir / "cities/alpha-town.md"
    edit(f, "    city: beta-city", "    city: gamma-city")
    [msg] = messages(mini)
    assert f":{line_of(f, 'gamma-city')}:" in msg and "no city with id 'gamma-city'" in msg


def test_all_problems_reported_in_one_run(mini: Settings) -> None:
    edit(mini.data_dir / "practices/alpha-youth-council.md", "scope: city", "scope: citywide")
    edit(mini.data_dir / "practices/beta-sports-league.md", "themes: [sports]", "themes: [sprots]")
    edit(mini.data_dir / "cities/beta-city.md", "country: Kenya", "country: Kenia")
    msgs = messages(mini)
    assert len(msgs) == 3
    assert [m.split(":")[0] for m in msgs] == sorted(m.split(":")[0] for m in msgs)


def test_a_missing_field_does_not_hide_an_unknown_term(mini: Settings) -> None:
    """One run reports every problem of a file, the vocabulary included, even when its shape is wrong."""
    f = mini.data_dir / "practices/alpha-youth-council.md"
    edit(f, "title: Youth council advising the mayor on cohesion\n", "")
    edit(f, "themes: [youth engagement,", "themes: [yuoth engagement,")
    edit(f, "scope: city", "scope: citywide")
    msgs = messages(mini)
    assert any("missing required field 'title'" in m for m in msgs), msgs
    assert any(
        m.startswith(
            f"data/practices/alpha-youth-council.md:{line_of(f, 'yuoth')}: error: unknown themes term "
            "'yuoth engagement' — did you mean 'youth engagement'"
        )
        for m in msgs
    ), msgs
    assert any(f":{line_of(f, 'citywide')}: error: unknown scopes term 'citywide'" in m for m in msgs), msgs
    assert len(msgs) == 3


def test_summary_counts_records_without_errors(mini: Settings) -> None:
    corpus = load_corpus(mini.data_dir)
    assert corpus.summary() == "no errors, 3 warnings; 6 records valid (2 practices, 2 cities, 1 resource, 1 spotlight)"
    # two errors in one file that still makes a record (a bad term, a bad reference): that record is not valid
    edit(mini.data_dir / "practices/beta-sports-league.md", "themes: [sports]", "themes: [sprots]")
    edit(mini.data_dir / "cities/beta-city.md", "country: Kenya", "country: Kenia")
    edit(mini.data_dir / "cities/beta-city.md", "admin_type: county", "admin_type: countty")
    corpus = load_corpus(mini.data_dir)
    assert len(corpus.errors) == 3
    assert corpus.summary().startswith("3 errors in 2 files, ")
    assert corpus.summary().endswith("; 4 records valid (1 practice, 1 city, 1 resource, 1 spotlight)")


def run_cli(cfg: Settings, *args: str) -> subprocess.CompletedProcess:
    env = {"HUB_DATA": str(cfg.data_dir), "HUB_BUILD": str(cfg.build_dir), "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-m", "hub.cli", *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_cli_validate_exit_codes_and_formats(mini: Settings) -> None:
    ok = run_cli(mini, "validate")
    assert ok.returncode == 0, ok.stderr
    assert "no errors, 3 warnings; 6 records valid (2 practices, 2 cities, 1 resource, 1 spotlight)" in ok.stderr
    edit(mini.data_dir / "practices/beta-sports-league.md", "themes: [sports]", "themes: [sprots]")
    bad = run_cli(mini, "validate")
    assert bad.returncode == 1
    assert "data/practices/beta-sports-league.md:" in bad.stderr and "did you mean 'sports'" in bad.stderr
    line = line_of(mini.data_dir / "practices/beta-sports-league.md", "sprots")
    as_json = json.loads(run_cli(mini, "validate", "--format", "json", "--no-warnings").stdout)
    assert as_json == [
        {
            "path": "data/practices/beta-sports-league.md",
            "line": line,
            "severity": "error",
            "message": "unknown themes term 'sprots' — did you mean 'sports'?",
        }
    ]
    gh = run_cli(mini, "validate", "--format", "github", "--no-warnings").stdout
    assert gh.startswith(f"::error file=data/practices/beta-sports-league.md,line={line}::")
    assert not mini.build_dir.exists(), "validate must write nothing"


def test_repository_corpus_validates() -> None:
    """Every curated file in data/ passes; warnings are allowed, errors are not."""
    from hub.config import REPO_DIR

    corpus = load_corpus(REPO_DIR / "data")
    assert [str(p) for p in corpus.errors] == []


def test_published_text_naming_source_files_or_the_checklist_is_warned_at_its_line(mini: Settings) -> None:
    f = mini.data_dir / "practices/alpha-youth-council.md"
    edit(
        f,
        "notes: The test guide gives no end date.",
        "notes: The checklist suggested primary; see 003_e04d2a6da5edb9b9.txt.",
    )
    f.write_text(
        f.read_text(encoding="utf-8") + "\nThe seed (000) says little more; the city offers seed capital.\n",
        encoding="utf-8",
    )
    corpus = load_corpus(mini.data_dir)
    assert corpus.errors == []  # a warning: the build goes on, the curator is told
    warned = [str(p) for p in corpus.problems if "which the public reads on the site" in p.message]
    assert warned == [
        f"data/practices/alpha-youth-council.md:{line_of(f, 'notes: The checklist')}: warning: 'notes' speaks of "
        "'checklist', which the public reads on the site: name the document by its title, or leave the remark out",
        f"data/practices/alpha-youth-council.md:{line_of(f, 'The seed (000)')}: warning: the description speaks of "
        "'The seed', which the public reads on the site: name the document by its title, or leave the remark out",
    ]  # "seed capital" is the city's own money, not a source file: not warned


def test_no_published_text_of_the_corpus_names_source_files_or_the_checklist() -> None:
    from hub.config import REPO_DIR

    corpus = load_corpus(REPO_DIR / "data")
    assert [str(p) for p in corpus.problems if "which the public reads on the site" in p.message] == []

"""Curator tools: a scaffolded file validates once filled; the JSON Schema agrees with the validator."""

from __future__ import annotations

import json
import subprocess
import sys

from hub.config import Settings
from hub.ingest.scaffold import create, free_id, slugify
from hub.ingest.schema import front_matter_schema
from hub.ingest.validate import load_corpus


def test_slug_and_free_id(mini: Settings) -> None:
    assert slugify("Wrocław’s café: youth & dialogue!") == "wroclaws-cafe-youth-dialogue"
    assert free_id("Alpha youth council", mini.data_dir) == "alpha-youth-council-2"


def test_scaffolded_practice_validates(mini: Settings) -> None:
    path = create("practice", "Mentoring for young people leaving care", mini.data_dir,
                  {"cities": ["beta-city"], "themes": ["youth engagement"], "doc": "003_test.txt", "section": "Annex II"})
    corpus = load_corpus(mini.data_dir)
    assert corpus.errors == [], corpus.errors
    assert corpus.practices[path.stem].title == "Mentoring for young people leaving care"
    # the only remark is the placeholder description being short
    assert [p.severity for p in corpus.problems if path.name in p.path] == ["warning"]


def test_scaffold_without_answers_fails_with_teaching_errors(mini: Settings) -> None:
    create("city", "Gamma", mini.data_dir)
    msgs = [str(p) for p in load_corpus(mini.data_dir).errors]
    assert any("cities/gamma.md" in m and "unknown countries term 'COUNTRY'" in m for m in msgs)
    assert any("cities/gamma.md" in m and "source 'SOURCE-FILE'" in m for m in msgs)


def test_cli_new_writes_a_file_that_validates(mini: Settings) -> None:
    env = {"HUB_DATA": str(mini.data_dir), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-m", "hub.cli", "new", "resource", "--title", "Toolkit on youth work", "--source", "003_test.txt",
                          "--section", "Annex I"], env=env, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert out.returncode == 0, out.stderr
    text = (mini.data_dir / "resources/toolkit-on-youth-work.md").read_text(encoding="utf-8")
    assert text.replace("publisher: PUBLISHER", "publisher: Test Network").count("PUBLISHER") == 0
    (mini.data_dir / "resources/toolkit-on-youth-work.md").write_text(text.replace("PUBLISHER", "Test Network"), encoding="utf-8")
    assert load_corpus(mini.data_dir).errors == []


def test_schema_lists_vocabulary_terms_and_required_fields() -> None:
    schema = front_matter_schema("practice")
    assert "youth engagement" in schema["properties"]["themes"]["items"]["enum"]
    assert "yuoth engagement" not in schema["properties"]["themes"]["items"]["enum"]
    assert {"id", "type", "title", "summary", "themes", "sources", "scope"} <= set(schema["required"])
    assert schema["properties"]["prevention_levels"]["items"]["enum"] == ["primary", "secondary", "tertiary"]
    out = subprocess.run([sys.executable, "-m", "hub.cli", "schema", "city"], capture_output=True, text=True, timeout=60)
    assert json.loads(out.stdout)["properties"]["admin_type"]["enum"][0] == "association"


def test_build_writes_the_schemas(mini: Settings) -> None:
    from hub.build import build, default_stages

    build(mini, stages=[s for s in default_stages() if s[0] in ("graph", "shapes", "catalog", "schema")])
    for kind in ("practice", "city", "resource", "spotlight"):
        written = json.loads((mini.build_dir / "schema" / f"{kind}.schema.json").read_text(encoding="utf-8"))
        assert written == front_matter_schema(kind)

"""The layers hold: a server imports no build code, and a facet is declared once (hub.facets) for every consumer.

Both run in a fresh interpreter: what a process imports, and what module-level constants are derived
from the registry, depend on what was imported before, which inside pytest is everything.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from hub.config import REPO_DIR


def _run(code: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(REPO_DIR)}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=REPO_DIR, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_server_process_imports_no_ingest_validation_or_torch() -> None:
    code = (
        "import json, sys; from hub.api.app import create_app; from hub.search.index import load; "
        "from hub.peers import PeerIndex; create_app(); print(json.dumps(sorted(sys.modules)))"
    )
    modules = json.loads(_run(code))
    assert "hub.api.app" in modules and "hub.search.index" in modules  # the check ran where it should
    assert [m for m in modules if m.startswith("hub.ingest")] == []
    assert "hub.search.indexer" not in modules and "hub.site.builder" not in modules  # the build sides
    assert "torch" not in modules and "frontmatter" not in modules


def test_a_facet_added_to_the_registry_reaches_validation_catalogue_search_and_site() -> None:
    """Adding a facet is one line in hub.facets: a fake "topic" facet over the themes vocabulary, added
    in-process before anything reads the registry, is filled in the catalogue, counted by search and shown
    on the search page, with the real corpus."""
    code = """
import json
from hub import facets as registry
topic = registry.Facet("topic", "themes", "themes", "Topic", "Topics", shown=8, browse=False)
registry.FACETS = (*registry.FACETS, topic)
registry.FACET_BY_NAME["topic"] = topic

from hub.config import settings
from hub.ingest.catalog import build_catalog
from hub.ingest.validate import load_corpus
from hub.search.facets import FACET_NAMES, FacetIndex, facet_values
from hub.search.indexer import memberships
from hub.site.model import SEARCH_FACETS

catalog = build_catalog(load_corpus(settings().data_dir))
values = facet_values()
index = FacetIndex(values, [memberships(e) for e in catalog])
import numpy as np
counts = index.counts(np.ones(len(catalog), dtype=bool), {}, {})
print(json.dumps({
    "same_as_theme": all(e["facets"]["topic"] == e["facets"]["theme"] for e in catalog),
    "tagged": sum(bool(e["facets"]["topic"]) for e in catalog),
    "search_names": list(FACET_NAMES), "page_names": SEARCH_FACETS,
    "values": len(values["topic"]) == len(values["theme"]),
    "counts": counts["topic"] == counts["theme"],
}))
"""
    out = json.loads(_run(code).strip().splitlines()[-1])
    assert out["same_as_theme"] and out["tagged"] > 50
    assert out["search_names"][-1] == "topic" and out["page_names"][-1] == "topic"
    assert out["values"] and out["counts"]

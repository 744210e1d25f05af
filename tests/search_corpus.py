"""A small corpus for the search tests: the ``mini`` fixture plus records that exercise search.

Added on top of tests/fixtures/mini (copied, never edited in place): a city with an
accented name (Wrocław), a practice whose text contains HTML-like characters and
Cyrillic, and one described with a preferred label it is not tagged with, so SKOS
synonyms in the query have something to find.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from hub.config import Settings

MINI = Path(__file__).parent / "fixtures" / "mini"

EXTRA = {
    "cities/wroclaw.md": """---
id: wroclaw
type: city
name: Wrocław
aliases: [Breslau]
country: Poland
admin_type: city
sources:
  - doc: 003_test.txt
    section: Annex II
---
A test city in Poland with a migrant information centre.
""",
    "practices/wroclaw-migrant-centre.md": """---
id: wroclaw-migrant-centre
type: practice
title: Migrant information centre run with newcomers
summary: The city runs a centre where newcomers get advice on housing, work and language classes <in their own languages>.
cities: [wroclaw]
scope: city
themes: [migration/refugees, inclusion]
stakeholders: [migrants and refugees, city departments]
challenges: [barriers to newcomer integration]
prevention_levels: [primary]
sources:
  - doc: 003_test.txt
    section: "Primary prevention > Integration"
---
The municipality opened a walk-in centre for people who arrived from abroad, including
many from Київ after 2022. Staff speak several languages and help with registration,
housing, jobs & schooling. A <b>newsletter</b> in Ukrainian and Polish lists events where
residents and newcomers meet. The city reviews the service every year with the people who use it.
""",  # noqa: E501 (record text as a curator writes it)
    "practices/beta-family-counselling.md": """---
id: beta-family-counselling
type: practice
title: Family help desk in Beta City
summary: A help desk offers psychosocial support to parents worried about a relative.
cities: [beta-city]
scope: city
themes: [family support]
stakeholders: [families]
challenges: [youth radicalisation]
prevention_levels: [secondary]
sources:
  - doc: 003_test.txt
    section: "Secondary prevention > Families"
---
Parents who are worried about a son or daughter can call or visit the help desk. A social
worker listens, offers psychosocial support and, when needed, refers the family to other services.
""",
}


def build_search_corpus(root: Path, cache_dir: Path | None = None) -> Settings:
    """Copy mini, add the search records, build everything (search index included) into ``root``.

    Built once per session by the ``search_corpus`` fixture (tests/conftest.py), with the session's cache."""
    from hub.build import build

    data = root / "data"
    shutil.copytree(MINI, data)
    for rel, text in EXTRA.items():
        (data / rel).write_text(text, encoding="utf-8")
    # no rate limit: the API tests send more requests per minute than a client may
    cfg = Settings(data_dir=data, build_dir=root / "build", cache_dir=cache_dir or root / "cache", rate_per_minute=0)
    build(cfg)
    return cfg

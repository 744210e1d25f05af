"""The curated corpus as built: counts, and what every record must carry, asked of the real store."""

from __future__ import annotations

import json

from hub.store import select

SEED_FILES = {
    "000_adf71575fd11bbfb.txt",
    "001_603f7395be77b8cb.txt",
    "002_60428e8a419de063.txt",
    "003_e04d2a6da5edb9b9.txt",
    "004_db6a0579d2e5dfcf.txt",
}


def test_counts(corpus_store, corpus_settings) -> None:
    [row] = select(
        corpus_store,
        """SELECT (COUNT(DISTINCT ?p) AS ?practices) (COUNT(DISTINCT ?c) AS ?cities)
        WHERE { { ?p a hub:Practice } UNION { ?c a hub:City } }""",
    )
    assert int(row["practices"]) >= 93
    assert int(row["cities"]) >= 94
    manifest = json.loads((corpus_settings.build_dir / "manifest.json").read_text())
    assert manifest["stats"]["resources"] >= 100 and manifest["stats"]["spotlights"] >= 15


def test_every_practice_has_a_place_a_source_and_a_theme(corpus_store) -> None:
    missing = select(
        corpus_store,
        """SELECT ?id WHERE { ?p a hub:Practice ; dcterms:identifier ?id .
        FILTER (NOT EXISTS { ?p hub:theme ?t } || NOT EXISTS { ?p dcterms:source ?s }
                || NOT EXISTS { ?p hub:country ?c }) }""",
    )
    assert missing == []
    # a practice without a city is a national model or names no city; anything else must have one
    cityless = select(
        corpus_store,
        """SELECT ?id ?scope WHERE { ?p a hub:Practice ; dcterms:identifier ?id ; hub:scope/skos:prefLabel ?scope .
        FILTER NOT EXISTS { ?p hub:implementedBy ?c } }""",
    )
    assert all(r["scope"] != "city" for r in cityless), cityless


def test_every_record_has_label_and_cites_a_seed_document(corpus_store) -> None:
    bad = select(
        corpus_store,
        """SELECT ?r WHERE { ?r a hub:Record .
        FILTER (NOT EXISTS { ?r rdfs:label ?l } || NOT EXISTS { ?r dcterms:source/a hub:SeedDocument }) }""",
    )
    assert bad == []


def test_each_seed_document_is_a_resource_record(corpus_store) -> None:
    rows = select(
        corpus_store, "SELECT ?file ?title WHERE { ?r a hub:SeedDocument ; hub:seedFile ?file ; rdfs:label ?title }"
    )
    assert {r["file"] for r in rows} == SEED_FILES
    assert all(r["title"] for r in rows)


def test_cities_carry_country_region_and_admin_type(corpus_store) -> None:
    bad = select(
        corpus_store,
        """SELECT ?id WHERE { ?c a hub:City ; dcterms:identifier ?id .
        FILTER (NOT EXISTS { ?c hub:country ?x } || NOT EXISTS { ?c hub:region ?r }
                || NOT EXISTS { ?c hub:adminType ?a }) }""",
    )
    assert bad == []


def test_learning_links_point_both_ways_to_real_cities(corpus_store) -> None:
    rows = select(
        corpus_store,
        """SELECT ?from ?to ?rel WHERE { ?l a hub:LearningLink ; hub:fromCity/dcterms:identifier ?from ;
        hub:toCity ?t ; hub:relation ?rel . ?t a hub:City ; dcterms:identifier ?to }""",
    )
    assert len(rows) >= 20
    assert {r["rel"].rsplit("/", 1)[-1] for r in rows} <= {
        "learnedFrom",
        "replicated",
        "attendedEventIn",
        "peerGroupWith",
    }


def test_all_three_prevention_levels_are_used(corpus_store) -> None:
    rows = select(
        corpus_store,
        """SELECT ?level (COUNT(?p) AS ?n) WHERE { ?p a hub:Practice ; hub:preventionLevel/skos:prefLabel ?level
                                                   FILTER (lang(?level) = "en") }
           GROUP BY ?level""",
    )
    assert {r["level"] for r in rows} == {"primary", "secondary", "tertiary"}


def test_no_public_page_names_a_source_file_seeds_or_the_checklist(corpus_settings) -> None:
    """Every page is read by the public: documents are named by their titles, never by file name or number."""
    import re

    internal = re.compile(r"\b\d{3}_[0-9a-f]{16}\b|\bthe seeds?\b|\bchecklists?\b|city-ids", re.IGNORECASE)
    found = {}
    for page in corpus_settings.site_dir.rglob("*.html"):
        if page.parent.name == "contributing":  # the curators' guide shows the front-matter: `doc:` is a file name
            continue
        text = re.sub(
            r'<script type="application/ld\+json">.*?</script>', "", page.read_text(encoding="utf-8"), flags=re.S
        )
        if m := internal.search(text):
            found[str(page.relative_to(corpus_settings.site_dir))] = m.group(0)
    assert found == {}


def test_every_practice_states_its_evidence(corpus_store) -> None:
    """Every practice carries one evidence level, with what its source says and the passage cited (issue 17)."""
    ungraded = select(
        corpus_store,
        """SELECT ?id WHERE { ?p a hub:Practice ; dcterms:identifier ?id .
        FILTER NOT EXISTS { ?p hub:evidenceLevel ?level ;
                               hub:evidenceGrade [ hub:says ?says ; prov:wasDerivedFrom/hub:section ?section ] } }
        ORDER BY ?id""",
    )
    assert ungraded == [], f"{len(ungraded)} practices have no evidence level: {[r['id'] for r in ungraded][:10]}"


def test_no_concept_is_its_own_broader_or_narrower(corpus_store) -> None:
    """A self-loop makes the concept its own ancestor: facet trees and 'broader' walks would never end."""
    rows = select(
        corpus_store,
        """SELECT ?c WHERE { { ?c skos:broader ?c } UNION { ?c skos:narrower ?c } }""",
    )
    assert rows == []


def test_readme_states_the_size_of_the_graph(corpus_store) -> None:
    """The README's "about N statements" stays within 5 % of the built graph (it had drifted by half before)."""
    import re

    from hub.config import REPO_DIR

    stated = re.search(r"about ([\d,]+) statements", (REPO_DIR / "README.md").read_text(encoding="utf-8"))
    assert stated, "README.md no longer says how many statements the graph holds"
    rows = select(corpus_store, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    built = int(rows[0]["n"])
    assert abs(int(stated.group(1).replace(",", "")) - built) <= 0.05 * built, f"the graph holds {built:,} statements"

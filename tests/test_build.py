"""The build: Markdown → RDF → store round trip, SHACL, and the last good build surviving a failed one."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from rdflib import Graph, URIRef

from hub.build import BuildError, build, check_shapes, current_build
from hub.config import Settings
from hub.store import open_local, select


def test_round_trip_markdown_to_query(mini: Settings) -> None:
    build(mini)
    st = open_local(mini.store_dir)
    [row] = select(
        st,
        """SELECT ?title ?summary ?city ?country ?region ?year
                  (GROUP_CONCAT(DISTINCT ?themeLabel; separator="|") AS ?themes)
                  (GROUP_CONCAT(DISTINCT ?levelLabel; separator="|") AS ?levels) ?section ?url ?seed
           WHERE { ?p dcterms:identifier "alpha-youth-council" ; rdfs:label ?title ; schema:description ?summary ;
                      hub:leadCity/rdfs:label ?city ; hub:country/skos:prefLabel ?country ;
                      hub:region/skos:prefLabel ?region ;
                      hub:year ?year ; hub:theme/skos:prefLabel ?themeLabel ;
                      hub:preventionLevel/skos:prefLabel ?levelLabel ;
                      prov:wasDerivedFrom [ hub:section ?section ; schema:url ?url ;
                                           dcterms:isPartOf/hub:seedFile ?seed ]
                   FILTER (lang(?country) = "en" && lang(?region) = "en" && lang(?themeLabel) = "en"
                           && lang(?levelLabel) = "en") }  # the labels are in six languages: the English ones
           GROUP BY ?title ?summary ?city ?country ?region ?year ?section ?url ?seed""",
    )
    assert row["title"] == "Youth council advising the mayor on cohesion"
    assert row["summary"].startswith("Young residents advise the mayor")
    assert (row["city"], row["country"], row["region"], row["year"]) == ("Alphaville", "Poland", "Europe", "2022")
    assert set(row["themes"].split("|")) == {"youth engagement", "mayoral leadership"}
    assert row["levels"] == "primary"
    assert (row["section"], row["url"], row["seed"]) == (
        "Primary prevention > Youth engagement",
        "https://example.org/guide",
        "003_test.txt",
    )


def test_learning_link_is_reified_with_evidence(mini: Settings) -> None:
    build(mini)
    rows = select(
        open_local(mini.store_dir),
        """
        SELECT ?to ?evidence ?year WHERE { ?l a hub:LearningLink ; hub:fromCity/dcterms:identifier "alpha-town" ;
               hub:relation hub:learnedFrom ; hub:toCity/dcterms:identifier ?to ;
               hub:evidence ?evidence ; hub:year ?year ;
               dcterms:source/hub:seedFile "003_test.txt" }""",
    )
    assert rows == [
        {
            "to": "beta-city",
            "evidence": "Alphaville officials visited Beta City to study its youth council.",
            "year": "2021",
        }
    ]


def test_outputs_are_parseable_and_agree(mini: Settings) -> None:
    ctx = build(mini)
    out = mini.build_dir
    ttl = Graph().parse(out / "graph.ttl", format="turtle")
    jsonld = Graph().parse(out / "graph.jsonld", format="json-ld")
    assert len(ttl) == len(jsonld) == ctx.stats["triples"] > 500
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["stats"]["practices"] == 2 and manifest["stats"]["cities"] == 2
    # one named graph per record in the N-Quads dump
    graphs = {line.rsplit(" ", 2)[-2] for line in (out / "graph.nq").read_text().splitlines() if line}
    assert "<https://w3id.org/cityhub/graph/practices/alpha-youth-council>" in graphs


def test_shacl_rejects_a_graph_missing_what_the_shapes_require(mini: Settings) -> None:
    ctx = build(mini)
    practice = URIRef("https://w3id.org/cityhub/practices/beta-sports-league")
    assert (practice, URIRef("https://w3id.org/cityhub/theme"), None) in ctx.graph
    check_shapes(ctx)  # the graph as built conforms
    ctx.graph.remove((practice, URIRef("https://w3id.org/cityhub/theme"), None))
    with pytest.raises(BuildError, match="every practice has at least one theme"):
        check_shapes(ctx)


def test_evidence_level_links_its_concept_with_the_passage_as_provenance(mini: Settings) -> None:
    """A graded practice links to its evidence concept (a facet, like its themes), and the grade's grounds are
    provenance: what the passage says, and the passage itself as a hub:SourcePassage of the cited document."""
    ctx = build(mini)
    st = open_local(mini.store_dir)
    rows = select(
        st,
        """SELECT ?level ?order ?says ?section ?seed WHERE {
             ?p dcterms:identifier "alpha-youth-council" ; hub:evidenceLevel ?c ; hub:evidenceGrade ?g .
             ?c skos:prefLabel ?level ; skos:notation ?order ;
                skos:inScheme <https://w3id.org/cityhub/scheme/evidence> .
             ?g a hub:EvidenceGrade ; hub:evidenceLevel ?c ; hub:says ?says ;
                prov:wasDerivedFrom [ a hub:SourcePassage ; hub:section ?section ;
                                      dcterms:isPartOf/hub:seedFile ?seed ]
             FILTER (lang(?level) = "en") }""",
    )
    assert [(r["level"], r["order"], r["section"], r["seed"]) for r in rows] == [
        ("results reported", "3", "Primary prevention > Youth engagement", "003_test.txt")
    ]
    assert rows[0]["says"].startswith("The test guide reports that the council met the mayor four times")
    assert select(st, 'SELECT ?c WHERE { ?p dcterms:identifier "beta-sports-league" ; hub:evidenceLevel ?c }') == []
    # the catalogue carries it as a facet (concept id) and as the label, what it says and the passage
    alpha, beta = (e for e in json.loads((mini.build_dir / "records.json").read_text()) if e["type"] == "practice")
    assert (alpha["facets"]["evidence"], alpha["evidence"]) == (["results-reported"], ["results reported"])
    assert alpha["evidence_says"].startswith("The test guide reports")
    assert (alpha["evidence_source"]["title"], alpha["evidence_source"]["resource"]) == (
        "Test guide for cities",
        "seed-guide",
    )
    assert (beta["facets"]["evidence"], beta["evidence"], beta["evidence_says"]) == ([], [], None)
    # SHACL: at most one level per practice, and only from the evidence scheme
    check_shapes(ctx)
    practice, prop = (
        URIRef("https://w3id.org/cityhub/practices/alpha-youth-council"),
        URIRef("https://w3id.org/cityhub/evidenceLevel"),
    )
    other = URIRef("https://w3id.org/cityhub/concept/evidence/described-only")
    ctx.graph.add((practice, prop, other))
    with pytest.raises(BuildError, match="at most one evidence level"):
        check_shapes(ctx)
    ctx.graph.remove((practice, prop, None))
    ctx.graph.add((practice, prop, URIRef("https://w3id.org/cityhub/concept/prevention-levels/primary")))
    with pytest.raises(BuildError, match="from the evidence scheme"):
        check_shapes(ctx)


def test_practices_csv_has_the_evidence_columns(mini: Settings) -> None:
    import csv

    build(mini)
    rows = {r["id"]: r for r in csv.DictReader((mini.build_dir / "practices.csv").open(encoding="utf-8"))}
    alpha, beta = rows["alpha-youth-council"], rows["beta-sports-league"]
    assert alpha["evidence"] == "results reported" and alpha["evidence_says"].startswith("The test guide reports")
    assert alpha["evidence_source"] == "Test guide for cities > Primary prevention > Youth engagement"
    assert (beta["evidence"], beta["evidence_says"], beta["evidence_source"]) == ("", "", "")


def test_failed_build_keeps_the_last_good_one(mini: Settings) -> None:
    build(mini)
    good = current_build(mini)
    stamp = json.loads((mini.build_dir / "manifest.json").read_text())["built"]
    f = mini.data_dir / "practices/beta-sports-league.md"
    f.write_text(f.read_text(encoding="utf-8").replace("themes: [sports]", "themes: [sprots]"), encoding="utf-8")
    with pytest.raises(BuildError) as info:
        build(mini)
    assert any("sprots" in p.message for p in info.value.problems)
    assert current_build(mini) == good
    assert json.loads((mini.build_dir / "manifest.json").read_text())["built"] == stamp
    assert open_local(mini.store_dir) is not None


def test_a_stage_that_crashes_leaves_no_trace(mini: Settings) -> None:
    build(mini)
    good = current_build(mini)

    def boom(ctx):
        raise RuntimeError("disk full")

    from hub.build import default_stages

    with pytest.raises(RuntimeError, match="disk full"):
        build(mini, stages=[*default_stages(), ("boom", boom)])
    assert current_build(mini) == good
    assert not list((mini.build_dir.parent / ".builds").glob("tmp-*"))


def test_killed_build_leaves_the_last_good_one(mini: Settings) -> None:
    """SIGKILL mid-build (the slow SHACL stage): the served build is untouched and the next build cleans up."""
    build(mini)
    good = current_build(mini)
    env = {**os.environ, "HUB_DATA": str(mini.data_dir), "HUB_BUILD": str(mini.build_dir)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "hub.cli", "build"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    builds = mini.build_dir.parent / ".builds"
    deadline = time.monotonic() + 60
    while not list(builds.glob("tmp-*/graph.nq")) and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert current_build(mini) == good
    assert open_local(mini.store_dir) is not None
    build(mini)
    assert not list(builds.glob("tmp-*"))
    assert current_build(mini) != good

"""Bulk downloads written at build time: practices.csv, the dataset description, and their manifest.

``/download/*`` serves these files and the graph dumps of the same build, so every copy
of the data carries the same licence and provenance statement: ``dataset.ttl`` says it
in DCAT / VoID / PROV (licence, what build made it, which source documents it was
written from, each file with its size and checksum), and ``downloads.json`` says it
for people and for the download index.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from hub import __version__, places
from hub.config import BASE_IRI

DATA_LICENCE = "https://creativecommons.org/licenses/by/4.0/"
CODE_LICENCE = "https://opensource.org/license/mit"
LICENCE_TEXT = (
    "Record descriptions, summaries and curated metadata: CC BY 4.0 (credit: Strong Cities practice hub contributors). "
    "The software that builds them: MIT. The source documents belong to their publishers; the hub describes them in "
    "its own words, cites the section each statement comes from and links to them."
)
PRACTICE_COLUMNS = (
    "id",
    "title",
    "summary",
    "cities",
    "city_ids",
    "countries",
    "regions",
    "themes",
    "stakeholders",
    "challenges",
    "prevention_levels",
    "evidence",
    "evidence_says",
    "evidence_source",
    "scope",
    "year",
    "partners",
    "annex_ii",
    "sources",
    "page",
    "iri",
)
# name -> (media type, what it is); the graph files are written by the graph stage
FILES = {
    "graph.ttl": ("text/turtle", "The whole knowledge graph (all named graphs merged), Turtle."),
    "graph.jsonld": ("application/ld+json", "The whole knowledge graph (all named graphs merged), JSON-LD."),
    "graph.nq": (
        "application/n-quads",
        "The knowledge graph as N-Quads: one named graph per curated record, for exact provenance.",
    ),
    "practices.csv": ("text/csv", "One row per practice with its main fields; list values are separated by '; '."),
    "dataset.ttl": ("text/turtle", "This description: licence, provenance and the files (DCAT, VoID, PROV)."),
}
_SEP = "; "


def _passage(source: dict[str, Any]) -> str:
    return f"{source['title']} > {source['section']}"


def practice_rows(catalog: list[dict[str, Any]], site_url: str) -> list[dict[str, str]]:
    """practices.csv rows from the catalogue: plain strings, lists joined with '; '."""
    rows = []
    for r in (r for r in catalog if r["type"] == "practice"):
        rows.append(
            {
                "id": r["id"],
                "title": r["title"],
                "summary": r.get("summary", ""),
                "cities": _SEP.join(c["label"] for c in r["cities"]),
                "city_ids": _SEP.join(c["id"] for c in r["cities"]),
                "countries": _SEP.join(r["countries"]),
                "regions": _SEP.join(r["regions"]),
                "themes": _SEP.join(r["themes"]),
                "stakeholders": _SEP.join(r["stakeholders"]),
                "challenges": _SEP.join(r["challenges"]),
                "prevention_levels": _SEP.join(r["levels"]),
                "evidence": _SEP.join(r.get("evidence", [])),  # the level's label; empty until graded
                "evidence_says": r.get("evidence_says") or "",
                "evidence_source": _passage(r["evidence_source"]) if r.get("evidence_source") else "",
                "scope": r.get("scope") or "",
                "year": "" if r.get("year") is None else str(r["year"]),
                "partners": _SEP.join(r.get("partners", [])),
                "annex_ii": "true" if r.get("annex_ii") else "false",
                "sources": _SEP.join(_passage(s) for s in r["sources"]),
                "page": f"{site_url}{r['url']}",
                "iri": r["iri"],
            }
        )
    return rows


def _csv(rows: list[dict[str, str]]) -> bytes:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=PRACTICE_COLUMNS, lineterminator="\r\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def _file_info(path: Path) -> dict[str, Any]:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return {"bytes": path.stat().st_size, "sha256": digest.hexdigest()}


def _dataset_description(
    catalog: list[dict[str, Any]], triples: int, files: dict[str, dict[str, Any]], site_url: str, modified: str
) -> bytes:
    n, lit = ox.NamedNode, ox.Literal
    dct, dcat, void, prov = (
        "http://purl.org/dc/terms/",
        "http://www.w3.org/ns/dcat#",
        "http://rdfs.org/ns/void#",
        "http://www.w3.org/ns/prov#",
    )
    xsd = "http://www.w3.org/2001/XMLSchema#"
    a = n("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    ds, build = n(f"{BASE_IRI}dataset"), ox.BlankNode("build")
    t = [
        ox.Triple(ds, a, n(dcat + "Dataset")),
        ox.Triple(ds, a, n(void + "Dataset")),
        ox.Triple(ds, n(dct + "title"), lit("Strong Cities practice hub knowledge graph", language="en")),
        ox.Triple(
            ds,
            n(dct + "description"),
            lit(
                "City-led practices to prevent hate, extremism and polarisation, the cities and local "
                "governments behind them, resources and impact stories, written from the source documents "
                "each record cites.",
                language="en",
            ),
        ),
        ox.Triple(ds, n(dct + "license"), n(DATA_LICENCE)),
        ox.Triple(ds, n(dct + "rights"), lit(LICENCE_TEXT, language="en")),
        ox.Triple(ds, n(dct + "modified"), lit(modified, datatype=n(xsd + "dateTime"))),
        ox.Triple(ds, n(dcat + "landingPage"), n(f"{site_url}/")),
        ox.Triple(ds, n(void + "sparqlEndpoint"), n(f"{site_url}/sparql")),
        ox.Triple(ds, n(void + "triples"), lit(str(triples), datatype=n(xsd + "integer"))),
        ox.Triple(ds, n(prov + "wasGeneratedBy"), build),
        ox.Triple(build, a, n(prov + "Activity")),
        ox.Triple(
            build,
            n("http://www.w3.org/2000/01/rdf-schema#label"),
            lit(f"hub build (cityhub {__version__}, code under MIT)", language="en"),
        ),
        ox.Triple(build, n(prov + "endedAtTime"), lit(modified, datatype=n(xsd + "dateTime"))),
    ]
    for r in catalog:
        if r["type"] == "resource" and r.get("seed_file"):  # the source documents the records were written from
            t.append(ox.Triple(ds, n(prov + "wasDerivedFrom"), n(r["iri"])))
            t.append(ox.Triple(n(r["iri"]), n(dct + "title"), lit(r["title"])))
            if r.get("link"):
                t.append(ox.Triple(n(r["iri"]), n("https://schema.org/url"), n(r["link"])))
    if geonames_used(catalog):  # the cities' points, populations and other names: GeoNames, credited as CC BY asks
        geonames = n(places.GEONAMES_HOME)
        t += [
            ox.Triple(ds, n(prov + "wasDerivedFrom"), geonames),
            ox.Triple(ds, n(dct + "source"), geonames),
            ox.Triple(geonames, n(dct + "title"), lit("GeoNames geographical database", language="en")),
            ox.Triple(geonames, n(dct + "license"), n(places.GEONAMES_LICENCE)),
            ox.Triple(geonames, n(dct + "hasVersion"), lit(places.data_version())),
            ox.Triple(geonames, n(dct + "description"), lit(GEONAMES_STATEMENT, language="en")),
        ]
    for name, info in files.items():
        dist = n(f"{site_url}/download/{name}")
        t += [
            ox.Triple(ds, n(dcat + "distribution"), dist),
            ox.Triple(dist, a, n(dcat + "Distribution")),
            ox.Triple(dist, n(dcat + "downloadURL"), dist),
            ox.Triple(dist, n(dcat + "mediaType"), lit(info["media_type"])),
            ox.Triple(dist, n(dcat + "byteSize"), lit(str(info["bytes"]), datatype=n(xsd + "nonNegativeInteger"))),
            ox.Triple(dist, n(dct + "description"), lit(info["description"], language="en")),
            ox.Triple(dist, n(dct + "license"), n(DATA_LICENCE)),
            ox.Triple(dist, n("http://spdx.org/rdf/terms#checksum"), lit(f"sha256:{info['sha256']}")),
        ]
    prefixes = {"dcterms": dct, "dcat": dcat, "void": void, "prov": prov, "xsd": xsd, "hub": BASE_IRI}
    return ox.serialize(t, format=ox.RdfFormat.TURTLE, prefixes=prefixes)


GEONAMES_STATEMENT = (
    "City coordinates, populations and alternate names of cities with a GeoNames id come from GeoNames "
    "(https://www.geonames.org/), licensed CC BY 4.0."
)


def geonames_used(catalog: list[dict[str, Any]]) -> bool:
    """Whether any city of the catalogue shows facts from GeoNames (then the downloads credit it)."""
    return any(r.get("geonames") for r in catalog if r["type"] == "city")


def write_downloads(out: Path, catalog: list[dict[str, Any]], site_url: str, triples: int | None) -> dict[str, int]:
    """practices.csv, dataset.ttl and downloads.json into ``out``, next to the graph files already there.

    ``triples`` is the graph's size, stated in the description. Returns each download's size in bytes."""
    modified = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    (out / "practices.csv").write_bytes(_csv(practice_rows(catalog, site_url)))
    files = {
        name: {"media_type": media, "description": desc, **_file_info(out / name)}
        for name, (media, desc) in FILES.items()
        if name != "dataset.ttl"
    }
    (out / "dataset.ttl").write_bytes(_dataset_description(catalog, triples or 0, files, site_url, modified))
    files["dataset.ttl"] = {
        "media_type": FILES["dataset.ttl"][0],
        "description": FILES["dataset.ttl"][1],
        **_file_info(out / "dataset.ttl"),
    }
    sources = [
        {"id": r["id"], "title": r["title"], "publisher": r.get("publisher"), "url": r.get("link")}
        for r in catalog
        if r["type"] == "resource" and r.get("seed_file")
    ]
    manifest = {
        "licence": {
            "data": DATA_LICENCE,
            "code": CODE_LICENCE,
            "statement": LICENCE_TEXT,
            **(
                {
                    "geonames": {
                        "licence": places.GEONAMES_LICENCE,
                        "version": places.data_version(),
                        "statement": GEONAMES_STATEMENT,
                    }
                }
                if geonames_used(catalog)
                else {}
            ),
        },
        "provenance": {
            "generated": modified,
            "by": f"hub build (cityhub {__version__})",
            "records": len(catalog),
            "triples": triples,
            "source_documents": sources,
            "statement": "Every record names the source document and section it was written from "
            "(dcterms:source, prov:wasDerivedFrom); graph.nq keeps each record in its own named graph.",
        },
        "files": files,
    }
    (out / "downloads.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
    return {name: info["bytes"] for name, info in files.items()}

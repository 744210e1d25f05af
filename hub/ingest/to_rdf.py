"""Map validated records to RDF: one named graph per record, plus the ontology and vocabularies.

One graph per curated file keeps provenance exact (a quad says which file stated it)
and lets an incremental build replace one record's triples without touching the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

from hub import places, vocab
from hub.config import BASE_IRI, ONTOLOGY_DIR, VOCAB_DIR, graph_iri, record_iri
from hub.facets import FACETS, source_labels
from hub.ingest.records import City, Practice, RecordBase, Resource, Source, Spotlight
from hub.ingest.validate import VOCAB_FIELDS, Corpus

HUB = Namespace(BASE_IRI)
SCHEMA = Namespace("https://schema.org/")
ONTOLOGY_GRAPH = URIRef(f"{BASE_IRI}graph/ontology")
VOCAB_GRAPH = URIRef(f"{BASE_IRI}graph/vocabularies")
PREFIXES = {
    "practice": HUB["practices/"],
    "city": HUB["cities/"],
    "resource": HUB["resources/"],
    "spotlight": HUB["spotlights/"],
    "org": HUB["organisations/"],
    "hub": HUB,
    "schema": SCHEMA,
    "dcterms": DCTERMS,
    "skos": SKOS,
    "prov": PROV,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
}

RESOURCE_CLASSES = {
    "guide": "GuideResource",
    "handbook": "GuideResource",
    "manual": "GuideResource",
    "toolkit": "ToolkitResource",
    "report": "ReportResource",
    "study": "ReportResource",
    "evaluation": "ReportResource",
    "policy paper": "ReportResource",
    "policy brief": "ReportResource",
    "article": "ReportResource",
    "strategy": "PolicyResource",
    "action plan": "PolicyResource",
    "policy framework": "PolicyResource",
    "good practice memorandum": "PolicyResource",
    "treaty": "PolicyResource",
    "initiative": "ProgrammeResource",
    "programme": "ProgrammeResource",
    "fund": "ProgrammeResource",
    "network structure": "ProgrammeResource",
    "event": "EventResource",
    "online platform": "OnlineResource",
    "website": "OnlineResource",
    "web page": "OnlineResource",
    "app": "OnlineResource",
    "dataset": "OnlineResource",
    "presentation": "PresentationResource",
    "brochure": "PresentationResource",
    "training curriculum": "TrainingResource",
}
LINK_PROPERTIES = {
    "learned_from": HUB.learnedFrom,
    "replicated": HUB.replicated,
    "attended_event_in": HUB.attendedEventIn,
    "peer_group": HUB.peerGroupWith,
}
FIELD_PROPERTIES = {
    **{f.source: HUB[f.prop] for f in FACETS if f.source and f.prop},  # the facets of the registry (hub.facets)
    "scope": HUB.scope,
    "country": HUB.country,
    "admin_type": HUB.adminType,
    "context": HUB.context,
    "resource_type": HUB.resourceType,
    "category": HUB.category,
}


# Organisation IRIs published before the one slug function folded 'ł' (it was dropped): kept, so that a link to one
# keeps working. An entry here is the only place an organisation's IRI is not its name's slug.
_PUBLISHED_ORGANISATIONS = {"wroclaw-centre-for-social-development": "wrocaw-centre-for-social-development"}


def organisation_iri(name: str) -> URIRef:
    key = vocab.slug(name)
    return URIRef(f"{BASE_IRI}organisations/{_PUBLISHED_ORGANISATIONS.get(key, key)}")


def _concept(scheme: str, label: str) -> URIRef:
    concept = vocab.load(VOCAB_DIR)[scheme].get(label)
    assert concept is not None, f"{label!r} not in {scheme}: validate before mapping"
    return URIRef(concept.iri)


def _add_sources(g: Graph, subject: URIRef, sources: list[Source], seeds: dict[str, str]) -> None:
    for s in sources:
        doc_iri = URIRef(seeds.get(s.doc) or record_iri("resource", s.doc))
        g.add((subject, DCTERMS.source, doc_iri))
        passage = BNode()
        g.add((subject, PROV.wasDerivedFrom, passage))
        g.add((passage, RDF.type, HUB.SourcePassage))
        g.add((passage, DCTERMS.isPartOf, doc_iri))
        g.add((passage, HUB.section, Literal(s.section)))
        if s.url:
            g.add((passage, SCHEMA.url, URIRef(s.url)))


def _add_common(g: Graph, kind: str, record: RecordBase, seeds: dict[str, str]) -> URIRef:
    s = URIRef(record_iri(kind, record.id))
    g.add((s, RDFS.label, Literal(record.label, lang="en")))
    g.add((s, SCHEMA.name, Literal(record.label, lang="en")))
    g.add((s, DCTERMS.identifier, Literal(record.id)))
    g.add((s, HUB.body, Literal(record.body, lang="en")))
    if record.notes:
        g.add((s, HUB.notes, Literal(record.notes, lang="en")))
    for fname, scheme in VOCAB_FIELDS[kind].items():
        for label in source_labels(record, fname):
            g.add((s, FIELD_PROPERTIES[fname], _concept(scheme, label)))
    _add_sources(g, s, record.sources, seeds)
    return s


def _region_of(country_label: str) -> URIRef | None:
    country = vocab.load(VOCAB_DIR)["countries"].get(country_label)
    region = vocab.region_of_country(country.id) if country else None
    return URIRef(region.iri) if region else None


def _add_stated_population(g: Graph, s: URIRef, city: City, seeds: dict[str, str]) -> None:
    """An area's population as a cited passage states it: the same hub:population and hub:PopulationFigure as a
    GeoNames figure, its source the document and the passage (no data version or licence of an outside data set)."""
    stated = city.population
    if stated is None or city.geonames:
        return
    figure = URIRef(f"{s}#population")
    g.add((s, HUB.population, Literal(stated.value, datatype=XSD.nonNegativeInteger)))
    g.add((s, HUB.populationFigure, figure))
    g.add((figure, RDF.type, HUB.PopulationFigure))
    g.add((figure, RDF.value, Literal(stated.value, datatype=XSD.nonNegativeInteger)))
    _add_sources(g, figure, [stated.source], seeds)
    g.add((figure, RDFS.comment, Literal(f"Population as the source states it: “{stated.says}”.", lang="en")))


def _add_place(g: Graph, s: URIRef, city: City) -> None:
    """Where the city is and what GeoNames says of it: with a GeoNames id the point, population and alternate names
    come from GeoNames (each citing it); without one, the record's own coordinates stay."""
    found = places.place(city.geonames, [city.name, *city.aliases]) if city.geonames else None
    seat = places.place(city.seat_geonames) if city.seat_geonames and found is None else None
    own = (city.coordinates.lat, city.coordinates.lon) if city.coordinates else None
    point = (found.lat, found.lon) if found else (seat.lat, seat.lon) if seat else own
    if point is not None:
        geo = BNode()
        g.add((s, SCHEMA.geo, geo))
        g.add((geo, RDF.type, SCHEMA.GeoCoordinates))
        g.add((geo, SCHEMA.latitude, Literal(point[0], datatype=XSD.decimal)))
        g.add((geo, SCHEMA.longitude, Literal(point[1], datatype=XSD.decimal)))
        if found or seat:
            g.add((geo, DCTERMS.source, URIRef((found or seat).iri)))
        if seat:  # the area is no GeoNames place: say whose point this is
            note = f"The point of {seat.name}, the {city.admin_type} seat, as stated by {places.source_note()}."
            g.add((geo, RDFS.comment, Literal(note, lang="en")))
    if found is None:
        return
    place_iri = URIRef(found.iri)
    g.add((s, SCHEMA.sameAs, place_iri))
    for name in found.names:
        g.add((s, SKOS.altLabel, Literal(name)))
        g.add((s, SCHEMA.alternateName, Literal(name)))
    if found.population:
        figure = URIRef(f"{s}#population")
        g.add((s, HUB.population, Literal(found.population, datatype=XSD.nonNegativeInteger)))
        g.add((s, HUB.populationFigure, figure))
        g.add((figure, RDF.type, HUB.PopulationFigure))
        g.add((figure, RDF.value, Literal(found.population, datatype=XSD.nonNegativeInteger)))
        g.add((figure, DCTERMS.source, place_iri))
        g.add((figure, HUB.dataVersion, Literal(places.data_version())))
        g.add((figure, DCTERMS.license, URIRef(places.GEONAMES_LICENCE)))
        g.add((figure, RDFS.comment, Literal(f"Population as stated by {places.source_note()}.", lang="en")))


def record_graph(kind: str, record: RecordBase, corpus: Corpus) -> Graph:
    """All triples one record states (plus the labels of the organisations it names)."""
    seeds = {f: record_iri("resource", r.id) for f, r in corpus.seed_documents().items()}
    g = Graph()
    s = _add_common(g, kind, record, seeds)
    g.add((s, RDF.type, HUB.Record))
    if isinstance(record, Practice):
        g.add((s, RDF.type, HUB.Practice))
        g.add((s, SCHEMA.description, Literal(record.summary, lang="en")))
        for i, cid in enumerate(record.cities):
            city = URIRef(record_iri("city", cid))
            g.add((s, HUB.implementedBy, city))
            if i == 0:
                g.add((s, HUB.leadCity, city))
        for label in corpus.practice_countries(record):
            g.add((s, HUB.country, _concept("countries", label)))
            if (region := _region_of(label)) is not None:
                g.add((s, HUB.region, region))
        if record.year is not None:
            g.add((s, HUB.year, Literal(str(record.year), datatype=XSD.gYear)))
        for name in record.partners:
            org = organisation_iri(name)
            g.add((s, HUB.partner, org))
            g.add((org, RDF.type, HUB.Organisation))
            g.add((org, RDFS.label, Literal(name)))
        for pid in record.related_practices:
            g.add((s, HUB.relatedPractice, URIRef(record_iri("practice", pid))))
        for rid in record.resources:
            g.add((s, HUB.documentedIn, URIRef(record_iri("resource", rid))))
        g.add((s, HUB.inGuideAnnexII, Literal(record.annex_ii)))
        if record.evidence is not None:  # the level itself is a facet (hub:evidenceLevel, above); here its grounds
            grade = URIRef(f"{s}#evidence")
            g.add((s, HUB.evidenceGrade, grade))
            g.add((grade, RDF.type, HUB.EvidenceGrade))
            g.add((grade, HUB.evidenceLevel, _concept("evidence", record.evidence.level)))
            g.add((grade, HUB.says, Literal(record.evidence.says, lang="en")))
            _add_sources(g, grade, [record.evidence.source], seeds)
    elif isinstance(record, City):
        g.add((s, RDF.type, HUB.City))
        for alias in record.aliases:
            g.add((s, SKOS.altLabel, Literal(alias)))
            g.add((s, SCHEMA.alternateName, Literal(alias)))
        if (region := _region_of(record.country)) is not None:
            g.add((s, HUB.region, region))
        g.add((s, SCHEMA.containedInPlace, _concept("countries", record.country)))
        if record.strong_cities_member is not None:
            g.add((s, HUB.strongCitiesMember, Literal(record.strong_cities_member)))
        _add_place(g, s, record)
        _add_stated_population(g, s, record, seeds)
        for i, link in enumerate(record.links):
            other = URIRef(record_iri("city", link.city))
            prop = LINK_PROPERTIES[link.relation]
            g.add((s, prop, other))
            node = URIRef(f"{s}#link-{i + 1}")
            g.add((s, HUB.link, node))
            g.add((node, RDF.type, HUB.LearningLink))
            g.add((node, HUB.fromCity, s))
            g.add((node, HUB.toCity, other))
            g.add((node, HUB.relation, prop))
            g.add((node, HUB.evidence, Literal(link.evidence, lang="en")))
            if link.year is not None:
                g.add((node, HUB.year, Literal(str(link.year), datatype=XSD.gYear)))
            _add_sources(g, node, [link.source], seeds)
    elif isinstance(record, Resource):
        g.add((s, RDF.type, HUB.Resource))
        g.add((s, RDF.type, HUB[RESOURCE_CLASSES.get(record.resource_type, "Resource")]))
        if record.seed_file:
            g.add((s, RDF.type, HUB.SeedDocument))
            g.add((s, HUB.seedFile, Literal(record.seed_file)))
        if record.publisher:
            org = organisation_iri(record.publisher)
            g.add((s, DCTERMS.publisher, org))
            g.add((org, RDF.type, HUB.Organisation))
            g.add((org, RDFS.label, Literal(record.publisher)))
        if record.date:
            g.add((s, DCTERMS.issued, Literal(record.date, datatype=XSD.date)))
        elif record.year is not None:
            g.add((s, DCTERMS.issued, Literal(str(record.year), datatype=XSD.gYear)))
        if record.url:
            g.add((s, SCHEMA.url, URIRef(record.url)))
        for cid in record.about_cities:
            g.add((s, HUB.about, URIRef(record_iri("city", cid))))
        for pid in record.about_practices:
            g.add((s, HUB.about, URIRef(record_iri("practice", pid))))
    elif isinstance(record, Spotlight):
        g.add((s, RDF.type, HUB.Spotlight))
        for cid in record.cities:
            g.add((s, HUB.about, URIRef(record_iri("city", cid))))
        for pid in record.practices:
            g.add((s, HUB.about, URIRef(record_iri("practice", pid))))
        if record.year is not None:
            g.add((s, HUB.year, Literal(str(record.year), datatype=XSD.gYear)))
    return g


@dataclass(frozen=True)
class StaticGraphs:
    """The ontology and the vocabularies: the same for every build of a process, so parsed once."""

    graph: Graph  # all their triples, for SHACL
    nquads: bytes  # in their named graphs, for graph.nq and the store


@cache
def static_graphs() -> StaticGraphs:
    graph = Graph()
    parts = []
    vocab_files = [*sorted(VOCAB_DIR.glob("*.ttl")), *vocab.label_files(VOCAB_DIR)]  # the schemes, then translations
    sources = [(ONTOLOGY_GRAPH, ONTOLOGY_DIR / "hub.ttl"), *((VOCAB_GRAPH, p) for p in vocab_files)]
    for name, path in sources:
        quads = [
            ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode(str(name)))
            for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)
        ]
        parts.append(ox.serialize(quads, format=ox.RdfFormat.N_QUADS))
        graph.parse(path, format="turtle")
    codes = country_notations()
    parts.append(_as_nquads(codes, str(VOCAB_GRAPH)))
    graph += codes
    return StaticGraphs(graph, b"".join(parts))


def country_notations() -> Graph:
    """Each country concept's ISO 3166-1 alpha-2 code as ``skos:notation`` (pycountry; Kosovo's "XK" and the few
    names pycountry spells otherwise by :data:`hub.places.EXTRA_COUNTRY_CODES`), so the graph joins other data by
    code. Added when the graph is built, so the vocabulary file stays the one place a country is named."""
    g = Graph()
    for concept in vocab.load(VOCAB_DIR)["countries"].concepts.values():
        if code := places.country_code(concept.label):
            g.add((URIRef(concept.iri), SKOS.notation, Literal(code)))
    return g


@dataclass(frozen=True)
class RecordGraph:
    """One record's named graph, with its N-Quads already written."""

    name: str  # the graph IRI
    graph: Graph
    nquads: bytes


def record_graphs(corpus: Corpus) -> list[RecordGraph]:
    """One named graph per record (the ontology and vocabularies come from :func:`static_graphs`).

    A record's graph depends on the record, the seed documents and (for a practice) its
    cities' countries, so it is kept per process under exactly that key: `hub build --watch`
    re-derives only the records a save changed.
    """
    seeds = tuple(sorted((f, r.id) for f, r in corpus.seed_documents().items()))
    out = []
    for kind, record in corpus.all():
        cities = tuple(
            (cid, c.country if (c := corpus.cities.get(cid)) else None) for cid in getattr(record, "cities", ()) or ()
        )
        key = (kind, record.model_dump_json(), seeds, cities)
        found = _graphs.get(key)
        if found is None:
            if len(_graphs) > 100_000:
                _graphs.clear()
            name = graph_iri(kind, record.id)
            g = record_graph(kind, record, corpus)
            found = _graphs[key] = RecordGraph(name, g, _as_nquads(g, name))
        out.append(found)
    return out


_graphs: dict[tuple, RecordGraph] = {}


def _as_nquads(g: Graph, name: str) -> bytes:
    """N-Triples lines (one statement each; N-Triples escapes line breaks) placed in the named graph."""
    lines = g.serialize(format="nt11", encoding="utf-8").splitlines()
    suffix = f" <{name}> .".encode()
    return b"".join(line[:-2].rstrip() + suffix + b"\n" for line in lines if line.strip())


def union_graph(graphs: list[RecordGraph]) -> Graph:
    """Every triple of the build in one rdflib graph: records plus ontology and vocabularies."""
    g = Graph()
    for rg in graphs:
        for t in rg.graph:
            g.add(t)
    for t in static_graphs().graph:
        g.add(t)
    return g

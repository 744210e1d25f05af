"""The vocabularies in six languages: every concept has one preferred label in each of the network's languages
(skos:prefLabel, at most one per language: the SKOS integrity rule), loaded by hub.vocab and published in the graph."""

from __future__ import annotations

from collections import Counter

import pytest
from rdflib import Graph
from rdflib.namespace import RDF, SKOS

from hub import vocab
from hub.config import VOCAB_DIR
from hub.ingest.to_rdf import static_graphs

TRANSLATED = ("fr", "es", "pt", "ar", "ru")


def _graph(scheme: str) -> Graph:
    """The scheme file with its translated labels, as the build reads them."""
    g = Graph().parse(VOCAB_DIR / f"{scheme}.ttl", format="turtle")
    labels = VOCAB_DIR / vocab.LABELS_DIR / f"{scheme}.ttl"
    if labels.exists():
        g.parse(labels, format="turtle")
    return g


@pytest.mark.parametrize("scheme", sorted(vocab.load(VOCAB_DIR)))
def test_every_concept_has_a_label_in_each_language(scheme: str) -> None:
    missing = [
        f"{c.id} ({lang})"
        for c in vocab.load(VOCAB_DIR)[scheme].concepts.values()
        for lang in TRANSLATED
        if not c.labels.get(lang, "").strip()
    ]
    assert not missing, f"{scheme}: {len(missing)} labels missing, e.g. {missing[:8]}"


@pytest.mark.parametrize("scheme", sorted(vocab.load(VOCAB_DIR)))
def test_no_concept_has_two_preferred_labels_in_one_language(scheme: str) -> None:
    g = _graph(scheme)
    twice = []
    for c in g.subjects(RDF.type, SKOS.Concept):
        per_lang = Counter(getattr(o, "language", None) for o in g.objects(c, SKOS.prefLabel))
        twice += [f"{c} ({lang})" for lang, n in per_lang.items() if n > 1]
    assert not twice


def test_label_files_only_describe_concepts_of_their_scheme() -> None:
    """A label file naming a concept its scheme does not have (a typo in an id) would publish a stray resource."""
    for path in vocab.label_files(VOCAB_DIR):
        known = {c.iri for c in vocab.load(VOCAB_DIR)[path.stem].concepts.values()} | {vocab.scheme_iri(path.stem)}
        stray = {str(s) for s in Graph().parse(path, format="turtle").subjects()} - known
        assert not stray, f"{path.name}: {sorted(stray)[:5]}"


def test_english_label_is_the_english_one() -> None:
    """With translations loaded, the label curators and filters use is still the English one."""
    level = vocab.load(VOCAB_DIR)["prevention-levels"].concepts["tertiary"]
    assert level.label == "tertiary" and level.labels["en"] == "tertiary"
    assert level.label_in("fr") == "prévention tertiaire" and level.label_in("xx") == "tertiary"
    assert "disengagement" in level.alt_labels and "désengagement" not in level.alt_labels
    assert "désengagement" in level.alt_labels_in["fr"]


def test_translations_are_published_in_the_graph() -> None:
    """The graph (store, downloads, SPARQL) carries the translated labels in the vocabularies' graph."""
    nquads = static_graphs().nquads.decode()
    assert '"prévention tertiaire"@fr <https://w3id.org/cityhub/graph/vocabularies>' in nquads
    assert '"третичная профилактика"@ru' in nquads

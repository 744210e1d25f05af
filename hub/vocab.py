"""The controlled vocabularies (SKOS concept schemes in ``hub/ontology/vocab``).

Curators write preferred labels; this module resolves them to concepts, and when a
value is unknown it finds the closest valid labels so the validator can say
"did you mean …". Search and peers use the same objects for synonyms and
hierarchies, so there is exactly one reading of the vocabulary files.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from hub.config import BASE_IRI, VOCAB_DIR
from hub.text import fold  # one folding for labels, search words and slugs; callers use vocab.fold

LANGS = ("en", "fr", "es", "pt", "ar", "ru")  # the languages labels are written in; English is the source
LABELS_DIR = "labels"  # under the vocabulary folder: one file of translated labels per scheme, same stem

SKOS = "http://www.w3.org/2004/02/skos/core#"


@dataclass(frozen=True)
class Concept:
    iri: str
    scheme: str
    id: str
    label: str
    alt_labels: tuple[str, ...] = ()
    broader: tuple[str, ...] = ()  # ids within the same scheme, or IRIs of another scheme's concept
    definition: str = ""
    notation: str = ""
    labels: dict[str, str] = field(default_factory=dict, compare=False)  # language -> prefLabel (English included)
    alt_labels_in: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False)  # language -> altLabels

    def label_in(self, lang: str) -> str:
        """The preferred label in ``lang``; the English one when the concept has none in that language."""
        return self.labels.get(lang) or self.label

    def translations(self) -> list[str]:
        """Every preferred and alternative label in a language other than English (search's synonyms)."""
        out = [v for lang, v in self.labels.items() if lang != "en"]
        out += [a for lang, alts in self.alt_labels_in.items() if lang != "en" for a in alts]
        return list(dict.fromkeys(out))


@dataclass
class Scheme:
    name: str
    label: str
    definition: str
    concepts: dict[str, Concept] = field(default_factory=dict)  # by id

    _labels: dict[str, Concept] = field(default_factory=dict, repr=False)  # folded prefLabel -> concept
    _alts: dict[str, Concept] = field(default_factory=dict, repr=False)  # folded altLabel -> concept

    def index(self) -> None:
        """Build the label look-ups once the concepts are in (lookups run thousands of times per build)."""
        self._labels = {fold(c.label): c for c in self.concepts.values()}
        self._alts = {}
        for c in self.concepts.values():
            for a in c.alt_labels:
                self._alts.setdefault(fold(a), c)

    def get(self, value: str) -> Concept | None:
        """A concept by its preferred label (case- and accent-insensitive) or id."""
        return self._labels.get(fold(value)) or self.concepts.get(value)

    def by_alt_label(self, value: str) -> Concept | None:
        return self._alts.get(fold(value))

    def suggest(self, value: str, n: int = 3) -> list[str]:
        """Closest preferred labels, for "did you mean" messages."""
        alt = self.by_alt_label(value)
        if alt:
            return [alt.label]
        labels = {fold(c.label): c.label for c in self.concepts.values()}
        close = close_matches(fold(value), labels, n=n)
        if not close:  # a word of the label typed alone ("youth") still deserves a hint
            close = [k for k in labels if fold(value) in k][:n]
        return [labels[k] for k in close]

    def hint(self, value: str) -> str:
        """What to tell someone who typed ``value``: the closest labels, else where the valid ones are."""
        return did_you_mean(self.suggest(value)) or valid_terms(self)

    def top(self) -> list[Concept]:
        return [c for c in self.concepts.values() if not c.broader or self.name == "countries"]

    def narrower(self, concept_id: str) -> list[Concept]:
        return [c for c in self.concepts.values() if concept_id in c.broader]

    def ancestors(self, concept_id: str) -> list[str]:
        """Ids of every broader concept in this scheme, nearest first."""
        out: list[str] = []
        todo = list(self.concepts[concept_id].broader)
        while todo:
            b = todo.pop(0)
            if b in self.concepts and b not in out:
                out.append(b)
                todo.extend(self.concepts[b].broader)
        return out


def close_matches(word: str, options: Iterable[str], n: int = 3, cutoff: float = 0.6) -> list[str]:
    """The options someone who typed ``word`` may have meant, closest first (at most ``n``): the one candidate finder
    behind every "did you mean" (worded by :func:`did_you_mean`; the API also returns them as ``suggestions``)."""
    return difflib.get_close_matches(word, list(options), n=n, cutoff=cutoff)


def did_you_mean(options: list[str]) -> str:
    """The one wording of a suggestion, for every message that offers one: "did you mean 'a' or 'b'?".

    Empty when there is nothing to suggest, so callers never print "did you mean one of []".
    """
    return f"did you mean {_listed(options, 'or')}?" if options else ""


def _listed(words: list[str], last: str) -> str:
    """'a', 'b' or 'c': quoted words in plain English, never a Python list."""
    quoted = [f"'{w}'" for w in words]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} {last} {quoted[-1]}"


SMALL_SCHEME = 8  # a scheme this small is listed in full when nothing is close


def valid_terms(scheme: Scheme) -> str:
    """When no term is close: the whole list of a small scheme, or the command that lists a large one."""
    labels = sorted(c.label for c in scheme.concepts.values())
    if 0 < len(labels) <= SMALL_SCHEME:
        return f"the {scheme.name} terms are {_listed(labels, 'and')}"
    return f"`hub vocab {scheme.name}` lists the terms"


def slug(text: str, max_words: int | None = None) -> str:
    """The one way a name becomes part of an id or IRI: folded like :func:`fold` ('Wrocław' → 'wroclaw'), words joined
    by '-'.

    Other characters outside ASCII vanish (a curly apostrophe joins its word), ASCII ones separate words. ``max_words``
    keeps the first words only (a record id from a long title); empty when no letter or digit is left."""
    words = re.findall(r"[a-z0-9]+", fold(text).encode("ascii", "ignore").decode())  # "Wrocław’s" → "wroclaws"
    return "-".join(words[:max_words] if max_words is not None else words)


def concept_iri(scheme: str, concept_id: str) -> str:
    return f"{BASE_IRI}concept/{scheme}/{concept_id}"


def scheme_iri(scheme: str) -> str:
    return f"{BASE_IRI}scheme/{scheme}"


def label_files(vocab_dir: Path = VOCAB_DIR) -> list[Path]:
    """The translated-label files (``labels/<scheme>.ttl``), published in the vocabularies' graph with the schemes."""
    return sorted((vocab_dir / LABELS_DIR).glob("*.ttl"))


def _english(g, subject, prop) -> str | None:  # noqa: ANN001 (rdflib types stay local to the loader)
    """The English (or untagged) value: with translations in the graph, ``g.value`` would pick one at random."""
    for o in g.objects(subject, prop):
        if getattr(o, "language", None) in ("en", None):
            return str(o)
    return None


def _load_scheme(path: Path) -> Scheme:
    from rdflib import Graph, URIRef
    from rdflib.namespace import RDF, SKOS as S

    g = Graph().parse(path, format="turtle")
    translated = path.parent / LABELS_DIR / path.name
    if translated.exists():
        g.parse(translated, format="turtle")
    name = path.stem
    s = URIRef(scheme_iri(name))
    scheme = Scheme(name, _english(g, s, S.prefLabel) or name, _english(g, s, S.definition) or "")
    prefix = f"{BASE_IRI}concept/{name}/"
    for c in g.subjects(RDF.type, S.Concept):
        iri = str(c)
        if not iri.startswith(prefix):
            continue
        cid = iri[len(prefix) :]
        broader = []
        for b in g.objects(c, S.broader):
            b = str(b)
            broader.append(b[len(prefix) :] if b.startswith(prefix) else b)
        labels: dict[str, str] = {}
        for o in sorted(g.objects(c, S.prefLabel)):
            labels.setdefault(getattr(o, "language", None) or "en", str(o))
        alts: dict[str, list[str]] = {}
        for o in g.objects(c, S.altLabel):
            alts.setdefault(getattr(o, "language", None) or "en", []).append(str(o))
        scheme.concepts[cid] = Concept(
            iri=iri,
            scheme=name,
            id=cid,
            label=labels.get("en", ""),
            alt_labels=tuple(sorted(alts.pop("en", []))),
            broader=tuple(sorted(broader)),
            definition=_english(g, c, S.definition) or "",
            notation=str(g.value(c, S.notation) or ""),
            labels=labels,
            alt_labels_in={lang: tuple(sorted(v)) for lang, v in sorted(alts.items())},
        )
    scheme.index()
    return scheme


@cache
def load(vocab_dir: Path = VOCAB_DIR) -> dict[str, Scheme]:
    """All schemes by name. Cached: the files do not change while a process runs."""
    return {p.stem: _load_scheme(p) for p in sorted(vocab_dir.glob("*.ttl"))}


def region_of_country(country_id: str, vocab_dir: Path = VOCAB_DIR) -> Concept | None:
    schemes = load(vocab_dir)
    country = schemes["countries"].concepts.get(country_id)
    if country is None:
        return None
    for b in country.broader:
        rid = b.rsplit("/", 1)[-1]
        if rid in schemes["regions"].concepts:
            return schemes["regions"].concepts[rid]
    return None

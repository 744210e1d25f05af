"""Validate the whole corpus at once and report every problem with file and line.

A curator runs this after each edit, so it never stops at the first error: it reads
every file, checks shape, vocabulary terms, references between records, duplicate
ids and sources, and returns all problems sorted by file and line.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from hub import places, vocab
from hub.config import KIND_FOLDERS, VOCAB_DIR
from hub.facets import FACETS, read_source, source_labels, write_source
from hub.ingest.frontmatter import Document, FrontMatterError, read
from hub.ingest.records import MODELS, City, Practice, RecordBase, Resource, Spotlight
from hub.ingest.scaffold import PLACEHOLDER_TEXTS, PLACEHOLDER_VALUES

# front-matter field (dotted when nested) -> vocabulary scheme, per record kind (a practice's facets from the registry,
# hub.facets)
VOCAB_FIELDS: dict[str, dict[str, str]] = {
    "practice": {"scope": "scopes", **{f.source: f.scheme for f in FACETS if f.source}},
    "city": {"country": "countries", "admin_type": "admin-types", "context": "city-contexts"},
    "resource": {"resource_type": "resource-types"},
    "spotlight": {"category": "spotlight-categories"},
}
PRACTICE_WORDS = (80, 300)


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    message: str
    severity: str = "error"  # or "warning": reported, but does not fail the build

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.severity}: {self.message}"


@dataclass
class Corpus:
    """Every record that passed its own checks, by kind then id, with its source document."""

    records: dict[str, dict[str, RecordBase]] = field(default_factory=lambda: {k: {} for k in KIND_FOLDERS})
    documents: dict[str, Document] = field(default_factory=dict)  # by record id
    problems: list[Problem] = field(default_factory=list)
    unreadable: set[str] = field(default_factory=set)  # file stems that failed their own checks
    files: list[str] = field(default_factory=list)  # every record file read, as reported in problems

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    def practice_countries(self, practice: Practice) -> list[str]:
        """The countries a practice is in: those it names, then its cities' countries (the graph and the catalogue
        agree)."""
        countries = list(practice.countries)
        for cid in practice.cities:
            c = self.cities.get(cid)
            if c and c.country not in countries:
                countries.append(c.country)
        return countries

    def valid_counts(self) -> dict[str, int]:
        """Records without any error, per kind: a record with a bad reference or term is not counted."""
        broken = {p.path for p in self.errors}
        rel = {rid: _rel(doc.path, doc.path.parents[1]) for rid, doc in self.documents.items()}
        return {kind: sum(1 for rid in recs if rel[rid] not in broken) for kind, recs in self.records.items()}

    def errors_in_words(self) -> str:
        """The count of errors in plain words, "2 errors in 1 file" (or "no errors"), for summaries and the banner."""
        broken = {p.path for p in self.errors}
        return f"{_count(len(self.errors), 'error')} in {_count(len(broken), 'file')}" if broken else "no errors"

    def summary(self) -> str:
        """One plain sentence for the end of `hub validate`: "2 errors in 1 file; 308 records valid (…)"."""
        warnings = len(self.problems) - len(self.errors)
        head = self.errors_in_words()
        if warnings:
            head += f", {_count(warnings, 'warning')}"
        valid = self.valid_counts()
        kinds = ", ".join(f"{n} {KIND_FOLDERS[k] if n != 1 else k}" for k, n in valid.items())
        return f"{head}; {_count(sum(valid.values()), 'record')} valid ({kinds})"

    @property
    def practices(self) -> dict[str, Practice]:
        return self.records["practice"]  # type: ignore[return-value]

    @property
    def cities(self) -> dict[str, City]:
        return self.records["city"]  # type: ignore[return-value]

    @property
    def resources(self) -> dict[str, Resource]:
        return self.records["resource"]  # type: ignore[return-value]

    @property
    def spotlights(self) -> dict[str, Spotlight]:
        return self.records["spotlight"]  # type: ignore[return-value]

    def all(self) -> list[tuple[str, RecordBase]]:
        return [(kind, r) for kind, recs in self.records.items() for r in recs.values()]

    def seed_documents(self) -> dict[str, Resource]:
        """Resources that are source documents, by the file name sources cite."""
        return {r.seed_file: r for r in self.resources.values() if r.seed_file}


def _rel(path: Path, data_dir: Path) -> str:
    try:
        return str(path.relative_to(data_dir.parent))
    except ValueError:
        return str(path)


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _did_you_mean(value: str, options: list[str]) -> str:
    hint = vocab.did_you_mean(vocab.close_matches(value, options))
    return f" — {hint}" if hint else ""


def _pydantic_problems(exc: ValidationError, doc: Document, rel: str) -> list[Problem]:
    out = []
    for err in exc.errors():
        loc = err["loc"]
        key = ""
        for part in loc:
            key = f"{key}[{part}]" if isinstance(part, int) else (f"{key}.{part}" if key else str(part))
        if err["type"] == "extra_forbidden":
            allowed = (
                sorted(MODELS[doc.meta.get("type", "practice")].model_fields) if doc.meta.get("type") in MODELS else []
            )
            msg = f"unknown field '{loc[-1]}'{_did_you_mean(str(loc[-1]), allowed)}"
        elif err["type"] == "missing":
            msg = f"missing required field '{key}'"
        else:
            msg = f"'{key}': {err['msg'].removeprefix('Value error, ')}"
        out.append(Problem(rel, doc.line(key), msg))
    return out


def _vocab_values(kind: str, source: RecordBase | dict) -> dict[str, Any]:
    """The vocabulary fields of a record, or of raw front-matter that did not make a record (to check them anyway)."""
    out = {}
    for fname in VOCAB_FIELDS[kind]:
        value = read_source(source, fname)
        if isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            out[fname] = value  # anything else is a shape error pydantic reports
    return out


def _check_vocab(
    kind: str, values: dict[str, Any], doc: Document, rel: str, schemes: dict[str, vocab.Scheme]
) -> tuple[list[Problem], dict[str, Any]]:
    """Unknown labels are errors with the nearest preferred labels; known ones come back normalised."""
    out = []
    normalised_fields: dict[str, Any] = {}
    for fname, value in values.items():
        scheme_name = VOCAB_FIELDS[kind][fname]
        scheme = schemes[scheme_name]
        items = value if isinstance(value, list) else [value]
        normalised = []
        for i, v in enumerate(items):
            key = f"{fname}[{i}]" if isinstance(value, list) else fname
            concept = scheme.get(v)
            if concept is None:
                if (alt := scheme.by_alt_label(v)) is not None:
                    msg = f"'{v}' is a synonym in {scheme_name}: write its preferred label '{alt.label}'"
                else:
                    hint = vocab.did_you_mean(scheme.suggest(v))
                    msg = f"unknown {scheme_name} term '{v}'"
                    msg += f" — {hint}" if hint else f" ({vocab.valid_terms(scheme)})"
                out.append(Problem(rel, doc.line(key), msg))
                normalised.append(v)
            else:
                normalised.append(concept.label)
        if len(set(normalised)) < len(normalised):
            out.append(Problem(rel, doc.line(fname), f"'{fname}' lists the same term twice"))
        normalised_fields[fname] = normalised if isinstance(value, list) else normalised[0]
    return out, normalised_fields


def _placeholder_in(text: str) -> str | None:
    """The `hub new` placeholder this text still holds, if any (whitespace-insensitive, so re-wrapping hides none)."""
    flat = " ".join(text.split())
    if flat in PLACEHOLDER_VALUES:
        return flat
    return next((t for t in PLACEHOLDER_TEXTS if t in flat), None)


def _check_placeholders(doc: Document, rel: str) -> list[Problem]:
    """Text `hub new` wrote for the curator to replace must not be published word for word."""
    out = []

    def walk(value: Any, key: str) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, f"{key}.{k}" if key else str(k))
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(v, f"{key}[{i}]")
        elif isinstance(value, str) and (found := _placeholder_in(value)):
            out.append(
                Problem(
                    rel,
                    doc.line(key),
                    f"'{key}' still holds the placeholder '{_short(found)}' "
                    "that `hub new` wrote: replace it with what the sources say",
                )
            )

    walk(doc.meta, "")
    for i, line in enumerate(doc.body.split("\n")):
        if found := _placeholder_in(line):
            out.append(
                Problem(
                    rel,
                    doc.body_line + i,
                    f"the description still holds the placeholder '{_short(found)}' "
                    "that `hub new` wrote: describe it in your own words",
                )
            )
    return out


# Words of the hub's own making that the public cannot follow: source files by name or number, "the seeds", the
# checklist. Every published field is read on the site, so a document is named by its title ("the Guide for Cities").
INTERNAL_WORDING = re.compile(
    r"\bthe seeds?\b|\bseeds\b|\bseed (?:files?|documents?|texts?)\b|\bchecklists?\b|\bcity-ids\b"
    r"|\b\d{3}_[0-9a-f]{16}(?:\.txt)?\b|\(00[0-4]\)",
    re.IGNORECASE,
)
MACHINE_FIELDS = frozenset({"id", "doc", "seed_file", "url", "urls", "type"})  # references, not read as prose
PRIVATE_FIELDS = frozenset({"curator_notes"})  # never published, so free to name files and checklists


def _check_public_wording(doc: Document, rel: str) -> list[Problem]:
    """Warn where a published field speaks of source files, seeds or the checklist instead of documents' titles."""
    out = []

    def flag(line: int, where: str, found: str) -> None:
        message = (
            f"{where} speaks of '{found}', which the public reads on the site: "
            "name the document by its title, or leave the remark out"
        )
        out.append(Problem(rel, line, message, "warning"))

    def walk(value: Any, key: str) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                if k not in MACHINE_FIELDS and k not in PRIVATE_FIELDS:
                    walk(v, f"{key}.{k}" if key else str(k))
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(v, f"{key}[{i}]")
        elif isinstance(value, str) and (m := INTERNAL_WORDING.search(value)):
            flag(doc.line(key), f"'{key}'", m.group(0))

    walk(doc.meta, "")
    for i, line in enumerate(doc.body.split("\n")):
        if m := INTERNAL_WORDING.search(line):
            flag(doc.body_line + i, "the description", m.group(0))
    return out


def _short(text: str, words: int = 8) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")


def _check_geonames(city: City, doc: Document, rel: str) -> list[Problem]:
    """Warnings, never errors: the build still derives what it can, and a curator decides. An id GeoNames' packaged
    data does not know gives no facts; a place in another country, or hand-entered coordinates far from GeoNames'
    point, suggest the id names another place of the same name."""
    found = places.place(city.geonames)
    if found is None:
        msg = f"GeoNames id {city.geonames} is not a place of 500+ people in {places.data_version()}: no facts derived"
        return [Problem(rel, doc.line("geonames"), msg, "warning")]
    out = []
    code = places.country_code(city.country)
    if code and found.country_code != code:
        msg = f"GeoNames id {city.geonames} is {found.name} in {found.country_code}, not in {city.country} ({code})"
        out.append(Problem(rel, doc.line("geonames"), msg, "warning"))
    if city.coordinates:
        km = places.distance_km(city.coordinates.lat, city.coordinates.lon, found.lat, found.lon)
        if km > places.MISMATCH_KM:
            msg = (
                f"these coordinates lie {km:.0f} km from GeoNames' point for {found.name} "
                f"({found.lat:.4f}, {found.lon:.4f}), which the build uses: check the id, or remove the coordinates"
            )
            out.append(Problem(rel, doc.line("coordinates"), msg, "warning"))
    return out


def _check_seat(city: City, doc: Document, rel: str) -> list[Problem]:
    """``seat_geonames`` exists only for the map point, so an id GeoNames' packaged data does not know (no point at
    all) or a record that has its own ``geonames:`` (which already gives the point) is an error; a seat in another
    country is a warning, as for ``geonames:``."""
    line = doc.line("seat_geonames")
    if city.geonames:
        return [Problem(rel, line, "give `seat_geonames:` only to an area without its own `geonames:` id: remove one")]
    found = places.place(city.seat_geonames)
    if found is None:
        msg = (
            f"seat_geonames {city.seat_geonames} is not a place of 500+ people in {places.data_version()}, so the "
            "record has no point: check the id (`hub geonames` lists candidates)"
        )
        return [Problem(rel, line, msg)]
    code = places.country_code(city.country)
    if code and found.country_code != code:
        msg = f"seat_geonames {city.seat_geonames} is {found.name} in {found.country_code}, not in {city.country}"
        msg += f" ({code})"
        return [Problem(rel, line, msg, "warning")]
    return []


def _check_refs(corpus: Corpus) -> list[Problem]:
    """References between records must land on an existing record of the right kind."""
    out: list[Problem] = []
    names = {cid: [c.name, *c.aliases] for cid, c in corpus.cities.items()}
    seeds = corpus.seed_documents()

    def ref(rec_id: str, key: str, target: str, kind: str) -> None:
        pool = corpus.records[kind]
        if target in pool or target in corpus.unreadable:  # a broken target already has its own error
            return
        doc = corpus.documents[rec_id]
        options = list(pool)
        hint = _did_you_mean(target, options)
        if not hint and kind == "city":  # "Wroclaw" typed as an id: match on names and aliases
            from hub.vocab import fold

            hits = [cid for cid, ns in names.items() if fold(target.replace("-", " ")) in (fold(n) for n in ns)]
            hint = f" — {vocab.did_you_mean(hits[:1])}" if hits else ""
        out.append(
            Problem(
                _rel(doc.path, doc.path.parents[1]),
                doc.line(key),
                f"no {kind} with id '{target}' (expected a file data/{KIND_FOLDERS[kind]}/{target}.md){hint}",
            )
        )

    for _kind, record in corpus.all():
        rid = record.id
        doc = corpus.documents[rid]
        rel = _rel(doc.path, doc.path.parents[1])
        for i, s in enumerate(record.sources):
            if s.doc not in seeds and s.doc not in corpus.resources:
                out.append(
                    Problem(
                        rel,
                        doc.line(f"sources[{i}].doc"),
                        f"source '{s.doc}' is not a source document (a resource with that seed_file) nor a resource "
                        f"id{_did_you_mean(s.doc, list(seeds))}",
                    )
                )
        if isinstance(record, Practice):
            for i, c in enumerate(record.cities):
                ref(rid, f"cities[{i}]", c, "city")
            for i, p in enumerate(record.related_practices):
                if p == rid:
                    out.append(
                        Problem(rel, doc.line(f"related_practices[{i}]"), "a practice cannot be related to itself")
                    )
                else:
                    ref(rid, f"related_practices[{i}]", p, "practice")
            for i, r in enumerate(record.resources):
                ref(rid, f"resources[{i}]", r, "resource")
            if record.evidence and (ev := record.evidence.source.doc) not in seeds and ev not in corpus.resources:
                out.append(
                    Problem(
                        rel,
                        doc.line("evidence.source"),
                        f"evidence source '{ev}' is not a source document{_did_you_mean(ev, list(seeds))}",
                    )
                )
            if not record.cities and not record.countries:
                out.append(
                    Problem(
                        rel,
                        doc.line("cities"),
                        "a practice needs at least one city, or 'countries' when it is a national model with no named "
                        "city",
                    )
                )
        elif isinstance(record, City):
            for i, link in enumerate(record.links):
                if link.city == rid:
                    out.append(Problem(rel, doc.line(f"links[{i}].city"), "a city cannot link to itself"))
                else:
                    ref(rid, f"links[{i}].city", link.city, "city")
                if link.source.doc not in seeds and link.source.doc not in corpus.resources:
                    out.append(
                        Problem(
                            rel,
                            doc.line(f"links[{i}].source"),
                            f"source '{link.source.doc}' is not a source "
                            f"document{_did_you_mean(link.source.doc, list(seeds))}",
                        )
                    )
            if record.population and record.geonames:
                msg = "a record with a `geonames:` id takes its population from GeoNames: remove `population:`"
                out.append(Problem(rel, doc.line("population"), msg))
            if record.population and (pd := record.population.source.doc) not in seeds and pd not in corpus.resources:
                msg = f"population source '{pd}' is not a source document{_did_you_mean(pd, list(seeds))}"
                out.append(Problem(rel, doc.line("population.source"), msg))
        elif isinstance(record, Resource):
            for i, c in enumerate(record.about_cities):
                ref(rid, f"about_cities[{i}]", c, "city")
            for i, p in enumerate(record.about_practices):
                ref(rid, f"about_practices[{i}]", p, "practice")
        elif isinstance(record, Spotlight):
            for i, c in enumerate(record.cities):
                ref(rid, f"cities[{i}]", c, "city")
            for i, p in enumerate(record.practices):
                ref(rid, f"practices[{i}]", p, "practice")
    return out


def term_usage(corpus: Corpus) -> dict[str, Counter[str]]:
    """How many records use each preferred label, per scheme (for `hub vocab`)."""
    usage: dict[str, Counter[str]] = {}
    for kind, record in corpus.all():
        for fname, scheme in VOCAB_FIELDS[kind].items():
            usage.setdefault(scheme, Counter()).update(source_labels(record, fname))
    return usage


def load_corpus(data_dir: Path, vocab_dir: Path = VOCAB_DIR) -> Corpus:
    """Read and check every record under data_dir; never raises for bad content."""
    schemes = vocab.load(vocab_dir)
    corpus = Corpus()
    first_seen: dict[str, str] = {}
    for kind, folder in KIND_FOLDERS.items():
        for path in sorted((data_dir / folder).glob("*.md")):
            rel = _rel(path, data_dir)
            corpus.files.append(rel)
            corpus.unreadable.add(path.stem)  # until it passes
            try:
                doc = read(path)
            except FrontMatterError as exc:
                corpus.problems.append(Problem(rel, exc.line, exc.message))
                continue
            meta = dict(doc.meta)
            declared = meta.get("type")
            if declared != kind:
                corpus.problems.append(
                    Problem(
                        rel,
                        doc.line("type"),
                        f"'type' must be '{kind}' for a file in data/{folder}/ (found {declared!r})",
                    )
                )
                continue
            corpus.problems.extend(_check_placeholders(doc, rel))
            corpus.problems.extend(_check_public_wording(doc, rel))
            try:
                record = MODELS[kind].model_validate({**meta, "body": doc.body})
            except ValidationError as exc:
                corpus.problems.extend(_pydantic_problems(exc, doc, rel))
                # the terms are checked from the raw front-matter, so one run reports every problem of the file
                corpus.problems.extend(_check_vocab(kind, _vocab_values(kind, meta), doc, rel, schemes)[0])
                continue
            if record.id != path.stem:
                corpus.problems.append(
                    Problem(rel, doc.line("id"), f"id '{record.id}' must match the file name '{path.stem}.md'")
                )
                continue
            if record.id in first_seen:
                corpus.problems.append(
                    Problem(rel, doc.line("id"), f"duplicate id '{record.id}': already used by {first_seen[record.id]}")
                )
                continue
            first_seen[record.id] = rel
            problems, normalised = _check_vocab(kind, _vocab_values(kind, record), doc, rel, schemes)
            corpus.problems.extend(problems)
            for fname, value in normalised.items():
                write_source(record, fname, value)
            if not doc.body.strip():
                corpus.problems.append(Problem(rel, doc.body_line, "the description below the front-matter is empty"))
            elif kind == "practice":
                words = len(doc.body.split())
                lo, hi = PRACTICE_WORDS
                if not lo <= words <= hi:
                    corpus.problems.append(
                        Problem(
                            rel,
                            doc.body_line,
                            f"practice descriptions should be {lo}–{hi} words (this one has {words})",
                            "warning",
                        )
                    )
            if kind == "practice" and record.evidence is None:
                corpus.problems.append(
                    Problem(
                        rel,
                        doc.line("id"),
                        "no evidence level yet: add `evidence:` with its level, what the source says and the passage "
                        "(CONTRIBUTING.md, 'Evidence level')",
                        "warning",
                    )
                )
            if isinstance(record, City) and record.geonames:
                corpus.problems.extend(_check_geonames(record, doc, rel))
            if isinstance(record, City) and record.seat_geonames:
                corpus.problems.extend(_check_seat(record, doc, rel))
            corpus.records[kind][record.id] = record
            corpus.documents[record.id] = doc
            corpus.unreadable.discard(path.stem)
    corpus.problems.extend(_check_refs(corpus))
    corpus.problems.sort()
    return corpus

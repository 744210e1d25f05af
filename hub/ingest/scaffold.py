"""Write a new, well-formed record file for a curator: id from the title, commented placeholders.

The file it writes validates as soon as the curator has replaced every placeholder
(the validator refuses one left in place, so scaffold text is never published), so
"copy a template, fill it in, run validate" cannot go wrong on the format itself.
The values a curator gives up front are checked first (:func:`check`), with the
same "did you mean" as the validator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from hub import vocab
from hub.config import KIND_FOLDERS
from hub.ingest.frontmatter import FrontMatterError, read

MAX_ID_WORDS = 8

# Every placeholder `hub new` writes, defined once: the validator refuses a file that still holds one
# (hub/ingest/validate.py), so scaffold text is never published word for word.
TITLE = "TITLE"
SOURCE_FILE = "SOURCE-FILE"
SECTION = "SECTION"
COUNTRY = "COUNTRY"
PUBLISHER = "PUBLISHER"
SUMMARY = "One or two sentences, at most 60 words: what the city did and why."
NOTES = "Where sources disagree or are thin, or a value was a judgement call. Delete if none."
BODIES = {
    "practice": (
        "Describe the practice in your own words, 80 to 300 words: the problem, what the city set up,",
        "who took part, what is known of the results, and what another city could learn from it.",
    ),
    "city": ("Describe the place and its prevention work as the sources present it, 30 to 150 words.",),
    "resource": ("Say what it is and what a city would use it for, 30 to 150 words.",),
    "spotlight": ("Tell the story in your own words, 80 to 250 words.",),
}
PLACEHOLDER_VALUES = (TITLE, SOURCE_FILE, SECTION, COUNTRY, PUBLISHER)  # a field whose whole value is one of these
PLACEHOLDER_TEXTS = (SUMMARY, NOTES, *(line for body in BODIES.values() for line in body))  # found inside any text


def slugify(title: str) -> str:
    return vocab.slug(title, MAX_ID_WORDS) or "record"


def free_id(title: str, data_dir: Path) -> str:
    """An id derived from the title that no file of any kind uses yet."""
    taken = {p.stem for folder in KIND_FOLDERS.values() for p in (data_dir / folder).glob("*.md")}
    base = slugify(title)
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def _yaml_list(values: list[str]) -> str:
    return "[" + ", ".join(_yaml_scalar(v) for v in values) + "]"


def _yaml_scalar(value: str) -> str:
    plain = re.fullmatch(r"[A-Za-z0-9][\w .()/'-]*", value) and value.strip().lower() not in {
        "yes",
        "no",
        "true",
        "false",
        "null",
        "on",
        "off",
    }
    return value if plain else '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render(kind: str, record_id: str, fields: dict) -> str:
    """The text of a new file; ``fields`` holds what the curator already gave."""
    title = _yaml_scalar(fields.get("title", TITLE))
    doc = _yaml_scalar(fields.get("doc", SOURCE_FILE))
    section = _yaml_scalar(fields.get("section", SECTION))
    if kind == "practice":
        head = f"""id: {record_id}
type: practice
title: {title}
summary: >-
  {fields.get("summary", SUMMARY)}
cities: {_yaml_list(fields.get("cities", []))}          # ids of files in data/cities/, lead city first
countries: {_yaml_list(fields.get("countries", []))}       # only when no city is named (national models)
scope: {fields.get("scope", "city")}                # `hub vocab scopes`
themes: {_yaml_list(fields.get("themes", []))}          # at least one; `hub vocab themes`
stakeholders: {_yaml_list(fields.get("stakeholders", []))}    # `hub vocab stakeholders`
challenges: {_yaml_list(fields.get("challenges", []))}      # `hub vocab challenges`
prevention_levels: {_yaml_list(fields.get("levels", []))}  # primary | secondary | tertiary, only where the source says
# year: 2024                   # the year it started or was first reported; leave out if unknown
partners: []
related_practices: []
resources: []
annex_ii: false"""
    elif kind == "city":
        head = f"""id: {record_id}
type: city
name: {title}
aliases: []                    # other spellings people search for
country: {_yaml_scalar(fields.get("country", COUNTRY))}            # `hub vocab countries`
admin_type: {fields.get("admin_type", "city")}               # `hub vocab admin-types`
# strong_cities_member: true   # only when a source says so
# coordinates: {{lat: 0.0, lon: 0.0}}   # only when you are sure
context: []                    # `hub vocab city-contexts`, only where a source says so
links: []                      # learning links with other cities (see CONTRIBUTING.md)"""
    elif kind == "resource":
        head = f"""id: {record_id}
type: resource
title: {title}
resource_type: {fields.get("resource_type", "guide")}            # `hub vocab resource-types`
publisher: {_yaml_scalar(fields.get("publisher", PUBLISHER))}
# year: 2024
# url: https://...             # only where a source document gives it
# seed_file: NAME.txt          # only when this record is itself a source document (see CONTRIBUTING.md)
about_cities: []
about_practices: []"""
    elif kind == "spotlight":
        head = f"""id: {record_id}
type: spotlight
title: {title}
category: {_yaml_scalar(fields.get("category", "Inspiring City-Led Action Through Peer Learning"))}   # `hub vocab spotlight-categories`
cities: {_yaml_list(fields.get("cities", []))}
practices: []"""  # noqa: E501 (the template is the file a curator gets)
    else:
        raise ValueError(f"unknown record kind {kind!r}; one of {', '.join(KIND_FOLDERS)}")
    return f"""---
{head}
sources:
  - doc: {doc}         # the file name of a source document (`seed_file` of a resource)
    section: {section}
notes: >-
  {NOTES}
---
{chr(10).join(BODIES[kind])}
"""


def create(kind: str, title: str, data_dir: Path, fields: dict | None = None) -> Path:
    """Write the new file and return its path; never overwrites an existing file."""
    record_id = free_id(title, data_dir)
    path = data_dir / KIND_FOLDERS[kind] / f"{record_id}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as f:
        f.write(render(kind, record_id, {"title": title, **(fields or {})}))
    return path


# What `hub new` accepts for each field, checked the same way from flags and from prompts.
TERM_SCHEMES = {
    "themes": "themes",
    "stakeholders": "stakeholders",
    "challenges": "challenges",
    "levels": "prevention-levels",
    "country": "countries",
}


@dataclass(frozen=True)
class Checked:
    """A value given to `hub new`: the value to write, or why it was refused (with a suggestion)."""

    value: str | None
    problem: str = ""


def check(field: str, raw: str, data_dir: Path) -> Checked:
    """Resolve one value of ``field`` (a key of TERM_SCHEMES, or "city" or "source") before anything is written.

    Terms resolve to their preferred label (a synonym too, as the curator meant it); city ids and
    source documents must exist, as the validator will demand. Unknown values get "did you mean".
    """
    raw = raw.strip()
    if field in TERM_SCHEMES:
        scheme = vocab.load()[TERM_SCHEMES[field]]
        concept = scheme.get(raw) or scheme.by_alt_label(raw)
        if concept is not None:
            return Checked(concept.label)
        return Checked(None, f"'{raw}' is not a {scheme.name} term: {scheme.hint(raw)}")
    if field == "city":
        cities = _cities(data_dir)
        if raw in cities:
            return Checked(raw)
        by_name = [cid for cid, names in cities.items() if vocab.fold(raw.replace("-", " ")) in names]
        hint = vocab.did_you_mean(by_name[:1] or vocab.close_matches(raw, cities))
        return Checked(
            None,
            f"'{raw}' is not a city id (a file in data/cities/): {hint or 'add the city first with `hub new city`'}",
        )
    if field == "source":
        sources = _sources(data_dir)
        if raw in sources:
            return Checked(raw)
        hint = vocab.did_you_mean(vocab.close_matches(raw, sources))
        where = "a source is a resource with a seed_file (see CONTRIBUTING.md, Source documents)"
        return Checked(None, f"'{raw}' is not a source document: {hint or where}")
    raise ValueError(f"no check for field {field!r}")


def _cities(data_dir: Path) -> dict[str, set[str]]:
    """City ids, each with its name and aliases folded (a curator may type 'Wroclaw' for 'wroclaw')."""
    out: dict[str, set[str]] = {}
    for path in sorted((data_dir / KIND_FOLDERS["city"]).glob("*.md")):
        names = [path.stem.replace("-", " ")]
        try:
            meta = read(path).meta
            names += [str(meta.get("name", "")), *(str(a) for a in meta.get("aliases") or [])]
        except FrontMatterError:  # the validator reports it; the id still counts
            pass
        out[path.stem] = {vocab.fold(n) for n in names if n}
    return out


def _sources(data_dir: Path) -> list[str]:
    """What `sources: - doc:` may name: the file name of a source document (`seed_file`), or a resource id."""
    seeds, ids = [], []
    for path in sorted((data_dir / KIND_FOLDERS["resource"]).glob("*.md")):
        ids.append(path.stem)
        try:
            seed = read(path).meta.get("seed_file")
        except FrontMatterError:
            continue
        if seed:
            seeds.append(str(seed))
    return seeds + ids

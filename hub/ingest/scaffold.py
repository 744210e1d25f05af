"""Write a new, well-formed record file for a curator: id from the title, commented placeholders.

The file it writes validates as soon as the curator has replaced the placeholder
description and source, so "copy a template, fill it in, run validate" cannot go
wrong on the format itself.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from hub.config import KIND_FOLDERS

MAX_ID_WORDS = 8


def slugify(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title.replace("ł", "l").replace("Ł", "L")).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_title.lower())
    return "-".join(words[:MAX_ID_WORDS]) or "record"


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
    plain = re.fullmatch(r"[A-Za-z0-9][\w .()/'-]*", value) and not value.strip().lower() in {"yes", "no", "true", "false", "null", "on", "off"}
    return value if plain else '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render(kind: str, record_id: str, fields: dict) -> str:
    """The text of a new file; ``fields`` holds what the curator already gave."""
    title = _yaml_scalar(fields.get("title", "TITLE"))
    doc = _yaml_scalar(fields.get("doc", "SOURCE-FILE"))
    section = _yaml_scalar(fields.get("section", "SECTION"))
    if kind == "practice":
        head = f"""id: {record_id}
type: practice
title: {title}
summary: >-
  {fields.get('summary', 'One or two sentences, at most 60 words: what the city did and why.')}
cities: {_yaml_list(fields.get('cities', []))}          # ids of files in data/cities/, lead city first
countries: {_yaml_list(fields.get('countries', []))}       # only when no city is named (national models)
scope: {fields.get('scope', 'city')}                # `hub vocab scopes`
themes: {_yaml_list(fields.get('themes', []))}          # at least one; `hub vocab themes`
stakeholders: {_yaml_list(fields.get('stakeholders', []))}    # `hub vocab stakeholders`
challenges: {_yaml_list(fields.get('challenges', []))}      # `hub vocab challenges`
prevention_levels: {_yaml_list(fields.get('levels', []))}  # primary | secondary | tertiary, only where the source says
# year: 2024                   # the year it started or was first reported; leave out if unknown
partners: []
related_practices: []
resources: []
annex_ii: false"""
        body = "Describe the practice in your own words, 80 to 300 words: the problem, what the city set up,\nwho took part, what is known of the results, and what another city could learn from it."
    elif kind == "city":
        head = f"""id: {record_id}
type: city
name: {title}
aliases: []                    # other spellings people search for
country: {_yaml_scalar(fields.get('country', 'COUNTRY'))}            # `hub vocab countries`
admin_type: {fields.get('admin_type', 'city')}               # `hub vocab admin-types`
# strong_cities_member: true   # only when a source says so
# coordinates: {{lat: 0.0, lon: 0.0}}   # only when you are sure
context: []                    # `hub vocab city-contexts`, only where a source says so
links: []                      # learning links with other cities (see CONTRIBUTING.md)"""
        body = "Describe the place and its prevention work as the sources present it, 30 to 150 words."
    elif kind == "resource":
        head = f"""id: {record_id}
type: resource
title: {title}
resource_type: {fields.get('resource_type', 'guide')}            # `hub vocab resource-types`
publisher: {_yaml_scalar(fields.get('publisher', 'PUBLISHER'))}
# year: 2024
# url: https://...             # only where a source document gives it
about_cities: []
about_practices: []"""
        body = "Say what it is and what a city would use it for, 30 to 150 words."
    elif kind == "spotlight":
        head = f"""id: {record_id}
type: spotlight
title: {title}
category: {_yaml_scalar(fields.get('category', 'Inspiring City-Led Action Through Peer Learning'))}   # `hub vocab spotlight-categories`
cities: {_yaml_list(fields.get('cities', []))}
practices: []"""
        body = "Tell the story in your own words, 80 to 250 words."
    else:
        raise ValueError(f"unknown record kind {kind!r}; one of {', '.join(KIND_FOLDERS)}")
    return f"""---
{head}
sources:
  - doc: {doc}         # the file name of a source document (`seed_file` of a resource)
    section: {section}
notes: >-
  Where sources disagree or are thin, or a value was a judgement call. Delete if none.
---
{body}
"""


def create(kind: str, title: str, data_dir: Path, fields: dict | None = None) -> Path:
    """Write the new file and return its path; never overwrites an existing file."""
    record_id = free_id(title, data_dir)
    path = data_dir / KIND_FOLDERS[kind] / f"{record_id}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as f:
        f.write(render(kind, record_id, {"title": title, **(fields or {})}))
    return path

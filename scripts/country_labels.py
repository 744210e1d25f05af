"""Print hub/ontology/vocab/labels/countries.ttl: the country names in French, Spanish, Portuguese, Arabic and Russian.

The names come from pycountry's ISO 3166-1 translations (gettext catalogues shipped with the pinned pycountry), so
they follow one published source rather than one person's spelling. A short table of hand adjustments replaces the
few names people would not type (inverted official forms such as "Tanzanie, République unie de"), fixes spelling
slips in the catalogues, and adds the everyday variants a city official searches with (RDC, EE. UU., США). Places
without an ISO entry (Kosovo) are written by hand. The committed file is this script's output:

    .venv/bin/python scripts/country_labels.py > hub/ontology/vocab/labels/countries.ttl
"""

from __future__ import annotations

import gettext
import re
import sys
from pathlib import Path
from typing import NamedTuple

import pycountry
import rdflib
from rdflib.namespace import RDF, SKOS

from hub import vocab

REPO = Path(__file__).resolve().parent.parent
SCHEME_FILE = REPO / "hub" / "ontology" / "vocab" / "countries.ttl"
LANGS = vocab.LANGS[1:]  # the translations: English is the scheme file's own
# Arabic harakat, tanwin, shadda, sukun and the superscript alef: pycountry's Arabic names carry shadda marks
# (النّمسا) that nobody types and ordinary Arabic text leaves out.
ARABIC_MARKS = re.compile("[\u064b-\u0652\u0670]")


class Fix(NamedTuple):
    """A hand adjustment of one country's name in one language."""

    pref: str | None = None  # replaces pycountry's name as skos:prefLabel; None keeps it
    alts: tuple[str, ...] = ()  # skos:altLabels


class Adjustment(NamedTuple):
    why: str
    fixes: dict[str, Fix]


ADJUSTMENTS: dict[str, Adjustment] = {
    "BA": Adjustment(
        "ar: drop the stray space after و; short names as altLabels",
        {
            "fr": Fix(alts=("Bosnie",)),
            "es": Fix(alts=("Bosnia",)),
            "pt": Fix(alts=("Bósnia",)),
            "ar": Fix("البوسنة والهرسك", ("البوسنة",)),
            "ru": Fix(alts=("Босния", "БиГ")),
        },
    ),
    "BD": Adjustment(
        "ar: UN spelling بنغلاديش; es, pt: UN spelling Bangladesh as altLabel",
        {
            "es": Fix(alts=("Bangladesh",)),
            "pt": Fix(alts=("Bangladesh",)),
            "ar": Fix("بنغلاديش", ("بنغلادش",)),
        },
    ),
    "CD": Adjustment(
        "es, pt, ar: everyday word order instead of the inverted ISO form; abbreviations as altLabels",
        {
            "fr": Fix(alts=("RDC", "RD Congo")),
            "es": Fix("República Democrática del Congo", ("RDC", "RD del Congo")),
            "pt": Fix("República Democrática do Congo", ("RDC", "RD Congo")),
            "ar": Fix("جمهورية الكونغو الديمقراطية", ("الكونغو الديمقراطية",)),
            "ru": Fix(alts=("ДРК", "ДР Конго")),
        },
    ),
    "GB": Adjustment(
        "ru: the everyday Великобритания; Britain as altLabel in every language",
        {
            "fr": Fix(alts=("Grande-Bretagne",)),
            "es": Fix(alts=("Gran Bretaña",)),
            "pt": Fix(alts=("Grã-Bretanha",)),
            "ar": Fix(alts=("بريطانيا",)),
            "ru": Fix("Великобритания", ("Соединённое Королевство",)),
        },
    ),
    "IQ": Adjustment(
        "fr, es: UN spelling Iraq as altLabel",
        {
            "fr": Fix(alts=("Iraq",)),
            "es": Fix(alts=("Iraq",)),
        },
    ),
    "KE": Adjustment("es: UN spelling Kenya as altLabel", {"es": Fix(alts=("Kenya",))}),
    "ME": Adjustment(
        "ar: UN and everyday name الجبل الأسود",
        {
            "ar": Fix("الجبل الأسود", ("مونتينيغرو", "المنتنيغرو")),
        },
    ),
    "MK": Adjustment(
        "short name Macedonia as altLabel",
        {
            "fr": Fix(alts=("Macédoine",)),
            "es": Fix(alts=("Macedonia",)),
            "pt": Fix(alts=("Macedónia",)),
            "ar": Fix(alts=("مقدونيا",)),
            "ru": Fix(alts=("Македония",)),
        },
    ),
    "MW": Adjustment("es: UN spelling Malawi as altLabel", {"es": Fix(alts=("Malawi",))}),
    "NL": Adjustment(
        "Holland as altLabel",
        {
            "fr": Fix(alts=("Hollande",)),
            "es": Fix(alts=("Holanda",)),
            "pt": Fix(alts=("Holanda",)),
            "ru": Fix(alts=("Голландия",)),
        },
    ),
    "NZ": Adjustment("ar: UN spelling نيوزيلندا", {"ar": Fix("نيوزيلندا", ("نيوزيلاندا",))}),
    "RS": Adjustment("ar: standard spelling صربيا (pycountry has صربية)", {"ar": Fix("صربيا")}),
    "LK": Adjustment("ar: two-word spelling as altLabel", {"ar": Fix(alts=("سري لانكا",))}),
    "TN": Adjustment("es: Túnez (pycountry has Tunez, without the accent)", {"es": Fix("Túnez")}),
    "TZ": Adjustment(
        "fr, es, pt, ar: everyday short name; the official name as altLabel",
        {
            "fr": Fix("Tanzanie", ("République-Unie de Tanzanie",)),
            "es": Fix("Tanzania", ("República Unida de Tanzania",)),
            "pt": Fix("Tanzânia", ("República Unida da Tanzânia",)),
            "ar": Fix("تنزانيا", ("جمهورية تنزانيا المتحدة",)),
            "ru": Fix(alts=("Объединённая Республика Танзания",)),
        },
    ),
    "US": Adjustment(
        "ru: США (pycountry has Соединённые штаты); official names, abbreviations and ar أميركا as altLabels",
        {
            "fr": Fix(alts=("États-Unis d'Amérique",)),
            "es": Fix(alts=("Estados Unidos de América", "EE. UU.", "EEUU")),
            "pt": Fix(alts=("Estados Unidos da América", "EUA")),
            "ar": Fix(alts=("الولايات المتحدة الأمريكية", "أمريكا", "أميركا")),
            "ru": Fix("США", ("Соединённые Штаты Америки", "Соединённые Штаты")),
        },
    ),
    "ZA": Adjustment("ar: UN spelling جنوب أفريقيا", {"ar": Fix("جنوب أفريقيا", ("جنوب إفريقيا",))}),
}

# Codes ISO 3166-1 has not assigned (the scheme uses the user-assigned XK for Kosovo): written by hand.
BY_HAND: dict[str, dict[str, str]] = {
    "XK": {"fr": "Kosovo", "es": "Kosovo", "pt": "Kosovo", "ar": "كوسوفو", "ru": "Косово"},
}


def iso_name(code: str, lang: str) -> str:
    """pycountry's name of the country in ``lang``, with Arabic diacritics removed."""
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        raise KeyError(f"{code} is neither in ISO 3166-1 nor in BY_HAND")
    name = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang]).gettext(country.name)
    return ARABIC_MARKS.sub("", name) if lang == "ar" else name


def labels(code: str) -> dict[str, tuple[str, list[str]]]:
    """prefLabel and altLabels of one country per language, after the hand adjustments."""
    fixes = ADJUSTMENTS[code].fixes if code in ADJUSTMENTS else {}
    out = {}
    for lang in LANGS:
        fix = fixes.get(lang, Fix())
        pref = fix.pref or (BY_HAND[code][lang] if code in BY_HAND else iso_name(code, lang))
        out[lang] = (pref, [alt for alt in fix.alts if alt != pref])
    return out


def literal(text: str, lang: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + f'"@{lang}'


def render() -> str:
    """The labels file: the scheme file's prefixes, a header naming the hand adjustments, one block per country."""
    source = SCHEME_FILE.read_text(encoding="utf-8")
    prefixes = [line for line in source.splitlines() if line.startswith("@prefix")]
    graph = rdflib.Graph().parse(data=source, format="turtle")
    namespace = dict(graph.namespaces())["countries"]
    codes = {str(c): str(graph.value(c, SKOS.notation)) for c in graph.subjects(RDF.type, SKOS.Concept)}
    lines = prefixes + [
        "",
        "# Country names in French, Spanish, Portuguese, Arabic and Russian (issue 19).",
        "# Generated by scripts/country_labels.py from pycountry's ISO 3166-1 translations; do not edit by hand.",
        "# Arabic names have their diacritics (shadda, harakat) removed. Adjusted by hand:",
    ]
    lines += [f"#   {code}: {adj.why}" for code, adj in sorted(ADJUSTMENTS.items())]
    lines += [f"#   {code}: no ISO 3166-1 entry, all names written by hand" for code in sorted(BY_HAND)]
    lines.append("")
    for iri in sorted(codes):
        names = labels(codes[iri])
        lines.append("countries:" + iri.removeprefix(str(namespace)))
        body = "    skos:prefLabel " + ",\n        ".join(literal(names[lang][0], lang) for lang in LANGS)
        alts = [literal(alt, lang) for lang in LANGS for alt in names[lang][1]]
        if alts:
            body += " ;\n    skos:altLabel " + ",\n        ".join(alts)
        lines += [body + " .", ""]
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())

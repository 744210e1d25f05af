"""The language an answer's vocabulary labels are in: one FastAPI dependency decides it for every route.

``lang=`` (en, fr, es, pt, ar, ru) wins; otherwise the most preferred of those languages in ``Accept-Language``
("fr-CA,fr;q=0.9" is French); otherwise English. Only the labels of concepts (themes, stakeholders, challenges,
prevention levels, evidence levels, countries, regions) change: titles, summaries and the interface stay English,
and a concept without a label in that language keeps its English one. Ids never change, so filters and links work
whatever the language.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from fastapi import Query, Request

from hub import vocab
from hub.api.contract import example
from hub.api.negotiation import accept_ranges
from hub.config import VOCAB_DIR
from hub.facets import FACET_BY_NAME, FACETS

Lang = Literal[(*vocab.LANGS, "")]  # empty: not given (as every empty parameter)
LANG_DESCRIPTION = (
    "the language of the vocabulary labels in the answer: en, fr, es, pt, ar or ru (empty: from `Accept-Language`, "
    "else English); a concept with no label in that language keeps its English one"
)
VARY = {"Vary": "Accept, Accept-Language"}
# a search result's fields that hold labels of one scheme (single values or lists), besides the facets
_RESULT_FIELDS = {"themes": "themes", "levels": "prevention-levels", "country": "countries", "region": "regions"}


def language(
    request: Request,
    lang: Annotated[
        Lang,
        Query(description=LANG_DESCRIPTION, openapi_examples={"french": example("fr", "labels in French")}),
    ] = "",
) -> str:
    """FastAPI dependency: the validated ``lang=`` (any other value is a 422), else ``Accept-Language``, else en."""
    return lang or from_accept_language(request.headers.get("accept-language", ""))


def from_accept_language(header: str) -> str:
    """The first language of the header (by q) that the vocabularies are written in; English when none is."""
    for tag in accept_ranges(header):
        primary = tag.split("-", 1)[0]
        if primary in vocab.LANGS:
            return primary
    return "en"


def _label(scheme: str, value: str, lang: str) -> str:
    """The label of the concept ``value`` (its English label or id) in ``lang``; ``value`` when it is no concept."""
    concept = vocab.load(VOCAB_DIR)[scheme].get(value)
    return concept.label_in(lang) if concept else value


def _relabel(value: Any, scheme: str, lang: str) -> Any:
    if isinstance(value, str):
        return _label(scheme, value, lang)
    if isinstance(value, list):
        return [_label(scheme, v, lang) if isinstance(v, str) else v for v in value]
    return value


def search_answer(answer: dict[str, Any], lang: str) -> dict[str, Any]:
    """A search answer with its facet values' and results' concept labels in ``lang`` (a copy; English as is)."""
    if lang == "en":
        return answer
    facets = {
        name: [
            {**row, "label": _label(FACET_BY_NAME[name].scheme, row["id"], lang)} if name in FACET_BY_NAME else row
            for row in rows
        ]
        for name, rows in answer.get("facets", {}).items()
    }
    results = [
        {k: _relabel(v, _RESULT_FIELDS[k], lang) if k in _RESULT_FIELDS else v for k, v in r.items()}
        for r in answer.get("results", [])
    ]
    return {**answer, "facets": facets, "results": results}


def record(entry: Mapping[str, Any], lang: str) -> Mapping[str, Any]:
    """A catalogue entry with the labels of its concepts (the facets' catalogue fields) in ``lang``."""
    if lang == "en":
        return entry
    out = dict(entry)
    for facet in FACETS:
        if facet.field in out:
            out[facet.field] = _relabel(out[facet.field], facet.scheme, lang)
    for key in ("country", "region"):
        if key in out:
            out[key] = _relabel(out[key], _RESULT_FIELDS[key], lang)
    return out


def concept_tree(tree: dict[str, Any], lang: str) -> dict[str, Any]:
    """A scheme's tree (:func:`hub.concepts.concept_tree`) with each concept's ``label`` in ``lang``."""

    def node(n: dict[str, Any]) -> dict[str, Any]:
        return {**n, "label": n["labels"].get(lang) or n["label"], "narrower": [node(c) for c in n["narrower"]]}

    return tree if lang == "en" else {**tree, "tree": [node(n) for n in tree["tree"]]}

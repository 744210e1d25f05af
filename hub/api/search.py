"""``GET /api/search``: parse the query string, call :mod:`hub.search`, return its JSON.

The index is loaded once per build (``LoadedBuild.artefact``), so requests never
re-read or re-encode the corpus; only the query itself is embedded.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from hub.api.contract import errors, example
from hub.api.deps import LoadedBuild, current_build, load_search
from hub.api.language import VARY, language, search_answer
from hub.facets import FACET_BY_NAME, TYPE_FACET
from hub.search.facets import FACET_NAMES, facet_values
from hub.search.index import SearchIndex
from hub.search.query import MAX_LIMIT, MAX_OFFSET, MAX_QUERY_CHARS
from hub.vocab import LANGS

router = APIRouter(tags=["search"])


# One example value per filter, for /docs; a facet of the registry without one is declared all the same.
FILTER_EXAMPLES: dict[str, tuple[str, str]] = {
    "type": ("practices", "practice"),
    "theme": ("youth", "youth-engagement"),
    "region": ("africa", "east-and-southern-africa"),
    "country": ("kenya", "kenya"),
    "level": ("primary", "primary"),
    "evidence": ("results", "results-reported"),
    "stakeholder": ("faith", "faith-leaders"),
    "challenge": ("hate", "hate-speech"),
}


def _filter_parameter(name: str) -> dict[str, Any]:
    """The OpenAPI query parameter of one filter: repeatable, its items the facet's vocabulary ids and labels
    (declared: the search checks them and answers 422 with the valid ones)."""
    what = "practice, city, resource or spotlight" if name == TYPE_FACET else FACET_BY_NAME[name].label.lower()
    values = [*dict.fromkeys(v for fv in facet_values()[name] for v in (fv.id, fv.label)), ""]  # empty: no filter
    description = f"{what}: a vocabulary id or label (empty: no filter); repeat to OR values"
    parameter: dict[str, Any] = {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": {"type": "array", "items": {"type": "string", "enum": values}, "default": [], "title": name.title()},
    }
    if name in FILTER_EXAMPLES:
        key, value = FILTER_EXAMPLES[name]
        parameter["examples"] = {key: example([value], f"{name} {value}")}
    return parameter


def facet_filters(request: Request) -> dict[str, list[str]]:
    """Every filter of the facet registry (hub.facets) from the query string, a repeated one OR-ed: read here rather
    than declared one by one, so a facet added to the registry is a filter of the API with no change to this
    route; its OpenAPI parameters are generated from the same registry (``openapi_extra``)."""
    return {name: request.query_params.getlist(name) for name in FACET_NAMES}


class Result(BaseModel):
    id: str
    type: str
    title: str
    url: str
    city: str | None = Field(description="the first city or local government the record names, or null")
    country: str | None = Field(description="that city's country; the record's first country when it names no city")
    region: str | None = Field(description="the region of that country")
    place: str = Field(
        "",
        description="every place the record is about, as the pages say it: "
        "'Cape Town (South Africa)' or 'Cape Town, London, Edmonton and 46 more'",
    )
    score: float
    snippet: str  # HTML-escaped text; query words wrapped in <mark>
    themes: list[str]
    levels: list[str]


class FacetCount(BaseModel):
    id: str
    label: str
    count: int


class SearchResponse(BaseModel):
    query: str
    mode: str
    total: int
    results: list[Result]
    facets: dict[str, list[FacetCount]]
    notices: list[str] | None = None  # present when the query could not be used as typed
    match: Literal["all", "most", "any"] | None = None  # results hold all the words, or most / any (a fallback)
    did_you_mean: str | None = None  # the query with words no record contains corrected from the index's words
    corrected: bool = False  # the results are for did_you_mean: the query as typed matched nothing with all its words
    notice: str | None = None  # one sentence for people on how the query was read ("Showing results for …")
    query_language: Literal[LANGS] = Field(
        "en",
        description="the language the query was read as (told from its script and words); a query in French, "
        "Spanish, Portuguese, Arabic or Russian is answered by the multilingual model as well",
    )
    semantic_model: Literal["english", "multilingual"] | None = Field(
        None,
        description="the vectors that answered by meaning: `english` for English queries (and for other languages "
        "when the build has no multilingual vectors), `multilingual` for other languages, null in keyword mode",
    )


def search_index(build: Annotated[LoadedBuild, Depends(current_build)]) -> SearchIndex:
    """The search index of the build being served, loaded on its first search (503 when it has none)."""
    return build.artefact("search", load_search)  # no index (IndexMissing) is a BuildMissing: the 503 naming the file


@router.get(
    "/api/search",
    response_model=SearchResponse,
    summary="Search practices, cities, resources and stories",
    responses=errors(
        422,
        s422="a query over the length limit, an unknown filter value (`detail.valid` lists them) "
        "or a parameter out of range",
    ),
    openapi_extra={"parameters": [_filter_parameter(name) for name in FACET_NAMES]},
)
def search(
    index: Annotated[SearchIndex, Depends(search_index)],
    lang: Annotated[str, Depends(language)],
    filters: Annotated[dict[str, list[str]], Depends(facet_filters)],  # every registry facet: see facet_filters
    q: Annotated[
        str,
        Query(
            description=(
                f"what you are looking for, in your own words (at most {MAX_QUERY_CHARS} characters); empty to browse"
            ),
            json_schema_extra={"maxLength": MAX_QUERY_CHARS},  # declared; the search answers query_too_long itself
            openapi_examples={
                "need": example(
                    "how to keep young people from being recruited by extremists", "a need in your own words"
                ),
                "words": example("youth council", "a few words"),
            },
        ),
    ] = "",
    mode: Annotated[
        Literal["hybrid", "keyword", "semantic"],
        Query(
            description="the engines (empty: hybrid)",
            json_schema_extra={"enum": ["hybrid", "keyword", "semantic", ""]},
            openapi_examples={"hybrid": example("hybrid", "both engines")},
        ),
    ] = "hybrid",
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, openapi_examples={"ten": example(10, "ten results")})] = 20,
    offset: Annotated[
        int, Query(ge=0, le=MAX_OFFSET, openapi_examples={"second-page": example(10, "from the 11th")})
    ] = 0,
    correct: Annotated[
        bool,
        Query(
            description="search the suggested spelling when the query as typed finds nothing; "
            "false searches exactly what was typed",
            openapi_examples={"as-typed": example(False, "exactly what was typed")},
        ),
    ] = True,
) -> JSONResponse:
    """Hybrid (default), keyword or semantic search with facets.

    Repeat a filter to OR its values (`region=europe&region=western-balkans`); different
    filters AND. Filter values are vocabulary ids or labels; an unknown one is a 422
    listing the valid values. Facet counts reflect the query and the other filters.
    Facet and result labels are in the language of `lang` (or `Accept-Language`).
    """
    answer = index.search(q, mode=mode, filters=filters, limit=limit, offset=offset, correct=correct)
    return JSONResponse(search_answer(answer, lang), headers=VARY)

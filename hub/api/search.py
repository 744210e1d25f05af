"""``GET /api/search``: parse the query string, call :mod:`hub.search`, return its JSON.

The index is loaded once per build (``LoadedBuild.artefact``), so requests never
re-read or re-encode the corpus; only the query itself is embedded.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from hub.api.app import error
from hub.api.deps import BuildMissing, LoadedBuild, current_build, load_search
from hub.search.errors import IndexMissing, SearchInputError
from hub.search.index import SearchIndex
from hub.search.query import MAX_LIMIT, MAX_OFFSET, MAX_QUERY_CHARS

router = APIRouter(tags=["search"])

Values = Annotated[list[str], Query()]


class Result(BaseModel):
    id: str
    type: str
    title: str
    url: str
    city: str | None = Field(description="the first city or local government the record names, or null")
    country: str | None = Field(description="that city's country; the record's first country when it names no city")
    region: str | None = Field(description="the region of that country")
    place: str = Field("", description="every place the record is about, as the pages say it: "
                                      "'Cape Town (South Africa)' or 'Cape Town, London, Edmonton and 46 more'")
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


def search_index(build: Annotated[LoadedBuild, Depends(current_build)]) -> SearchIndex:
    """The search index of the build being served, loaded on its first search (503 when it has none)."""
    try:
        return build.artefact("search", load_search)
    except IndexMissing as exc:
        raise BuildMissing(str(exc)) from None


@router.get("/api/search", response_model=SearchResponse, summary="Search practices, cities, resources and stories")
def search(
    index: Annotated[SearchIndex, Depends(search_index)],
    q: Annotated[str, Query(description=f"what you are looking for, in your own words (at most {MAX_QUERY_CHARS} characters); empty to browse")] = "",
    mode: Literal["hybrid", "keyword", "semantic"] = "hybrid",
    type: Values = [],  # noqa: A002 - the contract's parameter name
    theme: Values = [],
    region: Values = [],
    country: Values = [],
    level: Values = [],
    stakeholder: Values = [],
    challenge: Values = [],
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> JSONResponse:
    """Hybrid (default), keyword or semantic search with facets.

    Repeat a filter to OR its values (`region=europe&region=western-balkans`); different
    filters AND. Filter values are vocabulary ids or labels; an unknown one is a 422
    listing the valid values. Facet counts reflect the query and the other filters.
    """
    filters = {"type": type, "theme": theme, "region": region, "country": country, "level": level,
               "stakeholder": stakeholder, "challenge": challenge}
    try:
        return JSONResponse(index.search(q, mode=mode, filters=filters, limit=limit, offset=offset))
    except SearchInputError as exc:
        return error(422, exc.error, exc.detail)

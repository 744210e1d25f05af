"""``GET /api/concepts`` and ``/api/concepts/{scheme}``: the controlled vocabularies as trees with record counts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse

from hub import concepts
from hub.api.contract import error, errors, example
from hub.api.deps import LoadedBuild, current_build, current_store
from hub.api.language import VARY, concept_tree, language
from hub.api.records import ID_PATTERN
from hub.vocab import close_matches, did_you_mean

router = APIRouter(tags=["concepts"])


@router.get("/api/concepts", summary="The controlled vocabularies")
def schemes() -> dict[str, Any]:
    """Every concept scheme (themes, stakeholders, challenges, prevention levels, regions, countries …) with its size."""  # noqa: E501 (its text is the public API/CLI description)
    return {"schemes": [{**s, "url": f"/api/concepts/{s['name']}"} for s in concepts.schemes_summary()]}


@router.get(
    "/api/concepts/{scheme}",
    summary="One vocabulary as a tree, with counts",
    responses=errors(
        404,
        422,
        s404="unknown scheme; `detail.suggestions` lists close names",
        s422="the name is longer than 120 characters or holds a slash or control character",
    ),
)
def scheme_tree(
    scheme: Annotated[
        str,
        Path(
            max_length=120,
            pattern=ID_PATTERN,
            description="a scheme name from `/api/concepts`",
            openapi_examples={
                "themes": example("themes", "the themes"),
                "regions": example("regions", "regions and their countries"),
            },
        ),
    ],
    request: Request,
    build: Annotated[LoadedBuild, Depends(current_build)],
    lang: Annotated[str, Depends(language)],
) -> JSONResponse:
    """The scheme's concepts nested by `skos:broader`, each with `count` (records using it), `total` (with its
    narrower concepts, each record once) and `by_type` (practice, city, resource, spotlight); `label` is in the
    language of `lang` (or `Accept-Language`), `labels` has it in every language."""
    names = concepts.scheme_names()
    if scheme not in names:
        close = close_matches(scheme, names, n=3, cutoff=0.5)
        hint = f"; {did_you_mean(close)}" if close else ""
        return error(
            404, "not_found", {"message": f"no concept scheme '{scheme}'{hint}", "suggestions": close, "schemes": names}
        )
    tree = build.artefact(f"concepts/{scheme}", lambda _: concepts.concept_tree(current_store(request, build), scheme))
    return JSONResponse(concept_tree(tree, lang), headers=VARY)

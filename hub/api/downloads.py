"""``/download/``: the whole graph and the practices table, with their licence and provenance.

Only the files named in :data:`hub.exports.FILES` can be served (a fixed lookup, so no
path can walk out of the build). Each response names its licence and description in
``Link`` headers; ``/download/`` lists the files with sizes, checksums, licence and
provenance (from ``downloads.json``, written by the build). Every answer is an attachment with
its file name: a browser saves the graph rather than showing megabytes of text in a tab.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from fastapi.responses import FileResponse, JSONResponse, Response

from hub.api.contract import error, errors, example
from hub.api.deps import BuildMissing, LoadedBuild, current_build
from hub.exports import DATA_LICENCE, FILES

router = APIRouter(tags=["downloads"])
LINKS = f'<{DATA_LICENCE}>; rel="license", </download/dataset.ttl>; rel="describedby"; type="text/turtle"'


def _manifest(build: LoadedBuild) -> dict[str, Any]:
    def load(path):
        file = path / "downloads.json"
        if not file.is_file():
            raise BuildMissing(f"{file} is missing: run `hub build`")
        return json.loads(file.read_text(encoding="utf-8"))

    return build.artefact("downloads", load)


@router.get("/download/", summary="What can be downloaded, under which licence")
@router.head("/download/", include_in_schema=False)
def index(build: Annotated[LoadedBuild, Depends(current_build)]) -> JSONResponse:
    """The files with media type, size and SHA-256, the licence (data CC BY 4.0, code MIT) and the provenance statement."""  # noqa: E501 (its text is the public API/CLI description)
    m = _manifest(build)
    files = [{"name": name, "url": f"/download/{name}", **info} for name, info in m["files"].items()]
    return JSONResponse(
        {"licence": m["licence"], "provenance": m["provenance"], "files": files},
        headers={"Link": LINKS, "Content-Disposition": 'attachment; filename="downloads.json"'},
    )


@router.get(
    "/download/{name}",
    summary="One bulk file",
    response_class=Response,
    responses={
        200: {"content": {media: {} for media, _ in FILES.values()}},
        **errors(404, s404="no such file; `detail.available` lists them"),
    },
)
@router.head("/download/{name}", include_in_schema=False)
def download(
    name: Annotated[
        str,
        Path(
            json_schema_extra={"enum": list(FILES)},  # declared; an unknown name is the 404 listing them
            openapi_examples={
                "csv": example("practices.csv", "the practices table"),
                "graph": example("graph.ttl", "the whole graph as Turtle"),
            },
        ),
    ],
    build: Annotated[LoadedBuild, Depends(current_build)],
) -> Response:
    """`graph.ttl`, `graph.jsonld`, `graph.nq`, `practices.csv` or `dataset.ttl` of the build being served."""
    if name not in FILES:
        return error(404, "not_found", {"message": f"no download named '{name}'", "available": list(FILES)})
    if name not in _manifest(build)["files"]:
        raise BuildMissing(f"{name} is not in this build: run `hub build`")
    media = FILES[name][0]
    return FileResponse(
        build.path / name,
        media_type=f"{media}; charset=utf-8" if media.startswith("text/") else media,
        filename=name,
        content_disposition_type="attachment",
        headers={"Link": LINKS},
    )

"""The build a request is answered from, as FastAPI dependencies over :mod:`hub.serving`.

The holder that follows the ``build`` symlink and loads artefacts once per build lives in
:mod:`hub.serving`, which the CLI uses too; this module only adapts it to FastAPI.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from hub.serving import BuildHolder, BuildMissing, LoadedBuild, load_search

__all__ = ["BuildHolder", "BuildMissing", "LoadedBuild", "current_build", "current_store", "load_search"]


def current_build(request: Request) -> LoadedBuild:
    """FastAPI dependency: the build to answer this request from."""
    return request.app.state.builds.get()


def current_store(request: Request, build: Annotated[LoadedBuild, Depends(current_build)]) -> Any:
    """FastAPI dependency: the graph store for this request, opened once per build (the remote one when HUB_STORE is
    set)."""
    from hub.store import StoreError, connect

    cfg = request.app.state.settings
    try:
        return build.artefact("store", lambda path: connect(cfg, path / "store"))
    except StoreError as exc:
        raise BuildMissing(str(exc)) from None

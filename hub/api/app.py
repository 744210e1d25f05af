"""The FastAPI application: routers for each concern, the API docs, the static site, and JSON errors.

Built by :func:`create_app` (a factory, so uvicorn workers and tests each get their
own). Routers get the build they answer from with ``Depends(current_build)`` from
:mod:`hub.api.deps` and load artefacts through ``build.artefact(name, loader)``, so a
rebuild is picked up without a restart and without dropping requests.
"""

from __future__ import annotations

import json
import os

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute
from starlette.types import Receive, Scope, Send

from hub import __version__
from hub.api import cities, concepts, docs, downloads, errors_http, records, search, sparql
from hub.api.contract import (
    EVERY_ROUTE,
    FROM_BUILD,
    RATE_LIMITED,
    EmptyMeansAbsent,
    allowed_methods,
    error,
    route_methods,
)
from hub.api.deps import BuildHolder, BuildMissing, LoadedBuild, current_build, load_search
from hub.api.guard import Guard
from hub.config import Settings, settings as load_settings


def create_app(cfg: Settings | None = None) -> FastAPI:
    cfg = cfg or load_settings()
    app = FastAPI(
        title="Strong Cities practice hub",
        version=__version__,
        description=(
            "City-led practices to prevent hate, extremism and polarisation, as a knowledge graph: search, peer "
            "cities, records and SPARQL."
        ),
        docs_url=None,  # /docs is hub.api.docs: Swagger UI from this server, not from a CDN
        redoc_url=None,
    )
    app.state.settings = cfg
    app.state.builds = BuildHolder(cfg.build_dir)
    # set by `hub serve`: each server process loads the query model as it starts,
    # not on its first semantic search (8-17 s for that request under load with torch, bench/load.py)
    if os.environ.get("HUB_PRELOAD_MODEL") == "1":
        import threading

        threading.Thread(target=_warm_up, args=(app.state.builds,), daemon=True).start()

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        names = {
            404: "not_found",
            405: "method_not_allowed",
            413: "too_large",
            414: "uri_too_long",
            429: "too_many_requests",
        }
        resp = error(exc.status_code, names.get(exc.status_code, "http_error"), exc.detail)
        resp.headers.update(exc.headers or {})
        if exc.status_code == 405:  # RFC 9110: say which methods the resource has (the site's files answer 405 without)
            resp.headers["Allow"] = ", ".join(allowed_methods(app.router.routes, request.scope))
        return resp

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        detail = [{"loc": list(e["loc"]), "msg": e["msg"]} for e in exc.errors()]
        return error(422, "invalid_request", detail)

    errors_http.install(app)  # every HubError (no build: 503 no_build; search, SPARQL, peers) as {error, detail}

    @app.exception_handler(Exception)
    async def crash(_: Request, exc: Exception) -> JSONResponse:  # never a traceback to the client
        return error(500, "internal_error", "the server failed to answer this request; it has been logged")

    @app.get("/healthz", tags=["meta"], responses={**EVERY_ROUTE, **FROM_BUILD})
    def healthz(build: LoadedBuild = Depends(current_build)) -> dict:
        """Liveness and what build is served."""
        return {"status": "ok", "version": __version__, "build": build.stamp, "stats": build.manifest.get("stats", {})}

    @app.get("/api/build", tags=["meta"], responses={**EVERY_ROUTE, **FROM_BUILD})
    def build_status() -> dict:
        """The last build attempt (ok, or the errors that kept the previous build serving), and whether `hub serve --watch` is on."""  # noqa: E501 (its text is the public API/CLI description)
        path = cfg.status_file
        status = (
            json.loads(path.read_text(encoding="utf-8"))
            if path.is_file()
            else {"ok": True, "built": None, "problems": []}
        )
        return {**status, "serving": app.state.builds.get().stamp, "watching": os.environ.get("HUB_WATCH") == "1"}

    app.include_router(search.router, responses={**EVERY_ROUTE, **FROM_BUILD, **RATE_LIMITED})
    app.include_router(cities.router, responses={**EVERY_ROUTE, **FROM_BUILD})
    app.include_router(sparql.router, responses={**EVERY_ROUTE, **FROM_BUILD, **RATE_LIMITED})
    for module in (records, concepts, downloads):
        app.include_router(module.router, responses={**EVERY_ROUTE, **FROM_BUILD})
    docs.install(app)
    app.mount(
        "/", SiteFiles(app.state.builds, app.router.routes), name="site"
    )  # last: it answers every path the routes above do not
    app.add_middleware(EmptyMeansAbsent)  # an empty query parameter is the default, on every route (hub.api.contract)
    app.add_middleware(Guard, cfg=cfg)  # size limits, rate limit, security headers
    generated = app.openapi

    def openapi() -> dict:  # FastAPI documents its own 422 body; the hub answers every error as {error, detail}
        schema = generated()
        schema.setdefault("components", {}).setdefault("schemas", {})["HTTPValidationError"] = ERROR_SCHEMA
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "required": ["error", "detail"],
    "properties": {
        "error": {"type": "string", "description": "what went wrong, as a code"},
        "detail": {"description": "a message, or the parameters at fault"},
    },
}


class SiteFiles(StaticFiles):
    """The static site of the *current* build: the directory is looked up per request, so a swap needs no restart."""

    def __init__(self, builds: BuildHolder, routes: list[BaseRoute]):
        super().__init__(directory=None, html=True, check_dir=False)
        self.builds = builds
        self.routes = routes  # the app's: a path of the API asked with a method it lacks is a 405, not the site's 404

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        methods = route_methods(self.routes, scope)
        if methods and scope["method"] not in methods:
            raise StarletteHTTPException(405)  # the app's handler lists them in Allow
        await super().__call__(scope, receive, send)

    def get_directories(self, directory=None, packages=None):  # type: ignore[override]
        return []

    def lookup_path(self, path: str) -> tuple[str, os.stat_result | None]:
        """Starlette's lookup (no escaping the site folder) against this request's build.

        No usable build is :class:`BuildMissing` (the app's 503 naming the file), not a 404 for every page."""
        site = os.path.realpath(self.builds.get().path / "site")
        if path.startswith(("/", "\\")):
            return "", None
        full = os.path.realpath(os.path.join(site, path))
        if os.path.commonpath([full, site]) != site:
            return "", None
        try:
            return full, os.stat(full)
        except (FileNotFoundError, NotADirectoryError):
            return "", None


def _warm_up(builds: BuildHolder) -> None:
    """Load the current build's search index and encode one query, so the first user does not wait for it."""
    try:
        builds.get().artefact("search", load_search).semantic.encode_query("warm up")
    except BuildMissing:
        pass  # every request says so, as a 503 naming the file

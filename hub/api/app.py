"""The FastAPI application: routers for each concern, the static site, and JSON errors.

Built by :func:`create_app` (a factory, so uvicorn workers and tests each get their
own, reading the build that is current when they start).
"""

from __future__ import annotations

import json
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from hub import __version__
from hub.config import Settings, settings as load_settings


def error(status: int, error_name: str, detail: object) -> JSONResponse:
    """The one error shape of the API: {error, detail}."""
    return JSONResponse({"error": error_name, "detail": detail}, status_code=status)


def create_app(cfg: Settings | None = None) -> FastAPI:
    cfg = cfg or load_settings()
    app = FastAPI(
        title="Strong Cities practice hub",
        version=__version__,
        description="City-led practices to prevent hate, extremism and polarisation, as a knowledge graph: search, peer cities, records and SPARQL.",
    )
    app.state.settings = cfg
    build_dir = cfg.build_dir.resolve() if cfg.build_dir.exists() else cfg.build_dir
    app.state.build_dir = build_dir

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        names = {404: "not_found", 405: "method_not_allowed", 413: "too_large", 414: "uri_too_long", 429: "too_many_requests"}
        return error(exc.status_code, names.get(exc.status_code, "http_error"), exc.detail)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        detail = [{"loc": list(e["loc"]), "msg": e["msg"]} for e in exc.errors()]
        return error(422, "invalid_request", detail)

    @app.exception_handler(Exception)
    async def crash(_: Request, exc: Exception) -> JSONResponse:  # never a traceback to the client
        return error(500, "internal_error", "the server failed to answer this request; it has been logged")

    @app.get("/healthz", tags=["meta"])
    def healthz() -> dict:
        """Liveness and what build is served."""
        manifest = build_dir / "manifest.json"
        info = json.loads(manifest.read_text()) if manifest.exists() else {}
        return {"status": "ok", "version": __version__, "build": info.get("built"), "stats": info.get("stats", {})}

    site = build_dir / "site"
    if site.is_dir():
        app.mount("/", StaticFiles(directory=site, html=True), name="site")
    return app

"""``GET /docs``: the interactive API documentation (Swagger UI), served by the hub itself.

FastAPI's own ``/docs`` and ``/redoc`` pages load their code from a CDN and start it with
an inline script: blank without internet, and at odds with the hub's
Content-Security-Policy. Here the app is created with ``docs_url=None, redoc_url=None``
and :func:`install` adds:

* ``/docs`` — a page that loads Swagger UI from ``/docs/assets/swagger-ui/`` (the files of
  the npm package ``swagger-ui-dist``, unchanged, committed by
  ``scripts/vendor_swagger_ui.py`` and shipped as package data) and starts it with
  ``/docs/assets/docs.js``; its settings (the OpenAPI address, FastAPI's Swagger UI
  parameters) travel in a ``data-config`` attribute. No inline script or style, nothing
  from another origin: the page runs under the same policy as every other page.
* ``/redoc`` — a redirect to ``/docs`` (ReDoc itself is not shipped).
"""

from __future__ import annotations

import json
from pathlib import Path

import jinja2
from fastapi import FastAPI, Request
from fastapi.openapi.docs import swagger_ui_default_parameters
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

ASSETS = Path(__file__).parent / "docs_assets"
ASSETS_URL = "/docs/assets"
_pages = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True)


def install(app: FastAPI) -> None:
    """Add ``/docs``, its assets and ``/redoc`` to ``app`` (before any catch-all mount)."""
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        config = {
            **swagger_ui_default_parameters,
            **(app.swagger_ui_parameters or {}),
            "url": root + (app.openapi_url or "/openapi.json"),
            "validatorUrl": None,
        }  # Swagger UI would otherwise send the schema's address to an outside validator
        config.pop("dom_id", None)  # docs.js hands Swagger UI the node itself
        page = _pages.get_template("docs.html").render(
            title=app.title, assets=root + ASSETS_URL, openapi_url=config["url"], config=json.dumps(config)
        )
        return HTMLResponse(page)

    @app.get("/redoc", include_in_schema=False)
    def redoc(request: Request) -> RedirectResponse:
        return RedirectResponse(request.scope.get("root_path", "").rstrip("/") + "/docs", status_code=301)

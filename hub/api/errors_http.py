"""Every :class:`hub.errors.HubError` as an HTTP answer: its status, ``{error, detail}``, its headers.

The one mapping of the hub's errors to HTTP (the CLI's to exit codes is ``hub.cli.Commands``):
a route raises a search, SPARQL, peers or build error and need not catch it.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from hub.errors import HubError


def answer(exc: HubError) -> JSONResponse:
    """The API's error shape for a hub error (the same ``{error, detail}`` every route answers)."""
    return JSONResponse({"error": exc.error, "detail": exc.detail}, status_code=exc.status, headers=dict(exc.headers))


def install(app: FastAPI) -> None:
    """Register the handler on ``app`` (called once by ``hub.api.app.create_app``)."""

    @app.exception_handler(HubError)
    async def hub_error(_: Request, exc: HubError) -> JSONResponse:
        return answer(exc)

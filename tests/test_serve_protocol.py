"""The HTTP protocol `hub serve` gives uvicorn: every accepted TCP connection has Nagle's algorithm off.

asyncio turns Nagle off only on sockets whose ``proto`` is TCP. When uvicorn binds the
listening socket itself — `hub serve --workers N`, N > 1 — it leaves ``proto`` 0, and a
client sending its next request on a kept-alive connection waited for its own delayed ACK
(~40 ms per request, bench/load.py). Checked on the server's own sockets, with the listening
socket bound the way uvicorn's multi-worker mode binds it.
"""

from __future__ import annotations

import socket
import threading
import time

import httpx
import uvicorn

from sparql_server import free_port


async def _ok(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
    """The smallest ASGI app: 200 with an empty body."""
    if scope["type"] == "http":
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})


def _server_sockets(server: uvicorn.Server) -> list[socket.socket]:
    return [conn.transport.get_extra_info("socket") for conn in list(server.server_state.connections)]


def _nodelay_of_accepted_connections(http: str) -> list[int]:
    port = free_port()
    config = uvicorn.Config(_ok, host="127.0.0.1", port=port, http=http, log_level="warning")
    server = uvicorn.Server(config)
    listening = config.bind_socket()  # what uvicorn's Multiprocess supervisor hands each worker
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listening]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            assert client.get("/").status_code == 200  # the connection stays open (keep-alive) while we look at it
            socks = _server_sockets(server)
            return [s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) for s in socks]
    finally:
        server.should_exit = True
        thread.join(10)
        listening.close()


def test_hub_serve_protocol_turns_nagle_off_on_each_connection() -> None:
    flags = _nodelay_of_accepted_connections("hub.api.guard:NoDelayH11")  # the string `hub serve` passes to uvicorn
    assert flags and all(flags)


def test_uvicorn_default_protocol_leaves_nagle_on_with_a_socket_it_bound() -> None:
    """Why the subclass exists: if uvicorn starts doing this itself, this fails and the subclass can go."""
    flags = _nodelay_of_accepted_connections("h11")
    assert flags and not any(flags)

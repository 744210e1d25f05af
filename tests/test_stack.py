"""The production stack (`scripts/stack.sh`): nginx in front of `hub serve` on an Oxigraph server, over the real corpus.

One stack for the module, started by the real script on free ports over a private copy of the corpus build, and
checked through the proxy as the public reaches it: compressed pages, cache headers, every service behind it, the
shared rate limit against forged headers, a new build swapped in and published under load without one failed
request, and `down` leaving nothing running or listening. Skipped only where nginx is not installed
(./scripts/setup.sh installs Debian's as root, as CI runs it).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from hub.config import REPO_DIR, Settings
from hub.deploy import BROTLI_MODULE
from hub.stack import _group_alive, _listening, nginx_binary, run_dir

from helpers import free_port, hub_env, poll

try:
    nginx_binary()
    NGINX = True
except RuntimeError:
    NGINX = False
pytestmark = pytest.mark.skipif(
    not NGINX, reason="nginx is not installed (./scripts/setup.sh installs Debian's nginx when run as root)"
)

STACK = str(REPO_DIR / "scripts" / "stack.sh")
RATE, BURST = 60, 5  # per client: 5 at once, then one a second
NEW_TITLE = "Online conversations research revised for the stack test"


def stack_cmd(env: dict[str, str], *args: str, timeout: float = 400) -> subprocess.CompletedProcess:
    return subprocess.run([STACK, *args], env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def corpus(corpus_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A private copy of the corpus build (its ``build`` link and builds): this module swaps in a new build."""
    root = tmp_path_factory.mktemp("stack")
    shutil.copytree(corpus_settings.build_dir.parent, root / "corpus", symlinks=True)
    shutil.copytree(corpus_settings.data_dir, root / "data")
    return Settings(data_dir=root / "data", build_dir=root / "corpus" / "build", cache_dir=corpus_settings.cache_dir)


@pytest.fixture(scope="module")
def stack(corpus: Settings) -> Iterator[dict]:
    """`scripts/stack.sh up` on three free ports; yields the run's state (URL, ports, pid files), then `down`."""
    port, hub_port, store_port = free_port(), free_port(), free_port()
    env = hub_env(corpus, HUB_RATE_LIMIT=str(RATE), HUB_RATE_BURST=str(BURST))
    started = time.monotonic()
    done = stack_cmd(
        env, "up", "--port", str(port), "--hub-port", str(hub_port), "--store-port", str(store_port), "--local"
    )
    assert done.returncode == 0, done.stderr
    assert f"http://127.0.0.1:{port}/" in done.stdout and "logs: " in done.stdout
    folder = run_dir(port)
    state = {**json.loads((folder / "state.json").read_text()), "env": env, "folder": folder}
    state["pids"] = {n: int((folder / f"{n}.pid").read_text()) for n in ("nginx", "hub", "oxigraph")}
    state["up_s"] = time.monotonic() - started
    try:
        yield state
    finally:
        if (folder / "state.json").is_file():
            stack_cmd(env, "down", "--port", str(port))


@pytest.fixture(scope="module")
def client(stack: dict) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack["url"], timeout=60) as c:
        yield c


def test_up_refuses_a_second_stack_and_a_public_build_with_local_links(stack: dict, corpus: Settings) -> None:
    again = stack_cmd(stack["env"], "up", "--port", str(stack["port"]), "--local")
    assert again.returncode == 1 and f"already runs on port {stack['port']}" in again.stderr
    other = free_port()
    taken = stack_cmd(stack["env"], "up", "--port", str(other), "--hub-port", str(stack["hub_port"]), "--local")
    assert taken.returncode == 1 and f"port {stack['hub_port']} (hub) is taken" in taken.stderr
    public = stack_cmd(stack["env"], "up", "--port", str(other))
    assert public.returncode == 1 and "--local" in public.stderr and "HUB_SITE_URL" in public.stderr
    assert not run_dir(other).joinpath("state.json").exists()


def test_pages_are_compressed_cached_briefly_and_carry_the_headers_once(client: httpx.Client) -> None:
    plain = client.get("/", headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and "<html" in plain.text and "content-encoding" not in plain.headers
    for encoding in ("gzip", "br") if BROTLI_MODULE.is_file() else ("gzip",):  # setup.sh installs the module
        with client.stream("GET", "/", headers={"Accept-Encoding": encoding}) as page:
            sent = b"".join(page.iter_raw())  # the bytes on the wire, before any decoding
        assert page.status_code == 200 and page.headers["content-encoding"] == encoding
        assert len(sent) < len(plain.content) / 3
        assert page.headers["cache-control"] == "public, max-age=60"
        assert page.headers["server"] == "nginx"  # no version (server_tokens off)
        assert len(page.headers.get_list("content-security-policy")) == 1
    missing = client.get("/no/such/page/")
    assert missing.status_code == 404 and "Page not found" in missing.text
    assert len(missing.headers.get_list("content-security-policy")) == 1


def test_fingerprinted_static_files_are_immutable(client: httpx.Client) -> None:
    html = client.get("/").text
    css = re.search(r'href="(/static/site\.css\?v=[0-9a-f]+)"', html).group(1)
    fingerprinted = client.get(css, headers={"Accept-Encoding": "gzip"})
    assert fingerprinted.status_code == 200 and fingerprinted.headers["content-encoding"] == "gzip"
    assert fingerprinted.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert client.get("/static/site.css").headers["cache-control"] == "public, max-age=300"


def test_the_api_sparql_peers_and_downloads_answer_through_the_proxy(
    client: httpx.Client, stack: dict, corpus: Settings
) -> None:
    records = json.loads((corpus.build_dir / "records.json").read_text())
    practices = [r for r in records if r["type"] == "practice"]
    found = client.get("/api/search", params={"q": "online polarisation", "mode": "keyword"})
    assert found.status_code == 200 and found.json()["total"] > 0
    assert len(found.headers.get_list("content-security-policy")) == 1  # the hub's, not nginx's as well
    count = client.get(
        "/sparql",
        params={"query": "SELECT (COUNT(?p) AS ?n) WHERE { ?p a hub:Practice }"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert count.status_code == 200
    assert int(count.json()["results"]["bindings"][0]["n"]["value"]) == len(practices)
    city = next(r["id"] for r in records if r["type"] == "city")
    peers = client.get(f"/api/cities/{city}/peers", params={"limit": 3})
    assert peers.status_code == 200 and len(peers.json()["peers"]) == 3
    turtle = client.get(f"/api/practices/{practices[0]['id']}.ttl")
    assert turtle.status_code == 200 and practices[0]["title"] in turtle.text
    assert client.get("/download/practices.csv").status_code == 200
    for path in ("/healthz", "/openapi.json", "/docs"):
        assert client.get(path).status_code == 200, path
    # the hub answers from the Oxigraph server, not from the build's own store
    environ = Path(f"/proc/{stack['pids']['hub']}/environ").read_bytes().split(b"\0")
    assert f"HUB_STORE={stack['store_query']}".encode() in environ


@pytest.mark.parametrize("path,params", [("/api/search", {"mode": "keyword"}), ("/sparql", {})])
def test_one_client_is_limited_once_whatever_x_forwarded_for_it_sends(
    client: httpx.Client, path: str, params: dict
) -> None:
    """nginx keys the limit on the address it saw, across all hub workers; a forged header changes nothing."""
    t0 = time.monotonic()
    answers = []
    for i in range(BURST * 4):
        query = {"q": f"youth {i}"} if path == "/api/search" else {"query": f"ASK {{ ?s ?p {i} }}"}
        answers.append(
            client.get(path, params={**params, **query}, headers={"X-Forwarded-For": f"203.0.113.{i}, 10.0.0.{i}"})
        )
    elapsed = time.monotonic() - t0
    ok = [a for a in answers if a.status_code == 200]
    limited = [a for a in answers if a.status_code == 429]
    assert len(ok) + len(limited) == len(answers)
    assert len(ok) <= BURST + 1 + int(elapsed * RATE / 60) + 1  # burst (+1 nginx allows) and what refilled meanwhile
    assert len(limited) >= BURST
    for a in limited:
        assert a.headers["retry-after"].isdigit() and a.json()["error"] == "too_many_requests"


def test_a_new_build_swapped_and_published_under_load_drops_nothing(
    client: httpx.Client, stack: dict, corpus: Settings
) -> None:
    records = json.loads((corpus.build_dir / "records.json").read_text())
    target = next(r for r in records if r["id"] == "aalborg-online-democratic-conversations")
    old_stamp = client.get("/healthz").json()
    paths = [
        "/",
        target["url"],
        "/practices/",
        "/static/site.css",
        f"/api/practices/{target['id']}",
        f"/api/practices/{target['id']}.ttl",
        "/api/cities/aalborg/peers",
        "/healthz",
    ] + [r["url"] for r in records[:20]]
    failures: list[str] = []
    sent = [0]
    stop = threading.Event()

    def user(offset: int) -> None:
        with httpx.Client(base_url=stack["url"], timeout=60) as c:
            i = offset
            while not stop.is_set():
                path = paths[i % len(paths)]
                i += 1
                try:
                    status = c.get(path).status_code
                except httpx.HTTPError as exc:
                    failures.append(f"{path}: {exc!r}")
                    continue
                sent[0] += 1
                if status != 200:
                    failures.append(f"{path}: {status}")

    users = [threading.Thread(target=user, args=(n * 3,)) for n in range(4)]
    for t in users:
        t.start()
    try:
        file = corpus.data_dir / "practices" / f"{target['id']}.md"
        text = file.read_text(encoding="utf-8")
        file.write_text(re.sub(r"^title: .*$", f"title: {NEW_TITLE}", text, count=1, flags=re.M), encoding="utf-8")
        built = subprocess.run(
            [str(REPO_DIR / ".venv" / "bin" / "hub"), "build", "--quiet"],
            env=stack["env"],
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert built.returncode == 0, built.stderr
        # nginx serves the new site at once (it follows the build link); the hub moves to the new build by itself
        poll(lambda: NEW_TITLE in client.get(target["url"]).text, timeout=30, what="the new page through nginx")
        poll(lambda: client.get("/healthz").json() != old_stamp, timeout=30, what="the hub on the new build")
        published = stack_cmd(stack["env"], "publish", "--port", str(stack["port"]))
        assert published.returncode == 0, published.stderr
        poll(
            lambda: NEW_TITLE in client.get(f"/api/practices/{target['id']}.ttl").text,
            timeout=30,
            what="the new graph in the store",
        )
        before = sent[0]
        poll(lambda: sent[0] > before + 20, timeout=60, what="more requests after the update")
    finally:
        stop.set()
        for t in users:
            t.join(60)
    assert sent[0] > 100 and failures == [], failures[:10]


def test_down_leaves_no_process_and_no_listener(stack: dict) -> None:
    done = stack_cmd(stack["env"], "down", "--port", str(stack["port"]))
    assert done.returncode == 0, done.stderr
    assert "nginx" in done.stdout and "hub" in done.stdout and "oxigraph" in done.stdout
    assert not any(_group_alive(pid) for pid in stack["pids"].values())
    assert not any(_listening(p) for p in (stack["port"], stack["hub_port"], stack["store_port"]))
    assert not (stack["folder"] / "state.json").exists()
    again = stack_cmd(stack["env"], "down", "--port", str(stack["port"]))
    assert again.returncode == 1 and "no stack runs on port" in again.stderr

"""Load test: a realistic mix of requests against a real `hub serve`, at 1, 10 and 50 concurrent users.

Closed loop on loopback: each virtual user sends its next request when the last one is
answered, at once (``--think 0``: the server at saturation) or after a pause drawn
around ``--think`` seconds (people reading a page). Every
level stops by itself after ``--duration`` seconds or ``--max-requests`` requests.
The mix follows what a public hub sees: searches in each mode, a third of them with
facet filters, half of the texts new (not in the query-vector cache); record pages
(API JSON and site HTML); peer lists; SPARQL example queries; static pages and assets.

The server runs as ``hub serve --workers 2`` (2 cores: one uvicorn process per core,
each with its own two SPARQL query workers) and the per-client rate limit off
(``HUB_RATE_LIMIT=0``): closed-loop users without think time are not people, and
from one loopback address they would all share one bucket. ``--remote`` adds a run
against the same build with the graph on an ``oxigraph serve`` process (``HUB_STORE``). ``--stack``
starts the production stack (``scripts/stack.sh up``: nginx, ``hub serve``, ``oxigraph serve``) and measures
the same hub processes twice in one run: directly on their port, and through nginx (rate limit off there too).

    .venv/bin/hub build && .venv/bin/python bench/load.py [--build DIR] [--users 1 10 50] [--duration 20] [--stack]

Prints Markdown tables (README "Reliability and performance") and writes bench/results/load.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from run_info import machine as machine_info, stamp

from hub.config import REPO_DIR, settings
from hub.sparql.examples import EXAMPLES

sys.path.insert(0, str(REPO_DIR / "tests"))
from sparql_server import hub_serve, oxigraph_server  # noqa: E402 - the tests' server helpers, reused

RESULTS = Path(__file__).parent / "results" / "load.json"
BIN = Path(sys.executable).parent
QUERIES = [
    q["query"] for q in json.loads((Path(__file__).parent / "eval" / "search_queries.json").read_text())["queries"]
]
# kind -> share of requests
MIX = {
    "search hybrid": 0.18,
    "search keyword": 0.09,
    "search semantic": 0.09,
    "record page": 0.10,
    "record api": 0.06,
    "record turtle": 0.04,
    "peers": 0.10,
    "sparql": 0.10,
    "static": 0.24,
}
HEADERS = {"record turtle": {"Accept": "text/turtle"}}  # read from the graph store (the remote one with --remote)


# ---------------------------------------------------------------- servers (also used by bench/scale.py)


def tree_rss_mb(pid: int) -> tuple[float, float]:
    """Resident memory (MB) of a process and its descendants now, and the sum of their peaks (VmHWM)."""

    def status(p: int) -> dict[str, int]:
        try:
            lines = Path(f"/proc/{p}/status").read_text().splitlines()
        except OSError:
            return {}
        return {k: int(v.split()[0]) for k, v in (ln.split(":", 1) for ln in lines) if k in ("VmRSS", "VmHWM")}

    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    pids, todo = [], [pid]
    while todo:  # the process and every descendant (query workers are started from server threads)
        p = todo.pop()
        pids.append(p)
        todo += [c for c, parent in parents.items() if parent == p]
    stats = [status(p) for p in pids]
    return round(sum(s.get("VmRSS", 0) for s in stats) / 1024, 1), round(
        sum(s.get("VmHWM", 0) for s in stats) / 1024, 1
    )


@contextmanager
def hub_server(
    build: Path, workers: int = 2, env: dict[str, str] | None = None
) -> Iterator[tuple[str, subprocess.Popen]]:
    """`hub serve` over ``build`` with the rate limit off; yields (base URL, process)."""
    with hub_serve(
        {"HUB_BUILD": str(build), "HUB_RATE_LIMIT": "0", "HF_HUB_OFFLINE": "1", **(env or {})}, workers
    ) as served:
        yield served


@contextmanager
def stack_server(build: Path, workers: int = 2) -> Iterator[tuple[str, str, int]]:
    """The production stack over ``build`` (scripts/stack.sh, on free ports, rate limit off); yields (URL through
    nginx, URL of hub serve itself, the hub's pid), and stops it after."""
    from helpers import free_port

    port, hub_port, store_port = free_port(), free_port(), free_port()
    env = {**os.environ, "HUB_BUILD": str(build), "HUB_RATE_LIMIT": "0", "HF_HUB_OFFLINE": "1"}
    stack = [str(REPO_DIR / "scripts" / "stack.sh")]
    up = [*stack, "up", "--port", str(port), "--hub-port", str(hub_port), "--store-port", str(store_port)]
    subprocess.run([*up, "--local", "--workers", str(workers)], env=env, check=True, stdout=subprocess.DEVNULL)
    try:
        from hub.stack import run_dir

        pid = int((run_dir(port) / "hub.pid").read_text())
        yield f"http://127.0.0.1:{port}", f"http://127.0.0.1:{hub_port}", pid
    finally:
        subprocess.run([*stack, "down", "--port", str(port)], env=env, check=True, stdout=subprocess.DEVNULL)


@contextmanager
def remote_store(build: Path) -> Iterator[str]:
    """The build's graph published into a fresh `oxigraph serve` (union default graph); yields its query URL."""
    with tempfile.TemporaryDirectory(prefix="bench-oxigraph-") as tmp, oxigraph_server(Path(tmp)) as base:
        env = {**os.environ, "HUB_BUILD": str(build)}
        subprocess.run(
            [str(BIN / "hub"), "publish", "--to", f"{base}/store", "--query-url", f"{base}/query"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        yield f"{base}/query"


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"p50": 0.0, "p95": 0.0, "p99": 0.0}
    cuts = statistics.quantiles(values, n=100, method="inclusive") if len(values) > 1 else [values[0]] * 99
    return {"p50": round(cuts[49], 1), "p95": round(cuts[94], 1), "p99": round(cuts[98], 1)}


# ---------------------------------------------------------------- the request mix


class Mix:
    """Draws requests (kind, method, path, params) from the build's own records and vocabularies."""

    def __init__(self, build: Path, seed: int = 1):
        self.rng = random.Random(seed)
        records = json.loads((build / "records.json").read_text(encoding="utf-8"))
        self.pages = [r["url"] for r in records]
        self.api = [f"/api/{r['type'] if r['type'] != 'city' else 'citie'}s/{r['id']}" for r in records]
        self.cities = [r["id"] for r in records if r["type"] == "city"]
        self.facets = [
            (name, v)
            for r in records
            for name, vals in r.get("facets", {}).items()
            if name in ("theme", "region", "level")
            for v in vals
        ]
        words = sorted({w for q in QUERIES for w in q.lower().split() if len(w) > 4})
        self.words = words
        self.sparql = [e.query for e in EXAMPLES]
        self.static = [
            "/",
            "/practices/",
            "/cities/",
            "/themes/",
            "/search/",
            "/about/",
            "/linked-data/",
            "/sitemap.xml",
        ]
        site = build / "site" / "static"
        self.static += [f"/static/{p.name}" for p in sorted(site.iterdir())] if site.is_dir() else []
        kinds, weights = zip(*MIX.items(), strict=True)
        self.kinds, self.weights = list(kinds), list(weights)

    def query_text(self) -> str:
        if self.rng.random() < 0.5:
            return self.rng.choice(QUERIES)  # a popular query: its vector is cached after the first time
        return " ".join(self.rng.sample(self.words, self.rng.randint(2, 5)))  # a new one: encoded

    def draw(self) -> tuple[str, str, dict[str, object]]:
        kind = self.rng.choices(self.kinds, self.weights)[0]
        if kind.startswith("search"):
            params: dict[str, object] = {"q": self.query_text(), "mode": kind.split()[1], "limit": 20}
            if self.rng.random() < 0.33 and self.facets:
                name, value = self.rng.choice(self.facets)
                params[name] = value
            return kind, "/api/search", params
        if kind == "record page":
            return kind, self.rng.choice(self.pages), {}
        if kind in ("record api", "record turtle"):
            return kind, self.rng.choice(self.api), {}
        if kind == "peers":
            return kind, f"/api/cities/{self.rng.choice(self.cities)}/peers", {"limit": 10}
        if kind == "sparql":
            return kind, "/sparql", {"query": self.rng.choice(self.sparql)}
        return kind, self.rng.choice(self.static), {}


async def run_level(
    base: str, mix: Mix, users: int, duration_s: float, max_requests: int, think_s: float = 0.0
) -> dict[str, object]:
    """``users`` closed-loop users for ``duration_s`` or ``max_requests``; latencies per kind, errors, throughput.

    With ``think_s`` each user pauses a random time (exponential, that mean) between requests, as a person reading
    does."""
    latencies: dict[str, list[float]] = defaultdict(list)
    statuses: dict[str, int] = defaultdict(int)
    errors: list[str] = []
    sent = 0
    deadline = time.monotonic() + duration_s
    limits = httpx.Limits(max_connections=users, max_keepalive_connections=users)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:

        async def user() -> None:
            nonlocal sent
            while time.monotonic() < deadline and sent < max_requests:
                if think_s:
                    await asyncio.sleep(min(mix.rng.expovariate(1 / think_s), max(0.0, deadline - time.monotonic())))
                    if time.monotonic() >= deadline:
                        break
                sent += 1
                kind, path, params = mix.draw()
                t = time.perf_counter()
                try:
                    resp = await client.get(path, params=params, headers=HEADERS.get(kind))
                    await resp.aread()
                    status = resp.status_code
                except httpx.HTTPError as exc:
                    status, resp = 0, None
                    errors.append(f"{kind} {path}: {exc!r}")
                ms = (time.perf_counter() - t) * 1000
                latencies[kind].append(ms)
                statuses[str(status)] += 1
                if status == 0 or status >= 500 or (status >= 400 and status != 404):
                    if status:
                        errors.append(f"{kind} {path} {params}: {status}")

        t0 = time.perf_counter()
        await asyncio.gather(*(user() for _ in range(users)))
        elapsed = time.perf_counter() - t0
    every = [v for vals in latencies.values() for v in vals]
    search = [v for k, vals in latencies.items() if k.startswith("search") for v in vals]
    return {
        "users": users,
        "think_s": think_s,
        "requests": len(every),
        "seconds": round(elapsed, 1),
        "throughput_rps": round(len(every) / elapsed, 1),
        "errors": len(errors),
        "error_samples": errors[:10],
        "statuses": dict(statuses),
        "all": percentiles(every),
        "search": percentiles(search),
        "by_kind": {k: {"n": len(v), **percentiles(v)} for k, v in sorted(latencies.items())},
    }


def warm_up(base: str, mix: Mix, rounds: int, connections: int = 8) -> None:
    """Every kind of request a few times over several fresh connections at once, so that every server process (each
    connection lands on one) has loaded the model, the indexes and its query workers before anything is timed."""

    async def one() -> None:
        async with httpx.AsyncClient(base_url=base, timeout=180) as client:
            for _ in range(rounds):
                for kind in MIX:
                    while (drawn := mix.draw())[0] != kind:
                        pass
                    await client.get(drawn[1], params=drawn[2], headers=HEADERS.get(kind))

    async def all_of_them() -> None:
        await asyncio.gather(*(one() for _ in range(connections)))

    asyncio.run(all_of_them())


def bench(
    base: str,
    build: Path,
    users: list[int],
    duration_s: float,
    max_requests: int,
    pid: int,
    think: list[float],
) -> dict[str, object]:
    mix = Mix(build)
    warm_up(base, mix, rounds=2)
    levels = []
    for think_s in think:
        for n in users:
            result = asyncio.run(run_level(base, mix, n, duration_s, max_requests, think_s))
            result["server_rss_mb"], result["server_peak_rss_mb"] = tree_rss_mb(pid)
            levels.append(result)
            s = result["search"]
            print(
                f"  think {think_s:g} s, {n:3} users: {result['requests']:5} requests, "
                f"{result['throughput_rps']:6.1f}/s, errors {result['errors']}, "
                f"all p50/p95/p99 {result['all']['p50']}/{result['all']['p95']}/{result['all']['p99']} ms, "
                f"search {s['p50']}/{s['p95']}/{s['p99']} ms",
                file=sys.stderr,
            )
    return {"levels": levels}


def markdown(report: dict[str, object]) -> str:
    lines = [
        "| store | think time | users | requests | req/s | errors | all p50 / p95 / p99 (ms) | search p50 / p95 / p99 "
        "(ms) | server RSS |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in report["runs"]:  # type: ignore[union-attr]
        for lv in run["levels"]:
            a, s = lv["all"], lv["search"]
            lines.append(
                f"| {run['store']} | {lv['think_s']:g} s | {lv['users']} | {lv['requests']} | {lv['throughput_rps']} | "
                f"{lv['errors']} | "
                f"{a['p50']:.0f} / {a['p95']:.0f} / {a['p99']:.0f} | {s['p50']:.0f} / {s['p95']:.0f} / {s['p99']:.0f} "
                "| "
                f"{lv['server_rss_mb']:.0f} MB |"
            )
    lines += ["", "| kind (10 users, no think time, embedded) | n | p50 | p95 | p99 |", "|---|---:|---:|---:|---:|"]
    ten = next((lv for lv in report["runs"][0]["levels"] if lv["users"] == 10 and not lv["think_s"]), None)  # type: ignore[index]
    for kind, v in (ten or {"by_kind": {}})["by_kind"].items():
        lines.append(f"| {kind} | {v['n']} | {v['p50']:.0f} | {v['p95']:.0f} | {v['p99']:.0f} |")
    return "\n".join(lines)


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # so the servers are stopped on `kill` too
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", type=Path, default=settings().build_dir, help="a full build (default: build/)")
    ap.add_argument("--users", type=int, nargs="+", default=[1, 10, 50])
    ap.add_argument("--duration", type=float, default=20.0, help="seconds per level")
    ap.add_argument("--max-requests", type=int, default=5000, help="requests per level at most")
    ap.add_argument(
        "--think",
        type=float,
        nargs="+",
        default=[0.0, 1.0],
        help="mean pause between a user's requests, s (0: saturation)",
    )
    ap.add_argument("--workers", type=int, default=2, help="uvicorn processes (2 on 2 cores)")
    ap.add_argument("--remote", action="store_true", help="also run with the graph on an oxigraph server (HUB_STORE)")
    ap.add_argument(
        "--stack", action="store_true", help="also the production stack (scripts/stack.sh): directly and through nginx"
    )
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args()
    build = args.build.resolve()
    machine = machine_info()  # the load average before the run
    runs = []
    print(f"embedded store, {args.workers} worker(s):", file=sys.stderr)
    with hub_server(build, args.workers) as (base, proc):
        runs.append(
            {
                "store": "embedded",
                **bench(base, build, args.users, args.duration, args.max_requests, proc.pid, args.think),
            }
        )
    if args.remote:
        with remote_store(build) as query_url:
            print(f"remote store ({query_url}):", file=sys.stderr)
            with hub_server(build, args.workers, env={"HUB_STORE": query_url}) as (base, proc):
                runs.append(
                    {
                        "store": "remote (oxigraph serve)",
                        **bench(base, build, args.users, args.duration, args.max_requests, proc.pid, args.think),
                    }
                )
    if args.stack:
        with stack_server(build, args.workers) as (proxy, direct, pid):
            for store, base in (("remote, hub serve directly", direct), ("remote, through nginx", proxy)):
                print(f"stack: {store} ({base}):", file=sys.stderr)
                measured = bench(base, build, args.users, args.duration, args.max_requests, pid, args.think)
                runs.append({"store": store, **measured})
    report = {
        **stamp(machine),
        "workers": args.workers,
        "duration_s": args.duration,
        "max_requests": args.max_requests,
        "mix": MIX,
        "build": json.loads((build / "manifest.json").read_text()).get("stats", {}),
        "runs": runs,
        "note": "closed loop (think_s 0: at once; else an exponential pause of that mean), client on the same 2 cores; "
        "latency = wall time of one HTTP request in ms; "
        "errors = connection failures, 5xx and 4xx other than 404",
    }
    args.out.parent.mkdir(exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    print(markdown(report))
    m = report["machine"]
    print(
        f"\n{m['cores']} cores, {m['cpu']}, load average {m['load_average_1m']} before the run · written to {args.out}"
    )


if __name__ == "__main__":
    main()

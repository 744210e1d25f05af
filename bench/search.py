"""Search benchmark: latency per mode in-process and over HTTP, index build time and memory, at two scales.

Scales: the current build (the real corpus) and 10,000 synthetic practices from
``bench/synth.py``. Layers: the library (``SearchIndex.search``), the API in-process
(FastAPI's TestClient, no network), and HTTP (``uvicorn`` in a separate process on a
loopback port, like ``hub serve``). Queries are the 56 judged queries of
bench/eval/search_queries.json; each request gets a distinct suffix word so the
query-embedding cache never answers (every hybrid/semantic figure includes encoding
the query). One untimed pass warms the index first (the model load, and Whoosh
postings, which are read once per word).

    .venv/bin/hub build && HF_HUB_OFFLINE=1 .venv/bin/python bench/search.py [--build DIR] [--synthetic 10000] [--runs
3]

Prints the Markdown tables of README "Search" and writes bench/results/search.json.

``--languages`` measures instead the latency per query language through HTTP on the corpus build: the English
judged queries and the cross-lingual set (bench/eval/search_queries_xl.json, both splits: timing tunes nothing),
each mode, every request a new text; plus the multilingual model alone (a query on one core, passages a second);
written to bench/results/search-languages.json.
Embeddings of the synthetic corpus are cached in .cache/bench: the first run encodes
them (about 21,000 texts: tens of minutes on two cores), later runs reuse them.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from run_info import stamp

from hub.config import REPO_DIR, Settings, settings
from hub.search.evaluate import load_queries
from hub.search.index import load
from hub.search.indexer import build_search_index

from synth import practices as synthetic_practices

sys.path.insert(0, str(REPO_DIR / "tests"))
from helpers import free_port, stop, wait_for  # noqa: E402  (the tests' ways to start, wait for and stop a server)

QUERIES = Path(__file__).parent / "eval" / "search_queries.json"
XL_QUERIES = Path(__file__).parent / "eval" / "search_queries_xl.json"
RESULTS = Path(__file__).parent / "results" / "search.json"
LANGUAGE_RESULTS = Path(__file__).parent / "results" / "search-languages.json"
MODES = ("keyword", "semantic", "hybrid")


def _pcts(samples: list[float]) -> dict[str, float]:
    s = sorted(samples)
    return {"p50": round(statistics.median(s), 2), "p95": round(s[min(len(s) - 1, int(0.95 * len(s)))], 2), "n": len(s)}


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def _timed(call, queries: list[str], runs: int, tag: str) -> dict[str, dict[str, float]]:
    """ms per request per mode; every request has a query text never seen before."""
    out = {}
    for mode in MODES:
        for q in queries:  # warm: postings of these words, the model
            call(q, mode)
        samples = []
        for r in range(runs):
            for i, q in enumerate(queries):
                t = time.perf_counter()
                call(f"{q} {tag}{mode[0]}{r}x{i}", mode)
                samples.append((time.perf_counter() - t) * 1000)
        out[mode] = _pcts(samples)
    return out


def _measure(build_dir: Path, queries: list[str], runs: int, label: str) -> dict:
    from fastapi.testclient import TestClient

    from hub.api.app import create_app

    t = time.perf_counter()
    index = load(build_dir / "search")
    load_s = time.perf_counter() - t
    result: dict = {
        "records": len(index.docs),
        "units": int(len(index.semantic.texts)),
        "load_index_s": round(load_s, 3),
    }
    print(f"[{label}] library …", file=sys.stderr)
    result["library"] = _timed(lambda q, m: index.search(q, mode=m), queries, runs, "lib")
    print(f"[{label}] API in-process …", file=sys.stderr)
    cfg = Settings(
        data_dir=settings().data_dir, build_dir=build_dir, cache_dir=settings().cache_dir, rate_per_minute=0
    )  # no 429s
    with TestClient(create_app(cfg)) as client:

        def api(q: str, mode: str) -> None:
            r = client.get("/api/search", params={"q": q, "mode": mode})
            r.raise_for_status()

        result["api_in_process"] = _timed(api, queries, runs, "api")
    result["rss_in_process_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(f"[{label}] HTTP …", file=sys.stderr)
    with _server(build_dir) as (client, pid):

        def http(q: str, mode: str) -> None:
            client.get("/api/search", params={"q": q, "mode": mode}).raise_for_status()

        result["http"] = _timed(http, queries, runs, "http")
        result["rss_server_mb"] = _rss_mb(pid)
    return result


@contextmanager
def _server(build_dir: Path) -> Iterator[tuple[httpx.Client, int]]:
    """``hub serve``'s app under uvicorn in its own process on a free loopback port (rate limit off), once healthy."""
    port = free_port()
    env = {**os.environ, "HUB_BUILD": str(build_dir), "HF_HUB_OFFLINE": "1", "HUB_RATE_LIMIT": "0"}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "hub.api.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=REPO_DIR,
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", timeout=60)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
            yield client, server.pid
    finally:
        stop(server)


def languages(build_dir: Path, runs: int) -> None:
    """Latency per query language and mode through HTTP; the language each answer reports; the model alone."""
    by_lang: dict[str, list[str]] = {"en": [q.query for q in load_queries(QUERIES)]}
    for q in load_queries(XL_QUERIES):
        by_lang.setdefault(q.lang, []).append(q.query)
    report: dict = {"runs": runs, "languages": {}}
    with _server(build_dir) as (client, pid):
        for lang, queries in by_lang.items():
            print(f"[{lang}] {len(queries)} queries …", file=sys.stderr)
            seen: dict[str, int] = {}

            def http(q: str, mode: str, seen: dict[str, int] = seen) -> None:
                r = client.get("/api/search", params={"q": q, "mode": mode})
                r.raise_for_status()
                answer = r.json()
                key = f"{answer['query_language']}/{answer['semantic_model']}"
                seen[key] = seen.get(key, 0) + 1

            report["languages"][lang] = {"queries": len(queries), **_timed(http, queries, runs, "z"), "answered": seen}
        report["rss_server_mb"] = _rss_mb(pid)
    report["model"] = _model_speed(by_lang)
    report.update(stamp())
    LANGUAGE_RESULTS.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print("| language | queries | keyword p50 / p95 ms | semantic p50 / p95 ms | hybrid p50 / p95 ms |")
    print("|---|---|---|---|---|")
    for lang, v in report["languages"].items():
        cells = [f"{v[m]['p50']:.1f} / {v[m]['p95']:.1f}" for m in MODES]
        print(f"| {lang} | {v['queries']} | " + " | ".join(cells) + " |")
    m = report["model"]
    print(f"\nmultilingual model: a query {m['query_ms']['p50']} ms (p50, one core); {m['passages_per_s']} passages/s")
    print(f"written to {LANGUAGE_RESULTS}")


def _model_speed(by_lang: dict[str, list[str]]) -> dict:
    """The multilingual model alone: query encoding (one core) and the build's passage encoding (all cores)."""
    from hub.search import multilingual

    queries = [q for lang, qs in by_lang.items() if lang != "en" for q in qs]
    multilingual.encode_query("warm up")
    samples = []
    for q in queries:
        t = time.perf_counter()
        multilingual.encode_query(q)
        samples.append((time.perf_counter() - t) * 1000)
    records = json.loads((settings().build_dir / "records.json").read_text(encoding="utf-8"))[:64]
    texts = [multilingual.passage_text(r) for r in records]
    t = time.perf_counter()
    multilingual.encode_passages(texts, progress=False)
    return {
        "query_ms": _pcts(samples),
        "passages_per_s": round(len(texts) / (time.perf_counter() - t), 2),
        "passages_timed": len(texts),
    }


def _synthetic_build(n: int, root: Path) -> tuple[Path, dict]:
    """A build directory holding only what search needs, for ``n`` synthetic practices."""
    build = root / "build"
    (build / "search").mkdir(parents=True)
    (build / "manifest.json").write_text(
        json.dumps({"built": f"synthetic-{n}", "stats": {"practices": n}}), encoding="utf-8"
    )
    catalog = synthetic_practices(n)
    t = time.perf_counter()
    # English vectors only: the multilingual ones of 10,000 records take ~20 minutes cold (bench/scale.py times them)
    stats = build_search_index(catalog, build / "search", REPO_DIR / ".cache" / "bench", multilingual_vectors=False)
    stats["wall_s"] = round(time.perf_counter() - t, 2)
    return build, stats


def main() -> None:
    os.environ["HUB_RATE_LIMIT"] = "0"  # the API's per-client rate limit would answer 429 to a benchmark
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", type=Path, default=settings().build_dir, help="the corpus build (default: build/)")
    ap.add_argument("--synthetic", type=int, default=10_000, help="synthetic practices (0 to skip)")
    ap.add_argument("--runs", type=int, default=3, help="timed passes over the query set, per mode and layer")
    ap.add_argument("--languages", action="store_true", help="latency per query language (HTTP, corpus) instead")
    args = ap.parse_args()
    if args.languages:
        return languages(args.build.resolve(), args.runs)
    queries = [q.query for q in load_queries(QUERIES)]
    report: dict = {"queries": len(queries), "runs": args.runs, "scales": {}}
    manifest = json.loads((args.build / "manifest.json").read_text())
    report["scales"]["corpus"] = _measure(args.build.resolve(), queries, args.runs, "corpus")
    report["scales"]["corpus"]["build"] = manifest.get("stats", {}).get("search", {})
    if args.synthetic:
        with tempfile.TemporaryDirectory(prefix="hub-search-bench-") as tmp:
            print(f"[synthetic] building the index of {args.synthetic} practices …", file=sys.stderr)
            build, stats = _synthetic_build(args.synthetic, Path(tmp))
            report["scales"]["synthetic"] = _measure(build, queries, args.runs, "synthetic") | {"build": stats}
    report.update(stamp())
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    _print(report)


def _print(report: dict) -> None:
    print(
        "| scale | records | mode | library p50 / p95 ms | API in-process p50 / p95 ms | HTTP p50 / p95 ms "
        "|\n|---|---|---|---|---|---|"
    )
    for name, s in report["scales"].items():
        for mode in MODES:
            cells = [
                f"{s[layer][mode]['p50']:.1f} / {s[layer][mode]['p95']:.1f}"
                for layer in ("library", "api_in_process", "http")
            ]
            print(f"| {name} | {s['records']:,} | {mode} | " + " | ".join(cells) + " |")
    print(
        "\n| scale | records | embedded texts | keyword index s | embeddings s (encoded / reused) | load index s | RSS "
        "in-process MB | RSS server MB |\n|---|---|---|---|---|---|---|---|"
    )
    for name, s in report["scales"].items():
        b = s.get("build", {})
        print(
            f"| {name} | {s['records']:,} | {s['units']:,} | {b.get('keyword_s', '?')} | {b.get('semantic_s', '?')} "
            f"({b.get('encoded', '?')} / {b.get('reused', '?')}) | {s['load_index_s']} | {s['rss_in_process_mb']} | "
            f"{s['rss_server_mb']} |"
        )
    m = report["machine"]
    print(
        f"\n{m['cores']} cores, {m['cpu']}, Python {m['python']}, load average {m['load_average_1m']} · written to "
        f"{RESULTS}"
    )


if __name__ == "__main__":
    main()

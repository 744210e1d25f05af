"""Scale: build and serve synthetic corpora of growing size; time, disk, memory and latency at each size.

For each size the synthetic practices of ``bench/synth.py`` (and their cities, about 20
practices each, and one source document) are written as curator Markdown files, then
``hub build`` runs twice as a separate process: **cold** (empty cache: every text is
embedded) and **warm** (the embedding cache of the cold build, as after an edit).

The multilingual vectors (``hub/search/multilingual.py``: one passage per record, ~10 a second) are built too unless
``HUB_MULTILINGUAL=0``; in a hashed cold build they are hashed as well and estimated with their own measured rate.

Embedding is the one cost that is known in advance (texts × the encoder's rate) and
it dominates a cold build: about two texts per practice (title + summary and body
chunks, which peers reuse) at ~50 texts/s on two cores, 7.5 minutes at 10,000 practices.
Above ``--real-cold-max`` practices (default 10,000) the cold build therefore runs
with the encoder replaced by a hash of each text (random unit vectors, same shapes,
everything else real), and the cold time is reported as that build's time plus the
texts it embedded divided by the encoder rate measured in the same run
(``cold_estimated_s``). The warm build and serving are real
at every size (semantic scores over random vectors rank nonsense, at the same cost).
Then ``hub serve`` (1 worker) answers searches in each mode and the SPARQL queries of
``bench/sparql.py``, and its memory is read. Measured per size: build wall time and
its stages, the peak RSS of the build, the sizes of graph.nq, the store, the search
index (and its embeddings) and the site, search p50/p95 per mode, SPARQL median per
query, and the serving RSS (the app process; and with its two SPARQL workers).

    .venv/bin/python bench/scale.py [--sizes 1000 10000 50000] [--real-cold-max 10000] [--max-build-s 3600]
    .venv/bin/python bench/scale.py --plot-only          # redraw docs/scaling.png from bench/results/scale.json

A build that does not finish within ``--max-build-s`` is stopped and recorded as such.
Results are written after every size (bench/results/scale.json); the plot goes to docs/scaling.png.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from run_info import stamp

from hub.config import REPO_DIR, settings

from load import QUERIES, hub_server, percentiles, tree_rss_mb
from sparql import PROLOGUE, QUERIES as SPARQL_QUERIES
from synth import practices as synthetic_practices

RESULTS = Path(__file__).parent / "results" / "scale.json"
PLOT = REPO_DIR / "docs" / "scaling.png"
BIN = Path(sys.executable).parent
SEED_DOC = "000_synthetic.txt"


# ---------------------------------------------------------------- the corpus as curator files


def _yaml_list(values: list[str]) -> str:
    return "[" + ", ".join(json.dumps(v, ensure_ascii=False) for v in values) + "]"


def write_corpus(n: int, data: Path) -> dict[str, int]:
    """``n`` synthetic practices, their cities and one source document as data/**/*.md."""
    entries = synthetic_practices(n=n)
    for folder in ("practices", "cities", "resources", "spotlights"):
        (data / folder).mkdir(parents=True, exist_ok=True)
    source = f'sources:\n  - doc: {SEED_DOC}\n    section: "Synthetic > Benchmark"\n'
    (data / "resources" / "synthetic-source.md").write_text(
        "---\nid: synthetic-source\ntype: resource\ntitle: Synthetic source document\nresource_type: "
        f"guide\nseed_file: {SEED_DOC}\n"
        f"{source}---\nA stand-in for a source document, cited by every synthetic record of the scale benchmark.\n",
        encoding="utf-8",
    )
    cities: dict[str, dict[str, str]] = {}
    for e in entries:
        c = e["cities"][0]
        cities.setdefault(c["id"], {"name": c["label"], "country": c["country"]})
        (data / "practices" / f"{e['id']}.md").write_text(
            f"---\nid: {e['id']}\ntype: practice\ntitle: {json.dumps(e['title'])}\nsummary: "
            f"{json.dumps(e['summary'])}\n"
            f"cities: [{c['id']}]\nscope: city\nthemes: {_yaml_list(e['themes'])}\nstakeholders: "
            f"{_yaml_list(e['stakeholders'])}\n"
            f"challenges: {_yaml_list(e['challenges'])}\nprevention_levels: {_yaml_list(e['levels'])}\nyear: "
            f"{e['year']}\n{source}---\n"
            f"{e['body']}\n",
            encoding="utf-8",
        )
    for cid, c in cities.items():
        (data / "cities" / f"{cid}.md").write_text(
            f"---\nid: {cid}\ntype: city\nname: {c['name']}\ncountry: {json.dumps(c['country'])}\nadmin_type: "
            f"city\n{source}---\n"
            f"A synthetic city in {c['country']} with several prevention practices.\n",
            encoding="utf-8",
        )
    return {"practices": len(entries), "cities": len(cities)}


# ---------------------------------------------------------------- one build, measured


def timed_build(
    data: Path, build: Path, cache: Path, max_s: float, hashed_encoder: bool = False, **env_extra: str
) -> dict[str, object]:
    """`hub build` as a child process: wall time, peak RSS (of the build and what it waited for), stage timings.

    With ``hashed_encoder`` the child is this script's ``--one-build`` mode: the same build with texts hashed, not
    embedded."""
    env = {**os.environ, "HUB_DATA": str(data), "HUB_BUILD": str(build), "HUB_CACHE": str(cache), "HF_HUB_OFFLINE": "1"}
    env.update(env_extra)
    cmd = [sys.executable, __file__, "--one-build"] if hashed_encoder else [str(BIN / "hub"), "build", "--quiet"]
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    timer = __import__("threading").Timer(max_s, lambda: os.killpg(proc.pid, signal.SIGKILL))
    timer.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        timer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t
    err = proc.stderr.read().decode("utf-8", "replace")[-2000:] if proc.stderr else ""
    out: dict[str, object] = {
        "ok": proc.returncode == 0,
        "wall_s": round(wall, 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
    }
    if proc.returncode != 0:
        out["error"] = "stopped after the time limit" if proc.returncode == -signal.SIGKILL else err
        return out
    manifest = json.loads((build / "manifest.json").read_text())
    out["stages_s"] = {k: round(v, 1) for k, v in manifest["timings"].items()}
    out["triples"] = manifest["stats"].get("quads")
    out["search_units"] = manifest["stats"].get("search", {}).get("units")
    if hashed_encoder and proc.stdout:
        hashed_counts = json.loads(proc.stdout.read().decode().strip().splitlines()[-1])
        out["hashed_texts"] = hashed_counts["texts"]
        out["hashed_multilingual_texts"] = hashed_counts["multilingual_texts"]
    return out


def _hashed_build() -> None:
    """``--one-build``: `hub build` with the encoder replaced by a hash of each text; prints how many texts it
    replaced."""
    import numpy as np

    from hub.build import build
    from hub.config import settings
    from hub.search import encoder, multilingual, onnx_encoder

    count = ml_count = 0
    real = encoder.encode

    def hashed(texts: list[str], batch_size: int = 32) -> np.ndarray:
        nonlocal count
        if (
            list(texts) == onnx_encoder.PROBES
        ):  # the query model's check: real, so servers run ONNX as after a real build
            return real(texts, batch_size)
        count += len(texts)
        rows = [
            np.random.default_rng(int.from_bytes(hashlib.sha256(t.encode()).digest()[:8], "little")).standard_normal(
                encoder.DIMENSIONS
            )
            for t in texts
        ]
        m = np.array(rows, dtype=np.float32).reshape(len(texts), encoder.DIMENSIONS)
        return m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-9)

    def hashed_passages(texts: list[str], progress: bool = True) -> np.ndarray:
        nonlocal ml_count, count
        before = count
        vectors = hashed(texts)
        count, ml_count = before, ml_count + len(texts)  # counted apart: the multilingual model has its own rate
        return vectors

    encoder.encode = hashed  # type: ignore[assignment]
    multilingual.encode_passages = hashed_passages  # type: ignore[assignment]
    build(settings())
    print(json.dumps({"texts": count, "multilingual_texts": ml_count}))


def encoder_rate(n: int = 300) -> float:
    """Texts per second of the real encoder on synthetic search units (the texts a build embeds), now, on this
    machine."""
    from hub.search import encoder, semantic

    texts = [u.encoded for i, e in enumerate(synthetic_practices(n=n // 2, seed=99)) for u in semantic.units(i, e)][:n]
    encoder.encode(texts[:8])  # load the model first
    t = time.perf_counter()
    encoder.encode(texts)
    return round(len(texts) / (time.perf_counter() - t), 1)


def multilingual_rate(n: int = 100) -> float:
    """Passages per second of the multilingual model (hub.search.multilingual) on synthetic records, now."""
    from hub.search import multilingual

    texts = [multilingual.passage_text(e) for e in synthetic_practices(n=n, seed=98)]
    multilingual.encode_passages(texts[:4], progress=False)
    t = time.perf_counter()
    multilingual.encode_passages(texts, progress=False)
    return round(len(texts) / (time.perf_counter() - t), 1)


def dir_mb(path: Path) -> float:
    if path.is_file():
        return round(path.stat().st_size / 2**20, 1)
    return round(sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20, 1) if path.exists() else 0.0


def sizes_of(build: Path) -> dict[str, float]:
    b = build.resolve()
    return {
        "graph.nq": dir_mb(b / "graph.nq"),
        "store": dir_mb(b / "store"),
        "search": dir_mb(b / "search"),
        "embeddings": dir_mb(b / "search" / "embeddings.npy"),
        "site": dir_mb(b / "site"),
        "offline search": sum(dir_mb(p) for p in (b / "site" / "static").glob("search-index-*.json")),
        "total": dir_mb(b),
    }


# ---------------------------------------------------------------- serving, measured


def serve_latency(build: Path, searches: int, sparql_runs: int) -> dict[str, object]:
    """Search p50/p95 per mode and SPARQL medians from one client, one request at a time; then the server's memory."""
    out: dict[str, object] = {"search": {}, "sparql": {}}
    with (
        hub_server(build, workers=1, env={"HUB_SPARQL_TIMEOUT": "60"}) as (base, proc),
        httpx.Client(base_url=base, timeout=120) as c,
    ):
        out["idle_rss_mb"] = tree_rss_mb(proc.pid)[0]
        for mode in ("keyword", "semantic", "hybrid"):
            c.get("/api/search", params={"q": "warm up", "mode": mode})
            times = []
            # texts no earlier request used, so every semantic and hybrid query is embedded (no query-vector cache hit)
            for q in (f"{QUERIES[i % len(QUERIES)]} {mode} {i}" for i in range(searches)):
                t = time.perf_counter()
                c.get("/api/search", params={"q": q, "mode": mode}).raise_for_status()
                times.append((time.perf_counter() - t) * 1000)
            out["search"][mode] = percentiles(times)  # type: ignore[index]
        t = time.perf_counter()
        c.get("/api/search", params={"q": "", "theme": "youth-engagement"}).raise_for_status()
        out["browse_facet_ms"] = round((time.perf_counter() - t) * 1000, 1)
        for name, query in SPARQL_QUERIES.items():
            construct = query.lstrip().upper().startswith("CONSTRUCT")
            accept = "application/n-triples" if construct else "application/sparql-results+json"
            times = []
            for _ in range(sparql_runs + 1):
                t = time.perf_counter()
                r = c.get("/sparql", params={"query": PROLOGUE + query}, headers={"Accept": accept})
                times.append((time.perf_counter() - t) * 1000)
                if r.status_code != 200:
                    times = [float("nan")]
                    break
            out["sparql"][name] = round(statistics.median(times[1:] or times), 1)  # type: ignore[index]
        app_rss = tree_rss_mb(proc.pid)
        out["rss_mb_with_workers"] = app_rss[0]
        out["rss_mb_app"] = _app_rss(proc.pid)
    return out


def _app_rss(pid: int) -> float:
    """RSS of the uvicorn process itself (the `hub serve` process forks it when workers > 1; with 1 it is this one)."""
    try:
        return round(
            int(
                next(
                    ln.split()[1]
                    for ln in Path(f"/proc/{pid}/status").read_text().splitlines()
                    if ln.startswith("VmRSS")
                )
            )
            / 1024,
            1,
        )
    except (OSError, StopIteration):
        return 0.0


# ---------------------------------------------------------------- the plot


def plot(report: dict[str, object], path: Path = PLOT) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [r for r in report["sizes"] if r.get("cold", {}).get("ok") or r.get("warm", {}).get("ok")]  # type: ignore[union-attr]
    n = [r["practices"] for r in rows]
    fig, ax = plt.subplots(2, 2, figsize=(11, 8))
    a = ax[0][0]
    for key, label in (("cold", "cold (embeds every text; hollow = estimated)"), ("warm", "warm (cached embeddings)")):
        pts = [(r["practices"], r[key]["wall_s"] / 60) for r in rows if r.get(key, {}).get("ok")]
        if pts:
            line = a.plot(*zip(*pts, strict=True), "o-", label=label)[0]
            est = [(r["practices"], r[key]["wall_s"] / 60) for r in rows if r.get(key, {}).get("estimated")]
            if est:
                a.plot(*zip(*est, strict=True), "o", mfc="white", color=line.get_color())
    a.axhline(10, color="grey", ls=":", label="goal at 10k: 10 min cold")
    a.set(title="hub build wall time", xlabel="practices", ylabel="minutes", xscale="log", yscale="log")
    a.legend(fontsize=8)
    a = ax[0][1]
    for key, label in (
        ("store", "Oxigraph store"),
        ("search", "search index"),
        ("site", "static site"),
        ("graph.nq", "graph.nq"),
    ):
        a.plot(n, [r["sizes"][key] for r in rows], "o-", label=label)
    a.set(title="artefact size on disk", xlabel="practices", ylabel="MB", xscale="log", yscale="log")
    a.legend(fontsize=8)
    a = ax[1][0]
    for mode in ("keyword", "semantic", "hybrid"):
        a.plot(n, [r["serve"]["search"][mode]["p50"] for r in rows], "o-", label=f"search {mode} p50")
    for name in list(SPARQL_QUERIES)[:3]:
        a.plot(n, [r["serve"]["sparql"][name] for r in rows], "s--", label=f"SPARQL {name}")
    lin = [n[0] and rows[0]["serve"]["search"]["hybrid"]["p50"] * x / n[0] for x in n]
    a.plot(n, lin, color="grey", ls=":", label="linear growth from the first hybrid point")
    a.set(title="latency, one client", xlabel="practices", ylabel="ms", xscale="log", yscale="log")
    a.legend(fontsize=7)
    a = ax[1][1]
    a.plot(
        n,
        [r["cold"].get("peak_rss_mb", 0) if r.get("cold", {}).get("ok") else float("nan") for r in rows],
        "o-",
        label="build peak (cold)",
    )
    a.plot(n, [r["serve"]["rss_mb_app"] for r in rows], "o-", label="serving: app process")
    a.plot(n, [r["serve"]["rss_mb_with_workers"] for r in rows], "o-", label="serving: app + 2 SPARQL workers")
    a.axhline(600, color="grey", ls=":", label="goal at 10k: 600 MB serving")
    a.set(title="memory (RSS)", xlabel="practices", ylabel="MB", xscale="log")
    a.legend(fontsize=8)
    m = report["machine"]
    fig.suptitle(f"Practice hub at scale — synthetic corpora, {m['cores']} cores ({m['cpu']})", fontsize=11)
    fig.tight_layout()
    path.parent.mkdir(exist_ok=True)
    fig.savefig(path, dpi=110)


def english_only_cold(root: Path, sizes: list[int], max_s: float, cleanup: bool) -> None:
    """A cold build of each size with HUB_MULTILINGUAL=0, added to that size's row as ``cold_english_only``: the
    multilingual vectors cost a cold build most of its time, and a deployment that needs only English skips them."""
    report = json.loads(RESULTS.read_text())
    try:
        for n in sizes:
            row = next(r for r in report["sizes"] if r["practices"] == n)
            work = root / f"n{n}-english"
            shutil.rmtree(work, ignore_errors=True)
            write_corpus(n, work / "data")
            load = round(os.getloadavg()[0], 2)
            row["cold_english_only"] = {
                **timed_build(work / "data", work / "build", work / "cache", max_s, HUB_MULTILINGUAL="0"),
                "load_average_1m": load,
            }
            print(f"{n} practices, English only: {row['cold_english_only']}", file=sys.stderr)
            RESULTS.write_text(json.dumps(report, indent=2), encoding="utf-8")
            shutil.rmtree(work, ignore_errors=True)
    finally:
        if cleanup:
            shutil.rmtree(root, ignore_errors=True)


def markdown(report: dict[str, object]) -> str:
    lines = [
        "| practices | cities | triples | build cold | build cold, English only | build warm | build peak RSS | store "
        "| search index (embeddings) "
        "| site | "
        "search p50 keyword / semantic / hybrid | SPARQL facet counts / join / path | serving RSS app (+ workers) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in report["sizes"]:  # type: ignore[union-attr]
        cold, warm, s = r.get("cold", {}), r.get("warm", {}), r.get("sizes", {})
        fmt = lambda b: (  # noqa: E731
            f"{b['wall_s'] / 60:.1f} min" + (" (est.)" if b.get("estimated") else "")
            if b.get("ok")
            else ("not run" if not b else "did not finish")
        )
        sv = r.get("serve")
        lat = (
            " / ".join(f"{sv['search'][m]['p50']:.0f}" for m in ("keyword", "semantic", "hybrid")) + " ms"
            if sv
            else "–"
        )
        sq = " / ".join(f"{v:.0f}" for v in list(sv["sparql"].values())[:3]) + " ms" if sv else "–"
        mem = f"{sv['rss_mb_app']:.0f} ({sv['rss_mb_with_workers']:.0f}) MB" if sv else "–"
        peak = max(cold.get("peak_rss_mb", 0), warm.get("peak_rss_mb", 0))
        lines.append(
            f"| {r['practices']:,} | {r['cities']:,} | {(cold or warm).get('triples') or 0:,} | {fmt(cold)} | "
            f"{fmt(r.get('cold_english_only', {}))} | "
            f"{fmt(warm)} | "
            f"{peak:.0f} MB | {s.get('store', 0):.0f} MB | {s.get('search', 0):.0f} MB ({s.get('embeddings', 0):.0f}) "
            "| "
            f"{s.get('site', 0):.0f} MB | {lat} | {sq} | {mem} |"
        )
    return "\n".join(lines)


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 50_000])
    ap.add_argument("--max-build-s", type=float, default=3600, help="stop a build after this many seconds")
    ap.add_argument(
        "--real-cold-max",
        type=int,
        default=10_000,
        help="above this size the cold build hashes texts instead of embedding "
        "them and its time is estimated with the measured encoder rate",
    )
    ap.add_argument("--one-build", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--searches", type=int, default=40, help="search requests per mode and size")
    ap.add_argument("--sparql-runs", type=int, default=5)
    ap.add_argument(
        "--root", type=Path, default=None, help="work folder (default: a temporary one, removed afterwards)"
    )
    ap.add_argument("--plot-only", action="store_true")
    ap.add_argument(
        "--english-only-cold",
        action="store_true",
        help="add to each size already in the results a cold build with HUB_MULTILINGUAL=0 (the English-only path)",
    )
    ap.add_argument("--keep", action="store_true", help="keep the other sizes already in bench/results/scale.json")
    args = ap.parse_args()
    if args.one_build:
        _hashed_build()
        return
    if args.plot_only:
        report = json.loads(RESULTS.read_text())
        plot(report)
        print(markdown(report))
        return
    root = args.root or Path(tempfile.mkdtemp(prefix="bench-scale-"))
    if args.english_only_cold:
        english_only_cold(root, args.sizes, args.max_build_s, cleanup=args.root is None)
        return
    rate = encoder_rate()
    ml_rate = multilingual_rate() if settings().multilingual else 0.0
    print(f"encoder: {rate} texts/s, multilingual: {ml_rate} passages/s", file=sys.stderr)
    kept = (
        [r for r in json.loads(RESULTS.read_text())["sizes"] if r["practices"] not in args.sizes]
        if args.keep and RESULTS.exists()
        else []
    )
    report: dict[str, object] = {
        **stamp(),
        "encoder_texts_per_s": rate,
        "multilingual_passages_per_s": ml_rate,  # 0: built with HUB_MULTILINGUAL=0
        "sizes": kept,
        "note": "synthetic corpora from bench/synth.py written as Markdown; builds are `hub build` processes; "
        "latencies from one client over loopback to `hub serve --workers 1`",
    }
    try:
        for n in args.sizes:
            work = root / f"n{n}"
            shutil.rmtree(work, ignore_errors=True)
            counts = write_corpus(n, work / "data")
            row: dict[str, object] = {**counts, "load_average_1m": round(os.getloadavg()[0], 2)}
            print(f"{n} practices, {counts['cities']} cities:", file=sys.stderr)
            hashed = n > args.real_cold_max
            row["cold"] = cold = timed_build(
                work / "data", work / "build", work / "cache", args.max_build_s, hashed_encoder=hashed
            )
            if hashed and cold["ok"]:
                cold["estimated"] = True
                cold["wall_without_encoding_s"] = cold["wall_s"]
                ml_s = cold["hashed_multilingual_texts"] / ml_rate if ml_rate else 0.0  # type: ignore[operator]
                cold["wall_s"] = round(cold["wall_s"] + cold["hashed_texts"] / rate + ml_s, 1)  # type: ignore[operator]
            print(f"  cold build {row['cold']}", file=sys.stderr)
            row["warm"] = timed_build(work / "data", work / "build", work / "cache", args.max_build_s)
            print(f"  warm build {row['warm']}", file=sys.stderr)
            if row["warm"]["ok"]:  # type: ignore[index]
                row["sizes"] = sizes_of(work / "build")
                row["serve"] = serve_latency(work / "build", args.searches, args.sparql_runs)
                print(f"  sizes {row['sizes']}\n  serve {row['serve']}", file=sys.stderr)
            report["sizes"] = sorted(
                [r for r in report["sizes"] if r["practices"] != n] + [row], key=lambda r: r["practices"]
            )  # type: ignore[union-attr]
            RESULTS.parent.mkdir(exist_ok=True)
            RESULTS.write_text(json.dumps(report, indent=2), encoding="utf-8")
            shutil.rmtree(work, ignore_errors=True)  # data, build, .builds and cache of this size
    finally:
        if args.root is None:
            shutil.rmtree(root, ignore_errors=True)
    plot(report)
    print(markdown(report))
    m = report["machine"]
    print(f"\n{m['cores']} cores, {m['cpu']} · {RESULTS} · {PLOT}")


if __name__ == "__main__":
    main()

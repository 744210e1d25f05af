"""One build of the hub: validate → RDF → SHACL → store → (indexes, peers, site) → atomic swap.

Everything is written into a fresh directory under ``.builds/``; only when every
stage has succeeded does the ``build`` symlink switch to it, with one atomic
``rename``. A failed or interrupted build therefore never touches the build that
is being served.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from hub import __version__, store
from hub.config import ONTOLOGY_DIR, Settings
from hub.ingest.validate import Corpus, Problem, load_corpus

KEEP_BUILDS = 2


class BuildError(RuntimeError):
    """The build stopped; ``problems`` holds curator-facing errors when validation failed."""

    def __init__(self, message: str, problems: list[Problem] | None = None):
        super().__init__(message)
        self.problems = problems or []


@dataclass
class BuildContext:
    settings: Settings
    corpus: Corpus
    out: Path  # the new build directory being written
    previous: Path | None  # the build being replaced, for caches
    timings: dict[str, float] = field(default_factory=dict)
    stats: dict[str, object] = field(default_factory=dict)
    catalog: list[dict] = field(default_factory=list)  # build/records.json, set by the catalog stage
    graph: Any = None  # every triple as one rdflib Graph, set by the graph stage for SHACL
    preview: bool = False  # a live-preview rebuild (`hub serve --watch`): cheap shortcuts allowed, see build()
    pending: list[Any] = field(default_factory=list)  # hub.background jobs still running; the swap waits for them


Stage = Callable[[BuildContext], None]
Reporter = Callable[[str], None]


def write_graph(ctx: BuildContext) -> None:
    """graph.nq (one named graph per record), graph.ttl and graph.jsonld (all triples merged), and the store."""
    from hub.ingest.to_rdf import PREFIXES, record_graphs, static_graphs, union_graph

    graphs = record_graphs(ctx.corpus)
    nq = ctx.out / "graph.nq"
    with nq.open("wb") as f:
        for rg in graphs:
            f.write(rg.nquads)
        f.write(static_graphs().nquads)
    ctx.graph = union_graph(graphs)
    store.create(ctx.out / "store", nq)
    st = store.open_local(ctx.out / "store")
    prefixes = {k: str(v) for k, v in PREFIXES.items()}
    triples = sorted({q.triple for q in st}, key=str)  # by N-Triples text: stable, and each subject's triples stay together
    (ctx.out / "graph.ttl").write_bytes(ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes))
    (ctx.out / "graph.jsonld").write_bytes(ox.serialize(triples, format=ox.RdfFormat.JSON_LD, prefixes=prefixes))
    c = store.counts(st)
    ctx.stats.update(practices=c.practices, cities=c.cities, resources=c.resources, spotlights=c.spotlights, quads=c.triples, triples=len(triples))
    del st


def write_catalog(ctx: BuildContext) -> None:
    """build/records.json: the flattened records every other stage and the servers read."""
    from hub.ingest.catalog import build_catalog

    ctx.catalog = build_catalog(ctx.corpus)
    (ctx.out / "records.json").write_text(json.dumps(ctx.catalog, ensure_ascii=False), encoding="utf-8")


def write_schemas(ctx: BuildContext) -> None:
    """build/schema/<kind>.schema.json: the front-matter JSON Schemas, for editors and other tools."""
    from hub.config import KIND_FOLDERS
    from hub.ingest.schema import front_matter_schema

    folder = ctx.out / "schema"
    folder.mkdir()
    for kind in KIND_FOLDERS:
        (folder / f"{kind}.schema.json").write_text(json.dumps(front_matter_schema(kind), indent=2, ensure_ascii=False), encoding="utf-8")


def check_shapes(ctx: BuildContext) -> None:
    """SHACL: the graph itself must satisfy hub/ontology/shapes.ttl, whatever the validator let through."""
    from pyshacl import validate as shacl_validate

    conforms, _, text = shacl_validate(ctx.graph, shacl_graph=_shapes(), inference="none", advanced=False)
    if not conforms:
        raise BuildError(f"the graph does not conform to hub/ontology/shapes.ttl:\n{text}")


@cache
def _shapes():
    from rdflib import Graph

    return Graph().parse(ONTOLOGY_DIR / "shapes.ttl", format="turtle")


def write_site(ctx: BuildContext) -> None:
    """build/site: the static site and its search records; a broken template stops the build with template:line."""
    from hub.site import SiteError, build_site

    try:
        ctx.stats["site"] = build_site(ctx.catalog, ctx.out, ctx.settings, ctx.previous, preview=ctx.preview)
    except SiteError as exc:
        raise BuildError(f"the site could not be built: {exc}") from None


def default_stages() -> list[tuple[str, Stage]]:
    from hub.exports import write_exports
    from hub.peers import write_peers
    from hub.search.indexer import write_search

    return [("graph", write_graph), ("shapes", check_shapes), ("catalog", write_catalog), ("schema", write_schemas), ("exports", write_exports), ("search", write_search), ("peers", write_peers), ("site", write_site)]


def current_build(settings: Settings) -> Path | None:
    link = settings.build_dir
    return link.resolve() if link.exists() else None


def _swap(settings: Settings, new: Path, background_prune: bool = False) -> None:
    """Point the build symlink at ``new`` atomically, then prune old builds."""
    link = settings.build_dir
    if link.exists() and not link.is_symlink():  # a plain directory from elsewhere: keep it as a past build
        shutil.move(str(link), str(settings.builds_dir / f"legacy-{int(time.time())}"))
    tmp_link = link.with_name(f".{link.name}.swap-{os.getpid()}")
    tmp_link.unlink(missing_ok=True)
    tmp_link.symlink_to(os.path.relpath(new, link.parent))
    os.replace(tmp_link, link)
    if background_prune:
        threading.Thread(target=_prune, args=(settings, new), daemon=True).start()
    else:
        _prune(settings, new)


def _prune(settings: Settings, keep: Path) -> None:
    builds = sorted(p for p in settings.builds_dir.iterdir() if p.is_dir() and not p.name.startswith("tmp-"))
    for old in builds[:-KEEP_BUILDS]:
        if old != keep:
            shutil.rmtree(old, ignore_errors=True)


def _write_status(settings: Settings, ok: bool, message: str, problems: list[Problem], built: str | None) -> None:
    """What the last build attempt did, for the preview banner of `hub serve --watch`."""
    status = {"ok": ok, "message": message, "built": built, "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "problems": [{"path": p.path, "line": p.line, "severity": p.severity, "message": p.message} for p in problems]}
    path = settings.status_file
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(status, indent=2), encoding="utf-8")
    os.replace(tmp, path)


def build(settings: Settings, stages: list[tuple[str, Stage]] | None = None, report: Reporter = lambda _: None,
          preview: bool = False, swap: bool = True) -> BuildContext:
    """Run every stage into a new directory and swap it in; raise BuildError and leave the last build otherwise.

    ``preview`` is for `hub serve --watch`: the same validation and stages, but unchanged pages
    are hard-linked from the previous build and old builds are pruned in the background, so a
    save shows up in seconds. `hub build` never takes these shortcuts. With ``swap=False`` the
    build is thrown away once made (the watcher's warm-up: it fills the per-process caches).
    """
    if not swap:
        return _build(settings, stages, report, preview, swap=False)
    try:
        ctx = _build(settings, stages, report, preview)
    except BuildError as exc:
        _write_status(settings, False, str(exc), exc.problems, None)
        raise
    except Exception as exc:
        _write_status(settings, False, f"build failed: {exc}", [], None)
        raise
    _write_status(settings, True, "built", [p for p in ctx.corpus.problems if p.severity == "warning"], ctx.out.name)
    return ctx


def watch(settings: Settings, report: Reporter, stop: threading.Event | None = None, initial: bool = False,
          fresh: bool = False) -> None:
    """Rebuild whenever a file under data/ changes; a failed build reports and keeps the last good one.

    Meant to run in its own process (`hub build --watch`, which `hub serve --watch` starts):
    the model, parsed vocabularies, shapes and JSON-LD documents stay loaded between saves,
    and preview builds reuse what did not change (see :func:`build`).

    It first builds the files as they are now (``initial``: a full build; otherwise a preview
    one), since they may have changed while no preview ran: a record created before the start
    must show, and the status a past session left (errors of a file since fixed or deleted)
    must not. ``fresh`` says the caller has just built these very files, so only the caches are filled.
    """
    from watchfiles import watch as watch_files

    from hub.search.encoder import encode

    # load the model now, not on the first edit: the first save should be as quick as the tenth
    threading.Thread(target=encode, args=(["warm up"],), daemon=True).start()
    if fresh:  # fill the caches of unchanged records (graphs, JSON-LD, templates) before the first save, not during it
        threading.Thread(target=_warm_up, args=(settings,), daemon=True).start()
    else:
        _write_status(settings, True, "building the current files", [], None)  # no banner from a past session meanwhile
        # in a thread, so that files saved meanwhile are seen by the watch below and the watcher still stops
        # as soon as its server goes; _rebuild's lock keeps one build at a time in this process
        threading.Thread(target=_rebuild, args=(settings, report, not initial), daemon=True).start()
    try:
        for changes in watch_files(settings.data_dir, stop_event=stop, debounce=100, step=50):
            changed = sorted({Path(p).name for _, p in changes})
            report(f"changed: {', '.join(changed[:5])}{' …' if len(changed) > 5 else ''}")
            _rebuild(settings, report, preview=True)
    except KeyboardInterrupt:
        pass


def _warm_up(settings: Settings) -> None:
    try:
        build(settings, preview=True, swap=False)
    except Exception:  # the first save reports whatever is wrong
        pass


_REBUILDING = threading.Lock()  # the watcher's first build runs in a thread; saves wait for it, then build again


def _rebuild(settings: Settings, report: Reporter, preview: bool) -> None:
    with _REBUILDING:
        _rebuild_now(settings, report, preview)


def _rebuild_now(settings: Settings, report: Reporter, preview: bool) -> None:
    try:
        ctx = build(settings, report=lambda _m: None, preview=preview)
        slowest = sorted(((v, k) for k, v in ctx.timings.items() if k != "total"), reverse=True)[:3]
        report(f"rebuilt in {ctx.timings['total']:.2f}s ({', '.join(f'{k} {v:.2f}s' for v, k in slowest)})")
    except BuildError as exc:
        report(f"build failed, still serving the last good build: {exc}")
        for p in exc.problems:
            if p.severity == "error":
                report(f"  {p}")
    except Exception as exc:  # a crashing stage must not stop the watcher
        report(f"build crashed, still serving the last good build: {exc!r}")


def _build(settings: Settings, stages: list[tuple[str, Stage]] | None, report: Reporter, preview: bool = False,
           swap: bool = True) -> BuildContext:
    t0 = time.perf_counter()
    corpus = load_corpus(settings.data_dir)
    if corpus.errors:
        raise BuildError(f"{corpus.errors_in_words()}; nothing was built", corpus.problems)
    report(f"validated {sum(len(r) for r in corpus.records.values())} records")
    builds = settings.builds_dir
    builds.mkdir(parents=True, exist_ok=True)
    with open(builds / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one build at a time; a second waits rather than racing the swap
        for stale in builds.glob("tmp-*"):  # left by a killed build
            shutil.rmtree(stale, ignore_errors=True)
        return _run(settings, corpus, builds, stages or default_stages(), report, t0, preview, swap)


def _run(settings: Settings, corpus: Corpus, builds: Path, stages: list[tuple[str, Stage]], report: Reporter, t0: float,
         preview: bool, swap: bool = True) -> BuildContext:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    work = builds / f"tmp-{stamp}"
    work.mkdir()
    ctx = BuildContext(settings, corpus, work, current_build(settings), preview=preview)
    ctx.timings["validate"] = time.perf_counter() - t0
    try:
        for name, stage in stages:
            t = time.perf_counter()
            stage(ctx)
            ctx.timings[name] = round(time.perf_counter() - t, 3)
            report(f"{name} done in {ctx.timings[name]:.2f}s")
        _wait_for_jobs(ctx)
        ctx.timings["total"] = round(time.perf_counter() - t0, 3)
        if not swap:
            shutil.rmtree(work, ignore_errors=True)
            return ctx
        manifest = {"version": __version__, "built": stamp, "timings": ctx.timings, "stats": ctx.stats,
                    "warnings": [str(p) for p in corpus.problems if p.severity == "warning"]}
        (work / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        final = builds / stamp
        os.rename(work, final)
        ctx.out = final
        _swap(settings, final, background_prune=preview)
    except BaseException:
        for job in ctx.pending:  # nothing may still be writing into the folder being removed
            job.stop()
        shutil.rmtree(work, ignore_errors=True)
        raise
    return ctx


def _wait_for_jobs(ctx: BuildContext) -> None:
    t = time.perf_counter()
    while ctx.pending:
        ctx.pending[0].wait()
        ctx.pending.pop(0)
    ctx.timings["background"] = round(time.perf_counter() - t, 3)  # waited at the end, beyond the stages' own time

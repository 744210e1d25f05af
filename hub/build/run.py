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
from datetime import UTC, datetime
from pathlib import Path

from hub import __version__
from hub.build.context import BuildContext, BuildError, Reporter, Stage
from hub.build.stages import (
    check_shapes,
    write_catalog,
    write_exports,
    write_graph,
    write_peers,
    write_schemas,
    write_search,
    write_site,
)
from hub.config import Settings
from hub.ingest.validate import Corpus, Problem, load_corpus

KEEP_BUILDS = 2


def default_stages() -> list[tuple[str, Stage]]:
    """The stages of a build, in order (docs/ARCHITECTURE.md: stage → artefact → reader)."""
    return [
        ("graph", write_graph),
        ("shapes", check_shapes),
        ("catalog", write_catalog),
        ("schema", write_schemas),
        ("exports", write_exports),
        ("search", write_search),
        ("peers", write_peers),
        ("site", write_site),
    ]


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


def write_status(settings: Settings, ok: bool, message: str, problems: list[Problem], built: str | None) -> None:
    """What the last build attempt did, for the preview banner of `hub serve --watch`."""
    status = {
        "ok": ok,
        "message": message,
        "built": built,
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "problems": [{"path": p.path, "line": p.line, "severity": p.severity, "message": p.message} for p in problems],
    }
    path = settings.status_file
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(status, indent=2), encoding="utf-8")
    os.replace(tmp, path)


def build(
    settings: Settings,
    stages: list[tuple[str, Stage]] | None = None,
    report: Reporter = lambda _: None,
    preview: bool = False,
    swap: bool = True,
) -> BuildContext:
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
        write_status(settings, False, str(exc), exc.problems, None)
        raise
    except Exception as exc:
        write_status(settings, False, f"build failed: {exc}", [], None)
        raise
    write_status(settings, True, "built", [p for p in ctx.corpus.problems if p.severity == "warning"], ctx.out.name)
    return ctx


def _build(
    settings: Settings,
    stages: list[tuple[str, Stage]] | None,
    report: Reporter,
    preview: bool = False,
    swap: bool = True,
) -> BuildContext:
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


def _run(
    settings: Settings,
    corpus: Corpus,
    builds: Path,
    stages: list[tuple[str, Stage]],
    report: Reporter,
    t0: float,
    preview: bool,
    swap: bool = True,
) -> BuildContext:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
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
        manifest = {
            "version": __version__,
            "built": stamp,
            "timings": ctx.timings,
            "stats": ctx.stats,
            "site_url": settings.site_url,  # what its links point at (scripts/stack.sh checks it)
            "warnings": [str(p) for p in corpus.problems if p.severity == "warning"],
        }
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

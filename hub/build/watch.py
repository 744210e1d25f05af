"""Live preview: rebuild on every save, in a process of its own that ends with the server that started it.

`hub serve --watch` starts `hub build --watch` as a child (:func:`start_watcher`): in the server's
process the rebuilds would share its GIL, and a save took 3-4x longer to show (bench/edit_to_visible.py).
The child runs :func:`watch` and stops when its parent goes (:func:`stop_with_parent`), however it went.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from hub.build.context import BuildError, Reporter
from hub.build.run import build, write_status
from hub.config import Settings

PARENT_ENV = "HUB_WATCH_PARENT"  # the server's pid, given to its watcher
FRESH_ENV = "HUB_WATCH_FRESH"  # "1": the server has just built these files, the watcher only fills its caches


def watch(
    settings: Settings,
    report: Reporter,
    stop: threading.Event | None = None,
    initial: bool = False,
    fresh: bool = False,
) -> None:
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
        write_status(settings, True, "building the current files", [], None)  # no banner from a past session meanwhile
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


def start_watcher() -> subprocess.Popen:
    """`hub build --watch` as a child of this server process, which it outlives by at most half a second."""
    return subprocess.Popen(
        [sys.executable, "-m", "hub.cli", "build", "--watch"], env={**os.environ, PARENT_ENV: str(os.getpid())}
    )


def stop_watcher(watcher: subprocess.Popen) -> None:
    """End the watcher started by :func:`start_watcher`: politely, then for good after ten seconds."""
    watcher.terminate()
    try:
        watcher.wait(10)
    except subprocess.TimeoutExpired:
        watcher.kill()


def stop_with_parent() -> threading.Event | None:
    """For `hub build --watch` started by `hub serve --watch`: an event set when that server goes, however it went.

    None when this process was not started by a server (a curator's own `hub build --watch`)."""
    parent = os.environ.get(PARENT_ENV)
    if not parent:
        return None
    stop = threading.Event()

    def check() -> None:
        while os.getppid() == int(parent):
            time.sleep(0.5)
        stop.set()

    threading.Thread(target=check, daemon=True).start()
    return stop


def watch_as_child(settings: Settings, report: Reporter) -> None:
    """`hub build --watch`: stop with the server that started it if any, and build first unless it just did."""
    stop = stop_with_parent()
    watch(settings, report, stop=stop, initial=stop is None, fresh=os.environ.get(FRESH_ENV) == "1")

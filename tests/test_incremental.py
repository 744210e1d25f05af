"""Preview builds (`hub build --watch`, started by `hub serve --watch`) reuse what a save did not change:
the result must be exactly what a full build makes, only sooner. And the work they hand to a second
process fails the build like any stage when it fails."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from hub import background
from hub.build import BuildError, build, current_build, default_stages
from hub.config import Settings
from hub.search.index import load as load_index

from helpers import free_port, hub_env, serve_watch, wait_for

PRACTICE = "practices/beta-sports-league.md"
OLD_TITLE = "Sports league keeping young people away from gangs"
NEW_TITLE = "Football league run with local coaches"


def pages(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*.html")}


def test_a_preview_build_renders_only_changed_pages_and_equals_a_full_build(mini: Settings) -> None:
    build(mini)
    f = mini.data_dir / PRACTICE
    f.write_text(f.read_text(encoding="utf-8").replace(OLD_TITLE, NEW_TITLE), encoding="utf-8")

    preview = build(mini, preview=True)
    site_stats = preview.stats["site"]
    assert 0 < site_stats["rendered"] < site_stats["pages"]  # some pages re-rendered, not all of them
    preview_pages = pages(preview.out / "site")
    preview_nq = sorted((preview.out / "graph.nq").read_text(encoding="utf-8").splitlines())
    hits = load_index(preview.out / "search").search(NEW_TITLE, mode="keyword")["results"]
    assert hits[0]["id"] == "beta-sports-league" and hits[0]["title"] == NEW_TITLE  # the keyword index was rebuilt

    full = build(mini)  # the reference: every page rendered from scratch
    assert full.stats["site"]["rendered"] == full.stats["site"]["pages"]
    full_pages = pages(full.out / "site")
    assert preview_pages.keys() == full_pages.keys()
    stale = [name for name in full_pages if preview_pages[name] != full_pages[name]]
    assert stale == []
    assert any(
        NEW_TITLE in body.decode() for name, body in preview_pages.items() if name.startswith("cities/")
    )  # pages that show it

    # the same statements (blank node labels aside) from cached record graphs as from fresh ones
    def without_blank_labels(lines: list[str]) -> list[str]:
        return sorted(" ".join("_:b" if part.startswith("_:") else part for part in line.split(" ")) for line in lines)

    full_nq = sorted((full.out / "graph.nq").read_text(encoding="utf-8").splitlines())
    assert without_blank_labels(preview_nq) == without_blank_labels(full_nq)


def test_a_template_edit_re_renders_every_page_in_a_preview_build(mini: Settings, tmp_path: Path) -> None:
    """Fingerprints cover the templates, not only each page's data: a changed base template reaches every page."""
    import dataclasses
    import shutil

    from hub.config import REPO_DIR

    shutil.copytree(REPO_DIR / "site", tmp_path / "theme")
    cfg = dataclasses.replace(mini, templates_dir=tmp_path / "theme")
    build(cfg)
    base = tmp_path / "theme" / "templates" / "base.html"
    base.write_text(
        base.read_text(encoding="utf-8").replace("</body>", "<!-- marker-4711 --></body>"), encoding="utf-8"
    )
    preview = build(cfg, preview=True)
    assert preview.stats["site"]["rendered"] == preview.stats["site"]["pages"]
    html = pages(preview.out / "site")
    assert html and all("marker-4711" in body.decode() for body in html.values())


def test_two_full_builds_of_the_same_data_give_identical_pages(mini: Settings) -> None:
    """JSON-LD blank nodes get new labels in every store; pages must not (or every page would look changed)."""
    first = pages(build(mini).out / "site")
    second = pages(build(mini).out / "site")
    assert first == second


def test_a_failing_background_job_raises_its_own_error() -> None:
    job = background.start("a job given bad input", json.loads, "{not json")
    with pytest.raises(RuntimeError, match=r"a job given bad input failed \(exit 1\).*JSONDecodeError"):
        job.wait()


def test_a_failing_background_job_fails_the_build_and_keeps_the_last_good_one(mini: Settings) -> None:
    build(mini)
    good = current_build(mini)

    def hand_off_bad_work(ctx) -> None:
        ctx.pending.append(background.start("the keyword index", json.loads, "{not json"))

    with pytest.raises(RuntimeError, match="the keyword index failed"):
        build(mini, stages=[*default_stages(), ("hand off", hand_off_bad_work)])
    assert current_build(mini) == good
    assert not list(mini.builds_dir.glob("tmp-*"))


def test_a_broken_edit_fails_a_preview_build_too(mini: Settings) -> None:
    build(mini)
    good = current_build(mini)
    f = mini.data_dir / PRACTICE
    f.write_text(f.read_text(encoding="utf-8").replace("themes: [sports]", "themes: [sprots]"), encoding="utf-8")
    with pytest.raises(BuildError):
        build(mini, preview=True)
    assert current_build(mini) == good


def _children(pid: int) -> list[tuple[int, str]]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                cmd = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                found.append((int(stat.parent.name), cmd))
        except (OSError, ValueError, IndexError):
            continue
    return found


def _gone(pid: int, timeout: float = 15) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        try:  # a zombie (exited, not yet reaped by its dead parent's reaper) counts as gone
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                return True
        except OSError:
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=["stopped", "killed"])
def test_serve_watch_rebuilds_in_its_own_process_which_ends_with_the_server(mini: Settings, how) -> None:
    cfg = mini
    build(cfg)
    port = free_port()
    env = hub_env(cfg)
    server = serve_watch(env, port)
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz")
        watchers = [pid for pid, cmd in _children(server.pid) if "build --watch" in cmd]
        assert len(watchers) == 1
    finally:
        server.send_signal(how)
        server.wait(30)
    assert _gone(watchers[0]), "the watcher outlived its server"


def test_serve_watch_builds_first_when_there_is_no_build(mini: Settings) -> None:
    """A curator following CONTRIBUTING.md runs `hub serve --watch` on a fresh clone: it builds, then serves."""
    import httpx

    assert current_build(mini) is None
    port = free_port()
    env = hub_env(mini)
    server = serve_watch(env, port)
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz")
        assert OLD_TITLE in httpx.get(f"http://127.0.0.1:{port}/practices/beta-sports-league/").text
    finally:
        server.terminate()
        server.wait(30)

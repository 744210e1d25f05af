"""The curator's path, following only CONTRIBUTING.md: start a record with `hub new`, fill it in, mistype a
theme, read `hub validate`'s path:line and "did you mean", fix it, and see the practice on the preview
(`hub serve --watch`) in the search page and on its city's page; a broken file shows a banner that goes when
the file is fixed or deleted, and a preview started later shows what was added and none of a past session's errors.

Everything is the real thing on a private copy of data/: the CLI as subprocesses, the server and its watcher
as processes, Chromium typing into the search box. The copy starts from the session's corpus build (and its
embedding cache), so only the preview's own builds run here.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from hub.config import REPO_DIR, Settings

from helpers import free_port, hub_env

CITY = "nansana"
SOURCE = "000_adf71575fd11bbfb.txt"
BEFORE_TITLE = "Street library run by retired teachers"
TITLE = "Night mediators on the market streets"
TEXT = (
    "Nansana trained a small team of residents as night mediators who walk the busy market streets on weekend "
    "evenings. They step in early when arguments between traders, taxi riders and young people start to turn "
    "into fights or into rumours about one group or another, and they call the police only when someone is in "
    "danger. The mediators were chosen by ward committees so that every part of the town is represented, and "
    "they meet the municipal safety officer each month to go over what they saw and which places need more "
    "lighting or a visit from social workers. Traders say the streets feel calmer, although no figures have "
    "been published yet. Another city could start the same way with a few volunteers, a short training on "
    "calming conflicts and a clear line to the municipality."
)


def hub(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """The real `hub` command, as the curator types it (no terminal: flags mode)."""
    return subprocess.run(
        [str(Path(sys.executable).parent / "hub"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )


def poll(predicate, timeout: float = 300.0, every: float = 0.3):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(every)
    raise AssertionError("condition not met in time")


def fill_in(path: Path, summary: str, themes_line: str) -> None:
    """What the curator does in an editor: replace every placeholder of `hub new` with real text."""
    from hub.ingest import scaffold

    text = path.read_text(encoding="utf-8")
    text = text.replace(scaffold.SUMMARY, summary)
    text = text.replace(f"notes: >-\n  {scaffold.NOTES}\n", "")
    text = text.replace("\n".join(scaffold.BODIES["practice"]), TEXT)
    text = "\n".join(themes_line if line.startswith("themes:") else line for line in text.split("\n"))
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def workspace(tmp_path: Path, corpus_settings: Settings) -> Iterator[tuple[Settings, dict[str, str]]]:
    """A private copy of data/ and of the corpus build, sharing the session's embedding cache."""
    shutil.copytree(REPO_DIR / "data", tmp_path / "data")
    built = corpus_settings.build_dir.resolve()
    shutil.copytree(built, tmp_path / ".builds" / built.name, symlinks=True)
    (tmp_path / "build").symlink_to(Path(".builds") / built.name)
    cfg = Settings(data_dir=tmp_path / "data", build_dir=tmp_path / "build", cache_dir=corpus_settings.cache_dir)
    env = hub_env(cfg, TRANSFORMERS_OFFLINE="1", HUB_RATE_LIMIT="0", COLUMNS="200")
    yield cfg, env


def serve_watch(env: dict[str, str], log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    hub_cmd = str(Path(sys.executable).parent / "hub")
    proc = subprocess.Popen(
        [hub_cmd, "serve", "--watch", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        assert proc.poll() is None, log.read_text()
        try:
            return httpx.get(base + "/healthz", timeout=5).status_code == 200
        except httpx.HTTPError:
            return False

    poll(up)
    return proc, base


def stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


def status(base: str) -> dict:
    return httpx.get(base + "/api/build", timeout=10).json()


def banner_text(page) -> str:
    return page.locator("#build-banner").inner_text() if page.locator("#build-banner").count() else ""


def test_curator_adds_a_practice_and_sees_it_in_the_preview(workspace, desk, tmp_path: Path) -> None:
    cfg, env = workspace
    served_before = cfg.build_dir.resolve().name

    # A past session ended on a broken draft that the curator has since deleted: its error must not haunt the preview.
    draft = cfg.data_dir / "practices" / "abandoned-draft.md"
    draft.write_text("---\nid: abandoned-draft\ntype: practice\ntitle: [unclosed\n---\nDraft.\n", encoding="utf-8")
    failed = hub(env, "build")
    assert failed.returncode == 1 and "data/practices/abandoned-draft.md:" in failed.stderr
    draft.unlink()

    # Before starting the preview, the curator adds a practice (following CONTRIBUTING.md: hub new, fill in, validate).
    made = hub(
        env,
        "new",
        "practice",
        "--title",
        BEFORE_TITLE,
        "--city",
        CITY,
        "--theme",
        "education",
        "--source",
        SOURCE,
        "--section",
        "Nansana Municipality (Uganda)",
    )
    assert made.returncode == 0, made.stderr
    before = cfg.data_dir / "practices" / "street-library-run-by-retired-teachers.md"
    fill_in(
        before, "Retired teachers in Nansana run a street library for children on market days.", "themes: [education]"
    )
    ok = hub(env, "validate", "--no-warnings")
    assert ok.returncode == 0, ok.stderr
    assert "no errors" in ok.stderr and "records valid" in ok.stderr

    proc, base = serve_watch(env, tmp_path / "serve.log")
    try:
        # the preview builds the files as they are: the earlier practice shows, the deleted draft's error does not
        desk.goto(base + "/")
        poll(lambda: (s := status(base))["serving"] != served_before and s["ok"] and s)
        assert "abandoned-draft" not in str(status(base))
        assert httpx.get(base + "/practices/street-library-run-by-retired-teachers/").status_code == 200
        desk.wait_for_function("() => !document.getElementById('build-banner')")
        desk.goto(f"{base}/cities/{CITY}/")
        assert BEFORE_TITLE in desk.locator("main").inner_text()
        assert banner_text(desk) == ""

        # hub new with a misspelt term in flags mode refuses, says what was meant, and writes nothing
        refused = hub(
            env,
            "new",
            "practice",
            "--title",
            TITLE,
            "--city",
            CITY,
            "--theme",
            "educaton",
            "--source",
            SOURCE,
            "--section",
            "Nansana Municipality (Uganda)",
        )
        assert refused.returncode != 0
        assert "--theme 'educaton' is not a themes term: did you mean 'education'" in refused.stderr
        assert "[" not in refused.stderr
        path = cfg.data_dir / "practices" / "night-mediators-on-the-market-streets.md"
        assert not path.exists()

        made = hub(
            env,
            "new",
            "practice",
            "--title",
            TITLE,
            "--city",
            CITY,
            "--theme",
            "public safety",
            "--source",
            SOURCE,
            "--section",
            "Nansana Municipality (Uganda)",
        )
        assert made.returncode == 0, made.stderr
        assert path.is_file()
        rel = "data/practices/night-mediators-on-the-market-streets.md"

        # the untouched placeholders are refused: the open page shows where, and the site keeps the last good build
        banner_says = "text => (document.getElementById('build-banner') || {}).textContent?.includes(text)"
        desk.wait_for_function(banner_says, arg=rel, timeout=120_000)
        assert "placeholder" in banner_text(desk)
        assert httpx.get(base + "/practices/night-mediators-on-the-market-streets/").status_code == 404

        # the curator fills it in, but mistypes a theme
        fill_in(
            path,
            "Residents trained as night mediators calm quarrels on Nansana's market streets.",
            "themes: [public safety, comunity engagement]",
        )
        checked = hub(env, "validate")
        assert checked.returncode == 1
        line = next(i for i, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if "comunity" in text)
        assert (
            f"{rel}:{line}: error: unknown themes term 'comunity engagement' — did you mean 'community engagement'"
        ) in checked.stderr
        assert "1 error in 1 file" in checked.stderr and "placeholder" not in checked.stderr
        desk.wait_for_function(banner_says, arg="comunity", timeout=120_000)
        assert f"{rel}:{line}: unknown themes term 'comunity engagement'" in banner_text(desk)
        assert "1 error in 1 file" in banner_text(desk)

        # the fix: the page reloads by itself onto the new build and the banner goes
        path.write_text(
            path.read_text(encoding="utf-8").replace("comunity engagement", "community engagement"), encoding="utf-8"
        )
        assert hub(env, "validate").returncode == 0
        desk.wait_for_function("() => !document.getElementById('build-banner')", timeout=300_000)
        poll(lambda: httpx.get(base + "/practices/night-mediators-on-the-market-streets/").status_code == 200)

        # search: the curator types the title into the search box
        desk.goto(base + "/search/")
        desk.fill("#q", TITLE)
        desk.press("#q", "Enter")
        desk.wait_for_function("() => /result/.test(document.getElementById('status').textContent)")
        first = desk.locator("#results li").first
        assert TITLE in first.inner_text()
        # and on the city's page
        desk.goto(f"{base}/cities/{CITY}/")
        assert TITLE in desk.locator("main").inner_text()
        desk.get_by_role("link", name=TITLE).first.click()
        desk.wait_for_url(f"{base}/practices/night-mediators-on-the-market-streets/")

        # a broken file shows the banner; deleting it makes the banner go
        stray = cfg.data_dir / "practices" / "stray-copy.md"
        stray.write_text("---\nid: stray-copy\ntype: practice\n---\nCopied by mistake.\n", encoding="utf-8")
        desk.wait_for_function(banner_says, arg="stray-copy", timeout=120_000)
        stray.unlink()
        desk.wait_for_function("() => !document.getElementById('build-banner')", timeout=300_000)
        final = poll(lambda: (s := status(base))["ok"] and s)
        assert [p for p in final["problems"] if p["severity"] == "error"] == []
    finally:
        stop(proc)

"""The Pagefind index: full-text search with filters that works from plain files, without any server.

The ``pagefind`` binary comes from npm (``package.json`` pins it; ``scripts/setup.sh``
runs ``npm ci``), never from a download at build time. Indexing costs a few seconds,
so when every page of the new site is byte-identical to the previous build's, the
previous index is hard-linked instead.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

from hub.config import REPO_DIR

BINARY = REPO_DIR / "node_modules" / ".bin" / "pagefind"
OUTPUT = "pagefind"
DIGEST_FILE = "hub-input.sha256"  # inside the index folder: what it was built from


class PagefindError(RuntimeError):
    """The pagefind binary ran and failed."""


def _digest(site: Path) -> str:
    h = hashlib.sha256()
    package = REPO_DIR / "node_modules" / "pagefind" / "package.json"  # a new pagefind version re-indexes
    h.update(package.read_bytes() if package.exists() else b"-")
    for page in sorted(site.rglob("*.html")):
        if OUTPUT not in page.relative_to(site).parts:
            h.update(page.relative_to(site).as_posix().encode())
            h.update(page.read_bytes())
    return h.hexdigest()


def index(site: Path, previous_site: Path | None = None, stale_ok: bool = False) -> str:
    """Write ``site/pagefind/``; returns "built", "reused" or "skipped: <why>".

    ``stale_ok`` (live preview under `hub serve --watch`, where search goes through the API)
    keeps the previous index even when pages changed: re-indexing would add seconds to every save.
    """
    prev = previous_site / OUTPUT if previous_site else None
    built_from = (prev / DIGEST_FILE).read_text() if prev and (prev / DIGEST_FILE).is_file() else None
    if prev and built_from is not None and stale_ok:  # its digest file still says what it was built from
        _link_copy(prev, site / OUTPUT)
        return "reused (preview)"
    digest = _digest(site)
    if prev and built_from == digest:
        _link_copy(prev, site / OUTPUT)
        return "reused"
    if not BINARY.exists():
        return f"skipped: {BINARY} not found (run `npm ci` or ./scripts/setup.sh); search falls back to the API only"
    proc = subprocess.run([str(BINARY), "--site", str(site), "--output-subdir", OUTPUT, "--silent"], capture_output=True, text=True)
    if proc.returncode != 0:
        raise PagefindError(f"pagefind failed ({proc.returncode}): {(proc.stderr or proc.stdout).strip()[-2000:]}")
    (site / OUTPUT / DIGEST_FILE).write_text(digest)
    return "built"


def _link_copy(source: Path, target: Path) -> None:
    """The previous build's index, hard-linked: builds never rewrite a file in place, so sharing one is safe."""
    shutil.copytree(source, target, copy_function=os.link)

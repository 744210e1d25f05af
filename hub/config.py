"""Every path and setting of the hub in one place, so tests and servers can redirect them.

Settings come from environment variables prefixed ``HUB_``; nothing else reads the
environment.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
ONTOLOGY_DIR = PACKAGE_DIR / "ontology"
VOCAB_DIR = ONTOLOGY_DIR / "vocab"
REPO_DIR = PACKAGE_DIR.parent

BASE_IRI = "https://w3id.org/cityhub/"
RECORD_KINDS = ("practice", "city", "resource", "spotlight")
# data/<folder>/ for each record kind
KIND_FOLDERS = {"practice": "practices", "city": "cities", "resource": "resources", "spotlight": "spotlights"}


def _env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).absolute() if value else default


@dataclass(frozen=True)
class Settings:
    """Resolved settings; build one with :func:`settings` so env vars are read once per call site."""

    data_dir: Path = field(default_factory=lambda: _env_path("HUB_DATA", REPO_DIR / "data"))
    build_dir: Path = field(default_factory=lambda: _env_path("HUB_BUILD", REPO_DIR / "build"))
    templates_dir: Path = field(default_factory=lambda: _env_path("HUB_TEMPLATES", REPO_DIR / "site"))
    cache_dir: Path = field(default_factory=lambda: _env_path("HUB_CACHE", REPO_DIR / ".cache"))
    # "" means the embedded Oxigraph store in build/store; an http(s) URL means a remote SPARQL endpoint.
    store_url: str = field(default_factory=lambda: os.environ.get("HUB_STORE", ""))
    sparql_timeout_s: float = field(default_factory=lambda: float(os.environ.get("HUB_SPARQL_TIMEOUT", "10")))
    sparql_max_rows: int = field(default_factory=lambda: int(os.environ.get("HUB_SPARQL_MAX_ROWS", "10000")))
    sparql_max_query_chars: int = field(default_factory=lambda: int(os.environ.get("HUB_SPARQL_MAX_QUERY", "20000")))
    # Query worker processes per server process: one runaway query occupies one until it is killed.
    sparql_workers: int = field(default_factory=lambda: int(os.environ.get("HUB_SPARQL_WORKERS", "2")))
    # Query workers hold the graph in memory (3-4x faster than the on-disk store) when graph.nq is at most this big.
    sparql_memory_mb: int = field(default_factory=lambda: int(os.environ.get("HUB_SPARQL_MEMORY_MB", "64")))
    # The malloc the query workers run with: "auto" = mimalloc when the system has it (Debian's libmimalloc2.0; queries
    # up to
    # a quarter faster than with glibc's malloc, bench/sparql.py), "system" = glibc's, else a library path or soname to
    # preload.
    sparql_allocator: str = field(default_factory=lambda: os.environ.get("HUB_SPARQL_ALLOCATOR", "auto"))
    # Where the static site is published: canonical links and sitemap.xml need absolute URLs.
    site_url: str = field(default_factory=lambda: os.environ.get("HUB_SITE_URL", "http://127.0.0.1:8000").rstrip("/"))
    # Request limits of hub.api.guard: bigger bodies get 413, longer URLs 414, more or bigger headers 431.
    max_body_bytes: int = field(default_factory=lambda: int(os.environ.get("HUB_MAX_BODY", str(256 * 1024))))
    max_url_bytes: int = field(default_factory=lambda: int(os.environ.get("HUB_MAX_URL", "8192")))
    max_headers: int = field(default_factory=lambda: int(os.environ.get("HUB_MAX_HEADERS", "100")))
    max_header_bytes: int = field(default_factory=lambda: int(os.environ.get("HUB_MAX_HEADER_BYTES", str(16 * 1024))))
    # Per-client token bucket on /sparql and /api/search: sustained requests per minute (0 = off) and burst size.
    rate_per_minute: float = field(default_factory=lambda: float(os.environ.get("HUB_RATE_LIMIT", "120")))
    rate_burst: int = field(default_factory=lambda: int(os.environ.get("HUB_RATE_BURST", "30")))
    # Build the multilingual vectors that answer queries in other languages (hub.search.multilingual); "0" skips them
    # (a build ~1 s per 8 records quicker when cold) and such queries fall back to keyword + the English model.
    multilingual: bool = field(default_factory=lambda: os.environ.get("HUB_MULTILINGUAL", "1") not in ("0", ""))

    @property
    def store_dir(self) -> Path:
        return self.build_dir / "store"

    @property
    def search_dir(self) -> Path:
        return self.build_dir / "search"

    @property
    def site_dir(self) -> Path:
        return self.build_dir / "site"

    @property
    def builds_dir(self) -> Path:
        """Where every build is written; ``build`` is a symlink to the current one."""
        return self.build_dir.parent / ".builds"

    @property
    def status_file(self) -> Path:
        """The outcome of the last build attempt (read by the preview banner)."""
        return self.builds_dir / "status.json"


def settings() -> Settings:
    return Settings()


def record_iri(kind: str, record_id: str) -> str:
    """The stable IRI of a record: one place decides the URL scheme of the graph."""
    return f"{BASE_IRI}{KIND_FOLDERS[kind]}/{record_id}"


def graph_iri(kind: str, record_id: str) -> str:
    """The named graph that holds one record's triples (its provenance unit)."""
    return f"{BASE_IRI}graph/{KIND_FOLDERS[kind]}/{record_id}"

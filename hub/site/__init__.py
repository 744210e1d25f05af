"""The static site: HTML pages from the catalogue, JSON-LD from the graph, and the records the offline search ranks.

``build_site`` is what the build's ``site`` stage calls; everything it writes lands in
``build/site/``, which works from any static host and is mounted at ``/`` by ``hub serve``.
Modules: ``model`` (what pages show) · ``render`` (Jinja2, errors with template:line) ·
``linked`` (JSON-LD per record) · ``geo`` (map projection) · ``static_search`` (the offline search's records and
engine) ·
``builder`` (the pages, sitemap and assets).
"""

from __future__ import annotations

from typing import Any

__all__ = ["SiteError", "build_site"]


def __getattr__(name: str) -> Any:
    """``build_site`` and ``SiteError`` on first use: a server imports ``hub.site.geo`` (the SPARQL page's map)
    without the site's builder, which would bring the build's modules into the server process."""
    if name == "build_site":
        from hub.site.builder import build_site

        return build_site
    if name == "SiteError":
        from hub.site.render import SiteError

        return SiteError
    raise AttributeError(name)

"""The static site: HTML pages from the catalogue, JSON-LD from the graph, and the records the offline search ranks.

``build_site`` is what the build's ``site`` stage calls; everything it writes lands in
``build/site/``, which works from any static host and is mounted at ``/`` by ``hub serve``.
Modules: ``model`` (what pages show) · ``render`` (Jinja2, errors with template:line) ·
``linked`` (JSON-LD per record) · ``geo`` (map projection) · ``static_search`` (the offline search's records and engine) ·
``builder`` (the pages, sitemap and assets).
"""

from hub.site.builder import build_site
from hub.site.render import SiteError

__all__ = ["SiteError", "build_site"]

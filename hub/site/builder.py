"""Write build/site/: every page of the static site, its assets, sitemap.xml and the static search's records.

The builder only reads built artefacts — ``records.json`` (passed in as the catalogue),
``peers.json`` when the peers stage wrote one, and the graph store for JSON-LD — so
the site always shows what the API and SPARQL endpoint serve. Pages use clean URLs
(``/practices/<id>/`` is ``practices/<id>/index.html``), so any static host serves them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hub import __version__
from hub.config import KIND_FOLDERS, REPO_DIR, Settings
from hub.facets import FACETS
from hub.site import geo, static_search
from hub.site.linked import JsonLd
from hub.site.model import LISTINGS, SEARCH_FACETS, TYPE_LABELS, Entry, Listing, SiteModel, read_peers
from hub.site.render import SiteError, environment, render
from hub.sparql import examples as sparql_examples
from hub.store import PREFIXES, open_local

FINGERPRINTS = "site-pages.json"  # in the build, beside site/: each page's URL → the hash of what it was rendered from
TEMPLATES = {
    "practice": "practice.html",
    "city": "city.html",
    "resource": "resource.html",
    "spotlight": "spotlight.html",
}


@dataclass
class Page:
    url: str  # site path: "/practices/x/" or "/sitemap.xml"
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    sitemap: bool = True


def output_path(site: Path, url: str) -> Path:
    rel = url.strip("/")
    return site / rel / "index.html" if url.endswith("/") else site / rel


def crumbs(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"label": "Home", "url": "/"}] + [{"label": label, "url": url} for label, url in pairs]


def record_pages(m: SiteModel, jsonld: Any) -> Iterator[Page]:
    for e in m.catalog:
        kind, plural = e["type"], KIND_FOLDERS[e["type"]]
        ctx: dict[str, Any] = {
            "e": e,
            "title": e["title"],
            "description": e["summary"],
            "breadcrumbs": crumbs((TYPE_LABELS[kind][1], f"/{plural}/"), (e["title"], e["url"])),
            "alternates": [
                ("text/turtle", f"/api/{plural}/{e['id']}.ttl"),
                ("application/ld+json", f"/api/{plural}/{e['id']}.jsonld"),
            ],
            "api_url": f"/api/{plural}/{e['id']}",
            "jsonld": jsonld.document(kind, e["id"]) if jsonld else None,
            "spotlights": m.spotlights_of.get(e["id"], []),
            "resources": m.resources_of.get(e["id"], []),
        }
        if kind == "practice":
            ctx.update(
                related=m.refs("practice", e.get("related", [])),
                similar=m.similar(e),
                cities=[m.get("city", c["id"]) for c in e["cities"]],
                evidence=m.evidence(e),
            )
        elif kind == "city":
            ctx.update(
                practices=m.refs("practice", e.get("practices", [])),
                links=m.learning_links(e),
                peers=m.peers_of(e),
                peers_note=m.peers_note(e),
                peers_available=bool(m.peers),
                locator=geo.locator(e["coordinates"]) if e.get("coordinates") else None,
            )
        elif kind == "resource":
            ctx.update(
                about_practices=m.refs("practice", e.get("about_practices", [])),
                cited_by=[c for c in m.cited_by.get(e["id"], []) if c is not e],
            )
        elif kind == "spotlight":
            ctx.update(practices=m.refs("practice", e.get("practices", [])))
        yield Page(e["url"], TEMPLATES[kind], ctx)


def type_index_pages(m: SiteModel) -> Iterator[Page]:
    mapped, unmapped = geo.map_points(m.cities)
    by_region: dict[str, list[Entry]] = {}
    for c in m.cities:
        by_region.setdefault(c["region"] or "Other", []).append(c)
    groups = {
        "practice": [("", m.practices)],
        "city": sorted(by_region.items()),
        "resource": sorted(_group(m.resources, lambda r: r.get("resource_type") or "other").items()),
        "spotlight": sorted(_group(m.spotlights, lambda s: s.get("category") or "Other").items()),
    }
    for kind, plural in KIND_FOLDERS.items():
        label = TYPE_LABELS[kind][1]
        yield Page(
            f"/{plural}/",
            "list.html",
            {
                "title": label,
                "kind": kind,
                "groups": groups[kind],
                "count": len(m.by_kind[kind]),
                "description": f"All {len(m.by_kind[kind])} {label.lower()} in the practice hub.",
                "breadcrumbs": crumbs((label, f"/{plural}/")),
                "mapped": mapped if kind == "city" else [],
                "unmapped": unmapped if kind == "city" else [],
            },
        )


def _group(entries: list[Entry], key: Any) -> dict[str, list[Entry]]:
    out: dict[str, list[Entry]] = {}
    for e in entries:
        out.setdefault(key(e), []).append(e)
    return out


def listing_pages(m: SiteModel) -> Iterator[Page]:
    for lst in LISTINGS:
        scheme = m.schemes[lst.scheme]
        yield Page(
            f"/{lst.folder}/",
            "scheme.html",
            {
                "title": lst.title,
                "listing": lst,
                "tree": m.tree(lst),
                "definition": scheme.definition,
                "untagged": m.untagged(lst),
                "description": f"Browse practices by {lst.singular.lower()}: {scheme.definition}",
                "breadcrumbs": crumbs((lst.title, f"/{lst.folder}/")),
            },
        )
        counts = m.counts(lst)
        for concept in scheme.concepts.values():
            if m.tagged(lst, concept.id, tuple(KIND_FOLDERS)):  # a page for every term some record carries
                yield concept_page(m, lst, concept.id, counts)


def concept_page(m: SiteModel, lst: Listing, concept_id: str, counts: dict[str, int]) -> Page:
    scheme = m.schemes[lst.scheme]
    c = scheme.concepts[concept_id]
    term = m.term(lst.facet, concept_id)
    trail = [(m.term(lst.facet, a).label, m.term(lst.facet, a).url) for a in reversed(scheme.ancestors(concept_id))]
    practices = m.tagged(lst, concept_id)
    cities = m.tagged(lst, concept_id, ("city",))
    narrower = [
        {"term": m.term(lst.facet, k.id), "count": counts.get(k.id, 0)}
        for k in sorted(scheme.narrower(concept_id), key=lambda k: k.label)
    ]
    return Page(
        term.url,
        "concept.html",
        {
            "title": c.label,
            "listing": lst,
            "concept": c,
            "term": term,
            "practices": practices,
            "cities": cities,
            "spotlights": m.tagged(lst, concept_id, ("spotlight",)),
            "resources": m.tagged(lst, concept_id, ("resource",)),
            "narrower": [n for n in narrower if n["count"]],
            "untagged": len(m.untagged(lst)),
            "total": len(m.practices),
            "description": f"{len(practices)} practices on {c.label}" + (f": {c.definition}" if c.definition else "."),
            "breadcrumbs": crumbs((lst.title, f"/{lst.folder}/"), *trail, (c.label, term.url)),
        },
    )


def static_pages(m: SiteModel, settings: Settings) -> Iterator[Page]:
    mapped, unmapped = geo.map_points(m.cities)
    lists = {lst.facet: lst for lst in LISTINGS}
    countries = {c for e in m.catalog if e["type"] in ("practice", "city") for c in e["countries"]}
    yield Page(
        "/",
        "index.html",
        {
            "title": "Strong Cities practice hub",
            "breadcrumbs": [],
            "description": (
                "What cities do to prevent hate, extremism and polarisation: searchable city practices, peer cities, "
                "guides and impact stories."
            ),
            "stats": {
                "practices": len(m.by_kind["practice"]),
                "cities": len(m.by_kind["city"]),
                "countries": len(countries),
                "resources": len(m.by_kind["resource"]),
                "spotlights": len(m.by_kind["spotlight"]),
            },
            "themes": m.tree(lists["theme"]),
            "regions": m.tree(lists["region"]),
            "levels": m.tree(lists["level"]),
            "mapped": mapped,
            "unmapped": unmapped,
            "latest": m.spotlights[:3],
        },
    )
    titles = {"type": "Type"} | {f.name: f.label for f in FACETS}
    facets = [{"name": f, "title": titles[f], "options": m.facet_values(f)} for f in SEARCH_FACETS]
    # a practice without a prevention level (or not yet graded) drops out when a value is chosen: the filter says
    # how many do
    practices = m.by_kind["practice"].values()
    for name in ("level", "evidence"):
        facets[SEARCH_FACETS.index(name)] |= {
            "unstated": sum(not p["facets"].get(name) for p in practices),
            "of": len(practices),
        }
    yield Page(
        "/search/",
        "search.html",
        {
            "title": "Search",
            "breadcrumbs": crumbs(("Search", "/search/")),
            "facets": facets,
            "description": (
                "Search city practices, cities, resources and impact stories, and filter by theme, region, "
                "prevention level and stakeholder."
            ),
            "labels": {f["name"]: {v["id"]: v["label"] for v in f["options"]} for f in facets},
            "facet_names": SEARCH_FACETS,
        },
    )
    yield Page(
        "/peers/",
        "peers.html",
        {
            "title": "Find cities like yours",
            "breadcrumbs": crumbs(("Cities", "/cities/"), ("Find cities like yours", "/peers/")),
            "description": (
                "Describe your town in a few sentences and find the cities in the hub that faced the same, with the "
                "reasons and what they did."
            ),
            "countries": sorted((c.label for c in m.schemes["countries"].concepts.values()), key=str.lower),
            "regions": sorted((c.label for c in m.schemes["regions"].concepts.values()), key=str.lower),
            "terms": peer_terms(m),
        },
    )
    seeds = [r for r in m.resources if r.get("seed_file")]
    yield Page(
        "/about/",
        "about.html",
        {
            "title": "About the hub",
            "breadcrumbs": crumbs(("About", "/about/")),
            "seeds": seeds,
            "description": "Where the hub's records come from, their licence, how to cite them and how to contribute.",
            "built": dt.date.today().isoformat(),
            "site_url": settings.site_url,
        },
    )
    contributing = REPO_DIR / "CONTRIBUTING.md"
    if contributing.is_file():
        yield Page(
            "/contributing/",
            "contributing.html",
            {
                "title": "Contributing",
                "breadcrumbs": crumbs(("About", "/about/"), ("Contributing", "/contributing/")),
                "description": "How curators add or correct practices, cities, resources and impact stories.",
                "text": contributing.read_text(encoding="utf-8"),
            },
        )
    yield Page(
        "/linked-data/",
        "linked_data.html",
        {
            "title": "Linked data and SPARQL",
            "breadcrumbs": crumbs(("Linked data and SPARQL", "/linked-data/")),
            "description": (
                "The hub as a knowledge graph: SPARQL endpoint, example queries, bulk downloads and the API."
            ),
            "examples": sparql_examples.gallery(),
            "prefixes": list(PREFIXES),
        },
    )
    yield Page(
        "/404.html", "404.html", {"title": "Page not found", "breadcrumbs": [], "description": ""}, sitemap=False
    )


def peer_terms(m: SiteModel) -> dict[str, dict[str, str]]:
    """{field: {label: page URL}} for the terms a peer answer names as shared, keyed by the field names the API uses
    ("themes", "levels"…), so the peer finder links them as city pages do (model.term_by_label)."""
    out: dict[str, dict[str, str]] = {}
    for lst in LISTINGS:
        links = {
            t.label: t.url
            for cid in m.schemes[lst.scheme].concepts
            if m.tagged(lst, cid, tuple(KIND_FOLDERS))
            for t in [m.term(lst.facet, cid)]
        }
        out[lst.folder] = out[lst.facet + "s"] = links
    return out


def _asset_versions(static: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()[:10] for p in static.iterdir() if p.is_file()}


def _renderer_key(templates: Path, versions: dict[str, str], settings: Settings) -> str:
    """What every page depends on besides its own context: templates, assets, this package's site code, settings."""
    h = hashlib.blake2b(digest_size=16)
    code = sorted(Path(__file__).parent.glob("*.py"))
    for path in [*sorted(templates.rglob("*")), *code]:
        if path.is_file():
            h.update(str(path).encode() + b"\0" + path.read_bytes())
    h.update(json.dumps([versions, __version__, settings.site_url], sort_keys=True).encode())
    return h.hexdigest()


def _plain(value: Any) -> Any:
    """What json cannot write itself (dataclasses are already lists here, see _by_entry_digest); anything else is
    unhashable."""
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    raise TypeError(f"cannot fingerprint {type(value).__name__}")


def _digest(value: Any) -> str:
    blob = json.dumps(value, default=_plain, sort_keys=True, ensure_ascii=False)
    return hashlib.blake2b(blob.encode(), digest_size=16).hexdigest()


_SCALARS = (str, int, float, bool, type(None))


def _by_entry_digest(value: Any, digests: dict[int, str]) -> Any:
    """The context with each catalogue entry (the bulk of it, shared by many pages) replaced by that entry's digest."""
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, dict):
        d = digests.get(id(value))
        return d if d is not None else {k: _by_entry_digest(v, digests) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_by_entry_digest(v, digests) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [
            type(value).__name__,
            *(_by_entry_digest(getattr(value, f.name), digests) for f in dataclasses.fields(value)),
        ]
    return value


def fingerprint(page: Page, renderer: str, digests: dict[int, str] | None = None) -> str | None:
    """A hash of everything a page is rendered from, or None when its context holds something unhashable (always
    render).

    ``digests`` maps ``id(entry)`` of catalogue entries to their own digest, computed once per build.
    """
    try:
        return _digest([renderer, page.template, page.url, _by_entry_digest(page.context, digests or {})])
    except (TypeError, ValueError):
        return None


def _previous_pages(previous: Path | None) -> dict[str, str]:
    try:
        return json.loads((previous / FINGERPRINTS).read_text(encoding="utf-8")) if previous else {}
    except (OSError, ValueError):
        return {}


def _reuse(old: Path, new: Path) -> bool:
    """Hard-link an unchanged page from the previous build (builds never modify a file in place)."""
    try:
        os.link(old, new)
        return True
    except OSError:
        return False


def build_site(
    catalog: list[Entry], out: Path, settings: Settings, previous: Path | None = None, preview: bool = False
) -> dict[str, Any]:
    """Render every page into ``out/site``; returns stats for the build manifest. Raises SiteError with template:line.

    Every page's fingerprint (its template, context and the renderer's own inputs) is kept
    in ``site-pages.json``. A ``preview`` build (`hub build --watch`) re-renders only pages
    whose fingerprint changed and hard-links the rest from the previous build, so one
    edited practice re-renders the dozen pages that show it, not all five hundred.
    `hub build` always renders every page.
    """
    site = out / "site"
    if site.exists():
        shutil.rmtree(site)
    templates, static = settings.templates_dir / "templates", settings.templates_dir / "static"
    if not templates.is_dir():
        raise SiteError(
            f"no templates at {templates} (HUB_TEMPLATES points at the folder holding templates/ and static/)"
        )
    peers_file = out / "peers.json"
    peers = read_peers(json.loads(peers_file.read_text(encoding="utf-8"))) if peers_file.is_file() else {}
    m = SiteModel(catalog, peers)
    store_dir = out / "store"
    jsonld = JsonLd(open_local(store_dir)) if store_dir.is_dir() else None
    versions = _asset_versions(static)
    try:
        searchable = static_search.files(catalog)  # the search page names the hashed records file: only it re-renders
    except static_search.StaticSearchError as exc:
        raise SiteError(str(exc)) from None
    versions |= {n: hashlib.sha256(d).hexdigest()[:10] for n, d in searchable.items() if n in static_search.VENDOR}
    env = environment(
        templates,
        {
            "m": m,
            "site_url": settings.site_url,
            "version": __version__,
            "type_labels": TYPE_LABELS,
            "listings": LISTINGS,
            "map_viewbox": geo.VIEWBOX,
            "asset": lambda name: f"/static/{name}?v={versions[name]}",
        },
    )
    shutil.copytree(static, site / "static")
    static_search.write(site / "static", searchable)
    pages = [*static_pages(m, settings), *type_index_pages(m), *listing_pages(m), *record_pages(m, jsonld)]
    for page in pages:
        if page.template == "search.html":
            page.context["static_index"] = f"/static/{static_search.index_name(searchable)}"
    renderer = _renderer_key(templates, versions, settings)
    before = _previous_pages(previous) if preview else {}
    digests = {id(e): "entry:" + _digest(e) for e in catalog}
    prints: dict[str, str] = {}
    rendered = 0
    for page in pages:
        if page.url in prints:
            raise SiteError(f"two pages want the URL {page.url}")
        fp = prints[page.url] = fingerprint(page, renderer, digests) or ""
        path = output_path(site, page.url)
        path.parent.mkdir(parents=True, exist_ok=True)
        if fp and before.get(page.url) == fp and previous and _reuse(output_path(previous / "site", page.url), path):
            continue
        path.write_text(render(env, page.template, {"url": page.url, **page.context}), encoding="utf-8")
        rendered += 1
    (out / FINGERPRINTS).write_text(json.dumps(prints, sort_keys=True), encoding="utf-8")
    urls = [p.url for p in pages if p.sitemap]
    (site / "sitemap.xml").write_text(render(env, "sitemap.xml", {"urls": urls}), encoding="utf-8")
    (site / "robots.txt").write_text(
        f"User-agent: *\nAllow: /\nSitemap: {settings.site_url}/sitemap.xml\n", encoding="utf-8"
    )
    return {
        "pages": len(pages),
        "rendered": rendered,
        "search_index": static_search.index_name(searchable),
        "peers": len(peers),
    }

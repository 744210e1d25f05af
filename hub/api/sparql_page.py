"""The HTML page of ``/sparql``: the query form, the results as a person reads them, the example gallery.

The page is drawn with the site's own templates (``base.html``: header, footer, stylesheet,
icon) so the endpoint looks like the rest of the hub. Results are shaped here, on the server,
so they read the same without JavaScript: literals show their value with the language or
datatype as a quiet hint, the hub's IRIs link to their pages, a label + count table gets a bar
chart and rows with a latitude and longitude get the site's map (same projection and land
outline as the home page). ``/static/sparql.js`` only adds sorting and keeps empty fields
out of the query string.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2

from hub.config import BASE_IRI, KIND_FOLDERS, Settings
from hub.site import geo
from hub.sparql.examples import EXAMPLES, gallery
from hub.store import PREFIXES

XSD = "http://www.w3.org/2001/XMLSchema#"
NUMERIC = {
    XSD + t
    for t in (
        "integer",
        "decimal",
        "double",
        "float",
        "int",
        "long",
        "short",
        "byte",
        "nonNegativeInteger",
        "positiveInteger",
        "negativeInteger",
        "nonPositiveInteger",
        "unsignedInt",
        "unsignedLong",
    )
}
LATITUDE = ("lat", "latitude")
LONGITUDE = ("long", "lon", "lng", "longitude")
CHART_MAX_BARS = 60
DOWNLOADS = {False: ("csv", "json", "tsv"), True: ("turtle", "ntriples", "jsonld")}
EXTENSIONS = {
    "json": "json",
    "xml": "xml",
    "csv": "csv",
    "tsv": "tsv",
    "turtle": "ttl",
    "ntriples": "nt",
    "jsonld": "jsonld",
    "rdfxml": "rdf",
}  # file name endings of downloaded results
_LABELS = {"csv": "CSV", "json": "JSON", "tsv": "TSV", "turtle": "Turtle", "ntriples": "N-Triples", "jsonld": "JSON-LD"}
_environments: dict[Path, jinja2.Environment] = {}


@dataclass(frozen=True)
class Failure:
    code: str
    message: str


def local_page(iri: str) -> str | None:
    """The site page of a record IRI (https://w3id.org/cityhub/practices/x → /practices/x/)."""
    rest = iri[len(BASE_IRI) :] if iri.startswith(BASE_IRI) else ""
    folder, _, rid = rest.partition("/")
    return (
        f"/{folder}/{rid}/" if folder in KIND_FOLDERS.values() and rid and "/" not in rid and "#" not in rid else None
    )


def _number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def cell(binding: dict[str, Any] | None) -> dict[str, Any]:
    """One result value as shown: clean text, a quiet hint (language, datatype), a link, a sort key."""
    if binding is None:
        return {"text": "", "sort": ""}
    kind, value = binding["type"], binding["value"]
    if kind == "uri":
        href = local_page(value) or (value if value.startswith(("http://", "https://")) else None)
        short = next(
            (
                f"{p}:{value[len(iri) :]}"
                for p, iri in PREFIXES.items()
                if value.startswith(iri)
                and p != "hub"
                and value[len(iri) :].replace("_", "").replace("-", "").isalnum()
            ),
            value,
        )
        return {
            "text": short,
            "href": href,
            "title": value if short != value else "",
            "sort": short.lower(),
            "hub": bool(local_page(value)),
        }
    if kind == "bnode":
        return {"text": f"_:{value}", "sort": value}
    if kind == "triple":
        return {"text": json.dumps(value), "sort": ""}
    if "xml:lang" in binding:
        return {
            "text": value,
            "hint": binding["xml:lang"],
            "hint_title": f"language: {binding['xml:lang']}",
            "sort": value.lower(),
        }
    datatype = binding.get("datatype", "")
    out: dict[str, Any] = {"text": value, "sort": value.lower()}
    if datatype and datatype != XSD + "string":
        name = datatype[len(XSD) :] if datatype.startswith(XSD) else datatype.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        out.update(hint=name, hint_title=f"datatype: {'xsd:' + name if datatype.startswith(XSD) else datatype}")
    if datatype in NUMERIC and _number(value) is not None:
        out.update(numeric=True, sort=value)
    return out


def _column(names: list[str], wanted: tuple[str, ...]) -> int | None:
    return next((i for i, v in enumerate(names) if v.lower() in wanted), None)


def bar_chart(names: list[str], rows: list[list[dict[str, Any]]]) -> dict[str, Any] | None:
    """A label + count result (two columns: one text, one number) as bars, longest first as the rows come."""
    if len(names) != 2 or not 0 < len(rows) <= CHART_MAX_BARS:
        return None
    numeric = [i for i in (0, 1) if all(r[i].get("numeric") for r in rows)]
    if len(numeric) != 1:
        return None
    n = numeric[0]
    label = 1 - n
    values = [float(r[n]["text"]) for r in rows]
    top = max(values)
    if top <= 0 or min(values) < 0:
        return None
    bars = [
        {
            "label": r[label]["text"] or "(none)",
            "href": r[label].get("href") if r[label].get("hub") else None,
            "value": r[n]["text"],
            "width": round(100 * v / top, 2),
        }
        for r, v in zip(rows, values, strict=True)
    ]
    return {"label": names[label], "value": names[n], "bars": bars}


def map_points(names: list[str], rows: list[list[dict[str, Any]]]) -> dict[str, Any] | None:
    """Rows with a latitude and longitude column as dots on the site's map; each dot links to a hub page when a row
    has one."""
    lat, lon = _column(names, LATITUDE), _column(names, LONGITUDE)
    if lat is None or lon is None:
        return None
    text_col = next(
        (
            i
            for i, v in enumerate(names)
            if i not in (lat, lon) and rows and all(not r[i].get("numeric") and not r[i].get("href") for r in rows)
        ),
        None,
    )
    points = []
    for r in rows:
        y, x = _number(r[lat]["text"]), _number(r[lon]["text"])
        if y is None or x is None or not (-90 <= y <= 90 and -180 <= x <= 180):
            continue
        px, py = geo.project(y, x)
        href = next((c["href"] for c in r if c.get("hub")), None)
        name = r[text_col]["text"] if text_col is not None else next((c["text"] for c in r if c.get("hub")), "")
        label = f"{name + ': ' if name else ''}{y:g}, {x:g}"
        points.append({"x": px, "y": py, "href": href, "label": label})
    return {"points": points, "skipped": len(rows) - len(points)} if points else None


def asset_versions(build_path: Path) -> dict[str, str]:
    """Each site asset's content hash, for cache-busting URLs as the site's own pages write them."""
    site_static = build_path / "site" / "static"
    if not site_static.is_dir():
        return {}
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()[:10] for p in site_static.iterdir() if p.is_file()}


def environment(cfg: Settings) -> jinja2.Environment:
    """This folder's templates first, then the site's (``base.html``, the land outline), autoescaped; once per
    folder."""
    site = cfg.templates_dir / "templates"
    env = _environments.get(site)
    if env is None:
        loader = jinja2.ChoiceLoader(
            [jinja2.FileSystemLoader(Path(__file__).parent / "templates"), jinja2.FileSystemLoader(site)]
        )
        env = _environments[site] = jinja2.Environment(
            loader=loader, autoescape=True, trim_blocks=True, lstrip_blocks=True
        )
    return env


def results(
    kind: str, returns_graph: bool, payload: bytes, rows: int, truncated: bool, elapsed_s: float
) -> dict[str, Any]:
    """What the results part of the page shows, from the SPARQL JSON (or RDF text) a query answered with."""
    unit = "triples" if returns_graph else ("answer" if kind == "ask" else "rows")
    out: dict[str, Any] = {
        "count": rows,
        "unit": unit,
        "truncated": truncated,
        "elapsed_ms": round(elapsed_s * 1000, 1),
        "boolean": None,
        "text": None,
        "chart": None,
        "map": None,
    }
    if returns_graph:
        out["text"] = payload.decode("utf-8")
        return out
    data = json.loads(payload)
    if "boolean" in data:
        out["boolean"] = data["boolean"]
        return out
    names = data["head"]["vars"]
    table = [[cell(b.get(v)) for v in names] for b in data["results"]["bindings"]]
    out.update(vars=names, rows=table, chart=bar_chart(names, table), map=map_points(names, table))
    return out


def downloads(endpoint: str, query: str, timeout: str | None, returns_graph: bool) -> list[dict[str, str]]:
    """Links that run the same query again as a file (``download=1`` makes the answer an attachment)."""
    extra = {"timeout": timeout} if timeout else {}
    return [
        {
            "label": _LABELS[f],
            "filename": f"query-results.{EXTENSIONS[f]}",
            "href": f"{endpoint}?{urlencode({'query': query, 'format': f, **extra, 'download': '1'})}",
        }
        for f in DOWNLOADS[returns_graph]
    ]


def render(
    cfg: Settings,
    versions: dict[str, str],
    *,
    endpoint: str,
    query: str,
    fmt: str,
    timeout: str,
    formats: list[Any],
    result: dict[str, Any] | None,
    failure: Failure | None,
    downloads_: list[dict[str, str]],
) -> str:
    context = {
        "url": endpoint,
        "title": "Query results — SPARQL" if result or failure else "SPARQL query",
        "description": (
            "Query the hub's knowledge graph with SPARQL: practices, cities, resources, impact stories and "
            "vocabularies."
        ),
        "site_url": cfg.site_url,
        "map_viewbox": geo.VIEWBOX,
        "breadcrumbs": [
            {"label": "Linked data and SPARQL", "url": "/linked-data/"},
            {"label": "SPARQL query", "url": endpoint},
        ],
        "asset": lambda name: f"/static/{name}" + (f"?v={versions[name]}" if name in versions else ""),
        "endpoint": endpoint,
        "query": query or EXAMPLES[0].query,
        "fmt": fmt,
        "timeout": timeout,
        "max_timeout": f"{cfg.sparql_timeout_s:g}",
        "max_rows": cfg.sparql_max_rows,
        "prefixes": list(PREFIXES.items()),
        "formats": formats,
        "examples": gallery(endpoint),
        "result": result,
        "error": failure,
        "downloads": downloads_,
    }
    return environment(cfg).get_template("sparql.html").render(context)

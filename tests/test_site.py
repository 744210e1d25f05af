"""The static site builder: every record gets a page, links resolve, JSON-LD matches the graph, text is escaped,
broken templates fail the build with file and line, peers render when the peers stage wrote them."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from rdflib import BNode, Dataset, Graph, URIRef
from rdflib.namespace import RDF, RDFS

from hub.build import BuildContext, BuildError, build, check_shapes, write_catalog, write_graph, write_site
from hub.config import KIND_FOLDERS, REPO_DIR, Settings, graph_iri, record_iri
from hub.site import static_search

MINI = REPO_DIR / "tests" / "fixtures" / "mini"

SITE_STAGES = [("graph", write_graph), ("shapes", check_shapes), ("catalog", write_catalog), ("site", write_site)]
# Served by `hub serve` (API routers), not part of the static files.
SERVER_ROUTES = ("/api/", "/sparql", "/download/", "/docs", "/openapi.json")


class Page(HTMLParser):
    """The parts of a page the tests look at: links, ids, scripts, headings, text."""

    def __init__(self, html: str):
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.scripts: list[tuple[dict, str]] = []
        self.h1: list[str] = []
        self.head_links: list[dict] = []
        self._script: dict | None = None
        self._h1 = False
        self._buf: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        for attr in ("href", "src"):
            if a.get(attr) and tag != "link":
                self.links.append(a[attr])
        if tag == "link":
            self.head_links.append(a)
        if tag == "script":
            self._script, self._buf = a, []
        if tag == "h1":
            self._h1, self._buf = True, []

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script, "".join(self._buf)))
            self._script = None
        if tag == "h1" and self._h1:
            self.h1.append(" ".join("".join(self._buf).split()))
            self._h1 = False

    def handle_data(self, data):
        if self._script is not None or self._h1:
            self._buf.append(data)

    def jsonld(self) -> list[dict]:
        return [json.loads(body) for attrs, body in self.scripts if attrs.get("type") == "application/ld+json"]


def site_page(site: Path, url: str) -> Path:
    return site / url.strip("/") / "index.html" if url.endswith("/") else site / url.lstrip("/")


def build_mini(
    root: Path, templates: Path | None = None, extra: list | None = None, data: Path | None = None
) -> Settings:
    if data is None:
        data = root / "data"
        shutil.copytree(MINI, data)
    cfg = Settings(
        data_dir=data, build_dir=root / "build", cache_dir=root / "cache", templates_dir=templates or REPO_DIR / "site"
    )
    build(cfg, stages=SITE_STAGES[:-1] + (extra or []) + SITE_STAGES[-1:])
    return cfg


@pytest.fixture(scope="module")
def mini_site(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return build_mini(tmp_path_factory.mktemp("site"))


def catalog(cfg: Settings) -> list[dict]:
    return json.loads((cfg.build_dir / "records.json").read_text())


def test_every_record_has_a_page_with_canonical_and_alternates(mini_site: Settings) -> None:
    site = mini_site.site_dir
    for e in catalog(mini_site):
        page = Page(site_page(site, e["url"]).read_text())
        assert page.h1 == [e["title"]], e["url"]
        links = {(ln.get("rel"), ln.get("type")): ln["href"] for ln in page.head_links}
        assert links[("canonical", None)] == f"{mini_site.site_url}{e['url']}"
        folder = KIND_FOLDERS[e["type"]]
        assert links[("alternate", "text/turtle")] == f"/api/{folder}/{e['id']}.ttl"
        assert links[("alternate", "application/ld+json")] == f"/api/{folder}/{e['id']}.jsonld"
    assert e["url"] == f"/{folder}/{e['id']}/"  # clean URLs


def broken_links(site: Path) -> list[str]:
    """Every same-site link (and #fragment) of every page that points at no file (or no id)."""
    pages = {p: Page(p.read_text()) for p in site.rglob("*.html")}
    broken = []
    for path, page in pages.items():
        for link in page.links:
            parts = urlsplit(link)
            if (
                parts.scheme
                or not (parts.path.startswith("/") or parts.fragment)
                or parts.path.startswith(SERVER_ROUTES)
            ):
                continue
            target = site_page(site, parts.path) if parts.path else path
            if not target.is_file():
                broken.append(f"{path.relative_to(site)} → {link}")
            elif parts.fragment and target in pages and parts.fragment not in pages[target].ids:
                broken.append(f"{path.relative_to(site)} → {link} (no such id)")
    return broken


def test_internal_links_and_fragments_resolve(mini_site: Settings) -> None:
    assert len(list(mini_site.site_dir.rglob("*.html"))) > 30
    assert broken_links(mini_site.site_dir) == []


def test_breadcrumbs_lead_home_and_mark_the_current_page(mini_site: Settings) -> None:
    html = site_page(mini_site.site_dir, "/practices/alpha-youth-council/").read_text()
    nav = re.search(r'<nav class="wrap breadcrumbs" aria-label="Breadcrumb">(.*?)</nav>', html, re.S).group(1)
    hrefs = re.findall(r'href="([^"]+)"', nav)
    assert hrefs == ["/", "/practices/", "/practices/alpha-youth-council/"]
    assert nav.count('aria-current="page"') == 1


def test_jsonld_in_pages_says_what_the_graph_says(mini_site: Settings) -> None:
    ds = Dataset()
    ds.parse(mini_site.build_dir / "graph.nq", format="nquads")
    union = {(s, p, o) for s, p, o, _ in ds.quads((None, None, None, None))}
    ontology = Graph().parse(REPO_DIR / "hub" / "ontology" / "hub.ttl", format="turtle")
    for e in catalog(mini_site):
        [doc] = Page(site_page(mini_site.site_dir, e["url"]).read_text()).jsonld()
        page = Graph().parse(data=json.dumps(doc), format="json-ld")
        subject = URIRef(record_iri(e["type"], e["id"]))
        own = ds.graph(URIRef(graph_iri(e["type"], e["id"])))
        ground = lambda ts: {t for t in ts if not any(isinstance(x, BNode) for x in t)}  # noqa: E731
        # everything the record's named graph states is on the page …
        assert ground(own) <= ground(page), e["url"]
        assert len(list(page.objects(subject, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")))) == len(e["sources"])
        # … and the page states nothing the graph does not, except the schema.org classes the ontology entails
        entailed = {c for t in own.objects(subject, RDF.type) for c in ontology.transitive_objects(t, RDFS.subClassOf)}
        for s, p, o in ground(page) - union:
            assert (s, p) == (subject, RDF.type) and o in entailed and str(o).startswith("https://schema.org/"), (
                e["url"],
                s,
                p,
                o,
            )
    [practice] = Page(site_page(mini_site.site_dir, "/practices/alpha-youth-council/").read_text()).jsonld()
    types = practice["@graph"][0]["@type"]
    assert "schema:CreativeWork" in types and "hub:Practice" in types


def test_listing_pages_count_practices_under_broader_terms(mini_site: Settings) -> None:
    site = mini_site.site_dir

    def practices_on(url: str) -> set[str]:
        html = site_page(site, url).read_text()
        section = re.search(r'<section aria-labelledby="practices-h">(.*?)</section>', html, re.S).group(1)
        count = int(re.search(r'<h2 id="practices-h">Practices <span class="count">(\d+)</span>', section).group(1))
        found = set(re.findall(r'class="card-title"><a href="/practices/([^/]+)/"', section))
        assert count == len(found), url
        return found

    assert practices_on("/themes/youth-engagement/") == {"alpha-youth-council"}
    assert practices_on("/themes/sports/") == {"beta-sports-league"}
    # both themes sit under "primary prevention service areas"
    assert practices_on("/themes/primary-prevention-service-areas/") == {"alpha-youth-council", "beta-sports-league"}
    assert practices_on("/levels/primary/") == {"alpha-youth-council", "beta-sports-league"}
    assert practices_on("/levels/secondary/") == {"beta-sports-league"}
    assert practices_on("/regions/europe/") == {"alpha-youth-council"}
    assert practices_on("/stakeholders/coaches/") == {"beta-sports-league"}
    levels = site_page(site, "/levels/").read_text()
    assert re.search(r'href="/levels/primary/">primary</a> <span class="count">2</span>', levels)


def test_practice_page_shows_its_evidence_and_the_evidence_pages_explain_the_levels(mini_site: Settings) -> None:
    site = mini_site.site_dir
    page = site_page(site, "/practices/alpha-youth-council/").read_text()
    section = re.search(r'<section class="evidence" aria-labelledby="evidence-h">(.*?)</section>', page, re.S).group(1)
    assert '<a href="/evidence/results-reported/">Results reported</a>. The cited sources report results' in section
    assert "<strong>What the source says:</strong> The test guide reports that the council met the mayor" in section
    assert re.search(
        r'Source: <a href="/resources/seed-guide/">Test guide for cities</a>,\s*section “Primary '
        r"prevention &gt; Youth engagement”",
        section,
    )
    assert re.search(r'<dt>Evidence</dt><dd>\s*<ul class="chips">\s*<li><a href="/evidence/results-reported/">', page)
    ungraded = site_page(site, "/practices/beta-sports-league/").read_text()
    assert 'id="evidence-h"' not in ungraded and "<dt>Evidence</dt>" not in ungraded
    # /evidence/ lists the levels practices have, strongest first, with the scheme's definitions
    browse = site_page(site, "/evidence/").read_text()
    assert "<h1>Evidence levels</h1>" in browse and "What the cited sources report about whether a practice" in browse
    assert re.search(r'href="/evidence/results-reported/">results reported</a> <span class="count">1</span>', browse)
    assert "not that the practice failed" in browse  # "described only" is not a verdict
    assert "Practices with no evidence level" in browse and "do not state an evidence level" in browse
    assert "/practices/beta-sports-league/" in browse.split('id="untagged-h"')[1]  # listed as not graded yet
    level = site_page(site, "/evidence/results-reported/").read_text()
    assert (
        "/practices/alpha-youth-council/" in level
        and "/practices/beta-sports-league/" not in level.split('id="untagged-note"')[0]
    )
    search = site_page(site, "/search/").read_text()
    assert '<fieldset class="facet" data-facet="evidence">' in search and "1 of the 2 practices state no" in search


def test_sitemap_lists_every_page_and_only_real_ones(mini_site: Settings) -> None:
    site = mini_site.site_dir
    locs = re.findall(r"<loc>([^<]+)</loc>", (site / "sitemap.xml").read_text())
    assert all(u.startswith(mini_site.site_url + "/") for u in locs)
    paths = {u[len(mini_site.site_url) :] for u in locs}
    assert {e["url"] for e in catalog(mini_site)} <= paths
    assert {"/", "/search/", "/about/", "/linked-data/", "/themes/", "/regions/", "/levels/", "/stakeholders/"} <= paths
    assert all(site_page(site, p).is_file() for p in paths)
    assert "Sitemap: " in (site / "robots.txt").read_text()


def test_map_places_cities_with_coordinates_and_lists_the_others(mini_site: Settings) -> None:
    html = site_page(mini_site.site_dir, "/").read_text()
    dots = re.findall(r'<a href="(/cities/[^"]+)" aria-label="[^"]+"><circle cx="([\d.]+)" cy="([\d.]+)"', html)
    assert [d[0] for d in dots] == ["/cities/alpha-town/"]  # Alphaville has coordinates (51.1 N, 17.03 E)
    x, y = float(dots[0][1]), float(dots[0][2])
    assert (x, y) == (
        pytest.approx((17.03 + 180) * 2, abs=0.1),
        pytest.approx((90 - 51.1) * 2, abs=0.1),
    )  # same projection as the land outline
    unmapped = re.search(r'<p class="unmapped">(.*?)</p>', html, re.S).group(1)
    assert 'href="/cities/beta-city/"' in unmapped  # Beta City has none


def test_about_and_sparql_pages(mini_site: Settings) -> None:
    about = site_page(mini_site.site_dir, "/about/").read_text()
    for needle in (
        "CC BY 4.0",
        "How to cite",
        'href="/contributing/"',
        "CONTRIBUTING.md",
        'href="/resources/seed-guide/"',
    ):
        assert needle in about
    assert "Contributing to the practice hub" in site_page(mini_site.site_dir, "/contributing/").read_text()
    sparql = site_page(mini_site.site_dir, "/linked-data/").read_text()
    assert 'href="/sparql"' in sparql and sparql.count('href="/sparql?query=') >= 3


def test_curated_text_is_escaped_everywhere(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(MINI, data)
    f = data / "practices" / "alpha-youth-council.md"
    text = f.read_text()
    text = text.replace(
        "title: Youth council advising the mayor on cohesion", "title: 'Youth <script>alert(1)</script> council'"
    )
    text = text.replace(
        "notes: The test guide gives no end date.", "notes: 'Ends </script><img src=x onerror=alert(2)>'"
    )
    text += "\n<img src=x onerror=alert(3)> and [a link](javascript:alert(4))\n"
    f.write_text(text)
    cfg = build_mini(tmp_path, data=data)
    for path in cfg.site_dir.rglob("*.html"):
        html = path.read_text()
        assert "<script>alert" not in html and "<img src=x" not in html and 'href="javascript:' not in html, path
    page = Page(site_page(cfg.site_dir, "/practices/alpha-youth-council/").read_text())
    assert page.h1 == ["Youth <script>alert(1)</script> council"]  # shown as text
    [doc] = page.jsonld()  # '</script>' inside the JSON-LD did not end the element
    assert doc["@graph"][0]["hub:notes"]["@value"] == "Ends </script><img src=x onerror=alert(2)>"


@pytest.mark.parametrize(
    ("name", "edit", "message"),
    [
        (
            "record.html",
            lambda s: s.replace("{% if e.notes %}", "{% if e.notes %}{% endfor %}", 1),
            "template syntax error",
        ),
        (
            "practice.html",
            lambda s: s.replace("{{ e.summary }}", "{{ e.summary.no_such_field.at_all }}", 1),
            "UndefinedError",
        ),
    ],
)
def test_broken_template_fails_the_build_with_file_and_line(tmp_path: Path, name: str, edit, message: str) -> None:
    templates = tmp_path / "site"
    shutil.copytree(REPO_DIR / "site", templates)
    template = templates / "templates" / name
    source = template.read_text()
    broken = edit(source)
    assert broken != source
    line = next(i for i, (a, b) in enumerate(zip(source.splitlines(), broken.splitlines(), strict=False), 1) if a != b)
    template.write_text(broken)
    data = tmp_path / "data"
    shutil.copytree(MINI, data)
    with pytest.raises(BuildError) as err:
        build_mini(tmp_path, templates=templates, data=data)
    assert f"{name}:{line}:" in str(err.value) and message in str(err.value)
    assert not (tmp_path / "build").exists()  # nothing was swapped in


PEERS = {
    "alpha-town": {
        "city": "alpha-town",
        "peers": [
            {
                "id": "beta-city",
                "label": "Beta City",
                "country": "Kenya",
                "region": "East and Southern Africa",
                "score": 0.42,
                "reasons": ["both work with young people against recruitment"],
                "shared": {"themes": ["youth engagement"], "stakeholders": ["youth"]},
                "practices": ["beta-sports-league"],
            }
        ],
    }
}


def test_peer_cities_render_from_peers_json(tmp_path: Path) -> None:
    def write_peers(ctx: BuildContext) -> None:  # the shape hub/peers writes (DESIGN.md's /api/cities/{id}/peers)
        (ctx.out / "peers.json").write_text(json.dumps(PEERS))

    cfg = build_mini(tmp_path, extra=[("peers", write_peers)])
    html = site_page(cfg.site_dir, "/cities/alpha-town/").read_text()
    peers = re.search(r'<section aria-labelledby="peers-h">(.*?)</section>', html, re.S).group(1)
    assert '<a href="/cities/beta-city/">Beta City</a>' in peers
    assert "both work with young people against recruitment" in peers and "similarity 0.42" in peers
    assert "youth engagement" in peers and 'href="/practices/beta-sports-league/"' in peers


def test_city_page_without_peers_json_says_so(mini_site: Settings) -> None:
    html = site_page(mini_site.site_dir, "/cities/alpha-town/").read_text()
    assert "Peer suggestions appear here once" in html
    # the learning link, stated from Alphaville's side, shows on both cities
    assert "learned from" in html and 'href="/cities/beta-city/"' in html
    beta = site_page(mini_site.site_dir, "/cities/beta-city/").read_text()
    assert '<a href="/cities/alpha-town/">Alphaville</a> learned from Beta City (2021)' in beta


def test_practice_page_weight_is_under_100_kb(mini_site: Settings) -> None:
    site = mini_site.site_dir
    css = (site / "static" / "site.css").stat().st_size
    for e in catalog(mini_site):
        if e["type"] == "practice":
            assert site_page(site, e["url"]).stat().st_size + css < 100_000


def test_offline_search_records_cover_every_record_and_are_named_by_their_content(tmp_path: Path) -> None:
    """The static copy's search reads one records file whose name changes with its content, plus the engine's files."""
    cfg = build_mini(tmp_path)
    static = cfg.site_dir / "static"
    config = json.loads(re.search(r'id="static-search">([^<]*)<', site_page(cfg.site_dir, "/search/").read_text())[1])
    for url in config.values():  # the page names files that exist, each with its version or content hash
        assert (cfg.site_dir / urlsplit(url).path.lstrip("/")).is_file(), url
    records = static / urlsplit(config["index"]).path.rsplit("/", 1)[1]
    assert hashlib.sha256(records.read_bytes()).hexdigest()[:12] in records.name
    data = json.loads(records.read_text())
    assert [d["id"] for d in data["docs"]] == [e["id"] for e in catalog(cfg)]
    practice = next(d for d in data["docs"] if d["type"] == "practice")
    assert set(data["fields"]) <= set(practice) and practice["facets"]["type"] == ["practice"] and practice["url"]
    assert data["boosts"]["place"] > data["boosts"]["body"]  # the keyword index's field weights
    for name in static_search.VENDOR:  # the engine and its licences, from node_modules, not a CDN
        assert (static / name).read_bytes() == (static_search.NODE_MODULES / static_search.VENDOR[name]).read_bytes()


@pytest.mark.slow
def test_real_corpus_site(corpus_settings: Settings) -> None:
    """The real data: every record page exists, links resolve, practice pages stay light, peers render where the build
    made them."""
    site = corpus_settings.site_dir
    assert broken_links(site) == []
    css = (site / "static" / "site.css").stat().st_size
    entries = catalog(corpus_settings)
    peers_file = corpus_settings.build_dir / "peers.json"
    for e in entries:
        path = site_page(site, e["url"])
        assert path.is_file(), e["url"]
        if e["type"] == "practice":
            assert path.stat().st_size + css < 100_000, e["url"]
    if peers_file.exists():
        from hub.site.model import PEERS_SHOWN, read_peers

        for city, found in list(read_peers(json.loads(peers_file.read_text())).items())[:10]:
            html = site_page(site, f"/cities/{city}/").read_text()
            for p in found["peers"][:PEERS_SHOWN]:  # the closest few; the API has the rest
                assert f'href="/cities/{p["id"]}/"' in html, (city, p["id"])

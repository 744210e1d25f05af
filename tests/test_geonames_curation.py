"""GeoNames candidates for city records: matched by folded names and alternate names within the country, nearest
first; `hub geonames` prints them, `hub new city` proposes them; every confirmed id in data/cities/ fits its record."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from hub import geonames, places
from hub.cli import app
from hub.config import REPO_DIR, Settings
from hub.ingest.city_places import city_file
from hub.text import fold

DATA = REPO_DIR / "data"


def _run(*args: str, data_dir: Path = DATA):
    return CliRunner().invoke(app, list(args), env={"HUB_DATA": str(data_dir), "COLUMNS": "200"})


def test_nansana_is_found_next_to_the_records_point() -> None:
    found = geonames.candidates("Nansana", "Uganda", ["Nansana Municipality"], (0.364, 32.529))
    assert found[0].geonameid == 10943053
    assert found[0].countrycode == "UG" and found[0].population > 100_000
    assert found[0].distance_km is not None and found[0].distance_km < 5


def test_an_alternate_name_finds_the_place() -> None:
    found = geonames.candidates("Den Haag", "Netherlands")
    assert [c.geonameid for c in found][:1] == [2747373]
    assert found[0].name == "The Hague" and found[0].matched == "Den Haag"


def test_a_name_without_its_accent_finds_the_place() -> None:
    found = geonames.candidates("Wroclaw", "Poland")
    assert found[0].geonameid == 3081368 and found[0].name == "Wrocław"


def test_kosovo_is_known_and_both_spellings_of_pristina_find_it() -> None:
    assert places.country_code("Kosovo") == "XK"  # not in ISO 3166-1, so not in pycountry
    assert places.country_code("North Macedonia") == "MK" and places.country_code("Atlantis") is None
    for spelling in ("Pristina", "Prishtinë", "Prishtina"):
        assert geonames.candidates(spelling, "Kosovo")[0].geonameid == 786714, spelling


def test_only_the_records_country_and_the_nearest_first() -> None:
    in_belgium = geonames.candidates("Halle", "Belgium")
    assert in_belgium and all(c.countrycode == "BE" for c in in_belgium)
    athens = geonames.candidates("Athens", "United States", coordinates=(39.329, -82.101))
    assert athens[0].admin1code == "OH" and len(athens) == 5
    assert [c.distance_km for c in athens] == sorted(c.distance_km for c in athens)
    no_point = geonames.candidates("Athens", "United States", limit=3)
    assert [c.population for c in no_point] == sorted((c.population for c in no_point), reverse=True)


def test_areas_and_unknown_countries_find_nothing() -> None:
    assert geonames.candidates("British Columbia", "Canada") == []
    assert geonames.candidates("Nansana", "Atlantis") == []


def test_every_confirmed_id_fits_its_record_and_every_other_record_says_why() -> None:
    with_id = 0
    for path in sorted((DATA / "cities").glob("*.md")):
        city = city_file(path)
        if city.geonames is None:
            assert city.curator_notes, f"{city.id}: no geonames id and no curator_notes saying why"
            continue
        with_id += 1
        place = places.all_places().get(city.geonames)
        assert place is not None, city.id
        assert place["countrycode"] == places.country_code(city.country), city.id
        names = {fold(n) for n in (place["name"], *place["alternatenames"])}
        assert names & {fold(n) for n in (city.name, *city.aliases)}, city.id
        if city.coordinates:
            point = (place["latitude"], place["longitude"])
            assert places.distance_km(*city.coordinates, *point) < 25, city.id
    assert with_id >= 70


def test_cli_prints_the_candidates_of_a_record() -> None:
    result = _run("geonames", "the-hague")
    assert result.exit_code == 0, result.output
    assert "the-hague: The Hague, Den Haag, 's-Gravenhage (city, Netherlands)" in result.output
    assert "confirmed: geonames: 2747373" in result.output
    assert re.search(r"2747373 +The Hague \(admin1 11, population [\d,]+, 0(\.\d)? km from", result.output)
    athens = _run("geonames", "athens-ohio", "--limit", "2").output
    assert athens.index("4505542") < athens.index("admin1 WV") and "admin1 MI" not in athens
    provinces = _run("geonames", "british-columbia").output
    assert "no GeoNames place of that name in that country" in provinces
    unknown = _run("geonames", "atlantis")
    assert unknown.exit_code == 1 and "no city record 'atlantis'" in unknown.output


def test_cli_missing_lists_the_records_without_an_id_with_the_reason() -> None:
    without = [city_file(p) for p in sorted((DATA / "cities").glob("*.md"))]
    without = [c for c in without if c.geonames is None]
    out = _run("geonames", "--missing").output
    assert f"{len(without)} city records without a geonames: id" in out
    for c in without:
        assert f"{c.id} ({c.admin_type}, {c.country}): {c.curator_notes}" in out
    assert "nansana" not in out


def test_hub_new_city_proposes_candidates(mini: Settings) -> None:
    result = _run(
        "new", "city", "--title", "Nansana", "--country", "Uganda", "--source", "003_test.txt", data_dir=mini.data_dir
    )
    assert result.exit_code == 0, result.output
    assert (mini.data_dir / "cities/nansana.md").exists()
    assert "confirm one as geonames: ID" in result.output
    assert re.search(r"10943053 +Nansana \(admin1 C, population [\d,]+\)", result.output)

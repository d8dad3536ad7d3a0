"""Adding layers needs no code: a new point layer and a new on-land polygon layer, each with a
new schema, its own facet, a field typed ``url`` and its own measures and checks, are added as
data files and specs only, and every output takes them: selection, map documents and payload,
popups, tables, exports, snapshot, self-contained HTML, links and the CLI.

The records below are test fixtures (clearly named as such), never bundled data.
"""

from __future__ import annotations

import io
import json
import textwrap
import zipfile
from pathlib import Path

import pandas as pd
import pytest

import mapper
from mapper.cli import main
from mapper.export import export_bytes
from mapper.selection import select
from mapper.snapshot import draw, to_bytes
from mapper.tables import layer_table, link_columns
from mapper.viewstate import Controls, ViewState, view_from_query
from mapper.webmap import MapAssets, map_payload, popup_html, standalone_html

PLANT_SCHEMA = """
id = "test_plant"
title = "Power plant (test fixture)"
description = "A power plant."
geometry_types = ["Point"]
precision_field = "location_precision"

[fields.id]
type = "string"
required = true
unique = true

[fields.name]
type = "string"
required = true

[fields.fuel]
type = "string"
required = true
allowed = ["gas", "solar", "hydro"]

[fields.capacity_mw]
type = "number"
required = false
min = 0

[fields.commissioned]
type = "integer"
required = false

[fields.country]
type = "iso3"
required = true

[fields.website]
type = "url"
required = false

[fields.location_precision]
type = "string"
required = true
allowed = ["site", "city"]

[fields.source_url]
type = "url"
required = true

[fields.source_publisher]
type = "string"
required = true

[fields.source_date]
type = "date"
required = true
"""

PLANT_SPEC = """
id = "test_plants"
title = "Test plants"
description = "Fixture layer: points with a new schema."
source = "geodata/test_plants.geojson"
schema = "test_plant"
geometry = "point"
attribution = "Test fixture"
licence = "CC0"
as_of = "2026-12-01"
country_fields = ["country"]
measures = ["coast_distance_km"]
checks = ["in_named_countries"]
tooltip = ["name", "fuel", "capacity_mw"]
popup = ["name", "fuel", "capacity_mw", "commissioned", "website", "source_url"]

[filters]
country = ["country"]
fuel = ["fuel"]
capacity = ["capacity_mw"]
year = ["commissioned"]
search = ["name"]

[facets.fuel]
kind = "choice"
label = "Fuel"
help = "Main fuel of the plant."

[style]
color_by = "fuel"

[style.palette]
gas = "#E69F00"
solar = "#F0E442"
hydro = "#0072B2"

[labels]
website = "Web site"
"""

PARK_SCHEMA = """
id = "test_park"
title = "Solar park (test fixture)"
description = "A solar park outline on land."
geometry_types = ["Polygon", "MultiPolygon"]
precision_field = "outline_precision"

[fields.id]
type = "string"
required = true
unique = true

[fields.name]
type = "string"
required = true

[fields.country]
type = "iso3"
required = true

[fields.phase]
type = "string"
required = true
allowed = ["planned", "built"]

[fields.outline_precision]
type = "string"
required = true
allowed = ["surveyed", "schematic"]

[fields.source_url]
type = "url"
required = true

[fields.source_publisher]
type = "string"
required = true

[fields.source_date]
type = "date"
required = true
"""

PARK_SPEC = """
id = "test_parks"
title = "Test solar parks"
description = "Fixture layer: polygons on land with a new schema."
source = "geodata/test_parks.geojson"
schema = "test_park"
geometry = "polygon"
attribution = "Test fixture"
licence = "CC0"
as_of = "2026-12-01"
country_fields = ["country"]
measures = ["area_km2"]
checks = ["in_named_countries"]
tooltip = ["name", "phase"]
popup = ["name", "phase", "outline_precision", "source_url"]

[filters]
country = ["country"]
search = ["name"]

[style]
color_by = "phase"

[style.palette]
planned = "#cccccc"
built = "#33a02c"
"""

SOURCE = {"source_url": "https://example.org/fixture", "source_publisher": "Test", "source_date": "2026-12-01"}


def _point(fid: str, name: str, fuel: str, mw: float, year: int, iso3: str, lon: float, lat: float) -> dict:
    props = {
        "id": fid,
        "name": name,
        "fuel": fuel,
        "capacity_mw": mw,
        "commissioned": year,
        "country": iso3,
        "website": f"https://example.org/{fid}",
        "location_precision": "city",
        **SOURCE,
    }
    return {"type": "Feature", "properties": props, "geometry": {"type": "Point", "coordinates": [lon, lat]}}


def _square(fid: str, name: str, iso3: str, lon: float, lat: float, size: float = 0.05) -> dict:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    props = {"id": fid, "name": name, "country": iso3, "phase": "built", "outline_precision": "schematic", **SOURCE}
    return {"type": "Feature", "properties": props, "geometry": {"type": "Polygon", "coordinates": [ring]}}


@pytest.fixture
def root(layers_copy: Path) -> Path:
    layers, geodata = layers_copy / "layers", layers_copy / "geodata"
    (layers / "schemas" / "test_plant.toml").write_text(textwrap.dedent(PLANT_SCHEMA), encoding="utf-8")
    (layers / "schemas" / "test_park.toml").write_text(textwrap.dedent(PARK_SCHEMA), encoding="utf-8")
    (layers / "test_plants.toml").write_text(textwrap.dedent(PLANT_SPEC), encoding="utf-8")
    (layers / "test_parks.toml").write_text(textwrap.dedent(PARK_SPEC), encoding="utf-8")
    plants = [
        # fixture points in city centres (Bangkok, Hanoi, Osaka): inland, inside the named country
        _point("p-1", "Fixture <b>Gas</b> {{7*7}}", "gas", 700.0, 2015, "THA", 100.52, 13.75),
        _point("p-2", "Fixture Solar", "solar", 50.0, 2021, "VNM", 105.85, 21.03),
        _point("p-3", "Fixture Hydro", "hydro", 1200.0, 2010, "JPN", 135.50, 34.69),
    ]
    parks = [
        _square("s-1", "Fixture Park North", "THA", 100.9, 15.0),
        _square("s-2", "Fixture Park", "VNM", 105.5, 20.5),
    ]
    for name, features in (("test_plants", plants), ("test_parks", parks)):
        (geodata / f"{name}.geojson").write_text(
            json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8"
        )
    return layers_copy


@pytest.fixture
def bundle(root: Path) -> mapper.Bundle:
    return mapper.load_bundle(mapper.load_catalogue(root / "layers"), cache=False)


def test_the_new_layers_load_without_errors_or_offshore_warnings(bundle: mapper.Bundle) -> None:
    assert {"test_plants", "test_parks"} <= set(bundle.catalogue)
    assert bundle.report.ok, bundle.report.format()
    ours = [p for p in bundle.report.warnings if "test_p" in p.file]
    assert ours == [], "\n".join(map(str, ours))  # an on-land park is not an offshore zone
    assert "coast_distance_km" in bundle.layers["test_plants"].columns
    assert "area_km2" in bundle.layers["test_parks"].columns
    assert "land_share_pct" not in bundle.layers["test_parks"].columns  # no at_sea check asked for


def test_validate_strict_passes_with_the_new_layers(root: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("MAPPER_HOME", str(root))
    monkeypatch.setenv("MAPPER_NO_CACHE", "1")
    code = main(["validate", "--strict"])
    assert code == 0, capsys.readouterr().out[-3000:]


def test_the_new_facet_filters_and_round_trips_through_the_link(bundle: mapper.Bundle) -> None:
    controls = Controls.for_bundle(bundle)
    assert controls.choices["fuel"] == ["gas", "hydro", "solar"]
    values = {**controls.values(ViewState()), Controls.key("fuel"): ["solar"]}
    view = controls.view(values, ViewState().view)
    selection = select(bundle, view.filters)
    assert list(selection.frames["test_plants"]["id"]) == ["p-2"]
    assert len(selection.frames["test_parks"]) == 2  # no fuel field: not filtered
    assert view.to_query()["fuel"] == "solar"
    assert view_from_query(view.to_query(), bundle) == (view, [])


def test_every_output_takes_the_new_layers(bundle: mapper.Bundle) -> None:
    selection = select(bundle, mapper.FilterState(layers=("test_plants", "test_parks")))
    # map documents, payload and popups
    assets = MapAssets(bundle)
    refs = {name: f"/static/{name}.json" for name in assets.names()}
    for lid in ("test_plants", "test_parks"):
        assert lid in assets.names()
        payload = map_payload(selection, assets, refs)
        assert lid in json.dumps(payload)
    layer = bundle.catalogue["test_plants"]
    assert ["Web site", "url"] in assets.document("test_plants")["popup_fields"]  # the runtime links it
    assert "https://example.org/p-1" in assets.popups("test_plants")[1 + layer.popup.index("website") - 1]
    record = bundle.layers["test_plants"].iloc[0].to_dict()
    popup = popup_html(record, layer)
    assert '<a href="https://example.org/p-1"' in popup  # typed url → link, by type not by name
    assert "<b>Gas</b>" not in popup
    assert "{{7*7}}" not in popup  # braces are entities
    # tables
    table = layer_table(selection.frames["test_plants"], bundle.catalogue["test_plants"])
    assert "Web site" in link_columns(bundle.catalogue["test_plants"].schema, bundle.catalogue["test_plants"].label)
    assert "Distance to coast (km)" in table.columns
    # exports
    data = json.loads(export_bytes(selection, "geojson"))
    assert {f["properties"]["layer"] for f in data["features"]} == {"test_plants", "test_parks"}
    assert {m["id"]: m["location_precision_field"] for m in data["metadata"]["layers"]} == {
        "test_plants": "location_precision",
        "test_parks": "outline_precision",
    }
    csv = pd.read_csv(io.BytesIO(export_bytes(selection, "csv")))
    assert set(csv["id"]) == {"p-1", "p-2", "p-3", "s-1", "s-2"}
    with zipfile.ZipFile(io.BytesIO(export_bytes(selection, "zip"))) as archive:
        assert archive.namelist()
    # snapshot: the legend names both layers
    svg = to_bytes(draw(selection, preset="square", labels=False), "svg").decode("utf-8")
    assert "Test plants" in svg
    assert "Test solar parks" in svg
    # self-contained HTML
    html = standalone_html(selection, assets=assets)
    assert "Test solar parks" in html
    assert "{{7*7}}" not in html
    assert "49" not in html.split("Fixture", 1)[-1][:40]


def test_the_cli_exports_the_new_layer_with_its_own_facet(root: Path, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MAPPER_HOME", str(root))
    monkeypatch.setenv("MAPPER_NO_CACHE", "1")
    out = tmp_path / "gas.geojson"
    assert main(["export", "-o", str(out), "--layer", "test_plants", "--filter", "fuel=GAS"]) == 0
    features = json.loads(out.read_text(encoding="utf-8"))["features"]
    assert [f["properties"]["id"] for f in features] == ["p-1"]

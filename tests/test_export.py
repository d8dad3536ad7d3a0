"""Exports read back as their consumers read them: GDAL (pyogrio), RFC 7946 rules, zip."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest

import geopandas as gpd
import pyogrio
import shapely

import mapper
from mapper.export import ExportError, default_filename, export_bytes, format_for, to_geojson, write_export
from mapper.selection import select

LAOS = mapper.FilterState(country=("LAO",))


def _ring_is_ccw(ring: list[list[float]]) -> bool:
    return shapely.LinearRing(ring).is_ccw


def _decimals(value: float) -> int:
    text = repr(value)
    return len(text.split(".")[1]) if "." in text else 0


def test_geojson_follows_rfc7946(bundle: mapper.Bundle, tmp_path: Path) -> None:
    path = write_export(select(bundle, mapper.FilterState()), tmp_path / "all.geojson")
    data = json.loads(path.read_text(encoding="utf-8"))  # strict JSON: NaN would fail below
    assert "crs" not in data
    assert "NaN" not in path.read_text(encoding="utf-8")
    assert data["metadata"]["filter_description"] == "all records"
    assert data["metadata"]["tool"].startswith("ip-clean-energy-mapper")
    assert {layer["id"] for layer in data["metadata"]["layers"]} == set(bundle.catalogue)
    for feature in data["features"]:
        geom = feature["geometry"]
        if geom is None:
            assert feature["properties"]["location_precision"] == "country"
            continue
        coords = shapely.get_coordinates(shapely.geometry.shape(geom))
        assert (coords[:, 0] >= -180).all()
        assert (coords[:, 0] <= 180).all()
        assert (coords[:, 1] >= -90).all()
        assert (coords[:, 1] <= 90).all()
        assert max(_decimals(float(v)) for v in coords.ravel()) <= 6
        if geom["type"] == "Polygon":
            assert _ring_is_ccw(geom["coordinates"][0])
            assert all(not _ring_is_ccw(hole) for hole in geom["coordinates"][1:])
        if geom["type"] == "MultiPolygon":
            assert all(_ring_is_ccw(poly[0]) for poly in geom["coordinates"])


def test_geojson_properties_have_clean_types(bundle: mapper.Bundle, polygon_layer: str) -> None:
    data = to_geojson(select(bundle, mapper.FilterState(layers=(polygon_layer,))))
    assert data["features"]
    allowed = (str, int, float, bool, type(None))
    for feature in data["features"]:
        assert all(isinstance(v, allowed) for v in feature["properties"].values())
    json.dumps(data, allow_nan=False)


def test_geojson_export_is_what_the_filter_shows(bundle: mapper.Bundle, tmp_path: Path) -> None:
    path = write_export(select(bundle, LAOS), tmp_path / "laos.geojson")
    read = gpd.read_file(path)
    expected = sum(len(f) for f in mapper.apply_filter(bundle.layers, bundle.catalogue, LAOS).values())
    assert len(read) == expected
    assert read.crs.to_epsg() == 4326
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["metadata"]["filter"] == {"country": ["LAO"]}
    for f in data["features"]:
        p = f["properties"]
        assert "LAO" in {p.get("country"), p.get("country_a"), p.get("country_b")} | set(
            (p.get("countries") or "").split(";")
        )


def test_gpkg_has_a_table_per_layer_and_the_countries(bundle: mapper.Bundle, tmp_path: Path) -> None:
    path = write_export(select(bundle, mapper.FilterState()), tmp_path / "all.gpkg")
    names = {str(n) for n, _ in pyogrio.list_layers(path)}
    assert names >= set(bundle.catalogue) | {"countries", "about"}
    for lid, frame in bundle.layers.items():
        read = gpd.read_file(path, layer=lid)
        assert len(read) == len(frame)
        assert read.crs.to_epsg() == 4326
        assert set(bundle.catalogue[lid].schema.required) <= set(read.columns)
        assert sorted(read["id"]) == sorted(frame["id"])
    about = pyogrio.read_dataframe(path, layer="about")
    assert "filter" in set(about["key"])


def test_csv_has_wkt_and_lon_lat(bundle: mapper.Bundle, tmp_path: Path, line_layer: str, point_layer: str) -> None:
    path = write_export(select(bundle, mapper.FilterState(layers=(line_layer, point_layer))), tmp_path / "x.csv")
    table = pd.read_csv(path)
    lines = table[table["layer"] == line_layer]
    assert len(lines) == len(bundle.layers[line_layer])
    assert all(shapely.from_wkt(w).geom_type.endswith("LineString") for w in lines["wkt"])
    assert set(table["layer"]) <= {line_layer, point_layer}


def test_zip_bundle_has_every_format_and_a_readme(bundle: mapper.Bundle, tmp_path: Path) -> None:
    path = write_export(select(bundle, LAOS), tmp_path / "laos.zip")
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        readme = archive.read(next(n for n in names if n.endswith("README.txt"))).decode("utf-8")
    assert {Path(n).suffix for n in names} == {".geojson", ".gpkg", ".csv", ".txt"}
    assert "Filter: country LAO" in readme
    assert "http" in readme  # the sources
    assert "Licence" in readme


def test_file_names_say_what_is_inside() -> None:
    name = default_filename(mapper.FilterState(layers=("a_layer",), country=("LAO",)), "geojson", dt.date(2026, 1, 2))
    assert name == "ipce_a_layer_LAO_2026-01-02.geojson"
    assert (
        default_filename(mapper.FilterState(search="a/b <c>"), "csv", dt.date(2026, 1, 2))
        == "ipce_a-b-c_2026-01-02.csv"
    )


def test_format_errors_are_clear() -> None:
    assert format_for("x.json") == "geojson"
    with pytest.raises(ExportError, match=r"\.kml"):
        format_for("x.kml")
    with pytest.raises(ExportError, match="unknown format"):
        format_for("x.geojson", "shp")


def test_export_bytes_match_files(bundle: mapper.Bundle) -> None:
    data = json.loads(export_bytes(select(bundle, LAOS), "geojson"))
    assert data["type"] == "FeatureCollection"
    assert export_bytes(select(bundle, LAOS), "gpkg")[:16] == b"SQLite format 3\x00"


def test_gpkg_keeps_integer_and_boolean_types(bundle: mapper.Bundle, tmp_path: Path, line_layer: str) -> None:
    path = write_export(select(bundle, mapper.FilterState(layers=(line_layer,))), tmp_path / "t.gpkg")
    info = pyogrio.read_info(path, layer=line_layer)
    types = dict(zip(info["fields"], info["dtypes"], strict=True))
    assert types[bundle.catalogue[line_layer].facet_fields("year")[0]].startswith("int")
    assert types["country_member_jumpp"] == "bool"
    countries = dict(zip(*[pyogrio.read_info(path, layer="countries")[k] for k in ("fields", "dtypes")], strict=True))
    assert countries["net_zero_year"].startswith("int")


def test_csv_cells_cannot_run_as_spreadsheet_formulas(bundle: mapper.Bundle, tmp_path: Path, line_layer: str) -> None:
    frame = bundle.layers[line_layer].copy()
    frame.loc[0, "name"] = '=HYPERLINK("http://evil.example","click")'
    evil = mapper.Bundle(bundle.catalogue, {**bundle.layers, line_layer: frame}, bundle.countries, bundle.report)
    table = pd.read_csv(write_export(select(evil, mapper.FilterState(layers=(line_layer,))), tmp_path / "x.csv"))
    assert table.loc[0, "name"].startswith("'=")
    assert not any(str(v).startswith("=") for v in table.to_numpy().ravel())


def test_geojson_keeps_awkward_text_and_writes_json_numbers(bundle: mapper.Bundle) -> None:
    """The GeoJSON writer (GDAL) gives back every character of the text as it was, writes
    each record's id as the feature id and in its properties, no NaN or Infinity, and only
    the layer's own fields."""
    lid, measure = next(
        (lid, c)
        for lid, layer in bundle.catalogue.items()
        if layer.geometry == "point"
        for c in bundle.layers[lid].columns
        if bundle.layers[lid][c].dtype.kind == "f"
    )
    frame = bundle.layers[lid].copy()
    texts = ['quote " backslash \\ tab\t', "line\nbreak \u2028 \u0001", "</script>{{7*7}}{% x %}", "日本語 ☃ 😀"]
    frame["name"] = frame["name"].astype(object)
    for k, text in enumerate(texts):
        frame.loc[k, "name"] = text
    frame[measure] = 1.5
    frame.loc[0, measure] = float("inf")
    frame.loc[1, measure] = float("nan")
    odd = mapper.Bundle(bundle.catalogue, {**bundle.layers, lid: frame}, bundle.countries, bundle.report)
    text = export_bytes(select(odd, mapper.FilterState(layers=(lid,))), "geojson").decode("utf-8")
    assert "NaN" not in text
    assert "Infinity" not in text
    data = json.loads(text)
    features = data["features"]
    assert [f["properties"]["name"] for f in features[: len(texts)]] == texts
    assert [f["id"] for f in features] == [f["properties"]["id"] for f in features] == frame["id"].tolist()
    assert {tuple(f["properties"]) for f in features} == {tuple(features[0]["properties"])}
    assert features[0]["properties"]["layer"] == lid
    assert [f["properties"][measure] for f in features[:3]] == [None, None, 1.5]

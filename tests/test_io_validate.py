"""Reading layer files in every supported format, and validating them."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import geopandas as gpd
import shapely

import mapper
from mapper import DataReadError, DataValidationError
from mapper.io import WGS84, read_layer_file, read_table
from mapper.validate import (
    check_frame,
    check_geometries,
    read_checked,
    read_layer,
    validate_catalogue,
    validate_paths,
    validate_upload,
)

REPO_ROOT = Path(__file__).resolve().parents[1]

POINTS = [(102.6, 17.97), (100.5, 13.75), (105.85, 21.03)]


def sample_frame(crs: str = WGS84) -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(
        {"id": ["p-1", "p-2", "p-3"], "name": ["Vientiane", "Bangkok", "Hanoi"]},
        geometry=[shapely.Point(xy) for xy in POINTS],
        crs=WGS84,
    )
    return frame.to_crs(crs)


def assert_points(frame: gpd.GeoDataFrame) -> None:
    assert frame.crs.equals(WGS84)
    assert frame["id"].tolist() == ["p-1", "p-2", "p-3"]
    got = [(g.x, g.y) for g in frame.geometry]
    for (x, y), (ex, ey) in zip(got, POINTS, strict=True):
        assert x == pytest.approx(ex, abs=1e-6)
        assert y == pytest.approx(ey, abs=1e-6)


# --- reading ---------------------------------------------------------------------------


def test_reads_geojson(tmp_path: Path) -> None:
    path = tmp_path / "points.geojson"
    sample_frame().to_file(path, driver="GeoJSON")
    frame, problems = read_layer_file(path)
    assert problems == []
    assert_points(frame)


def test_reads_geopackage(tmp_path: Path) -> None:
    path = tmp_path / "points.gpkg"
    sample_frame().to_file(path, driver="GPKG")
    frame, problems = read_layer_file(path)
    assert problems == []
    assert_points(frame)


def test_reads_geoparquet(tmp_path: Path) -> None:
    path = tmp_path / "points.parquet"
    sample_frame().to_parquet(path)
    frame, problems = read_layer_file(path)
    assert problems == []
    assert_points(frame)


def test_reprojects_other_crs_to_wgs84(tmp_path: Path) -> None:
    path = tmp_path / "points_3857.gpkg"
    projected = sample_frame("EPSG:3857")
    assert projected.geometry.iloc[0].x > 1e6  # really in metres
    projected.to_file(path, driver="GPKG")
    frame, _ = read_layer_file(path)
    assert_points(frame)


def test_reads_csv_with_lon_lat_columns(tmp_path: Path) -> None:
    path = tmp_path / "points.csv"
    names = ["Vientiane", "Bangkok", "Hanoi"]
    lines = ["id,name,Longitude,Latitude"] + [
        f"p-{i + 1},{n},{x},{y}" for i, (n, (x, y)) in enumerate(zip(names, POINTS, strict=True))
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    frame, problems = read_layer_file(path)
    assert problems == []
    assert_points(frame)
    assert "Longitude" not in frame.columns
    assert "Latitude" not in frame.columns


def test_csv_with_empty_lon_lat_gives_no_geometry_and_bad_numbers_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "points.csv"
    path.write_text("id,lon,lat\np-1,102.6,17.97\np-2,,\np-3,east,17\n", encoding="utf-8")
    frame, problems = read_layer_file(path)
    assert frame.geometry.iloc[0] is not None
    assert frame.geometry.iloc[1] is None
    assert frame.geometry.iloc[2] is None
    assert len(problems) == 1
    (p,) = problems
    assert (p.file, p.feature, p.field) == (str(path), "p-3", "lon/lat")
    assert "east" in str(p.value)


def test_reads_csv_with_wkt_geometry(tmp_path: Path) -> None:
    path = tmp_path / "lines.csv"
    path.write_text(
        'id,name,geometry\nl-1,Line,"LINESTRING (101.28 19.69, 99.75 18.30)"\nl-2,Bad,"LINESTRING (1 2,"\nl-3,None,\n',
        encoding="utf-8",
    )
    frame, problems = read_layer_file(path)
    assert frame.crs.equals(WGS84)
    assert frame.geometry.iloc[0].equals(shapely.LineString([(101.28, 19.69), (99.75, 18.30)]))
    assert frame.geometry.iloc[1] is None
    assert frame.geometry.iloc[2] is None
    assert [(p.feature, p.field) for p in problems] == [("l-2", "geometry")]
    assert "WKT" in problems[0].message


def test_csv_without_coordinates_is_a_read_error(tmp_path: Path) -> None:
    path = tmp_path / "table.csv"
    path.write_text("id,name\na,b\n", encoding="utf-8")
    with pytest.raises(DataReadError, match="lon") as info:
        read_layer_file(path)
    assert str(path) in str(info.value)


def test_missing_file_is_a_read_error_naming_the_path(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.geojson"
    with pytest.raises(DataReadError, match="no such file") as info:
        read_layer_file(path)
    assert str(path) in str(info.value)
    assert isinstance(info.value, OSError)


def test_unknown_suffix_is_a_read_error_naming_the_path(tmp_path: Path) -> None:
    path = tmp_path / "points.xlsx"
    path.write_bytes(b"not a spreadsheet")
    with pytest.raises(DataReadError, match="unknown file type") as info:
        read_layer_file(path)
    assert str(path) in str(info.value)


def test_corrupt_geojson_is_a_read_error_naming_the_path(tmp_path: Path) -> None:
    path = tmp_path / "broken.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    with pytest.raises(DataReadError) as info:
        read_layer_file(path)
    assert str(path) in str(info.value)


def test_read_table_keeps_text_and_marks_empty_cells_missing(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("iso3,year\nLAO,2050\nNA,\n", encoding="utf-8")
    table = read_table(path)
    assert table["iso3"].tolist() == ["LAO", "NA"]  # 'NA' is Namibia's code, not a missing value
    assert table["year"].iloc[0] == "2050"
    assert pd.isna(table["year"].iloc[1])


# --- validation --------------------------------------------------------------------------


def activity(rid: str, geometry: Any, **props: Any) -> dict[str, Any]:
    """A valid activity record (GeoJSON feature) that tests then break."""
    properties = {
        "id": rid,
        "name": "Grid study",
        "description": "A study.",
        "partnership": "JUMPP",
        "relation": "core",
        "activity_type": "study",
        "technology": "grid",
        "country": "LAO",
        "year": 2022,
        "status": "completed",
        "location_name": "Vientiane",
        "location_precision": "city",
        "source_url": "https://example.org/study",
        "source_publisher": "Example",
        "source_date": "2022-05",
        "verified_on": "2026-12-03",
    }
    properties.update(props)
    geom = None if geometry is None else shapely.geometry.mapping(geometry)
    return {"type": "Feature", "properties": properties, "geometry": geom}


def write_features(path: Path, features: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def problems_of(path: Path, catalogue: mapper.Catalogue, layer: str = "jumpp") -> list[mapper.Problem]:
    _, report = read_checked(path, catalogue[layer].schema)
    return report.problems


def test_valid_activity_file_has_no_problems(tmp_path: Path, catalogue: mapper.Catalogue) -> None:
    path = write_features(tmp_path / "acts.geojson", [activity("a-1", shapely.Point(102.6, 17.97))])
    assert problems_of(path, catalogue) == []


def test_bow_tie_polygon_is_reported_invalid(catalogue: mapper.Catalogue) -> None:
    bow_tie = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1), (0, 0)])
    frame = gpd.GeoDataFrame({"id": ["wz-x"]}, geometry=[bow_tie], crs=WGS84)
    problems = check_geometries(frame, catalogue["wind_zones"].schema, file="zones.geojson")
    assert len(problems) == 1
    (p,) = problems
    assert (p.file, p.feature, p.field) == ("zones.geojson", "wz-x", "geometry")
    assert "invalid" in p.message
    assert "Self-intersection" in p.message


def test_wrong_geometry_type_is_reported(tmp_path: Path, catalogue: mapper.Catalogue) -> None:
    line = shapely.LineString([(102, 17), (103, 18)])
    path = write_features(tmp_path / "acts.geojson", [activity("a-1", line)])
    problems = problems_of(path, catalogue)
    assert [(p.feature, p.field) for p in problems] == [("a-1", "geometry")]
    assert "LineString" in problems[0].message
    assert "Point" in problems[0].message


def test_missing_geometry_is_an_error_unless_country_level(tmp_path: Path, catalogue: mapper.Catalogue) -> None:
    features = [
        activity("a-site", None, location_precision="site"),
        activity("a-country", None, location_precision="country", location_name="Lao PDR"),
    ]
    path = write_features(tmp_path / "acts.geojson", features)
    problems = problems_of(path, catalogue)
    assert [(p.feature, p.field) for p in problems] == [("a-site", "geometry")]
    assert "location_precision = 'country'" in problems[0].message


def test_missing_geometry_is_an_error_for_lines(catalogue: mapper.Catalogue) -> None:
    frame = gpd.GeoDataFrame({"id": ["ic-x"]}, geometry=[None], crs=WGS84)
    problems = check_geometries(frame, catalogue["interconnectors"].schema, file="ic.geojson")
    assert [(p.feature, p.field) for p in problems] == [("ic-x", "geometry")]


def test_swapped_lon_lat_is_reported_out_of_range(tmp_path: Path, catalogue: mapper.Catalogue) -> None:
    path = write_features(tmp_path / "acts.geojson", [activity("a-1", shapely.Point(17.97, 102.6))])
    problems = problems_of(path, catalogue)
    assert [(p.feature, p.field) for p in problems] == [("a-1", "geometry")]
    assert "swapped" in problems[0].message
    assert "102.6" in str(problems[0].value)


def test_every_problem_names_file_feature_field_and_value(tmp_path: Path, catalogue: mapper.Catalogue) -> None:
    path = write_features(
        tmp_path / "acts.geojson",
        [activity("a-1", shapely.Point(102.6, 17.97), country="lao", year=2017, status="finished")],
    )
    problems = problems_of(path, catalogue)
    assert {p.field for p in problems} == {"country", "year", "status"}
    for p in problems:
        assert p.file == str(path)
        assert p.feature == "a-1"
        text = str(p)
        assert str(path) in text
        assert "a-1" in text
        assert p.field in text
    values = {p.field: p.value for p in problems}
    assert values["country"] == "lao"
    assert values["status"] == "finished"
    assert int(values["year"]) == 2017


def test_text_in_a_number_property_is_reported_without_a_warning(tmp_path: Path, catalogue: mapper.Catalogue) -> None:
    site = shapely.Point(102.6, 17.97)
    features = [activity("a-1", site), activity("a-2", site, year="twenty")]
    path = write_features(tmp_path / "acts.geojson", features)
    problems = problems_of(path, catalogue)  # warnings are errors in this test suite
    assert [(p.feature, p.field, p.value) for p in problems] == [("a-2", "year", "twenty")]


def test_check_frame_combines_schema_and_geometry_problems(catalogue: mapper.Catalogue) -> None:
    frame = gpd.GeoDataFrame(
        [activity("a-1", None)["properties"]], geometry=[shapely.Point(200, 10)], crs=WGS84
    ).assign(country="XXX")
    problems = check_frame(frame, catalogue["jumpp"].schema, file="f")
    assert {p.field for p in problems} == {"country", "geometry"}


def test_read_layer_raises_with_every_error(tmp_path: Path, catalogue: mapper.Catalogue) -> None:
    features = [activity("a-1", shapely.Point(102.6, 17.97), country="XXX"), activity("a-2", None)]
    path = write_features(tmp_path / "acts.geojson", features)
    layer = catalogue["jumpp"]
    broken = dataclasses.replace(layer, source=path)
    with pytest.raises(DataValidationError) as info:
        read_layer(broken)
    assert {(p.feature, p.field) for p in info.value.problems} == {("a-1", "country"), ("a-2", "geometry")}
    assert "2 problem(s)" in str(info.value)


def test_bundled_layers_read_without_errors(catalogue: mapper.Catalogue) -> None:
    for layer in catalogue.values():
        frame = read_layer(layer)
        assert len(frame) > 0
        assert frame.crs.equals(WGS84)


def test_bundled_files_validate_cleanly(catalogue: mapper.Catalogue) -> None:
    report = validate_catalogue(catalogue)
    assert report.errors == []
    assert len(report.checked) == 5
    assert all(n > 0 for n in report.checked.values())
    paths = [layer.source for layer in catalogue.values()] + [catalogue.countries.attributes]
    report = validate_paths(paths, catalogue)
    assert report.ok
    assert report.errors == []
    assert "OK" in report.format()


def test_validate_paths_reports_errors_of_a_broken_copy(layers_copy: Path, edit_geojson) -> None:
    catalogue = mapper.load_catalogue(layers_copy / "layers")
    zones = layers_copy / "geodata" / "wind_zones.geojson"

    def breakit(features: list[dict[str, Any]]) -> None:
        features[0]["properties"]["status"] = "dreamed"
        features[0]["properties"].pop("status_history", None)  # one error per broken record
        features[1]["properties"]["country"] = "jpn"
        features[2]["geometry"] = {"type": "Point", "coordinates": [139.0, 35.0]}

    edit_geojson(zones, breakit)
    ids = [f["properties"]["id"] for f in json.loads(zones.read_text(encoding="utf-8"))["features"][:3]]
    report = validate_paths([zones], catalogue)
    assert not report.ok
    found = {(p.file, p.feature, p.field) for p in report.errors}
    assert found == {(str(zones), ids[0], "status"), (str(zones), ids[1], "country"), (str(zones), ids[2], "geometry")}
    frame = report.to_frame()
    assert list(frame.columns) == ["severity", "file", "feature", "field", "value", "message"]
    assert "dreamed" in frame["value"].tolist()
    assert "FAILED: 3 error(s)" in report.format()


def test_validate_paths_reports_broken_attributes_csv(layers_copy: Path) -> None:
    catalogue = mapper.load_catalogue(layers_copy / "layers")
    csv = layers_copy / "geodata" / "country_attributes.csv"
    table = read_table(csv)
    table.loc[table["iso3"] == "LAO", "net_zero_year"] = "2500"
    table.to_csv(csv, index=False)
    report = validate_paths([csv], catalogue)
    assert [(p.feature, p.field) for p in report.errors] == [("LAO", "net_zero_year")]


def test_validate_paths_reports_unreadable_and_unknown_files(tmp_path: Path, catalogue: mapper.Catalogue) -> None:
    stranger = write_features(tmp_path / "something_else.geojson", [])
    missing = tmp_path / "jumpp_activities.geojson"
    report = validate_paths([stranger, missing], catalogue)
    assert {p.file for p in report.errors} == {str(stranger), str(missing)}
    unknown = next(p for p in report.errors if p.file == str(stranger))
    assert "cannot tell which layer" in unknown.message
    assert "jumpp_activities.geojson" in unknown.message  # lists the file names it knows


def test_validate_paths_with_layer_id_checks_any_file_name(tmp_path: Path, catalogue: mapper.Catalogue) -> None:
    path = write_features(tmp_path / "my_activities.geojson", [activity("a-1", shapely.Point(102.6, 17.97), year=1990)])
    report = validate_paths([path], catalogue, layer_id="jucep")
    assert [(p.feature, p.field) for p in report.errors] == [("a-1", "year")]


def test_a_fraction_in_an_integer_field_is_reported_not_a_crash(layers_copy: Path, edit_geojson) -> None:
    path = layers_copy / "geodata" / "interconnectors.geojson"
    edit_geojson(path, lambda features: features[0]["properties"].update(year=2015.5))
    catalogue = mapper.load_catalogue(layers_copy / "layers")
    report = validate_paths([path], catalogue)
    assert any(p.field == "year" and p.value == 2015.5 for p in report.errors)
    bundle = mapper.load_bundle(catalogue)  # the app and the CLI keep working
    first_id = json.loads(path.read_text(encoding="utf-8"))["features"][0]["properties"]["id"]
    assert first_id not in set(bundle.layers["interconnectors"]["id"])


def test_broken_records_are_dropped_by_position_even_without_an_id(layers_copy: Path, edit_geojson) -> None:
    path = layers_copy / "geodata" / "interconnectors.geojson"

    def change(features: list) -> None:
        features[1]["properties"]["id"] = None
        features[1]["geometry"]["coordinates"][0][0] = 200.0  # out of range
        features[2]["properties"]["id"] = features[3]["properties"]["id"]  # a duplicated id

    edit_geojson(path, change)
    original = json.loads(path.read_text(encoding="utf-8"))["features"]
    bundle = mapper.load_bundle(mapper.load_catalogue(layers_copy / "layers"))
    frame = bundle.layers["interconnectors"]
    assert (frame.geometry.bounds["maxx"] <= 180).all()
    assert len(frame) == len(original) - 2  # the id-less record and the later duplicate
    assert original[2]["properties"]["id"] in set(frame["id"])  # the first copy of the id stays
    assert any(p.feature == "#2" for p in bundle.report.errors)


def test_a_segment_jumping_across_the_antimeridian_is_reported(layers_copy: Path, edit_geojson) -> None:
    path = layers_copy / "geodata" / "interconnectors.geojson"
    edit_geojson(path, lambda f: f[0]["geometry"].update(type="LineString", coordinates=[[179.5, -17], [-179.5, -17]]))
    report = validate_paths([path], mapper.load_catalogue(layers_copy / "layers"))
    assert any("antimeridian" in p.message for p in report.errors)


def test_an_uploaded_file_is_checked_and_named_by_its_own_name(catalogue: mapper.Catalogue) -> None:
    good = (REPO_ROOT / "geodata" / "interconnectors.geojson").read_bytes()
    report = validate_upload("my_update.geojson", good, catalogue, "interconnectors")
    assert report.ok
    assert list(report.checked) == ["my_update.geojson"]
    data = json.loads(good)
    data["features"][0]["properties"]["voltage_kv"] = "high"
    report = validate_upload("../../etc/evil.geojson", json.dumps(data).encode(), catalogue, "interconnectors")
    assert not report.ok
    problem = report.errors[0]
    assert problem.file == "evil.geojson"  # the name only, never a path from the upload
    assert problem.field == "voltage_kv"
    assert problem.value == "high"


# --- broken records leave the map; the product passes its own checker ------------------------


def test_an_invalid_polygon_is_reported_and_left_out_of_the_bundle(layers_copy: Path, edit_geojson) -> None:
    path = layers_copy / "geodata" / "wind_zones.geojson"
    bad_id: list[str] = []

    def bow_tie(features: list[dict[str, Any]]) -> None:
        features[0]["geometry"] = {
            "type": "Polygon",
            "coordinates": [[[130, 30], [131, 31], [131, 30], [130, 31], [130, 30]]],
        }
        bad_id.append(features[0]["properties"]["id"])

    edit_geojson(path, bow_tie)
    bundle = mapper.load_bundle(mapper.load_catalogue(layers_copy / "layers"), cache=False)
    problems = [p for p in bundle.report.errors if p.feature == bad_id[0]]
    assert [p.field for p in problems] == ["geometry"]
    assert "invalid" in problems[0].message
    assert problems[0].row == 0
    assert bad_id[0] not in set(bundle.layers["wind_zones"]["id"])


@pytest.mark.parametrize("fmt", ["geojson", "csv", "gpkg", "zip"])
def test_every_export_validates_back_against_its_layer(
    fmt: str, tmp_path: Path, bundle: mapper.Bundle, catalogue: mapper.Catalogue
) -> None:
    from mapper.export import write_export
    from mapper.selection import select

    offenders = {}
    for lid in catalogue:
        out = write_export(select(bundle, mapper.FilterState(layers=(lid,))), tmp_path / f"{lid}.{fmt}")
        if fmt == "zip":
            import zipfile

            with zipfile.ZipFile(out) as archive:
                members = [m for m in archive.namelist() if not m.endswith(".txt")]
                archive.extractall(tmp_path / lid, members=members)
            files = [tmp_path / lid / m for m in members]
        else:
            files = [out]
        for path in files:
            name = lid if path.suffix == ".gpkg" else None
            report = validate_paths([path], catalogue, layer_id=lid, layer_name=name)
            if report.problems:
                offenders[path.name] = [str(p) for p in report.problems[:3]]
            assert report.checked[str(path)] == len(bundle.layers[lid])
    assert not offenders


def test_a_multi_layer_geopackage_without_a_layer_name_lists_its_tables(tmp_path: Path, catalogue) -> None:
    path = tmp_path / "two.gpkg"
    sample_frame().to_file(path, layer="first", driver="GPKG", engine="pyogrio")
    sample_frame().to_file(path, layer="second", driver="GPKG", engine="pyogrio")
    report = validate_paths([path], catalogue, layer_id="jumpp")
    [problem] = report.errors
    assert "first, second" in problem.message
    assert "--layer-name" in problem.message
    named = validate_paths([path], catalogue, layer_id="jumpp", layer_name="second")
    assert not any("several layers" in p.message for p in named.problems)


def test_a_csv_uses_wkt_where_lon_lat_are_empty(tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    path.write_text('id,lon,lat,wkt\na,102.6,17.97,\nb,,,"LINESTRING (100 10, 101 11)"\nc,,,\n', encoding="utf-8")
    frame, problems = read_layer_file(path)
    assert not problems
    assert [None if g is None else g.geom_type for g in frame.geometry] == ["Point", "LineString", None]


@pytest.mark.parametrize(
    ("encoding", "text"),
    [("utf-8-sig", "Viêng Chan"), ("shift_jis", "ビエンチャン発電所"), ("latin-1", "Café Résumé")],
)
def test_csv_encodings_are_detected(tmp_path: Path, encoding: str, text: str) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(f"id,name\nx,{text}\n".encode(encoding))
    assert read_table(path)["name"].tolist() == [text]


def test_a_projected_crs_with_degree_coordinates_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "wrong.gpkg"
    sample_frame().set_crs("EPSG:3857", allow_override=True).to_file(path, driver="GPKG", engine="pyogrio")
    with pytest.raises(DataReadError, match=r"EPSG:3857.*disagree"):
        read_layer_file(path)


def test_upload_names_are_never_used_as_paths(catalogue: mapper.Catalogue) -> None:
    from mapper.validate import upload_name

    assert upload_name("../../etc/passwd") == "passwd"
    assert upload_name("..") == "upload"
    assert upload_name("a\x00b.geojson") == "ab.geojson"
    long = upload_name("x" * 300 + ".geojson")
    assert len(long) <= 120
    assert long.endswith(".geojson")
    content = (REPO_ROOT / "geodata" / "jumpp_activities.geojson").read_bytes()
    report = validate_upload("../../../tmp/jumpp.geojson", content, catalogue, "jumpp")
    assert report.ok
    assert list(report.checked) == ["jumpp.geojson"]


def test_an_uploaded_geopackage_export_is_checked_table_by_table(bundle, tmp_path) -> None:
    """The Data & sources checker lists the tables of this tool's own GeoPackage export and
    checks the one picked against its layer."""
    from mapper.export import write_export
    from mapper.selection import select
    from mapper.validate import upload_tables, validate_upload

    path = write_export(
        select(bundle, mapper.FilterState(layers=("wind_zones", "interconnectors"))), tmp_path / "x.gpkg"
    )
    content = path.read_bytes()
    tables = upload_tables("../../evil name.gpkg", content)
    assert {"wind_zones", "interconnectors", "countries", "about"} <= set(tables)
    report = validate_upload("export.gpkg", content, bundle.catalogue, "wind_zones", layer_name="wind_zones")
    assert report.ok, report.to_frame()
    assert not report.warnings
    assert upload_tables("data.csv", b"a,b\n1,2\n") == []

"""Geodesic measures and the enrichment of layers (country joins, location checks)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import geopandas as gpd
import shapely

import mapper
from mapper import geo
from mapper.enrich import check_locations, enrich_layer, join_countries

BANGKOK = shapely.Point(100.50, 13.75)  # in Thailand, about 500 km from Laos
VIENTIANE = shapely.Point(102.60, 17.97)


# --- geo ---------------------------------------------------------------------------------


def test_length_of_one_degree_along_the_equator() -> None:
    assert geo.length_km(shapely.LineString([(0, 0), (1, 0)])) == pytest.approx(111.32, rel=1e-3)


def test_length_adds_up_multilines_and_ignores_empty() -> None:
    one = shapely.LineString([(0, 0), (1, 0)])
    multi = shapely.MultiLineString([[(0, 0), (1, 0)], [(10, 0), (11, 0)]])
    assert geo.length_km(multi) == pytest.approx(2 * geo.length_km(one), rel=1e-9)
    assert math.isnan(geo.length_km(None))
    assert math.isnan(geo.length_km(shapely.LineString()))


def test_length_is_geodesic_not_planar_degrees() -> None:
    # one degree of longitude at 60° N is about half of one at the equator
    assert geo.length_km(shapely.LineString([(0, 60), (1, 60)])) == pytest.approx(55.8, rel=5e-3)


def test_area_of_a_one_degree_cell_at_the_equator() -> None:
    cell = shapely.box(0, 0, 1, 1)
    assert geo.area_km2(cell) == pytest.approx(12308, rel=5e-3)
    # winding order does not matter and the area is never negative
    assert geo.area_km2(cell.reverse()) == pytest.approx(geo.area_km2(cell))
    assert math.isnan(geo.area_km2(None))


def test_distance_between_points_one_degree_of_latitude_apart() -> None:
    d = geo.distance_km(shapely.Point(100, 10), shapely.Point(100, 11))
    assert d == pytest.approx(110.6, rel=2e-3)


def test_distance_is_zero_for_touching_geometries_and_nan_for_missing() -> None:
    assert geo.distance_km(shapely.Point(0.5, 0.5), shapely.box(0, 0, 1, 1)) == 0.0
    assert math.isnan(geo.distance_km(None, shapely.Point(0, 0)))


def test_distance_from_polygon_edge_not_centre() -> None:
    # nearest edge of the box (lon 2) is 1° of longitude from the point (lon 3)
    d = geo.distance_km(shapely.box(0, -1, 2, 1), shapely.Point(3, 0))
    assert d == pytest.approx(111.32, rel=5e-3)


def test_distance_to_a_far_geometry_is_the_shortest_distance() -> None:
    # box edge at lon 8, point at lon 19: 11° along the equator, about 1,224 km (not 15° from the centre)
    d = geo.distance_km(shapely.box(0, -1, 8, 1), shapely.Point(19, 0))
    assert d == pytest.approx(11 * 111.32, rel=5e-3)


def test_share_inside() -> None:
    cell = shapely.box(0, 0, 2, 1)
    assert geo.share_inside(cell, shapely.box(0, -5, 1, 5)) == pytest.approx(0.5, rel=1e-3)
    assert geo.share_inside(cell, cell) == pytest.approx(1.0)
    assert math.isnan(geo.share_inside(None, cell))


def test_share_inside_is_zero_without_overlap() -> None:
    assert geo.share_inside(shapely.box(0, 0, 2, 1), shapely.box(10, 10, 11, 11)) == 0.0


# --- measures on the bundled layers -------------------------------------------------------


def test_every_bundled_line_has_a_positive_length(bundle: mapper.Bundle) -> None:
    lines = bundle.layer("interconnectors")
    assert len(lines) > 0
    assert lines["length_km"].notna().all()
    assert (lines["length_km"] > 0).all()


def test_bundled_line_length_matches_geodesic_length(bundle: mapper.Bundle) -> None:
    lines = bundle.layer("interconnectors")
    for geom, length in zip(lines.geometry, lines["length_km"], strict=True):
        assert length == pytest.approx(geo.length_km(geom), abs=0.06)


def test_every_bundled_zone_has_area_and_coast_distance(bundle: mapper.Bundle) -> None:
    zones = bundle.layer("wind_zones")
    assert len(zones) > 0
    assert zones["area_km2"].notna().all()
    assert (zones["area_km2"] > 0).all()
    assert zones["coast_distance_km"].notna().all()
    assert (zones["coast_distance_km"] >= 0).all()
    assert ((zones["land_share_pct"].dropna() >= 0) & (zones["land_share_pct"].dropna() <= 100)).all()


def test_every_bundled_zone_has_a_land_share(bundle: mapper.Bundle) -> None:
    assert bundle.layer("wind_zones")["land_share_pct"].notna().all()


def test_point_layers_get_no_line_or_area_measures(bundle: mapper.Bundle) -> None:
    for layer_id in ("jucep", "jumpp"):
        columns = set(bundle.layer(layer_id).columns)
        assert not columns & {"length_km", "area_km2", "coast_distance_km"}


def test_country_attributes_are_joined(bundle: mapper.Bundle) -> None:
    for layer_id in ("jucep", "jumpp", "wind_zones"):
        frame = bundle.layer(layer_id)
        assert {"country_name", "country_net_zero_year"} <= set(frame.columns)
    jumpp = bundle.layer("jumpp")
    laos = jumpp[jumpp["country"] == "LAO"]
    assert len(laos) > 0
    assert set(laos["country_name"]) == {"Laos"}
    assert set(laos["country_net_zero_year"]) == {2050}
    lines = bundle.layer("interconnectors")
    assert {"country_a_name", "country_b_name", "country_net_zero_year"} <= set(lines.columns)
    row = lines[(lines["country_a"] == "LAO") & (lines["country_b"] == "THA")].iloc[0]
    assert (row["country_a_name"], row["country_b_name"]) == ("Laos", "Thailand")


def test_bundle_has_no_location_warnings(bundle: mapper.Bundle) -> None:
    assert bundle.report.ok
    assert [str(p) for p in bundle.report.warnings] == []


# --- location checks ------------------------------------------------------------------------


def activities(rows: list[tuple[str, str, str, Any]]) -> gpd.GeoDataFrame:
    """A small activity frame: (id, country, location_precision, geometry) per row."""
    return gpd.GeoDataFrame(
        {
            "id": [r[0] for r in rows],
            "country": pd.array([r[1] for r in rows], dtype="string"),
            "location_precision": [r[2] for r in rows],
        },
        geometry=[r[3] for r in rows],
        crs="EPSG:4326",
    )


def test_point_in_another_country_is_a_warning_naming_record_and_field(bundle: mapper.Bundle) -> None:
    layer = bundle.catalogue["jumpp"]
    frame = activities([("x-1", "LAO", "city", BANGKOK), ("x-2", "LAO", "city", VIENTIANE)])
    problems = check_locations(frame, layer, bundle.countries)
    assert [(p.feature, p.field, p.severity) for p in problems] == [("x-1", "country", "warning")]
    message = problems[0].message
    assert "LAO" in message
    assert "THA" in message  # says where the point really is
    assert problems[0].value == "LAO"


def test_country_level_records_without_geometry_are_not_flagged(bundle: mapper.Bundle) -> None:
    layer = bundle.catalogue["jumpp"]
    frame = activities([("x-1", "LAO", "country", None), ("x-2", "THA", "country", None)])
    assert check_locations(frame, layer, bundle.countries) == []


def test_point_just_outside_its_country_is_within_tolerance(bundle: mapper.Bundle) -> None:
    layer = bundle.catalogue["jumpp"]
    thailand = bundle.countries.set_index("iso3").geometry["THA"]
    near = shapely.Point(VIENTIANE.x, VIENTIANE.y)  # Vientiane is on the Mekong, a few km from Thailand
    assert not thailand.contains(near)
    assert geo.distance_km(near, thailand) < layer.location_tolerance_km
    frame = activities([("x-1", "THA", "city", near)])
    assert check_locations(frame, layer, bundle.countries) == []


def test_line_end_in_the_wrong_country_is_flagged(bundle: mapper.Bundle) -> None:
    layer = bundle.catalogue["interconnectors"]
    line = shapely.LineString([(VIENTIANE.x, VIENTIANE.y + 0.1), (BANGKOK.x, BANGKOK.y)])
    frame = gpd.GeoDataFrame(
        {"id": ["ic-x", "ic-y"], "country_a": ["LAO", "LAO"], "country_b": ["VNM", "THA"], "countries": [None, None]},
        geometry=[line, line],
        crs="EPSG:4326",
    )
    problems = check_locations(frame, layer, bundle.countries)
    assert [(p.feature, p.field) for p in problems] == [("ic-x", "country_b")]
    assert "VNM" in problems[0].message


def test_zone_on_land_and_far_from_its_country_are_flagged(bundle: mapper.Bundle) -> None:
    layer = bundle.catalogue["wind_zones"]
    on_land = shapely.box(101.5, 17.5, 102.5, 18.5)  # inland Laos/Thailand
    far = shapely.box(-120.0, -45.0, -119.8, -44.8)  # the open South Pacific
    frame = gpd.GeoDataFrame(
        {"id": ["wz-land", "wz-far"], "country": ["THA", "JPN"]}, geometry=[on_land, far], crs="EPSG:4326"
    )
    enriched, problems = enrich_layer(frame, layer, bundle.countries, bundle.catalogue.countries, bundle.land)
    assert enriched.set_index("id").loc["wz-land", "land_share_pct"] > 90
    assert enriched.set_index("id").loc["wz-far", "coast_distance_km"] > 1000
    found = {(p.feature, p.field) for p in problems}
    assert ("wz-land", "geometry") in found
    assert ("wz-far", "country") in found
    assert all(p.severity == "warning" for p in problems)


def test_join_countries_adds_names_and_attributes(bundle: mapper.Bundle) -> None:
    layer = bundle.catalogue["jumpp"]
    frame = activities(
        [("x-1", "LAO", "country", None), ("x-2", "JPN", "country", None), ("x-3", "ZZZ", "country", None)]
    )
    joined = join_countries(frame, layer, bundle.countries, bundle.catalogue.countries)
    assert joined["country_name"].tolist()[:2] == ["Laos", "Japan"]
    assert pd.isna(joined["country_name"].iloc[2])
    assert joined["country_net_zero_year"].iloc[0] == 2050
    assert "country_name" not in frame.columns  # the input is left alone


def test_misplaced_point_in_a_copy_is_reported_by_the_bundle(layers_copy: Path, edit_geojson) -> None:
    path = layers_copy / "geodata" / "jumpp_activities.geojson"

    def misplace(features: list[dict[str, Any]]) -> None:
        props = features[4]["properties"]
        assert props["country"] == "LAO"
        props["location_precision"] = "city"
        props["location_name"] = "Bangkok"
        features[4]["geometry"] = {"type": "Point", "coordinates": [BANGKOK.x, BANGKOK.y]}

    edit_geojson(path, misplace)
    bundle = mapper.load_bundle(mapper.load_catalogue(layers_copy / "layers"))
    assert bundle.report.ok  # a misplaced point is a warning, the record is kept
    warnings = bundle.report.warnings
    assert [(p.file, p.feature, p.field) for p in warnings] == [(str(path), "jumpp-005", "country")]
    assert "jumpp-005" in bundle.layer("jumpp")["id"].tolist()


def test_distance_across_the_antimeridian_is_geodesic() -> None:
    west_of_180 = shapely.box(179.5, -17, 179.9, -16)
    east_of_180 = shapely.box(-179.9, -17, -179.5, -16)
    assert geo.distance_km(west_of_180, east_of_180) == pytest.approx(21.3, rel=0.02)

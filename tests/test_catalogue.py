"""The layer catalogue: bundled specs, unknown ids, broken specs, adding a layer."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

import mapper
from mapper import SpecError, UnknownLayerError

LAYER_IDS = {"jucep", "jumpp", "interconnectors", "wind_zones"}


def rewrite(path: Path, old: str, new: str, count: int = 1) -> None:
    """Replace text in a copied spec, failing loudly if the text is not there."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= count, f"{old!r} not found in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def test_bundled_catalogue_has_the_four_layers(catalogue: mapper.Catalogue) -> None:
    assert set(catalogue) == LAYER_IDS
    assert len(catalogue) == 4
    expected_geometry = {"jucep": "point", "jumpp": "point", "interconnectors": "line", "wind_zones": "polygon"}
    for layer_id, layer in catalogue.items():
        assert layer.id == layer_id
        assert layer.geometry == expected_geometry[layer_id]
        assert layer.source.is_file()
        assert layer.spec_path is not None
        assert layer.spec_path.stem == layer_id
        assert layer.tooltip
        assert set(layer.tooltip) <= set(layer.schema.fields)
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", layer.as_of)


def test_bundled_catalogue_has_the_countries_spec(catalogue: mapper.Catalogue) -> None:
    spec = catalogue.countries
    assert spec.polygons.is_file()
    assert spec.attributes.is_file()
    assert spec.schema.id == "country"
    assert "net_zero_year" in spec.join_fields
    assert spec.label("net_zero_year") == "Net-zero year"


def test_layers_use_the_schema_their_spec_names(catalogue: mapper.Catalogue) -> None:
    assert catalogue["jucep"].schema.id == "activity"
    assert catalogue["jumpp"].schema.id == "activity"
    assert catalogue["interconnectors"].schema.id == "interconnector"
    assert catalogue["wind_zones"].schema.id == "wind_zone"


def test_style_colours_records_by_their_value(catalogue: mapper.Catalogue) -> None:
    style = catalogue["interconnectors"].style
    assert style.color_by == "status"
    assert style.color_for("operating") == "#1b7837"
    assert style.color_for("no-such-status") == style.default_color
    assert style.width_for(500) == 5.5
    assert style.width_for(230) == 3.5
    assert style.width_for(None) == style.width
    assert style.width_for(float("nan")) == style.width


def test_layer_labels_fall_back_to_the_field_name(catalogue: mapper.Catalogue) -> None:
    layer = catalogue["jumpp"]
    assert layer.label("amount_usd") == "Amount (USD)"
    assert layer.label("location_name") == "Location name"
    assert layer.facet_fields("capacity") == ()
    assert layer.facet_fields("country") == ("country", "countries")


def test_unknown_layer_lists_the_valid_ids(catalogue: mapper.Catalogue) -> None:
    with pytest.raises(UnknownLayerError) as info:
        catalogue["wind"]
    message = str(info.value)
    assert "'wind'" in message
    for layer_id in LAYER_IDS:
        assert layer_id in message
    # it is also a KeyError, so `in` and `.get` behave like a mapping
    assert isinstance(info.value, KeyError)
    assert "wind" not in catalogue
    assert catalogue.get("wind") is None


def test_copy_loads_like_the_original(layers_copy: Path, catalogue: mapper.Catalogue) -> None:
    copy = mapper.load_catalogue(layers_copy / "layers")
    assert set(copy) == set(catalogue)
    assert copy.root == layers_copy
    assert copy["jumpp"].source == layers_copy / "geodata" / "jumpp_activities.geojson"


def test_broken_spec_lists_every_bad_field_in_one_message(layers_copy: Path) -> None:
    spec = layers_copy / "layers" / "jumpp.toml"
    rewrite(spec, 'id = "jumpp"', 'id = "jumpp2"')
    rewrite(spec, 'source = "geodata/jumpp_activities.geojson"', 'source = "geodata/missing.geojson"')
    rewrite(spec, 'tooltip = ["name",', 'tooltip = ["nmae",')
    rewrite(spec, 'stroke_color = "#7a1f1f"', 'stroke_color = "red"')
    rewrite(spec, 'study = "#0072B2"\n', "")  # palette no longer covers activity_type = study
    with pytest.raises(SpecError) as info:
        mapper.load_catalogue(layers_copy / "layers")
    err = info.value
    message = str(err)
    assert err.path == str(spec)
    assert str(spec) in message
    assert "jumpp2" in message
    assert "jumpp.toml" in message
    assert "missing.geojson" in message  # source file missing
    assert "'nmae'" in message  # unknown tooltip field
    assert "stroke_color" in message
    assert "'red'" in message
    assert "'study'" in message  # palette misses a value
    assert len(err.problems) == 5


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('tooltip = ["name",', 'tooltip = ["colour",', "'colour'"),
        ('operating = "#1b7837"', 'operating = "#1b78"', "style.palette.operating"),
        ('operating = "#1b7837"\n', "", "'operating'"),
        ('default_color = "#666666"', 'default_color = "grey"', "style.default_color"),
        ('source = "geodata/interconnectors.geojson"', 'source = "geodata/nope.geojson"', "nope.geojson"),
        ('id = "interconnectors"', 'id = "lines"', "interconnectors.toml"),
        ('schema = "interconnector"', 'schema = "interconnexion"', "known schemas"),
        ('geometry = "line"', 'geometry = "polygon"', "'geometry'"),
        ('as_of = "2026-11-22"', 'as_of = "22/11/2026"', "as_of"),
        ("[filters]", '[filters]\ncolour = ["status"]', "filters.colour"),
        ("location_tolerance_km = 15", "location_tolerance_km = -1", "location_tolerance_km"),
        ('title = "Mekong', 'titel = "Mekong', "unknown keys"),
    ],
)
def test_each_kind_of_spec_mistake_is_reported(layers_copy: Path, old: str, new: str, expected: str) -> None:
    spec = layers_copy / "layers" / "interconnectors.toml"
    rewrite(spec, old, new)
    with pytest.raises(SpecError) as info:
        mapper.load_catalogue(layers_copy / "layers")
    assert str(spec) in str(info.value)
    assert expected in str(info.value)


def test_spec_that_is_not_toml_names_the_file(layers_copy: Path) -> None:
    spec = layers_copy / "layers" / "wind_zones.toml"
    spec.write_text(spec.read_text(encoding="utf-8") + "\n[style\n", encoding="utf-8")
    with pytest.raises(SpecError, match="not valid TOML") as info:
        mapper.load_catalogue(layers_copy / "layers")
    assert str(spec) in str(info.value)


def test_missing_countries_spec_is_reported(layers_copy: Path) -> None:
    (layers_copy / "layers" / "countries.toml").unlink()
    with pytest.raises(SpecError, match="countries"):
        mapper.load_catalogue(layers_copy / "layers")


def test_broken_countries_spec_names_the_file(layers_copy: Path) -> None:
    spec = layers_copy / "layers" / "countries.toml"
    rewrite(spec, 'attributes = "geodata/country_attributes.csv"', 'attributes = "geodata/attrs.csv"')
    rewrite(spec, '"net_zero_year",', '"net_zero_yr",')
    with pytest.raises(SpecError) as info:
        mapper.load_catalogue(layers_copy / "layers")
    message = str(info.value)
    assert str(spec) in message
    assert "attrs.csv" in message
    assert "'net_zero_yr'" in message


def test_adding_a_layer_needs_only_a_data_file_and_a_spec(layers_copy: Path) -> None:
    geodata, layers = layers_copy / "geodata", layers_copy / "layers"
    shutil.copy(geodata / "wind_zones.geojson", geodata / "solar_parks.geojson")
    text = (layers / "wind_zones.toml").read_text(encoding="utf-8")
    text = text.replace('id = "wind_zones"', 'id = "solar_parks"')
    text = text.replace('title = "Offshore wind zones"', 'title = "Solar parks"')
    text = text.replace("geodata/wind_zones.geojson", "geodata/solar_parks.geojson")
    (layers / "solar_parks.toml").write_text(text, encoding="utf-8")

    catalogue = mapper.load_catalogue(layers)
    assert set(catalogue) == {*LAYER_IDS, "solar_parks"}
    assert catalogue["solar_parks"].title == "Solar parks"

    bundle = mapper.load_bundle(catalogue)
    assert len(bundle.layer("solar_parks")) == len(bundle.layer("wind_zones")) > 0
    assert "area_km2" in bundle.layer("solar_parks").columns
    assert bundle.report.ok

"""Tables for people: records with popup columns, summaries, clicked features, profiles."""

from __future__ import annotations

import pytest

import mapper
from mapper.measures import measure_label
from mapper.tables import clicked_records, country_profile, country_table, layer_table, summarize


@pytest.fixture(scope="module")
def shown(bundle: mapper.Bundle) -> dict:
    return mapper.apply_filter(bundle.layers, bundle.catalogue, mapper.FilterState())


def test_layer_table_has_the_popup_columns_labelled(bundle: mapper.Bundle) -> None:
    layer = bundle.catalogue["interconnectors"]
    table = layer_table(bundle.layers["interconnectors"], layer)
    assert list(table.columns[:2]) == ["ID", "Name"]
    assert "Voltage (kV)" in table.columns
    assert measure_label("length_km") in table.columns  # one label everywhere (tables, popups, exports)
    assert len(table) == len(bundle.layers["interconnectors"])


def test_summary_counts_and_capacity(bundle: mapper.Bundle, shown: dict) -> None:
    summary = summarize(shown, bundle.catalogue).set_index("layer")
    zones = bundle.layers["wind_zones"]
    row = summary.loc[bundle.catalogue["wind_zones"].title]
    assert row["records"] == len(zones)
    capacity = bundle.catalogue.facets["capacity"].label
    assert row[capacity] == pytest.approx(float(zones["capacity_mw"].sum()))
    jumpp = summary.loc[bundle.catalogue["jumpp"].title]
    assert jumpp["mapped at a place"] + jumpp["country-level"] == jumpp["records"]


def test_clicked_record_and_clicked_badge(bundle: mapper.Bundle, shown: dict) -> None:
    first = bundle.layers["interconnectors"].iloc[0]
    layer, table = clicked_records(shown, bundle.catalogue, first["id"])
    assert layer.id == "interconnectors"
    assert table.loc[0, "ID"] == first["id"]
    layer, table = clicked_records(shown, bundle.catalogue, "jumpp:LAO")
    expected = bundle.layers["jumpp"].query("country == 'LAO' and location_precision == 'country'")
    assert layer.id == "jumpp"
    assert sorted(table["ID"]) == sorted(expected["id"])
    assert clicked_records(shown, bundle.catalogue, "no-such-id") is None
    assert clicked_records({}, bundle.catalogue, "jumpp:LAO") is None


def test_country_profile_lists_targets_and_records(bundle: mapper.Bundle) -> None:
    profile = country_profile(bundle, "VNM")
    assert profile.name == "Viet Nam"
    assert profile.attributes["Net-zero year"] == 2050
    lines = profile.records[bundle.catalogue["interconnectors"].title]
    assert len(lines) == len(bundle.layers["interconnectors"].query("country_a == 'VNM' or country_b == 'VNM'"))
    with pytest.raises(KeyError, match="ISO 3166-1"):
        country_profile(bundle, "XYZ")


def test_country_table_counts_records_per_partnership(bundle: mapper.Bundle) -> None:
    table = country_table(bundle).set_index("iso3")
    assert len(table) == int(bundle.countries["has_attributes"].sum())
    column = f"{bundle.catalogue['jumpp'].title} (records)"
    laos = mapper.apply_filter(bundle.layers, bundle.catalogue, mapper.FilterState(layers=("jumpp",), country=("LAO",)))
    assert table.loc["LAO", column] == len(laos["jumpp"])

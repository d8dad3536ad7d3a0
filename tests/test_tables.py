"""Tables for people: records with popup columns, summaries, clicked features, profiles."""

from __future__ import annotations

import pytest
from conftest import pick_layer

import mapper
from mapper.measures import measure_label
from mapper.tables import clicked_records, country_profile, country_table, layer_table, summarize


@pytest.fixture(scope="module")
def shown(bundle: mapper.Bundle) -> dict:
    return mapper.apply_filter(bundle.layers, bundle.catalogue, mapper.FilterState())


def test_layer_table_has_the_popup_columns_labelled(bundle: mapper.Bundle, line_layer: str) -> None:
    layer = bundle.catalogue[line_layer]
    table = layer_table(bundle.layers[line_layer], layer)
    assert list(table.columns[:2]) == ["ID", "Name"]
    assert all(layer.label(f) in table.columns for f in layer.popup if f in bundle.layers[line_layer].columns)
    assert "length_km" in layer.measures
    assert measure_label("length_km") in table.columns  # one label everywhere (tables, popups, exports)
    assert len(table) == len(bundle.layers[line_layer])


def test_summary_counts_and_capacity(bundle: mapper.Bundle, shown: dict, point_layer: str) -> None:
    summary = summarize(shown, bundle.catalogue).set_index("layer")
    lid = pick_layer(bundle, facet="capacity")
    zones = bundle.layers[lid]
    row = summary.loc[bundle.catalogue[lid].title]
    assert row["records"] == len(zones)
    capacity = bundle.catalogue.facets["capacity"].label
    field = bundle.catalogue[lid].facet_fields("capacity")[0]
    assert row[capacity] == pytest.approx(float(zones[field].sum()))
    points = summary.loc[bundle.catalogue[point_layer].title]
    assert points["country-level"] > 0
    assert points["mapped at a place"] + points["country-level"] == points["records"]


def test_clicked_record_and_clicked_badge(bundle: mapper.Bundle, shown: dict, line_layer: str) -> None:
    first = bundle.layers[line_layer].iloc[0]
    layer, table = clicked_records(shown, bundle.catalogue, first["id"])
    assert layer.id == line_layer
    assert table.loc[0, "ID"] == first["id"]
    lid = pick_layer(
        bundle, geometry="point", where=lambda _, f: ((f["country"] == "LAO") & ~mapper.enrich.has_site(f)).any()
    )
    badge = mapper.enrich.badge_id(lid, "LAO")
    layer, table = clicked_records(shown, bundle.catalogue, badge)
    frame = bundle.layers[lid]
    expected = frame[(frame["country"] == "LAO") & ~mapper.enrich.has_site(frame)]
    assert layer.id == lid
    assert sorted(table["ID"]) == sorted(expected["id"])
    assert clicked_records(shown, bundle.catalogue, "no-such-id") is None
    assert clicked_records({}, bundle.catalogue, badge) is None


def test_country_profile_lists_targets_and_records(bundle: mapper.Bundle, line_layer: str) -> None:
    profile = country_profile(bundle, "VNM")
    assert profile.name == "Viet Nam"
    assert profile.attributes["Net-zero year"] == 2050
    lines = profile.records[bundle.catalogue[line_layer].title]
    first, second = bundle.catalogue[line_layer].facet_fields("country")[:2]
    assert len(lines) == len(bundle.layers[line_layer].query(f"{first} == 'VNM' or {second} == 'VNM'")) > 0
    with pytest.raises(KeyError, match="ISO 3166-1"):
        country_profile(bundle, "XYZ")


def test_country_table_counts_records_per_partnership(bundle: mapper.Bundle) -> None:
    table = country_table(bundle).set_index("iso3")
    assert len(table) == int(bundle.countries["has_attributes"].sum())
    laos = mapper.apply_filter(bundle.layers, bundle.catalogue, mapper.FilterState(country=("LAO",)))
    columns = [f"{bundle.catalogue[lid].title} (records)" for lid in bundle.catalogue]
    counted = [(c, len(laos[lid])) for c, lid in zip(columns, bundle.catalogue, strict=True) if c in table.columns]
    assert counted
    assert any(n > 0 for _, n in counted)
    assert all(table.loc["LAO", c] == n for c, n in counted)

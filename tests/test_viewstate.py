"""The explorer's view state: URL round trip and the widget mapping (Controls)."""

from __future__ import annotations

import pytest

import mapper
from mapper.viewstate import NO_CHOROPLETH, NO_TILES, Controls, ViewState, view_from_query
from mapper.webmap import MapView


@pytest.fixture(scope="module")
def controls(bundle: mapper.Bundle) -> Controls:
    return Controls.for_bundle(bundle)


def test_full_view_round_trips_through_the_url(bundle: mapper.Bundle) -> None:
    view = ViewState(
        filters=mapper.FilterState(layers=("jumpp",), countries=("LAO",), year_from=2020, search="grid"),
        choropleth="net_zero_year",
        scheme="natural_breaks",
        classes=4,
        basemap="CartoDB.Positron",
        view=MapView((17.5, 103.25), 6),
    )
    again, notices = view_from_query(view.to_query(), bundle)
    assert notices == []
    assert again == view


def test_default_view_has_an_empty_query(bundle: mapper.Bundle) -> None:
    assert ViewState().to_query() == {}
    assert view_from_query({}, bundle) == (ViewState(), [])


def test_widget_values_round_trip(controls: Controls) -> None:
    view = ViewState(
        filters=mapper.FilterState(
            layers=("interconnectors",), statuses=("operating",), capacity_min=500, year_to=2020
        ),
        choropleth="member_jumpp",
    )
    values = controls.values(view)
    assert values["w_choropleth"] == "member_jumpp"
    assert values["w_basemap"] == NO_TILES
    assert controls.view(values, view.view) == view


def test_full_ranges_mean_no_restriction(controls: Controls) -> None:
    values = controls.values(ViewState())
    assert values["w_years"] == controls.years
    assert values["w_capacity"] == controls.capacity
    assert values["w_layers"] == list(controls.layers)
    assert values["w_choropleth"] == NO_CHOROPLETH
    assert controls.view(values, MapView()) == ViewState()


def test_no_layer_selected_is_no_view(controls: Controls) -> None:
    values = {**controls.values(ViewState()), "w_layers": []}
    assert controls.view(values, MapView()) is None


def test_out_of_range_filters_are_clamped_to_the_widgets(controls: Controls) -> None:
    values = controls.filter_values(mapper.FilterState(year_from=1900, capacity_max=10**9))
    assert values["w_years"][0] == controls.years[0]
    assert values["w_capacity"][1] == controls.capacity[1]


def test_any_basemap_country_can_be_chosen(bundle: mapper.Bundle, controls: Controls) -> None:
    assert set(bundle.countries["iso3"]) <= set(controls.choices["countries"])

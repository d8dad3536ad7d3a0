"""The explorer's view state: URL round trip and the widget mapping (Controls)."""

from __future__ import annotations

import dataclasses

import pytest

import mapper
from mapper.query import with_defaults
from mapper.viewstate import NO_CHOROPLETH, NO_TILES, Controls, MapView, ViewState, view_from_query


@pytest.fixture(scope="module")
def controls(bundle: mapper.Bundle) -> Controls:
    return Controls.for_bundle(bundle)


def _as_opened(view: ViewState, bundle: mapper.Bundle) -> ViewState:
    """``view`` as the app holds it for ``bundle``: each facet the view leaves unset at its
    declared default (the bundled JUCEP/JUMPP layers show core activities by default)."""
    catalogue = bundle.catalogue
    return dataclasses.replace(
        view, filters=with_defaults(view.filters, catalogue), defaults=tuple(catalogue.facet_defaults().items())
    )


def test_full_view_round_trips_through_the_url(bundle: mapper.Bundle, point_layer: str) -> None:
    view = _as_opened(
        ViewState(
            filters=mapper.FilterState(layers=(point_layer,), country=("LAO",), year=(2020, None), search="grid"),
            choropleth="net_zero_year",
            scheme="natural_breaks",
            classes=4,
            basemap="Esri.WorldGrayCanvas",
            view=MapView((17.5, 103.25), 6),
        ),
        bundle,
    )
    again, notices = view_from_query(view.to_query(), bundle)
    assert notices == []
    assert again == view


def test_default_view_has_an_empty_query(bundle: mapper.Bundle) -> None:
    assert ViewState().to_query() == {}
    fresh = _as_opened(ViewState(), bundle)
    assert fresh.to_query() == {}, "facets at their declared defaults stay out of links"
    assert view_from_query({}, bundle) == (fresh, [])


def test_widget_values_round_trip(controls: Controls, bundle: mapper.Bundle, line_layer: str) -> None:
    view = _as_opened(
        ViewState(
            filters=mapper.FilterState(
                layers=(line_layer,), status=("operating",), capacity=(500, None), year=(None, 2020)
            ),
            choropleth="member_jumpp",
        ),
        bundle,
    )
    values = controls.values(view)
    assert values["w_choropleth"] == "member_jumpp"
    assert values["w_basemap"] == NO_TILES
    assert controls.view(values, view.view) == view


def test_full_ranges_mean_no_restriction(controls: Controls, bundle: mapper.Bundle) -> None:
    fresh = _as_opened(ViewState(), bundle)
    values = controls.values(fresh)
    assert values["f_year"] == controls.ranges["year"]
    assert values["f_capacity"] == controls.ranges["capacity"]
    assert values["w_layers"] == list(controls.layers)
    assert values["w_choropleth"] == NO_CHOROPLETH
    assert controls.view(values, MapView()) == fresh


def test_no_layer_selected_is_a_view_with_the_layers_off(controls: Controls, bundle: mapper.Bundle) -> None:
    values = {**controls.values(_as_opened(ViewState(), bundle)), "w_layers": []}
    view = controls.view(values, MapView())
    assert view.layers_off
    assert view.to_query() == {"layers": "none"}
    assert view_from_query(view.to_query(), bundle) == (view, [])
    assert controls.values(view)["w_layers"] == []


@pytest.mark.parametrize("broken", [2020, None, (2020,), "2020", [2019, 2021, 2023]])
def test_a_malformed_range_value_is_the_full_range_never_an_error(controls: Controls, broken: object) -> None:
    values = {**controls.values(ViewState()), "f_year": broken, "f_capacity": broken}
    view = controls.view(values, MapView())
    f = view.filters
    assert f.ranges == ()


def test_out_of_range_filters_are_clamped_to_the_widgets(controls: Controls) -> None:
    values = controls.filter_values(mapper.FilterState(year=(1900, None), capacity=(None, 10**9)))
    assert values["f_year"][0] == controls.ranges["year"][0]
    assert values["f_capacity"][1] == controls.ranges["capacity"][1]


def test_the_country_choices_are_the_countries_with_records_by_name(bundle: mapper.Bundle, controls: Controls) -> None:
    with_records = mapper.query.facet_choices(bundle.layers, bundle.catalogue)["country"]
    assert sorted(controls.choices["country"]) == sorted(with_records)
    names = [controls.names.get(c, c).casefold() for c in controls.choices["country"]]
    assert names == sorted(names)


# --- the map's reports (pure: the page only stores the Report) -------------------------------------
def _result(lat: float, lng: float, zoom: int) -> dict:
    return {"center": {"lat": lat, "lng": lng}, "zoom": zoom}


def test_a_report_is_taken_once_and_a_repeat_is_ignored() -> None:
    from mapper.viewstate import Report, take_report

    view, report = take_report(_result(10.123456, 100.0, 5), Report())
    assert view == MapView((10.1235, 100.0), 5)
    again, same = take_report(_result(10.123456, 100.0, 5), report)
    assert again is None
    assert same == report


def test_a_new_map_s_first_report_of_the_default_view_is_not_the_user_s() -> None:
    from mapper.viewstate import DEFAULT_CENTER, DEFAULT_ZOOM, Report, take_report

    waiting = Report(awaiting_first=True)
    view, report = take_report(_result(*DEFAULT_CENTER, DEFAULT_ZOOM), waiting)
    assert view is None
    assert report.awaiting_first
    view, report = take_report(_result(35.0, 139.0, 6), report)  # the pushed view arrived
    assert view == MapView((35.0, 139.0), 6)
    assert not report.awaiting_first
    view, _ = take_report(_result(*DEFAULT_CENTER, DEFAULT_ZOOM), report)  # now the user went back
    assert view == MapView()


@pytest.mark.parametrize(
    "result",
    [None, {}, {"center": None, "zoom": 3}, {"center": {"lat": "x", "lng": 1}, "zoom": 3}, {"center": {}, "zoom": 3}],
)
def test_a_malformed_report_changes_nothing(result: object) -> None:
    from mapper.viewstate import Report, take_report

    assert take_report(result, Report()) == (None, Report())


def test_a_report_across_the_antimeridian_is_kept_in_display_longitudes() -> None:
    from mapper.viewstate import Report, take_report

    view, report = take_report(_result(-15.0, 190.0, 4), Report())  # Leaflet's lng past 180 (Pacific view)
    assert view is not None
    assert view.center[1] == pytest.approx(190.0)  # the map's Pacific-centred range, as links keep it
    same, _ = take_report(_result(-15.0, -170.0, 4), report)  # Leaflet may report any multiple of 360
    assert same is None

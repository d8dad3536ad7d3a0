"""The Streamlit app, headless (AppTest): every page and widget path.

Each test builds its own app, so the tests pass in any order."""

from __future__ import annotations

import re

import pytest
from conftest import pick_layer
from streamlit.testing.v1 import AppTest

import mapper
from mapper.query import with_defaults

TIMEOUT = 120


def _app(params: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file("../streamlit_app.py", default_timeout=TIMEOUT)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    return at.run()


def _counts(at: AppTest) -> dict[str, int]:
    """Records shown per layer title (labels are Markdown-escaped: compare the text shown)."""
    return {re.sub(r"\\(.)", r"\1", m.label): int(m.value) for m in at.metric}


def _expected(bundle: mapper.Bundle, state: mapper.FilterState) -> dict[str, int]:
    """Records per layer for ``state`` as the app applies it: a facet the state leaves unset
    starts at its declared default (the JUCEP/JUMPP layers show core activities by default)."""
    frames = mapper.apply_filter(bundle.layers, bundle.catalogue, with_defaults(state, bundle.catalogue))
    return {bundle.catalogue[lid].title: len(f) for lid, f in frames.items()}


@pytest.fixture
def app() -> AppTest:
    return _app()


def test_map_page_shows_every_layer_with_its_count(app: AppTest, bundle: mapper.Bundle) -> None:
    assert not app.exception
    assert _counts(app) == _expected(bundle, mapper.FilterState())
    assert any("As of" in c.value for c in app.caption)


def test_filters_change_the_counts_and_the_url(bundle: mapper.Bundle) -> None:
    at = _app()
    at.sidebar.multiselect(key="f_country").set_value(["LAO"]).run()
    assert _counts(at) == _expected(bundle, mapper.FilterState(country=("LAO",)))
    at.sidebar.multiselect(key="f_partnership").set_value(["JUMPP"]).run()
    expected = _expected(bundle, mapper.FilterState(country=("LAO",), partnership=("JUMPP",)))
    assert _counts(at) == expected
    assert at.query_params["country"] == "LAO"
    assert at.query_params["partnership"] == "JUMPP"
    at.sidebar.text_input(key="f_search").input("no-such-word-anywhere").run()
    assert set(_counts(at).values()) == {0}


def test_layer_toggle_and_year_range(bundle: mapper.Bundle, line_layer: str) -> None:
    at = _app()
    at.sidebar.multiselect(key="w_layers").set_value([line_layer]).run()
    assert list(_counts(at)) == [bundle.catalogue[line_layer].title]
    at.sidebar.slider(key="f_year").set_value((2015, 2020)).run()
    expected = _expected(bundle, mapper.FilterState(layers=(line_layer,), year=(2015, 2020)))
    assert _counts(at) == expected
    assert at.query_params["year_from"] == "2015"


def test_choropleth_switches_and_is_in_the_url() -> None:
    at = _app()
    at.sidebar.selectbox(key="w_choropleth").set_value("net_zero_year").run()
    at.sidebar.selectbox(key="w_scheme").set_value("natural_breaks").run()
    assert not at.exception
    assert at.query_params["choropleth"] == "net_zero_year"
    assert at.query_params["scheme"] == "natural_breaks"
    at.sidebar.selectbox(key="w_choropleth").set_value("member_jumpp").run()
    assert not at.exception
    assert at.sidebar.selectbox(key="w_scheme").disabled  # categorical: no classification


def test_a_shared_link_restores_the_view(bundle: mapper.Bundle, point_layer: str, polygon_layer: str) -> None:
    at = _app(
        {
            "countries": "VNM",
            "choropleth": "net_zero_year",
            "scheme": "equal_interval",
            "layers": f"{point_layer},{polygon_layer}",
            "lat": "15.5",
            "lon": "107.2",
            "zoom": "6",
        }
    )
    assert not at.exception
    assert at.sidebar.multiselect(key="f_country").value == ["VNM"]
    assert at.sidebar.selectbox(key="w_choropleth").value == "net_zero_year"
    assert at.sidebar.selectbox(key="w_scheme").value == "equal_interval"
    assert _counts(at) == _expected(bundle, mapper.FilterState(country=("VNM",), layers=(point_layer, polygon_layer)))
    assert at.session_state["view_state"].view.zoom == 6
    assert at.session_state["view_request"]["zoom"] == 6  # pushed into the new map once
    assert not at.info  # nothing had to be adjusted


def test_bad_or_stale_links_show_the_nearest_view_and_a_notice(bundle: mapper.Bundle, point_layer: str) -> None:
    at = _app(
        {
            "layers": f"nope,{point_layer}",
            "year_from": "abc",
            "choropleth": "<script>",
            "lat": "999",
            "countries": "XXX,LAO",
            "scheme": "weird",
            "basemap": "Evil.Tiles",
        }
    )
    assert not at.exception
    # notices are Markdown-escaped (the values come from the URL): compare the text shown
    notices = re.sub(r"\\(.)", r"\1", " ".join(i.value for i in at.info))
    for word in ("nope", "abc", "choropleth", "XXX", "weird", "Evil.Tiles", "map position"):
        assert word in notices
    assert _counts(at) == _expected(bundle, mapper.FilterState(layers=(point_layer,), country=("LAO",)))


@pytest.mark.parametrize("page", ["app_pages/countries.py", "app_pages/sources.py", "app_pages/export.py"])
def test_other_pages_render(app: AppTest, page: str) -> None:
    app.switch_page(page).run()
    assert not app.exception
    assert app.title


def test_countries_page_compares_targets(app: AppTest, bundle: mapper.Bundle) -> None:
    app.switch_page("app_pages/countries.py").run()
    table = app.dataframe[0].value
    assert len(table) == int(bundle.countries["has_attributes"].sum())
    assert "Net-zero year" in table.columns


def test_sources_page_reports_validation(app: AppTest) -> None:
    app.switch_page("app_pages/sources.py").run()
    assert app.success[0].value.startswith("All bundled data validates")
    assert len(app.expander) >= 5


def test_sources_page_reports_freshness(app: AppTest, bundle: mapper.Bundle) -> None:
    from mapper.validate import freshness_report

    app.switch_page("app_pages/sources.py").run()
    findings = freshness_report(bundle).problems
    if findings:
        assert any(w.value.startswith(f"Freshness: {len(findings)} finding(s)") for w in app.warning)
        shown = next(d.value for d in app.dataframe if "feature" in d.value.columns and "message" in d.value.columns)
        assert sorted(shown["feature"]) == sorted(str(p.feature) for p in findings)
    else:
        assert any(s.value.startswith("Freshness: every record verified") for s in app.success)


def test_capacity_range_filters_layers_with_a_capacity(bundle: mapper.Bundle) -> None:
    with_capacity = tuple(lid for lid in bundle.catalogue if bundle.catalogue[lid].facet_fields("capacity"))
    assert len(with_capacity) >= 2
    at = _app({"layers": ",".join(reversed(with_capacity))})
    low, high = at.sidebar.slider(key="f_capacity").value
    at.sidebar.slider(key="f_capacity").set_value((1000, high)).run()
    assert not at.exception
    expected = _expected(bundle, mapper.FilterState(layers=with_capacity, capacity=(1000, None)))
    assert _counts(at) == expected
    assert at.query_params["capacity_from"] == "1000"
    assert low < 1000


def test_capacity_range_comes_back_from_a_link(bundle: mapper.Bundle) -> None:
    lid = pick_layer(bundle, facet="capacity")
    at = _app({"layers": lid, "capacity_min": "500", "capacity_max": "2000"})
    assert at.sidebar.slider(key="f_capacity").value == (500, 2000)
    expected = _expected(bundle, mapper.FilterState(layers=(lid,), capacity=(500, 2000)))
    assert _counts(at) == expected


def test_reset_filters_shows_everything_again(bundle: mapper.Bundle, point_layer: str) -> None:
    at = _app({"countries": "LAO", "search": "grid", "layers": point_layer})
    assert _counts(at) != _expected(bundle, mapper.FilterState())
    at.sidebar.button(key="w_reset").click().run()
    assert _counts(at) == _expected(bundle, mapper.FilterState())
    assert "countries" not in at.query_params


def test_no_layer_selected_draws_and_exports_nothing() -> None:
    at = _app()
    at.sidebar.multiselect(key="w_layers").set_value([]).run()
    assert not at.exception
    assert not at.metric
    assert any("No layer is selected" in w.value for w in at.warning)
    assert at.query_params["layers"] == "none"
    at.switch_page("app_pages/export.py").run()
    assert not at.exception
    assert not at.get("download_button")
    assert any("No layer is selected" in w.value for w in at.warning)


def test_the_country_list_offers_countries_with_records_by_name(bundle: mapper.Bundle) -> None:
    at = _app()
    options = at.sidebar.multiselect(key="f_country").options
    names = dict(zip(bundle.countries["iso3"], bundle.countries["name"], strict=True))
    with_records = mapper.query.facet_choices(bundle.layers, bundle.catalogue)["country"]
    codes = [re.search(r"\((\w{3})\)$", o).group(1) for o in options]
    assert sorted(codes) == sorted(with_records)
    shown_names = [o.rsplit(" (", 1)[0] for o in options]
    assert shown_names == sorted(shown_names, key=str.casefold)
    assert all(names.get(c, c) == n for c, n in zip(codes, shown_names, strict=True))


def test_a_link_naming_a_country_without_records_gets_a_notice(bundle: mapper.Bundle) -> None:
    with_records = set(mapper.query.facet_choices(bundle.layers, bundle.catalogue)["country"])
    without = sorted(set(bundle.countries["iso3"]) - with_records)[0]
    at = _app({"countries": f"{without},LAO"})
    assert at.sidebar.multiselect(key="f_country").value == ["LAO"]
    assert without in " ".join(i.value for i in at.info)


def test_map_to_other_pages_and_back_keeps_every_control() -> None:
    at = _app({"countries": "LAO", "year_from": "2000", "year_to": "2020", "choropleth": "net_zero_year"})
    at.sidebar.multiselect(key="f_status").set_value(["operating"]).run()
    at.sidebar.slider(key="f_capacity").set_value((100, 5000)).run()
    at.sidebar.slider(key="w_classes").set_value(3).run()
    keys = ["w_layers", "f_country", "f_status", "f_year", "f_capacity", "w_choropleth", "w_classes"]
    before = {k: at.session_state[k] for k in keys}
    query = at.query_params.to_dict() if hasattr(at.query_params, "to_dict") else dict(at.query_params)
    for page in ("app_pages/countries.py", "app_pages/export.py", "app_pages/sources.py", "app_pages/map.py"):
        at.switch_page(page).run()
        assert not at.exception, page
    after = {k: at.session_state[k] for k in keys}
    assert after == before
    assert isinstance(after["f_year"], tuple)
    assert isinstance(after["f_capacity"], tuple)
    now = at.query_params.to_dict() if hasattr(at.query_params, "to_dict") else dict(at.query_params)
    assert now == query


def test_every_link_value_has_a_widget() -> None:
    at = _app(
        {"choropleth": "net_zero_year", "scheme": "equal_interval", "classes": "3", "basemap": "Esri.WorldGrayCanvas"}
    )
    assert at.sidebar.slider(key="w_classes").value == 3
    assert at.sidebar.selectbox(key="w_basemap").value == "Esri.WorldGrayCanvas"
    assert at.query_params["classes"] == "3"
    at.sidebar.slider(key="w_classes").set_value(6).run()
    assert at.query_params["classes"] == "6"


def test_no_nan_anywhere_on_the_map_page() -> None:
    at = _app()
    texts = [c.value for c in at.caption] + [str(m.value) for m in at.metric]
    assert not [t for t in texts if "nan" in t.lower().split()]


def test_the_ndc_chart_colours_each_target_type_apart(bundle: mapper.Bundle) -> None:
    """An intensity target is never drawn as if it were a cut of the same kind as the others."""
    import json

    import pyarrow as pa

    at = _app()
    at.switch_page("app_pages/countries.py").run()
    assert not at.exception
    charts = {}
    for chart in at.get("vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        if "x" in spec.get("encoding", {}):
            data = pa.ipc.open_stream(chart.proto.datasets[0].data.data).read_all().to_pandas()
            charts[spec["encoding"]["x"]["field"]] = (spec, data)
    ndc, data = charts["ndc_unconditional_pct"]
    assert ndc["encoding"]["color"]["field"] == "kind"
    assert ndc["encoding"]["color"]["title"] == bundle.catalogue.countries.label("ndc_target_type")
    kinds = set(data["kind"])
    published = bundle.countries.dropna(subset=["ndc_unconditional_pct"])["ndc_target_type"].dropna()
    assert len(kinds) == published.nunique() > 1
    net_zero, _ = charts["net_zero_year"]
    assert net_zero["mark"]["type"] == "circle"
    assert net_zero["encoding"]["x"]["scale"]["zero"] is False


def test_the_records_tables_open_on_demand_and_stay_open(bundle: mapper.Bundle) -> None:
    """The tables are closed when the page opens (the map comes first); once opened they
    stay open through a filter change and a visit to another page, and hold what is shown."""
    at = _app()
    assert not at.dataframe
    assert not at.tabs
    at.session_state["w_records"] = True  # what opening the expander sets
    at.run()
    shown = _expected(bundle, mapper.FilterState())
    assert [re.sub(r"\\(.)", r"\1", tab.label) for tab in at.tabs] == [f"{title} ({n})" for title, n in shown.items()]
    at.sidebar.multiselect(key="f_country").set_value(["LAO"]).run()
    assert len(at.tabs) == len(shown)
    at.switch_page("app_pages/countries.py").run()
    at.switch_page("app_pages/map.py").run()
    assert not at.exception
    assert at.dataframe, "the tables closed after a visit to another page"


#: Widgets whose values the app sets through ``st.session_state`` (the view state: the Map
#: page's controls, the language, the records tables).
_VIEW_WIDGET_FILES = ("streamlit_app.py", "app_pages/map.py")
_WIDGETS = {"multiselect", "slider", "text_input", "selectbox", "toggle", "expander"}


def test_every_view_state_widget_takes_the_sessions_value_as_its_default() -> None:
    """A widget whose code loads after the run that set its value mounts with a later run's
    element: without the session's value as its default it came up empty, and the next rerun
    dropped every layer and filter (see ``app_pages/_shared.held``)."""
    import ast
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    offenders = []
    for name in _VIEW_WIDGET_FILES:
        tree = ast.parse((repo / name).read_text(encoding="utf-8"))
        for call in ast.walk(tree):
            func = getattr(call, "func", None)
            if not isinstance(call, ast.Call) or getattr(func, "attr", None) not in _WIDGETS:
                continue
            if not any(k.arg == "key" for k in call.keywords):
                continue
            held = [
                c
                for c in ast.walk(call)
                if isinstance(c, ast.Call) and getattr(c.func, "id", None) in ("held", "held_index")
            ]
            if not held:
                offenders.append(f"{name}:{call.lineno}: {func.attr}")
    assert offenders == []

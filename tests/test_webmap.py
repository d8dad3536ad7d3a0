"""The web map: offline assets, escaping, legends, country-level records, choropleth."""

from __future__ import annotations

import json
import re

import pytest

import shapely

import mapper
from mapper.assets import ASSETS, install_static
from mapper.style import Choropleth, classify, layer_legend
from mapper.webmap import build_map, pacific_view, popup_html, standalone_html, tooltip_html, unshift_lon

EVIL = '<script>alert(1)</script><img src=x onerror="alert(2)">'


def _external_urls(html: str) -> list[str]:
    return [u for u in re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html) if u.startswith("http")]


def test_map_loads_no_asset_from_the_internet(bundle: mapper.Bundle) -> None:
    html = build_map(bundle).get_root().render()
    assert _external_urls(html) == []
    assert "/app/static/vendor/leaflet/leaflet.js" in html


def test_install_static_copies_every_asset(tmp_path) -> None:
    install_static(tmp_path)
    for asset in ASSETS:
        assert (tmp_path / asset.url_path).stat().st_size == asset.path.stat().st_size
    assert (tmp_path / "vendor/leaflet/images/layers.png").is_file()


def test_tooltip_and_popup_escape_text_from_data(catalogue: mapper.Catalogue) -> None:
    layer = catalogue["jumpp"]
    record = {
        "name": EVIL,
        "country": "LAO",
        "year": 2020,
        "status": "ongoing",
        "description": EVIL,
        "source_url": "javascript:alert(3)",
        "partners": "A & B",
    }
    for html in (tooltip_html(record, layer), popup_html(record, layer)):
        assert "<script>" not in html
        assert "<img" not in html
        assert "&lt;script&gt;" in html
        assert "javascript:" not in html  # not a link: only http(s) URLs become links
    assert "A &amp; B" in popup_html(record, layer)


def test_popup_links_to_the_source(bundle: mapper.Bundle) -> None:
    layer = bundle.catalogue["interconnectors"]
    record = bundle.layers["interconnectors"].iloc[0].to_dict()
    html = popup_html(record, layer)
    assert f'href="{record["source_url"]}"' in html.replace("&amp;", "&")
    assert 'rel="noopener noreferrer"' in html


def test_malicious_name_never_reaches_the_page_as_markup(bundle: mapper.Bundle) -> None:
    frame = bundle.layers["interconnectors"].copy()
    frame.loc[0, "name"] = EVIL
    evil_bundle = mapper.Bundle(
        bundle.catalogue, {**bundle.layers, "interconnectors": frame}, bundle.countries, bundle.report
    )
    html = build_map(evil_bundle).get_root().render()
    assert EVIL not in html
    assert "<script>alert(1)" not in html


def test_every_selected_layer_is_on_the_map_with_a_legend(bundle: mapper.Bundle) -> None:
    html = build_map(bundle).get_root().render()
    for layer in bundle.catalogue.values():
        assert json.dumps(layer.title)[1:-1] in html
    assert "mapper-legend" in html


def test_filter_changes_what_is_drawn(bundle: mapper.Bundle) -> None:
    all_html = build_map(bundle).get_root().render()
    laos_html = (
        build_map(bundle, mapper.FilterState(countries=("LAO",), layers=("interconnectors",))).get_root().render()
    )
    hongsa = bundle.layers["interconnectors"].query("country_a == 'LAO'").iloc[0]["id"]
    malaysia_only = bundle.layers["interconnectors"].query("country_a != 'LAO' and country_b != 'LAO'")
    assert hongsa in laos_html
    assert malaysia_only.iloc[0]["id"] in all_html
    assert f'"{malaysia_only.iloc[0]["id"]}"' not in laos_html


def test_country_level_records_are_badges_on_their_country_not_sites(bundle: mapper.Bundle) -> None:
    html = build_map(bundle, mapper.FilterState(layers=("jumpp",))).get_root().render()
    assert "country-level record(s)" in html
    assert "dashArray" in html


def test_legend_lists_the_status_colours_of_a_layer(catalogue: mapper.Catalogue, bundle: mapper.Bundle) -> None:
    legend = layer_legend(catalogue["interconnectors"], bundle.layers["interconnectors"])
    labels = [e.label for e in legend.entries]
    assert "operating" in labels
    assert any("kV" in label for label in labels)  # line widths by voltage


@pytest.mark.parametrize("scheme", ["quantiles", "equal_interval", "natural_breaks"])
def test_choropleth_legend_states_breaks_and_no_data(bundle: mapper.Bundle, scheme: str) -> None:
    classified = classify(bundle.countries, bundle.catalogue.countries, Choropleth("ndc_unconditional_pct", scheme, 4))
    labels = [e.label for e in classified.legend.entries]
    assert labels[-1].startswith("No data")
    assert all("–" in label or label[0].isdigit() for label in labels[:-1])
    assert "%" in classified.legend.note
    assert set(classified.colors) == set(bundle.countries["iso3"])


def test_categorical_choropleth(bundle: mapper.Bundle) -> None:
    classified = classify(bundle.countries, bundle.catalogue.countries, Choropleth("net_zero_status"))
    assert {e.label.split(" (")[0] for e in classified.legend.entries} >= {"law", "policy", "pledge", "No data"}
    laos = classified.colors["JPN"]
    assert laos != classified.colors.get("ATA", "none")


def test_unknown_choropleth_attribute_is_a_clear_error(bundle: mapper.Bundle) -> None:
    with pytest.raises(ValueError, match="choose one of"):
        classify(bundle.countries, bundle.catalogue.countries, Choropleth("ndc_target_text"))


def test_pacific_view_keeps_fiji_together() -> None:
    fiji = shapely.MultiPolygon([shapely.box(177, -19, 180, -16), shapely.box(-180, -19, -178, -16)])
    shifted = pacific_view(fiji)
    assert shifted.bounds[0] == 177
    assert shifted.bounds[2] == 182
    assert unshift_lon(182) == -178


def test_standalone_html_inlines_assets(bundle: mapper.Bundle) -> None:
    html = standalone_html(bundle, mapper.FilterState(layers=("wind_zones",)))
    assert _external_urls(html) == []
    assert "/app/static" not in html
    assert "L.map" in html
    assert "Leaflet" in html
    assert "as of" in html


def test_display_longitudes_match_what_pacific_view_draws() -> None:
    from mapper.webmap import display_lon

    assert display_lon(-10) == -10
    assert display_lon(350) == -10
    assert display_lon(-100) == 260
    assert display_lon(120) == 120
    assert display_lon(120 + 720) == 120


@pytest.mark.parametrize("scheme", ["quantiles", "equal_interval", "natural_breaks"])
@pytest.mark.parametrize("attribute", ["ndc_unconditional_pct", "net_zero_year", "offshore_wind_target_gw"])
def test_legend_counts_match_the_colours_on_the_map(bundle: mapper.Bundle, scheme: str, attribute: str) -> None:
    classified = classify(bundle.countries, bundle.catalogue.countries, Choropleth(attribute, scheme, 4))
    colours = list(classified.colors.values())
    for entry in classified.legend.entries:
        count = int(entry.label.rsplit("(", 1)[1].rstrip(")"))
        assert colours.count(entry.color) == count, entry.label


def test_year_breaks_are_whole_years(bundle: mapper.Bundle) -> None:
    classified = classify(
        bundle.countries, bundle.catalogue.countries, Choropleth("net_zero_year", "equal_interval", 4)
    )
    for entry in classified.legend.entries[:-1]:
        assert "." not in entry.label
        assert "," not in entry.label

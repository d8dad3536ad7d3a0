"""The web map: offline assets, escaping (HTML and templates), payloads, legends,
country-level records, choropleth."""

from __future__ import annotations

import base64
import json
import re

import numpy as np
import pandas as pd
import pytest

import shapely

import mapper
from mapper import webmap
from mapper.assets import ASSETS, install_static, runtime_path
from mapper.geo import display_lon, pacific_view, unshift_lon
from mapper.selection import select
from mapper.style import Choropleth, classify, layer_legend
from mapper.webmap import (
    MapAssets,
    build_map,
    js_literal,
    live_map_args,
    map_payload,
    payload_group,
    popup_html,
    standalone_html,
    web_map,
)

EVIL = '<script>alert(1)</script><img src=x onerror="alert(2)">'
#: Template payloads: if any is evaluated, "49", the working directory or an error shows.
JINJA = ["Zone {{ 7*7 }}", "{{ lipsum.__globals__.os.getcwd() }}", "{% if true %}x{% endif %}", "{# c #}", "{{", "%}"]


def _kept(spec: dict) -> list[int]:
    """Record positions a layer payload keeps (decoded from its bit mask)."""
    bits = np.unpackbits(np.frombuffer(base64.b64decode(spec["keep"]), dtype=np.uint8), bitorder="little")
    return [int(i) for i in np.flatnonzero(bits)]


def _render(selection, **kwargs) -> str:
    return build_map(selection, **kwargs).get_root().render()


def _evil_bundle(bundle: mapper.Bundle, text: str) -> mapper.Bundle:
    """The bundle with ``text`` as the name and description of the first record of every
    layer, and as a country name."""
    layers = {}
    for lid, frame in bundle.layers.items():
        frame = frame.copy()
        layer = bundle.catalogue[lid]
        for field in {layer.label_field, "description"} & set(frame.columns):
            frame[field] = frame[field].astype(object)
            frame.loc[frame.index[0], field] = text
        layers[lid] = frame
    countries = bundle.countries.copy()
    countries.loc[countries.index[0], "name"] = text
    return mapper.Bundle(bundle.catalogue, layers, countries, bundle.report)


def _external_urls(html: str) -> list[str]:
    return [u for u in re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html) if u.startswith("http")]


def test_map_loads_no_asset_from_the_internet() -> None:
    html = web_map().get_root().render()
    assert _external_urls(html) == []
    assert "/app/static/vendor/leaflet/leaflet.js" in html
    assert "/app/static/mapper/mapper.js" in html


def test_the_web_map_script_is_the_same_on_every_call() -> None:
    """streamlit-folium keys its component on the map's script: if it changed, the map would
    be remounted (flicker, lost view). Everything that changes travels in payloads."""
    from streamlit_folium import _get_map_string

    assert _get_map_string(web_map()) == _get_map_string(web_map())


def test_a_filter_change_sends_a_small_payload(bundle: mapper.Bundle) -> None:
    assets = MapAssets(bundle)
    refs = {name: f"/app/static/data/{name}.json" for name in assets.names()}
    for state in (mapper.FilterState(), mapper.FilterState(country=("LAO",)), mapper.FilterState(search="wind")):
        payload = js_literal(map_payload(select(bundle, state), assets, refs, choropleth=Choropleth("net_zero_year")))
        assert len(payload) < 64_000, state  # the countries and records are fetched once, not re-sent


def test_payload_keeps_exactly_the_selected_records(bundle: mapper.Bundle) -> None:
    assets = MapAssets(bundle)
    refs = dict.fromkeys(assets.names(), "x")
    selection = select(bundle, mapper.FilterState(country=("LAO",)))
    payload = map_payload(selection, assets, refs)
    for spec in payload["layers"]:
        frame = selection.frames[spec["id"]]
        sited = frame[mapper.enrich.has_site(frame)]
        assert _kept(spec) == [int(i) for i in sited.index]
        badged = sorted(i for badge in spec["badges"] for i in badge["members"])
        assert badged == sorted(int(i) for i in frame.index.difference(sited.index))


def test_runtime_cannot_be_read_as_a_template() -> None:
    text = runtime_path().read_text(encoding="utf-8")
    offenders = [token for token in ("{{", "{%", "{#") if token in text]  # what opens a Jinja tag
    assert offenders == []


def test_install_static_copies_every_asset(tmp_path) -> None:
    install_static(tmp_path)
    for asset in ASSETS:
        assert (tmp_path / asset.url_path).stat().st_size == asset.path.stat().st_size
    assert (tmp_path / "vendor/leaflet/images/layers.png").is_file()


def test_tooltip_and_popup_escape_text_from_data(catalogue: mapper.Catalogue, point_layer: str) -> None:
    layer = catalogue[point_layer]
    record = {
        "name": EVIL,
        "country": "LAO",
        "year": 2020,
        "status": "ongoing",
        "description": EVIL,
        "source_url": "javascript:alert(3)",
        "partners": "A & B",
    }
    for html in (popup_html(record, layer),):
        assert "<script>" not in html
        assert "<img" not in html
        assert "&lt;script&gt;" in html
        assert "javascript:" not in html  # not a link: only http(s) URLs become links
    assert "A &amp; B" in popup_html(record, layer)
    assert "partners" in layer.popup  # the field above is shown


def test_popup_links_to_the_source(bundle: mapper.Bundle, line_layer: str) -> None:
    layer = bundle.catalogue[line_layer]
    record = bundle.layers[line_layer].iloc[0].to_dict()
    html = popup_html(record, layer)
    assert f'href="{record["source_url"]}"' in html.replace("&amp;", "&")
    assert 'rel="noopener noreferrer"' in html


def test_malicious_text_never_reaches_the_page_as_markup(bundle: mapper.Bundle) -> None:
    html = _render(select(_evil_bundle(bundle, EVIL)))
    assert EVIL not in html
    assert "<script>alert(1)" not in html
    assert "<img" not in html


@pytest.mark.parametrize("text", JINJA)
def test_template_text_in_data_is_never_evaluated(bundle: mapper.Bundle, text: str) -> None:
    """branca compiles rendered scripts again as Jinja templates: data text must come out
    literally (as escapes the browser turns back into the same text) on every path."""
    evil = _evil_bundle(bundle, text)
    selection = select(evil)
    pages = {
        "build_map": _render(selection, choropleth=Choropleth("net_zero_year")),
        "standalone_html": standalone_html(selection, title=text),
    }
    assets = MapAssets(evil)
    payload = map_payload(selection, assets, dict.fromkeys(assets.names(), "x"), choropleth=Choropleth("net_zero_year"))
    m = web_map()
    m.add_child(payload_group(payload))
    pages["web_map_payload"] = m.get_root().render()
    cwd = str(__import__("pathlib").Path.cwd())
    for name, html in pages.items():
        assert "Zone 49" not in html, name
        assert cwd not in html, name
    # the documents the browser fetches hold the text itself (JSON, never a template):
    # labels, tooltip and popup columns as plain text (the runtime escapes them)
    labels = json.dumps([assets.document(n).get("labels") for n in assets.names()], ensure_ascii=False)
    assert json.dumps(text, ensure_ascii=False)[1:-1] in labels
    popups = json.dumps([assets.popups(n) for n in bundle.catalogue], ensure_ascii=False)
    assert json.dumps(text, ensure_ascii=False)[1:-1] in popups


def test_every_selected_layer_is_on_the_map_with_a_legend(bundle: mapper.Bundle) -> None:
    assets = MapAssets(bundle)
    payload = map_payload(select(bundle), assets, dict.fromkeys(assets.names(), "x"))
    assert [spec["id"] for spec in payload["layers"]] == list(bundle.catalogue)
    for layer in bundle.catalogue.values():
        assert __import__("html").escape(layer.title) in payload["legend"]


def test_filter_changes_what_is_drawn(bundle: mapper.Bundle, line_layer: str) -> None:
    assets = MapAssets(bundle)
    refs = dict.fromkeys(assets.names(), "x")
    laos = map_payload(select(bundle, mapper.FilterState(country=("LAO",), layers=(line_layer,))), assets, refs)
    frame = bundle.layers[line_layer]
    first, second = bundle.catalogue[line_layer].facet_fields("country")[:2]
    touching = frame[(frame[first] == "LAO") | (frame[second] == "LAO")]
    assert 0 < len(touching) < len(frame)
    [spec] = laos["layers"]
    assert set(_kept(spec)) == {int(i) for i in touching.index if mapper.enrich.has_site(touching).loc[i]}
    assert laos["countries"]["highlight"] == ["LAO"]


def test_country_level_records_are_badges_on_their_country_not_sites(bundle: mapper.Bundle, point_layer: str) -> None:
    assets = MapAssets(bundle)
    payload = map_payload(
        select(bundle, mapper.FilterState(layers=(point_layer,))), assets, dict.fromkeys(assets.names(), "x")
    )
    [spec] = payload["layers"]
    unlocated = bundle.layers[point_layer][~mapper.enrich.has_site(bundle.layers[point_layer])]
    country = bundle.catalogue[point_layer].country_fields[0]
    assert len(unlocated) > 0
    assert sum(len(b["members"]) for b in spec["badges"]) == len(
        unlocated[unlocated[country].isin(bundle.countries["iso3"])]
    )
    assert all("country-level record" in b["header"] for b in spec["badges"])


def test_badges_made_once_per_set_of_records_are_the_same_and_not_shared(
    bundle: mapper.Bundle, point_layer: str
) -> None:
    """A filter change back to records shown before takes the badges made then: equal to
    fresh ones, and a copy (one session's payload never changes another's)."""
    assets = MapAssets(bundle)
    refs = dict.fromkeys(assets.names(), "x")
    state = mapper.FilterState(layers=(point_layer,))
    first = map_payload(select(bundle, state), assets, refs)["layers"][0]["badges"]
    assert first
    first[0]["members"].append(-1)
    again = map_payload(select(bundle, state), assets, refs)["layers"][0]["badges"]
    fresh = map_payload(select(bundle, state), MapAssets(bundle), refs)["layers"][0]["badges"]
    assert again == fresh
    assert -1 not in again[0]["members"]


def test_legend_lists_the_status_colours_of_a_layer(
    catalogue: mapper.Catalogue, bundle: mapper.Bundle, line_layer: str
) -> None:
    legend = layer_legend(catalogue[line_layer], bundle.layers[line_layer])
    labels = [e.label for e in legend.entries]
    assert "operating" in labels
    assert any("kV" in label for label in labels)  # line widths by voltage


@pytest.mark.parametrize("scheme", ["quantiles", "equal_interval", "natural_breaks"])
def test_choropleth_legend_states_breaks_and_no_data(bundle: mapper.Bundle, scheme: str) -> None:
    classified = classify(bundle.countries, bundle.catalogue.countries, Choropleth("ndc_unconditional_pct", scheme, 4))
    labels = [e.label for e in classified.legend.entries]
    assert labels[-1].startswith("No data")
    assert labels[-2].startswith("Other target type, not classed")
    assert all("–" in label or label[0].isdigit() for label in labels[:-2])
    assert "%" in classified.legend.note
    assert set(classified.colors) == set(bundle.countries["iso3"])


def test_categorical_choropleth(bundle: mapper.Bundle) -> None:
    classified = classify(bundle.countries, bundle.catalogue.countries, Choropleth("net_zero_status"))
    assert {e.label.split(" (")[0] for e in classified.legend.entries} >= {"law", "policy", "pledge", "No data"}
    law, pledge = (
        classified.colors["JPN"],
        classified.colors[next(c for c, v in classified.values.items() if v is None)],
    )
    assert law != pledge


def test_unknown_choropleth_attribute_is_a_clear_error(bundle: mapper.Bundle) -> None:
    with pytest.raises(ValueError, match="choose one of"):
        classify(bundle.countries, bundle.catalogue.countries, Choropleth("ndc_target_text"))


def test_pacific_view_keeps_fiji_together() -> None:
    fiji = shapely.MultiPolygon([shapely.box(177, -19, 180, -16), shapely.box(-180, -19, -178, -16)])
    shifted = pacific_view(fiji)
    assert shifted.bounds[0] == 177
    assert shifted.bounds[2] == 182
    assert unshift_lon(182) == -178


def test_standalone_html_inlines_assets(bundle: mapper.Bundle, polygon_layer: str) -> None:
    html = standalone_html(select(bundle, mapper.FilterState(layers=(polygon_layer,))))
    assert _external_urls(html) == []
    assert "/app/static" not in html
    assert "L.map" in html
    assert "Leaflet" in html
    assert "as of" in html
    assert "MapperRuntime.update(JSON.parse(" in html


def test_display_longitudes_match_what_pacific_view_draws() -> None:
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


def test_choropleth_never_classes_targets_of_different_types_on_one_scale(bundle: mapper.Bundle) -> None:
    """Only the most common target type is classed; every other type is grey (its own legend
    row) and the legend title names the classed type."""
    from mapper.style import NO_DATA, OTHER_TYPE

    frame = pd.DataFrame(
        {
            "iso3": ["AAA", "BBB", "CCC", "DDD", "EEE", "FFF"],
            "ndc_unconditional_pct": [40.0, 50.0, 60.0, 30.0, 45.0, None],
            "ndc_target_type": ["base_year", "base_year", "base_year", "bau", "intensity", "bau"],
        }
    )
    classified = classify(frame, bundle.catalogue.countries, Choropleth("ndc_unconditional_pct", "quantiles", 3))
    colors = classified.colors
    assert sorted(iso for iso, c in colors.items() if c == OTHER_TYPE) == ["DDD", "EEE"]
    assert colors["FFF"] == NO_DATA
    assert {colors["AAA"], colors["BBB"], colors["CCC"]}.isdisjoint({OTHER_TYPE, NO_DATA})
    assert "cut from a base year targets only" in classified.legend.title
    other = next(e for e in classified.legend.entries if e.color == OTHER_TYPE)
    assert "vs business-as-usual" in other.label
    assert "intensity" in other.label
    assert other.label.endswith("(2)")
    for entry in classified.legend.entries:  # every count is what the map shows
        assert list(colors.values()).count(entry.color) == int(entry.label.rsplit("(", 1)[1].rstrip(")"))
    # a tie goes to the type listed first in the schema (base_year before bau)
    tie = frame.assign(ndc_target_type=["base_year", "bau", "bau", "base_year", "intensity", None])
    assert (
        "cut from a base year"
        in classify(tie, bundle.catalogue.countries, Choropleth("ndc_unconditional_pct")).legend.title
    )
    # attributes that are not typed targets are classed as before
    assert (
        "targets only"
        not in classify(bundle.countries, bundle.catalogue.countries, Choropleth("net_zero_year")).legend.title
    )


def test_web_and_snapshot_legends_state_the_classed_target_type(bundle: mapper.Bundle) -> None:
    """The 2035 targets on the bundled data: base-year cuts are classed, other target types (China's
    cut from its peak, Bangladesh's cut vs business as usual) are grey, and both the web legend and
    the snapshot legend say so."""
    from mapper.snapshot import _choropleth_rows
    from mapper.style import NO_DATA, OTHER_TYPE
    from mapper.webmap import legend_html

    choropleth = Choropleth("ndc2035_unconditional_pct", "quantiles", 3)
    classified = classify(bundle.countries, bundle.catalogue.countries, choropleth)
    assert classified.colors["CHN"] == OTHER_TYPE
    assert {classified.colors[c] for c in ("JPN", "AUS", "KOR")}.isdisjoint({OTHER_TYPE, NO_DATA})
    html = legend_html([classified.legend])
    assert "cut from a base year targets only" in html
    # Every country with a 2035 percentage that is not a cut from a base year is counted in the
    # grey row (China's cut from its peak; since 2026-12-03 also Bangladesh's cut vs BAU).
    unclassed = [c for c, colour in classified.colors.items() if colour == OTHER_TYPE]
    assert "CHN" in unclassed
    grey_row = re.search(r"Other target type, not classed: ([^<]*) \((\d+)\)", html)
    assert grey_row is not None, html
    assert "other formulation" in grey_row.group(1)
    assert int(grey_row.group(2)) == len(unclassed)
    rows = [r.text for r in _choropleth_rows(classified.legend, choropleth, {OTHER_TYPE, NO_DATA})]
    assert any("cut from a base year targets only" in t for t in rows)
    assert any(t.startswith("Other target type, not classed") for t in rows)


def _detailed(bundle: mapper.Bundle, geometry: str) -> tuple[str, mapper.Bundle]:
    """A layer of ``geometry`` from the catalogue, its sites made detailed (buffered into
    outlines of ~70 vertices, as real sites and zones are), in a copy of the bundle."""
    lid = next(lid for lid, layer in bundle.catalogue.items() if layer.geometry == geometry)
    frame = bundle.layers[lid].copy()
    sited = mapper.enrich.has_site(frame)
    outlines = shapely.buffer(frame.geometry[sited].to_numpy(), 0.05, quad_segs=16)  # degrees: a shape, not a distance
    frame.loc[sited, frame.geometry.name] = outlines if geometry == "polygon" else shapely.boundary(outlines)
    return lid, mapper.Bundle(bundle.catalogue, {**bundle.layers, lid: frame}, bundle.countries, bundle.report)


@pytest.mark.parametrize("geometry", ["polygon", "line"])
def test_big_shape_layers_carry_simplified_bands_and_keep_the_exact_geometry(
    bundle: mapper.Bundle, monkeypatch: pytest.MonkeyPatch, geometry: str
) -> None:
    lid, detailed = _detailed(bundle, geometry)
    assert "bands" not in MapAssets(detailed).document(lid)  # small layers: Leaflet's own smoothing is enough
    monkeypatch.setattr(webmap, "SIMPLIFY_FROM", 0)
    document = MapAssets(detailed).document(lid)
    exact = MapAssets(detailed, simplify=False).document(lid)
    assert "bands" not in exact
    # the exact geometry is kept, for the largest zooms: features as they are, or their "detail"
    restored = [
        {**f, "geometry": d if d is not None else f["geometry"]}
        for f, d in zip(document["features"], document["detail"], strict=True)
    ]
    assert restored == exact["features"]
    finest = {
        "zoom": document["base_zoom"],
        "geometries": [
            f["geometry"] if d else None for f, d in zip(document["features"], document["detail"], strict=True)
        ],
    }
    assert [band["zoom"] for band in [*document["bands"], finest]] == list(webmap.ZOOM_BANDS)  # each saves enough
    offenders = []
    for band in [*document["bands"], finest]:
        pixel = 360 / (256 * 2 ** band["zoom"])
        assert len(band["geometries"]) == len(document["features"])
        for feature, simple in zip(exact["features"], band["geometries"], strict=True):
            if simple is None:
                continue
            full, drawn = shapely.geometry.shape(feature["geometry"]), shapely.geometry.shape(simple)
            if not (
                shapely.get_num_coordinates(drawn) < shapely.get_num_coordinates(full)
                and drawn.is_valid
                and drawn.geom_type == full.geom_type
                and full.hausdorff_distance(drawn) <= webmap.SIMPLIFY_PX * pixel + pixel / 10
            ):
                offenders.append((band["zoom"], feature["properties"]["id"]))
    assert not offenders
    coarsest = document["bands"][0]["geometries"]
    assert all(g is not None for g in coarsest)  # ~70 vertices are too many for any record at zoom 4


def test_published_big_layers_fetch_their_exact_geometry_apart(
    bundle: mapper.Bundle, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    lid, detailed = _detailed(bundle, "polygon")
    monkeypatch.setattr(webmap, "SIMPLIFY_FROM", 0)
    assets = MapAssets(detailed)
    url = assets.publish(tmp_path, "/static")[lid]
    published = json.loads((tmp_path / "data" / url.rsplit("/", 1)[1]).read_text(encoding="utf-8"))
    assert "detail" not in published
    detail = json.loads((tmp_path / "data" / published["detail_url"].rsplit("/", 1)[1]).read_text(encoding="utf-8"))
    assert detail == assets.document(lid)["detail"]
    assert assets.inline_document(lid)["detail"] == detail  # self-contained HTML has it inline
    size = len(json.dumps(published))
    assert size < len(json.dumps(MapAssets(detailed, simplify=False).document(lid)))  # less to fetch first


def test_coarse_outlines_get_no_bands_they_would_not_gain_from(
    bundle: mapper.Bundle, monkeypatch: pytest.MonkeyPatch, polygon_layer: str
) -> None:
    """A big layer of simple outlines (a few vertices each) is sent as it is: simplified
    copies would add bytes and save no drawing."""
    monkeypatch.setattr(webmap, "SIMPLIFY_FROM", 0)
    frame = bundle.layers[polygon_layer]
    sited = frame.geometry[mapper.enrich.has_site(frame)].to_numpy()
    assert shapely.get_num_coordinates(sited).max() <= 6  # the bundled outlines are simple
    document = MapAssets(bundle).document(polygon_layer)
    assert "bands" not in document
    assert document == MapAssets(bundle, simplify=False).document(polygon_layer)


def test_the_japanese_web_font_is_installed_with_its_licence_and_declared_where_text_is_shown(tmp_path) -> None:
    import tomllib
    from pathlib import Path

    from mapper.assets import JAPANESE_FONT_DIR, install_static
    from mapper.webmap import web_map

    static = install_static(tmp_path / "static")
    folder = static / JAPANESE_FONT_DIR
    assert (folder / "ipaexg.ttf").stat().st_size > 1_000_000
    licence = (folder / "IPA_Font_License_Agreement_v1.0.txt").read_text(encoding="utf-8", errors="replace")
    assert "IPA Font License" in licence
    css = (folder / "ipaexfont.css").read_text(encoding="utf-8")
    assert 'src:url("ipaexg.ttf")' in css
    assert "unicode-range:" in css
    # the live map links the stylesheet; the app's theme declares the same file
    assert any(href.endswith(f"{JAPANESE_FONT_DIR}/ipaexfont.css") for _, href in web_map().default_css)
    config = tomllib.loads((Path(__file__).parents[1] / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    faces = {f["family"]: f for f in config["theme"]["fontFaces"]}
    assert faces["IPAexGothic"]["url"] == f"app/static/{JAPANESE_FONT_DIR}/ipaexg.ttf"
    assert "IPAexGothic" in config["theme"]["font"]


def test_an_english_page_needs_only_the_language_controls_small_font(tmp_path) -> None:
    """The language control shows Japanese on every page: its four characters come from a
    1 kB subset (declared first, with exactly those characters as its range), so an English
    page never fetches the full 6 MB font; the subset is renamed as the IPA licence asks."""
    import io
    import tomllib
    from pathlib import Path

    from fontTools.ttLib import TTFont

    from mapper import assets
    from mapper.i18n import LANGUAGES, translator

    label = "Language / 言語"
    texts = {label, translator("ja").gettext(label), *LANGUAGES.values()}
    assert set(assets.LANGUAGE_SWITCH_TEXTS) == texts  # the control's texts, in both languages
    static = assets.install_static(tmp_path / "static")
    path = static / assets.JAPANESE_FONT_DIR / assets.language_switch_font_name()
    font = TTFont(io.BytesIO(path.read_bytes()))
    wanted = {ord(c) for c in assets.language_switch_characters()}
    assert wanted
    assert wanted <= set(font.getBestCmap())
    assert path.stat().st_size < 10_000
    assert "IPAexGothic" not in {str(r) for r in font["name"].names if r.nameID in (1, 4, 6)}
    config = tomllib.loads((Path(__file__).parents[1] / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    families = [f.strip() for f in config["theme"]["font"].split(",")]
    assert families.index("Mapper Japanese") < families.index("IPAexGothic")
    face = next(f for f in config["theme"]["fontFaces"] if f["family"] == "Mapper Japanese")
    assert face["url"] == f"app/static/{assets.JAPANESE_FONT_DIR}/{assets.language_switch_font_name()}"
    assert face["unicodeRange"] == assets.language_switch_font_range()


def test_documents_published_gzipped_inflate_to_the_plain_ones(bundle: mapper.Bundle, tmp_path) -> None:
    """The app publishes each document gzipped once (the server then sends it as it is) and
    keeps the plain one beside it for browsers that cannot inflate; both hold the same JSON,
    and publishing again writes the same bytes (content-addressed, cacheable for good)."""
    import gzip

    urls = MapAssets(bundle).publish(tmp_path, "/static", compressed=True)
    data = tmp_path / "data"
    offenders = []
    for name, url in urls.items():
        packed = data / url.rsplit("/", 1)[1]
        plain = packed.with_name(packed.name.removesuffix(".gz"))
        if not url.endswith(".json.gz") or json.loads(gzip.decompress(packed.read_bytes())) != json.loads(
            plain.read_bytes()
        ):
            offenders.append(name)
    assert not offenders
    before = {p.name: p.read_bytes() for p in data.glob("*.gz")}
    assert MapAssets(bundle).publish(tmp_path / "again", "/static", compressed=True) == urls
    assert {p.name: p.read_bytes() for p in (tmp_path / "again" / "data").glob("*.gz")} == before
    assert all(u.endswith(".json") for u in MapAssets(bundle).publish(tmp_path / "plain", "/static").values())


def test_published_documents_decode_to_each_records_site_colour_and_text(bundle: mapper.Bundle, tmp_path) -> None:
    """What the runtime reads from the published documents (packed integers, encoded tooltip
    and popup columns, popup chunks) is each record's own site, colour and plain text, for
    every layer, hostile text included."""
    evil = _evil_bundle(bundle, EVIL + JINJA[0])
    # the bundled point layers' records are all country-level: give one layer sites (west of
    # the Pacific split, so shifted by +360, and south of the equator: negative integers),
    # keeping a record without one, so that the compact points are decoded for real
    lid = next(lid for lid in evil.catalogue if evil.catalogue[lid].geometry == "point")
    frame = evil.layers[lid].copy()
    assert len(frame) >= 3, "the test needs a point layer of three records or more"
    sites = [shapely.Point(-157.85, 21.31), shapely.Point(106.85, -6.21)]
    frame["geometry"] = sites + list(frame.geometry.iloc[2:])
    evil.layers[lid] = frame
    assets = MapAssets(evil)
    urls = assets.publish(tmp_path, "/s")

    def read(url: str) -> object:
        return json.loads((tmp_path / "data" / url.rsplit("/", 1)[1]).read_text(encoding="utf-8"))

    problems = []
    points_read = 0
    for lid, frame in evil.layers.items():
        layer = evil.catalogue[lid]
        document = read(urls[lid])
        fields = [f for f in layer.tooltip if f != layer.label_field and f in frame.columns]
        for field, (_, texts, packed) in zip(fields, document["columns"], strict=True):
            if [texts[k] for k in webmap.unpacked(packed)] != webmap._column_text(frame[field], assets.tr):
                problems.append(f"{lid}: tooltip column {field}")
        chunks = [read(url) for url in document["popup_urls"]]
        expected = assets.popups(lid)
        for c in range(1, len(expected)):
            got = [col["d"][k] for chunk in chunks for col in [chunk[c]] for k in webmap.unpacked(col["k"])]
            if got != expected[c]:
                problems.append(f"{lid}: popup column {c}")
        originals = [text for chunk in chunks for text in _decoded(chunk[0], chunk[1])]
        heading = [f"{n} ({o})" if o else n for n, o in zip(document["labels"], originals, strict=True)]
        if heading != expected[0]:
            problems.append(f"{lid}: popup headings")
        if "points" in document:
            points = document["points"]
            sited = np.flatnonzero(mapper.enrich.has_site(frame).to_numpy())
            where = webmap.unpacked(points["i"]) if "i" in points else np.arange(len(frame))
            xy = webmap.unpacked(points["xy"]).reshape(-1, 2) / points["scale"]
            site = webmap.pacific_coords(shapely.get_coordinates(frame.geometry.to_numpy()[sited]))
            colors = [document["palette"][k] for k in webmap.unpacked(points["c"])]
            want = [layer.style.color_for(v) for v in frame[layer.style.color_by].iloc[sited]]
            ids = frame["id"].astype(str).iloc[sited].tolist()
            if list(where) != list(sited) or not np.allclose(xy, site, atol=1e-5) or colors != want:
                problems.append(f"{lid}: points")
            if points["id"] != ids:  # a click reports the record's id (the details panel finds it)
                problems.append(f"{lid}: points")
            points_read += len(sited)
    assert problems == []
    assert points_read >= 2  # not a vacuous pass over layers without sites


def _decoded(column: dict | None, other: dict) -> list[str]:
    """The texts of an encoded popup column of a chunk (None: empty, as many as ``other``)."""
    if column is None:
        return [""] * len(webmap.unpacked(other["k"]))
    return [column["d"][k] for k in webmap.unpacked(column["k"])]


PACK_CASES = [
    [],  # an empty layer
    [7],  # one record
    [0, 255],
    [256, 65535],
    [65536, 0],
    [-1, 1],  # negative: southern latitudes in 1e-5 degrees
    [-(2**31), 2**31 - 1],  # the ends of int32
    [-1_800_000, 33_000_000, 0],  # coordinates as the compact documents hold them
]


def test_packed_integers_read_back_the_same_in_python() -> None:
    """Every packed value (empty, one, each type's limits, negatives) is read back the same by
    :func:`mapper.webmap.unpacked` (the runtime's ``unpack``: tests/test_browser.py)."""
    packed = [webmap._packed(np.array(case, dtype=np.int64)) for case in PACK_CASES]
    assert [webmap.unpacked(p).tolist() for p in packed] == PACK_CASES


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ([2**31], "do not fit in 32 bits"),
        ([-(2**31) - 1], "do not fit in 32 bits"),
        (np.array([1.0, np.nan]), "not whole numbers, e.g. nan at position 1"),
        (np.array([np.inf]), "not whole numbers, e.g. inf at position 0"),
        (np.array([0.5]), "not whole numbers, e.g. 0.5 at position 0"),
    ],
)
def test_values_that_cannot_be_packed_are_refused_by_name(values: object, problem: str) -> None:
    """Never a wrong number in a document: what int32 cannot hold, or what is not a whole
    number (a NaN coordinate cast to an integer would be -9e18), is refused saying so."""
    with pytest.raises(ValueError, match=re.escape(problem)):
        webmap._packed(values)  # type: ignore[arg-type]


def test_a_point_with_a_nan_coordinate_is_refused_naming_the_layer_and_record(bundle: mapper.Bundle) -> None:
    """A point layer made without the readers' checks (which refuse NaN coordinates) gives
    an error naming the layer and the record, not a misleading 32-bit overflow."""
    import dataclasses

    lid = next(lid for lid in bundle.catalogue if bundle.catalogue[lid].geometry == "point")
    broken = bundle.layers[lid].iloc[:2].reset_index(drop=True)
    broken["geometry"] = [shapely.Point(102.6, 17.97), shapely.Point(float("nan"), 1.0)]
    layers = {**bundle.layers, lid: broken}
    record = str(broken["id"].iloc[1]) if "id" in broken.columns else "1"
    with pytest.raises(ValueError, match=rf"layer '{lid}': records \['{re.escape(record)}'\] have coordinates"):
        MapAssets(dataclasses.replace(bundle, layers=layers, cache={})).document(lid)


def test_the_live_maps_arguments_are_what_st_folium_takes(bundle: mapper.Bundle) -> None:
    """The Map page and the floor app call ``st_folium(**live_map_args(payload))``: every
    argument is one st_folium takes, the payload rides in its group, and everything the Map
    page reads back from the map is asked for."""
    import inspect
    from pathlib import Path

    from streamlit_folium import st_folium

    assets = MapAssets(bundle)
    args = live_map_args(map_payload(select(bundle), assets, dict.fromkeys(assets.names(), "x")))
    inspect.signature(st_folium).bind(**args)  # a TypeError names an argument it does not take
    assert args["key"] == "map"
    assert args["feature_group_to_add"].get_name().startswith("feature_group")
    page = Path(__file__).resolve().parents[1] / "app_pages" / "map.py"
    read = set(re.findall(r"result\.get\(\"(\w+)\"\)", page.read_text(encoding="utf-8")))
    assert read, "the Map page reads nothing back from st_folium's result: update this test"
    assert read <= set(args["returned_objects"]), read

"""The interactive web map (folium/Leaflet), built as a plain object tests can inspect.

Everything that comes from data files reaches the page only as escaped text: tooltips and
popups are built here with :func:`html.escape`, links only for http(s) URLs, and data is
embedded by folium through ``tojson``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from jinja2 import Template

import folium
import geopandas as gpd
import shapely
import xyzservices.providers as xyz
from branca.element import MacroElement

from .assets import STREAMLIT_STATIC_URL, inline_head, use_local_assets
from .catalogue import Layer
from .data import Bundle
from .enrich import country_level_groups, has_site
from .query import FilterState, apply_filter
from .schema import split_list
from .style import BASE_FILL, BASE_STROKE, NO_DATA, Choropleth, Classified, Legend, classify, layer_legend

#: Initial view: the Indo-Pacific.
DEFAULT_CENTER = (12.0, 120.0)
DEFAULT_ZOOM = 3
_URL = re.compile(r"^https?://[^\s<>\"']+$")
#: Longitudes west of this are shifted by +360 for display, so that the Pacific is drawn
#: whole (Fiji, Kiribati, the Aleutians) instead of split at the antimeridian.
PACIFIC_SPLIT = -30.0


def pacific_view(geom: shapely.Geometry | None) -> shapely.Geometry | None:
    """Shift western-hemisphere longitudes by +360 for a Pacific-centred web map."""
    if geom is None or geom.is_empty:
        return geom

    def shift(coords: np.ndarray) -> np.ndarray:
        coords = coords.copy()
        coords[:, 0] = np.where(coords[:, 0] < PACIFIC_SPLIT, coords[:, 0] + 360.0, coords[:, 0])
        return coords

    return shapely.transform(geom, shift)


def unshift_lon(lon: float) -> float:
    """Map a displayed longitude back to -180..180."""
    return ((lon + 180.0) % 360.0) - 180.0


def display_lon(lon: float) -> float:
    """A longitude in the web map's Pacific-centred range (-30..330), as :func:`pacific_view`
    draws it: Leaflet can report any multiple of 360 after panning."""
    lon = unshift_lon(lon)
    return lon + 360.0 if lon < PACIFIC_SPLIT else lon


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and np.isnan(value):
        return ""
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return f"{int(value):,}"
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        return str(value) if 1900 <= value <= 2100 else f"{value:,}"
    return str(value)


def _cell(name: str, value: object) -> str:
    text = _text(value)
    if name in ("source_url", "other_sources"):
        links = [u for u in split_list(text) if _URL.match(u)]
        return "<br>".join(
            f'<a href="{html.escape(u, quote=True)}" target="_blank" rel="noopener noreferrer">'
            f"{html.escape(_short_url(u))}</a>"
            for u in links
        )
    return html.escape(text.replace("_", " ") if re.fullmatch(r"[a-z_]+", text) else text)


def _short_url(url: str) -> str:
    host = re.sub(r"^https?://(www\.)?", "", url).split("/")[0]
    return f"{host} ↗"


def tooltip_html(record: Mapping[str, object], layer: Layer) -> str:
    """Short escaped HTML for hover."""
    title = html.escape(_text(record.get(layer.label_field)))
    rows = [
        f"<tr><th>{html.escape(layer.label(f))}</th><td>{_cell(f, record.get(f))}</td></tr>"
        for f in layer.tooltip
        if f != layer.label_field and _text(record.get(f))
    ]
    return f'<div class="mapper-tip"><b>{title}</b><table>{"".join(rows)}</table></div>'


def popup_html(record: Mapping[str, object], layer: Layer) -> str:
    """Escaped HTML with the record's fields and a link to its source."""
    title = html.escape(_text(record.get(layer.label_field)))
    rows = []
    for f in layer.popup:
        if f == layer.label_field or not _text(record.get(f)):
            continue
        rows.append(f"<tr><th>{html.escape(layer.label(f))}</th><td>{_cell(f, record.get(f))}</td></tr>")
    for derived, label in (
        ("length_km", "Length (km, geodesic)"),
        ("area_km2", "Area (km², geodesic)"),
        ("coast_distance_km", "Distance to coast (km)"),
    ):
        if _text(record.get(derived)):
            rows.append(f"<tr><th>{label}</th><td>{html.escape(_text(record.get(derived)))}</td></tr>")
    layer_name = html.escape(layer.title)
    return (
        f'<div class="mapper-popup"><div class="mapper-layer">{layer_name}</div><h4>{title}</h4>'
        f"<table>{''.join(rows)}</table></div>"
    )


def _records(frame: gpd.GeoDataFrame) -> list[dict[str, object]]:
    return frame.drop(columns=frame.geometry.name).to_dict("records")


def record_html(frame: gpd.GeoDataFrame, layer: Layer) -> pd.DataFrame:
    """Escaped label, tooltip and popup HTML and style of every record, on ``frame``'s index.

    Filters keep the index of the full layer, so this is computed once per layer (see
    :func:`feature_groups`) and looked up for whatever a filter keeps.
    """
    records = _records(frame)
    style = layer.style
    return pd.DataFrame(
        {
            "id": [str(r.get("id")) for r in records],
            "_label": [html.escape(_text(r.get(layer.label_field))) for r in records],
            "_tip": [tooltip_html(r, layer) for r in records],
            "_popup": [popup_html(r, layer) for r in records],
            "_color": [
                style.color_for(r.get(style.color_by)) if style.color_by else style.default_color for r in records
            ],
            "_weight": [style.width_for(r.get(style.width_by)) if style.width_by else style.width for r in records],
        },
        index=frame.index,
    )


def _display_frame(frame: gpd.GeoDataFrame, table: pd.DataFrame) -> gpd.GeoDataFrame:
    located = frame[has_site(frame)]
    columns = ["id", "_tip", "_popup", "_color", "_weight"]
    return gpd.GeoDataFrame(
        table.loc[located.index, columns].reset_index(drop=True),
        geometry=[pacific_view(g) for g in located.geometry],
        crs="EPSG:4326",
    )


def badge_id(layer_id: str, iso3: str) -> str:
    """The feature id of a layer's country-level badge on a country, e.g. ``jumpp:LAO``."""
    return f"{layer_id}:{iso3}"


def parse_badge_id(feature_id: str) -> tuple[str, str] | None:
    """``(layer_id, iso3)`` for a badge id, None for a record id."""
    layer_id, sep, iso3 = str(feature_id).partition(":")
    return (layer_id, iso3) if sep and len(iso3) == 3 else None


def _country_level(
    frame: gpd.GeoDataFrame, layer: Layer, countries: gpd.GeoDataFrame, table: pd.DataFrame
) -> gpd.GeoDataFrame:
    """One badge per country for records without a site, at the country's label point.

    Records naming a country outside the basemap stay in the tables but get no badge.
    """
    rows = []
    for group in country_level_groups(frame, layer, countries):
        index = group.records.index
        names = "".join(f"<li>{label}</li>" for label in table.loc[index, "_label"])
        header = f"{html.escape(group.name)}: {len(index)} country-level record(s) of {html.escape(layer.title)}"
        tip = f'<div class="mapper-tip"><b>{header}</b><div>No site: shown on the country, not at a place.</div>'
        popups = "".join(table.loc[index, "_popup"])
        rows.append(
            {
                "id": badge_id(layer.id, group.iso3),
                "_tip": f"{tip}<ul>{names}</ul></div>",
                "_popup": f'<div class="mapper-group"><b>{header}</b>{popups}</div>',
                "_n": len(index),
                "geometry": pacific_view(group.point),
            }
        )
    columns = ["id", "_tip", "_popup", "_n", "geometry"]
    return gpd.GeoDataFrame(rows, columns=columns, geometry="geometry", crs="EPSG:4326")


def layer_group(
    frame: gpd.GeoDataFrame,
    layer: Layer,
    countries: gpd.GeoDataFrame,
    *,
    table: pd.DataFrame | None = None,
    show: bool = True,
) -> folium.FeatureGroup:
    """A feature group with the layer's located records and its country-level badges.

    ``table`` is the layer's :func:`record_html` (computed here when not given).
    """
    table = record_html(frame, layer) if table is None else table
    group = folium.FeatureGroup(name=html.escape(layer.title), show=show)
    style = layer.style
    shown = _display_frame(frame, table)
    if len(shown):
        kwargs: dict[str, object] = {}
        if layer.geometry == "point":
            kwargs["marker"] = folium.CircleMarker(radius=style.radius, fill=True)
        stroke = style.stroke_color

        def style_function(feature: dict) -> dict:
            p = feature["properties"]
            if layer.geometry == "line":
                return {"color": p["_color"], "weight": p["_weight"], "opacity": 0.9}
            return {
                "color": stroke or p["_color"],
                "weight": 2 if layer.geometry == "point" else 1.5,
                "fillColor": p["_color"],
                "fillOpacity": 0.9 if layer.geometry == "point" else style.fill_opacity,
            }

        folium.GeoJson(
            shown.to_json(drop_id=True),
            name=layer.title,
            style_function=style_function,
            highlight_function=lambda _: {"weight": 5, "fillOpacity": 0.7},
            tooltip=folium.GeoJsonTooltip(fields=["_tip"], labels=False, sticky=True),
            popup=folium.GeoJsonPopup(fields=["_popup"], labels=False, max_width=460),
            **kwargs,
        ).add_to(group)
    badges = _country_level(frame, layer, countries, table)
    if len(badges):
        stroke = style.stroke_color or style.default_color

        def badge_style(feature: dict) -> dict:
            n = feature["properties"]["_n"]
            return {
                "color": stroke,
                "weight": 2.5,
                "dashArray": "5 4",
                "fillColor": "#ffffff",
                "fillOpacity": 0.85,
                "radius": 8 + 2 * min(n, 8),
            }

        folium.GeoJson(
            badges.to_json(drop_id=True),
            name=f"{layer.title} (country level)",
            marker=folium.CircleMarker(radius=10, fill=True),
            style_function=badge_style,
            tooltip=folium.GeoJsonTooltip(fields=["_tip"], labels=False, sticky=True),
            popup=folium.GeoJsonPopup(fields=["_popup"], labels=False, max_width=460),
        ).add_to(group)
    return group


class _Legend(MacroElement):
    """A Leaflet control holding the legends (escaped HTML passed through ``tojson``)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function() {
            var legend = L.control({position: "bottomright"});
            legend.onAdd = function() {
                var div = L.DomUtil.create("div", "mapper-legend");
                div.innerHTML = {{ this.html|tojson }};
                L.DomEvent.disableScrollPropagation(div);
                L.DomEvent.disableClickPropagation(div);
                return div;
            };
            legend.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, legends: Iterable[Legend]) -> None:
        super().__init__()
        self._name = "MapperLegend"
        self.html = legend_html(legends)


def legend_html(legends: Iterable[Legend]) -> str:
    """Escaped HTML of the legends, drawn on the map."""
    blocks = []
    for legend in legends:
        rows = []
        for e in legend.entries:
            color = html.escape(e.color)
            if legend.kind == "line" or e.width is not None:
                width = e.width or 3
                swatch = f'<span class="sw-line" style="border-top:{width:g}px solid {color}"></span>'
            elif legend.kind == "point":
                border = "2px dashed #333" if e.dashed else "1px solid #333"
                swatch = f'<span class="sw-point" style="background:{color};border:{border}"></span>'
            else:
                swatch = f'<span class="sw-box" style="background:{color}"></span>'
            rows.append(f"<div>{swatch}{html.escape(e.label)}</div>")
        note = f'<div class="note">{html.escape(legend.note)}</div>' if legend.note else ""
        blocks.append(f'<div class="block"><b>{html.escape(legend.title)}</b>{"".join(rows)}{note}</div>')
    return "".join(blocks)


_CSS = """
<style>
.mapper-legend{background:rgba(255,255,255,.92);padding:6px 9px;font:12px/1.35 sans-serif;
  border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.3);max-height:45vh;overflow:auto;max-width:280px}
.mapper-legend .block{margin-bottom:6px}
.mapper-legend .note{color:#555;font-size:11px}
.mapper-legend span{display:inline-block;vertical-align:middle;margin-right:6px}
.mapper-legend .sw-box{width:16px;height:11px;border:1px solid #777}
.mapper-legend .sw-point{width:10px;height:10px;border-radius:50%}
.mapper-legend .sw-line{width:22px;height:0}
.mapper-tip table,.mapper-popup table{border-collapse:collapse;font-size:12px}
.mapper-tip th,.mapper-popup th{text-align:left;padding-right:8px;color:#444;vertical-align:top;font-weight:600}
.mapper-popup h4{margin:2px 0 6px}
.mapper-popup .mapper-layer{color:#666;font-size:11px;text-transform:uppercase}
.mapper-group .mapper-popup{border-top:1px solid #ccc;margin-top:6px;padding-top:4px}
.leaflet-container{background:#dce9f2}
</style>
"""


def _countries_geojson(bundle: Bundle, classified: Classified | None) -> str:
    """The countries as GeoJSON with escaped tooltips and fill colours (cached per bundle
    and choropleth: it is the largest part of the map and does not change with filters)."""
    key = (
        "countries_geojson",
        None if classified is None else (classified.legend, tuple(sorted(classified.colors.items()))),
    )
    if key in bundle.cache:
        return bundle.cache[key]
    rows = []
    for record, geom in zip(_records(bundle.countries), bundle.countries.geometry, strict=True):
        iso = str(record["iso3"])
        tip = f"<b>{html.escape(_text(record.get('name')))}</b> ({html.escape(iso)})"
        if classified is not None:
            label = html.escape(classified.legend.title)
            value = classified.values.get(iso)
            shown = "no data" if value is None or (isinstance(value, float) and np.isnan(value)) else _text(value)
            tip += f"<br>{label}: {html.escape(shown)}"
        rows.append(
            {
                "iso3": iso,
                "_tip": f'<div class="mapper-tip">{tip}</div>',
                "_fill": classified.colors.get(iso, NO_DATA) if classified is not None else BASE_FILL,
                "geometry": pacific_view(geom),
            }
        )
    text = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326").to_json(drop_id=True)
    bundle.cache[key] = text
    return text


class _KnownBoundsGeoJson(folium.GeoJson):
    """A GeoJson layer whose bounds are given, not recomputed from every vertex each time
    the map is rendered (streamlit-folium asks for the map's bounds on every rerun)."""

    def __init__(self, *args: object, bounds: list[list[float]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self._known_bounds = bounds

    def _get_self_bounds(self) -> list[list[float]]:
        return self._known_bounds


def countries_layer(bundle: Bundle, classified: Classified | None, *, opacity: float = 1.0) -> folium.GeoJson:
    """The country polygons, always drawn (readable with no tiles), coloured by the choropleth."""
    if "countries_bounds" not in bundle.cache:
        minx, miny, maxx, maxy = shapely.GeometryCollection([pacific_view(g) for g in bundle.countries.geometry]).bounds
        bundle.cache["countries_bounds"] = [[miny, minx], [maxy, maxx]]
    return _KnownBoundsGeoJson(
        _countries_geojson(bundle, classified),
        bounds=bundle.cache["countries_bounds"],
        name=html.escape(bundle.catalogue.countries.title),
        style_function=lambda f: {
            "color": BASE_STROKE,
            "weight": 0.7,
            "fillColor": f["properties"]["_fill"],
            "fillOpacity": opacity,
        },
        highlight_function=lambda _: {"weight": 2, "color": "#333333"},
        tooltip=folium.GeoJsonTooltip(fields=["_tip"], labels=False, sticky=True),
        control=False,
    )


def tile_providers() -> dict[str, str]:
    """Online basemaps offered by name (xyzservices), for when the network is there."""
    names = ["CartoDB.Positron", "OpenStreetMap.Mapnik", "Esri.WorldImagery", "Esri.OceanBasemap"]
    out = {}
    for name in names:
        try:
            out[name] = xyz.query_name(name).name
        except ValueError:
            continue
    return out


@dataclass(frozen=True)
class MapView:
    """Centre and zoom of the map (as the app and URL keep them)."""

    center: tuple[float, float] = DEFAULT_CENTER
    zoom: int = DEFAULT_ZOOM

    def close_to(self, other: MapView) -> bool:
        """Same zoom and centres within a few screen pixels (Leaflet rounds the centre)."""
        tolerance = 360 / (256 * 2**self.zoom) * 4  # about 4 pixels at this zoom
        return (
            self.zoom == other.zoom
            and abs(self.center[0] - other.center[0]) < tolerance
            and abs(((self.center[1] - other.center[1] + 180) % 360) - 180) < tolerance
        )


def base_map(
    bundle: Bundle,
    *,
    choropleth: Choropleth | None = None,
    basemap: str | None = None,
    view: MapView = MapView(),
    legends: Iterable[Legend] = (),
    asset_base_url: str | None = STREAMLIT_STATIC_URL,
) -> folium.Map:
    """The map without thematic layers: countries (choropleth), optional tiles, legends.

    Parameters
    ----------
    basemap
        Name of an xyzservices provider (e.g. ``"CartoDB.Positron"``) drawn under the
        countries' outlines when online; ``None`` for none (fully offline).
    asset_base_url
        Where Leaflet is served from (``None`` keeps folium's defaults; used for inlining).
    """
    m = folium.Map(
        location=list(view.center),
        zoom_start=view.zoom,
        tiles=None,
        min_zoom=2,
        max_bounds=False,
        world_copy_jump=False,
        control_scale=True,
        prefer_canvas=False,
    )
    if basemap:
        provider = xyz.query_name(basemap)
        folium.TileLayer(
            tiles=provider.build_url(),
            attr=provider.html_attribution,
            name=provider.name,
            max_zoom=provider.get("max_zoom", 18),
            overlay=False,
        ).add_to(m)
    classified = classify(bundle.countries, bundle.catalogue.countries, choropleth) if choropleth else None
    # with tiles underneath, countries are outlines (plus a translucent choropleth)
    opacity = (0.55 if choropleth else 0.0) if basemap else 1.0
    countries = countries_layer(bundle, classified, opacity=opacity)
    countries.add_to(m)
    all_legends = ([classified.legend] if classified else []) + list(legends)
    if all_legends:
        m.add_child(_Legend(all_legends))
    m.get_root().header.add_child(folium.Element(_CSS))
    if asset_base_url is not None:
        use_local_assets(m, asset_base_url)
    return m


def _cached_record_html(bundle: Bundle, layer_id: str) -> pd.DataFrame:
    key = ("record_html", layer_id)
    if key not in bundle.cache:
        bundle.cache[key] = record_html(bundle.layers[layer_id], bundle.catalogue[layer_id])
    return bundle.cache[key]


def feature_groups(bundle: Bundle, state: FilterState) -> tuple[list[folium.FeatureGroup], dict[str, gpd.GeoDataFrame]]:
    """One feature group per selected layer with the filtered records, and the frames."""
    frames = apply_filter(bundle.layers, bundle.catalogue, state)
    groups = [
        layer_group(frame, bundle.catalogue[lid], bundle.countries, table=_cached_record_html(bundle, lid))
        for lid, frame in frames.items()
    ]
    return groups, frames


def build_map(
    bundle: Bundle,
    state: FilterState = FilterState(),
    *,
    choropleth: Choropleth | None = None,
    basemap: str | None = None,
    view: MapView = MapView(),
    asset_base_url: str | None = STREAMLIT_STATIC_URL,
) -> folium.Map:
    """The whole map: countries, the filtered layers, legends and a layer control."""
    frames = apply_filter(bundle.layers, bundle.catalogue, state)
    legends = [layer_legend(bundle.catalogue[lid], frame) for lid, frame in frames.items()]
    m = base_map(bundle, choropleth=choropleth, basemap=basemap, view=view, legends=legends, asset_base_url=None)
    for lid, frame in frames.items():
        layer_group(frame, bundle.catalogue[lid], bundle.countries, table=_cached_record_html(bundle, lid)).add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    if asset_base_url is not None:
        use_local_assets(m, asset_base_url)
    return m


def standalone_html(
    bundle: Bundle,
    state: FilterState = FilterState(),
    *,
    choropleth: Choropleth | None = None,
    view: MapView | None = None,
    title: str = "Indo-Pacific clean-energy partnerships",
) -> str:
    """A single self-contained HTML page of the map: Leaflet inlined, data embedded, no
    request to any server, so it works on an intranet or as a report appendix."""
    frames = apply_filter(bundle.layers, bundle.catalogue, state)
    m = build_map(bundle, state, choropleth=choropleth, view=view or MapView(), asset_base_url=None)
    if view is None:
        located = [g for f in frames.values() for g in f.geometry if g is not None and not g.is_empty]
        if located:
            minx, miny, maxx, maxy = shapely.GeometryCollection([pacific_view(g) for g in located]).bounds
            m.fit_bounds([[miny, minx], [maxy, maxx]], padding=(20, 20))
    m.default_js = []
    m.default_css = []
    catalogue = bundle.catalogue
    sources = "; ".join(
        dict.fromkeys([catalogue[lid].attribution for lid in frames] + [catalogue.countries.attribution])
    )
    as_of = max([catalogue[lid].as_of for lid in frames] + [catalogue.countries.as_of])
    caption = (
        f'<div class="mapper-caption"><b>{html.escape(title)}</b> · {html.escape(state.describe())} · '
        f"data as of {html.escape(as_of)} · {html.escape(sources)}</div>"
    )
    root = m.get_root()
    root.header.add_child(folium.Element(inline_head(title)), name="inline_assets", index=0)
    root.header.add_child(
        folium.Element(
            "<style>.mapper-caption{position:fixed;bottom:0;left:0;right:0;z-index:1000;background:rgba(255,255,255,.9);"
            "font:11px sans-serif;padding:3px 8px}.leaflet-bottom{bottom:34px}</style>"
        )
    )
    root.html.add_child(folium.Element(caption))
    return root.render()

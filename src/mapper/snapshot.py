"""Static map snapshots for reports (PNG, SVG, PDF) drawn with matplotlib, offline, on the
bundled country polygons, with the web map's colours and symbols, a legend per layer and
for the choropleth, a scale bar true at the map's latitude, a north arrow and attribution."""

from __future__ import annotations

import datetime as _dt
import io
import math
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no screen needed

import matplotlib.pyplot as plt
import numpy as np
from adjustText import adjust_text
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

import geopandas as gpd
import pyproj
import shapely

from ._errors import MapperError
from .data import Bundle
from .enrich import country_level_groups, has_site
from .geo import PACIFIC_SPLIT, display_lon, pacific_view
from .selection import Selection
from .style import BASE_FILL, BASE_STROKE, Choropleth, Legend, classify, layer_legend


class SnapshotError(MapperError, ValueError):
    """A snapshot cannot be drawn as asked (unknown preset, region, format...)."""


@dataclass(frozen=True)
class Preset:
    """Page size in inches and the default resolution."""

    name: str
    width_in: float
    height_in: float
    dpi: int


PRESETS = {
    "a4-landscape": Preset("a4-landscape", 3508 / 300, 2480 / 300, 300),  # 297 x 210 mm
    "a4-portrait": Preset("a4-portrait", 2480 / 300, 3508 / 300, 300),
    "slide-16x9": Preset("slide-16x9", 12.8, 7.2, 150),  # 1920 x 1080 px
    "square": Preset("square", 8.0, 8.0, 250),  # 2000 x 2000 px
}
#: Named extents (west, south, east, north) in degrees; east > 180 crosses the antimeridian.
REGIONS = {
    "indo-pacific": (60.0, -48.0, 200.0, 52.0),
    "mekong": (92.0, 8.0, 110.0, 26.0),
    "asean": (91.0, -12.0, 142.0, 29.0),
    "japan": (127.0, 29.0, 147.0, 46.0),
    "east-asia": (100.0, 18.0, 150.0, 50.0),
    "south-asia": (60.0, 4.0, 98.0, 36.0),
    "australia": (110.0, -46.0, 157.0, -9.0),
    "pacific-islands": (130.0, -25.0, 200.0, 15.0),
}
PROJECTIONS = ("web-mercator", "equal-area")
#: At most this many labels on a snapshot: layers are labelled in catalogue order while
#: their features fit in what is left (a dense overview gets no labels rather than a pile).
MAX_LABELS = 30
FORMATS = (".png", ".svg", ".pdf")
_GEOD = pyproj.Geod(ellps="WGS84")


def _extent_from(
    bundle: Bundle, frames: Mapping[str, gpd.GeoDataFrame], bbox, region
) -> tuple[float, float, float, float]:
    if bbox is not None:
        west, south, east, north = (float(v) for v in bbox)
        if not (-90 <= south < north <= 90):
            raise SnapshotError(f"bbox {bbox}: south must be below north, both within -90..90")
        if east <= west:
            east += 360.0  # crosses the antimeridian
        if west < PACIFIC_SPLIT:  # the data is drawn in the Pacific-centred range (-30..330)
            west, east = west + 360.0, east + 360.0
        return west, south, east, north
    if region is not None:
        key = region.lower()
        if key in REGIONS:
            return REGIONS[key]
        countries = bundle.countries.set_index("iso3")
        if region.upper() in countries.index:
            geom = pacific_view(countries.loc[region.upper()].geometry)
            return _padded(geom.bounds, 0.08)
        raise SnapshotError(
            f"unknown region {region!r}; use one of {', '.join(REGIONS)} or a country's ISO3 code (e.g. VNM)"
        )
    geoms = [pacific_view(g) for f in frames.values() for g in f.geometry if g is not None and not g.is_empty]
    if not geoms:
        return REGIONS["indo-pacific"]
    return _padded(shapely.GeometryCollection(geoms).bounds, 0.12, minimum=4.0)


def _padded(bounds, pad: float, minimum: float = 2.0) -> tuple[float, float, float, float]:
    west, south, east, north = bounds
    dx = max(east - west, minimum)
    dy = max(north - south, minimum)
    cx, cy = (west + east) / 2, (south + north) / 2
    return (
        cx - dx * (0.5 + pad),
        max(cy - dy * (0.5 + pad), -85.0),
        cx + dx * (0.5 + pad),
        min(cy + dy * (0.5 + pad), 85.0),
    )


def bbox_from_leaflet(bounds: Mapping | None) -> tuple[float, float, float, float] | None:
    """The (west, south, east, north) of the bounds streamlit-folium returns, or None if
    they are missing (the map has not reported its view yet)."""
    try:
        sw, ne = bounds["_southWest"], bounds["_northEast"]  # type: ignore[index]
        west, south, east, north = float(sw["lng"]), float(sw["lat"]), float(ne["lng"]), float(ne["lat"])
    except (TypeError, KeyError, ValueError):
        return None
    west = display_lon(west)
    east = west + min(max(east - float(sw["lng"]), 0.1), 359.0)  # keep the width Leaflet reported
    return west, max(south, -85.0), east, min(north, 85.0)


def projection_for(extent: tuple[float, float, float, float], name: str = "web-mercator") -> pyproj.CRS:
    """Web Mercator (as the web map) or Lambert azimuthal equal-area, centred on the extent
    so that Pacific views do not break at the antimeridian."""
    west, south, east, north = extent
    lon0 = (west + east) / 2
    lon0 = ((lon0 + 180) % 360) - 180
    if name == "web-mercator":
        return pyproj.CRS.from_proj4(f"+proj=merc +lon_0={lon0:.4f} +datum=WGS84 +units=m +no_defs")
    if name == "equal-area":
        lat0 = (south + north) / 2
        return pyproj.CRS.from_proj4(f"+proj=laea +lat_0={lat0:.4f} +lon_0={lon0:.4f} +datum=WGS84 +units=m +no_defs")
    raise SnapshotError(f"unknown projection {name!r}; use one of {', '.join(PROJECTIONS)}")


def _prepare(frame: gpd.GeoDataFrame, window: shapely.Geometry, crs: pyproj.CRS) -> gpd.GeoDataFrame:
    """Shift to the Pacific view, clip to the (padded) extent and project."""
    located = frame[has_site(frame)].copy()
    located["geometry"] = [pacific_view(g) for g in located.geometry]
    located = located[located.geometry.intersects(window)]
    located["geometry"] = [
        shapely.make_valid(g).intersection(window) if g.geom_type != "Point" else g for g in located.geometry
    ]
    located = located[~located.geometry.is_empty]
    return gpd.GeoDataFrame(located, geometry="geometry", crs="EPSG:4326").to_crs(crs)


def _projected_extent(extent, to_proj: pyproj.Transformer) -> tuple[float, float, float, float]:
    """Projected bounds of a lon/lat extent (sampled along its edges)."""
    west, south, east, north = extent
    lons = np.concatenate(
        [np.linspace(west, east, 50), np.full(50, east), np.linspace(east, west, 50), np.full(50, west)]
    )
    lats = np.concatenate(
        [np.full(50, south), np.linspace(south, north, 50), np.full(50, north), np.linspace(north, south, 50)]
    )
    xs, ys = to_proj.transform(lons, lats)
    return float(np.min(xs)), float(np.max(xs)), float(np.min(ys)), float(np.max(ys))


def _fit_aspect(bounds, ax) -> tuple[float, float, float, float]:
    """Grow the extent so it fills the axes box with equal scale in x and y."""
    x0, x1, y0, y1 = bounds
    box = ax.get_position(original=True)  # the box we laid out, not one shrunk to an aspect
    fig_w, fig_h = ax.figure.get_size_inches()
    box_ratio = (box.height * fig_h) / (box.width * fig_w)
    width, height = x1 - x0, y1 - y0
    if height / width < box_ratio:
        grow = (width * box_ratio - height) / 2
        y0, y1 = y0 - grow, y1 + grow
    else:
        grow = (height / box_ratio - width) / 2
        x0, x1 = x0 - grow, x1 + grow
    return x0, x1, y0, y1


def _nice(km: float) -> float:
    exponent = 10 ** math.floor(math.log10(km))
    for step in (1, 2, 5, 10):
        if step * exponent >= km:
            return step * exponent
    return 10 * exponent


def _scale_bar(ax, crs: pyproj.CRS, extent_proj, centre_lonlat) -> float:
    """A scale bar true at the map's centre latitude; returns its length in km."""
    x0, x1, y0, y1 = extent_proj
    lon, lat = centre_lonlat
    to_proj = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    target_km = _nice((x1 - x0) / 1000 * 0.18 * _km_per_unit(to_proj, lon, lat))
    lon2, lat2, _ = _GEOD.fwd(lon, lat, 90, target_km * 1000)
    ax_, ay_ = to_proj.transform(lon, lat)
    bx_, by_ = to_proj.transform(lon2, lat2)
    length = math.hypot(bx_ - ax_, by_ - ay_)
    left = x0 + (x1 - x0) * 0.04
    base = y0 + (y1 - y0) * 0.05
    ax.plot([left, left + length], [base, base], color="black", lw=3, solid_capstyle="butt", zorder=20)
    ax.plot([left, left + length / 2], [base, base], color="white", lw=1.4, solid_capstyle="butt", zorder=21)
    label = f"{target_km:g} km (true at {lat:.0f}°{'N' if lat >= 0 else 'S'})"
    ax.text(
        left,
        base + (y1 - y0) * 0.015,
        label,
        fontsize=7,
        zorder=22,
        parse_math=False,
        bbox={"facecolor": "white", "alpha": 0.7, "edgecolor": "none", "pad": 1},
    )
    return target_km


def _km_per_unit(to_proj: pyproj.Transformer, lon: float, lat: float) -> float:
    lon2, lat2, _ = _GEOD.fwd(lon, lat, 90, 100_000)
    x1, y1 = to_proj.transform(lon, lat)
    x2, y2 = to_proj.transform(lon2, lat2)
    return 100_000 / math.hypot(x2 - x1, y2 - y1)


def _north_arrow(ax) -> None:
    ax.annotate(
        "N",
        xy=(0.955, 0.93),
        xytext=(0.955, 0.84),
        xycoords="axes fraction",
        ha="center",
        va="center",
        fontsize=11,
        fontweight="bold",
        zorder=25,
        arrowprops={"facecolor": "black", "width": 4, "headwidth": 11, "headlength": 10},
    )


def _legend_handles(legend: Legend) -> list:
    handles = []
    for e in legend.entries:
        if legend.kind == "line" or e.width is not None:
            handles.append(Line2D([], [], color=e.color, lw=e.width or 2.5, label=e.label))
        elif legend.kind == "point":
            handles.append(
                Line2D(
                    [],
                    [],
                    marker="o",
                    ls="none",
                    markersize=7,
                    markerfacecolor=e.color,
                    markeredgecolor="#333333",
                    markeredgewidth=1.0,
                    label=e.label,
                    **({"linestyle": "none"} if not e.dashed else {}),
                )
            )
        else:
            handles.append(Patch(facecolor=e.color, edgecolor="#777777", label=e.label))
    return handles


def draw(
    selection: Selection,
    *,
    preset: str = "a4-landscape",
    dpi: int | None = None,
    title: str | None = None,
    subtitle: str | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    region: str | None = None,
    projection: str = "web-mercator",
    choropleth: Choropleth | None = None,
    labels: bool = True,
    today: _dt.date | None = None,
) -> Figure:
    """Draw the snapshot and return the matplotlib figure (tests can inspect it).

    Parameters
    ----------
    bbox
        ``(west, south, east, north)`` in degrees, e.g. the bounds the web map returns.
    region
        A named region (see :data:`REGIONS`) or a country's ISO3 code. Without ``bbox`` or
        ``region`` the extent fits the filtered data.
    """
    if preset not in PRESETS:
        raise SnapshotError(f"unknown preset {preset!r}; use one of {', '.join(PRESETS)}")
    page = PRESETS[preset]
    bundle, state, frames = selection.bundle, selection.filters, selection.frames
    catalogue = bundle.catalogue
    extent = _extent_from(bundle, frames, bbox, region)
    crs = projection_for(extent, projection)
    west, south, east, north = extent
    window = shapely.box(west - 5, max(south - 5, -89), east + 5, min(north + 5, 89))

    fig = plt.figure(figsize=(page.width_in, page.height_in), dpi=dpi or page.dpi)
    portrait = page.height_in > page.width_in
    map_rect = [0.02, 0.17, 0.96, 0.72] if portrait else [0.02, 0.09, 0.70, 0.80]
    ax = fig.add_axes(map_rect)
    ax.set_facecolor("#dce9f2")

    classified = classify(bundle.countries, catalogue.countries, choropleth) if choropleth else None
    countries = _prepare(bundle.countries, window, crs)
    fills = [classified.colors.get(i, BASE_FILL) if classified else BASE_FILL for i in countries["iso3"]]
    countries.plot(ax=ax, color=fills, edgecolor=BASE_STROKE, linewidth=0.4, zorder=1)

    legends: list[Legend] = [classified.legend] if classified else []
    texts = []
    to_proj = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    for lid, frame in frames.items():
        layer = catalogue[lid]
        style = layer.style
        legends.append(layer_legend(layer, frame))
        shown = _prepare(frame, window, crs)
        colors = [
            style.color_for(v) if style.color_by else style.default_color
            for v in (shown[style.color_by] if style.color_by else [None] * len(shown))
        ]
        if len(shown):
            if layer.geometry == "polygon":
                shown.plot(
                    ax=ax, color=colors, alpha=max(style.fill_opacity, 0.5), edgecolor=colors, linewidth=0.8, zorder=3
                )
            elif layer.geometry == "line":
                widths = [
                    style.width_for(v) for v in (shown[style.width_by] if style.width_by else [None] * len(shown))
                ]
                shown.plot(ax=ax, color=colors, linewidth=widths, zorder=4)
            else:
                shown.plot(
                    ax=ax,
                    color=colors,
                    markersize=style.radius**2,
                    edgecolor=style.stroke_color or "#333333",
                    linewidth=1.0,
                    zorder=6,
                )
            if labels and len(texts) + len(shown) <= MAX_LABELS:
                for name, geom in zip(shown[layer.label_field], shown.geometry, strict=True):
                    point = geom.representative_point() if geom.geom_type != "Point" else geom
                    texts.append(
                        ax.text(
                            point.x,
                            point.y,
                            str(name)[:38],
                            fontsize=5.5,
                            parse_math=False,
                            zorder=30,
                            bbox={"facecolor": "white", "alpha": 0.6, "edgecolor": "none", "pad": 0.5},
                        )
                    )
        # country-level records: a dashed hollow badge on the country, never a made-up site
        for group in country_level_groups(frame, layer, bundle.countries):
            point = pacific_view(group.point)
            if not window.contains(point):
                continue
            n = len(group.records)
            x, y = to_proj.transform(point.x, point.y)
            ax.scatter(
                [x],
                [y],
                s=(9 + 2 * min(n, 8)) ** 2,
                facecolors="white",
                alpha=0.9,
                edgecolors=style.stroke_color or "#333333",
                linewidths=1.6,
                linestyles="--",
                zorder=5,
            )
            ax.text(x, y, str(n), ha="center", va="center", fontsize=7, fontweight="bold", zorder=6)

    x0, x1, y0, y1 = _fit_aspect(_projected_extent(extent, to_proj), ax)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    if texts:
        adjust_text(
            texts,
            ax=ax,
            expand=(1.05, 1.2),
            arrowprops={"arrowstyle": "-", "color": "#555555", "lw": 0.4},
            iter_lim=200,
        )
        ax.set_xlim(x0, x1)  # adjustText may widen the view to fit labels; keep the map's extent
        ax.set_ylim(y0, y1)
    extent_proj = (*ax.get_xlim(), *ax.get_ylim())
    centre = ((west + east) / 2, (south + north) / 2)
    _scale_bar(ax, crs, extent_proj, centre)
    _north_arrow(ax)

    # legends
    handles, ncol = [], 1
    for legend in legends:
        heading = legend.title + (f" ({legend.note})" if legend.note else "")
        handles.append(Patch(facecolor="none", edgecolor="none", label=textwrap.fill(heading, 48)))
        handles += _legend_handles(legend)
    if any(len(f) and not has_site(f).all() for f in frames.values()):
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                ls="none",
                markersize=9,
                markerfacecolor="white",
                markeredgecolor="#333333",
                label="Dashed circle: country-level records (count), no site",
            )
        )
    if portrait:
        ncol = 2
        legend_box = fig.add_axes([0.02, 0.035, 0.96, 0.13])
    else:
        legend_box = fig.add_axes([0.73, 0.09, 0.26, 0.80])
    legend_box.axis("off")
    legend_box.legend(
        handles=handles, loc="upper left", fontsize=6.5, frameon=False, ncol=ncol, handlelength=1.8, borderaxespad=0
    )

    today = today or _dt.date.today()
    fig.text(
        0.02, 0.955, title or "Indo-Pacific clean-energy partnerships", fontsize=16, fontweight="bold", parse_math=False
    )
    fig.text(
        0.02,
        0.925,
        subtitle or f"Filter: {state.describe()} · {projection.replace('-', ' ')} projection",
        fontsize=9,
        color="#444444",
        parse_math=False,
    )
    sources = "; ".join(
        dict.fromkeys([catalogue[lid].attribution for lid in frames] + [catalogue.countries.attribution])
    )
    as_of = max([catalogue[lid].as_of for lid in frames] + [catalogue.countries.as_of])
    fig.text(
        0.02,
        0.012,
        f"Data as of {as_of}. Sources: {sources}. Made {today.isoformat()} with ip-clean-energy-mapper.",
        fontsize=5.5,
        color="#333333",
        wrap=True,
        parse_math=False,
    )
    return fig


def save(fig: Figure, path: str | Path, *, dpi: int | None = None) -> Path:
    """Save as PNG, SVG or PDF (from the suffix); vector for SVG and PDF."""
    path = Path(path)
    if path.suffix.lower() not in FORMATS:
        raise SnapshotError(f"cannot write {path.name!r}: use a .png, .svg or .pdf file name")
    path.parent.mkdir(parents=True, exist_ok=True)
    metadata = {"Title": fig.texts[0].get_text() if fig.texts else "map"}
    if path.suffix.lower() == ".png":
        metadata = {"Title": metadata["Title"], "Software": "ip-clean-energy-mapper"}
    fig.savefig(path, dpi=dpi or fig.dpi, metadata=metadata if path.suffix.lower() != ".svg" else None)
    plt.close(fig)
    return path


def snapshot(selection: Selection, path: str | Path, **options) -> Path:
    """Draw and save in one call (see :func:`draw` for the options)."""
    dpi = options.get("dpi")
    return save(draw(selection, **options), path, dpi=dpi)


def to_bytes(fig: Figure, fmt: str = "png", *, dpi: int | None = None) -> bytes:
    """Render the figure to PNG, SVG or PDF bytes (for previews and download buttons)."""
    if f".{fmt}" not in FORMATS:
        raise SnapshotError(f"cannot render {fmt!r}: use png, svg or pdf")
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=dpi or fig.dpi)
    plt.close(fig)
    return buffer.getvalue()

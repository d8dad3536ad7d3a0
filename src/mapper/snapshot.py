"""Static map snapshots for reports (PNG, SVG, PDF) drawn with matplotlib, offline, on the
bundled country polygons, with the web map's colours and symbols sized for print.

What a report editor gets without retouching:

* the map fills the page for its aspect ratio, and countries are clipped only after the
  final extent is known (with a margin), so no land is cut away;
* country names, and feature labels placed without collisions, inside the map frame,
  never cut mid-word (a label that cannot fit whole is shortened at a word boundary with
  an ellipsis, or dropped), with leader lines when moved away from their feature;
* a legend of only what is drawn, with bold layer headings, units and the class breaks
  the web map states;
* line widths and symbol sizes in points, polygons too small to see drawn as symbols;
* a scale bar true at the map's latitude and a north arrow true for the projection;
* PDF with embedded TrueType (Type 42) fonts, SVG with real text, PNG at any dpi; a
  Japanese fallback font (IPAexGothic) so Japanese text has no missing glyphs.

Everything is drawn on :class:`matplotlib.figure.Figure` objects (never pyplot), so no
figure stays open in a threaded server, and no text is parsed as mathtext.
"""

from __future__ import annotations

import datetime as _dt
import functools
import io
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.path import Path as MplPath
from matplotlib.text import Text
from matplotlib.transforms import Bbox

import geopandas as gpd
import pyproj
import shapely
from shapely.ops import polylabel

from ._errors import MapperError
from .data import Bundle
from .enrich import country_level_groups, has_site
from .fonts import families
from .geo import PACIFIC_SPLIT, display_lon, pacific_coords, pacific_view
from .i18n import N_, Message, Translator, translator
from .selection import Selection, dates_text

if TYPE_CHECKING:
    from .style import Choropleth, Legend

#: The web map's land colour (``mapper.style.BASE_FILL``; a test keeps them equal). style.py is
#: imported only when a choropleth is drawn: it loads mapclassify (scipy, scikit-learn), about
#: a second that a plain ``mapper snapshot`` command should not pay.
BASE_FILL = "#f4f1ea"


class SnapshotError(MapperError, ValueError):
    """A snapshot cannot be drawn as asked (unknown preset, region, size, format...)."""


@dataclass(frozen=True)
class Preset:
    """Page size in inches and the default resolution (dots per inch) of PNG output."""

    name: str
    width_in: float
    height_in: float
    dpi: int


PRESETS = {
    "a4-landscape": Preset("a4-landscape", 3508 / 300, 2480 / 300, 300),  # 297 x 210 mm
    "a4-portrait": Preset("a4-portrait", 2480 / 300, 3508 / 300, 300),
    "a3-landscape": Preset("a3-landscape", 4961 / 300, 3508 / 300, 300),  # 420 x 297 mm
    "a3-portrait": Preset("a3-portrait", 3508 / 300, 4961 / 300, 300),
    "letter-landscape": Preset("letter-landscape", 11.0, 8.5, 300),
    "letter-portrait": Preset("letter-portrait", 8.5, 11.0, 300),
    "slide-16x9": Preset("slide-16x9", 12.8, 7.2, 150),  # 1920 x 1080 px
    "slide-4x3": Preset("slide-4x3", 32 / 3, 8.0, 150),  # 1600 x 1200 px
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
#: How the page presets and named regions are named on the page (ids stay the same in links and
#: the CLI).
PRESET_LABELS = {
    "a4-landscape": N_("A4 landscape (297 × 210 mm)"),
    "a4-portrait": N_("A4 portrait (210 × 297 mm)"),
    "a3-landscape": N_("A3 landscape (420 × 297 mm)"),
    "a3-portrait": N_("A3 portrait (297 × 420 mm)"),
    "letter-landscape": N_("US Letter landscape (11 × 8.5 in)"),
    "letter-portrait": N_("US Letter portrait (8.5 × 11 in)"),
    "slide-16x9": N_("Slide 16:9 (1920 × 1080 px)"),
    "slide-4x3": N_("Slide 4:3 (1600 × 1200 px)"),
    "square": N_("Square (2000 × 2000 px)"),
}
REGION_LABELS = {
    "indo-pacific": N_("Indo-Pacific"),
    "mekong": N_("Mekong"),
    "asean": N_("ASEAN"),
    "japan": N_("Japan"),
    "east-asia": N_("East Asia"),
    "south-asia": N_("South Asia"),
    "australia": N_("Australia"),
    "pacific-islands": N_("Pacific Islands"),
}
PROJECTIONS = ("web-mercator", "equal-area")
#: How the projections are named on the page.
PROJECTION_LABELS = {"web-mercator": N_("web mercator"), "equal-area": N_("equal area")}
#: At most this many feature labels on a snapshot (placed in catalogue order while they fit).
MAX_LABELS = 40
#: A layer with more features than this is drawn as one rasterised collection (small vector
#: files, fast) and its features are not labelled one by one (too dense to read).
DENSE_FEATURES = 2000
FORMATS = (".png", ".svg", ".pdf")
#: Countries showing more than this area on paper (pt², about 5 cm²) are named before the features.
MAJOR_COUNTRY_PT2 = 8000.0
#: A polygon smaller than this on paper (its longer side, in mm) is drawn as a symbol.
MIN_POLYGON_MM = 3.0
#: Web-map widths and radii are screen pixels; on paper one pixel reads as this many points.
PX_TO_PT = 0.5
#: SVG text stays text (editable, searchable), with the font families named; see :func:`save`.
SVG_FONTTYPE = "none"

_GEOD = pyproj.Geod(ellps="WGS84")
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*[x×]\s*(\d+(?:\.\d+)?)\s*(mm|cm|in|px)\s*$", re.IGNORECASE)
_LAND_EDGE = "#8c8c8c"
_SEA = "#dce9f2"
_TEXT = "#222222"
#: Feature labels sit on a light box (not a path-effect halo, which would turn PDF text into outlines).
_LABEL_BOX = {"boxstyle": "square,pad=0.12", "facecolor": "white", "alpha": 0.78, "edgecolor": "none"}


# --------------------------------------------------------------------------- page sizes


def parse_size(text: str, dpi: int | None = None) -> Preset:
    """A custom page from ``"297x210mm"``, ``"21x29.7cm"``, ``"11x8.5in"`` or ``"1600x900px"``.

    Parameters
    ----------
    text
        Width x height with a unit (mm, cm, in or px).
    dpi
        Resolution; pixel sizes are converted to inches with it (default 150 for px, 300 otherwise).

    Raises
    ------
    SnapshotError
        If the text is not of that form, or the page is too small or too large to draw.
    """
    match = _SIZE.match(str(text))
    if not match:
        raise SnapshotError(
            Message(
                "custom size {size}: write width x height with a unit, e.g. 297x210mm, 21x29.7cm, 11x8.5in or "
                "1600x900px",
                size=repr(text),
            )
        )
    width, height, unit = float(match[1]), float(match[2]), match[3].lower()
    if unit == "px":
        dpi = dpi or 150
        if not (300 <= width <= 12000 and 300 <= height <= 12000):
            raise SnapshotError(Message("custom size {size}: each side must be 300 to 12000 px", size=repr(text)))
        width_in, height_in = width / dpi, height / dpi
    else:
        per_inch = {"mm": 25.4, "cm": 2.54, "in": 1.0}[unit]
        width_in, height_in = width / per_inch, height / per_inch
        dpi = dpi or 300
    if not (2.0 <= width_in <= 48 and 2.0 <= height_in <= 48):
        raise SnapshotError(
            Message("custom size {size}: each side must be between 51 mm (2 in) and 1219 mm (48 in)", size=repr(text))
        )
    if max(width_in, height_in) / min(width_in, height_in) > 4:
        raise SnapshotError(
            Message(
                "custom size {size}: the page is too narrow; keep the long side at most 4x the short", size=repr(text)
            )
        )
    return Preset(f"custom-{text.strip()}", width_in, height_in, dpi)


def _page(preset: str, custom_size: str | None, dpi: int | None) -> Preset:
    if custom_size:
        return parse_size(custom_size, dpi)
    if preset in PRESETS:
        return PRESETS[preset]
    if _SIZE.match(str(preset)):
        return parse_size(preset, dpi)
    raise SnapshotError(
        Message(
            "unknown preset {preset}; use one of {presets}, or a custom size such as 297x210mm or 1600x900px",
            preset=repr(preset),
            presets=", ".join(PRESETS),
        )
    )


# --------------------------------------------------------------------------- extents and projection


def _extent_from(
    bundle: Bundle, frames: Mapping[str, gpd.GeoDataFrame], bbox, region
) -> tuple[float, float, float, float]:
    if bbox is not None:
        west, south, east, north = (float(v) for v in bbox)
        if not (-90 <= south < north <= 90):
            raise SnapshotError(Message("bbox {bbox}: south must be below north, both within -90..90", bbox=str(bbox)))
        if east <= west:
            east += 360.0  # crosses the antimeridian
        if west < PACIFIC_SPLIT:  # the data is drawn in the Pacific-centred range (-30..330)
            west, east = west + 360.0, east + 360.0
        return west, max(south, -85.0), east, min(north, 85.0)
    if region is not None:
        key = region.lower()
        if key in REGIONS:
            return REGIONS[key]
        countries = bundle.countries.set_index("iso3")
        if region.upper() in countries.index:
            geom = pacific_view(countries.loc[region.upper()].geometry)
            return _padded(geom.bounds, 0.08)
        raise SnapshotError(
            Message(
                "unknown region {region}; use one of {regions} or a country's ISO3 code (e.g. VNM)",
                region=repr(region),
                regions=", ".join(REGIONS),
            )
        )
    arrays = [f.geometry.to_numpy() for f in frames.values() if len(f)]
    geoms = np.concatenate(arrays) if arrays else np.array([], dtype=object)
    geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    if not len(geoms):
        return REGIONS["indo-pacific"]
    # one vectorised Pacific shift (what pacific_view does per geometry)
    return _padded(tuple(shapely.total_bounds(shapely.transform(geoms, pacific_coords))), 0.12, minimum=4.0)


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
    raise SnapshotError(
        Message("unknown projection {name}; use one of {names}", name=repr(name), names=", ".join(PROJECTIONS))
    )


class _Projector:
    """Lon/lat (Pacific view) to the map's projection and back, centred on ``lon0``."""

    def __init__(self, crs: pyproj.CRS, lon0: float) -> None:
        self.lon0 = lon0
        self.fwd = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
        self.inv = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
        # everything more than ~180° from the centre would wrap around: cut it off first
        self.world = shapely.box(lon0 - 179.5, -85.0, lon0 + 179.5, 85.0)

    def xy(self, coords: np.ndarray) -> np.ndarray:
        x, y = self.fwd.transform(coords[:, 0], np.clip(coords[:, 1], -85.0, 85.0))
        return np.column_stack([x, y])

    def geometry(self, geom: shapely.Geometry, window: shapely.Geometry | None = None) -> shapely.Geometry:
        """Clip a (Pacific-view) lon/lat geometry to ``window`` and project it."""
        window = self.world if window is None else window.intersection(self.world)
        if geom.geom_type != "Point" and not window.contains(geom):
            geom = (geom if geom.is_valid else shapely.make_valid(geom)).intersection(window)
        if geom.is_empty:
            return geom
        return shapely.transform(geom, self.xy)

    def lonlat(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        lon, lat = self.inv.transform(x, y)
        lon = self.lon0 + ((np.asarray(lon) - self.lon0 + 180.0) % 360.0 - 180.0)
        return lon, np.asarray(lat)


def _edges(x0: float, x1: float, y0: float, y1: float, n: int = 40) -> tuple[np.ndarray, np.ndarray]:
    xs = np.concatenate([np.linspace(x0, x1, n), np.full(n, x1), np.linspace(x1, x0, n), np.full(n, x0)])
    ys = np.concatenate([np.full(n, y0), np.linspace(y0, y1, n), np.full(n, y1), np.linspace(y1, y0, n)])
    return xs, ys


def _projected_extent(extent, proj: _Projector) -> tuple[float, float, float, float]:
    """Projected bounds of a lon/lat extent (sampled along its edges)."""
    lons, lats = _edges(*extent[::2], *extent[1::2])
    xy = proj.xy(np.column_stack([lons, lats]))
    return float(xy[:, 0].min()), float(xy[:, 0].max()), float(xy[:, 1].min()), float(xy[:, 1].max())


def _fit_aspect(bounds, box_ratio: float) -> tuple[float, float, float, float]:
    """Grow the extent so it fills a box of ``height / width = box_ratio`` at equal scale."""
    x0, x1, y0, y1 = bounds
    width, height = x1 - x0, y1 - y0
    if height / width < box_ratio:
        grow = (width * box_ratio - height) / 2
        y0, y1 = y0 - grow, y1 + grow
    else:
        grow = (height / box_ratio - width) / 2
        x0, x1 = x0 - grow, x1 + grow
    return x0, x1, y0, y1


def _view_window(view, proj: _Projector, margin: float = 0.08) -> shapely.Geometry:
    """The lon/lat box that covers the final projected view, with a margin."""
    x0, x1, y0, y1 = view
    dx, dy = (x1 - x0) * margin, (y1 - y0) * margin
    lon, lat = proj.lonlat(*_edges(x0 - dx, x1 + dx, y0 - dy, y1 + dy))
    lat = lat[np.isfinite(lat)]
    south, north = max(float(lat.min()) - 1, -85.0), min(float(lat.max()) + 1, 85.0)
    if y1 + dy > proj.xy(np.array([[proj.lon0, 84.9]]))[0, 1] or north > 84:  # the pole is in view
        north = 85.0
    if y0 - dy < proj.xy(np.array([[proj.lon0, -84.9]]))[0, 1] or south < -84:
        south = -85.0
    return shapely.box(float(lon.min()) - 1, south, float(lon.max()) + 1, north)


def _km_per_unit(proj: _Projector, lon: float, lat: float) -> float:
    """Ground kilometres per projected kilometre, eastwards at (lon, lat)."""
    lon2, lat2, _ = _GEOD.fwd(lon, lat, 90, 100_000)
    (x1, y1), (x2, y2) = proj.xy(np.array([[lon, lat], [lon2, lat2]]))
    return 100_000 / math.hypot(x2 - x1, y2 - y1)


# --------------------------------------------------------------------------- geometry to artists

_CODES = {"move": MplPath.MOVETO, "line": MplPath.LINETO, "close": MplPath.CLOSEPOLY}


def _polygons(geom: shapely.Geometry) -> list[shapely.Polygon]:
    if geom is None or geom.is_empty:
        return []
    if geom.geom_type == "Polygon":
        return [geom]
    if hasattr(geom, "geoms"):
        return [p for g in geom.geoms for p in _polygons(g)]
    return []


def _lines(geom: shapely.Geometry) -> list[np.ndarray]:
    if geom is None or geom.is_empty:
        return []
    if geom.geom_type in ("LineString", "LinearRing"):
        return [np.asarray(geom.coords)[:, :2]]
    if hasattr(geom, "geoms"):
        return [c for g in geom.geoms for c in _lines(g)]
    return []


def _polygon_path(geom: shapely.Geometry) -> MplPath | None:
    verts, codes = [], []
    for poly in _polygons(shapely.orient_polygons(geom)):
        for ring in (poly.exterior, *poly.interiors):
            coords = np.asarray(ring.coords)[:, :2]
            if len(coords) < 4:
                continue
            ring_codes = np.full(len(coords), _CODES["line"], dtype=np.uint8)
            ring_codes[0], ring_codes[-1] = _CODES["move"], _CODES["close"]
            verts.append(coords)
            codes.append(ring_codes)
    if not verts:
        return None
    return MplPath(np.concatenate(verts), np.concatenate(codes))


# --------------------------------------------------------------------------- text helpers


@dataclass
class _Typo:
    """Font sizes (points) scaled to the page, and a renderer to measure text."""

    scale: float
    renderer: object
    dpi: float
    family: list[str]

    @property
    def title(self) -> float:
        return 16 * self.scale

    @property
    def subtitle(self) -> float:
        return 9 * self.scale

    @property
    def body(self) -> float:
        return 7 * self.scale

    @property
    def heading(self) -> float:
        return 7.5 * self.scale

    @property
    def small(self) -> float:
        return 6 * self.scale

    def width(self, text: str, size: float, weight: str = "normal") -> float:
        """Width of one line of text in points (sum of cached glyph advances; kerning
        only ever makes the drawn text a little narrower)."""
        table = _ADVANCES.setdefault((tuple(_family_for(text, self.family)), weight), {})
        total = 0.0
        for char in text:
            advance = table.get(char)
            if advance is None:
                props = FontProperties(family=_family_for(char, self.family), size=100, weight=weight)
                w, _, _ = _measuring_renderer().get_text_width_height_descent(char, props, ismath=False)
                advance = table[char] = w / 100  # the renderer is at 72 dpi: pixels are points
            total += advance
        return total * size

    def wrap(self, text: str, size: float, width_pt: float, weight: str = "normal") -> list[str]:
        """Split text into lines no wider than ``width_pt`` (at word boundaries)."""
        lines: list[str] = []
        for paragraph in text.split("\n"):
            words, line = paragraph.split(), ""
            for word in words:
                candidate = f"{line} {word}" if line else word
                if line and self.width(candidate, size, weight) > width_pt:
                    lines.append(line)
                    line = word
                else:
                    line = candidate
            lines.append(line)
        return lines


@functools.cache
def _measuring_renderer() -> RendererAgg:
    """A 72-dpi renderer that measures glyph advances the same whatever the figure's dpi."""
    return RendererAgg(16, 16, 72)


#: Glyph advances (points at size 1) by (font families, weight), measured once per process.
_ADVANCES: dict[tuple[tuple[str, ...], str], dict[str, float]] = {}


#: No ligatures (matplotlib ≥ 3.11): "fi" stays two letters, so PDF text extracts and searches as
#: typed, and each font is embedded once (ligature glyphs go into a second font subset).
_NO_LIGATURES = {"fontfeatures": ["-liga"]} if hasattr(Text, "set_fontfeatures") else {}


def _family_for(text: str, family: list[str]) -> list[str]:
    """The fallback list only for text that needs it (CJK); Latin text uses DejaVu Sans
    alone, which is faster to lay out and embeds one font less."""
    if any(ord(c) >= 0x2E80 for c in text):
        return family
    return family[:1]


def _text_kwargs(typo: _Typo, size: float, text: str = "", **kwargs) -> dict:
    """Keyword arguments of every text: the snapshot fonts and no mathtext parsing (a ``$``
    in a name, title or note is drawn as a dollar sign, never interpreted)."""
    return {
        "fontfamily": _family_for(text, typo.family),
        "fontsize": size,
        "parse_math": False,
        **_NO_LIGATURES,
        **kwargs,
    }


def _shortened(name: str) -> list[str]:
    """Shorter forms of a label, cut at word boundaries with an ellipsis and never inside
    brackets (longest first)."""
    words = name.split()
    out: list[str] = []
    for k in range(len(words) - 1, 0, -1):
        prefix = " ".join(words[:k]).rstrip(" -–—,;:/(")
        if not prefix or prefix.count("(") != prefix.count(")") or prefix.count("[") != prefix.count("]"):
            continue
        candidate = prefix + "…"
        if candidate not in out and len(prefix) >= 4:
            out.append(candidate)
    return out[:3]


def _label_variants(name: str, typo: _Typo, size: float) -> list[str]:
    """The label whole (on one or two lines), then deliberately shortened forms."""
    name = " ".join(str(name).split())
    variants = [name]
    if len(name) > 22:
        lines = typo.wrap(name, size, typo.width(name, size) / 2 + size * 2)
        if len(lines) == 2:
            variants.append("\n".join(lines))
    for short in _shortened(name):
        variants.append(short)
    return variants


# --------------------------------------------------------------------------- placement


class _Placer:
    """Greedy, collision-free placement of boxes inside the map frame (display pixels)."""

    def __init__(self, frame, typo: _Typo) -> None:
        self.typo = typo
        px = typo.dpi / 72.0
        inset = 2 * px
        self.frame = (frame.x0 + inset, frame.y0 + inset, frame.x1 - inset, frame.y1 - inset)
        self.boxes: list[tuple[float, float, float, float]] = []
        self._array: np.ndarray | None = None
        self.px = px

    def block(self, box: tuple[float, float, float, float]) -> None:
        self.boxes.append(box)
        self._array = None

    def _blocked(self) -> np.ndarray:
        if self._array is None:
            self._array = np.asarray(self.boxes, dtype=float).reshape(-1, 4)
        return self._array

    def fits(self, box: tuple[float, float, float, float]) -> bool:
        x0, y0, x1, y1 = box
        fx0, fy0, fx1, fy1 = self.frame
        if x0 < fx0 or y0 < fy0 or x1 > fx1 or y1 > fy1:
            return False
        if not self.boxes:
            return True
        b = self._blocked()
        return not bool(np.any((b[:, 0] < x1) & (b[:, 2] > x0) & (b[:, 1] < y1) & (b[:, 3] > y0)))


_HA = {"left": 0.0, "center": 0.5, "right": 1.0}
_VA = {"bottom": 0.0, "center": 0.5, "top": 1.0}


def _candidates(gap: float) -> list[tuple[float, float, str, str, bool]]:
    """Offsets (points) and alignments around an anchor, nearest first; the last ring has leader lines."""
    out = []
    for ring, leader in ((gap, False), (gap + 12, True), (gap + 26, True)):
        d = ring * 0.72
        out += [
            (ring, 0, "left", "center", leader),
            (-ring, 0, "right", "center", leader),
            (0, ring, "center", "bottom", leader),
            (0, -ring, "center", "top", leader),
            (d, d, "left", "bottom", leader),
            (-d, d, "right", "bottom", leader),
            (d, -d, "left", "top", leader),
            (-d, -d, "right", "top", leader),
        ]
    return out


@dataclass
class _Feature:
    """A labelled anchor: display position, symbol radius (points) and label text."""

    x: float
    y: float
    name: str
    radius: float
    centred: bool = False  # polygons: try the label on the feature first


def _place_labels(ax, placer: _Placer, features: Sequence[_Feature], typo: _Typo, size: float, color: str) -> list:
    """Place each feature's label at the first free candidate (whole first, then shortened)."""
    placed = []
    px = placer.px
    line_h = _line_height(ax, typo, size)
    for feature in features:
        if len(placed) >= MAX_LABELS:
            break
        done = False
        for variant in _label_variants(feature.name, typo, size):
            # the text box as matplotlib aligns it, grown by its light background and some air
            lines = variant.split("\n")
            w = (max(typo.width(line, size) for line in lines) * 1.05 + 1) * px  # hinting at low dpi widens
            h = line_h * (1 + 1.05 * (len(lines) - 1)) * px
            grow = (0.12 * size + 1.25) * px
            options = _candidates(feature.radius + 1.5 + 0.12 * size)
            if feature.centred:
                options = [(0, 0, "center", "center", False), *options]
            for dx, dy, ha, va, leader in options:
                x0 = feature.x + dx * px - _HA[ha] * w
                y0 = feature.y + dy * px - _VA[va] * h
                box = (x0 - grow, y0 - grow, x0 + w + grow, y0 + h + grow)
                if not placer.fits(box):
                    continue
                placer.block(box)
                placed.append(_draw_label(ax, feature, variant, dx, dy, ha, va, leader, typo, size, color))
                done = True
                break
            if done:
                break
    return placed


def _line_height(ax, typo: _Typo, size: float) -> float:
    """Height (points) matplotlib gives one line of text at ``size`` (measured once)."""
    key = (("__line__",), f"{size:.3f}@{typo.dpi:g}")
    table = _ADVANCES.setdefault(key, {})
    if "h" not in table:
        probe = ax.text(0, 0, "ÁÇgjpq()[]|", **_text_kwargs(typo, size))
        table["h"] = probe.get_window_extent(typo.renderer).height * 72.0 / typo.dpi
        probe.remove()
    return table["h"]


def _draw_label(ax, feature: _Feature, text: str, dx, dy, ha, va, leader: bool, typo: _Typo, size, color):
    xy = ax.transData.inverted().transform((feature.x, feature.y))
    arrow = {"arrowstyle": "-", "color": "#666666", "lw": 0.4, "shrinkA": 1, "shrinkB": 1} if leader else None
    label = ax.annotate(
        text,
        xy=xy,
        xycoords="data",
        xytext=(dx, dy),
        textcoords="offset points",
        ha=ha,
        va=va,
        color=color,
        linespacing=1.05,
        zorder=30,
        arrowprops=arrow,
        annotation_clip=False,
        bbox=_LABEL_BOX,
        **_text_kwargs(typo, size, text),
    )
    label.set_gid("feature-label")
    return label


# --------------------------------------------------------------------------- legend


@dataclass
class _Row:
    """One legend line: a heading, a note or an entry with exactly one symbol."""

    kind: str  # "heading", "note", "entry"
    text: str
    symbol: tuple = ()


@dataclass
class _Drawn:
    """What a layer put on the map (for the legend): colours, widths, symbols, badges."""

    colors: set[str] = field(default_factory=set)
    widths: set[float] = field(default_factory=set)
    symbols: bool = False
    only_symbols: bool = False
    badges: bool = False


def _sentence(text: str) -> str:
    text = text.replace("_", " ")
    return text[:1].upper() + text[1:]


def _layer_entries(
    layer, visible: gpd.GeoDataFrame, tr: Translator | None = None
) -> tuple[list[tuple[str, str]], list[tuple[float, str]]]:
    """``[(colour, value)]`` of the ``color_by`` values present (in the field's order) and
    ``[(width px, "200–400 kV")]`` of the width classes, as :func:`mapper.style.layer_legend`."""
    tr = tr or translator()
    style = layer.style
    colors: list[tuple[str, str]] = []
    if style.color_by:
        field = layer.schema.fields[style.color_by]
        present = set(visible[style.color_by].dropna().astype(str)) if style.color_by in visible else set()
        colors = [(style.color_for(v), tr.value(v)) for v in (field.allowed or style.palette) if v in present]
    else:
        colors = [(style.default_color, tr.data(layer.title))]
    widths: list[tuple[float, str]] = []
    if style.width_by and style.width_stops:
        label = tr.label(layer, style.width_by)
        unit = label[label.rfind("(") + 1 : -1] if label.endswith(")") and "(" in label else ""
        stops = list(style.width_stops)
        for i, (threshold, width) in enumerate(stops):
            upper = stops[i + 1][0] if i + 1 < len(stops) else None
            text = f"≥ {threshold:g}" if upper is None else f"{threshold:g}–{upper:g}"
            widths.append((width, f"{text} {unit}".strip()))
    return colors, widths


def _layer_rows(layer, visible: gpd.GeoDataFrame, drawn: _Drawn, tr: Translator) -> list[_Row]:
    """Legend rows of one layer: only values drawn, one symbol per line, no internal wording."""
    _ = tr.gettext
    style = layer.style
    colors, widths = _layer_entries(layer, visible, tr)
    rows: list[_Row] = []
    for color, text in colors:
        if color not in drawn.colors:
            continue
        label = _sentence(text) if style.color_by else tr.data(layer.title)
        if layer.geometry == "line":
            rows.append(_Row("entry", label, ("line", color, 2.0)))
        elif layer.geometry == "point":
            rows.append(_Row("entry", label, ("marker", color, style.stroke_color or "#333333", "o")))
        elif drawn.only_symbols:
            rows.append(_Row("entry", label, ("marker", color, "#333333", "s")))
        else:
            alpha = max(style.fill_opacity, 0.6)
            rows.append(_Row("entry", label, ("patch", color, color, alpha)))
    for width, text in widths:
        if width * PX_TO_PT in drawn.widths:
            rows.append(_Row("entry", text, ("line", "#444444", width * PX_TO_PT)))
    if drawn.only_symbols:
        rows.append(
            _Row("note", _("Squares: areas smaller than {mm} mm at this scale").format(mm=f"{MIN_POLYGON_MM:g}"))
        )
    elif drawn.symbols:
        text = _("Smaller than {mm} mm at this scale").format(mm=f"{MIN_POLYGON_MM:g}")
        rows.append(_Row("entry", text, ("marker", "#777777", "#333333", "s")))
    if drawn.badges:
        text = _("Country-level records (count, no site)")
        rows.append(_Row("entry", text, ("badge", style.stroke_color or "#333333")))
    if not rows:
        return []
    title = tr.data(layer.title)
    if style.color_by and any(r.symbol[0] != "badge" and r.symbol[1] in drawn.colors for r in rows):
        field_label = tr.label(layer, style.color_by)
        title = _("{layer} (by {field})").format(
            layer=title, field=field_label.lower() if tr.lang == "en" else field_label
        )
    return [_Row("heading", title), *rows]


def _choropleth_rows(
    legend: Legend, choropleth: Choropleth, visible_fills: set[str], tr: Translator | None = None
) -> list[_Row]:
    from .style import NO_DATA, SCHEME_LABELS

    tr = tr or translator()
    rows = [_Row("heading", legend.title)]
    if legend.note:  # numeric: say the classification, not how it was computed
        scheme = tr.gettext(SCHEME_LABELS[choropleth.scheme])
        rows.append(_Row("note", tr.gettext("{scheme} classes (number of countries)").format(scheme=scheme)))
    for entry in legend.entries:
        if entry.color == NO_DATA and NO_DATA not in visible_fills:
            continue
        rows.append(_Row("entry", entry.label, ("patch", entry.color, _LAND_EDGE, 1.0)))
    return rows


def _row_height(row: _Row, typo: _Typo) -> float:
    if row.kind == "heading":
        return typo.heading * 1.45 + typo.body * 0.5
    return typo.body * 1.55


def _row_width(row: _Row, typo: _Typo) -> float:
    if row.kind == "heading":
        return typo.width(row.text, typo.heading, "bold")
    if row.kind == "note":
        return typo.width(row.text, typo.small)
    return _symbol_width(typo) + typo.width(row.text, typo.body)


def _symbol_width(typo: _Typo) -> float:
    return 20 * typo.scale


def _blocks(rows: list[_Row]) -> list[list[_Row]]:
    blocks: list[list[_Row]] = []
    for row in rows:
        if row.kind == "heading" or not blocks:
            blocks.append([])
        blocks[-1].append(row)
    return blocks


def _pack(rows: list[_Row], typo: _Typo, ncol: int) -> tuple[float, list[list[list[_Row]]]]:
    """Pack heading blocks into ``ncol`` columns; returns (height, columns)."""
    blocks = _blocks(rows)
    heights = [sum(_row_height(r, typo) for r in b) for b in blocks]
    total = sum(heights)
    target = max([total / ncol, *heights]) if heights else 0.0
    while True:
        columns: list[list[list[_Row]]] = [[]]
        used = 0.0
        for block, h in zip(blocks, heights, strict=True):
            if used + h > target + 0.01 and columns[-1]:
                columns.append([])
                used = 0.0
            columns[-1].append(block)
            used += h
        if len(columns) <= ncol:
            return target, columns
        target += typo.body


def _draw_symbol(lax, symbol: tuple, x: float, y: float, typo: _Typo) -> None:
    w = _symbol_width(typo) - 6 * typo.scale
    kind = symbol[0]
    if kind == "patch":
        _, face, edge, alpha = symbol
        h = typo.body * 0.95
        lax.add_patch(Rectangle((x, y - h / 2), w, h, facecolor=face, edgecolor=edge, lw=0.5, alpha=alpha))
    elif kind == "line":
        _, color, width = symbol
        lax.add_line(Line2D([x, x + w], [y, y], color=color, lw=width, solid_capstyle="butt"))
    elif kind == "marker":
        _, face, edge, marker = symbol
        lax.add_line(Line2D([x + w / 2], [y], ls="none", marker=marker, markersize=6.0, mfc=face, mec=edge, mew=0.6))
    elif kind == "badge":
        _, edge = symbol
        lax.text(
            x + w / 2,
            y,
            "3",
            ha="center",
            va="center",
            **_text_kwargs(typo, typo.small, fontweight="bold"),
            bbox=_badge_box(edge),
        )


def _draw_legend(lax, rows: list[_Row], typo: _Typo, width: float, height: float) -> None:
    """Draw the legend rows in the legend axes (whose data units are points)."""
    lax.axis("off")
    if not rows or width <= 0 or height <= 0:
        return
    lax.set_xlim(0, width)
    lax.set_ylim(0, height)
    col_w = max(_row_width(r, typo) for r in rows) + 12 * typo.scale
    ncol = max(1, min(int(width // col_w), len(_blocks(rows))))
    _, columns = _pack(rows, typo, ncol)
    for c, column in enumerate(columns):
        x = c * col_w
        y = height
        for block in column:
            for i, row in enumerate(block):
                h = _row_height(row, typo)
                if row.kind == "heading":
                    top = y - (typo.body * 0.5 if i == 0 and y < height else 0)
                    lax.text(
                        x,
                        top - typo.heading * 0.2,
                        row.text,
                        va="top",
                        color=_TEXT,
                        **_text_kwargs(typo, typo.heading, row.text, fontweight="bold"),
                    )
                elif row.kind == "note":
                    lax.text(
                        x,
                        y - h / 2,
                        row.text,
                        va="center",
                        color="#555555",
                        **_text_kwargs(typo, typo.small, row.text),
                    )
                else:
                    _draw_symbol(lax, row.symbol, x + 1, y - h / 2, typo)
                    lax.text(
                        x + _symbol_width(typo),
                        y - h / 2,
                        row.text,
                        va="center",
                        color=_TEXT,
                        **_text_kwargs(typo, typo.body, row.text),
                    )
                y -= h


def _badge_box(edge: str) -> dict:
    return {"boxstyle": "circle,pad=0.32", "facecolor": "white", "edgecolor": edge, "linestyle": "--", "lw": 0.8}


# --------------------------------------------------------------------------- page layout


@dataclass
class _Layout:
    """Boxes in figure fractions: title baseline, map, legend, attribution."""

    map_box: tuple[float, float, float, float]
    legend_box: tuple[float, float, float, float]
    legend_pt: tuple[float, float]
    title_lines: list[str]
    subtitle_lines: list[str]
    attribution_lines: list[str]
    side: bool


def _layout(page: Preset, typo: _Typo, title: str, subtitle: str, attribution: str, rows: list[_Row]) -> _Layout:
    W, H = page.width_in * 72, page.height_in * 72  # noqa: N806 (page size in points)
    m = 20 * typo.scale
    gap = 8 * typo.scale
    title_lines = typo.wrap(title, typo.title, W - 2 * m, "bold")[:2]
    subtitle_lines = typo.wrap(subtitle, typo.subtitle, W - 2 * m)[:3]
    attribution_lines = typo.wrap(attribution, typo.small, W - 2 * m)
    top = H - m - len(title_lines) * typo.title * 1.2 - len(subtitle_lines) * typo.subtitle * 1.3 - gap
    bottom = m + len(attribution_lines) * typo.small * 1.25 + gap
    side = W / H >= 1.2
    need_w = max([_row_width(r, typo) for r in rows], default=0) + 12 * typo.scale
    if side:
        legend_w = min(max(need_w, 90 * typo.scale), 0.3 * W) if rows else 0.0
        legend_h = top - bottom
        map_box = (m, bottom, W - m - legend_w - (gap * 1.5 if rows else 0), top)
        legend_box = (W - m - legend_w, bottom, W - m, top)
    else:
        legend_w = W - 2 * m
        ncol = max(1, min(int(legend_w // max(need_w, 1)), len(_blocks(rows)))) if rows else 1
        legend_h = _pack(rows, typo, ncol)[0] + 2 if rows else 0.0
        legend_h = min(legend_h, 0.35 * (top - bottom))
        map_box = (m, bottom + legend_h + (gap if rows else 0), W - m, top)
        legend_box = (m, bottom, W - m, bottom + legend_h)

    def frac(box):
        return (box[0] / W, box[1] / H, (box[2] - box[0]) / W, (box[3] - box[1]) / H)

    return _Layout(
        frac(map_box),
        frac(legend_box),
        (legend_box[2] - legend_box[0], legend_h),
        title_lines,
        subtitle_lines,
        attribution_lines,
        side,
    )


def _shrink_to_fit(rows: list[_Row], typo: _Typo, width: float, height: float) -> _Typo:
    """A smaller typography for the legend if its rows do not fit the box."""
    for factor in (1.0, 0.9, 0.8, 0.7):
        t = _Typo(typo.scale * factor, typo.renderer, typo.dpi, typo.family)
        col_w = max([_row_width(r, t) for r in rows], default=0) + 12 * t.scale
        ncol = max(1, int(width // max(col_w, 1)))
        if _pack(rows, t, ncol)[0] <= height:
            return t
    return t


# --------------------------------------------------------------------------- the map


def _located(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    located = frame[has_site(frame)]
    return located[located.geometry.notna() & ~located.geometry.is_empty]


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
    custom_size: str | None = None,
    locator: bool = False,
    lang: str | None = None,
) -> Figure:
    """Draw the snapshot and return the matplotlib figure (tests can inspect it).

    Parameters
    ----------
    selection
        The records to draw (see :func:`mapper.selection.select`).
    preset
        A page in :data:`PRESETS`, or a custom size such as ``"297x210mm"``.
    dpi
        Resolution of PNG output (and pixel sizes of ``custom_size``); the preset's by default.
    title, subtitle
        Drawn literally (no mathtext, no markup); defaults name the partnerships and the filter.
    bbox
        ``(west, south, east, north)`` in degrees, e.g. the bounds the web map returns.
    region
        A named region (see :data:`REGIONS`) or a country's ISO3 code. Without ``bbox`` or
        ``region`` the extent fits the filtered data. The extent grows to fill the page.
    projection
        One of :data:`PROJECTIONS`.
    choropleth
        Colour the countries by an attribute, classified as on the web map.
    labels
        Label features and countries.
    custom_size
        A page size with a unit (mm, cm, in, px), e.g. ``"297x210mm"`` or ``"1600x900px"``;
        overrides ``preset``.
    locator
        Add a small locator inset of the Indo-Pacific with the map's extent.
    lang
        Language of every text on the page (``en``, ``ja``; default English): default
        title and subtitle, legend, attribution, country names and record names
        (``name_ja`` when a record has one).

    Raises
    ------
    SnapshotError
        On an unknown preset, region or projection, or a malformed custom size.
    """
    page = _page(preset, custom_size, dpi)
    tr = translator(lang)
    _ = tr.gettext
    bundle, state, frames = selection.bundle, selection.filters, selection.frames
    catalogue = bundle.catalogue
    if projection not in PROJECTIONS:
        raise SnapshotError(
            Message(
                "unknown projection {name}; use one of {names}", name=repr(projection), names=", ".join(PROJECTIONS)
            )
        )
    extent = _extent_from(bundle, frames, bbox, region)
    crs = projection_for(extent, projection)
    lon0 = (extent[0] + extent[2]) / 2
    proj = _Projector(crs, lon0)

    fig = Figure(figsize=(page.width_in, page.height_in), dpi=dpi or page.dpi)
    canvas = FigureCanvasAgg(fig)
    fonts = families()
    W_pt = page.width_in * 72  # noqa: N806
    scale = min(max(math.sqrt(page.width_in * page.height_in * 72 * 72 / (842 * 595)), 0.85), 1.45)
    typo = _Typo(scale, canvas.get_renderer(), fig.dpi, fonts)

    # features, projected once (clipped to the projection's half world)
    projected: dict[str, gpd.GeoDataFrame] = {}
    for lid, frame in frames.items():
        located = _located(frame)
        if len(located) and bool((located.geometry.geom_type == "Point").all()):
            # points: one vectorised projection (no per-record clipping needed)
            coords = pacific_coords(shapely.get_coordinates(located.geometry.to_numpy()))
            geoms = list(shapely.points(proj.xy(coords)))
        else:
            geoms = [proj.geometry(pacific_view(g)) for g in located.geometry]
        shown = located.copy()
        shown["geometry"] = geoms
        projected[lid] = gpd.GeoDataFrame(shown[~shown.geometry.is_empty], geometry="geometry")

    title_text = title or _("Indo-Pacific clean-energy partnerships")
    subtitle_text = subtitle or _("Filter: {filter} · {projection} projection").format(
        filter=state.describe(catalogue.facets, tr), projection=_(PROJECTION_LABELS[projection])
    )
    sources = "; ".join(tr.data(a) for a in selection.attributions())
    today = today or _dt.date.today()
    attribution = _("Data as of {as_of}. Sources: {sources}. Made {today} with ip-clean-energy-mapper.").format(
        as_of=dates_text(selection, tr), sources=sources, today=tr.date(today)
    )
    classified = None
    if choropleth is not None:
        from .style import classify

        classified = classify(bundle.countries, catalogue.countries, choropleth, tr)
    base_box = _projected_extent(extent, proj)

    # Lay the page out twice: the legend lists only what the final extent shows, and the
    # final extent depends on the map box the legend leaves.
    rows: list[_Row] = []
    for _ in range(3):
        lay = _layout(page, typo, title_text, subtitle_text, attribution, rows)
        box = lay.map_box
        ratio = (box[3] * page.height_in) / (box[2] * page.width_in)
        view = _fit_aspect(base_box, ratio)
        upp = (view[1] - view[0]) / (box[2] * W_pt)  # map units per point
        drawn, visible = _what_is_drawn(frames, projected, catalogue, bundle, proj, view, upp)
        new_rows = _legend_rows(catalogue, classified, choropleth, visible, drawn, None, tr)
        if new_rows == rows:
            break
        rows = new_rows
    countries = _countries(bundle, proj, view, upp, classified, tr)
    rows = _legend_rows(catalogue, classified, choropleth, visible, drawn, set(countries["fill"]), tr)

    ax = fig.add_axes(lay.map_box)
    ax.set_gid("map")
    fig.mapper_crs = crs  # the map axes' data coordinates are in this projection (for tests and tools)
    ax.set_facecolor(_SEA)
    ax.set_xlim(view[0], view[1])
    ax.set_ylim(view[2], view[3])
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_linewidth(0.6)
        spine.set_color("#555555")

    # land: clipped after the final extent is known, with margin, so nothing is cut away
    paths = [_polygon_path(g) for g in countries.geometry]
    keep = [i for i, p in enumerate(paths) if p is not None]
    ax.add_collection(
        PathCollection(
            [paths[i] for i in keep],
            facecolors=[countries["fill"].iloc[i] for i in keep],
            edgecolors=_LAND_EDGE,
            linewidths=0.35,
            zorder=1,
        ),
        autolim=False,
    )

    frame_px = ax.get_window_extent(typo.renderer)
    placer = _Placer(frame_px, typo)
    px = typo.dpi / 72.0
    # corners reserved for the scale bar, north arrow and locator
    bar_h = (typo.small * 2.6 + 14) * px  # scale line, its length above and "true at" below, padded
    placer.block((frame_px.x0, frame_px.y0, frame_px.x0 + frame_px.width * 0.2 + 30 * px, frame_px.y0 + bar_h))
    placer.block((frame_px.x1 - 34 * px, frame_px.y1 - 52 * px, frame_px.x1, frame_px.y1))
    if locator:
        inset_w = frame_px.width * 0.2
        placer.block((frame_px.x1 - inset_w - 8 * px, frame_px.y0, frame_px.x1, frame_px.y0 + inset_w * 0.9 + 8 * px))

    features: list[_Feature] = []
    badges: list[tuple[float, float, int, str]] = []
    for lid, frame in frames.items():
        layer = catalogue[lid]
        style = layer.style
        shown = visible[lid]
        colors = [
            style.color_for(v) if style.color_by else style.default_color
            for v in (shown[style.color_by] if style.color_by else [None] * len(shown))
        ]
        if len(shown):
            feats = _draw_layer(ax, layer, shown, colors, upp, placer, tr)
            if labels:
                features += feats
        # country-level records: a dashed hollow badge with the count, on the country
        for group in country_level_groups(frame, layer, bundle.countries):
            point = proj.geometry(pacific_view(group.point))
            if point.is_empty:
                continue
            x, y = ax.transData.transform((point.x, point.y))
            if frame_px.x0 <= x <= frame_px.x1 and frame_px.y0 <= y <= frame_px.y1:
                badges.append((x, y, len(group.records), style.stroke_color or "#333333"))

    for x, y, n, edge in badges:
        _place_badge(ax, placer, x, y, n, edge, typo)

    if labels:
        # large countries are named first (a map of Japan says JAPAN), then the features,
        # then the smaller countries where room is left
        _country_labels(ax, placer, countries, typo, upp, min_area=MAJOR_COUNTRY_PT2)
        _place_labels(ax, placer, features, typo, typo.small, _TEXT)
        _country_labels(ax, placer, countries, typo, upp, max_area=MAJOR_COUNTRY_PT2)

    _scale_bar(ax, proj, view, typo)
    _north_arrow(ax, proj, view, typo)
    if locator:
        _locator(fig, ax, bundle, extent, typo)

    # legend
    lax = fig.add_axes(lay.legend_box)
    lax.set_gid("legend")
    width, height = lay.legend_pt
    _draw_legend(lax, rows, _shrink_to_fit(rows, typo, width, height), width, height)

    # title, subtitle, attribution: one text per line (matplotlib applies font features such
    # as "no ligatures" to single-line texts only)
    H_pt = page.height_in * 72  # noqa: N806
    m = 20 * typo.scale
    top = H_pt - m
    for gid, lines, size, color, weight, spacing in (
        ("title", lay.title_lines, typo.title, "#111111", "bold", 1.2),
        ("subtitle", lay.subtitle_lines, typo.subtitle, "#444444", "normal", 1.3),
    ):
        for line in lines:
            fig.text(
                m / W_pt, top / H_pt, line, va="top", color=color, **_text_kwargs(typo, size, line, fontweight=weight)
            ).set_gid(gid)
            top -= size * spacing
        top -= 2
    bottom = m
    for line in reversed(lay.attribution_lines):
        fig.text(
            m / W_pt, bottom / H_pt, line, va="bottom", color="#333333", **_text_kwargs(typo, typo.small, line)
        ).set_gid("attribution")
        bottom += typo.small * 1.25
    return fig


def _what_is_drawn(frames, projected, catalogue, bundle, proj, view, upp):
    """Per layer: the records drawn in the final view, and what they put on the map."""
    x0, x1, y0, y1 = view
    frame_box = shapely.box(x0, y0, x1, y1)
    drawn: dict[str, _Drawn] = {}
    visible: dict[str, gpd.GeoDataFrame] = {}
    for lid, frame in frames.items():
        layer = catalogue[lid]
        style = layer.style
        shown = projected[lid]
        shown = shown[shown.geometry.intersects(frame_box)]
        visible[lid] = shown
        info = _Drawn()
        values = shown[style.color_by] if style.color_by else [None] * len(shown)
        info.colors = {style.color_for(v) if style.color_by else style.default_color for v in values}
        if layer.geometry == "line" and style.width_by:
            info.widths = {style.width_for(v) * PX_TO_PT for v in shown[style.width_by]}
        if layer.geometry == "polygon":
            small = [_is_small(g, upp) for g in shown.geometry]
            info.symbols, info.only_symbols = any(small), bool(small) and all(small)
        for group in country_level_groups(frame, layer, bundle.countries):
            point = proj.geometry(pacific_view(group.point))
            if not point.is_empty and frame_box.contains(point):
                info.badges = True
        drawn[lid] = info
    return drawn, visible


def _is_small(geom: shapely.Geometry, upp: float) -> bool:
    minx, miny, maxx, maxy = geom.bounds
    return max(maxx - minx, maxy - miny) / upp < MIN_POLYGON_MM / 25.4 * 72


def _countries(bundle: Bundle, proj: _Projector, view, upp: float, classified, tr: Translator) -> gpd.GeoDataFrame:
    """Country polygons clipped to the final view (with margin), projected and simplified
    to what a quarter of a point on paper can show; with their fill colour."""
    window = _view_window(view, proj)
    x0, x1, y0, y1 = view
    pad_x, pad_y = (x1 - x0) * 0.03, (y1 - y0) * 0.03
    frame_box = shapely.box(x0 - pad_x, y0 - pad_y, x1 + pad_x, y1 + pad_y)
    rows = []
    for iso, name, geom in zip(
        bundle.countries["iso3"], bundle.countries["name"], bundle.countries.geometry, strict=True
    ):
        if geom is None or geom.is_empty:
            continue
        shifted = pacific_view(geom)
        if not shifted.intersects(window):
            continue
        g = proj.geometry(shifted, window)
        if g.is_empty:
            continue
        g = shapely.simplify(g, upp * 0.25, preserve_topology=True)
        g = (g if g.is_valid else shapely.make_valid(g)).intersection(frame_box)
        if g.is_empty:
            continue
        fill = classified.colors.get(iso, BASE_FILL) if classified else BASE_FILL
        rows.append({"iso3": iso, "name": tr.country(str(iso), str(name)), "fill": fill, "geometry": g})
    return gpd.GeoDataFrame(rows, columns=["iso3", "name", "fill", "geometry"], geometry="geometry")


def _legend_rows(
    catalogue, classified, choropleth, visible, drawn, fills: set[str] | None, tr: Translator
) -> list[_Row]:
    """Legend rows of what is drawn (``fills``: the country colours drawn, None: not known yet)."""
    rows: list[_Row] = []
    if classified is not None and choropleth is not None:
        from .style import NO_DATA

        rows += _choropleth_rows(classified.legend, choropleth, {NO_DATA} if fills is None else fills, tr)
    for lid, info in drawn.items():
        rows += _layer_rows(catalogue[lid], visible[lid], info, tr)
    return rows


def _record_names(frame: gpd.GeoDataFrame, field: str, tr: Translator) -> list[str]:
    """Records' names in ``tr``'s language: ``<field>_<lang>`` where a record has one."""
    if field not in frame:
        return [""] * len(frame)
    names = frame[field].astype(str)
    own = f"{field}_{tr.lang}"
    if own in frame:
        names = frame[own].where(frame[own].notna() & (frame[own].astype(str).str.strip() != ""), names).astype(str)
    return names.tolist()


def _draw_layer(
    ax, layer, shown: gpd.GeoDataFrame, colors: list[str], upp: float, placer: _Placer, tr: Translator
) -> list[_Feature]:
    """Draw one layer's located records; return the label anchors (display pixels)."""
    style = layer.style
    features: list[_Feature] = []
    to_px = ax.transData.transform
    px = placer.px
    dense = len(shown) > DENSE_FEATURES
    if layer.geometry == "point" and dense:
        xy = shapely.get_coordinates(shown.geometry.to_numpy())
        diameter = style.radius * 2 * PX_TO_PT * 0.6
        dots = ax.scatter(xy[:, 0], xy[:, 1], s=diameter**2, c=colors, linewidths=0, alpha=0.8, zorder=6)
        dots.set_rasterized(True)
        return features
    names = _record_names(shown, layer.label_field, tr)
    if layer.geometry == "polygon":
        big = [not _is_small(g, upp) for g in shown.geometry]
        paths, fills = [], []
        small_xy, small_colors = [], []
        for geom, color, is_big in zip(shown.geometry, colors, big, strict=True):
            point = geom.representative_point()
            if is_big:
                path = _polygon_path(geom)
                if path is not None:
                    paths.append(path)
                    fills.append(color)
            else:
                small_xy.append((point.x, point.y))
                small_colors.append(color)
        if paths:
            outlines = PathCollection(
                paths,
                facecolors=fills,
                edgecolors=fills,
                linewidths=0.6,
                alpha=max(style.fill_opacity, 0.6),
                zorder=3,
            )
            outlines.set_rasterized(dense)
            ax.add_collection(outlines, autolim=False)
        if small_xy:
            xy = np.asarray(small_xy)
            symbols = ax.scatter(
                xy[:, 0], xy[:, 1], s=5.5**2, marker="s", c=small_colors, edgecolors="#333333", linewidths=0.5, zorder=5
            )
            symbols.set_rasterized(dense)
        for geom, name, is_big in zip(shown.geometry, names, big, strict=True):
            if dense:
                break
            point = geom.representative_point()
            x, y = to_px((point.x, point.y))
            if not is_big:
                placer.block((x - 3.5 * px, y - 3.5 * px, x + 3.5 * px, y + 3.5 * px))
            features.append(_Feature(x, y, name, 3.0 if not is_big else 2.0, centred=False))
    elif layer.geometry == "line":
        widths = [
            style.width_for(v) * PX_TO_PT for v in (shown[style.width_by] if style.width_by else [None] * len(shown))
        ]
        segments, seg_colors, seg_widths = [], [], []
        for geom, color, width, name in zip(shown.geometry, colors, widths, names, strict=True):
            for coords in _lines(geom):
                segments.append(coords)
                seg_colors.append(color)
                seg_widths.append(width)
            line = None if dense else max(_clip_lines(geom, ax), key=lambda g: g.length, default=None)
            if line is not None:
                mid = line.interpolate(0.5, normalized=True)
                x, y = to_px((mid.x, mid.y))
                features.append(_Feature(x, y, name, width / 2 + 1))
        lines = LineCollection(segments, colors=seg_colors, linewidths=seg_widths, capstyle="round", zorder=4)
        lines.set_rasterized(dense)
        ax.add_collection(lines, autolim=False)
    else:
        xy = np.array([(g.x, g.y) for g in shown.geometry])
        diameter = style.radius * 2 * PX_TO_PT * 0.9
        ax.scatter(
            xy[:, 0],
            xy[:, 1],
            s=diameter**2,
            c=colors,
            edgecolors=style.stroke_color or "#333333",
            linewidths=0.6,
            zorder=6,
        )
        r = diameter / 2
        for (x0, y0), name in zip(xy, names, strict=True):
            x, y = to_px((x0, y0))
            placer.block((x - r * px, y - r * px, x + r * px, y + r * px))
            features.append(_Feature(x, y, name, r))
    return features


def _clip_lines(geom: shapely.Geometry, ax) -> list[shapely.LineString]:
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    clipped = geom.intersection(shapely.box(x0, y0, x1, y1))
    return [shapely.LineString(c) for c in _lines(clipped) if len(c) >= 2]


def _place_badge(ax, placer: _Placer, x: float, y: float, n: int, edge: str, typo: _Typo) -> None:
    """A dashed circle with the record count on the country, moved aside if it would touch
    another badge or the frame; skipped if there is no room at all inside the frame."""
    size = typo.body
    text = ax.text(
        0,
        0,
        str(n),
        ha="center",
        va="center",
        zorder=26,
        color=_TEXT,
        **_text_kwargs(typo, size, fontweight="bold"),
        bbox=_badge_box(edge),
    )
    text.set_gid("badge")
    text.set_position(ax.transData.inverted().transform((x, y)))
    ext = _artist_box(text, typo.renderer)
    half_w, half_h = ext.width / 2 + placer.px, ext.height / 2 + placer.px
    step = max(half_w, half_h) * 2.1
    offsets = [(0.0, 0.0)] + [
        (step * r * math.cos(a), step * r * math.sin(a)) for r in (1, 2) for a in np.linspace(0, 2 * math.pi, 9)[:-1]
    ]
    for dx, dy in offsets:
        box = (x + dx - half_w, y + dy - half_h, x + dx + half_w, y + dy + half_h)
        if placer.fits(box):
            placer.block(box)
            text.set_position(ax.transData.inverted().transform((x + dx, y + dy)))
            return
    text.remove()


def _artist_box(artist, renderer):
    """Window box of a text including its bbox patch (badges are circles around the text)."""
    ext = artist.get_window_extent(renderer)
    patch = artist.get_bbox_patch()
    if patch is not None:
        artist.update_bbox_position_size(renderer)
        return Bbox.union([ext, patch.get_window_extent(renderer)])
    return ext


def _country_labels(
    ax,
    placer: _Placer,
    countries: gpd.GeoDataFrame,
    typo: _Typo,
    upp: float,
    min_area: float = 500.0,
    max_area: float = math.inf,
) -> None:
    """Names of the countries whose visible area on paper (pt²) is in [min_area, max_area),
    largest first, where they collide with nothing."""
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    view = shapely.box(x0, y0, x1, y1)
    entries = []
    for name, geom, fill in zip(countries["name"], countries.geometry, countries["fill"], strict=True):
        part = geom.intersection(view)
        if part.is_empty:
            continue
        area_pt = part.area / upp**2
        if not (max(min_area, 40.0) <= area_pt < max_area):
            continue
        largest = max(_polygons(part), key=lambda p: p.area, default=None)
        if largest is None:
            continue
        entries.append((area_pt, str(name), largest, fill))
    entries.sort(key=lambda e: -e[0])
    px = placer.px
    for area_pt, name, part, fill in entries:
        size = typo.body * (1.25 if area_pt > 40_000 else 1.0)
        text = name.upper() if area_pt > 40_000 else name
        w = (typo.width(text, size) * 1.05 + 3) * px
        h = (_line_height(ax, typo, size) + 2) * px
        for x, y in _inner_points(ax, part, upp, step_pt=18 * typo.scale):
            box = (x - w / 2, y - h / 2, x + w / 2, y + h / 2)
            if placer.fits(box):
                placer.block(box)
                label = ax.text(
                    *ax.transData.inverted().transform((x, y)),
                    text,
                    ha="center",
                    va="center",
                    color=_country_text_color(fill),
                    zorder=20,
                    **_text_kwargs(typo, size, text),
                )
                label.set_gid("country-label")
                break


def _inner_points(ax, part: shapely.Polygon, upp: float, step_pt: float) -> list[tuple[float, float]]:
    """Display positions inside a country part for its name: its pole of inaccessibility
    first, then points of a grid inside it, nearest first (at most 60)."""
    centre = polylabel(part, tolerance=upp * 2)
    minx, miny, maxx, maxy = part.bounds
    step = step_pt * upp
    xs, ys = np.meshgrid(np.arange(minx + step / 2, maxx, step), np.arange(miny + step / 2, maxy, step))
    xs, ys = xs.ravel(), ys.ravel()
    inside = shapely.contains_xy(part, xs, ys)
    xs, ys = xs[inside], ys[inside]
    order = np.argsort((xs - centre.x) ** 2 + (ys - centre.y) ** 2)[:60]
    points = [(centre.x, centre.y), *zip(xs[order], ys[order], strict=True)]
    return [tuple(ax.transData.transform(p)) for p in points]


def _nice(km: float) -> float:
    """A round length (1, 2 or 5 times a power of ten) not above ``km``."""
    exponent = 10 ** math.floor(math.log10(km))
    for step in (5, 2, 1):
        if step * exponent <= km:
            return float(step * exponent)
    return float(exponent)


def _country_text_color(fill: str) -> str:
    """Grey on light fills, near-white on dark choropleth classes."""
    r, g, b = (int(fill[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return "#f2f2f2" if 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.45 else "#5a5a5a"


def _scale_bar(ax, proj: _Projector, view, typo: _Typo):
    """A scale bar (matplotlib-scalebar) true at the map's centre latitude: ``dx`` is
    metres on the ground per projected metre there (cos(latitude) in Web Mercator)."""
    from matplotlib_scalebar.scalebar import ScaleBar

    x0, x1, y0, y1 = view
    lon, lat = proj.lonlat(np.array([(x0 + x1) / 2]), np.array([(y0 + y1) / 2]))
    lon, lat = float(lon[0]), float(lat[0])
    dx = _km_per_unit(proj, lon, lat)
    km = _nice((x1 - x0) * dx / 1000 * 0.18)
    bar = ScaleBar(
        dx,
        units="m",
        fixed_value=km,
        fixed_units="km",
        scale_formatter=lambda value, unit: f"{value:g} {unit}",
        location="lower left",
        width_fraction=0.008,
        box_alpha=0.75,
        color=_TEXT,
        scale_loc="top",
        label=f"true at {abs(lat):.0f}°{'N' if lat >= 0 else 'S'}",
        label_loc="bottom",
        font_properties={"family": typo.family[:1], "size": typo.small},
        border_pad=0.6,
        pad=0.3,
        rotation="horizontal-only",
    )
    bar.set_gid("scalebar")
    ax.add_artist(bar)
    return bar


def _north_arrow(ax, proj: _Projector, view, typo: _Typo) -> None:
    """An arrow pointing to true north where it is drawn (rotated in the equal-area projection)."""
    x0, x1, y0, y1 = view
    bx, by = x1 - (x1 - x0) * 0.035, y1 - (y1 - y0) * 0.12
    lon, lat = proj.lonlat(np.array([bx]), np.array([by]))
    (ax_, ay_), (nx, ny) = proj.xy(np.array([[lon[0], lat[0]], [lon[0], min(lat[0] + 0.5, 85.0)]]))
    angle = math.atan2(nx - ax_, ny - ay_)  # clockwise from up
    base = ax.transData.transform((bx, by))
    frame = ax.get_window_extent(typo.renderer)
    px = typo.dpi / 72.0
    bxp, byp = (base[0] - frame.x0) / px, (base[1] - frame.y0) / px  # axes points
    length = 20 * typo.scale
    tip = (bxp + length * math.sin(angle), byp + length * math.cos(angle))
    ax.annotate(
        "",
        xy=tip,
        xytext=(bxp, byp),
        xycoords="axes points",
        textcoords="axes points",
        arrowprops={"arrowstyle": "-|>", "color": _TEXT, "lw": 1.2, "mutation_scale": 9 * typo.scale},
        zorder=25,
    )
    ax.annotate(
        "N",
        xy=(tip[0] + 7 * math.sin(angle), tip[1] + 7 * math.cos(angle)),
        xycoords="axes points",
        ha="center",
        va="center",
        zorder=25,
        **_text_kwargs(typo, typo.heading * 1.2, fontweight="bold"),
    ).set_gid("north")


def _locator(fig: Figure, ax, bundle: Bundle, extent, typo: _Typo) -> None:
    """A small map of the Indo-Pacific (plate carrée) with the snapshot's extent outlined."""
    pos = ax.get_position()
    w = pos.width * 0.2
    h = w * fig.get_figwidth() / fig.get_figheight() * 0.9
    inset = fig.add_axes((pos.x1 - w - 0.004, pos.y0 + 0.006, w, h))
    inset.set_gid("locator")
    west, south, east, north = REGIONS["indo-pacific"]
    inset.set_facecolor(_SEA)
    inset.set_xlim(west, east)
    inset.set_ylim(south, north)
    inset.set_xticks([])
    inset.set_yticks([])
    window = shapely.box(west, south, east, north)
    paths = []
    for geom in bundle.countries.geometry:
        if geom is None or geom.is_empty:
            continue
        g = pacific_view(geom)
        if g.intersects(window):
            path = _polygon_path(shapely.simplify(g.intersection(window), 0.4))
            if path is not None:
                paths.append(path)
    inset.add_collection(PathCollection(paths, facecolors="#cdc6b4", edgecolors="none"), autolim=False)
    e = extent
    inset.add_patch(Rectangle((e[0], e[1]), e[2] - e[0], e[3] - e[1], fill=False, edgecolor="#c0392b", lw=0.9))
    for spine in inset.spines.values():
        spine.set_linewidth(0.5)


# --------------------------------------------------------------------------- output


def _vector_font_settings() -> None:
    """Embed fonts as TrueType (Type 42) in PDF/PostScript, never as Type 3 outlines, and
    keep SVG text as text (:data:`SVG_FONTTYPE`). Set globally (no rc_context, which would
    race between threads of a server); these settings only improve other figures too."""
    matplotlib.rcParams["pdf.fonttype"] = 42
    matplotlib.rcParams["ps.fonttype"] = 42
    matplotlib.rcParams["svg.fonttype"] = SVG_FONTTYPE


def _title_of(fig: Figure) -> str:
    lines = [text.get_text() for text in fig.texts if text.get_gid() == "title"]
    if lines:
        return " ".join(lines)
    return fig.texts[0].get_text() if fig.texts else "map"


def save(fig: Figure, path: str | Path, *, dpi: int | None = None) -> Path:
    """Save as PNG, SVG or PDF (from the suffix); vector for SVG and PDF.

    PDF embeds TrueType (Type 42) font subsets; SVG keeps text as ``<text>`` elements
    naming the font families, so an editor can change it; PNG is written at ``dpi``.
    """
    path = Path(path)
    if path.suffix.lower() not in FORMATS:
        raise SnapshotError(Message("cannot write {file}: use a .png, .svg or .pdf file name", file=repr(path.name)))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(to_bytes(fig, path.suffix.lower()[1:], dpi=dpi))
    return path


def snapshot(selection: Selection, path: str | Path, **options) -> Path:
    """Draw and save in one call (see :func:`draw` for the options)."""
    dpi = options.get("dpi")
    return save(draw(selection, **options), path, dpi=dpi)


def to_bytes(fig: Figure, fmt: str = "png", *, dpi: int | None = None) -> bytes:
    """Render the figure to PNG, SVG or PDF bytes (for previews and download buttons)."""
    if f".{fmt}" not in FORMATS:
        raise SnapshotError(Message("cannot render {fmt}: use png, svg or pdf", fmt=repr(fmt)))
    _vector_font_settings()
    title = _title_of(fig)
    metadata: dict | None = {"Title": title, "Creator": "ip-clean-energy-mapper"}
    if fmt == "png":
        metadata = {"Title": title, "Software": "ip-clean-energy-mapper"}
    elif fmt == "svg":
        metadata = {"Title": title}
    buffer = io.BytesIO()
    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    fig.savefig(buffer, format=fmt, dpi=dpi or fig.dpi, metadata=metadata)
    return buffer.getvalue()


__all__ = [
    "FORMATS",
    "PRESETS",
    "PROJECTIONS",
    "REGIONS",
    "Preset",
    "SnapshotError",
    "bbox_from_leaflet",
    "draw",
    "parse_size",
    "projection_for",
    "save",
    "snapshot",
    "to_bytes",
]

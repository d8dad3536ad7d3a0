"""Snapshots: page presets and custom sizes, vector output with TrueType fonts, literal text
(no mathtext, no markup), labels whole and inside the frame without collisions, land never
clipped away, a clean legend, a true scale bar, Japanese text, and image regression tests.

Baseline images live in ``tests/baseline/``; regenerate them with
``MAPPER_UPDATE_BASELINES=1 pytest tests/test_snapshot.py -k baseline``.
"""

from __future__ import annotations

import ast
import datetime as dt
import io
import math
import os
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Text
from matplotlib.transforms import Bbox
from pypdf import PdfReader

import pyproj

import mapper
from mapper import snapshot as snapshot_module
from mapper.fonts import japanese_font_path
from mapper.selection import Selection, select
from mapper.snapshot import PRESETS, SnapshotError, draw, parse_size, projection_for, save, snapshot, to_bytes
from mapper.style import BASE_FILL, Choropleth

MEKONG = mapper.FilterState(country=("LAO", "THA", "VNM", "KHM"))
WIND = mapper.FilterState(layers=("wind_zones",))
BASELINE = Path(__file__).parent / "baseline"
TODAY = dt.date(2026, 1, 15)
PAYLOADS = ("$\\undefined$", "{{ 7*7 }}", "<script>alert(1)</script>")


def _map_ax(fig):
    return next(a for a in fig.axes if a.get_gid() == "map")


def _legend_ax(fig):
    return next(a for a in fig.axes if a.get_gid() == "legend")


def _box(text, renderer) -> Bbox:
    """Window box of a text with its background patch (badge circles, label boxes), without
    the leader line of an annotation."""
    ext = Text.get_window_extent(text, renderer)
    patch = text.get_bbox_patch()
    if patch is None:
        return ext
    text.update_bbox_position_size(renderer)
    return Bbox.union([ext, patch.get_window_extent(renderer)])


def _placed(fig) -> tuple[list, object, Bbox]:
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    ax = _map_ax(fig)
    texts = [t for t in ax.texts if t.get_gid() in ("feature-label", "country-label", "badge") and t.get_visible()]
    return texts, renderer, ax.get_window_extent(renderer)


# --------------------------------------------------------------------------- pages


@pytest.mark.parametrize("preset", list(PRESETS))
def test_png_has_the_presets_size(bundle: mapper.Bundle, preset: str) -> None:
    fig = draw(select(bundle, MEKONG), preset=preset, region="mekong", labels=False, dpi=40)
    image = mpimg.imread(io.BytesIO(to_bytes(fig, "png")))
    page = PRESETS[preset]
    assert abs(image.shape[1] - page.width_in * 40) <= 1
    assert abs(image.shape[0] - page.height_in * 40) <= 1
    # not blank: many distinct colours
    assert len(np.unique(image.reshape(-1, image.shape[2])[::7], axis=0)) > 20


def test_full_resolution_a4_is_3508_by_2480(bundle: mapper.Bundle, tmp_path: Path) -> None:
    path = snapshot(select(bundle, MEKONG), tmp_path / "a4.png", region="mekong", labels=False)
    image = mpimg.imread(path)
    assert (image.shape[1], image.shape[0]) == (3508, 2480)


def test_the_preset_names_cover_paper_slides_and_square() -> None:
    for name in ("a4-landscape", "a4-portrait", "a3-landscape", "a3-portrait", "letter-landscape", "letter-portrait"):
        assert name in PRESETS
    assert {"slide-16x9", "slide-4x3", "square"} <= set(PRESETS)
    a3 = PRESETS["a3-landscape"]
    assert (round(a3.width_in * 25.4), round(a3.height_in * 25.4)) == (420, 297)
    assert PRESETS["slide-4x3"].width_in / PRESETS["slide-4x3"].height_in == pytest.approx(4 / 3)


def test_custom_sizes_in_mm_and_pixels(bundle: mapper.Bundle) -> None:
    page = parse_size("297x210mm")
    assert (page.width_in * 25.4, page.height_in * 25.4) == (pytest.approx(297), pytest.approx(210))
    assert parse_size("21 x 29.7 cm").height_in == pytest.approx(29.7 / 2.54)
    fig = draw(select(bundle, MEKONG), custom_size="1600x900px", dpi=100, region="mekong", labels=False)
    image = mpimg.imread(io.BytesIO(to_bytes(fig, "png")))
    assert (image.shape[1], image.shape[0]) == (1600, 900)
    fig = draw(select(bundle, MEKONG), preset="200x100mm", dpi=30, region="mekong", labels=False)
    assert fig.get_size_inches() == pytest.approx((200 / 25.4, 100 / 25.4))
    for bad, message in (
        ("297by210", "width x height with a unit"),
        ("297x210", "width x height with a unit"),
        ("10x10mm", "between"),
        ("100x100px", "300 to 12000 px"),
        ("1000x100mm", "too narrow"),
    ):
        with pytest.raises(SnapshotError, match=message):
            draw(select(bundle, MEKONG), custom_size=bad, region="mekong")


def test_dpi_is_recorded_and_scales_pixels(bundle: mapper.Bundle, tmp_path: Path) -> None:
    from PIL import Image

    path = snapshot(select(bundle, MEKONG), tmp_path / "a.png", preset="a4-landscape", dpi=60, region="mekong")
    with Image.open(path) as image:
        expected = (PRESETS["a4-landscape"].width_in * 60, PRESETS["a4-landscape"].height_in * 60)
        assert all(abs(got - want) <= 1 for got, want in zip(image.size, expected, strict=True))
        assert round(image.info["dpi"][0]) == 60


# --------------------------------------------------------------------------- vector output and fonts


def _fonts(pdf: Path | bytes) -> list[dict]:
    reader = PdfReader(io.BytesIO(pdf) if isinstance(pdf, bytes) else pdf)
    fonts = []
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts.append(font)
            fonts += [d.get_object() for d in font.get("/DescendantFonts", [])]
    return fonts


def test_pdf_and_svg_are_vector_with_truetype_fonts(bundle: mapper.Bundle, tmp_path: Path) -> None:
    pdf = snapshot(select(bundle, MEKONG), tmp_path / "m.pdf", region="mekong", choropleth=Choropleth("net_zero_year"))
    page = PdfReader(pdf).pages[0]
    assert "/XObject" not in page.get("/Resources", {}) or not any(
        o.get_object().get("/Subtype") == "/Image" for o in page["/Resources"]["/XObject"].values()
    )
    assert page.get_contents().get_data().count(b" l\n") > 1000  # coastlines and lines are vector paths
    fonts = _fonts(pdf)
    subtypes = {str(f.get("/Subtype")) for f in fonts}
    assert "/Type3" not in subtypes  # editors want TrueType, not Type 3 outlines
    assert "/CIDFontType2" in subtypes or "/TrueType" in subtypes  # Type 42: embedded TrueType
    assert all("/FontFile2" in f["/FontDescriptor"] for f in fonts if "/FontDescriptor" in f)
    svg = snapshot(select(bundle, MEKONG), tmp_path / "m.svg", region="mekong").read_text(encoding="utf-8")
    assert len(re.findall(r"\bL ?-?\d", svg)) > 1000  # coastlines as vector path segments
    assert "<image" not in svg
    assert "<text" in svg  # text stays text (svg.fonttype "none")


def test_title_labels_and_data_are_literal_in_pdf_and_svg(bundle: mapper.Bundle, line_layer: str) -> None:
    base = select(bundle, MEKONG)
    frames = dict(base.frames)
    lines = frames[line_layer].copy()
    assert len(lines) > 0
    lines.loc[lines.index[0], "name"] = " ".join(PAYLOADS)
    frames[line_layer] = lines
    hostile = Selection(bundle=bundle, filters=base.filters, frames=frames)
    options = {"region": "mekong", "title": f"Title {PAYLOADS[0]}", "subtitle": " ".join(PAYLOADS[1:])}
    text = PdfReader(io.BytesIO(to_bytes(draw(hostile, **options), "pdf"))).pages[0].extract_text()
    svg = ET.fromstring(to_bytes(draw(hostile, **options), "svg"))
    svg_text = " ".join("".join(e.itertext()) for e in svg.iter() if e.tag.endswith("text"))
    for payload in PAYLOADS:
        assert text.count(payload) >= 2, payload  # in the subtitle or title, and the feature label
        assert svg_text.count(payload) >= 2, payload


def test_no_pyplot_and_no_backend_switch(bundle: mapper.Bundle) -> None:
    source = Path(snapshot_module.__file__).read_text(encoding="utf-8")
    tree = ast.parse(source)
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) for alias in node.names}
    assert not any("pyplot" in name for name in imported)
    assert "matplotlib.use(" not in source
    fig = draw(select(bundle, MEKONG), region="mekong", dpi=20)
    to_bytes(fig, "png")
    if "matplotlib.pyplot" in sys.modules:  # mapclassify imports it; no figure may be registered there
        assert sys.modules["matplotlib.pyplot"].get_fignums() == []


def test_japanese_title_renders_with_the_bundled_font(bundle: mapper.Bundle) -> None:
    assert japanese_font_path().is_file()
    title = "日本の洋上風力 — Japan offshore wind"
    pdf = to_bytes(draw(select(bundle, WIND), region="JPN", title=title, dpi=40), "pdf")
    assert "日本の洋上風力" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    names = [str(f.get("/BaseFont")) for f in _fonts(pdf)]
    assert any("IPAexGothic" in n for n in names)
    assert "/Type3" not in {str(f.get("/Subtype")) for f in _fonts(pdf)}


# --------------------------------------------------------------------------- labels


def _is_whole_or_word_cut(text: str, names: set[str]) -> bool:
    flat = " ".join(text.split())
    if flat in names:
        return True
    if not flat.endswith("…"):
        return False
    prefix = flat[:-1]
    if prefix.count("(") != prefix.count(")"):
        return False
    return any(n.startswith(prefix) and (len(n) == len(prefix) or not n[len(prefix)].isalnum()) for n in names)


@pytest.mark.parametrize(
    ("filters", "options"),
    [
        (MEKONG, {"region": "mekong", "preset": "a4-landscape"}),
        (mapper.FilterState(), {"region": "LAO", "preset": "a4-portrait"}),
        (WIND, {"region": "JPN", "preset": "slide-16x9"}),
        (mapper.FilterState(), {"preset": "a4-landscape"}),
    ],
)
def test_labels_are_whole_inside_the_frame_and_never_overlap(bundle: mapper.Bundle, filters, options) -> None:
    fig = draw(select(bundle, filters), dpi=72, **options)
    texts, renderer, frame = _placed(fig)
    assert texts
    names = {" ".join(str(n).split()) for f in bundle.layers.values() for n in f["name"]}
    for text in texts:
        if text.get_gid() == "feature-label":
            assert _is_whole_or_word_cut(text.get_text(), names), text.get_text()
    boxes = [_box(t, renderer) for t in texts]
    for text, box in zip(texts, boxes, strict=True):
        assert frame.x0 - 0.5 <= box.x0, text.get_text()
        assert box.x1 <= frame.x1 + 0.5, text.get_text()
        assert frame.y0 - 0.5 <= box.y0, text.get_text()
        assert box.y1 <= frame.y1 + 0.5, text.get_text()
    shrunk = [Bbox.from_extents(b.x0 + 0.5, b.y0 + 0.5, b.x1 - 0.5, b.y1 - 0.5) for b in boxes]
    for i, a in enumerate(shrunk):
        for j in range(i + 1, len(shrunk)):
            assert not a.overlaps(shrunk[j]), (texts[i].get_text(), texts[j].get_text())


def test_pdf_text_has_every_label_whole(bundle: mapper.Bundle) -> None:
    fig = draw(select(bundle, MEKONG), region="mekong")
    labels = [t.get_text() for t in _map_ax(fig).texts if t.get_gid() == "feature-label"]
    text = PdfReader(io.BytesIO(to_bytes(fig, "pdf"))).pages[0].extract_text()
    lines = set(text.splitlines())
    assert len(labels) >= 8
    for label in labels:
        for line in label.split("\n"):
            assert line in lines, line
    assert "Nam Mo 3 - Xishuangbanna 500 kV (China-Laos interconnection)" in " ".join(labels).replace("\n", " ")
    for line in lines:  # no line of the map is cut inside brackets
        assert line.count("(") == line.count(")"), line


def test_badges_stay_inside_the_frame_for_a_country_region(bundle: mapper.Bundle) -> None:
    fig = draw(select(bundle), region="LAO", dpi=72)
    texts, renderer, frame = _placed(fig)
    badges = [t for t in texts if t.get_gid() == "badge"]
    assert badges
    for badge in badges:
        box = _box(badge, renderer)
        assert frame.contains(box.x0, box.y0)
        assert frame.contains(box.x1, box.y1)


def test_country_names_are_drawn(bundle: mapper.Bundle) -> None:
    fig = draw(select(bundle, MEKONG), region="mekong", dpi=40)
    names = {t.get_text().lower() for t in _map_ax(fig).texts if t.get_gid() == "country-label"}
    assert {"thailand", "cambodia"} <= names or len(names) >= 4


# --------------------------------------------------------------------------- extent and land


def test_land_fills_the_wide_slide_west_of_112e(bundle: mapper.Bundle) -> None:
    fig = draw(select(bundle, WIND), preset="slide-16x9", region="JPN", dpi=50, labels=False)
    ax = _map_ax(fig)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    image = np.asarray(canvas.buffer_rgba())[:, :, :3].astype(int)
    land = np.array([int(BASE_FILL[i : i + 2], 16) for i in (1, 3, 5)])
    to_map = pyproj.Transformer.from_crs("EPSG:4326", fig.mapper_crs, always_xy=True)
    x0, _x1 = ax.get_xlim()
    west_lon = to_map.transform(x0, 0, direction="INVERSE")[0]
    assert west_lon < 112  # the 16:9 page widens the view west of Japan, over mainland China
    frame = ax.get_window_extent()
    checked = 0
    for lon, lat in ((109.5, 30.0), (110.0, 34.0), (111.0, 27.0), (111.5, 38.5), (111.0, 29.0), (111.0, 31.0)):
        px, py = ax.transData.transform(to_map.transform(lon, lat))
        if not (frame.x0 < px < frame.x1 and frame.y0 < py < frame.y1):
            continue
        row, col = int(image.shape[0] - py), int(px)
        patch = image[row - 1 : row + 2, col - 1 : col + 2].reshape(-1, 3)
        assert np.abs(patch - land).sum(axis=1).min() < 30, (lon, lat)  # land colour, not sea
        checked += 1
    assert checked >= 3


def test_small_zones_are_drawn_as_symbols(bundle: mapper.Bundle) -> None:
    fig = draw(select(bundle, WIND), preset="slide-16x9", region="JPN", dpi=40)
    markers = [
        c for c in _map_ax(fig).collections if len(getattr(c, "get_sizes", lambda: [])()) and c.get_offsets().size
    ]
    assert markers  # zones a few mm across on paper are squares, not specks
    legend = [t.get_text() for t in _legend_ax(fig).texts]
    assert any("smaller than 3 mm" in t.lower() for t in legend)


def test_extent_by_bbox_country_and_data(bundle: mapper.Bundle) -> None:
    for kwargs in ({"bbox": (95, 10, 110, 25)}, {"region": "VNM"}, {}):
        fig = draw(select(bundle, MEKONG), labels=False, dpi=30, **kwargs)
        x0, x1 = _map_ax(fig).get_xlim()
        assert x1 > x0


def test_a_bbox_west_of_the_pacific_split_draws_the_countries_there(bundle: mapper.Bundle) -> None:
    fig = draw(select(bundle, WIND), bbox=(-176, -22, -170, -12), labels=False, dpi=30)
    drawn = sum(len(c.get_paths()) for c in _map_ax(fig).collections)
    assert drawn > 0


# --------------------------------------------------------------------------- legend, scale bar, north


def test_legend_is_clean(bundle: mapper.Bundle) -> None:
    fig = draw(select(bundle, MEKONG), region="mekong", choropleth=Choropleth("net_zero_year"), dpi=40)
    texts = _legend_ax(fig).texts
    labels = [t.get_text() for t in texts]
    joined = " | ".join(labels)
    for internal in ("fewer than", "too few", "asked", " — by", "classes (fewer"):
        assert internal not in joined
    assert "Net-zero year" in labels
    assert any(label.startswith("Operating") for label in labels)
    headings = [t for t in texts if t.get_fontweight() in ("bold", 700)]
    assert headings
    assert all(t.get_text() for t in headings)
    order = [t.get_fontweight() in ("bold", 700) for t in texts if t.get_text() and not t.get_text().isdigit()]
    for i, is_heading in enumerate(order):  # no empty heading: each is followed by an entry
        if is_heading:
            assert i + 1 < len(order)
            assert not order[i + 1]
    assert all("\n" not in label for label in labels)  # one symbol, one line
    # only what is drawn: every status listed is one of the records selected
    frames = select(bundle, MEKONG).frames
    present = {str(v).replace("_", " ").capitalize() for f in frames.values() if "status" in f for v in f["status"]}
    all_statuses = {"Proposed", "Designated", "Auctioned", "Awarded", "Cancelled", "Planned", "Under construction"}
    assert (all_statuses & set(labels)) <= present


def test_jucep_without_sites_has_no_empty_heading(bundle: mapper.Bundle) -> None:
    fig = draw(select(bundle, mapper.FilterState(layers=("jucep",))), region="asean", dpi=40)
    labels = [t.get_text() for t in _legend_ax(fig).texts]
    assert "JUCEP activities" in labels
    assert not any("by type" in label for label in labels)
    assert any("Country-level records" in label for label in labels)


def test_scale_bar_is_true_at_the_maps_latitude(bundle: mapper.Bundle) -> None:
    from matplotlib_scalebar.scalebar import ScaleBar

    to_proj = pyproj.Transformer.from_crs("EPSG:4326", projection_for((92, 8, 110, 26)), always_xy=True)
    x0, _ = to_proj.transform(100, 17)
    x1, _ = to_proj.transform(101, 17)
    assert (x1 - x0) / 1000 == pytest.approx(111.3, rel=0.01)  # Mercator units are longer than the ground
    fig = draw(select(bundle, MEKONG), region="mekong", dpi=30)
    bar = next(a for a in _map_ax(fig).artists if isinstance(a, ScaleBar))
    lat = float(re.search(r"true at (\d+)", bar.label)[1])
    assert bar.dx == pytest.approx(math.cos(math.radians(lat)), rel=0.02)  # metres per Mercator unit
    fig = draw(select(bundle, MEKONG), region="mekong", projection="equal-area", dpi=30)
    bar = next(a for a in _map_ax(fig).artists if isinstance(a, ScaleBar))
    assert bar.dx == pytest.approx(1.0, rel=0.02)  # equal-area: true at the centre


def test_north_arrow_and_attribution(bundle: mapper.Bundle) -> None:
    fig = draw(select(bundle, MEKONG), region="mekong", title="Mekong interconnectors", dpi=30, locator=True)
    assert any(t.get_text() == "N" for t in _map_ax(fig).texts)
    texts: dict[str, str] = {}
    for t in fig.texts:  # one text per line: join the lines of each part
        texts[t.get_gid()] = f"{texts.get(t.get_gid(), '')} {t.get_text()}".strip()
    assert texts["title"] == "Mekong interconnectors"
    assert "Sources:" in texts["attribution"]
    assert "as of" in texts["attribution"]
    assert any(a.get_gid() == "locator" for a in fig.axes)


def test_bad_options_are_clear_errors(bundle: mapper.Bundle, tmp_path: Path) -> None:
    with pytest.raises(SnapshotError, match="unknown preset"):
        draw(select(bundle), preset="a5")
    with pytest.raises(SnapshotError, match="unknown region"):
        draw(select(bundle), region="atlantis")
    with pytest.raises(SnapshotError, match="unknown projection"):
        draw(select(bundle), projection="robinson", region="mekong")
    fig = draw(select(bundle), region="mekong", labels=False, dpi=20)
    with pytest.raises(SnapshotError, match=r"\.png, \.svg or \.pdf"):
        save(fig, tmp_path / "x.jpg")


def test_bbox_from_leaflet_bounds() -> None:
    from mapper.snapshot import bbox_from_leaflet

    bounds = {"_southWest": {"lat": 5.0, "lng": 90.0}, "_northEast": {"lat": 25.0, "lng": 112.0}}
    assert bbox_from_leaflet(bounds) == (90.0, 5.0, 112.0, 25.0)
    pacific = {"_southWest": {"lat": -22.0, "lng": 184.0}, "_northEast": {"lat": -12.0, "lng": 190.0}}
    assert bbox_from_leaflet(pacific) == (184.0, -22.0, 190.0, -12.0)
    wrapped = {"_southWest": {"lat": -22.0, "lng": -176.0}, "_northEast": {"lat": -12.0, "lng": -170.0}}
    assert bbox_from_leaflet(wrapped) == (184.0, -22.0, 190.0, -12.0)
    assert bbox_from_leaflet(None) is None
    assert bbox_from_leaflet({"_southWest": {"lat": None, "lng": None}, "_northEast": {}}) is None


# --------------------------------------------------------------------------- image regression


#: Per-pixel RMS difference (0-255 scale) a baseline comparison tolerates (font antialiasing).
RMS_TOLERANCE = 12.0


@pytest.mark.parametrize("preset", list(PRESETS))
def test_baseline_images(bundle: mapper.Bundle, preset: str) -> None:
    from PIL import Image

    fig = draw(
        select(bundle, MEKONG),
        preset=preset,
        region="mekong",
        dpi=40,
        choropleth=Choropleth("net_zero_year"),
        title="Mekong interconnectors",
        today=TODAY,
    )
    png = to_bytes(fig, "png")
    path = BASELINE / f"{preset}.png"
    if os.environ.get("MAPPER_UPDATE_BASELINES") == "1":
        BASELINE.mkdir(exist_ok=True)
        path.write_bytes(png)
        return
    assert path.exists(), f"no baseline {path.name}; run with MAPPER_UPDATE_BASELINES=1 to create it"
    with Image.open(io.BytesIO(png)) as got, Image.open(path) as want:
        a = np.asarray(got.convert("RGB"), dtype=float)
        b = np.asarray(want.convert("RGB"), dtype=float)
    assert a.shape == b.shape
    rms = float(np.sqrt(np.mean((a - b) ** 2)))
    assert rms <= RMS_TOLERANCE, f"{preset}: RMS {rms:.1f} > {RMS_TOLERANCE}; if intended, MAPPER_UPDATE_BASELINES=1"


def test_colours_and_legend_entries_match_the_web_map(bundle: mapper.Bundle) -> None:
    from mapper import style
    from mapper.enrich import has_site

    assert snapshot_module.BASE_FILL == style.BASE_FILL  # the snapshot does not import style.py eagerly
    for lid, frame in bundle.layers.items():
        layer = bundle.catalogue[lid]
        located = frame[has_site(frame)]
        colors, widths = snapshot_module._layer_entries(layer, located)
        legend = style.layer_legend(layer, located)
        assert colors == [(e.color, e.label) for e in legend.entries if e.width is None and not e.dashed]
        assert widths == [(e.width, e.label) for e in legend.entries if e.width is not None]

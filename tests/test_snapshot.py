"""Snapshots: the preset's pixel size and dpi, not blank, vector PDF/SVG, clear errors."""

from __future__ import annotations

from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pytest
from pypdf import PdfReader

import mapper
from mapper.selection import select
from mapper.snapshot import PRESETS, SnapshotError, draw, projection_for, save, snapshot
from mapper.style import Choropleth

MEKONG = mapper.FilterState(countries=("LAO", "THA", "VNM", "KHM"))


@pytest.mark.parametrize(
    ("preset", "size"),
    [
        ("a4-landscape", (3508, 2480)),
        ("a4-portrait", (2480, 3508)),
        ("slide-16x9", (1920, 1080)),
        ("square", (2000, 2000)),
    ],
)
def test_png_has_the_presets_pixel_size(bundle: mapper.Bundle, tmp_path: Path, preset: str, size) -> None:
    path = snapshot(select(bundle, MEKONG), tmp_path / f"{preset}.png", preset=preset, region="mekong", labels=False)
    image = mpimg.imread(path)
    assert (image.shape[1], image.shape[0]) == size
    # not blank: many distinct colours, and the map area is not one flat colour
    assert len(np.unique(image.reshape(-1, image.shape[2])[::97], axis=0)) > 20


def test_dpi_is_recorded_and_scales_pixels(bundle: mapper.Bundle, tmp_path: Path) -> None:
    from PIL import Image

    path = snapshot(select(bundle, MEKONG), tmp_path / "a.png", preset="a4-landscape", dpi=100, region="mekong")
    with Image.open(path) as image:
        expected = (PRESETS["a4-landscape"].width_in * 100, PRESETS["a4-landscape"].height_in * 100)
        assert all(abs(got - want) <= 1 for got, want in zip(image.size, expected, strict=True))
        assert round(image.info["dpi"][0]) == 100


def test_pdf_and_svg_are_vector(bundle: mapper.Bundle, tmp_path: Path) -> None:
    pdf = snapshot(select(bundle, MEKONG), tmp_path / "m.pdf", region="mekong", choropleth=Choropleth("net_zero_year"))
    page = PdfReader(pdf).pages[0]
    assert "/XObject" not in page.get("/Resources", {}) or not any(
        o.get_object().get("/Subtype") == "/Image" for o in page["/Resources"]["/XObject"].values()
    )
    content = page.get_contents().get_data()
    # the coastlines and lines are drawn as thousands of vector path segments, not pixels
    assert content.count(b" l\n") > 1000
    assert page.extract_text()  # text stays text (title, legend, attribution)
    svg = snapshot(select(bundle, MEKONG), tmp_path / "m.svg", region="mekong").read_text(encoding="utf-8")
    assert svg.count("<path") > 100
    assert "<image" not in svg


def test_snapshot_has_title_legend_scale_bar_and_attribution(bundle: mapper.Bundle) -> None:
    fig = draw(
        select(bundle, MEKONG), region="mekong", title="Mekong interconnectors", choropleth=Choropleth("net_zero_year")
    )
    texts = [t.get_text() for t in fig.texts]
    assert texts[0] == "Mekong interconnectors"
    assert any("Sources:" in t and "as of" in t for t in texts)
    map_ax = fig.axes[0]
    assert any("km (true at" in t.get_text() for t in map_ax.texts)
    assert any(t.get_text() == "N" for t in map_ax.texts)
    legend = fig.axes[1].get_legend()
    labels = [t.get_text() for t in legend.get_texts()]
    assert any("Net-zero year" in label for label in labels)
    assert any("operating" in label for label in labels)


def test_scale_bar_is_true_at_the_maps_latitude(bundle: mapper.Bundle) -> None:
    import pyproj

    crs = projection_for((92, 8, 110, 26))
    to_proj = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    # 1 degree of longitude at 17 N is ~106.5 km on the ground but longer in Mercator units
    x0, _ = to_proj.transform(100, 17)
    x1, _ = to_proj.transform(101, 17)
    assert (x1 - x0) / 1000 == pytest.approx(111.3, rel=0.01)
    fig = draw(select(bundle, MEKONG), region="mekong")
    bar = next(line for line in fig.axes[0].lines if line.get_linewidth() == 3)
    length_units = abs(bar.get_xdata()[1] - bar.get_xdata()[0])
    label = next(t.get_text() for t in fig.axes[0].texts if "km (true at" in t.get_text())
    km = float(label.split(" km")[0])
    # at the map centre (17 N), one km on the ground is 1/cos(17°) km in Mercator units
    assert length_units / 1000 == pytest.approx(km / np.cos(np.radians(17)), rel=0.02)


def test_extent_by_bbox_country_and_data(bundle: mapper.Bundle) -> None:
    for kwargs in ({"bbox": (95, 10, 110, 25)}, {"region": "VNM"}, {}):
        fig = draw(select(bundle, MEKONG), labels=False, **kwargs)
        x0, x1 = fig.axes[0].get_xlim()
        assert x1 > x0


def test_bad_options_are_clear_errors(bundle: mapper.Bundle, tmp_path: Path) -> None:
    with pytest.raises(SnapshotError, match="unknown preset"):
        draw(select(bundle), preset="a3")
    with pytest.raises(SnapshotError, match="unknown region"):
        draw(select(bundle), region="atlantis")
    with pytest.raises(SnapshotError, match="unknown projection"):
        draw(select(bundle), projection="robinson", region="mekong")
    fig = draw(select(bundle), region="mekong", labels=False)
    with pytest.raises(SnapshotError, match=r"\.png, \.svg or \.pdf"):
        save(fig, tmp_path / "x.jpg")


def test_labels_do_not_pile_up_where_features_are_dense(bundle: mapper.Bundle) -> None:
    fig = draw(
        select(bundle, mapper.FilterState(layers=("wind_zones",))), region="japan", preset="a4-landscape", dpi=80
    )
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    names = set(bundle.layers["wind_zones"]["name"].str[:38])
    labels = [t for t in ax.texts if t.get_text() in names]
    assert len(labels) >= 8  # Japan's zones are dense along the Sea of Japan coast
    boxes = [t.get_window_extent(renderer) for t in labels]
    overlapping = sum(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    assert overlapping <= len(labels) // 10  # adjustText moved them apart


def test_a_bbox_west_of_the_pacific_split_draws_the_countries_there(bundle: mapper.Bundle) -> None:
    # Samoa and Tonga: the bounds a user sees west of -30° after panning the web map
    fig = draw(select(bundle, mapper.FilterState(layers=("wind_zones",))), bbox=(-176, -22, -170, -12), labels=False)
    drawn = sum(len(c.get_paths()) for c in fig.axes[0].collections)
    assert drawn > 0


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

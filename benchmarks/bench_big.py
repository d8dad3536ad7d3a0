"""Benchmark: a big point layer on the web map, against the naive folium way, in one run.

A synthetic layer (fixed seed; plausible positions in the region, realistic fields) is added
the documented way: a spec in ``layers/`` with the existing ``activity`` schema and a data
file. Printed side by side for 10,000 and 100,000 points:

* project: the layer document built once (geometry, labels, tooltip columns; popups in
  chunks fetched on click) and the payload a filter change sends (a bit mask);
* naive: ``folium.GeoJson(..., tooltip=GeoJsonTooltip(...))`` of the same points rendered to
  HTML, which is what a plain folium app sends on every change.

Run: ``python benchmarks/bench_big.py [N ...]``. Nothing is asserted.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import folium
import geopandas as gpd

import mapper
from mapper.catalogue import load_catalogue
from mapper.data import Bundle
from mapper.query import FilterState
from mapper.selection import select
from mapper.webmap import MapAssets, js_literal, map_payload

REPO = Path(__file__).resolve().parents[1]
SEED = 20261203
#: Rough land boxes of the region (west, south, east, north) and their country codes.
_BOXES = [
    ((100.5, 14.0, 104.5, 20.0), "THA"),
    ((102.0, 14.0, 107.0, 22.0), "LAO"),
    ((104.5, 9.0, 109.0, 22.0), "VNM"),
    ((103.0, 10.5, 107.5, 14.5), "KHM"),
    ((130.0, 31.0, 141.0, 41.0), "JPN"),
    ((95.0, -8.0, 140.0, 5.0), "IDN"),
    ((120.0, 6.0, 126.0, 18.0), "PHL"),
]


def synthetic(n: int, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """``n`` synthetic activity records at plausible places."""
    picks = rng.integers(0, len(_BOXES), n)
    boxes = np.array([b for b, _ in _BOXES])[picks]
    lon = rng.uniform(boxes[:, 0], boxes[:, 2])
    lat = rng.uniform(boxes[:, 1], boxes[:, 3])
    kinds = ["study", "technical_assistance", "pilot", "finance", "capacity_building", "infrastructure"]
    techs = ["grid", "solar", "wind", "hydro", "storage", "energy_efficiency"]
    frame = pd.DataFrame(
        {
            "id": [f"syn-{i:07d}" for i in range(n)],
            "name": [f"Synthetic site {i} ({_BOXES[p][1]})" for i, p in enumerate(picks)],
            "description": "Synthetic record for benchmarking; not a real project.",
            "partnership": rng.choice(["JUCEP", "JUMPP"], n),
            "relation": "related",
            "activity_type": rng.choice(kinds, n),
            "technology": rng.choice(techs, n),
            "country": [_BOXES[p][1] for p in picks],
            "year": rng.integers(2019, 2027, n),
            "status": rng.choice(["announced", "planned", "ongoing", "completed"], n),
            "location_precision": "exact",
            "source_url": "https://example.org/synthetic",
            "source_publisher": "benchmark",
            "source_date": "2026-12-03",
            "verified_on": "2026-12-03",
        }
    )
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")


def _bundle(root: Path, frame: gpd.GeoDataFrame, base: Bundle) -> Bundle:
    shutil.copytree(REPO / "layers", root / "layers")
    shutil.copytree(REPO / "geodata", root / "geodata")
    frame.to_parquet(root / "geodata" / "synthetic.parquet")
    spec = (REPO / "layers" / "jumpp.toml").read_text(encoding="utf-8")
    spec = spec.replace('id = "jumpp"', 'id = "synthetic"').replace('title = "JUMPP activities"', 'title = "Synthetic"')
    spec = spec.replace("geodata/jumpp_activities.geojson", "geodata/synthetic.parquet")
    (root / "layers" / "synthetic.toml").write_text(spec, encoding="utf-8")
    catalogue = load_catalogue(root / "layers")
    layers = {**base.layers, "synthetic": frame.reset_index(drop=True)}
    return Bundle(catalogue, {lid: layers[lid] for lid in catalogue}, base.countries, base.report)


def _timed(func):
    start = time.perf_counter()
    result = func()
    return result, time.perf_counter() - start


def run(n: int, base: Bundle) -> None:
    frame = synthetic(n, np.random.default_rng(SEED))
    with tempfile.TemporaryDirectory() as tmp:
        bundle = _bundle(Path(tmp), frame, base)
        assets = MapAssets(bundle)
        urls, build = _timed(lambda: assets.publish(Path(tmp) / "static"))
        document = (Path(tmp) / "static" / "data").glob("synthetic-*.json")
        doc_bytes = sum(p.stat().st_size for p in document if "popups" not in p.name)
        state = FilterState(layers=("synthetic",), status=("ongoing",))
        payload, change = _timed(lambda: js_literal(map_payload(select(bundle, state), assets, urls)))

        def naive() -> str:
            shown = select(bundle, state).frames["synthetic"]
            m = folium.Map(location=[12, 120], zoom_start=3, tiles=None)
            folium.GeoJson(
                shown[["name", "country", "year", "status", "activity_type", "geometry"]].to_json(),
                tooltip=folium.GeoJsonTooltip(fields=["name", "country", "year", "status", "activity_type"]),
            ).add_to(m)
            return m.get_root().render()

        html, naive_time = _timed(naive)
    print(
        f"{n:>8,} points | project: documents built once {build:6.2f} s ({doc_bytes / 1e6:6.1f} MB, fetched once), "
        f"filter change {change * 1000:6.0f} ms / {len(payload) / 1e3:7.1f} kB | "
        f"naive folium.GeoJson+tooltip per change {naive_time:6.2f} s / {len(html) / 1e6:6.1f} MB | "
        f"ratio per change {naive_time / change:6.1f}x time, {len(html) / len(payload):7.0f}x bytes"
    )


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [10_000, 100_000]
    base = mapper.load_bundle()
    print(json.dumps({"seed": SEED}))
    for n in sizes:
        run(n, base)


if __name__ == "__main__":
    main()

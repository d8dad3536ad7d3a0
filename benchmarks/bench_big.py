"""Benchmark: a big point layer on the web map, against the naive folium way, in one run.

A synthetic layer (fixed seed; plausible positions in the region, realistic fields) is added
the documented way: a spec in ``layers/`` with the existing ``activity`` schema and a data
file. Printed side by side for 10,000 and 100,000 points:

* project: the layer document built once (geometry, labels, tooltip columns; popups in
  chunks fetched on click) and the payload a filter change sends (a bit mask);
* naive: ``folium.GeoJson(..., tooltip=GeoJsonTooltip(...))`` of the same points rendered to
  HTML, which is what a plain folium app sends on every change.

Exports (``N:export``) are timed against geopandas' own writers: ``to_json()`` (one dict per
feature), ``to_csv`` with WKT, ``to_file`` to GeoPackage; the project's files carry more
(metadata, rounded RFC 7946 geometry, formula-safe cells, the countries table in GeoPackage).

The build is timed once the country outlines exist (built once per process, whatever the
layers; the naive map has none): it covers every layer's documents, the bundled layers'
and the synthetic one's, popups included.

Run: ``python benchmarks/bench_big.py [--no-naive] [N[:point|line|polygon|export] ...]``
(``--no-naive`` for 1,000,000 points). Nothing is asserted.
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
import shapely

import mapper
from mapper.catalogue import load_catalogue
from mapper.data import Bundle
from mapper.export import export_bytes
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
        }
    )
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")


SCHEMA = """
id = "synthetic_feature"
title = "Synthetic feature"
description = "Benchmark records: not real projects."
geometry_types = ["{kind}"]
precision_field = "location_precision"
[fields.id]
type = "string"
required = true
[fields.name]
type = "string"
required = true
[fields.description]
type = "string"
required = true
[fields.kind]
type = "string"
required = true
[fields.status]
type = "string"
required = true
[fields.year]
type = "integer"
required = true
[fields.capacity_mw]
type = "number"
required = false
[fields.country]
type = "iso3"
required = true
[fields.location_precision]
type = "string"
required = true
[fields.source_url]
type = "url"
required = true
[fields.source_publisher]
type = "string"
required = true
[fields.source_date]
type = "date"
required = true
"""

SPEC = """
id = "synthetic"
title = "Synthetic {geometry}s"
description = "Benchmark layer."
source = "geodata/synthetic.parquet"
schema = "synthetic_feature"
geometry = "{geometry}"
attribution = "benchmark"
licence = "CC0"
as_of = "2026-12-03"
country_fields = ["country"]
measures = {measures}
tooltip = ["name", "country", "year", "status", "kind"]
popup = ["name", "description", "kind", "status", "year", "capacity_mw", "source_url"]
[filters]
country = ["country"]
status = ["status"]
year = ["year"]
capacity = ["capacity_mw"]
search = ["name"]
[style]
color_by = "kind"
[style.palette]
study = "#0072B2"
grid = "#009E73"
solar = "#E69F00"
wind = "#56B4E9"
"""


def shaped(frame: gpd.GeoDataFrame, geometry: str, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """The same records as points, short lines (3 vertices) or small squares (~2-5 km)."""
    frame = frame.rename(columns={"activity_type": "kind"}).copy()
    frame["kind"] = rng.choice(["study", "grid", "solar", "wind"], len(frame))
    frame["capacity_mw"] = np.round(rng.gamma(2.0, 80.0, len(frame)), 1)
    x, y = frame.geometry.x.to_numpy(), frame.geometry.y.to_numpy()
    if geometry == "line":
        dx, dy = rng.normal(0, 0.2, (2, len(frame))), rng.normal(0, 0.2, (2, len(frame)))
        coords = np.stack(
            [np.stack([x, y], 1), np.stack([x + dx[0], y + dy[0]], 1), np.stack([x + dx[1], y + dy[1]], 1)], 1
        )
        frame = frame.set_geometry(shapely.linestrings(coords))
    elif geometry == "polygon":
        size = rng.uniform(0.02, 0.05, len(frame))
        frame = frame.set_geometry(shapely.box(x, y, x + size, y + size))
    return frame


def _bundle(root: Path, frame: gpd.GeoDataFrame, base: Bundle, geometry: str) -> Bundle:
    shutil.copytree(REPO / "layers", root / "layers")
    shutil.copytree(REPO / "geodata", root / "geodata")
    frame.to_parquet(root / "geodata" / "synthetic.parquet")
    kind = {"point": "Point", "line": "LineString", "polygon": "Polygon"}[geometry]
    (root / "layers" / "schemas" / "synthetic_feature.toml").write_text(
        SCHEMA.replace("{kind}", kind), encoding="utf-8"
    )
    measures = {"point": "[]", "line": '["length_km"]', "polygon": '["area_km2"]'}[geometry]
    (root / "layers" / "synthetic.toml").write_text(SPEC.format(geometry=geometry, measures=measures), encoding="utf-8")
    catalogue = load_catalogue(root / "layers")
    layers = {**base.layers, "synthetic": frame.reset_index(drop=True)}
    return Bundle(catalogue, {lid: layers[lid] for lid in catalogue}, base.countries, base.report)


def _timed(func):
    start = time.perf_counter()
    result = func()
    return result, time.perf_counter() - start


def run(n: int, base: Bundle, geometry: str = "point", *, naive_too: bool = True) -> None:
    rng = np.random.default_rng(SEED)
    frame = shaped(synthetic(n, rng), geometry, rng)
    with tempfile.TemporaryDirectory() as tmp:
        bundle = _bundle(Path(tmp), frame, base, geometry)
        # the country outlines are built once per process whatever the layers (the naive map
        # has none): built before the clock starts; the bundled layers' documents are timed
        MapAssets(bundle).document("countries")
        assets = MapAssets(bundle)
        (urls, build), peak = _timed(lambda: assets.publish(Path(tmp) / "static")), _peak_mb()
        docs = list((Path(tmp) / "static" / "data").glob("synthetic-*.json"))
        doc_bytes = sum(p.stat().st_size for p in docs if "popups" not in p.name and "detail" not in p.name)
        popup_bytes = sum(p.stat().st_size for p in docs if "popups" in p.name)
        state = FilterState(layers=("synthetic",), status=("ongoing",))
        # the app makes one payload when the page opens; time the changes after it (median of 3)
        js_literal(map_payload(select(bundle, FilterState(layers=("synthetic",))), assets, urls))
        changes = [
            _timed(lambda f=f: js_literal(map_payload(select(bundle, f), assets, urls)))
            for f in (state, FilterState(layers=("synthetic",), status=("planned",), year=(2021, None)), state)
        ]
        payload, change = sorted(changes, key=lambda c: c[1])[1]
        fields = ["name", "country", "year", "status", "kind"]
        if not naive_too:
            print(
                f"{n:>9,} {geometry:<7}| build once {build:6.2f} s ({doc_bytes / 1e6:5.1f} MB fetched once, popups "
                f"{popup_bytes / 1e6:5.1f} MB in {sum('popups' in p.name for p in docs)} files) | filter change "
                f"{change * 1000:5.0f} ms / {len(payload) / 1e3:6.1f} kB | peak memory {peak:6.0f} MB (naive not run)"
            )
            return

        def naive(filters: FilterState) -> str:
            shown = select(bundle, filters).frames["synthetic"]
            m = folium.Map(location=[12, 120], zoom_start=3, tiles=None)
            folium.GeoJson(shown[[*fields, "geometry"]].to_json(), tooltip=folium.GeoJsonTooltip(fields=fields)).add_to(
                m
            )
            return m.get_root().render()

        everything = FilterState(layers=("synthetic",))
        _, naive_build = _timed(lambda: naive(everything))
        html, naive_time = _timed(lambda: naive(state))
    print(
        f"{n:>9,} {geometry:<7}| build once {build:6.2f} s ({doc_bytes / 1e6:5.1f} MB, fetched once) vs naive "
        f"{naive_build:6.2f} s | filter change {change * 1000:5.0f} ms / {len(payload) / 1e3:6.1f} kB vs naive "
        f"{naive_time:6.2f} s / {len(html) / 1e6:5.1f} MB | ratios per change {naive_time / change:5.1f}x time, "
        f"{len(html) / len(payload):5.0f}x bytes; build {naive_build / build:4.1f}x"
    )


def _peak_mb() -> float:
    """This process's peak resident memory so far, in MB (Linux)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_exports(n: int, base: Bundle) -> None:
    """Exports of ``n`` synthetic points (GeoJSON, CSV, GeoPackage) against the naive way with
    geopandas: ``to_json()`` (one dict per feature), ``to_csv`` with WKT, ``to_file``."""
    rng = np.random.default_rng(SEED)
    frame = shaped(synthetic(n, rng), "point", rng)
    with tempfile.TemporaryDirectory() as tmp:
        bundle = _bundle(Path(tmp), frame, base, "point")
        selection = select(bundle, FilterState(layers=("synthetic",)))
        shown = selection.frames["synthetic"]

        def naive_csv() -> bytes:
            table = pd.DataFrame(shown.drop(columns=shown.geometry.name))
            table["wkt"] = shown.geometry.to_wkt()
            return table.to_csv(index=False).encode("utf-8")

        def naive_gpkg() -> bytes:
            path = Path(tmp) / "naive.gpkg"
            shown.to_file(path, layer="synthetic", driver="GPKG")
            return path.read_bytes()

        naive = {
            "geojson": lambda: shown.to_json(drop_id=True).encode("utf-8"),
            "csv": naive_csv,
            "gpkg": naive_gpkg,
        }
        cells = []
        for fmt, baseline in naive.items():
            data, took = _timed(lambda fmt=fmt: export_bytes(selection, fmt))
            plain, plain_took = _timed(baseline)
            cells.append(
                f"{fmt} {took:5.2f} s / {len(data) / 1e6:5.1f} MB vs naive {plain_took:5.2f} s / "
                f"{len(plain) / 1e6:5.1f} MB ({plain_took / took:4.1f}x)"
            )
    print(f"{n:>9,} export | " + " | ".join(cells))


def main() -> None:
    """``bench_big.py [--no-naive] [N[:geometry|:export] ...]``; default 10k and 100k points,
    10k lines, 10k polygons, and exports of 10k and 100k points. ``--no-naive`` skips the
    naive map (at 1M points it takes minutes and gigabytes)."""
    args = [a for a in sys.argv[1:] if a != "--no-naive"]
    naive_too = "--no-naive" not in sys.argv[1:]
    jobs = [(int(a.split(":")[0]), [*a.split(":"), "point"][1]) for a in args] or [
        (10_000, "point"),
        (100_000, "point"),
        (10_000, "line"),
        (10_000, "polygon"),
        (10_000, "export"),
        (100_000, "export"),
    ]
    base = mapper.load_bundle()
    print(json.dumps({"seed": SEED}))
    for n, geometry in jobs:
        if geometry == "export":
            run_exports(n, base)
        else:
            run(n, base, geometry, naive_too=naive_too)


if __name__ == "__main__":
    main()

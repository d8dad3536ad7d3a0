"""Benchmark: what a filter change costs, against naive baselines, in the same run.

1. Filtering records: ``mapper.apply_filter`` (vectorised pandas masks) against a naive
   per-record Python loop, on the bundled data replicated to a larger size.
2. Updating the web map after a filter change: the payload the app sends to the live map
   (which records to keep; the data itself was fetched once) against rebuilding and
   rendering the whole map with every record inlined, which is what a naive app would do.

Prints timings and ratios (baseline / project). Run: ``make benchmark``.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import pandas as pd

import geopandas as gpd

import mapper
from mapper.query import FilterState, apply_filter
from mapper.schema import split_list
from mapper.selection import select
from mapper.webmap import MapAssets, build_map, js_literal, map_payload

REPEAT = 5
SCALE = 200  # replicate the bundled records this many times for the filter benchmark


def _time(func: Callable[[], object]) -> float:
    runs = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        func()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def _naive_filter(layers: dict[str, gpd.GeoDataFrame], catalogue: mapper.Catalogue, state: FilterState):
    out = {}
    for lid, frame in layers.items():
        layer = catalogue[lid]
        keep = []
        for _, row in frame.iterrows():
            codes = set()
            for field in layer.facet_fields("country"):
                codes.update(split_list(row.get(field)))
            if state.countries and layer.facet_fields("country") and not codes & set(state.countries):
                continue
            if state.search:
                text = " ".join(str(row.get(f) or "") for f in layer.facet_fields("search")).lower()
                if not all(w in text for w in state.search.lower().split()):
                    continue
            keep.append(row)
        out[lid] = pd.DataFrame(keep)
    return out


def main() -> None:
    bundle = mapper.load_bundle()
    big = {lid: pd.concat([f] * SCALE, ignore_index=True) for lid, f in bundle.layers.items()}
    big = {lid: gpd.GeoDataFrame(f, geometry="geometry", crs="EPSG:4326") for lid, f in big.items()}
    n = sum(len(f) for f in big.values())
    state = FilterState(country=("LAO", "VNM"), search="power")
    fast = _time(lambda: apply_filter(big, bundle.catalogue, state))
    slow = _time(lambda: _naive_filter(big, bundle.catalogue, state))
    same = {k: len(v) for k, v in apply_filter(big, bundle.catalogue, state).items()} == {
        k: len(v) for k, v in _naive_filter(big, bundle.catalogue, state).items()
    }
    print(
        f"filter {n:,} records: project {fast * 1000:.1f} ms, naive loop {slow * 1000:.1f} ms, "
        f"ratio {slow / fast:.1f}x (same result: {same})"
    )

    state = FilterState(country=("LAO",))
    assets = MapAssets(bundle)
    refs = {name: f"/app/static/data/{name}.json" for name in assets.names()}
    for name in assets.names():
        assets.document(name)  # built once per process in the app

    def payload_js() -> str:
        # what the app sends on a filter change: the selection, as the payload the live map
        # applies (the documents themselves were fetched once)
        return js_literal(map_payload(select(bundle, state), assets, refs))

    def full_rebuild() -> str:
        return build_map(select(bundle, state), assets=MapAssets(bundle)).get_root().render()

    payload_time = _time(payload_js)
    full_time = _time(full_rebuild)
    payload_bytes = len(js_literal(map_payload(select(bundle, state), assets, refs)))
    full_bytes = len(full_rebuild())
    print(
        f"map update after a filter change: payload {payload_time * 1000:.0f} ms / {payload_bytes / 1e3:.1f} kB, "
        f"full map rebuild {full_time * 1000:.0f} ms / {full_bytes / 1e3:.0f} kB, "
        f"ratio {full_time / payload_time:.1f}x time, {full_bytes / payload_bytes:.0f}x bytes"
    )


if __name__ == "__main__":
    main()

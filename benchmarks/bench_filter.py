"""Benchmark: what a filter change costs, against naive baselines, in the same run.

1. Filtering records: ``mapper.apply_filter`` (vectorised pandas masks) against a naive
   per-record Python loop, on the bundled data replicated to a larger size.
2. Updating the web map after a filter change: rendering only the data feature groups
   (what the app sends to streamlit-folium) against rebuilding and rendering the whole map
   (countries included), which is what a naive app would do.

Prints timings and ratios (baseline / project). Run: ``make benchmark``.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import pandas as pd
from streamlit_folium import _get_feature_group_string  # the function st_folium uses

import geopandas as gpd

import mapper
from mapper.query import FilterState, apply_filter
from mapper.schema import split_list
from mapper.webmap import base_map, build_map, feature_groups

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
    state = FilterState(countries=("LAO", "VNM"), search="power")
    fast = _time(lambda: apply_filter(big, bundle.catalogue, state))
    slow = _time(lambda: _naive_filter(big, bundle.catalogue, state))
    same = {k: len(v) for k, v in apply_filter(big, bundle.catalogue, state).items()} == {
        k: len(v) for k, v in _naive_filter(big, bundle.catalogue, state).items()
    }
    print(
        f"filter {n:,} records: project {fast * 1000:.1f} ms, naive loop {slow * 1000:.1f} ms, "
        f"ratio {slow / fast:.1f}x (same result: {same})"
    )

    state = FilterState(countries=("LAO",))
    m = base_map(bundle)

    def groups_js() -> str:
        # what the app sends on a filter change: the data feature groups as JS, rendered the
        # way st_folium(feature_group_to_add=...) renders them (its own helper)
        return "".join(_get_feature_group_string(g, m, i) for i, g in enumerate(feature_groups(bundle, state)[0]))

    groups_time = _time(groups_js)
    full_time = _time(lambda: build_map(bundle, state).get_root().render())
    groups_bytes = len(groups_js())
    full_bytes = len(build_map(bundle, state).get_root().render())
    print(
        f"map update after a filter change: data groups only {groups_time * 1000:.0f} ms / "
        f"{groups_bytes / 1e3:.0f} kB, "
        f"full map rebuild {full_time * 1000:.0f} ms / {full_bytes / 1e3:.0f} kB, "
        f"ratio {full_time / groups_time:.1f}x time, {full_bytes / groups_bytes:.1f}x bytes"
    )


if __name__ == "__main__":
    main()

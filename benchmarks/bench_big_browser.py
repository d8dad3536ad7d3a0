"""Benchmark: a 100,000-point layer in the real app, in headless Chromium (network cut).

The synthetic layer of ``bench_big.py`` (fixed seed) is added the documented way (a schema,
a spec and a data file in a copy of the catalogue, ``MAPPER_HOME`` pointing at it). Printed,
side by side with a naive Streamlit app (``folium.GeoJson`` + ``GeoJsonTooltip`` of the same
points through ``st_folium``) in the same run:

* first features drawn after navigation (warm server: the second visit is timed);
* a filter change → the map showing the new count (browser-observed, so it includes the
  server's rerun and the transfer);
* the app server's memory (RSS) after these.

Also printed: the server's own cost of a filter change (Streamlit's AppTest, no browser).

Run: ``python benchmarks/bench_big_browser.py [--no-naive] [N]`` (default 100,000;
``--no-naive`` skips the naive app, which at 100,000 points keeps Chromium busy for minutes).
Nothing is asserted.

``python benchmarks/bench_big_browser.py polygons [N]`` (default 10,000) draws ``N`` detailed
polygons (201 vertices, 5-30 km) in the self-contained HTML map twice in one run, with the
exact geometry only and with simplified geometry per zoom band, and prints the document's
bytes, the first draw and each zoom and pan step (ms, until two frames after the change).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import geopandas as gpd
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_big
from _common import launch, wait_idle

from mapper._serve import serve

REPO = Path(__file__).resolve().parents[1]
FRAME = 'iframe[title="streamlit_folium.st_folium"]'
NAIVE_APP = """
import folium
import geopandas as gpd
import streamlit as st
from streamlit_folium import st_folium

from mapper.assets import install_static, use_local_assets

install_static("static")  # Leaflet from the Python packages: the page has no network

@st.cache_data
def points():
    return gpd.read_parquet({path!r})

frame = points()
status = st.sidebar.multiselect("Status", sorted(frame["status"].unique()))
shown = frame[frame["status"].isin(status)] if status else frame
st.write(f"{{len(shown)}} records")
m = use_local_assets(folium.Map(location=[12, 120], zoom_start=3, tiles=None))
fields = ["name", "country", "year", "status", "kind"]
folium.GeoJson(shown[[*fields, "geometry"]].to_json(), tooltip=folium.GeoJsonTooltip(fields=fields)).add_to(m)
st_folium(m, height=600, width=900, returned_objects=[])
"""


_SERVER_SIDE = r"""
import json, sys, time
from streamlit.testing.v1 import AppTest
at = AppTest.from_file(sys.argv[1] + "/streamlit_app.py", default_timeout=600)
at.run()
at.run()
times = []
for i in range(int(sys.argv[2])):
    status = next(m for m in at.sidebar.multiselect if m.label == "Status")
    start = time.perf_counter()
    status.set_value(["ongoing"] if i % 2 == 0 else ["planned"]).run()
    times.append(time.perf_counter() - start)
    assert not at.exception, at.exception
print(json.dumps(times))
"""


def _server_side(root: Path, env: dict[str, str], runs: int = 5) -> float:
    """Median seconds of the app's rerun for a Status change (Streamlit's AppTest: the
    server's work alone, no browser), the synthetic layer on."""
    out = subprocess.run(
        [sys.executable, "-c", _SERVER_SIDE, str(root), str(runs)],
        cwd=root,
        env={**os.environ, **env, "PYTHONWARNINGS": "ignore"},
        capture_output=True,
        text=True,
        check=True,
    )
    return statistics.median(json.loads(out.stdout.strip().splitlines()[-1]))


def _root(tmp: Path, n: int) -> Path:
    rng = np.random.default_rng(bench_big.SEED)
    frame = bench_big.shaped(bench_big.synthetic(n, rng), "point", rng)
    root = tmp / "app"
    shutil.copytree(REPO, root, ignore=shutil.ignore_patterns(".venv", ".git", "static", "__pycache__", "*.egg-info"))
    frame.to_parquet(root / "geodata" / "synthetic.parquet")
    schema = bench_big.SCHEMA.replace("{kind}", "Point")
    (root / "layers" / "schemas" / "synthetic_feature.toml").write_text(schema, encoding="utf-8")
    spec = bench_big.SPEC.format(geometry="point", measures="[]")
    (root / "layers" / "synthetic.toml").write_text(spec, encoding="utf-8")
    (root / "naive_app.py").write_text(NAIVE_APP.format(path=str(root / "geodata" / "synthetic.parquet")))
    return root


def _shown(page) -> int:
    text = page.evaluate(
        f"""() => {{ const f = document.querySelector('{FRAME}');
            const c = f && f.contentDocument && f.contentDocument.querySelector('.leaflet-container');
            return c ? c.getAttribute('data-mapper-shown') : null; }}"""
    )
    return int(json.loads(text).get("synthetic", 0)) if text else 0


def _naive_count(page) -> int:
    return page.evaluate(
        f"""() => {{ const f = document.querySelector('{FRAME}');
            const d = f && f.contentDocument; return d ? d.querySelectorAll('.leaflet-interactive').length : 0; }}"""
    )


def _pick_status(page, option_name: str) -> None:
    box = page.get_by_test_id("stSidebar").get_by_label("Status", exact=True)
    box.click(timeout=120_000)
    option = page.get_by_role("option", name=option_name, exact=True)
    if not option.count():
        box.press_sequentially(option_name[:6])
    option.wait_for()
    option.click()
    page.keyboard.press("Escape")


def _visit(browser, url: str, count, timeout: float) -> tuple[float, float]:
    """(first features, filter change → map updated) in seconds; NaN when not within ``timeout``."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    start = time.monotonic()
    page.goto(url)
    first = change = float("nan")
    deadline = start + timeout
    while time.monotonic() < deadline and count(page) == 0:
        page.wait_for_timeout(50)
    before = count(page)
    if before:
        first = time.monotonic() - start
        wait_idle(page)  # let the first rerun settle before changing a filter
        before = count(page)
        mark = time.monotonic()
        _pick_status(page, "ongoing")
        deadline = mark + timeout
        while time.monotonic() < deadline and count(page) in (before, 0):
            page.wait_for_timeout(20)
        if count(page) not in (before, 0):
            change = time.monotonic() - mark
    context.close()
    return first, change


def detailed_polygons(n: int, rng: np.random.Generator, vertices: int = 200) -> gpd.GeoDataFrame:
    """``n`` synthetic records as irregular polygons of ``vertices`` vertices, 5-30 km across,
    a vertex every 90-500 m with a little noise (outlines digitised from maps, unlike
    ``bench_big``'s squares)."""
    frame = bench_big.shaped(bench_big.synthetic(n, rng), "point", rng)
    x, y = frame.geometry.x.to_numpy()[:, None], frame.geometry.y.to_numpy()[:, None]
    angles = np.linspace(0, 2 * np.pi, vertices, endpoint=False)[None, :]
    radius = rng.uniform(0.025, 0.15, (n, 1)) * (1 + 0.25 * np.sin(3 * angles + rng.uniform(0, 6, (n, 1))))
    radius = radius * rng.uniform(0.98, 1.02, (n, vertices))
    ring = np.stack([x + radius * np.cos(angles), y + radius * np.sin(angles)], axis=2)
    ring = np.concatenate([ring, ring[:, :1]], axis=1)
    return frame.set_geometry(shapely.polygons(ring))


_STEP = """async (step) => {
  const map = window.MapperRuntime.map;
  const frames = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  const start = performance.now();
  if (step.zoom !== undefined) {
    const done = new Promise((r) => map.once("zoomend", r));
    map.setZoom(step.zoom, { animate: false });
    await done;
  } else {
    map.panBy(step.pan, { animate: false });
  }
  await frames();
  return performance.now() - start;
}"""


def _draw(browser, path: Path, layer: str) -> dict[str, float]:
    """First draw of a standalone HTML map, then zoom in step by step and pan (ms each)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    start = time.monotonic()
    page.goto(path.as_uri())
    page.wait_for_function(
        "() => { const c = document.querySelector('.leaflet-container'); return c && "
        "c.getAttribute('data-mapper-ready') === '1' && "
        f"JSON.parse(c.getAttribute('data-mapper-shown'))['{layer}'] > 0; }}",
        timeout=600_000,
    )
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
    out = {"first draw": (time.monotonic() - start) * 1000}
    page.evaluate("() => window.MapperRuntime.map.setView([12, 105], 3, { animate: false })")
    steps = [{"zoom": z} for z in (4, 5, 6, 7, 8, 9, 10)] + [{"pan": [300, 200]}, {"zoom": 5}, {"pan": [-300, 150]}]
    for step in steps:
        name = (
            f"zoom {step['zoom']}"
            if "zoom" in step
            else f"pan@{page.evaluate('() => window.MapperRuntime.map.getZoom()')}"
        )
        out[name] = page.evaluate(_STEP, step)
    context.close()
    return out


def polygons(n: int) -> None:
    """``n`` detailed polygons in standalone HTML: the exact geometry only (before) against
    simplified bands per zoom (after), in one run: document bytes, first draw, zoom and pan."""
    from playwright.sync_api import sync_playwright

    import mapper
    from mapper.selection import select
    from mapper.webmap import MapAssets, standalone_html

    rng = np.random.default_rng(bench_big.SEED)
    frame = detailed_polygons(n, rng)
    base = mapper.load_bundle()
    results = {}
    with tempfile.TemporaryDirectory() as tmp_name, sync_playwright() as play:
        tmp = Path(tmp_name)
        bundle = bench_big._bundle(tmp, frame, base, "polygon")
        selection = select(bundle, mapper.FilterState(layers=("synthetic",)))
        browser = launch(play)
        for name, simplify in (("exact", False), ("banded", True)):
            assets = MapAssets(bundle, simplify=simplify)
            start = time.monotonic()
            document = assets.inline_document("synthetic")
            build = time.monotonic() - start
            size = len(json.dumps(document, separators=(",", ":")))
            urls = assets.publish(tmp / name, "/static")  # what the app fetches: first, and past the last band
            data = tmp / name / "data"
            first = (data / urls["synthetic"].rsplit("/", 1)[1]).stat().st_size
            detail = sum(p.stat().st_size for p in data.glob("synthetic-detail-*.json"))
            path = tmp / f"{name}.html"
            path.write_text(standalone_html(selection, assets=assets), encoding="utf-8")
            timings = _draw(browser, path, "synthetic")
            results[name] = (size, build, path.stat().st_size, (first, detail), timings)
        browser.close()
    print(json.dumps({"seed": bench_big.SEED, "polygons": n, "vertices": 201}))
    for name, (size, build, html_size, (first, detail), timings) in results.items():
        steps = ", ".join(f"{k} {v:.0f}" for k, v in timings.items())
        print(
            f"{name:>7}: app fetches {first / 1e6:5.1f} MB first (+{detail / 1e6:4.1f} MB past the last band); "
            f"inline document {size / 1e6:5.1f} MB (built in {build:4.1f} s), HTML {html_size / 1e6:5.1f} MB | "
            f"ms: {steps}"
        )
    before, after = results["exact"][4], results["banded"][4]
    ratios = ", ".join(f"{k} {before[k] / after[k]:.1f}x" for k in before)
    print(f"  ratio exact/banded: {ratios}")


def main() -> None:
    from playwright.sync_api import sync_playwright

    if len(sys.argv) > 1 and sys.argv[1] == "polygons":
        polygons(int(sys.argv[2]) if len(sys.argv) > 2 else 10_000)
        return
    args = [a for a in sys.argv[1:] if a != "--no-naive"]
    n = int(args[0]) if args else 100_000
    apps = [("project", None, _shown, 180.0)]
    if "--no-naive" not in sys.argv[1:]:
        apps.append(("naive", "naive_app.py", _naive_count, 90.0))
    with tempfile.TemporaryDirectory() as tmp_name, sync_playwright() as play:
        tmp = Path(tmp_name)
        root = _root(tmp, n)
        browser = launch(play)
        env = {"MAPPER_HOME": str(root), "MAPPER_CACHE_DIR": str(tmp / "cache")}
        results = {}
        for name, script, count, timeout in apps:
            start = time.monotonic()
            with serve(root, env=env, log=tmp / f"{name}.log", script=script) as server:
                cold = _visit(browser, server.url, count, timeout)  # warms the server (loads and caches)
                warm = _visit(browser, server.url, count, timeout)
                results[name] = (cold, warm, server.rss_mb(), time.monotonic() - start)
        browser.close()
        server_side = _server_side(root, env)
    print(json.dumps({"seed": bench_big.SEED, "points": n}))
    print(f"  project: a Status change costs the server {server_side * 1000:.0f} ms (AppTest, median of 5)")
    for name, (cold, warm, rss, total) in results.items():
        print(
            f"{name:>8}: first features cold {cold[0]:6.2f} s, warm {warm[0]:6.2f} s | filter change -> map "
            f"{warm[1] * 1000:7.0f} ms | server RSS {rss:6.0f} MB | whole run {total:5.0f} s"
        )
    if "naive" not in results:
        return
    p, b = results["project"][1], results["naive"][1]
    print(f"   ratio: first features {b[0] / p[0]:.1f}x, filter change {b[1] / p[1]:.1f}x (nan: naive never drew)")


if __name__ == "__main__":
    main()

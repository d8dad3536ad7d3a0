"""Benchmark: a 50,000-row CSV with lon/lat, from upload to first features drawn, in
headless Chromium with the network cut off, on a warm server; the server's memory.

* now: the Your data page (upload → detected mapping and preview → "Add to map" → the Map
  page draws the layer). Timed from the file being handed to the uploader to the map
  runtime reporting the layer's records drawn; split into "preview ready" and "added and
  drawn".
* naive: the same CSV uploaded to a minimal Streamlit app that does what a first version
  would (``pandas.read_csv`` → GeoDataFrame → ``folium.GeoJson`` of circle markers with a
  ``GeoJsonTooltip`` → ``st_folium``), local Leaflet assets so it draws offline. Timed from
  the file handed over to the first vector feature in the map's frame.

The records are synthetic (fixed seed; plausible places in Indo-Pacific countries) and are
never shown as data. Prints medians and ratios; asserts nothing. Run:
``.venv/bin/python benchmarks/bench_upload.py`` (needs /usr/bin/chromium). ``BENCH_RUNS``
sets the number of timed runs (default 3), ``BENCH_ROWS`` the rows (default 50000);
``BENCH_NAIVE=0`` leaves the naive app out.

``benchmarks/bench_upload.py --steps`` times the library's steps in process instead (read,
detect, check every row, build the layer, enrich it against the bundle, publish its map
documents), the median of ``BENCH_RUNS`` runs each, with the load average: where the time of
the journey above goes on the server.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import launch

REPO = Path(__file__).resolve().parents[1]
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
ROWS = int(os.environ.get("BENCH_ROWS", "50000"))
TARGET_S = 5.0
FRAME = 'iframe[title="streamlit_folium.st_folium"]'
TIMEOUT = int(os.environ.get("BENCH_TIMEOUT_MS", "300000"))

#: (lon0, lat0, lon1, lat1), country name as officers write it: land boxes, roughly.
_PLACES = [
    ((100.5, 14.0, 104.5, 19.5), "Thailand"),
    ((102.0, 14.5, 106.5, 21.5), "Lao PDR"),
    ((105.0, 9.5, 108.5, 22.0), "Viet Nam"),
    ((103.0, 11.0, 107.0, 14.0), "Cambodia"),
    ((130.5, 31.5, 140.5, 40.5), "Japan"),
    ((106.0, -7.5, 112.0, -6.5), "Indonesia"),
    ((120.5, 14.0, 122.0, 18.0), "Philippines"),
    ((95.0, 17.0, 97.5, 23.0), "Myanmar"),
    ((100.5, 2.0, 103.5, 6.0), "Malaysia"),
    ((79.8, 6.5, 81.5, 9.5), "Sri Lanka"),
    ((88.5, 22.0, 91.5, 25.5), "Bangladesh"),
    ((145.0, -8.0, 147.0, -6.0), "Papua New Guinea"),
]
_TECH = ["solar", "wind", "hydro", "grid", "storage", "geothermal", "energy efficiency"]
_STATUS = ["planned", "under construction", "operating", "study"]


def synthetic_csv(path: Path, n: int = ROWS, seed: int = 20261203) -> Path:
    """``n`` synthetic project rows (fixed seed) written as UTF-8 CSV."""
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(_PLACES), n)
    boxes = np.array([b for b, _ in _PLACES])[picks]
    frame = pd.DataFrame(
        {
            "project_id": [f"BM-{i:06d}" for i in range(n)],
            "name": [f"Benchmark site {i:06d}" for i in range(n)],
            "longitude": np.round(rng.uniform(boxes[:, 0], boxes[:, 2]), 5),
            "latitude": np.round(rng.uniform(boxes[:, 1], boxes[:, 3]), 5),
            "country": [_PLACES[p][1] for p in picks],
            "technology": rng.choice(_TECH, n),
            "status": rng.choice(_STATUS, n),
            "year": rng.integers(2015, 2031, n),
            "capacity_mw": np.round(rng.lognormal(3.0, 1.2, n), 1),
            "partner": rng.choice(["JICA", "JBIC", "NEXI", "USAID", "DFC", "ADB"], n),
        }
    )
    frame.to_csv(path, index=False)
    return path


_NAIVE_APP = """
import folium
import geopandas as gpd
import pandas as pd
import streamlit as st
from folium.features import GeoJsonTooltip
from streamlit_folium import st_folium

from mapper.assets import install_static, use_local_assets

install_static("static")
upload = st.file_uploader("CSV", type=["csv"])
if upload is not None:
    df = pd.read_csv(upload).dropna(subset=["longitude", "latitude"])
    gdf = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df.longitude, df.latitude), crs="EPSG:4326")
    m = folium.Map(location=[12, 120], zoom_start=3, tiles=None)
    folium.GeoJson(
        gdf,
        marker=folium.CircleMarker(radius=3),
        tooltip=GeoJsonTooltip(fields=["name", "technology", "capacity_mw"]),
    ).add_to(m)
    use_local_assets(m)
    st_folium(m, height=600, use_container_width=True, returned_objects=[])
"""


def _naive_app(root: Path) -> Path:
    app = root / "naive_app"
    (app / ".streamlit").mkdir(parents=True)
    (app / ".streamlit" / "config.toml").write_text("[server]\nenableStaticServing = true\nmaxUploadSize = 500\n")
    (app / "streamlit_app.py").write_text(textwrap.dedent(_NAIVE_APP))
    return app


def _named(csv: Path, name: str) -> Path:
    """The CSV under another file name (a file on disk, as a user picks it: the browser reads
    it, nothing goes through the test driver's protocol)."""
    target = csv.with_name(name)
    if not target.exists():
        target.write_bytes(csv.read_bytes())
    return target


def _page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    return context, page


def _drawn(page, condition: str) -> None:
    page.locator(FRAME).wait_for()
    for _ in range(2000):
        frame = next((f for f in page.frames if "streamlit_folium" in f.url), None)
        if frame is not None:
            break
        page.wait_for_timeout(25)
    frame.wait_for_function(condition, timeout=TIMEOUT, polling=50)


def _new_workspace(page: Any, url: str, name: str) -> None:
    """Open the app at ``url``, wait for the Map page's map, then create workspace ``name`` on
    the Your data page and wait for its "Add a file" section: where each timed upload starts."""
    page.goto(url)
    _drawn(page, "() => document.querySelector('.leaflet-container[data-mapper-ready=\"1\"]') !== null")
    page.get_by_test_id("stSidebarNav").get_by_text("Your data", exact=True).click()
    page.get_by_role("button", name="New workspace").click()
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_role("button", name="Create", exact=True).click()
    page.get_by_role("heading", name="Add a file").wait_for()


def run_now(browser, csv: Path, data_dir: Path, logs: Path) -> tuple[list[tuple[float, float]], list[float]]:
    """(preview, total) seconds per run, and the server's RSS (MB) after each run."""
    from mapper._serve import serve
    from mapper.userlayers import layer_id

    env = {"MAPPER_DATA_DIR": str(data_dir), "PYTHONWARNINGS": "ignore"}
    times, memory = [], []
    with serve(REPO, env=env, log=logs / "now.log") as server:
        print(f"now: server RSS at start {server.rss_mb():.0f} MB")
        for run in range(RUNS + 1):  # run 0 warms the server (bundle, map assets) and is not counted
            context, page = _page(browser)
            _new_workspace(page, server.url, f"Benchmark {run}")
            name = f"sites_{run}.csv"  # a new name each run: nothing cached from the last one
            lid = layer_id(name)
            start = time.perf_counter()
            page.locator("input[type='file']").set_input_files(_named(csv, name))
            add = page.get_by_role("button", name="Add to map")
            add.wait_for()
            page.get_by_text(f"of {ROWS} rows mapped").first.wait_for()
            preview = time.perf_counter() - start
            add.click()
            _drawn(
                page,
                f"""() => {{ const c = document.querySelector('.leaflet-container');
                    const shown = JSON.parse((c && c.getAttribute('data-mapper-shown')) || '{{}}');
                    return c && c.getAttribute('data-mapper-ready') === '1' && (shown['{lid}'] || 0) > 0; }}""",
            )
            total = time.perf_counter() - start
            context.close()
            rss = server.rss_mb()
            if run:
                times.append((preview, total))
                memory.append(rss)
            print(
                f"  now run {run}{' (warm-up)' if not run else ''}: preview {preview:5.2f} s, "
                f"drawn {total:5.2f} s, RSS {rss:.0f} MB"
            )
    return times, memory


def run_naive(browser, csv: Path, root: Path, logs: Path) -> tuple[list[float], list[float]]:
    """Seconds to first feature per run, and RSS (MB) after each run."""
    from mapper._serve import serve

    app = _naive_app(root)
    times, memory = [], []
    with serve(app, env={"PYTHONWARNINGS": "ignore"}, log=logs / "naive.log") as server:
        print(f"naive: server RSS at start {server.rss_mb():.0f} MB")
        for run in range(RUNS + 1):
            context, page = _page(browser)
            page.goto(server.url)
            page.locator("input[type='file']").wait_for(state="attached")
            start = time.perf_counter()
            page.locator("input[type='file']").set_input_files(_named(csv, f"sites_{run}.csv"))
            _drawn(page, "() => document.querySelector('.leaflet-interactive') !== null")
            elapsed = time.perf_counter() - start
            context.close()
            rss = server.rss_mb()
            if run:
                times.append(elapsed)
                memory.append(rss)
            print(f"  naive run {run}{' (warm-up)' if not run else ''}: drawn {elapsed:5.2f} s, RSS {rss:.0f} MB")
    return times, memory


_MARKS_JS = """
(() => {
  // in every frame: when the map first shows the upload's records (the runtime's status attributes)
  window.__marks = window.__marks || {};
  const mark = (k) => { if (!(k in window.__marks)) window.__marks[k] = Date.now(); };
  const timer = setInterval(() => {  // polled: the component rewrites its document
    const c = document.querySelector('.leaflet-container');
    if (!c) return;
    mark('leaflet container');
    const shown = JSON.parse(c.getAttribute('data-mapper-shown') || '{}');
    if (Object.keys(shown).length) mark('runtime status');
    if (LAYER_ID in shown) mark('upload layer known');
    if ((shown[LAYER_ID] || 0) > 0) mark('upload drawn');
    if ((shown[LAYER_ID] || 0) > 0 && c.getAttribute('data-mapper-ready') === '1') {
      mark('upload drawn, ready');
      clearInterval(timer);
    }
  }, 10);
})();
"""


def _print_profile(profile: dict[str, Any], top: int = 25) -> None:
    """Self time per JavaScript function of a CDP CPU profile, the largest first."""
    nodes = {node["id"]: node for node in profile["nodes"]}
    deltas = profile.get("timeDeltas", [])
    self_ms: dict[str, float] = {}
    for sample, delta in zip(profile.get("samples", []), [*deltas[1:], 0], strict=False):
        frame = nodes[sample]["callFrame"]
        where = f"{frame['functionName'] or '(anonymous)'} {frame['url'].rsplit('/', 1)[-1][:40]}:{frame['lineNumber']}"
        self_ms[where] = self_ms.get(where, 0.0) + delta / 1000
    total = sum(self_ms.values())
    print(f"browser JavaScript profile, {total / 1000:.2f} s sampled; self time:")
    for where, ms in sorted(self_ms.items(), key=lambda kv: -kv[1])[:top]:
        print(f"  {ms:8.0f} ms  {where}")
    parent = {child: node["id"] for node in profile["nodes"] for child in node.get("children", [])}
    inclusive: dict[str, float] = {}
    for sample, delta in zip(profile.get("samples", []), [*deltas[1:], 0], strict=False):
        seen, node = set(), sample
        while node is not None:
            frame = nodes[node]["callFrame"]
            if frame["url"] and frame["functionName"]:
                where = f"{frame['functionName']} {frame['url'].rsplit('/', 1)[-1][:40]}:{frame['lineNumber']}"
                if where not in seen:
                    seen.add(where)
                    inclusive[where] = inclusive.get(where, 0.0) + delta / 1000
            node = parent.get(node)
    print("inclusive time (the function and what it calls):")
    for where, ms in sorted(inclusive.items(), key=lambda kv: -kv[1])[:top]:
        print(f"  {ms:8.0f} ms  {where}")


def trace() -> None:
    """One upload journey (after a warm-up) with every timestamp laid on one time line:
    the server's spans (``MAPPER_TRACE``, see :mod:`mapper._trace`), the browser's requests
    and WebSocket messages (count and bytes), and the map frame's resource timings and marks."""
    import json

    from playwright.sync_api import sync_playwright

    from mapper._serve import serve
    from mapper.userlayers import layer_id

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(os.environ.get("BENCH_KEEP") or tmp)
        csv = synthetic_csv(root / "sites.csv")
        spans = root / "spans.jsonl"
        data = root / f"data-{os.getpid()}"  # a store of its own: no workspace of an earlier trace
        env = {"MAPPER_DATA_DIR": str(data), "PYTHONWARNINGS": "ignore", "MAPPER_TRACE": str(spans)}
        events: list[tuple[float, str]] = []
        with sync_playwright() as p, serve(REPO, env=env, log=root / "trace.log") as server:
            browser = launch(p)
            for run in range(2):
                lid = layer_id(f"trace_{run}.csv")
                context, page = _page(browser)
                context.add_init_script(_MARKS_JS.replace("LAYER_ID", json.dumps(lid)))
                ws_in: list[tuple[float, int]] = []
                ws_out: list[tuple[float, int]] = []
                requests: list[Any] = []

                def on_ws(ws: Any, ws_in: list = ws_in, ws_out: list = ws_out) -> None:  # type: ignore[type-arg]
                    ws.on("framereceived", lambda payload, into=ws_in: into.append((time.time(), len(payload))))
                    ws.on("framesent", lambda payload, into=ws_out: into.append((time.time(), len(payload))))

                def on_request(request: Any, requests: list = requests) -> None:  # type: ignore[type-arg]
                    requests.append(request)

                page.on("websocket", on_ws)
                page.on("requestfinished", on_request)
                _new_workspace(page, server.url, f"Trace {run}")
                page.wait_for_timeout(500)  # let the workspace's runs finish before the clock starts
                spans.write_text("")
                events.clear()
                start = time.time()
                page.locator("input[type='file']").set_input_files(_named(csv, f"trace_{run}.csv"))
                add = page.get_by_role("button", name="Add to map")
                add.wait_for()
                events.append((time.time(), "browser: 'Add to map' button shown"))
                page.get_by_text(f"of {ROWS} rows mapped").first.wait_for()
                events.append((time.time(), "browser: summary shown ('of N rows mapped')"))
                profiler = None
                if os.environ.get("BENCH_PROFILE") and run:  # the browser's JavaScript, by function
                    profiler = context.new_cdp_session(page)
                    profiler.send("Profiler.enable")
                    profiler.send("Profiler.setSamplingInterval", {"interval": 1000})
                    profiler.send("Profiler.start")
                add.click()
                events.append((time.time(), "browser: 'Add to map' clicked"))
                _drawn(
                    page,
                    "() => (window.__marks || {})['upload drawn, ready'] !== undefined",
                )
                if profiler is not None:
                    _print_profile(profiler.send("Profiler.stop")["profile"])
                events.append((time.time(), "browser: upload drawn and runtime ready (seen by the benchmark)"))
                frame = next(f for f in page.frames if "streamlit_folium" in f.url)
                marks = frame.evaluate("window.__marks")
                origin = frame.evaluate("performance.timeOrigin") / 1000
                resources = frame.evaluate(
                    "performance.getEntriesByType('resource').map(e => [e.name, e.startTime, e.responseEnd,"
                    " e.transferSize, e.decodedBodySize])"
                )
                events.append((origin, "map frame: navigation start (component iframe created)"))
                for name, when in marks.items():
                    events.append((when / 1000, f"map frame: {name}"))
                for url, t0, t1, _size, body in resources:
                    if t0 / 1000 + origin >= start:
                        short = url.rsplit("/", 1)[-1][:48]
                        events.append((origin + t0 / 1000, f"map frame: fetch {short} start"))
                        events.append((origin + t1 / 1000, f"map frame: fetch {short} end ({body / 1e3:.0f} kB)"))
                for request in requests:
                    timing = request.timing
                    if "upload_file" in request.url:
                        begun = timing["startTime"] / 1000
                        events.append((begun, f"browser: {request.method} upload_file start"))
                        events.append((begun + timing["responseEnd"] / 1000, "browser: upload_file done"))
                context.close()
                if run == 0:
                    continue  # warm-up: the server's caches and the browser's code
                for line in spans.read_text().splitlines():
                    item = json.loads(line)
                    what = ", ".join(f"{k}={v}" for k, v in item.items() if k not in ("name", "t0", "t1"))
                    label = f"server: {item['name']}{' (' + what + ')' if what else ''}"
                    events.append((item["t0"], f"{label} start"))
                    events.append((item["t1"], f"{label} end ({item['t1'] - item['t0']:.2f} s)"))
                for t, n in ws_out:
                    if t >= start:
                        events.append((t, f"ws → server ({n} B)"))
                bursts: list[list[tuple[float, int]]] = []
                for t, n in (m for m in ws_in if m[0] >= start):  # from the server, grouped when < 100 ms apart
                    if bursts and t - bursts[-1][-1][0] < 0.1:
                        bursts[-1].append((t, n))
                    else:
                        bursts.append([(t, n)])
                for burst in bursts:
                    total = sum(n for _, n in burst)
                    events.append(
                        (
                            burst[0][0],
                            f"ws ← server: {len(burst)} messages, {total / 1e3:.1f} kB until +"
                            f"{burst[-1][0] - start:.2f}",
                        )
                    )
            browser.close()
            rss = server.rss_mb()
    print(f"{ROWS:,} rows; load average {os.getloadavg()[0]:.1f}; server RSS {rss:.0f} MB; t=0: file handed over")
    for when, what in sorted(events):
        print(f"  {when - start:+7.2f} s  {what}")


def steps() -> None:
    """Median seconds of each library step of an upload, in this process."""
    import mapper
    from mapper import upload
    from mapper.userlayers import layer_id
    from mapper.webmap import MapAssets

    with tempfile.TemporaryDirectory() as tmp:
        data = synthetic_csv(Path(tmp) / "sites.csv").read_bytes()
        base = mapper.load_bundle()
        base_assets = MapAssets(base, "en")
        base_assets.publish(Path(tmp) / "static", "/static")
        times: dict[str, list[float]] = {}
        clock = [time.perf_counter()]

        def lap(label: str) -> None:
            now = time.perf_counter()
            times.setdefault(label, []).append(now - clock[0])
            clock[0] = now

        for run in range(RUNS):
            lid = layer_id(f"sites_{run}.csv")  # a new layer each run: nothing reused from the last one
            clock[0] = time.perf_counter()
            table = upload.read_upload(f"sites_{run}.csv", data)
            lap("read (read_upload)")
            mapping = upload.detect_mapping(table)
            lap("detect the columns")
            result = upload.apply_mapping(table, mapping)
            lap("check every row (apply_mapping)")
            built = upload.upload_layer(result, mapping, layer_id=lid)
            lap("build the layer (upload_layer)")
            bundle = base.with_layers([built])
            lap("enrich (with_layers)")
            MapAssets(bundle, "en").reuse(base_assets).publish(Path(tmp) / "static", "/static")
            lap("publish the map documents")
        print(f"{ROWS:,} rows; load average {os.getloadavg()[0]:.1f}; median of {RUNS} runs")
        for label, values in times.items():
            print(f"  {label:34s} {statistics.median(values):6.2f} s")
        print(f"  {'total':34s} {sum(statistics.median(v) for v in times.values()):6.2f} s")


def main() -> None:
    if "--steps" in sys.argv[1:]:
        steps()
        return
    if "--trace" in sys.argv[1:]:
        trace()
        return
    from playwright.sync_api import sync_playwright

    if not Path("/usr/bin/chromium").exists():
        sys.exit("needs /usr/bin/chromium (apt-get install chromium)")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(os.environ.get("BENCH_KEEP") or tmp)  # BENCH_KEEP=<folder> keeps the logs
        csv = synthetic_csv(root / "sites.csv")
        print(f"{ROWS:,} rows, {csv.stat().st_size / 1e6:.1f} MB CSV; {RUNS} timed runs after one warm-up each")
        with sync_playwright() as p:
            browser = launch(p)
            now, now_mem = run_now(browser, csv, root / "data", root)
            naive, naive_mem = ([], []) if os.environ.get("BENCH_NAIVE") == "0" else run_naive(browser, csv, root, root)
            browser.close()
    preview = statistics.median(t[0] for t in now)
    total = statistics.median(t[1] for t in now)
    load = os.getloadavg()
    print()
    print(f"load average at the end: {load[0]:.1f} (1 min), {load[1]:.1f} (5 min)")
    print(f"upload → preview ready (now)           {preview:6.2f} s")
    print(
        f"upload → first features drawn (now)    {total:6.2f} s   "
        f"target ≤ {TARGET_S:.0f} s: {'met' if total <= TARGET_S else 'NOT met'}"
    )
    print(f"server RSS after the runs: now {max(now_mem):.0f} MB")
    if naive:  # BENCH_NAIVE=0 leaves the naive app out
        naive_t = statistics.median(naive)
        print(f"upload → first features drawn (naive)  {naive_t:6.2f} s   naive/now {naive_t / total:5.1f}x")
        ratio = max(naive_mem) / max(now_mem)
        print(f"server RSS after the runs: naive {max(naive_mem):.0f} MB (naive/now {ratio:4.2f}x)")


if __name__ == "__main__":
    main()

"""Benchmark: the explorer's core loop, today's app against the app before the core-loop
redesign (commit ``BASELINE``), side by side in one run on this machine.

1. Server-side cost of one filter change and of a rerun where nothing changed, measured
   with Streamlit's ``AppTest`` (each app in its own process, its own ``mapper`` on the path).
2. In headless Chromium with the network cut off, each app served on a warm server:
   navigation to first features drawn (a new browser profile each time, and a returning
   visitor whose browser cache is warm); a filter change (Status) to the map updated, and the
   bytes the server sent for it; the Export page usable (the app idle) after clicking its
   link in the sidebar.
3. The floor: the same map, runtime and data with nothing else on the page
   (``floor_app.py``), first features only: what Streamlit and st_folium take on this machine
   before the page's widgets add anything.

Prints medians and ratios (baseline / now). Nothing is asserted. Run: ``make benchmark``
(needs git history for the baseline, and /usr/bin/chromium for part 2).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from _common import launch, wait_idle  # benchmarks/ is on the path when a script runs

REPO = Path(__file__).resolve().parents[1]
#: The last commit before the core-loop redesign (issue 8).
BASELINE = "046559d"
RUNS = int(os.environ.get("BENCH_RUNS", "7"))
FRAME = 'iframe[title="streamlit_folium.st_folium"]'

_WORKER = r"""
import json, statistics, sys, time
from streamlit.testing.v1 import AppTest
app, runs = sys.argv[1], int(sys.argv[2])
at = AppTest.from_file(app + "/streamlit_app.py", default_timeout=600)
at.run()
at.run()
change, idle = [], []
for i in range(runs):
    start = time.perf_counter()
    # found by its label: the widget key differs between the baseline and today's app
    country = next(m for m in at.sidebar.multiselect if m.label == "Country")
    country.set_value(["LAO"] if i % 2 == 0 else ["VNM"]).run()
    change.append(time.perf_counter() - start)
    assert not at.exception, at.exception
for i in range(runs):
    start = time.perf_counter()
    at.run()
    idle.append(time.perf_counter() - start)
print(json.dumps({"change": change, "idle": idle}))
"""


def _baseline_tree(target: Path) -> Path | None:
    """The baseline app, extracted from git into ``target``; None without git history."""
    archive = target / "baseline.tar"
    try:
        subprocess.run(
            ["git", "-C", str(REPO), "archive", "-o", str(archive), BASELINE], check=True, capture_output=True
        )
    except (subprocess.CalledProcessError, FileNotFoundError) as exc:
        print(f"(no baseline: git archive {BASELINE} failed: {exc})")
        return None
    root = target / "baseline"
    with tarfile.open(archive) as tar:
        tar.extractall(root, filter="data")
    return root


def _env(app: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(app / "src"), "MAPPER_NO_CACHE": "", "PYTHONWARNINGS": "ignore"}


def _apptest(app: Path) -> dict[str, list[float]]:
    out = subprocess.run(
        [sys.executable, "-c", _WORKER, str(app), str(RUNS)],
        cwd=app,
        env=_env(app),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _median(values: list[float]) -> float:
    finite = [v for v in values if v == v]
    return statistics.median(finite) if finite else float("nan")


def _ms(values: list[float]) -> str:
    return f"{_median(values) * 1000:7.0f} ms"


def _ratio(before: list[float], now: list[float]) -> str:
    return f"{_median(before) / _median(now):5.1f}x"


def _browser(app: Path, browser, logs: Path) -> dict[str, list[float]]:
    """First features, filter change and Export page times (s) and filter bytes."""
    from mapper._serve import serve_app

    results: dict[str, list[float]] = {"first": [], "filter": [], "filter_bytes": [], "export": []}
    with serve_app(app, env=_env(app), log=logs / f"streamlit-{app.name}.log") as url:
        for run in range(RUNS + 1):  # the first run warms the server and is not counted
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = context.new_page()
            page.set_default_timeout(120_000)
            received: list[tuple[float, int]] = []
            page.on(
                "websocket",
                lambda ws, received=received: ws.on(
                    "framereceived", lambda p: received.append((time.monotonic(), len(p or b"")))
                ),
            )
            start = time.monotonic()
            page.goto(url)
            _wait_features(page)
            first = time.monotonic() - start
            wait_idle(page)
            before = _count(page)
            sidebar = page.get_by_test_id("stSidebar")
            box = sidebar.get_by_label("Status", exact=True)
            for _attempt in range(3):  # a rerun (the map's first report) may close the list mid-click
                box.click()
                option = page.get_by_role("option", name="operating", exact=True)
                if not option.count():
                    box.press_sequentially("operat")
                option.wait_for()
                mark = time.monotonic()
                option.click()
                try:
                    page.wait_for_url(lambda u: "operating" in u, timeout=5_000)
                    break
                except Exception:  # the pick did not take: pick again
                    page.keyboard.press("Escape")
            try:
                page.wait_for_function(
                    f"""() => {{ const f = document.querySelector('{FRAME}');
                        return f && f.contentDocument &&
                            f.contentDocument.querySelectorAll('.leaflet-interactive').length !== {before}; }}""",
                    timeout=30_000,
                )
                updated = time.monotonic() - mark
            except Exception as exc:  # the app under test failed to update: reported, not fatal
                print(f"  ({app.name}: the map did not update within 30 s after a filter change: {type(exc).__name__})")
                updated = float("nan")
            page.keyboard.press("Escape")
            wait_idle(page)
            sent = sum(n for t, n in received if t >= mark)
            start = time.monotonic()  # in-app navigation, as people do
            page.get_by_test_id("stSidebarNav").get_by_text("Export & snapshots", exact=True).click()
            page.get_by_role("heading", name="Export and snapshots").wait_for()
            # usable: the page's last element is there (today: the snapshot form's button;
            # the baseline: its snapshot preview, drawn after building every file)
            page.locator("[data-testid='stFormSubmitButton'], [data-testid='stImage']").first.wait_for()
            export = time.monotonic() - start
            context.close()
            if run:
                results["first"].append(first)
                results["filter"].append(updated)
                results["filter_bytes"].append(sent)
                results["export"].append(export)
        # a returning visitor: the same browser profile opens the app again (its HTTP cache
        # holds Streamlit's and the map's front-end files and the content-addressed documents)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(120_000)
        results["returning"] = []
        for run in range(RUNS + 1):
            start = time.monotonic()
            page.goto(url)
            _wait_features(page)
            if run:
                results["returning"].append(time.monotonic() - start)
            wait_idle(page)
        context.close()
    return results


def _floor(browser, logs: Path) -> list[float]:
    """Navigation → first features for the map alone (``floor_app.py`` in a scratch folder)."""
    import shutil

    from mapper._serve import serve_app

    root = logs / "floor"
    root.mkdir(exist_ok=True)
    shutil.copy(Path(__file__).with_name("floor_app.py"), root / "streamlit_app.py")
    shutil.copytree(REPO / ".streamlit", root / ".streamlit", dirs_exist_ok=True)  # static serving on
    env = {**_env(REPO), "MAPPER_HOME": str(REPO)}
    firsts: list[float] = []
    with serve_app(root, env=env, log=logs / "streamlit-floor.log") as url:
        for run in range(RUNS + 1):
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = context.new_page()
            page.set_default_timeout(120_000)
            start = time.monotonic()
            page.goto(url)
            _wait_features(page)
            if run:
                firsts.append(time.monotonic() - start)
            context.close()
    return firsts


def _count(page) -> int:
    return page.frame_locator(FRAME).locator(".leaflet-interactive").count()


def _wait_features(page) -> None:
    page.wait_for_function(
        f"""() => {{ const f = document.querySelector('{FRAME}');
            const d = f && f.contentDocument;
            return d && d.querySelectorAll('.leaflet-interactive').length > 40; }}"""
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        baseline = _baseline_tree(Path(tmp))
        apps = {"now": REPO, **({"baseline": baseline} if baseline else {})}
        print(f"Explorer core loop: now vs baseline {BASELINE}, {RUNS} runs each, medians\n")
        server = {name: _apptest(app) for name, app in apps.items()}
        print("server side (AppTest)          baseline          now   baseline/now")
        for key, label in (("change", "filter change"), ("idle", "rerun, nothing changed")):
            before = server.get("baseline", {}).get(key)
            now = server["now"][key]
            print(
                f"{label:28s} {_ms(before) if before else '      -':>12s} {_ms(now)}"
                f"   {_ratio(before, now) if before else '-'}"
            )
        if not Path("/usr/bin/chromium").exists():
            print("\n(browser part skipped: /usr/bin/chromium is missing)")
            return
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            chromium = launch(p)
            measured = {name: _browser(app, chromium, Path(tmp)) for name, app in apps.items()}
            floor = _floor(chromium, Path(tmp))
            chromium.close()
        print("\nin Chromium, offline, warm server      baseline          now   baseline/now")
        rows = (
            ("first", "navigation → first features"),
            ("returning", "  the same, browser cache warm"),
            ("filter", "filter change → map updated"),
            ("export", "Export page → usable (idle)"),
        )
        for key, label in rows:
            before = measured.get("baseline", {}).get(key)
            now = measured["now"][key]
            print(
                f"{label:36s} {_ms(before) if before else '      -':>12s} {_ms(now)}"
                f"   {_ratio(before, now) if before else '-'}"
            )
        print(
            f"{'  floor: the map alone, no widgets':36s} {'':>12s} {_ms(floor)}"
            "   (Streamlit + st_folium + the same map and data)"
        )
        before = measured.get("baseline", {}).get("filter_bytes")
        now = measured["now"]["filter_bytes"]
        print(
            f"{'bytes sent per filter change':36s} "
            f"{(f'{statistics.median(before) / 1e3:9.1f} kB') if before else '      -':>12s} "
            f"{statistics.median(now) / 1e3:7.1f} kB   "
            f"{(f'{statistics.median(before) / max(statistics.median(now), 1):5.1f}x') if before else '-'}"
        )


if __name__ == "__main__":
    main()

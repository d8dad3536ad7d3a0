"""Load: five people using one server at once for a minute, changing filters, choropleths
and pages. No error may reach any of them and the server's memory must stay bounded.

Figures (changes made, server memory before/after) are printed at the end of the run.
Nothing is asserted on time.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from pathlib import Path

import pytest

from mapper._serve import CHROMIUM_ARGS, serve

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[1]
FRAME = 'iframe[title="streamlit_folium.st_folium"]'
SESSIONS = 5
SECONDS = float(os.environ.get("MAPPER_LOAD_SECONDS", "60"))
#: Upper bound for the server's resident memory growth over the run (MB).
MAX_GROWTH_MB = 600

if not CHROMIUM.exists():
    if os.environ.get("CI") == "true":
        raise RuntimeError("CI needs /usr/bin/chromium for the browser tests: .ci/run installs it with apt-get")
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)

async_api = pytest.importorskip("playwright.async_api")

SEARCHES = ["wind", "grid", "Laos", "", "Mekong", "offshore", "solar", ""]
CHOROPLETHS = ["Net-zero year", "(none)", "Offshore wind target (GW)", "(none)"]


async def _wait_ready(page) -> None:
    await page.wait_for_function(
        f"""() => {{ const f = document.querySelector('{FRAME}'); const d = f && f.contentDocument;
            const c = d && d.querySelector('.leaflet-container');
            return c && c.getAttribute('data-mapper-ready') === '1'; }}""",
        timeout=120_000,
    )


async def _idle(page) -> None:
    deadline = time.monotonic() + 120
    calm = None
    while time.monotonic() < deadline:
        if await page.locator("[data-testid='stStatusWidget']").count() == 0:
            calm = calm or time.monotonic()
            if time.monotonic() - calm > 0.4:
                return
        else:
            calm = None
        await page.wait_for_timeout(100)
    raise AssertionError("the app never went idle")


async def _user(browser, url: str, seed: int, until: float, problems: list[str]) -> int:
    """One person: search, colour the countries, visit another page and come back."""
    rng = random.Random(seed)
    context = await browser.new_context(viewport={"width": 1300, "height": 950})
    page = await context.new_page()
    page.set_default_timeout(120_000)
    await page.route("**/*", lambda route: route.continue_() if "127.0.0.1" in route.request.url else route.abort())
    page.on("pageerror", lambda e: problems.append(f"user {seed}: page error {e}"))
    page.on("dialog", lambda d: problems.append(f"user {seed}: dialog {d.message}"))
    await page.goto(url)
    await _wait_ready(page)
    changes = 0
    while time.monotonic() < until:
        action = rng.choice(["search", "search", "choropleth", "page"])
        sidebar = page.get_by_test_id("stSidebar")
        if action == "search":
            box = sidebar.get_by_label("Search names and descriptions", exact=True)
            await box.fill(rng.choice(SEARCHES))
            await box.press("Enter")
        elif action == "choropleth":
            box = sidebar.get_by_label("Colour countries by", exact=True)
            target = rng.choice(CHOROPLETHS)
            option = page.get_by_role("option", name=target, exact=True)
            for attempt in range(3):  # a rerun may close the list while it opens: open it again
                await box.click()
                if not await option.count():
                    await box.press_sequentially(target[:10])
                try:
                    await option.click(timeout=30_000)
                    break
                except async_api.TimeoutError:
                    await page.keyboard.press("Escape")
                    if attempt == 2:
                        raise
            await page.keyboard.press("Escape")
        else:
            nav = page.get_by_test_id("stSidebarNav")
            await nav.get_by_text(rng.choice(["Countries", "Data & sources"]), exact=True).click()
            await page.get_by_role("heading", level=1).first.wait_for()
            await _idle(page)
            await nav.get_by_text("Map", exact=True).click()
        await _idle(page)
        await _wait_ready(page)
        if await page.get_by_test_id("stException").count():
            problems.append(f"user {seed}: " + await page.get_by_test_id("stException").first.inner_text())
        changes += 1
    await context.close()
    return changes


async def _run(url: str) -> tuple[list[int], list[str]]:
    problems: list[str] = []
    async with async_api.async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        until = time.monotonic() + SECONDS
        counts = await asyncio.gather(*(_user(browser, url, seed, until, problems) for seed in range(SESSIONS)))
        await browser.close()
    return list(counts), problems


def test_five_people_at_once_get_no_error_and_memory_stays_bounded(tmp_path: Path, capsys) -> None:
    with serve(REPO, log=tmp_path / "streamlit.log") as server:
        before = server.rss_mb()
        counts, problems = asyncio.run(_run(server.url))
        after = server.rss_mb()
    log = (tmp_path / "streamlit.log").read_text()
    with capsys.disabled():
        print(
            f"\nload: {SESSIONS} sessions x {SECONDS:.0f} s, changes per session {counts}, "
            f"server memory {before:.0f} MB -> {after:.0f} MB"
        )
    assert problems == []
    assert "Traceback" not in log
    assert all(n >= 3 for n in counts), counts  # everyone got to work
    assert after - before < MAX_GROWTH_MB

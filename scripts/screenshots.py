"""Take the README screenshots of the main views (needs Chromium at /usr/bin/chromium).

Starts the app on a free port, opens it with every request off this machine blocked (so
the screenshots show the offline app), and writes PNGs to docs/.

Usage: ``.venv/bin/python scripts/screenshots.py``
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import sync_playwright

from mapper._serve import CHROMIUM_ARGS, serve_app

ROOT = Path(__file__).resolve().parents[1]
VIEWS = {
    "map-choropleth.png": "/?choropleth=net_zero_year&scheme=natural_breaks",
    "map-mekong.png": "/?countries=LAO&layers=interconnectors,jumpp&lat=17.5&lon=103.5&zoom=5",
    "map-japan-wind.png": "/?layers=wind_zones&countries=JPN&lat=38.5&lon=138.5&zoom=5",
    "countries.png": "/countries",
    "export.png": "/export",
}


def _wait_idle(page, quiet: float = 1.5) -> None:
    """Until the app shows no "running" status for ``quiet`` seconds (the map's own report
    triggers one more run after it has drawn)."""
    calm = 0.0
    while calm < quiet:
        page.wait_for_timeout(100)
        calm = calm + 0.1 if page.locator("[data-testid='stStatusWidget']").count() == 0 else 0.0


def main() -> None:
    (ROOT / "docs").mkdir(exist_ok=True)
    with serve_app(ROOT) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1050})
        page.route("**/*", lambda r: r.continue_() if "127.0.0.1" in r.request.url else r.abort())
        for name, path in VIEWS.items():
            page.goto(base + path)
            page.get_by_role("heading", level=1).first.wait_for(timeout=90_000)
            if "countries" not in path and "export" not in path:  # the map has drawn its data
                page.wait_for_function(
                    """() => { const f = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
                        const c = f && f.contentDocument && f.contentDocument.querySelector('.leaflet-container');
                        return c && c.getAttribute('data-mapper-ready') === '1'; }""",
                    timeout=90_000,
                )
            _wait_idle(page)
            page.screenshot(path=str(ROOT / "docs" / name))
            print("wrote", ROOT / "docs" / name)
        browser.close()


if __name__ == "__main__":
    main()

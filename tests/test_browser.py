"""Real-browser tests (Playwright driving Debian's Chromium) with the network cut off:
what only runs in the browser — the Leaflet map, live filter updates, shared links,
escaping of hostile text, the self-contained HTML snapshot."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

import mapper
from mapper._serve import CHROMIUM_ARGS, serve_app
from mapper.webmap import standalone_html

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[1]
EVIL = "<script>alert(1)</script><img src=x onerror=alert(2)>"
FRAME = 'iframe[title="streamlit_folium.st_folium"]'

if not CHROMIUM.exists():
    if os.environ.get("CI") == "true":
        raise RuntimeError("CI needs /usr/bin/chromium for the browser tests: .ci/run installs it with apt-get")
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def data_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the bundled data with one hostile record added."""
    root = tmp_path_factory.mktemp("data")
    shutil.copytree(REPO / "layers", root / "layers")
    shutil.copytree(REPO / "geodata", root / "geodata")
    path = root / "geodata" / "interconnectors.geojson"
    data = json.loads(path.read_text(encoding="utf-8"))
    evil = json.loads(json.dumps(data["features"][0]))
    evil["properties"].update(id="ic-999", name=EVIL, description=EVIL)
    data["features"].append(evil)
    path.write_text(json.dumps(data), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def server(data_root: Path) -> Iterator[str]:
    with serve_app(REPO, env={"MAPPER_HOME": str(data_root)}, log=data_root / "streamlit.log") as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


class Page:
    """A page with every request off this machine blocked and errors recorded."""

    def __init__(self, browser) -> None:
        self.page = browser.new_page(viewport={"width": 1400, "height": 1000})
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page.route("**/*", self._route)
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))

    def _route(self, route) -> None:
        url = route.request.url
        if url.startswith(("http://127.0.0.1", "http://localhost", "ws://127.0.0.1", "file:", "data:", "blob:")):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def frame(self):
        return self.page.frame_locator(FRAME)

    def features(self) -> int:
        return self.frame().locator(".leaflet-interactive").count()

    def wait_map(self) -> None:
        self.frame().locator(".leaflet-container").wait_for(timeout=90_000)
        self.frame().locator(".leaflet-interactive").first.wait_for(state="attached", timeout=60_000)
        self.page.wait_for_timeout(1500)


@pytest.fixture
def page(browser) -> Iterator[Page]:
    p = Page(browser)
    yield p
    p.page.close()


def test_map_draws_offline_with_every_layer(server: str, page: Page, tmp_path: Path) -> None:
    page.page.goto(server)
    page.wait_map()
    assert page.features() > 50
    legend = page.frame().locator(".mapper-legend").inner_text()
    for title in ("interconnectors", "JUCEP", "JUMPP", "wind zones"):
        assert title in legend
    assert page.blocked == []  # nothing tried to reach the internet
    assert page.errors == []
    page.page.screenshot(path=str(tmp_path / "map.png"))


def test_filter_change_updates_the_map_without_reloading(server: str, page: Page) -> None:
    page.page.goto(server)
    page.wait_map()
    before = page.features()
    page.page.evaluate("window.__still_here = true")
    page.frame().locator(".leaflet-container").evaluate("el => { el.dataset.marker = 'kept'; }")
    box = page.page.get_by_label("Search names and descriptions")
    box.fill("Mekong")
    box.press("Enter")
    for _ in range(60):  # the rerun swaps the data; wait for it (up to 30 s on a slow machine)
        page.page.wait_for_timeout(500)
        if page.features() < before and "search=Mekong" in page.page.url:
            break
    after = page.features()
    assert after < before
    assert page.page.evaluate("window.__still_here") is True  # no page reload
    # the Leaflet map itself was kept (pan and zoom survive): only its data was swapped
    assert page.frame().locator(".leaflet-container").get_attribute("data-marker") == "kept"
    assert "search=Mekong" in page.page.url  # the URL follows the view
    assert page.errors == []


def test_shared_link_restores_the_view(server: str, page: Page, bundle: mapper.Bundle) -> None:
    page.page.goto(f"{server}/?layers=interconnectors&countries=VNM&zoom=6&lat=16.0&lon=106.0")
    page.wait_map()
    assert "Viet Nam" in page.page.locator("section[data-testid='stSidebar']").inner_text()
    expected = len(
        mapper.apply_filter(
            bundle.layers, bundle.catalogue, mapper.FilterState(layers=("interconnectors",), countries=("VNM",))
        )["interconnectors"]
    )
    assert page.page.get_by_test_id("stMetricValue").first.inner_text() == str(expected)
    assert page.frame().locator(".leaflet-control-zoom").count() == 1
    page.page.wait_for_timeout(3000)  # the map reports its view back; the link's view must survive
    assert "zoom=6" in page.page.url
    assert "lat=16.0" in page.page.url
    assert page.errors == []


def test_hostile_text_in_the_data_shows_as_text(server: str, page: Page) -> None:
    page.page.goto(f"{server}/?layers=interconnectors&search=alert")
    page.wait_map()
    page.frame().locator("path.leaflet-interactive[fill='none']").first.click(force=True)
    popup = page.frame().locator(".leaflet-popup-content")
    popup.wait_for(timeout=30_000)
    assert "<script>alert(1)</script>" in popup.inner_text()
    assert popup.locator("script, img").count() == 0
    page.page.wait_for_timeout(500)
    assert page.dialogs == []  # no alert() ran
    assert page.errors == []


def test_html_snapshot_works_offline(browser, bundle: mapper.Bundle, tmp_path: Path) -> None:
    path = tmp_path / "map.html"
    path.write_text(
        standalone_html(bundle, mapper.FilterState(layers=("interconnectors", "wind_zones"))), encoding="utf-8"
    )
    page = Page(browser)
    page.page.goto(path.as_uri())
    page.page.locator(".leaflet-container").wait_for()
    page.page.wait_for_timeout(500)
    assert page.page.locator(".leaflet-interactive").count() >= len(bundle.layers["interconnectors"])
    assert page.blocked == []
    assert page.errors == []
    page.page.close()


def test_clicking_a_country_opens_its_profile(server: str, page: Page) -> None:
    # centre the map on Viet Nam's Central Highlands (land, no feature there) and click it
    page.page.goto(f"{server}/?layers=wind_zones&lat=12.7&lon=108.2&zoom=7")
    page.wait_map()
    box = page.page.locator(FRAME).bounding_box()
    page.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.page.get_by_text("Viet Nam (VNM)").wait_for(timeout=30_000)
    details = page.page.get_by_test_id("stTable").first.inner_text()
    assert "Net-zero year" in details
    assert "2050" in details  # Viet Nam's net-zero year, from the country attributes
    assert page.errors == []

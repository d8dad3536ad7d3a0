"""Real-browser journeys (Playwright driving Debian's Chromium) with the network cut off.

What people do in sequence: zoom and drag then wait, pan then filter, switch pages and come
back, copy the link after moving and open it fresh, change every control. Every wait is on
a condition (the map runtime marks its container with ``data-mapper-*`` attributes), never
a fixed sleep, except where the test is *about* time passing with nothing happening.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import shapely

import mapper
from mapper._serve import CHROMIUM_ARGS, serve_app
from mapper.selection import select
from mapper.webmap import standalone_html

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[1]
EVIL = "<script>alert(1)</script><img src=x onerror=alert(2)>{{ 7*7 }}"
FRAME = 'iframe[title="streamlit_folium.st_folium"]'
TIMEOUT = 120_000

if not CHROMIUM.exists():
    if os.environ.get("CI") == "true":
        raise RuntimeError("CI needs /usr/bin/chromium for the browser tests: .ci/run installs it with apt-get")
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")

#: Runs in every frame of a test's pages: in the map's frame, it keeps what reached the map (each
#: render message from Streamlit: its payload's length and layer ids) and what the runtime then
#: applied (each ``MapperRuntime.update``), so a failed wait can say which payload the map missed.
MAP_LOG = r"""
(() => {
  const log = (window.__mapperLog = []);
  const now = () => Math.round(performance.now());
  const ids = (text) => (text.match(/\\"id\\":\\"[^\\"]*/g) || []).map((m) => m.slice(9)).join(",");
  window.addEventListener("message", (event) => {
    const data = event.data;
    if (!data || data.type !== "streamlit:render" || !data.args || data.args.feature_group === undefined) return;
    const group = data.args.feature_group || "";
    log.push(`${now()} render ${group.length} map=${!!window.map} ${ids(group)}`);
  });
  let update = null;
  const logged = function (payload) {
    log.push(`${now()} update legend=${(payload.legend || "").length} ${payload.layers.map((l) => l.id).join(",")}`);
    return update.apply(this, arguments);
  };
  const runtime = (window.MapperRuntime = {});  // mapper.js adds to this object
  Object.defineProperty(runtime, "update", {
    get: () => update && logged,
    set: (f) => { update = f; },
  });
})();
"""


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


class Session:
    """One user in a fresh browser context: every request off this machine is blocked and
    recorded, console errors and dialogs are recorded, messages to the server counted."""

    def __init__(self, browser, locale: str = "en-US") -> None:
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale=locale)
        self.context.add_init_script(MAP_LOG)
        self.page = self.context.new_page()
        self.page.set_default_timeout(TIMEOUT)
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.sent: list[float] = []  # times of messages the browser sent to the server (reruns)
        self.page.route("**/*", self._route)
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.on("websocket", lambda ws: ws.on("framesent", lambda _: self.sent.append(time.monotonic())))

    def _route(self, route) -> None:
        url = route.request.url
        if url.startswith(("http://127.0.0.1", "http://localhost", "ws://127.0.0.1", "file:", "data:", "blob:")):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def close(self) -> None:
        self.context.close()

    # ---- the map ----------------------------------------------------------------------------
    def frame(self):
        """The map component's frame (for evaluating JavaScript in it)."""
        self.page.locator(FRAME).wait_for()
        for _ in range(200):
            for frame in self.page.frames:
                if "streamlit_folium" in frame.url:
                    return frame
            self.page.wait_for_timeout(50)
        raise AssertionError("no map frame")

    def container(self):
        return self.page.frame_locator(FRAME).locator(".leaflet-container")

    def map_log(self) -> list[str]:
        """What reached the map and what its runtime applied (see ``MAP_LOG``)."""
        frames = [frame for frame in self.page.frames if "streamlit_folium" in frame.url]
        if not frames:  # another page, or the map never mounted: nothing to wait for
            return ["no map on the page"]
        try:
            return frames[0].evaluate("() => window.__mapperLog || []")
        except Exception as error:  # a diagnostic must not hide the failure
            return [f"no log: {error}"]

    def wait_map(self, condition: str = "true") -> None:
        """Wait until the runtime has applied the latest payload and ``condition`` holds
        (a JS expression over ``shown``: records drawn per layer, and ``view``)."""
        try:
            self._wait_map(condition)
        except sync_api.TimeoutError as error:
            raise AssertionError(f"the map never showed {condition!r}; map log: {self.map_log()}") from error

    def _wait_map(self, condition: str) -> None:
        self.frame().wait_for_function(
            f"""() => {{
                const c = document.querySelector('.leaflet-container');
                if (!c || c.getAttribute('data-mapper-ready') !== '1') return false;
                const shown = JSON.parse(c.getAttribute('data-mapper-shown') || '{{}}');
                const view = window.map ? [window.map.getCenter().lat, window.map.getCenter().lng,
                                           window.map.getZoom()] : null;
                return {condition};
            }}""",
            timeout=TIMEOUT,
        )

    def view(self) -> tuple[float, float, int]:
        lat, lng, zoom = self.frame().evaluate("() => [map.getCenter().lat, map.getCenter().lng, map.getZoom()]")
        return lat, lng, zoom

    def shown(self) -> dict[str, int]:
        return json.loads(self.container().get_attribute("data-mapper-shown") or "{}")

    def mark_container(self) -> None:
        """Tag the live Leaflet container; a remount would lose the tag."""
        self.frame().evaluate("() => { document.querySelector('.leaflet-container').dataset.marker = 'kept'; }")

    def container_kept(self) -> bool:
        return self.container().get_attribute("data-marker") == "kept"

    def zoom_in_and_drag(self, dx: int = -160, dy: int = -90) -> None:
        """What a person does: click "+", wait for the zoom, then drag the map."""
        before = self.view()
        self.page.frame_locator(FRAME).locator(".leaflet-control-zoom-in").click()
        self.wait_map(f"view[2] === {before[2] + 1} && !window.map._animatingZoom && !window.map._panAnim")
        zoomed = self.view()
        box = self.page.locator(FRAME).bounding_box()
        x, y = box["x"] + box["width"] * 0.4, box["y"] + box["height"] * 0.6
        self.page.mouse.move(x, y)
        self.page.mouse.down()
        self.page.mouse.move(x + dx / 2, y + dy / 2, steps=8)
        self.page.mouse.move(x + dx, y + dy, steps=8)
        self.page.mouse.up()
        self.wait_map(f"view[0] !== {zoomed[0]} && view[1] !== {zoomed[1]}")  # the drag moved the map
        self.wait_settled()

    def wait_settled(self) -> None:
        """Wait until no pan or zoom animation runs (a drag's inertia glides on after the mouse
        is released, longer on a loaded machine) and the view holds still between two looks."""
        self.frame().wait_for_function(
            """() => {
                const m = window.map;
                if (!m || m._animatingZoom || (m._panAnim && m._panAnim._inProgress)) return false;
                const now = [m.getCenter().lat, m.getCenter().lng, m.getZoom()].join();
                const still = window.__lastView === now;
                window.__lastView = now;
                return still;
            }""",
            polling=250,
            timeout=TIMEOUT,
        )

    def wait_url(self, predicate) -> dict[str, str]:
        """Wait until the page URL's query satisfies ``predicate``; return the query."""
        deadline = time.monotonic() + TIMEOUT / 1000
        while True:
            query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.page.url).query))
            if predicate(query):
                return query
            if time.monotonic() > deadline:
                raise AssertionError(f"URL never matched: {self.page.url}")
            self.page.wait_for_timeout(100)

    def wait_idle(self, quiet_ms: int = 1500) -> None:
        """Wait until the browser has sent nothing to the server for ``quiet_ms`` and the app
        is not running."""
        deadline = time.monotonic() + TIMEOUT / 1000
        while time.monotonic() < deadline:
            last = self.sent[-1] if self.sent else 0.0
            running = self.page.locator("[data-testid='stStatusWidget']").count() > 0
            if not running and time.monotonic() - last > quiet_ms / 1000:
                return
            self.page.wait_for_timeout(100)
        raise AssertionError("the app never went idle")

    # ---- the sidebar --------------------------------------------------------------------------
    def pick(self, label: str, option: str) -> None:
        """Choose an option in a sidebar multiselect or selectbox."""
        sidebar = self.page.get_by_test_id("stSidebar")
        box = sidebar.get_by_label(label, exact=True)
        box.click()
        choice = self.page.get_by_role("option", name=option, exact=True)
        if not choice.count():  # a select box opens its list when typed into
            box.press_sequentially(option[:12])
        choice.click()
        self.page.keyboard.press("Escape")

    def sidebar_text(self) -> str:
        """The controls as shown (from the first header on: the page links above it change
        with hover and focus)."""
        text = self.page.get_by_test_id("stSidebar").inner_text()
        return text[text.index("Layers and filters") :]

    def go(self, page_title: str) -> None:
        self.page.get_by_test_id("stSidebarNav").get_by_text(page_title, exact=True).click()


@pytest.fixture
def user(browser) -> Iterator[Session]:
    session = Session(browser)
    yield session
    session.close()


def _query(url: str) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))


def test_first_load_draws_the_records_offline(server: str, user: Session, bundle: mapper.Bundle) -> None:
    user.page.goto(server)
    expected = {lid: int(mapper.enrich.has_site(f).sum()) for lid, f in bundle.layers.items()}
    user.wait_map(f"Object.keys(shown).length === {len(expected)}")
    shown = user.shown()
    assert shown["wind_zones"] == expected["wind_zones"]
    assert shown["interconnectors"] == expected["interconnectors"] + 1  # plus the hostile test record
    assert user.page.frame_locator(FRAME).locator(".leaflet-interactive").count() > 50
    assert "nan" not in user.page.get_by_test_id("stMain").inner_text().lower().split()
    assert user.blocked == []
    assert user.errors == []


def test_zoom_and_drag_then_idle_the_view_stays_and_nothing_reruns(server: str, user: Session) -> None:
    user.page.goto(server)
    user.wait_map()
    user.wait_idle()
    user.zoom_in_and_drag()
    moved = user.view()
    user.wait_url(lambda q: q.get("zoom") == str(moved[2]))
    user.wait_idle()
    settled = user.view()
    sent = len(user.sent)
    user.page.wait_for_timeout(10_000)  # this test is about 10 s of nothing happening
    assert len(user.sent) == sent, "the map kept talking to the server while nobody touched it"
    assert user.view() == settled
    query = _query(user.page.url)
    assert abs(float(query["lat"]) - settled[0]) < 0.001
    assert abs(float(query["lon"]) - settled[1]) < 0.001
    assert user.errors == []


def test_pan_then_filter_keeps_the_view_and_the_map(server: str, user: Session) -> None:
    user.page.goto(server)
    user.wait_map()
    user.wait_idle()
    user.zoom_in_and_drag()
    user.wait_idle()
    user.mark_container()
    moved = user.view()
    user.pick("Status", "operating")
    user.wait_url(lambda q: q.get("status") == "operating")
    user.wait_map()
    user.wait_idle()
    assert user.view() == pytest.approx(moved, abs=1e-6)
    assert user.container_kept()
    assert user.errors == []


def test_filters_hold_when_the_sidebars_widgets_load_late(server: str, user: Session) -> None:
    """On a slow connection Streamlit's widget code (loaded on demand) comes after the map has
    reported its view and the app has run again. A widget mounted then takes its value from
    the newest run's element: every widget the app had set from the link came up empty, and
    the next rerun (here: a pan) dropped every layer and filter."""
    held: list = []
    late = "**/static/js/{Multiselect,Slider,TextInput,Selectbox}.*.js"
    user.page.route(late, lambda route: held.append(route))
    user.page.goto(f"{server}/?layers=jumpp,wind_zones&status=operating&search=solar")
    user.wait_map()
    user.wait_idle()  # the map's first report and the rerun it causes are done
    assert held, "no widget code was asked for"
    for route in held:
        route.continue_()
    user.page.unroute(late)
    box = user.page.get_by_test_id("stSidebar").get_by_label("Layers", exact=True)
    box.wait_for()
    user.wait_idle()
    user.zoom_in_and_drag()
    user.wait_idle()
    query = user.wait_url(lambda q: "zoom" in q)
    assert (query.get("layers"), query.get("status"), query.get("search")) == ("jumpp,wind_zones", "operating", "solar")
    user.wait_map("Object.keys(shown).sort().join() === 'jumpp,wind_zones'")
    assert "No layer is selected" not in user.page.get_by_test_id("stMain").inner_text()
    assert user.errors == []


def test_a_filter_changed_while_the_map_still_loads_reaches_the_map(
    server: str, bundle: mapper.Bundle, user: Session
) -> None:
    """On a slow connection the map's scripts are still loading when the user narrows a
    filter. streamlit-folium builds a loading map from its first render only and drops the
    newer payload; the newer one must still reach the map (it comes again with the rerun that
    the map's first report of its view causes)."""
    selection = select(bundle, mapper.FilterState(layers=("jumpp",), country=("LAO",)))
    laos = len(selection.frames["jumpp"][mapper.enrich.has_site(selection.frames["jumpp"])])
    held: list = []
    user.page.route("**/mapper/mapper.js*", lambda route: held.append(route))  # the runtime's script is slow to come
    user.page.goto(f"{server}/?layers=jumpp")
    deadline = time.monotonic() + TIMEOUT / 1000
    while not held and time.monotonic() < deadline:
        user.page.wait_for_timeout(50)
    assert held, "the map never asked for its runtime"
    user.pick("Country", "Laos (LAO)")
    user.wait_url(lambda q: q.get("country") == "LAO")
    user.wait_idle()
    for route in held:
        route.continue_()
    user.page.unroute("**/mapper/mapper.js*")
    user.wait_map(f"shown.jumpp === {laos}")
    user.wait_idle()
    user.wait_map(f"shown.jumpp === {laos}")
    assert user.errors == []


def test_every_control_updates_the_live_map_without_replacing_it(server: str, user: Session) -> None:
    user.page.goto(server)
    user.wait_map()
    user.wait_idle()
    user.mark_container()
    user.pick("Colour countries by", "Net-zero year")
    user.wait_map("document.querySelector('.leaflet-container').getAttribute('data-mapper-choropleth') !== ''")
    user.wait_idle()
    user.pick("Classification", "Equal interval")
    user.wait_url(lambda q: q.get("scheme") == "equal_interval")
    slider = user.page.get_by_test_id("stSidebar").get_by_role("slider", name="Classes")
    slider.focus()
    user.page.keyboard.press("ArrowLeft")
    user.wait_url(lambda q: q.get("classes") == "4")
    user.wait_map("document.querySelector('.leaflet-container').getAttribute('data-mapper-choropleth').endsWith(':4')")
    user.pick("Basemap tiles (need internet)", "Esri.WorldGrayCanvas")
    user.wait_url(lambda q: q.get("basemap") == "Esri.WorldGrayCanvas")
    user.page.get_by_test_id("stSidebar").get_by_label("Layers", exact=True).locator("..").get_by_role(
        "button", name=re.compile("Remove JUCEP", re.I)
    ).first.click()
    user.wait_map("!('jucep' in shown)")
    user.wait_idle()
    assert user.container_kept()
    legend = user.container().locator(".mapper-legend")
    assert "Net-zero" in legend.inner_text()
    assert all(u.startswith("https://") and "arcgisonline.com" in u for u in user.blocked)  # tiles only
    assert user.errors == [] or all("net::ERR_FAILED" in e for e in user.errors)


def test_map_to_every_page_and_back_keeps_every_control(server: str, user: Session) -> None:
    user.page.goto(f"{server}/?countries=LAO&statuses=operating&year_from=2000&year_to=2024&choropleth=net_zero_year")
    user.wait_map()
    user.wait_idle()
    user.zoom_in_and_drag()
    user.wait_idle()

    def url_holds_the_map_view(q: dict[str, str]) -> bool:
        lat, _, zoom = user.view()  # read again: the map may still be settling
        return q.get("zoom") == str(zoom) and abs(float(q.get("lat", "nan")) - lat) < 1e-3

    # the map reports its view after the drag settles: wait until the URL holds it
    before_query = user.wait_url(url_holds_the_map_view)
    user.wait_idle()
    before_query = user.wait_url(url_holds_the_map_view)
    before_view = user.view()
    before_sidebar = user.sidebar_text()
    for title in ("Countries", "Export & snapshots", "Data & sources"):
        user.go(title)
        user.page.get_by_role("heading", level=1).first.wait_for()
        user.wait_idle()
        user.wait_url(lambda q: q == before_query)  # the run writes the view into the URL as it ends
    user.go("Map")
    user.wait_map()
    user.wait_idle()
    assert user.sidebar_text() == before_sidebar
    assert _query(user.page.url) == before_query
    assert user.view() == pytest.approx(before_view, abs=1e-3)
    assert user.page.get_by_test_id("stException").count() == 0
    assert user.errors == []


def _holds(query: dict[str, str], view: tuple[float, float, int]) -> bool:
    """The link's centre and zoom are the map's (to the link's 4 decimals; longitudes compared
    modulo 360)."""
    try:
        lat, lon, zoom = float(query["lat"]), float(query["lon"]), int(query["zoom"])
    except (KeyError, ValueError):
        return False
    return zoom == view[2] and abs(lat - view[0]) < 1e-3 and abs((lon - view[1] + 180) % 360 - 180) < 1e-3


def test_the_link_after_moving_and_filtering_opens_the_same_view(server: str, browser, user: Session) -> None:
    user.page.goto(server)
    user.wait_map()
    user.wait_idle()
    user.pick("Country", "Viet Nam (VNM)")
    user.wait_url(lambda q: q.get("country") == "VNM")
    user.wait_idle()
    user.zoom_in_and_drag(dx=120, dy=60)
    user.wait_idle()
    view = user.view()
    query = user.wait_url(lambda q: _holds(q, view))  # the map's report reached the link
    user.page.get_by_role("button", name="Share link").click()
    link = user.page.get_by_test_id("stCode").inner_text().strip()
    assert _query(link) == query  # the link shown is the URL of this exact view
    sidebar = user.sidebar_text()

    colleague = Session(browser)
    try:
        colleague.page.goto(link)
        colleague.wait_map()
        colleague.wait_idle()
        lat, lng, zoom = colleague.view()
        assert zoom == view[2]
        assert abs(lat - view[0]) < 0.001
        assert abs(lng - view[1]) < 0.001
        assert colleague.sidebar_text() == sidebar
        assert _query(colleague.page.url) == query
        assert colleague.errors == []
    finally:
        colleague.close()


def test_picking_a_country_zooms_to_it_and_outlines_it(server: str, user: Session) -> None:
    user.page.goto(server)
    user.wait_map()
    user.wait_idle()
    user.pick("Country", "Laos (LAO)")
    user.wait_map("view[2] >= 5")
    lat, lng, _ = user.view()
    assert 14 < lat < 22  # Laos
    assert 100 < lng < 108
    assert user.container().locator("path[stroke='#b2182b']").count() >= 1


def test_bad_link_values_get_a_notice_that_stays(server: str, user: Session) -> None:
    user.page.goto(f"{server}/?classes=99&countries=XXX&choropleth=net_zero_year")
    user.wait_map()
    notice = user.page.get_by_text("classes='99'", exact=False)
    notice.wait_for()
    user.wait_idle()
    user.zoom_in_and_drag()  # a rerun from the map must not hide it
    user.wait_idle()
    assert notice.is_visible()
    assert user.page.get_by_text("XXX", exact=False).first.is_visible()


def test_hostile_text_in_the_data_shows_as_text(server: str, user: Session) -> None:
    user.page.goto(f"{server}/?layers=interconnectors&search=alert")
    user.wait_map("shown.interconnectors === 1")
    # the hostile line as drawn (a line, or its symbol when tiny), found through the runtime
    frame = user.frame()
    find = """const l = Object.values(map._mapper.layers.interconnectors.visible)[0];
        const at = l.getLatLng ? l.getLatLng() : l.getCenter();"""
    frame.evaluate(f"() => {{ {find} l.openTooltip(at); }}")
    tooltip = user.page.frame_locator(FRAME).locator(".leaflet-tooltip")
    tooltip.wait_for()
    assert "<script>alert(1)</script>" in tooltip.inner_text()  # built in the browser, escaped there
    assert tooltip.locator("script, img").count() == 0
    # a click as Leaflet delivers it (reaches streamlit-folium's handler), then the popup
    frame.evaluate(f"() => {{ {find} l.fire('click', {{latlng: at}}, true); l.openPopup(at); }}")
    popup = user.page.frame_locator(FRAME).locator(".leaflet-popup-content")
    popup.get_by_text("alert(1)", exact=False).first.wait_for()  # fetched on click
    assert "<script>alert(1)</script>" in popup.inner_text()
    assert "{{ 7*7 }}" in popup.inner_text()
    assert popup.locator("script, img").count() == 0
    # the details panel lists the clicked record (in a data grid: text, never markup)
    user.page.get_by_text("Mekong cross-border interconnectors: 1 record", exact=True).wait_for()
    assert user.page.locator("img[src='x']").count() == 0
    assert user.dialogs == []  # no alert() ran
    assert user.errors == []


def test_html_snapshot_works_offline(browser, bundle: mapper.Bundle, tmp_path: Path) -> None:
    path = tmp_path / "map.html"
    selection = select(bundle, mapper.FilterState(layers=("interconnectors", "wind_zones")))
    path.write_text(standalone_html(selection), encoding="utf-8")
    session = Session(browser)
    try:
        session.page.goto(path.as_uri())
        session.page.wait_for_function(
            "() => { const c = document.querySelector('.leaflet-container');"
            " return c && c.getAttribute('data-mapper-ready') === '1'; }"
        )
        shown = json.loads(session.page.locator(".leaflet-container").get_attribute("data-mapper-shown"))
        assert shown == {lid: len(f[mapper.enrich.has_site(f)]) for lid, f in selection.frames.items()}
        assert session.blocked == []
        assert session.errors == []
    finally:
        session.close()


def test_clicking_a_country_opens_its_profile(server: str, user: Session) -> None:
    # centre the map on Viet Nam's Central Highlands (land, no feature there) and click it
    user.page.goto(f"{server}/?layers=wind_zones&lat=12.7&lon=108.2&zoom=7")
    user.wait_map("view[2] === 7")
    user.wait_idle()
    box = user.page.locator(FRAME).bounding_box()
    user.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    user.page.get_by_role("heading", name="Viet Nam (VNM)").wait_for()
    user.page.get_by_test_id("stDataFrame").first.wait_for()  # the profile table (its grid loads on demand)
    assert user.errors == []


def test_a_link_with_countries_and_no_position_opens_on_those_countries(server: str, user: Session) -> None:
    user.page.goto(f"{server}/?countries=LAO")
    user.wait_map("view[2] >= 5")
    user.wait_idle()
    lat, lng, zoom = user.view()
    assert 14 < lat < 22
    assert 100 < lng < 108
    query = user.wait_url(lambda q: "zoom" in q)  # the fitted view is in the link now
    assert query["zoom"] == str(zoom)


def test_a_big_popup_scrolls_and_never_throws_the_map_off_the_world(server: str, user: Session) -> None:
    user.page.goto(f"{server}/?countries=KHM&layers=jumpp")
    user.wait_map("view[2] >= 5")
    user.wait_idle()
    user.page.frame_locator(FRAME).locator("path.leaflet-interactive[stroke-dasharray]").first.click(force=True)
    user.page.frame_locator(FRAME).locator(".leaflet-popup-content").wait_for()
    user.wait_idle()
    lat, _, _ = user.view()
    assert -10 < lat < 30  # still over the Mekong, not pushed towards the pole


def test_tiny_features_become_symbols_and_shapes_again_when_zoomed_in(server: str, user: Session) -> None:
    """Offshore wind zones are specks at regional zoom: drawn as symbols there, as their
    outlines when the map is zoomed in."""
    user.page.goto(f"{server}/?layers=wind_zones&lat=35.0&lon=135.0&zoom=4")
    user.wait_map("view[2] === 4 && shown.wind_zones > 0")
    count = """() => { const e = map._mapper.layers.wind_zones;
        const drawn = Object.values(e.visible);
        return [drawn.filter(l => l.options.mapperSymbol).length, drawn.length]; }"""
    symbols, drawn = user.frame().evaluate(count)
    assert symbols > 0
    user.page.goto(f"{server}/?layers=wind_zones&lat=34.0&lon=130.6&zoom=11")  # Hibikinada, Kitakyushu
    user.wait_map("view[2] === 11 && shown.wind_zones > 0")
    zoomed_symbols, zoomed_drawn = user.frame().evaluate(count)
    assert zoomed_drawn == drawn  # the same records, drawn differently
    assert zoomed_symbols < symbols


def _big_polygons(bundle: mapper.Bundle, monkeypatch: pytest.MonkeyPatch) -> tuple[mapper.Bundle, str, object]:
    """The bundle with its polygon layer made detailed (~70 vertices per outline) and treated
    as big (simplified per zoom band), that layer's id and its first sited record."""
    from mapper import webmap

    lid = next(lid for lid, layer in bundle.catalogue.items() if layer.geometry == "polygon")
    frame = bundle.layers[lid].copy()
    sited = mapper.enrich.has_site(frame)
    detailed = shapely.buffer(frame.geometry[sited].to_numpy(), 0.05, quad_segs=16)  # ~70 vertices each
    frame.loc[sited, frame.geometry.name] = detailed
    big = mapper.Bundle(bundle.catalogue, {**bundle.layers, lid: frame}, bundle.countries, bundle.report)
    monkeypatch.setattr(webmap, "SIMPLIFY_FROM", 0)  # the bundled layer stands in for a big one
    return big, lid, frame[sited].iloc[0]


def _vertices(lid: str) -> str:
    """JavaScript: the vertices the runtime draws for layer ``lid``."""
    return f"""() => {{ const e = window.MapperRuntime.map._mapper.layers[{json.dumps(lid)}];
        const n = (ll) => Array.isArray(ll) ? ll.reduce((s, x) => s + n(x), 0) : 1;
        return Object.values(e.byIndex).reduce((s, l) => s + n(l.getLatLngs()), 0); }}"""


def _band(lid: str) -> str:
    """JavaScript: whether the map is ready and draws layer ``lid`` from band ``want``."""
    return f"""(want) => {{ const c = document.querySelector('.leaflet-container');
        return c.getAttribute('data-mapper-ready') === '1' &&
            JSON.parse(c.getAttribute('data-mapper-bands') || '{{}}')[{json.dumps(lid)}] === want; }}"""


def test_a_big_polygon_layer_draws_simplified_when_zoomed_out_and_exact_when_zoomed_in(
    browser, bundle: mapper.Bundle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Zoomed out, a big polygon layer draws simplified outlines (fewer vertices); zoomed in,
    the exact ones; a popup opened on a simplified outline shows the record itself."""
    from mapper.viewstate import MapView

    big, lid, record = _big_polygons(bundle, monkeypatch)
    frame = big.layers[lid]
    detailed = frame.geometry[mapper.enrich.has_site(frame)].to_numpy()
    selection = select(big, mapper.FilterState(layers=(lid,)))
    centre = record.geometry.centroid
    path = tmp_path / "map.html"
    path.write_text(standalone_html(selection, view=MapView((centre.y, centre.x), 8)), encoding="utf-8")
    vertices, band = _vertices(lid), _band(lid)
    session = Session(browser)
    try:
        page = session.page
        page.goto(path.as_uri())
        page.wait_for_function(band, arg=10)  # zoom 8 draws the band simplified for zooms 8-10
        zoomed_out = page.evaluate(vertices)
        page.evaluate("() => window.MapperRuntime.map.setZoom(12, { animate: false })")
        page.wait_for_function(band, arg="exact")
        exact = page.evaluate(vertices)
        rings = len(detailed) + int(shapely.get_num_interior_rings(detailed).sum())
        assert exact == int(shapely.get_num_coordinates(detailed).sum()) - rings  # Leaflet drops closing vertices
        assert zoomed_out < exact / 3
        page.evaluate("() => window.MapperRuntime.map.setZoom(8, { animate: false })")
        page.wait_for_function(band, arg=10)
        assert page.evaluate(vertices) == zoomed_out
        page.evaluate(
            f"() => window.MapperRuntime.map._mapper.layers[{json.dumps(lid)}].byIndex[{int(record.name)}].openPopup()"
        )
        page.locator(".leaflet-popup-content h4").filter(
            has_text=str(record[bundle.catalogue[lid].label_field])
        ).wait_for()
        assert session.blocked == []
        assert session.errors == []
    finally:
        session.close()


def _served_page(tmp_path: Path, bundle: mapper.Bundle, lid: str, view: dict) -> tuple[dict[str, str], object]:
    """A page with the live map as the app builds it (runtime and documents fetched by URL,
    from a local HTTP server), showing layer ``lid``: the documents' URLs and the server
    (shut it down after)."""
    import functools
    import http.server
    import threading

    from mapper.assets import install_static
    from mapper.webmap import MapAssets, map_payload, payload_group, web_map

    site = tmp_path / "site"
    install_static(site / "static")
    assets = MapAssets(bundle)
    urls = assets.publish(site / "static", "/static")
    payload = map_payload(select(bundle, mapper.FilterState(layers=(lid,))), assets, urls, view=view)
    page_map = web_map(asset_base_url="/static")
    page_map.add_child(payload_group(payload))
    (site / "index.html").write_text(page_map.get_root().render(), encoding="utf-8")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return urls, httpd


def _sited_points(
    browser, bundle: mapper.Bundle, tmp_path: Path, *, start: float, step: float
) -> tuple[Session, object, str, object]:
    """The live map as the app serves it, showing the first point layer with every record at a
    site on latitude 15° (record k at ``start + k * step`` degrees east), once drawn: the
    browser session, the HTTP server (shut both down after), the layer's id and its frame."""
    lid = next(lid for lid, layer in bundle.catalogue.items() if layer.geometry == "point")
    frame = bundle.layers[lid].copy()
    frame[frame.geometry.name] = shapely.points(start + np.arange(len(frame)) * step, 15.0)
    sited = mapper.Bundle(bundle.catalogue, {**bundle.layers, lid: frame}, bundle.countries, bundle.report)
    centre = [15.0, start + len(frame) * step / 2]
    _, httpd = _served_page(tmp_path, sited, lid, {"seq": 1, "center": centre, "zoom": 5})
    session = Session(browser)
    try:
        session.page.goto(f"http://127.0.0.1:{httpd.server_address[1]}/index.html")
        session.page.wait_for_function(
            "(lid) => { const c = document.querySelector('.leaflet-container'); return c && "
            "c.getAttribute('data-mapper-ready') === '1' && "
            "JSON.parse(c.getAttribute('data-mapper-shown'))[lid] > 0; }",
            arg=lid,
        )
    except BaseException:
        session.close()
        httpd.shutdown()
        httpd.server_close()
        raise
    return session, httpd, lid, frame


def test_a_clicked_point_reports_its_records_id(browser, bundle: mapper.Bundle, tmp_path: Path) -> None:
    """Point layers are sent compact (no GeoJSON per point); what a click reports to the app
    (``toGeoJSON()``, read by streamlit-folium) still names the record, for the details panel."""
    session, httpd, lid, frame = _sited_points(browser, bundle, tmp_path, start=105.0, step=0.5)
    try:
        page = session.page
        reported = page.evaluate(
            """(lid) => Object.values(window.MapperRuntime.map._mapper.layers[lid].visible).map((l) => {
                const f = l.toGeoJSON(); return [f.properties.id, f.geometry.coordinates]; })""",
            arg=lid,
        )
        xs = 105.0 + np.arange(len(frame)) * 0.5
        expected = {i: (x, 15.0) for i, x in zip(frame["id"].astype(str), xs, strict=True)}
        assert {i: tuple(xy) for i, xy in reported} == expected
        assert session.errors == []
    finally:
        session.close()
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def big_point_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the catalogue with a new point layer (test_no_code_layers' power-plant
    fixture schema and spec) of 3,200 fixture points on a grid inland in Thailand: over
    ``CANVAS_FROM``, so the app draws it as a point cloud. Test data, not real plants."""
    import textwrap

    from test_no_code_layers import PLANT_SCHEMA, PLANT_SPEC, _point

    from mapper.webmap import CANVAS_FROM

    root = tmp_path_factory.mktemp("big")
    shutil.copytree(REPO / "layers", root / "layers")
    shutil.copytree(REPO / "geodata", root / "geodata")
    (root / "layers" / "schemas" / "test_plant.toml").write_text(textwrap.dedent(PLANT_SCHEMA), encoding="utf-8")
    (root / "layers" / "test_plants.toml").write_text(textwrap.dedent(PLANT_SPEC), encoding="utf-8")
    fuels = ("gas", "solar", "hydro")
    plants = [
        _point(
            f"p-{k}",
            f"Fixture plant {k}",
            fuels[k % 3],
            10.0,
            2015,
            "THA",
            100.0 + (k % 80) * 0.025,
            14.5 + (k // 80) * 0.04,
        )
        for k in range(3200)
    ]
    assert len(plants) > CANVAS_FROM
    (root / "geodata" / "test_plants.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": plants}), encoding="utf-8"
    )
    return root


def test_a_big_point_layer_in_the_app_filter_then_pan_then_click_shows_the_record(
    browser, big_point_root: Path, tmp_path: Path
) -> None:
    """The journey on a layer drawn as a point cloud, in the app: filter it in the sidebar
    (the cloud shows the kept points, in the same map), pan, then click a point where it now
    is: the Details panel shows that one record, and its popup opens."""
    env = {"MAPPER_HOME": str(big_point_root), "MAPPER_CACHE_DIR": str(tmp_path / "cache")}
    with serve_app(REPO, env=env, log=tmp_path / "streamlit.log") as url:
        user = Session(browser)
        try:
            user.page.goto(f"{url}/?layers=test_plants&lat=15.3&lon=101.0&zoom=7")
            user.wait_map("shown['test_plants'] === 3200")
            user.wait_idle()
            user.mark_container()
            user.pick("Fuel", "solar")
            user.wait_map("shown['test_plants'] === 1067")  # every third of 3,200 from the second
            user.wait_idle()
            user.frame().locator("body").evaluate("() => window.map.panBy([-120, 60], { animate: false })")
            user.wait_settled()
            target = (
                user.frame()
                .locator("body")
                .evaluate(
                    """() => { const map = window.map, cloud = map._mapper.layers.test_plants.cloud;
                    const size = map.getSize();
                    for (let k = 0; k < cloud._sites.n; k += 1) {
                        const s = cloud.site(k), p = map.latLngToContainerPoint([s.lat, s.lng]);
                        if (s.shown && p.x > 200 && p.y > 150 && p.x < size.x - 200 && p.y < size.y - 150)
                            return { x: p.x, y: p.y, id: s.id };
                    } return null; }"""
                )
            )
            assert target is not None, "no solar plant in view after the pan"
            box = user.page.locator(FRAME).bounding_box()
            user.page.mouse.click(box["x"] + target["x"], box["y"] + target["y"])
            user.page.get_by_text("Test plants: 1 record", exact=True).wait_for()
            user.frame().locator(".leaflet-popup-content h4").wait_for()
            assert user.container_kept()
            assert user.page.get_by_test_id("stException").count() == 0
            assert user.errors == []
        finally:
            user.close()


def test_packed_integers_read_back_the_same_in_the_map_runtime(browser) -> None:
    """The runtime's own ``unpack`` (in Chromium) reads every packed case (empty, one, each
    type's limits, negatives) as Python packed it."""
    from test_webmap import PACK_CASES

    from mapper import webmap
    from mapper.assets import runtime_path

    packed = [webmap._packed(np.array(case, dtype=np.int64)) for case in PACK_CASES]
    source = runtime_path().read_text(encoding="utf-8")
    start = source.index("  var TYPED = ")
    stop = source.index("  // the text of record j in an encoded column")
    page = browser.new_page()
    try:
        read = page.evaluate(
            "(cases) => { " + source[start:stop] + " return cases.map((p) => Array.from(unpack(p))); }", packed
        )
    finally:
        page.close()
    assert read == PACK_CASES


#: JS: the RGBA painted on the point layers' canvas at a latitude/longitude (``map`` in scope;
#: call after two animation frames: Leaflet draws the canvas at the next one).
_PAINTED_AT = """(ll) => {
    const canvas = map.getPane('mapper-point').querySelector('canvas');
    const box = canvas.getBoundingClientRect(), scale = canvas.width / box.width;
    const frame = map.getContainer().getBoundingClientRect(), p = map.latLngToContainerPoint(ll);
    return Array.from(canvas.getContext('2d').getImageData(
        Math.round((p.x + frame.left - box.left) * scale), Math.round((p.y + frame.top - box.top) * scale), 1, 1).data);
}"""


def test_a_big_point_layer_is_drawn_on_canvas_and_answers_the_pointer(
    browser, bundle: mapper.Bundle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A point layer past ``CANVAS_FROM`` is one layer on a canvas (no Leaflet object per
    point; each circle stamped from one image per colour): every shown site is painted in its
    colour, nothing between them; the pointer over a site shows that record's tooltip, a click
    reports its id (``toGeoJSON``, as streamlit-folium reads it) and opens its popup."""
    from mapper import webmap

    monkeypatch.setattr(webmap, "CANVAS_FROM", 0)  # the bundled layers are small: draw one on canvas
    session, httpd, lid, _ = _sited_points(browser, bundle, tmp_path, start=100.0, step=0.8)  # apart on screen
    try:
        page = session.page
        # the colour painted at each site and half-way to the next one (RGBA, page pixels)
        painted = page.evaluate(
            """async (lid) => {
                await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
                const map = window.MapperRuntime.map, entry = map._mapper.layers[lid];
                const at = """
            + _PAINTED_AT
            + """;
                const cloud = entry.cloud, sites = [];
                for (let k = 0; k < cloud._sites.n; k += 1) {
                    const site = cloud.site(k);
                    if (site.shown) sites.push({ id: site.id, fill: entry.data.palette[site.c],
                        site: at([site.lat, site.lng]), between: at([site.lat, site.lng + 0.4]) });
                }
                return sites;
            }""",
            arg=lid,
        )
        assert painted, "no site drawn"
        rgb = {p["id"]: tuple(int(p["fill"][k : k + 2], 16) for k in (1, 3, 5)) for p in painted}
        off = {p["id"]: max(abs(a - b) for a, b in zip(p["site"][:3], rgb[p["id"]], strict=True)) for p in painted}
        wrong = [i for i, d in off.items() if d > 8]
        smudged = [p["id"] for p in painted if p["between"][3] != 0]
        assert wrong == []
        assert smudged == []
        # the pointer over the second site: its tooltip; a click: its id reported, its popup
        page.evaluate(
            "(lid) => { window.__clicked = null; window.MapperRuntime.map._mapper.layers[lid].shown.on("
            "'click', (e) => { window.__clicked = e.layer.toGeoJSON(); }); }",
            arg=lid,
        )

        def point_at(k: int) -> dict:
            """Where site ``k`` is on the page now, its id and its tooltip's heading."""
            return page.evaluate(
                """([lid, k]) => { const map = window.MapperRuntime.map, entry = map._mapper.layers[lid];
                    const site = entry.cloud.site(k), p = map.latLngToContainerPoint([site.lat, site.lng]);
                    const box = map.getContainer().getBoundingClientRect();
                    return { x: box.left + p.x, y: box.top + p.y, id: site.id, label: entry.data.labels[site.i] }; }""",
                [lid, k],
            )

        def hover(target: dict) -> None:
            tip = page.locator(".leaflet-tooltip .mapper-tip b").filter(has_text=target["label"])
            page.mouse.move(target["x"] - 30, target["y"] - 30)
            for step in range(40):  # Leaflet reads the pointer at most every 32 ms: move until it has
                page.mouse.move(target["x"] + step % 2, target["y"])
                if tip.count():
                    break
                page.wait_for_timeout(50)
            tip.wait_for()

        target = point_at(1)
        hover(target)
        page.mouse.click(target["x"], target["y"])
        page.wait_for_function("() => window.__clicked !== null")
        assert page.evaluate("() => window.__clicked.properties.id") == target["id"]
        page.locator(".leaflet-popup-content h4").filter(has_text=target["label"]).wait_for()
        # after the map moves (pan, then zoom in), the pointer still finds the point where it now is
        page.keyboard.press("Escape")
        page.evaluate(
            "() => { const m = window.MapperRuntime.map; m.closePopup(); m.panBy([-150, 40], { animate: false }); }"
        )
        page.evaluate("() => window.MapperRuntime.map.setZoom(6, { animate: false })")
        moved = point_at(2)
        assert (moved["x"], moved["y"]) != (target["x"], target["y"])
        hover(moved)
        assert session.errors == []
    finally:
        session.close()
        httpd.shutdown()
        httpd.server_close()


def test_a_years_colour_change_repaints_a_point_of_a_big_layer(
    browser, bundle: mapper.Bundle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As of a year, a record whose status then differs is drawn in that status's colour: on
    the point cloud too (its colours follow the payload's year changes, by record), and back
    in today's colour when the year is turned off, in the same map."""
    from mapper import webmap

    monkeypatch.setattr(webmap, "CANVAS_FROM", 0)
    session, httpd, lid, _ = _sited_points(browser, bundle, tmp_path, start=100.0, step=0.8)
    colour = (
        """async ([lid, asof]) => {
            const map = window.MapperRuntime.map, entry = map._mapper.layers[lid];
            if (asof !== null) {  // the payload again, with this year's changes
                const payload = JSON.parse(JSON.stringify(map._mapper.lastPayload));
                payload.layers.forEach((spec) => { if (spec.id === lid) spec.asof = asof; });
                window.MapperRuntime.update(payload, map);
            }
            await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
            const at = """
        + _PAINTED_AT
        + """;
            const site = entry.cloud.site(1);
            return { record: site.i, rgb: at([site.lat, site.lng]).slice(0, 3),
                     today: entry.data.palette[site.c] };
        }"""
    )
    try:
        page = session.page
        before = page.evaluate(colour, [lid, None])
        then = page.evaluate(colour, [lid, [{"i": before["record"], "color": "#ff00ff"}]])
        after = page.evaluate(colour, [lid, []])
        rgb = tuple(int(before["today"][k : k + 2], 16) for k in (1, 3, 5))
        assert max(abs(a - b) for a, b in zip(before["rgb"], rgb, strict=True)) <= 8
        assert max(abs(a - b) for a, b in zip(then["rgb"], (255, 0, 255), strict=True)) <= 8
        assert after["rgb"] == before["rgb"]
        assert session.errors == []
    finally:
        session.close()
        httpd.shutdown()
        httpd.server_close()


def test_the_app_fetches_the_exact_geometry_only_past_the_last_band(
    browser, bundle: mapper.Bundle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Published as the app publishes them (static documents the runtime fetches by URL), a
    big polygon layer's exact geometry is a document of its own: not fetched while the map
    draws a simplified band, fetched once when the map zooms in past the last band, then
    drawn (every vertex)."""
    big, lid, record = _big_polygons(bundle, monkeypatch)
    frame = big.layers[lid]
    detailed = frame.geometry[mapper.enrich.has_site(frame)].to_numpy()
    centre = record.geometry.centroid
    urls, httpd = _served_page(tmp_path, big, lid, {"seq": 1, "center": [centre.y, centre.x], "zoom": 8})
    session = Session(browser)
    fetched: list[str] = []
    session.page.on("request", lambda r: fetched.append(urllib.parse.urlsplit(r.url).path))
    try:
        page = session.page
        page.goto(f"http://127.0.0.1:{httpd.server_address[1]}/index.html")
        band, vertices = _band(lid), _vertices(lid)
        page.wait_for_function(band, arg=10)  # zoom 8: the band simplified for zooms 8-10
        detail = [u for u in fetched if "-detail-" in u]
        assert urls[lid] in fetched  # the layer document came by URL, as in the app
        assert detail == []  # the exact geometry is not fetched at zoom 8
        page.evaluate("() => window.MapperRuntime.map.setZoom(11, { animate: false })")
        page.wait_for_function(band, arg="exact")
        detail = [u for u in fetched if "-detail-" in u]
        assert len(detail) == 1
        assert detail[0].startswith("/static/data/")
        rings = len(detailed) + int(shapely.get_num_interior_rings(detailed).sum())
        assert page.evaluate(vertices) == int(shapely.get_num_coordinates(detailed).sum()) - rings
        page.evaluate("() => window.MapperRuntime.map.setZoom(8, { animate: false })")
        page.wait_for_function(band, arg=10)
        page.evaluate("() => window.MapperRuntime.map.setZoom(12, { animate: false })")
        page.wait_for_function(band, arg="exact")
        assert [u for u in fetched if "-detail-" in u] == detail  # fetched once, kept
        assert session.blocked == []
        assert session.errors == []
    finally:
        session.close()
        httpd.shutdown()
        httpd.server_close()


# ---- your own data: upload, map, filter, export, restart, find it again -----------------------
UPLOAD_CSV = (
    "name,longitude,latitude,country,technology,year,capacity_mw\n"
    "Nam Theun site survey,104.98,17.59,Lao PDR,hydro,2024,1070\n"
    "Ninh Thuan solar pilot,108.99,11.56,Viet Nam,solar,2025,50\n"
    f'"{EVIL}",100.50,13.75,Thailand,wind,2023,12\n'
    "no place at all,,,Narnia,grid,2022,\n"
)


def test_upload_map_filter_export_restart_and_find_it_again(browser, tmp_path: Path) -> None:
    """An officer uploads a CSV into a new workspace, maps it, filters it, exports it as
    GeoJSON and saves the view; the server restarts; the saved view's link opens the same
    records. The hostile name stays text; the bad row is set aside and downloadable."""
    from mapper.userlayers import layer_id

    data_dir = tmp_path / "data"
    upload = tmp_path / "案件 sites.csv"
    upload.write_bytes(UPLOAD_CSV.encode("utf-8"))
    lid = layer_id(upload.name)
    env = {"MAPPER_DATA_DIR": str(data_dir)}
    with serve_app(REPO, env=env, log=tmp_path / "first.log") as url:
        user = Session(browser)
        try:
            page = user.page
            page.goto(f"{url}/your_data")
            page.get_by_role("button", name="New workspace").click()
            page.get_by_label("Name", exact=True).fill("Mekong pipeline メコン")
            page.get_by_role("button", name="Create", exact=True).click()
            page.get_by_role("heading", name="Add a file").wait_for()
            page.locator("input[type='file']").set_input_files(str(upload))
            page.get_by_text("set aside", exact=False).first.wait_for()
            main = page.get_by_test_id("stMain")
            assert "1 set aside" in main.inner_text()
            with page.expect_download() as rejected:
                page.get_by_role("button", name=re.compile("rows set aside")).click()
            assert "Narnia" in Path(rejected.value.path()).read_text(encoding="utf-8-sig")
            page.get_by_role("button", name="Add to map").click()
            user.wait_map(f"shown['{lid}'] === 3")
            user.wait_idle()
            assert "案件 sites" in user.container().locator(".mapper-legend").inner_text()

            sidebar = page.get_by_test_id("stSidebar")
            box = sidebar.get_by_label("Search names and descriptions", exact=True)
            box.fill("Nam Theun")
            box.press("Enter")
            user.wait_map(f"shown['{lid}'] === 1")
            query = user.wait_url(lambda q: q.get("search") == "Nam Theun" and "ws" in q)
            user.wait_idle()

            user.go("Export & snapshots")
            page.get_by_role("button", name="Prepare GeoJSON (RFC 7946)").click()
            ready = page.get_by_test_id("stDownloadButton").filter(has_text="GeoJSON")
            ready.wait_for()
            with page.expect_download() as download:
                ready.click()
            exported = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
            names = [f["properties"].get("name") for f in exported["features"]]
            assert "Nam Theun site survey" in names
            assert not any(n == "Ninh Thuan solar pilot" for n in names)  # filtered out

            user.go("Your data")
            page.get_by_label("Name of the current view", exact=True).fill("Nam Theun")
            page.get_by_role("button", name="Save the current view").click()
            link = page.get_by_test_id("stCode").first
            link.wait_for()
            saved_link = link.inner_text().strip()
            assert _query(saved_link)["ws"] == query["ws"]
            assert EVIL not in page.get_by_test_id("stMain").inner_html()  # shown as text, never markup
            assert user.dialogs == []
            assert user.blocked == []
        finally:
            user.close()

    with serve_app(REPO, env=env, log=tmp_path / "second.log") as url:  # the server restarted
        colleague = Session(browser)
        try:
            parts = urllib.parse.urlsplit(saved_link)
            colleague.page.goto(f"{url}{parts.path}?{parts.query}")  # same deployment, new port
            colleague.wait_map(f"shown['{lid}'] === 1")
            colleague.wait_idle()
            after = colleague.wait_url(lambda q: q.get("ws") == query["ws"])
            assert after.get("search") == "Nam Theun"
            assert colleague.page.get_by_test_id("stException").count() == 0
            # a deleted or mistyped workspace id: a notice, the map still works
            colleague.page.goto(f"{url}/?ws=0123456789abcdef&countries=LAO")
            colleague.wait_map()
            colleague.page.get_by_text("was not found").first.wait_for()
            assert colleague.dialogs == []
            assert colleague.errors == []
        finally:
            colleague.close()

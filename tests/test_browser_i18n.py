"""Real-browser journeys in two languages and through the years (headless Chromium, network
cut): a Japanese browser gets every page in Japanese with no English UI string from the
catalogue left (and an English one no Japanese), and the year control changes what the map
draws, in the app (the link restores it) and in the exported HTML map."""

from __future__ import annotations

import json
import re
import urllib.parse
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from test_browser import FRAME, REPO, Session, browser, data_root, server  # noqa: F401 (shared fixtures)

import mapper
from mapper.assets import language_switch_font_name
from mapper.enrich import has_site
from mapper.i18n import po_path, translator
from mapper.query import FilterState
from mapper.selection import select
from mapper.webmap import standalone_html

pytestmark = pytest.mark.browser

_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
PAGES_JA = ("国・地域", "エクスポート・地図画像", "データと出典", "地図")
PAGES_EN = ("Countries", "Export & snapshots", "Data & sources", "Map")


def _english_messages() -> set[str]:
    """English UI strings whose Japanese differs (a Japanese page must show none of them)."""
    with po_path("ja", "messages").open("rb") as handle:
        catalog = read_po(handle, locale="ja")
    out = set()
    for m in catalog:
        english = m.id if isinstance(m.id, str) else m.id[0] if m.id else ""
        text = m.string if isinstance(m.string, str) else m.string[0]
        if english and text != english and "{" not in english and "**" not in english and len(english) > 3:
            out.add(english)
    return out


def _page_text(user: Session) -> str:
    """What the page shows: the sidebar, the main area and the map's legend."""
    text = user.page.get_by_test_id("stSidebar").inner_text() + "\n" + user.page.get_by_test_id("stMain").inner_text()
    icons = set(user.page.get_by_test_id("stIconMaterial").all_inner_texts())  # drawn as symbols, not words
    text = "\n".join(line for line in text.splitlines() if line.strip() not in icons)
    if user.page.locator(FRAME).count():
        user.wait_map("c.querySelector('.mapper-legend') !== null")
        text += "\n" + user.container().locator(".mapper-legend").inner_text()
    return text


def _walk(user: Session, titles: tuple[str, ...]) -> dict[str, str]:
    texts = {}
    for title in titles:
        user.go(title)
        user.page.get_by_role("heading", level=1).first.wait_for()
        if title in ("地図", "Map"):
            user.wait_map()
        user.wait_idle()
        texts[title] = _page_text(user)
    return texts


def _found(english: set[str], text: str) -> list[str]:
    return sorted(m for m in english if re.search(rf"(?<![\w-]){re.escape(m)}(?![\w-])", text))


@pytest.fixture
def japanese_user(browser) -> Session:  # noqa: F811
    session = Session(browser, locale="ja-JP")
    yield session
    session.close()


@pytest.fixture
def english_user(browser) -> Session:  # noqa: F811
    session = Session(browser, locale="en-US")
    yield session
    session.close()


def _open_html(session: Session, path: Path) -> None:
    """Open an exported HTML map from disk and wait until its runtime has drawn it."""
    session.page.goto(path.as_uri())
    session.page.wait_for_function(
        "() => document.querySelector('.leaflet-container')?.getAttribute('data-mapper-ready') === '1'"
    )


def test_a_japanese_browser_gets_every_page_in_japanese(server: str, japanese_user: Session) -> None:  # noqa: F811
    user = japanese_user
    user.page.goto(server)  # no lang in the link: the browser's locale decides
    user.wait_map()
    user.wait_idle()
    assert user.wait_url(lambda q: q.get("lang") == "ja")["lang"] == "ja"
    user.page.get_by_text("表示中のレコード", exact=True).click()  # the records tables open on demand
    user.page.get_by_role("tab").first.wait_for()
    user.wait_idle()
    texts = {"地図": _page_text(user), **_walk(user, PAGES_JA)}
    english = _english_messages()
    left = {title: _found(english, text) for title, text in texts.items()}
    assert left == {key: [] for key in texts}
    assert "凡例" in texts["地図"]
    assert "洋上風力発電の区域" in texts["地図"]
    assert "国・地域：目標とパートナーシップ" in texts["国・地域"]
    assert user.page.get_by_test_id("stException").count() == 0
    assert user.blocked == []
    assert user.errors == []


def test_an_english_browser_gets_no_japanese_ui_text(server: str, english_user: Session) -> None:  # noqa: F811
    user = english_user
    user.page.goto(server)
    user.wait_map()
    user.wait_idle()
    # the control's Japanese comes from its 1 kB font: the English map page never fetches the
    # 6 MB one. (Other pages may: their tables show data text, such as Japanese publishers'
    # titles, drawn on a canvas with the page's fonts, so the full font is fetched then.)
    fetched = user.page.evaluate("() => performance.getEntriesByType('resource').map(e => e.name)")
    assert [url for url in fetched if url.endswith("ipaexg.ttf")] == []
    if not _machine_has_japanese_font():
        assert [url for url in fetched if language_switch_font_name() in url]
    texts = {"Map": _page_text(user), **_walk(user, PAGES_EN)}
    allowed = {"言語"}  # the language control names itself in both languages ("Language / 言語")
    left = {title: sorted(set(_JAPANESE.findall(text)) - set("".join(allowed))) for title, text in texts.items()}
    assert left == {key: [] for key in texts}
    assert user.errors == []


_UPLOADER_TEXTS = """() => [...document.querySelectorAll("[data-testid='stFileUploaderDropzone']")].map(zone => [
    getComputedStyle(zone.querySelector("button [data-testid='stMarkdownContainer'] p"), "::after").content,
    getComputedStyle(zone.querySelector("[data-testid='stFileUploaderDropzoneInstructions'] span"), "::after").content,
])"""


def test_the_file_uploader_speaks_the_pages_language(server: str, japanese_user: Session) -> None:  # noqa: F811
    """Streamlit writes the uploader's button and size limit in English only: the page puts
    its own texts there, in Japanese for a Japanese page. The style doing it is on every page
    (here the Map page) before an uploader is: written with the uploader, it came after it,
    and a page switch showed Streamlit's English for a moment, seconds on a busy machine."""
    user = japanese_user
    user.page.goto(f"{server}/?lang=ja")
    user.wait_map()
    user.wait_idle()
    styled = "() => [...document.querySelectorAll('style')].some(s => s.textContent.includes('.st-key-u_file'))"
    assert user.page.evaluate(styled)
    user.go("データと出典")
    user.page.get_by_test_id("stFileUploaderDropzone").first.wait_for()
    shown = user.page.evaluate(_UPLOADER_TEXTS)
    assert shown == [['"アップロード"', '"1ファイル200 MBまで：GEOJSON, JSON, GPKG, PARQUET, CSV"']]
    assert user.errors == []


def test_the_first_english_visitor_after_the_server_starts_gets_no_japanese_font(
    browser,  # noqa: F811
    data_root: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The first visit after the server starts waits for the bundle to load (seconds, cold
    disk cache) under a spinner: in the visitor's language only, so an English page still
    never fetches the 6 MB Japanese font (a bilingual spinner did: CI failed on it when this
    module's first test was the English one)."""
    from mapper._serve import serve_app

    env = {"MAPPER_HOME": str(data_root), "MAPPER_CACHE_DIR": str(tmp_path / "cache")}
    with serve_app(REPO, env=env, log=tmp_path / "streamlit.log") as url:
        user = Session(browser, locale="en-US")
        try:
            user.page.goto(url)
            user.wait_map()
            user.wait_idle()
            fetched = user.page.evaluate("() => performance.getEntriesByType('resource').map(e => e.name)")
            assert [u for u in fetched if u.endswith("ipaexg.ttf")] == []
            assert user.errors == []
        finally:
            user.close()


def test_switching_to_japanese_in_the_sidebar_and_sharing_the_link(server: str, browser, english_user) -> None:  # noqa: F811
    user = english_user
    user.page.goto(server)
    user.wait_map()
    user.wait_idle()
    user.mark_container()
    user.pick("Language / 言語", "日本語")
    user.wait_url(lambda q: q.get("lang") == "ja")
    user.page.get_by_role("heading", name="インド太平洋のクリーンエネルギー・パートナーシップ").wait_for()
    user.wait_map("c.querySelector('.mapper-legend') !== null")
    user.wait_idle()
    assert "凡例" in user.container().locator(".mapper-legend").inner_text()
    assert user.container_kept()  # the map was restyled in place, not rebuilt
    fresh = Session(browser, locale="en-US")  # an English colleague opens the link
    try:
        fresh.page.goto(user.page.url)
        fresh.page.get_by_role("heading", name="インド太平洋のクリーンエネルギー・パートナーシップ").wait_for()
        fresh.wait_map()
        assert fresh.errors == []
    finally:
        fresh.close()


def _sited(selection) -> dict[str, int]:
    return {lid: int(has_site(f).sum()) for lid, f in selection.frames.items()}


def _shows(expected: dict[str, int]) -> str:
    """A JS condition over ``shown``: exactly these counts per layer (in any key order)."""
    want = json.dumps(expected)
    return (
        f"(() => {{ const want = {want}; const keys = Object.keys(want);"
        " return keys.length === Object.keys(shown).length && keys.every(k => shown[k] === want[k]); })()"
    )


_SAME = (
    "(want) => { const shown = JSON.parse(document.querySelector('.leaflet-container')"
    ".getAttribute('data-mapper-shown') || '{}'); const keys = Object.keys(want);"
    " return keys.length === Object.keys(shown).length && keys.every(k => shown[k] === want[k]); }"
)


def test_the_year_control_changes_what_is_drawn_and_the_link_restores_it(
    server: str,  # noqa: F811
    browser,  # noqa: F811
    data_root: Path,  # noqa: F811
    japanese_user: Session,
) -> None:
    served = mapper.load_bundle(layers_dir=data_root / "layers")
    user = japanese_user
    user.page.goto(f"{server}/?lang=ja")
    user.wait_map()
    user.wait_idle()
    everything = user.shown()
    assert everything == _sited(select(served))
    sidebar = user.page.get_by_test_id("stSidebar")
    sidebar.get_by_text("特定の年の時点で表示", exact=True).click()
    last = user.wait_url(lambda q: "as_of_year" in q)["as_of_year"]
    user.wait_idle()
    slider = sidebar.get_by_role("slider", name="表示する年")
    slider.focus()
    user.page.keyboard.press("Home")  # the first year of the data
    first = str(min(int(v) for v in served.layers["wind_zones"]["year"].dropna()))
    user.wait_url(lambda q: q.get("as_of_year") not in (None, last))
    year = int(user.wait_url(lambda q: "as_of_year" in q)["as_of_year"])
    expected = _sited(select(served, FilterState(as_of_year=year)))
    user.wait_map(_shows(expected))
    assert user.shown() != everything
    assert year <= int(first)
    user.wait_idle()
    link = user.page.url
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(link).query)["as_of_year"] == [str(year)]
    fresh = Session(browser, locale="ja-JP")
    try:
        fresh.page.goto(link)
        fresh.wait_map(_shows(expected))
        fresh.wait_idle()
        thumbs = fresh.page.get_by_test_id("stSidebar").get_by_test_id("stSliderThumbValue").all_inner_texts()
        assert str(year) in thumbs  # the year control shows the linked year
        assert fresh.errors == []
    finally:
        fresh.close()
    assert user.errors == []


def test_the_html_map_in_japanese_has_a_year_slider_that_changes_what_is_drawn(
    browser,  # noqa: F811
    bundle: mapper.Bundle,
    tmp_path: Path,
) -> None:
    path = tmp_path / "map.html"
    selection = select(bundle, FilterState(as_of_year=2024))
    path.write_text(standalone_html(selection, lang="ja"), encoding="utf-8")
    session = Session(browser)
    try:
        page = session.page
        _open_html(session, path)
        shown = json.loads(page.locator(".leaflet-container").get_attribute("data-mapper-shown"))
        assert shown == _sited(selection)  # opens "as of 2024"
        control = page.locator(".mapper-time")
        assert "再生" in control.inner_text()
        assert "2024" in control.inner_text()
        assert "凡例" in page.locator(".mapper-legend").inner_text()
        assert translator("ja").data("Offshore wind zones") in page.locator(".mapper-legend").inner_text()
        # the viewer moves the slider back to the first year
        control.locator("input[type=range]").focus()
        page.keyboard.press("Home")
        first = int(control.locator("input[type=range]").get_attribute("min"))
        expected = _sited(select(bundle, FilterState(as_of_year=first)))
        page.wait_for_function(_SAME, arg=expected)
        assert page.locator(".leaflet-container").get_attribute("data-mapper-year") == str(first)
        # "all years" shows every record of the filter again
        control.get_by_text("全期間").click()
        expected = _sited(select(bundle))
        page.wait_for_function(_SAME, arg=expected)
        assert session.blocked == []
        assert session.errors == []
    finally:
        session.close()


_BADGE_TIP = """(id) => {
    const map = window.MapperRuntime.map;
    let found = null;
    Object.values(map._mapper.layers).forEach((entry) => entry.badges.eachLayer((b) => {
        if (b.feature.properties.id === id) found = b;
    }));
    if (!found) return null;
    found.openTooltip(found.getLatLng());
    const text = found.getTooltip().getElement().innerText;
    found.closeTooltip();
    return text;
}"""


def _badge_members(bundle: mapper.Bundle, layer: str, iso3: str, year: int | None) -> int:
    frame = select(bundle, FilterState(layers=(layer,), as_of_year=year)).frames[layer]
    return int(((frame["country"] == iso3) & ~has_site(frame)).sum())


def test_the_html_maps_country_badge_counts_follow_the_year_slider(
    browser,  # noqa: F811
    bundle: mapper.Bundle,
    tmp_path: Path,
) -> None:
    """A viewer moves the exported map's year slider: a country's badge says how many of its
    country-level records are active in that year (not the all-years count), in either language."""
    first_year = int(select(bundle, FilterState(layers=("jumpp",))).frames["jumpp"]["year"].min())
    counts = {year: _badge_members(bundle, "jumpp", "KHM", year) for year in (first_year, 2019, 2020, None)}
    assert len(set(counts.values())) >= 3, counts  # the data makes the test meaningful
    for lang, one, many in (
        ("en", "1 country-level record of", "{n} country-level records of"),
        ("ja", "{n}件", "{n}件"),
    ):
        path = tmp_path / f"jumpp-{lang}.html"
        path.write_text(standalone_html(select(bundle, FilterState(layers=("jumpp",))), lang=lang), encoding="utf-8")
        session = Session(browser)
        try:
            page = session.page
            _open_html(session, path)
            control = page.locator(".mapper-time")
            for year, n in counts.items():
                if year is None:
                    control.locator("input[type=checkbox]").check()
                else:
                    control.locator("input[type=range]").fill(str(year))
                page.wait_for_function(
                    "(y) => document.querySelector('.leaflet-container').getAttribute('data-mapper-year') === y",
                    arg="" if year is None else str(year),
                )
                tip = page.evaluate(_BADGE_TIP, "jumpp:KHM")
                if n == 0:
                    assert tip is None, (year, tip)
                    continue
                wanted = (one if n == 1 else many).format(n=n)
                assert wanted in tip, (lang, year, n, tip)
                assert "\x01" not in tip
            assert session.errors == []
            assert session.blocked == []
        finally:
            session.close()


def test_the_japanese_html_map_draws_japanese_with_its_embedded_font_offline(
    browser,  # noqa: F811
    bundle: mapper.Bundle,
    tmp_path: Path,
) -> None:
    """This Chromium has no Japanese font at all: the page's own font must load from the file
    itself (the network is cut) and cover every Japanese character the page shows."""
    from mapper.fonts import WEB_FAMILY, is_cjk

    path = tmp_path / "map.html"
    path.write_text(standalone_html(select(bundle), lang="ja"), encoding="utf-8")
    session = Session(browser)
    try:
        page = session.page
        _open_html(session, path)
        shown = page.evaluate("() => document.body.innerText")
        japanese = "".join(sorted({c for c in shown if is_cjk(c)}))
        assert "凡例" in shown
        assert len(japanese) > 20
        loaded = page.evaluate(
            """async ([family, text]) => {
                const faces = await document.fonts.load(`16px "${family}"`, text);
                return {faces: faces.map((f) => [f.family, f.status]),
                        check: document.fonts.check(`16px "${family}"`, text)};
            }""",
            [WEB_FAMILY, japanese],
        )
        assert loaded["faces"] == [[f'"{WEB_FAMILY}"', "loaded"]] or loaded["faces"] == [[WEB_FAMILY, "loaded"]]
        assert loaded["check"] is True
        legend_font = page.locator(".mapper-legend").evaluate("(e) => getComputedStyle(e).fontFamily")
        assert WEB_FAMILY in legend_font
        assert session.blocked == []  # the font came from the page, not the network
        assert session.errors == []
    finally:
        session.close()


def _machine_has_japanese_font() -> bool:
    import shutil
    import subprocess

    if not shutil.which("fc-list"):
        return False
    return bool(subprocess.run(["fc-list", ":lang=ja"], capture_output=True, text=True).stdout.strip())


_DECLARED = "(doc) => [...doc.fonts].filter(f => f.family.includes('IPAexGothic')).length"
_LOADED = """(doc) => Promise.all([...doc.fonts].filter(f => f.family.includes('IPAexGothic')).map(
    f => f.loaded.then(() => f.status, () => 'error')))"""


def test_japanese_text_is_drawn_with_the_bundled_font_on_a_machine_without_one(
    server: str,  # noqa: F811
    japanese_user: Session,
) -> None:
    user = japanese_user
    user.page.goto(f"{server}/?lang=ja")
    user.wait_map()
    user.wait_idle()
    frame = f"document.querySelector('{FRAME}').contentDocument"
    # declared in the app's theme and in the live map (legend, tooltips, popups)
    assert user.page.evaluate(f"() => ({_DECLARED})(document)"), "the app declares no IPAexGothic font face"
    assert user.page.evaluate(f"() => ({_DECLARED})({frame})"), "the map declares no IPAexGothic font face"
    if not _machine_has_japanese_font():  # then the bundled font is what draws the Japanese text
        for doc in ("document", frame):
            assert user.page.evaluate(f"() => ({_LOADED})({doc})") == ["loaded"], doc
    assert user.blocked == []
    assert user.errors == []


_COLOUR = """([lid, i]) => {
    const entry = window.MapperRuntime.map._mapper.layers[lid];
    const shape = entry && entry.byIndex[i];
    return shape ? shape.options.fillColor || shape.options.color : null;
}"""


def _status_change(bundle: mapper.Bundle) -> tuple[int, int, str, str]:
    """``(year, record, colour then, colour today)`` of a drawn wind zone whose status in that
    year (its dated history) is drawn in another colour than today's."""
    layer = bundle.catalogue["wind_zones"]
    frame = bundle.layers["wind_zones"]
    sited = has_site(frame)
    for year in range(int(frame["year"].min()), 2027):
        then = select(bundle, FilterState(layers=("wind_zones",), as_of_year=year)).frames["wind_zones"]
        for i, status in then["status"].items():
            colours = layer.style.color_for(status), layer.style.color_for(frame.loc[i, "status"])
            if sited[i] and colours[0] != colours[1]:
                return year, int(i), *colours
    raise AssertionError("no wind zone has a dated status drawn in another colour")


def test_the_live_map_colours_a_record_by_its_status_in_the_year(
    server: str,  # noqa: F811
    data_root: Path,  # noqa: F811
    japanese_user: Session,
) -> None:
    """As of a year, a zone awarded since is drawn in the colour of its status then; turning
    the year off restores today's colour, in the same map (no rebuild)."""
    served = mapper.load_bundle(layers_dir=data_root / "layers")
    year, i, then, today = _status_change(served)
    user = japanese_user
    user.page.goto(f"{server}/?lang=ja&as_of_year={year}")
    user.wait_map()
    user.wait_idle()
    user.mark_container()
    user.frame().wait_for_function(f"(arg) => ({_COLOUR})(arg) === {json.dumps(then)}", arg=["wind_zones", i])
    user.page.get_by_test_id("stSidebar").get_by_text("特定の年の時点で表示", exact=True).click()
    user.wait_url(lambda q: "as_of_year" not in q)
    user.frame().wait_for_function(f"(arg) => ({_COLOUR})(arg) === {json.dumps(today)}", arg=["wind_zones", i])
    assert user.container_kept()
    assert user.errors == []


def test_the_html_maps_year_slider_colours_a_record_by_its_status_in_the_year(
    browser,  # noqa: F811
    bundle: mapper.Bundle,
    tmp_path: Path,
) -> None:
    year, i, then, today = _status_change(bundle)
    path = tmp_path / "map.html"
    path.write_text(standalone_html(select(bundle, FilterState(as_of_year=year))), encoding="utf-8")
    session = Session(browser)
    try:
        _open_html(session, path)
        assert session.page.evaluate(_COLOUR, ["wind_zones", i]) == then  # opens as of that year
        session.page.locator(".mapper-time").get_by_text("All years").click()
        session.page.wait_for_function(f"(arg) => ({_COLOUR})(arg) === {json.dumps(today)}", arg=["wind_zones", i])
        assert session.errors == []
    finally:
        session.close()

"""The app in both languages and through the years (headless, AppTest): every page in
Japanese and in English, the language control, and the as-of year in the view and the link."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from streamlit.testing.v1 import AppTest
from test_app_your_data import CSV as UPLOAD_CSV
from test_app_your_data import data_dir  # noqa: F401 (shared fixture)

import mapper
from mapper.i18n import po_path, translator
from mapper.query import FilterState, with_defaults
from mapper.selection import select

TIMEOUT = 120
PAGES = ["app_pages/map.py", "app_pages/countries.py", "app_pages/export.py", "app_pages/sources.py"]
_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _app(params: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file("../streamlit_app.py", default_timeout=TIMEOUT)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    return at.run()


def _plain(text: str) -> str:
    """Text as shown (labels are Markdown-escaped)."""
    return re.sub(r"\\(.)", r"\1", text)


def _texts(at: AppTest) -> list[str]:
    """The text the page shows: titles, headings, captions, Markdown, metrics and widget labels."""
    out = []
    for kind in ("title", "header", "subheader", "caption", "markdown", "info", "warning", "success", "error"):
        out += [str(e.value) for e in getattr(at, kind)]
    out += [m.label for m in at.metric]
    for kind in ("button", "multiselect", "selectbox", "slider", "text_input", "toggle", "checkbox", "radio"):
        out += [w.label for w in getattr(at, kind)]
        out += [w.label for w in getattr(at.sidebar, kind)]
    return [_plain(t) for t in out if t]


def _english_ui_strings() -> set[str]:
    """Catalogue messages whose Japanese differs from the English (words a page must not show in Japanese)."""
    with po_path("ja", "messages").open("rb") as handle:
        catalog = read_po(handle, locale="ja")
    out = set()
    for m in catalog:
        if not m.id:
            continue
        english = m.id if isinstance(m.id, str) else m.id[0]
        text = m.string if isinstance(m.string, str) else m.string[0]
        if text != english and "{" not in english and len(english) > 3:
            out.add(english)
    return out


@pytest.mark.parametrize("page", PAGES)
def test_every_page_in_japanese_shows_japanese_ui_text(page: str) -> None:
    at = _app({"lang": "ja"})
    if page != PAGES[0]:
        at.switch_page(page).run()
    assert not at.exception
    texts = _texts(at)
    assert _JAPANESE.search(at.title[0].value)
    english = _english_ui_strings()
    assert [t for t in texts if t in english] == []
    assert at.query_params["lang"] == "ja"


@pytest.mark.parametrize("page", PAGES)
def test_every_page_in_english_shows_no_japanese_ui_text(page: str) -> None:
    at = _app({"lang": "en"})
    if page != PAGES[0]:
        at.switch_page(page).run()
    assert not at.exception
    allowed = {"Language / 言語"}  # the language control names itself in both
    readme = (Path(__file__).resolve().parent.parent / "geodata" / "README.md").read_text(encoding="utf-8")
    # the data's own documentation quotes Japanese names of places and notices
    assert [t for t in _texts(at) if _JAPANESE.search(t) and t not in allowed and t not in readme] == []


def test_switching_the_language_in_the_sidebar_changes_every_text_and_the_link(bundle: mapper.Bundle) -> None:
    at = _app()
    assert at.title[0].value == "Indo-Pacific clean-energy partnerships"
    at.sidebar.selectbox(key="w_lang").set_value("ja").run()
    assert not at.exception
    assert at.title[0].value == "インド太平洋のクリーンエネルギー・パートナーシップ"
    assert at.query_params["lang"] == "ja"
    ja = translator("ja")
    assert {_plain(m.label) for m in at.metric} == {ja.data(layer.title) for layer in bundle.catalogue.values()}
    at.switch_page("app_pages/countries.py").run()  # the language holds on every page
    assert at.title[0].value == "国・地域：目標とパートナーシップ"


def test_a_link_without_lang_follows_the_browser_and_a_bad_one_gets_a_notice() -> None:
    at = _app({"lang": "xx"})
    assert not at.exception
    assert at.title[0].value == "Indo-Pacific clean-energy partnerships"
    assert any("lang='xx'" in i.value.replace("\\", "") for i in at.info)


def test_the_as_of_year_filters_every_layer_and_is_in_the_link(bundle: mapper.Bundle) -> None:
    at = _app({"as_of_year": "2019"})
    assert not at.exception
    assert at.sidebar.toggle(key="w_as_of_on").value is True
    assert at.sidebar.slider(key="w_as_of").value == 2019
    expected = select(bundle, with_defaults(FilterState(as_of_year=2019), bundle.catalogue)).counts
    shown = {_plain(m.label): int(m.value) for m in at.metric}
    assert shown == {bundle.catalogue[lid].title: n for lid, n in expected.items()}
    at.sidebar.slider(key="w_as_of").set_value(2024).run()
    assert at.query_params["as_of_year"] == "2024"
    expected = select(bundle, with_defaults(FilterState(as_of_year=2024), bundle.catalogue)).counts
    assert {_plain(m.label): int(m.value) for m in at.metric} == {
        bundle.catalogue[lid].title: n for lid, n in expected.items()
    }
    at.sidebar.toggle(key="w_as_of_on").set_value(False).run()
    assert "as_of_year" not in at.query_params


def test_play_starts_from_the_first_year_and_pause_stops() -> None:
    probe = _app({"as_of_year": "2000"})
    first, last = probe.sidebar.slider(key="w_as_of").min, probe.sidebar.slider(key="w_as_of").max
    at = _app({"as_of_year": str(int(last))})  # at the last year, play starts again from the first
    at.sidebar.button(key="w_play").click().run()
    assert not at.exception
    assert at.sidebar.slider(key="w_as_of").value == first
    assert at.session_state["playing"] is True
    at.sidebar.button(key="w_play").click().run()
    assert at.session_state["playing"] is False


# --- the library's notices and errors, in the user's language ------------------------------


def test_a_japanese_link_with_a_bad_value_gets_the_notice_detail_in_japanese() -> None:
    """The sentence around a URL notice and the library's detail are both Japanese."""
    at = _app({"layers": "nope", "lang": "ja", "classes": "99"})
    assert not at.exception
    shown = [_plain(i.value) for i in at.info]
    assert (
        "リンクにこの画面で表示できない値が含まれていたため、調整しました：不明なレイヤーを無視しました：nope。"
        in shown
    )
    assert any("classes='99' を無視しました：2 から 7 の整数を指定してください" in text for text in shown)
    assert not [text for text in shown if "ignored" in text]
    at.sidebar.selectbox(key="w_lang").set_value("en").run()  # the same notice follows the language
    assert any("ignored unknown layer(s) nope" in _plain(i.value) for i in at.info)


def test_a_japanese_upload_with_a_bad_row_shows_the_row_error_in_japanese(data_dir: Path) -> None:  # noqa: F811
    at = _app({"lang": "ja"})
    at.switch_page("app_pages/your_data.py").run()
    assert not at.exception
    at.text_input(key="yd_new_name").set_value("メコン案件")
    at.button(key="yd_create").click().run()
    at.file_uploader(key="yd_file").set_value(("sites.csv", UPLOAD_CSV, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    rejected = next(df.value for df in at.dataframe if "problem" in df.value.columns)
    assert list(rejected["value"]) == ["Narnia"]  # the file's own value, untouched
    [problem] = rejected["problem"].tolist()
    assert problem.startswith("'Narnia' は既知の国名・国コードではありません")
    assert "ISO 3166-1 alpha-3" in problem
    assert not re.search(r"\b(is not|write)\b", problem)


def test_a_japanese_officer_checking_a_file_reads_the_findings_in_japanese() -> None:
    at = _app({"lang": "ja"})
    at.switch_page("app_pages/sources.py").run()
    at.selectbox(key="u_layer").set_value("jumpp").run()
    at.file_uploader(key="u_file").set_value(("sites.csv", b"name,lon,lat\nDemo,102.6,17.97\n", "text/csv")).run()
    assert not at.exception
    findings = [df.value for df in at.dataframe if "message" in df.value.columns][-1]  # after the freshness report
    messages = findings["message"].tolist()
    assert "必須の列がありません。すべての記録に追加してください" in messages
    assert all(_JAPANESE.search(m) for m in messages), messages
    assert "sites.csv" in findings["file"].tolist()  # the file's name, as given

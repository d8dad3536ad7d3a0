"""Data text is never code, on every page: Markdown, LaTeX, shortcodes, HTML and template
syntax from data files and layer specs show literally (headless, AppTest).

One rule per test, listing every offending element.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from app_pages._shared import _css_string, md_escape

REPO = Path(__file__).resolve().parents[1]
PAYLOAD = (
    "evilrecord ![img](https://evil.example/x.png) [link](https://evil.example) $\\frac{1}{0}$ "
    ":material/warning: {{ 7*7 }} <b>bold</b> **strong** # heading"
)
PAGES = ["app_pages/map.py", "app_pages/countries.py", "app_pages/export.py", "app_pages/sources.py"]
#: What a payload turns into when it is rendered instead of shown.
RENDERED = [
    re.compile(r"(?<!\\)!\[img\]"),  # a Markdown image (fetched from the internet)
    re.compile(r"(?<!\\)\[link\]\(http"),  # a Markdown link
    re.compile(r"(?<!\\)\$\\frac"),  # LaTeX
    re.compile(r"(?<!\\):material/warning(?<!\\):"),  # an icon shortcode
    re.compile(r"(?<!\\)\*\*strong"),  # bold
    re.compile(r"(?<!\\)\$x(?<!\\)\$"),  # LaTeX in a spec's title
    re.compile(r"(?<!\\)\*\*b(?<!\\)\*\*"),  # bold in a spec's title
    re.compile(r"(warning\\?:|\*\*|b\\\*\\\*) 49"),  # a template expression evaluated ("{{ 7*7 }}")
]


@pytest.fixture
def hostile_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the data whose first record of every layer, one country's name and one
    layer title carry the payload; the app's caches are cleared before and after."""
    shutil.copytree(REPO / "layers", tmp_path / "layers")
    shutil.copytree(REPO / "geodata", tmp_path / "geodata")
    for path in (tmp_path / "geodata").glob("*.geojson"):
        if path.name == "countries.geojson":
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        props = data["features"][0]["properties"]
        props["name"] = PAYLOAD
        if "description" in props:
            props["description"] = PAYLOAD
        path.write_text(json.dumps(data), encoding="utf-8")
    spec = tmp_path / "layers" / "jumpp.toml"
    text = spec.read_text(encoding="utf-8")
    spec.write_text(text.replace('title = "JUMPP activities"', 'title = "JUMPP $x$ **b** {{ 7*7 }}"'), "utf-8")
    monkeypatch.setenv("MAPPER_HOME", str(tmp_path))
    st.cache_resource.clear()
    st.cache_data.clear()
    yield tmp_path
    st.cache_resource.clear()
    st.cache_data.clear()


def _texts(at: AppTest) -> list[tuple[str, str]]:
    """Every Markdown-rendering element's raw text: (kind, value)."""
    out = []
    for kind in ("markdown", "caption", "info", "warning", "error", "success", "title", "header", "subheader"):
        for element in getattr(at, kind):
            out.append((kind, str(element.value)))
    for element in at.metric:
        out.append(("metric label", str(element.label)))
    for element in at.tabs:
        out.append(("tab label", str(element.label)))
    for element in at.expander:
        out.append(("expander label", str(element.label)))
    return out


def _run(page: str) -> AppTest:
    at = AppTest.from_file("../streamlit_app.py", default_timeout=180)
    at.query_params["search"] = "evilrecord"
    at.session_state["records_open"] = True  # the records tables too (they open on demand)
    at.run()
    if page != "app_pages/map.py":
        at.switch_page(page).run()
    return at


@pytest.mark.parametrize("page", PAGES)
def test_no_page_renders_text_from_data_or_specs(hostile_home: Path, page: str) -> None:
    at = _run(page)
    assert not at.exception, at.exception
    offenders = [(kind, value[:120]) for kind, value in _texts(at) if any(p.search(value) for p in RENDERED)]
    assert offenders == []


def test_the_records_table_holds_the_text_itself(hostile_home: Path) -> None:
    at = _run("app_pages/map.py")
    cells = {str(v) for frame in at.dataframe for v in frame.value.to_numpy().ravel()}
    assert PAYLOAD in cells  # shown literally by the data grid (never Markdown)


def test_md_escape_leaves_nothing_for_markdown_to_interpret() -> None:
    escaped = md_escape(PAYLOAD)
    offenders = [p.pattern for p in RENDERED[:-1] if p.search(escaped)]
    assert offenders == []


def test_texts_put_into_a_style_cannot_leave_their_css_string() -> None:
    """The uploader's translated texts go into a <style> (CSS ``content``): every character
    but ASCII letters and digits is escaped, so none can close the string, the rule or the tag."""
    texts = ['"}</style><script>alert(1)</script>', "a\\\"b'c;}{@import url(x)", "1ファイル 200 MB：CSV, \n"]
    offenders = []
    for text in texts:
        literal = _css_string(text)
        inner = literal[1:-1]
        decoded = re.sub(r"\\([0-9a-f]{6})", lambda m: chr(int(m.group(1), 16)), inner)
        if any(c in inner for c in "\"'<>{};:/ \n") or decoded != text:
            offenders.append((text, literal))
    assert offenders == []

"""The Your data page, headless (AppTest): what an officer does with their own list.

Create a workspace, upload a file, see the mapping and the rows set aside, add it to the
map, find it in the Map page's records; re-upload (a new version, the old one kept); save
a view and open its link; hostile names and cells stay text; limits are messages.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest
from test_app_payloads import RENDERED, _texts

from app_pages._shared import md_escape
from mapper.userlayers import layer_id
from mapper.workspace import open_store

pytest.importorskip("mapper.upload", reason="needs the upload library (mapper.upload)")

APP = str(Path(__file__).resolve().parents[1] / "streamlit_app.py")
CSV = (
    b"name,longitude,latitude,country,technology,year,capacity_mw\n"
    b"Nam Theun site survey,104.98,17.59,Lao PDR,hydro,2024,1070\n"
    b"Ninh Thuan solar pilot,108.99,11.56,Viet Nam,solar,2025,50\n"
    b"no place at all,,,Narnia,grid,2022,\n"
)
PAYLOAD = (
    "evilrecord ![img](https://evil.example/x.png) [link](https://evil.example) $\\frac{1}{0}$ "
    ":material/warning: {{ 7*7 }} <b>bold</b> **strong** # heading"
)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh data directory for the workspace store; the app's caches cleared around."""
    folder = tmp_path / "data"
    monkeypatch.setenv("MAPPER_DATA_DIR", str(folder))
    st.cache_resource.clear()
    st.cache_data.clear()
    yield folder
    st.cache_resource.clear()
    st.cache_data.clear()


def _app(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["records_open"] = True  # the Map page's records tables (they open on demand)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def _your_data_with_workspace(name: str = "Mekong pipeline") -> AppTest:
    at = _app()
    at.switch_page("app_pages/your_data.py").run()
    _ok(at)
    at.text_input(key="yd_new_name").set_value(name)
    at.button(key="yd_create").click().run()
    _ok(at)
    return at


def _upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader(key="yd_file").set_value((name, data, "text/csv")).run()
    _ok(at)
    return at


def _add(at: AppTest) -> AppTest:
    [add] = [b for b in at.button if b.label == "Add to map"]
    add.click().run()
    _ok(at)
    return at


def test_upload_map_add_and_find_it_on_the_map(data_dir: Path) -> None:
    at = _your_data_with_workspace()
    _upload(at, "案件 sites.csv", CSV)
    assert any("2 of 3 rows mapped" in w.value for w in at.warning)
    rejected = next(df.value for df in at.dataframe if "problem" in df.value.columns)  # then the warnings
    assert list(rejected["row"]) == [4]  # the line in the file
    assert list(rejected["value"]) == ["Narnia"]
    assert [s.value for s in at.selectbox if s.key and s.key.startswith("yd_name_")] == ["name"]

    _add(at)
    view = at.session_state["view_state"]
    lid = layer_id("案件 sites.csv")
    assert view.workspace is not None
    assert at.title[0].value.startswith("Indo-Pacific")  # the Map page
    assert md_escape("案件 sites (2)") in [t.label for t in at.tabs]
    records = [df.value for df in at.dataframe if "Nam Theun site survey" in df.value.to_string()]
    assert records, "the uploaded records are not in the Map page's tables"
    assert lid in view.filters.layers or view.filters.layers == ()

    store = open_store()
    [saved] = store.uploads(view.workspace)
    assert store.upload_bytes(saved.id) == CSV  # nothing the user gave is changed
    assert saved.name == "案件 sites.csv"
    assert saved.rows == 3


def test_reupload_makes_a_new_version_and_keeps_the_old(data_dir: Path) -> None:
    at = _your_data_with_workspace()
    _add(_upload(at, "sites.csv", CSV))
    at.switch_page("app_pages/your_data.py").run()
    fixed = CSV.replace(b",,,Narnia", b",102.6,17.97,Lao PDR")
    _add(_upload(at, "sites.csv", fixed))
    ws = at.session_state["view_state"].workspace
    store = open_store()
    versions = store.versions(ws, "sites.csv")
    assert [v.version for v in versions] == [2, 1]
    assert store.upload_bytes(versions[1].id) == CSV
    assert store.upload_bytes(versions[0].id) == fixed
    records = [df.value for df in at.dataframe if "no place at all" in df.value.to_string()]
    assert records, "the new version's third row is not on the map"
    at.switch_page("app_pages/your_data.py").run()
    _ok(at)
    assert any("version 2" in e.label for e in at.expander)


def test_saved_view_link_opens_for_a_colleague_and_unknown_ids_give_notices(data_dir: Path) -> None:
    at = _your_data_with_workspace("Shared")
    _add(_upload(at, "sites.csv", CSV))
    at.switch_page("app_pages/map.py").run()  # AppTest runs the page it was told, not the switched-to one
    at.sidebar.text_input(key="f_search").set_value("Nam Theun").run()
    _ok(at)
    at.switch_page("app_pages/your_data.py").run()
    at.text_input(key="yd_view_name").set_value("Nam Theun only")
    at.button(key="yd_save_view").click().run()
    _ok(at)
    link = at.code[0].value
    params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(link).query))
    assert set(params) == {"ws", "view"}

    colleague = _app(params)  # a new session, as after a restart of the server
    colleague.run()
    _ok(colleague)
    view = colleague.session_state["view_state"]
    assert view.workspace == params["ws"]
    assert view.filters.search == "Nam Theun"
    assert md_escape("sites (1)") in [t.label for t in colleague.tabs]

    for bad in ({"ws": "0123456789abcdef"}, {"view": "fedcba9876543210"}, {"ws": "<b>x</b>"}):
        other = _app({**bad, "countries": "LAO"})
        other.run()
        _ok(other)
        assert other.session_state["view_state"].workspace is None
        assert other.session_state["view_state"].filters.countries == ("LAO",)
        assert any("adjusted" in i.value for i in other.info), bad


def test_limits_and_unreadable_files_are_messages(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = _your_data_with_workspace()
    _upload(at, "garbage.csv", b"\x00\x01\x02" * 10)
    assert at.error or at.warning  # a message, never a traceback
    monkeypatch.setenv("MAPPER_UPLOAD_MAX_ROWS", "2")
    _upload(at, "sites.csv", CSV)
    assert any(md_escape("MAPPER_UPLOAD_MAX_ROWS") in e.value for e in at.error)
    assert not [b for b in at.button if b.label == "Add to map"]
    assert open_store().uploads(at.session_state["view_state"].workspace) == []


def test_rename_and_delete_a_workspace(data_dir: Path) -> None:
    at = _your_data_with_workspace("Old name")
    ws = at.session_state["view_state"].workspace
    at.text_input(key=f"yd_rename_{ws}").set_value("New name 新しい")
    at.button(key="yd_rename").click().run()
    _ok(at)
    assert open_store().workspace(ws).name == "New name 新しい"
    at.checkbox(key=f"yd_del_ok_{ws}").check().run()
    at.button(key="yd_delete").click().run()
    _ok(at)
    assert open_store().workspaces() == []
    assert at.session_state["view_state"].workspace is None


def test_hostile_names_and_cells_show_as_text(data_dir: Path) -> None:
    at = _your_data_with_workspace(PAYLOAD)
    hostile = f'name,longitude,latitude\n"{PAYLOAD}",104.9,17.5\n"{PAYLOAD}",,\n'.encode()
    _upload(at, f"{PAYLOAD}.csv", hostile)
    _add(at)
    at.switch_page("app_pages/your_data.py").run()
    _ok(at)
    at.text_input(key="yd_view_name").set_value(PAYLOAD)
    at.button(key="yd_save_view").click().run()
    _ok(at)
    offenders = [(kind, text) for kind, text in _texts(at) if any(p.search(text) for p in RENDERED)]
    assert offenders == []
    for page in ("app_pages/map.py", "app_pages/export.py"):
        at.switch_page(page).run()
        _ok(at)
        offenders = [(kind, text) for kind, text in _texts(at) if any(p.search(text) for p in RENDERED)]
        assert offenders == [], page


def test_after_adding_an_upload_every_page_opens_and_shows_it(data_dir: Path) -> None:
    """The journey on from the upload: Countries, Export, Data & sources and back to the Map,
    with the workspace open (the upload's file is not inside the catalogue's folder)."""
    at = _your_data_with_workspace()
    _add(_upload(at, "sites.csv", CSV))
    for page in ("app_pages/countries.py", "app_pages/export.py", "app_pages/sources.py", "app_pages/map.py"):
        at.switch_page(page).run()
        _ok(at)
    at.switch_page("app_pages/sources.py").run()
    assert any(md_escape("sites.csv") in m.value for m in at.markdown), "Data & sources does not name the upload"


def test_in_japanese_the_rows_set_aside_and_upload_errors_are_japanese(data_dir: Path) -> None:
    """Every message an upload gives (the summary, each row set aside, a file that cannot be
    mapped, a read note) is shown in the user's language; values and column names as given."""
    at = _app({"lang": "ja"})
    at.switch_page("app_pages/your_data.py").run()
    _ok(at)
    at.text_input(key="yd_new_name").set_value("メコン案件").run()
    at.button(key="yd_create").click().run()
    _ok(at)
    bad = (
        "name,lon,lat\n"
        "good,104.98,17.59\n"
        "good 2,105.1,17.6\n"
        "good 3,105.2,17.7\n"
        "good 4,105.3,17.8\n"
        "swapped,17.59,104.98\n"
        "typo,10x4,17.5\n"
        ",105.0,18.0\n"
        "half,,18.0\n"
    ).encode("cp932")
    _upload(at, "案件.csv", bad)
    assert any("8 行中 4 行を地図に表示" in w.value for w in at.warning), [w.value for w in at.warning]
    rejected = next(df.value for df in at.dataframe if "problem" in df.value.columns)
    assert list(rejected["row"]) == [6, 7, 8, 9]
    problems = dict(zip(rejected["row"], rejected["problem"], strict=True))
    assert "緯度 104.98 が -90..90 の範囲外です" in problems[6]
    assert problems[7] == "経度 '10x4' は数値ではありません。十進の度で記入してください（例：102.6）"
    assert problems[8].startswith("名前が空です")
    assert problems[9].startswith("もう一方の座標はあるのに経度が空です")
    english = [p for p in rejected["problem"] if re.search(r"[A-Za-z]{4,}", p.replace("WGS", ""))]
    assert english == []

    _upload(at, "空.csv", b"name,lon,lat\n")
    assert [e.value for e in at.error] == [
        md_escape("空.csv：見出し行だけで、データの行がありません。その下に 1 件につき 1 行を追加してください")
    ]

    _upload(at, "場所なし.csv", b"name,owner\nsite,JICA\n")  # no column says where: a message, no traceback
    assert len(at.error) == 1
    assert at.error[0].value.startswith(md_escape("場所なし.csv：位置が見つかりません"))

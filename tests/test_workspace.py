"""The workspace store, the same tests against both backends: the embedded SQLite file and
PostgreSQL/PostGIS (a real server: ``MAPPER_TEST_DATABASE_URL`` or a throwaway cluster).

What people do: make a workspace, upload a file, upload a corrected file under the same
name, save views, rename, delete; several app processes at once; a restart.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mapper import MapperError
from mapper._errors import StoreUnavailableError, UnknownWorkspaceError, UploadLimitError, WorkspaceError
from mapper.workspace import Limits, WorkspaceStore, default_data_dir, open_store

#: Bytes no text reader may touch: Shift-JIS, a BOM, CRLF line ends, a NUL, a lone high byte.
RAW = "\ufeff名称,緯度,経度\r\n発電所,13.7,100.5\r\n".encode("utf-8") + "東京".encode("shift_jis") + b"\x00\xff\r\n"
MAPPING = {"name": "名称", "lat": "緯度", "lon": "経度", "title": "<script>x</script> {{ 7*7 }}"}


@pytest.fixture(params=["sqlite", "postgis"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    """How to open one fresh store: ``{"data_dir": ...}`` or ``{"url": ..., "schema": ...}``."""
    if request.param == "sqlite":
        yield {"data_dir": str(tmp_path / "data")}
        return
    url = request.getfixturevalue("postgres_url")
    schema = f"t_{secrets.token_hex(6)}"
    yield {"url": url, "schema": schema}
    from mapper._store_postgis import PostGISStore

    PostGISStore(url, schema=schema).drop()


def _open(backend: dict[str, str], limits: Limits | None = None) -> WorkspaceStore:
    if "url" in backend:
        from mapper._store_postgis import PostGISStore

        return PostGISStore(backend["url"], schema=backend["schema"], limits=limits or Limits())
    return open_store(data_dir=backend["data_dir"], limits=limits or Limits())


@pytest.fixture
def store(backend: dict[str, str]) -> WorkspaceStore:
    return _open(backend)


def test_upload_versions_keep_every_byte(store: WorkspaceStore) -> None:
    ws = store.create_workspace("Mekong pipeline / メコン")
    first = store.save_upload(ws.id, "sites 案件.csv", RAW, mapping=MAPPING, rows=2)
    fixed = RAW.replace(b"13.7", b"13.8")
    second = store.save_upload(ws.id, "sites 案件.csv", fixed, mapping={**MAPPING, "year": None}, sheet=None, rows=2)
    other = store.save_upload(ws.id, "plants.xlsx", b"PK\x03\x04 not really", mapping={}, sheet="Sheet 2")

    assert (first.version, second.version, other.version) == (1, 2, 1)
    assert store.upload_bytes(first.id) == RAW  # the old version is kept, unchanged
    assert store.upload_bytes(second.id) == fixed
    assert store.upload(first.id).mapping == MAPPING
    assert store.upload(second.id).mapping == {**MAPPING, "year": None}
    assert store.upload(other.id).sheet == "Sheet 2"
    assert [u.name for u in store.uploads(ws.id)] == ["sites 案件.csv", "plants.xlsx"]
    assert [u.version for u in store.uploads(ws.id)] == [2, 1]  # the newest of each
    assert [u.version for u in store.versions(ws.id, "sites 案件.csv")] == [2, 1]
    assert first.size == len(RAW)
    assert len(first.sha256) == 64
    assert first.rows == 2

    assert store.delete_upload(ws.id, "sites 案件.csv") == 2
    assert [u.name for u in store.uploads(ws.id)] == ["plants.xlsx"]
    with pytest.raises(UnknownWorkspaceError):
        store.upload_bytes(first.id)


def test_workspaces_listed_renamed_deleted(store: WorkspaceStore) -> None:
    a = store.create_workspace("  Grants 2026 ")
    b = store.create_workspace("助成金")
    assert a.name == "Grants 2026"
    assert {w.id for w in store.workspaces()} >= {a.id, b.id}
    assert store.workspaces()[0].id == b.id  # most recently changed first

    store.save_upload(a.id, "a.csv", b"x,y\n1,2\n", mapping={})
    renamed = store.rename_workspace(a.id, "Grants FY2026")
    assert renamed.id == a.id
    assert renamed.name == "Grants FY2026"
    assert store.workspace(a.id).name == "Grants FY2026"
    assert store.workspaces()[0].id == a.id

    view = store.save_view(a.id, "Lao hydro", "layers=ws_x&countries=LAO")
    store.delete_workspace(a.id)
    assert [w.id for w in store.workspaces()] == [b.id]
    for call in (
        lambda: store.workspace(a.id),
        lambda: store.uploads(a.id),
        lambda: store.view(view.id),
        lambda: store.rename_workspace(a.id, "x"),
        lambda: store.delete_workspace(a.id),
    ):
        with pytest.raises(UnknownWorkspaceError, match="deleted"):
            call()


def test_saved_views_have_stable_ids(store: WorkspaceStore) -> None:
    ws = store.create_workspace("Views")
    first = store.save_view(ws.id, "Viet Nam wind", "countries=VNM&technologies=wind")
    again = store.save_view(ws.id, "Viet Nam wind", "countries=VNM&technologies=wind&zoom=6")
    other = store.save_view(ws.id, "All", "")
    assert again.id == first.id  # saving under the same name keeps links working
    assert store.view(first.id).query == "countries=VNM&technologies=wind&zoom=6"
    assert [v.name for v in store.views(ws.id)] == ["All", "Viet Nam wind"]
    store.delete_view(other.id)
    assert [v.id for v in store.views(ws.id)] == [first.id]
    with pytest.raises(UnknownWorkspaceError):
        store.delete_view(other.id)


@pytest.mark.parametrize("bad", ["", "nope", "0123456789abcdef'; DROP TABLE workspaces; --", "../../etc", "Ａ" * 16])
def test_unknown_ids_are_clear_errors(store: WorkspaceStore, bad: str) -> None:
    for call in (store.workspace, store.upload, store.upload_bytes, store.view):
        with pytest.raises(UnknownWorkspaceError) as info:
            call(bad)
        assert isinstance(info.value, MapperError | KeyError)
        assert "link" in str(info.value)
    assert store.workspaces() == [] or all(w.id != bad for w in store.workspaces())


def test_names_must_be_given(store: WorkspaceStore) -> None:
    with pytest.raises(WorkspaceError, match="needs a name"):
        store.create_workspace("   ")
    ws = store.create_workspace("ok")
    with pytest.raises(WorkspaceError, match="at most"):
        store.rename_workspace(ws.id, "x" * 500)
    with pytest.raises(WorkspaceError, match="JSON"):
        store.save_upload(ws.id, "a.csv", b"a\n", mapping={"bad": object()})
    assert store.uploads(ws.id) == []


def test_limits_say_what_to_do(backend: dict[str, str]) -> None:
    store = _open(backend, Limits(max_bytes=1024, max_rows=10))
    ws = store.create_workspace("Limits")
    with pytest.raises(UploadLimitError, match=r"big\.csv.*1024|MAPPER_UPLOAD_MAX_MB") as info:
        store.save_upload(ws.id, "big.csv", b"x" * 2048, mapping={})
    assert "Split it" in str(info.value)
    with pytest.raises(UploadLimitError, match=r"11 rows.*MAPPER_UPLOAD_MAX_ROWS"):
        store.save_upload(ws.id, "long.csv", b"x", mapping={}, rows=11)
    assert store.uploads(ws.id) == []  # nothing half-saved
    assert store.save_upload(ws.id, "ok.csv", b"x" * 1024, mapping={}, rows=10).version == 1


def test_limits_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAPPER_UPLOAD_MAX_MB", "0.5")
    monkeypatch.setenv("MAPPER_UPLOAD_MAX_ROWS", "100")
    assert Limits.from_env() == Limits(max_bytes=512 * 1024, max_rows=100)
    monkeypatch.setenv("MAPPER_UPLOAD_MAX_ROWS", "many")
    with pytest.raises(MapperError, match="MAPPER_UPLOAD_MAX_ROWS"):
        Limits.from_env()


_WRITER = """
import sys
from mapper.workspace import Limits, open_store
from mapper._store_postgis import PostGISStore
kind, where, schema, ws, tag = sys.argv[1:6]
store = PostGISStore(where, schema=schema, limits=Limits()) if kind == "url" else open_store(data_dir=where)
for i in range(8):
    store.save_upload(ws, "shared.csv", f"{tag},{i}".encode(), mapping={"by": tag})
    store.save_view(ws, f"view {tag}", f"search={tag}{i}")
print("ok")
"""


def test_processes_see_the_same_data(backend: dict[str, str]) -> None:
    """Three app processes write at once: every version gets its own number, nothing is
    lost, and each process (and a store opened afresh, as after a restart) sees it all."""
    store = _open(backend)
    ws = store.create_workspace("Shared")
    kind, where = ("url", backend["url"]) if "url" in backend else ("dir", backend["data_dir"])
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, kind, where, backend.get("schema", "-"), ws.id, tag],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for tag in ("a", "b", "c")
    ]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert out.strip() == "ok"
    fresh = _open(backend)  # as another process, or the app after a restart
    versions = fresh.versions(ws.id, "shared.csv")
    assert sorted(v.version for v in versions) == list(range(1, 25))
    contents = sorted(fresh.upload_bytes(v.id).decode() for v in versions)
    assert contents == sorted(f"{t},{i}" for t in "abc" for i in range(8))
    assert {v.name: v.query for v in fresh.views(ws.id)} == {f"view {t}": f"search={t}7" for t in "abc"}


def test_sqlite_default_folder_and_bad_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAPPER_DATA_DIR", str(tmp_path / "here"))
    assert default_data_dir() == tmp_path / "here"
    store = open_store()
    assert store.location == str(tmp_path / "here" / "workspaces.sqlite")
    monkeypatch.delenv("MAPPER_DATA_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_data_dir() == tmp_path / "xdg" / "mapper"
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreUnavailableError, match="MAPPER_DATA_DIR"):
        open_store(data_dir=blocker)


def test_database_url_errors_are_clear(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("psycopg")
    with pytest.raises(StoreUnavailableError, match=r"postgresql://"):
        open_store("mysql://x")
    # a closed port: the message names the server, never the password
    with pytest.raises(StoreUnavailableError) as info:
        open_store("postgresql://me:s3cret@127.0.0.1:9/none")
    assert "s3cret" not in str(info.value)
    assert "127.0.0.1:9" in str(info.value)
    monkeypatch.setenv("MAPPER_DATABASE_URL", "postgresql://me:s3cret@127.0.0.1:9/none")
    with pytest.raises(StoreUnavailableError):
        open_store()


def test_postgis_store_is_used_when_url_is_set(postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """``MAPPER_DATABASE_URL`` switches the app to the shared store; the server has PostGIS
    when the Debian package is installed (``.ci/run`` installs it)."""
    import psycopg

    schema = f"t_{secrets.token_hex(6)}"
    monkeypatch.setenv("MAPPER_DATABASE_URL", postgres_url)
    monkeypatch.setenv("MAPPER_DATABASE_SCHEMA", schema)
    store = open_store()
    try:
        assert type(store).__name__ == "PostGISStore"
        ws = store.create_workspace("via env")
        with psycopg.connect(postgres_url) as conn:
            names = conn.execute(f"SELECT name FROM {schema}.workspaces").fetchall()
            mapping = conn.execute(
                f"SELECT mapping->>'title' FROM {schema}.uploads WHERE workspace_id = %s", [ws.id]
            ).fetchall()
            has_postgis = conn.execute("SELECT count(*) FROM pg_extension WHERE extname = 'postgis'").fetchone()[0]
        assert names == [("via env",)]
        assert mapping == []
        store.save_upload(ws.id, "m.csv", b"a", mapping=MAPPING)
        with psycopg.connect(postgres_url) as conn:
            (title,) = conn.execute(f"SELECT mapping->>'title' FROM {schema}.uploads").fetchone()
        assert title == MAPPING["title"]  # stored as JSONB, queryable
        if Path("/usr/share/postgresql").exists() and list(
            Path("/usr/share/postgresql").glob("*/extension/postgis.control")
        ):
            assert has_postgis == 1
    finally:
        store.drop()


def test_mapping_round_trips_as_json(store: WorkspaceStore) -> None:
    ws = store.create_workspace("json")
    mapping = {"name": "名称", "number": None, "columns": ["a", "b"], "nested": {"k": 1.5}, "flag": True}
    saved = store.save_upload(ws.id, "j.csv", b"1", mapping=mapping)
    assert store.upload(saved.id).mapping == mapping
    assert json.loads(json.dumps(store.upload(saved.id).mapping)) == mapping

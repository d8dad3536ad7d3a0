"""Links to workspaces and saved views: what a colleague's click resolves to, and what a
deleted or mistyped id gives (a notice, never an error)."""

from __future__ import annotations

import dataclasses
import hashlib
import threading
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

import mapper
from mapper.query import FilterState, with_defaults
from mapper.userlayers import (
    layer_id,
    open_workspace,
    resolve_link,
    saved_view_state,
    show_layer,
    view_link,
    view_query,
)
from mapper.viewstate import MapView, ViewState, view_from_query
from mapper.workspace import Limits, WorkspaceStore, open_store


@pytest.fixture
def store(tmp_path: Path) -> WorkspaceStore:
    return open_store(data_dir=tmp_path, limits=Limits())


@pytest.fixture
def held_check(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Country checks of background preparations (:meth:`mapper.Bundle.check` in the
    preparation's check thread) wait until the event yielded is set: a preparation stays "drawable,
    still checking" as long as a test needs; the test's own thread is never held. Set at
    teardown whatever happens, so that the shared preparation thread is never left blocked."""
    release = threading.Event()
    real_check = mapper.Bundle.check

    def held(self: mapper.Bundle, *args: object) -> list:  # type: ignore[type-arg]
        if threading.current_thread().name.startswith("mapper-upload-ahead"):
            release.wait()
        return real_check(self, *args)

    monkeypatch.setattr(mapper.Bundle, "check", held)
    try:
        yield release
    finally:
        release.set()


def test_layer_ids_are_stable_and_valid() -> None:
    names = ["sites.csv", "案件リスト.xlsx", "Sites.csv", "../../etc/passwd", "<script>.kml", ""]
    ids = [layer_id(n) for n in names]
    assert len(set(ids)) == len(ids)
    assert all(i.startswith("ws_") and i.replace("_", "").isalnum() and i.islower() for i in ids)
    assert layer_id("sites.csv") == ids[0]  # the same across versions and processes


def _as_opened(view: ViewState, bundle: mapper.Bundle) -> ViewState:
    """``view`` as a link opens it: facets it leaves unset at their declared defaults (core
    JUCEP/JUMPP activities), and the catalogue's defaults recorded so links stay short."""
    catalogue = bundle.catalogue
    return dataclasses.replace(
        view, filters=with_defaults(view.filters, catalogue), defaults=tuple(catalogue.facet_defaults().items())
    )


def test_workspace_link_round_trip(store: WorkspaceStore, bundle: mapper.Bundle) -> None:
    ws = store.create_workspace("Links")
    view = _as_opened(
        ViewState(filters=FilterState(country=("VNM",)), workspace=ws.id, view=MapView((16.0, 106.0), 5)), bundle
    )
    params = view.to_query()
    assert params["ws"] == ws.id
    resolved, notices = resolve_link(store, params)
    assert notices == []
    again, more = view_from_query(resolved, bundle)
    assert more == []
    assert again == view


def test_saved_view_link_opens_the_saved_view(store: WorkspaceStore, bundle: mapper.Bundle) -> None:
    ws = store.create_workspace("Views")
    view = _as_opened(
        ViewState(filters=FilterState(partnership=("JUMPP",)), workspace=ws.id, choropleth="net_zero_year"), bundle
    )
    saved = store.save_view(ws.id, "JUMPP net zero", view_query(view))
    link = view_link("http://example.org:8501/base/your_data?x=1", saved)
    parts = urllib.parse.urlsplit(link)
    assert parts.path == "/base/"
    params = dict(urllib.parse.parse_qsl(parts.query))
    assert params == {"ws": ws.id, "view": saved.id}
    resolved, notices = resolve_link(store, {**params, "search": "ignored: the saved view wins"})
    assert notices == []
    opened, more = view_from_query(resolved, bundle)
    assert more == []
    assert opened == view
    state, adjust = saved_view_state(saved, bundle)
    assert (state, adjust) == (view, [])


@pytest.mark.parametrize(
    "params",
    [
        {"ws": "0123456789abcdef"},  # well formed, never created
        {"ws": "<script>alert(1)</script>"},
        {"ws": "'; DROP TABLE workspaces; --"},
        {"view": "0123456789abcdef"},
        {"view": "../../etc/passwd", "ws": ""},
        {"ws": ["0123456789abcdef", "fedcba9876543210"]},
    ],
)
def test_unknown_ids_give_notices(store: WorkspaceStore, bundle: mapper.Bundle, params: dict) -> None:
    resolved, notices = resolve_link(store, {**params, "countries": "LAO"})
    assert len(notices) == 1
    assert "ws" not in resolved
    assert "view" not in resolved
    view, more = view_from_query(resolved, bundle)
    assert view.workspace is None
    assert view.filters.countries == ("LAO",)  # the rest of the link still applies
    assert more == []


def test_deleted_workspace_and_view(store: WorkspaceStore) -> None:
    ws = store.create_workspace("Gone soon")
    saved = store.save_view(ws.id, "v", "countries=LAO")
    store.delete_view(saved.id)
    _, notices = resolve_link(store, {"view": saved.id})
    assert "not found" in notices[0]
    store.delete_workspace(ws.id)
    _, notices = resolve_link(store, {"ws": ws.id})
    assert "deleted" in notices[0]


def test_no_store_is_a_notice(bundle: mapper.Bundle) -> None:
    resolved, notices = resolve_link(None, {"ws": "0123456789abcdef", "view": "0123456789abcdef"}, unavailable="down")
    assert resolved == {}
    assert len(notices) == 2
    assert all("down" in n for n in notices)


def test_view_helpers() -> None:
    base = ViewState(filters=FilterState(layers=("interconnectors",), country=("LAO",)), workspace="0" * 16)
    shown = show_layer(base, "ws_abc")
    assert shown.filters.layers == ("interconnectors", "ws_abc")
    assert show_layer(ViewState(), "ws_abc").filters.layers == ()  # every layer is shown already
    assert show_layer(ViewState(layers_off=True), "ws_abc").filters.layers == ("ws_abc",)
    moved = open_workspace(shown, "1" * 16)
    assert moved.workspace == "1" * 16
    assert moved.filters.layers == ()
    assert moved.filters.countries == ("LAO",)
    assert open_workspace(shown, shown.workspace) is shown


def test_bad_ws_in_url_is_a_notice(bundle: mapper.Bundle) -> None:
    view, notices = view_from_query({"ws": "nope!"}, bundle)
    assert view.workspace is None
    assert "not a workspace id" in notices[0]


_CSV = b"name,lat,lon,country\nSite A,17.9757,102.6331,LAO\nSite B,21.0278,105.8342,VNM\n"


def test_an_uploads_layer_is_built_enriched_and_drawn_once_per_process(
    store: WorkspaceStore, bundle: mapper.Bundle, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Adding a second upload to a workspace, a rerun or a second session does not read,
    check, enrich or turn into map documents the first upload again."""
    from mapper import upload
    from mapper.userlayers import content_key, workspace_bundle
    from mapper.webmap import MapAssets

    reads: list[str] = []
    real = upload.read_upload
    monkeypatch.setattr(upload, "read_upload", lambda name, *a, **kw: reads.append(name) or real(name, *a, **kw))
    ws = store.create_workspace("Once")
    first = store.save_upload(
        ws.id, "first.csv", _CSV, mapping=upload.detect_mapping(real("first.csv", _CSV)).to_dict()
    )
    one = workspace_bundle(bundle, store, ws.id).bundle
    assets_one = MapAssets(one, "en")
    document = assets_one.document(layer_id("first.csv"))
    store.save_upload(ws.id, "second.csv", _CSV, mapping=first.mapping)
    two = workspace_bundle(bundle, store, ws.id).bundle
    assert reads == ["first.csv", "second.csv"]  # the first file was read once
    assert two.layers[layer_id("first.csv")] is one.layers[layer_id("first.csv")]  # enriched once
    assert MapAssets(two, "en").document(layer_id("first.csv")) is document  # its map document built once
    assert (
        workspace_bundle(bundle, store, ws.id).bundle.layers[layer_id("second.csv")]
        is two.layers[layer_id("second.csv")]
    )
    # what the key is made of: another mapping, file or upload time is another layer
    again = store.save_upload(ws.id, "first.csv", _CSV, mapping=first.mapping)
    changed = store.save_upload(ws.id, "first.csv", _CSV, mapping={**first.mapping, "title": "Other"})
    keys = {content_key(first), content_key(again), content_key(changed)}
    assert len(keys) == 3
    assert content_key(store.upload(first.id)) == content_key(first)  # the same from the store, any process


def test_an_upload_prepared_ahead_is_drawn_before_its_check_and_not_built_again(
    store: WorkspaceStore, bundle: mapper.Bundle, monkeypatch: pytest.MonkeyPatch, held_check: threading.Event
) -> None:
    """What is prepared while the user looks at the preview (layer, map documents, country
    check) is what "Add to map" and the map page use: the saved version's key is the key it
    was prepared under, nothing is read, enriched or drawn again, the layer is shown while
    the check still runs, and the check's findings join the report when it ends."""
    import time

    from mapper import upload
    from mapper.userlayers import (
        built_layer,
        checking,
        content_key,
        prepare,
        remember,
        result_key,
        save_result,
        workspace_bundle,
    )
    from mapper.webmap import MapAssets

    data = _CSV + b"Site C,13.7563,100.5018,LAO\n"  # Bangkok, named as in Laos: a finding
    release = held_check
    ws = store.create_workspace("Ahead")
    table = upload.read_upload("ahead.csv", data)
    mapping = upload.detect_mapping(table)
    result = upload.apply_mapping(table, mapping)
    key = result_key("ahead.csv", hashlib.sha256(data).hexdigest(), result, mapping)
    lid = layer_id("ahead.csv")
    made: list[MapAssets] = []

    def documents(prepared: mapper.Bundle) -> MapAssets:
        made.append(MapAssets(prepared, "en"))
        made[-1].document(lid)
        return made[-1]

    prepare(key, bundle, lambda: upload.upload_layer(result, mapping, layer_id=lid), documents)
    built = built_layer(key, lambda: pytest.fail("built again"))  # waits until it can be drawn
    saved = save_result(store, ws.id, "ahead.csv", data, result, mapping)  # what "Add to map" does
    assert content_key(saved) == key
    remember(saved, built)
    monkeypatch.setattr(upload, "read_upload", lambda *a, **kw: pytest.fail("read again"))
    monkeypatch.setattr(mapper.Bundle, "enrich", lambda *a, **kw: pytest.fail("enriched again"))

    assert checking(store, ws.id) == (saved.id,)  # shown, its check still running
    early = workspace_bundle(bundle, store, ws.id).bundle
    assert early.layers[lid] is made[0].bundle.layers[lid]
    assert MapAssets(early, "en").document(lid) is made[0].document(lid)
    assert not [p for p in early.report.warnings if "ahead" in str(p.file)]

    release.set()
    deadline = time.monotonic() + 60
    while checking(store, ws.id) and time.monotonic() < deadline:
        release.wait(0.05)  # the condition polled: the check's thread ends on its own
    assert checking(store, ws.id) == ()
    late = workspace_bundle(bundle, store, ws.id).bundle
    assert late.layers[lid] is early.layers[lid]  # the same records, now with their findings
    findings = [p for p in late.report.warnings if "ahead" in str(p.file)]
    assert [p.value for p in findings] == ["LAO"], findings


def test_a_failed_preparation_leaves_the_error_to_add_to_map(bundle: mapper.Bundle) -> None:
    """A layer that cannot be built ahead is not kept: "Add to map" builds it and shows why."""
    from mapper import UploadError
    from mapper.userlayers import built_layer, prepare

    def refuse() -> tuple:  # type: ignore[type-arg]
        raise UploadError("none of its rows could be mapped")

    prepare("no-rows-key", bundle, refuse)
    with pytest.raises(UploadError, match="none of its rows"):
        built_layer("no-rows-key", refuse)


def test_a_newer_preview_drops_the_preparations_still_queued(bundle: mapper.Bundle) -> None:
    """Each change of the mapping is a new preview: only the newest is prepared after the
    one under way, and "Add to map" on a dropped one builds it at once (never waits for it)."""
    from mapper import upload
    from mapper.userlayers import built_layer, prepare

    release = threading.Event()  # a's build waits for it: the preparation thread is busy
    started = threading.Event()
    table = upload.read_upload("queue.csv", _CSV)
    mapping = upload.detect_mapping(table)
    result = upload.apply_mapping(table, mapping)
    made: list[str] = []

    def build(name: str, hold: bool = False):  # type: ignore[no-untyped-def]
        def run():  # type: ignore[no-untyped-def]
            made.append(name)
            if hold:
                started.set()
                release.wait()
            return upload.upload_layer(result, mapping, layer_id=layer_id(name))

        return run

    try:
        prepare("queue-a", bundle, build("a.csv", hold=True))
        started.wait()  # a is being built, held: the worker is busy
        prepare("queue-b", bundle, build("b.csv"))  # queued behind a
        prepare("queue-c", bundle, build("c.csv"))  # b is dropped
        layer, _ = built_layer("queue-b", build("b.csv"))  # built here, not waited for
        assert layer.id == layer_id("b.csv")
        assert made == ["a.csv", "b.csv"]
    finally:
        release.set()
    built_layer("queue-c", lambda: pytest.fail("c was prepared"))
    assert made == ["a.csv", "b.csv", "c.csv"]


def test_an_uploads_country_check_does_not_hold_up_the_next_preparation(
    bundle: mapper.Bundle, held_check: threading.Event
) -> None:
    """Two people upload at once: the first upload's country check (held here, as a long one
    would run) does not keep the second one from being prepared and drawable."""
    from mapper.userlayers import built_layer, prepare

    made: list[str] = []
    prepare("check-a", bundle, _builder(made, "a.csv"), owner="first person")
    built_layer("check-a", lambda: pytest.fail("a was not prepared"))  # drawable; its check held
    prepare("check-b", bundle, _builder(made, "b.csv"), owner="second person")
    waiting = threading.Thread(target=built_layer, args=("check-b", lambda: pytest.fail("b was not prepared")))
    waiting.start()
    waiting.join(timeout=120)  # not a timing: with one thread for both, b would wait for a's check forever
    stuck = waiting.is_alive()
    held_check.set()
    waiting.join()
    assert not stuck, "b's preparation waited for a's country check"
    assert made == ["a.csv", "b.csv"]


def _builder(made: list[str], name: str, data: bytes = _CSV):  # type: ignore[no-untyped-def]
    """A ``build`` for :func:`mapper.userlayers.prepare` of ``data`` as upload ``name`` that
    notes each call in ``made``."""
    from mapper import upload

    table = upload.read_upload(name, data)
    mapping = upload.detect_mapping(table)
    result = upload.apply_mapping(table, mapping)

    def build():  # type: ignore[no-untyped-def]
        made.append(name)
        return upload.upload_layer(result, mapping, layer_id=layer_id(name))

    return build


def test_another_sessions_preview_does_not_drop_this_sessions_preparation(bundle: mapper.Bundle) -> None:
    """Two sessions uploading at once: a newer preview drops only its own session's queued
    preparation, never the other session's (which would then be built on "Add to map")."""
    from mapper.userlayers import built_layer, prepare

    made: list[str] = []
    started, release = threading.Event(), threading.Event()
    build_a = _builder(made, "own-a.csv")

    def held_a():  # type: ignore[no-untyped-def]
        started.set()
        release.wait()
        return build_a()

    try:
        prepare("own-a", bundle, held_a, owner="s1")
        started.wait()  # a is being built, held: the worker is busy
        prepare("own-b", bundle, _builder(made, "own-b.csv"), owner="s2")  # queued
        prepare("own-c", bundle, _builder(made, "own-c.csv"), owner="s1")  # queued; s2's b stays
        prepare("own-d", bundle, _builder(made, "own-d.csv"), owner="s1")  # s1's own c is dropped
    finally:
        release.set()
    built_layer("own-b", lambda: pytest.fail("s1's newer preview dropped s2's preparation"))
    built_layer("own-d", lambda: pytest.fail("d was not prepared"))
    assert made == ["own-a.csv", "own-b.csv", "own-d.csv"]


def test_a_late_check_does_not_replace_records_enriched_against_newer_countries(
    store: WorkspaceStore, bundle: mapper.Bundle, held_check: threading.Event
) -> None:
    """The data reloaded (new countries) while a preparation's check runs: the layer is
    enriched and checked again against the new countries, and the old check, ending later,
    does not put its records and findings back."""
    import time

    from mapper import upload
    from mapper.userlayers import (
        built_layer,
        checking,
        enriched_upload_layer,
        prepare,
        remember,
        result_key,
        save_result,
    )

    table = upload.read_upload("late.csv", _CSV)
    mapping = upload.detect_mapping(table)
    result = upload.apply_mapping(table, mapping)
    key = result_key("late.csv", hashlib.sha256(_CSV).hexdigest(), result, mapping)
    prepare(key, bundle, lambda: upload.upload_layer(result, mapping, layer_id=layer_id("late.csv")))
    built = built_layer(key, lambda: pytest.fail("built again"))
    ws = store.create_workspace("Late")
    saved = save_result(store, ws.id, "late.csv", _CSV, result, mapping)
    remember(saved, built)
    reloaded = dataclasses.replace(bundle, countries=bundle.countries.copy(), cache={})
    fresh = enriched_upload_layer(reloaded, store, saved)
    held_check.set()
    deadline = time.monotonic() + 60
    while checking(store, ws.id) and time.monotonic() < deadline:
        held_check.wait(0.05)  # the condition polled: the check's thread ends on its own
    assert checking(store, ws.id) == ()
    assert enriched_upload_layer(reloaded, store, saved) is fresh


def test_a_preparation_that_fails_keeps_nothing_and_logs_why(
    bundle: mapper.Bundle, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A failure in the background (enriching, writing the map's documents) leaves nothing
    half-made behind: "Add to map" builds the layer again (and shows any error of its own),
    and the failure is in the server's log, not lost with the thread."""
    from mapper import UploadError
    from mapper.userlayers import built_layer, prepare

    made: list[str] = []

    def no_documents(prepared: mapper.Bundle) -> object:
        raise OSError("disk full")

    with caplog.at_level("INFO", logger="mapper.userlayers"):
        prepare("fail-docs", bundle, _builder(made, "fail-docs.csv"), no_documents)
        built_layer("fail-docs", _builder(made, "fail-docs.csv"))
        assert made == ["fail-docs.csv", "fail-docs.csv"]  # built again: nothing kept

        def refuse(*args: object, **kwargs: object) -> object:
            raise UploadError("cannot enrich")

        monkeypatch.setattr(mapper.Bundle, "enrich", refuse)
        prepare("fail-enrich", bundle, _builder(made, "fail-enrich.csv"))
        built_layer("fail-enrich", _builder(made, "fail-enrich.csv"))
        assert made[2:] == ["fail-enrich.csv", "fail-enrich.csv"]  # the layer built ahead is not kept
    logged = {r.getMessage(): r for r in caplog.records if r.name == "mapper.userlayers"}
    docs = [r for m, r in logged.items() if m.startswith("upload fail-docs")]
    assert docs, logged
    assert docs[0].exc_info, logged
    assert "disk full" in str(docs[0].exc_info[1]), logged
    assert any(m.startswith("upload fail-enrich") and "cannot enrich" in m for m in logged), logged


def test_a_preview_that_cannot_be_built_is_not_built_again_at_each_rerun(bundle: mapper.Bundle) -> None:
    """Every widget change reruns the preview and asks for its preparation again: one that
    failed with the upload's own problem is not retried in the background (the same input
    fails the same way); "Add to map" still builds it and shows the error each time."""
    from mapper import UploadError
    from mapper.userlayers import built_layer, prepare

    background: list[str] = []

    def refuse() -> tuple:  # type: ignore[type-arg]
        if threading.current_thread().name.startswith("mapper-upload-ahead"):
            background.append("built")
        raise UploadError("none of its rows could be mapped")

    for _ in range(3):  # three reruns of the same preview
        prepare("refused-key", bundle, refuse)
        with pytest.raises(UploadError, match="none of its rows"):
            built_layer("refused-key", refuse)
    assert background == ["built"]

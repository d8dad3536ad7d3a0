"""A workspace on the map: its uploads rebuilt into layers of the bundle, and links to it.

The store (:mod:`mapper.workspace`) keeps what the user gave; this module turns the newest
version of each upload into a layer (through :mod:`mapper.upload`, the same path as a fresh
upload) added to the bundled data, so the map, tables, exports, snapshots and HTML export
treat it like any other layer. Links name a workspace (``ws=<id>``) and optionally one of its
saved views (``view=<id>``); ids the store does not hold give a notice, never an error.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import urllib.parse
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import geopandas as gpd

from . import _trace
from ._errors import MapperError, UnknownWorkspaceError
from .catalogue import Layer
from .data import Bundle, EnrichedLayer
from .i18n import Message
from .query import param_value
from .viewstate import VIEW_PARAM, WORKSPACE_PARAM, ViewState, view_from_query
from .workspace import SavedView, Upload, WorkspaceStore, is_id

if TYPE_CHECKING:  # (imported where used: upload imports much this module does not need)
    from .upload import Mapping as UploadMapping
    from .upload import UploadResult

_log = logging.getLogger(__name__)

#: Prefix of the ids of layers made from uploads (bundled layer ids never start with it).
LAYER_PREFIX = "ws_"


def layer_id(upload_name: str) -> str:
    """The layer id of an upload: stable across its versions (so saved views and links that
    name the layer keep working after a re-upload), and a valid layer id whatever the file
    name's script."""
    return LAYER_PREFIX + hashlib.sha1(upload_name.encode("utf-8")).hexdigest()[:10]


@dataclass(frozen=True)
class WorkspaceLayers:
    """The bundle with a workspace's layers, which upload each layer shows, and the uploads
    that could not be shown (with why: never dropped silently)."""

    bundle: Bundle
    uploads: dict[str, Upload] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def revision(store: WorkspaceStore, workspace_id: str) -> tuple[str, ...]:
    """What identifies the workspace's current content (the newest version of each upload):
    a cache key that changes when an upload is added, re-uploaded or deleted."""
    return tuple(upload.id for upload in store.uploads(workspace_id))


def content_key(saved: Upload) -> str:
    """What an upload version's layer is made from, as a digest: the file's content hash,
    the mapping, the sheet or layer picked, the upload time (the records carry it) and the
    layer id. Two versions with the same key give the same layer, whichever process or
    session builds it."""
    return upload_key(saved.name, saved.sha256, saved.mapping, saved.sheet, saved.layer, saved.created)


def upload_key(
    name: str, sha256: str, mapping: Mapping[str, object], sheet: str | None, layer: str | None, created: datetime
) -> str:
    """:func:`content_key` of the version that saving these would make (known before it is
    saved: ``sha256`` is the file's SHA-256 in hex, ``created`` the upload time)."""
    made_of = {
        "sha256": sha256,
        "mapping": dict(mapping),
        "sheet": sheet,
        "layer": layer,
        "uploaded": created.astimezone(UTC).isoformat() if created.tzinfo else created.isoformat(),
        "layer_id": layer_id(name),
    }
    return hashlib.sha256(json.dumps(made_of, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def result_key(name: str, sha256: str, result: UploadResult, mapping: UploadMapping) -> str:
    """:func:`upload_key` of the version :func:`save_result` would make of these, before it
    is saved (what :func:`prepare` is keyed by; equal to the saved version's
    :func:`content_key`). ``sha256`` is the file's SHA-256 in hex (the page has it already:
    a big file is not hashed again at each rerun)."""
    table = result.table
    return upload_key(name, sha256, mapping.to_dict(), table.sheet, table.layer, result.uploaded)


def save_result(
    store: WorkspaceStore, workspace_id: str, name: str, data: bytes, result: UploadResult, mapping: UploadMapping
) -> Upload:
    """Keep the file ``data`` uploaded as ``name`` as the workspace's next version of it,
    with what :func:`mapper.upload.apply_mapping` made of it (``result``): the mapping, the
    sheet or layer read, its rows and the upload time. Its :func:`content_key` is
    :func:`result_key` of ``name``, the SHA-256 of ``data``, ``result`` and ``mapping``.

    Raises
    ------
    MapperError
        As :meth:`mapper.workspace.WorkspaceStore.save_upload` (limits, unknown workspace).
    """
    table = result.table
    return store.save_upload(
        workspace_id,
        name,
        data,
        mapping=mapping.to_dict(),
        sheet=table.sheet,
        layer=table.layer,
        rows=len(table.frame),
        created=result.uploaded,
    )


@dataclass
class _Built:
    """An upload's layer and records as built, and once enriched, by the countries of the
    bundle it was enriched against (held weakly: a reloaded bundle enriches again), and
    whatever was made from them ahead (``ahead``: e.g. the map's documents, kept alive
    here so that the map page takes them over)."""

    layer: Layer
    frame: gpd.GeoDataFrame
    enriched: EnrichedLayer | None = None
    countries: weakref.ref[gpd.GeoDataFrame] | None = None
    ahead: object = None
    #: False while :func:`prepare` checks the records against the countries (``enriched``
    #: has no findings yet).
    checked: bool = True


#: Layers built from uploads in this process, by :func:`content_key` (a version never
#: changes, so its layer is read, checked and enriched once: at "Add to map", or on first
#: use after a restart). Documents published for the map are content-addressed files, and
#: :meth:`mapper.webmap.MapAssets.reuse` takes over those of the same layer objects.
_BUILT: OrderedDict[str, _Built] = OrderedDict()
_BUILT_MAX = 16
_BUILT_LOCK = threading.Lock()


def remember(saved: Upload, built: tuple[Layer, gpd.GeoDataFrame]) -> None:
    """Keep the layer just built for an upload version (so that showing it right after
    saving does not read and check the file a second time). What :func:`prepare` made of
    the same layer objects is kept with it."""
    _keep(content_key(saved), built)


def _keep(key: str, built: tuple[Layer, gpd.GeoDataFrame]) -> _Built:
    """The entry of ``key`` holding these layer objects, made unless it already holds them
    (so what was enriched and made ahead of them stays), as the newest; the oldest beyond
    :data:`_BUILT_MAX` are forgotten."""
    with _BUILT_LOCK:
        found = _BUILT.get(key)
        if found is None or found.layer is not built[0] or found.frame is not built[1]:
            found = _BUILT[key] = _Built(*built)
        _BUILT.move_to_end(key)
        while len(_BUILT) > _BUILT_MAX:
            _BUILT.popitem(last=False)
        return found


def _built(key: str) -> _Built | None:
    """The entry of ``key`` (after a preparation of it under way can be drawn), or None."""
    _wait(key)
    with _BUILT_LOCK:
        found = _BUILT.get(key)
        if found is not None:
            _BUILT.move_to_end(key)
        return found


@dataclass
class _Ahead:
    """A preparation under way: its job, whether its layer can be drawn yet (set once the
    layer is built, enriched and its documents made, or once the job failed or was dropped),
    and who asked for it (a newer preview drops only its own session's queued ones)."""

    job: Future[None]
    drawable: threading.Event
    owner: str | None = None


#: Uploads being prepared ahead (:func:`prepare`), by :func:`upload_key`: one at a time, in
#: a thread of their own, while the user looks at the preview.
_AHEAD: dict[str, _Ahead] = {}
_AHEAD_POOL = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mapper-upload-ahead")
#: Their country checks, in a thread of their own: one upload's long check (seconds for tens of
#: thousands of rows) never holds up the next upload's preparation, another session's included.
_CHECK_POOL = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mapper-upload-ahead-check")
#: Keys whose preparation failed with the upload's own problem (a MapperError: the same
#: input fails the same way), newest last: each rerun of that preview does not build it again
#: in the background (only "Add to map" does, to show the error).
_REFUSED: OrderedDict[str, None] = OrderedDict()
_REFUSED_MAX = 64


def _drop(key: str, queued: _Ahead) -> None:
    """Drop a preparation if it has not started (whoever waits for it builds it at once);
    one that runs goes on. Call with :data:`_BUILT_LOCK` held."""
    if queued.job.cancel():
        queued.drawable.set()
        del _AHEAD[key]


def _wait(key: str) -> None:
    """Let a preparation of ``key`` under way get its layer drawable (its country check may
    still run; a failure is left to the caller, which builds again and reports it)."""
    with _BUILT_LOCK:
        pending = _AHEAD.get(key)
    if pending is not None:
        pending.drawable.wait()


def prepare(
    key: str,
    base: Bundle,
    build: Callable[[], tuple[Layer, gpd.GeoDataFrame]],
    then: Callable[[Bundle], object] | None = None,
    *,
    owner: str | None = None,
) -> None:
    """Build, enrich and check an upload's layer in the background, before it is saved.

    While the user looks at the preview, the layer (``build()``) is made and enriched
    against ``base``, ``then`` gets ``base`` with the layer (e.g. to publish the map's
    documents; what it returns is kept with the layer), and last the records are checked
    against the countries they name. Saving the upload then finds all of it by ``key``
    (:func:`upload_key`, equal to the saved version's :func:`content_key`): "Add to map" and
    the Map page do not do it again, and draw the layer without waiting for the check; its
    findings join the workspace's report when the check ends (:func:`checking` says which
    uploads are still checked). A failure is not kept (nor raised: it is logged): the caller
    builds again on "Add to map" and shows the error. Returns at once; does nothing if
    ``key`` is built or under way (or failed with the upload's own problem: a MapperError),
    and drops the preparations ``owner`` (e.g. a session's id) still has queued (a preview
    changed since: the newest counts); other owners' stay.
    """
    drawable = threading.Event()

    def run() -> None:
        try:
            with _trace.span("prepare (background)"):
                _prepare(key, base, build, then, drawable)
        except MapperError as exc:  # the upload's own problem: "Add to map" builds again and says it
            _log.info("upload %s not prepared ahead: %s", key[:12], exc)
            with _BUILT_LOCK:
                _REFUSED[key] = None
                while len(_REFUSED) > _REFUSED_MAX:
                    _REFUSED.popitem(last=False)
        except Exception:  # a thread has no caller: logged, and built again on use
            _log.warning("upload %s not prepared ahead; it is built when added", key[:12], exc_info=True)
        finally:
            drawable.set()
            with _BUILT_LOCK:
                _AHEAD.pop(key, None)

    with _BUILT_LOCK:
        if key in _BUILT or key in _AHEAD or key in _REFUSED:
            return
        for other, queued in list(_AHEAD.items()):  # an older preview not started: not needed now
            if queued.owner == owner:
                _drop(other, queued)
        _AHEAD[key] = _Ahead(_AHEAD_POOL.submit(run), drawable, owner)


def _prepare(
    key: str,
    base: Bundle,
    build: Callable[[], tuple[Layer, gpd.GeoDataFrame]],
    then: Callable[[Bundle], object] | None,
    drawable: threading.Event,
) -> None:
    """The body of :func:`prepare`'s job (in its thread): ``drawable`` is set once the layer
    can be shown, its country check handed to the check thread (:func:`_check_ahead`); on
    any failure nothing of ``key`` stays kept."""
    entry = _keep(key, build())
    try:
        frame, _ = base.enrich(entry.layer, entry.frame, check=False)
        unchecked = EnrichedLayer(entry.layer, frame, [])
        with _BUILT_LOCK:
            entry.enriched, entry.countries, entry.checked = unchecked, weakref.ref(base.countries), False
        if then is not None:
            entry.ahead = then(base.with_enriched_layers([unchecked]))
    except BaseException:
        _forget(key, entry)
        raise
    _CHECK_POOL.submit(_check_ahead, key, entry, base, unchecked)
    drawable.set()


def _forget(key: str, entry: _Built) -> None:
    """Not shown without its check: the next use of ``key`` builds it all again (unless
    ``key`` holds a newer entry by now)."""
    with _BUILT_LOCK:
        if _BUILT.get(key) is entry:
            del _BUILT[key]


def _check_ahead(key: str, entry: _Built, base: Bundle, unchecked: EnrichedLayer) -> None:
    """The country check of a prepared upload (in :data:`_CHECK_POOL`'s thread): its findings
    join the kept layer; on failure the layer is forgotten and the failure logged (a thread
    has no caller: "Add to map" or the Map page builds and checks it again, and says what is
    wrong)."""
    try:
        with _trace.span("country check (background)"):
            findings = base.check(entry.layer, unchecked.frame)
    except Exception:
        _log.warning("upload %s: its country check failed; it is built again when shown", key[:12], exc_info=True)
        _forget(key, entry)
        return
    with _BUILT_LOCK:
        # enriched again meanwhile (a reloaded bundle's countries: enriched_upload_layer)? that
        # one ran its own check; these findings belong to the old countries
        if entry.enriched is unchecked:
            entry.enriched = EnrichedLayer(entry.layer, unchecked.frame, findings)
        entry.checked = True


def checking(store: WorkspaceStore, workspace_id: str) -> tuple[str, ...]:
    """The ids of the workspace's uploads whose layer is shown while its country check still
    runs (:func:`prepare`): part of a cache key of the workspace's bundle, so that a bundle
    made before the findings is made again once they are in."""
    pending = []
    for saved in store.uploads(workspace_id):
        with _BUILT_LOCK:
            found = _BUILT.get(content_key(saved))
        if found is not None and not found.checked:
            pending.append(saved.id)
    return tuple(pending)


def built_layer(key: str, build: Callable[[], tuple[Layer, gpd.GeoDataFrame]]) -> tuple[Layer, gpd.GeoDataFrame]:
    """The layer :func:`prepare` made for ``key`` (waiting for it if under way), else ``build()``."""
    found = _built(key)
    return (found.layer, found.frame) if found is not None else build()


def build_upload_layer(store: WorkspaceStore, saved: Upload) -> tuple[Layer, gpd.GeoDataFrame]:
    """The layer of one saved upload version, rebuilt from the bytes and mapping kept (the
    same path as a fresh upload), or taken from this process's memory of it."""
    from . import upload as _upload

    found = _built(content_key(saved))
    if found is None:
        table = _upload.read_upload(saved.name, store.upload_bytes(saved.id), sheet=saved.sheet, layer=saved.layer)
        mapping = _upload.Mapping.from_dict(saved.mapping)
        result = _upload.apply_mapping(table, mapping, uploaded=saved.created)
        built = _upload.upload_layer(result, mapping, layer_id=layer_id(saved.name))
        remember(saved, built)
        return built
    return found.layer, found.frame


def enriched_upload_layer(base: Bundle, store: WorkspaceStore, saved: Upload) -> EnrichedLayer:
    """:func:`build_upload_layer`, enriched against ``base``'s countries once per process
    (not again when another upload joins the workspace, a session opens it or it reopens)."""
    layer, frame = build_upload_layer(store, saved)
    found = _built(content_key(saved))
    same_countries = found is not None and found.countries is not None and found.countries() is base.countries
    if found is not None and found.enriched is not None and same_countries:
        return found.enriched
    enriched = EnrichedLayer(layer, *base.enrich(layer, frame))
    if found is not None:
        with _BUILT_LOCK:
            found.enriched, found.countries = enriched, weakref.ref(base.countries)
    return enriched


def workspace_bundle(base: Bundle, store: WorkspaceStore, workspace_id: str) -> WorkspaceLayers:
    """``base`` plus a layer for the newest version of each upload of the workspace.

    An upload that cannot be rebuilt (a file the reader no longer accepts, a mapping that
    names a column the file lacks) is left out with a problem naming the file and version.
    Each upload's layer is built and enriched once per process (:func:`content_key`), and
    the same objects are given to every bundle that shows it, so the map's documents of
    the layer are built once too.

    Raises
    ------
    UnknownWorkspaceError
        If the store does not hold the workspace.
    """
    extra = []
    shown: dict[str, Upload] = {}
    problems: list[str] = []
    for saved in store.uploads(workspace_id):
        lid = layer_id(saved.name)
        try:
            extra.append(enriched_upload_layer(base, store, saved))
        except MapperError as exc:
            problems.append(
                Message(
                    "{file} (version {version}) could not be shown: {problem}",
                    file=saved.name,
                    version=saved.version,
                    problem=exc,
                )
            )
            continue
        shown[lid] = saved
    bundle = base.with_enriched_layers(extra) if extra else base
    return WorkspaceLayers(bundle=bundle, uploads=shown, problems=problems)


def _params(query: str) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(query.lstrip("?"), keep_blank_values=False))


def resolve_link(
    store: WorkspaceStore | None, params: Mapping[str, str | Iterable[str]], *, unavailable: str = ""
) -> tuple[dict[str, str | Iterable[str]], list[str]]:
    """The URL parameters a link stands for, and notices.

    ``view=<id>`` is replaced by the saved view's own parameters (which name its workspace);
    ``ws=<id>`` is kept when the store holds that workspace. Unknown or deleted ids, or no
    store (``unavailable`` says why), drop the parameter with a notice; the rest of the link
    still applies.
    """
    out: dict[str, str | Iterable[str]] = dict(params)
    notices: list[str] = []
    view_id = param_value(out, VIEW_PARAM)
    out.pop(VIEW_PARAM, None)
    if view_id:
        if store is None:
            notices.append(Message("the saved view in the link cannot be opened: {why}", why=_why(unavailable)))
        else:
            try:
                saved = store.view(view_id)
            except UnknownWorkspaceError as exc:
                notices.append(Message("the link's saved view was not found ({problem})", problem=exc))
            except MapperError as exc:
                notices.append(Message("the saved view in the link cannot be opened: {why}", why=exc))
            else:
                out = {**_params(saved.query), WORKSPACE_PARAM: saved.workspace_id}
    ws = param_value(out, WORKSPACE_PARAM)
    if not ws:
        out.pop(WORKSPACE_PARAM, None)
    else:
        if store is None:
            notices.append(Message("the workspace in the link cannot be opened: {why}", why=_why(unavailable)))
            out.pop(WORKSPACE_PARAM)
        elif not is_id(ws):
            notices.append(
                Message("ignored ws={value}: not a workspace id (copy the link again from the app)", value=repr(ws))
            )
            out.pop(WORKSPACE_PARAM)
        else:
            try:
                store.workspace(ws)
            except UnknownWorkspaceError as exc:
                notices.append(Message("the link's workspace was not found ({problem})", problem=exc))
                out.pop(WORKSPACE_PARAM)
            except MapperError as exc:
                notices.append(Message("the workspace in the link cannot be opened: {why}", why=exc))
                out.pop(WORKSPACE_PARAM)
            else:
                out[WORKSPACE_PARAM] = ws
    return out, notices


def _why(unavailable: str) -> str:
    """Why there is no store: the deployment's reason, or a translatable default."""
    return unavailable or Message("no workspace store")


def show_layer(view: ViewState, lid: str) -> ViewState:
    """``view`` with layer ``lid`` shown (added to an explicit layer choice; every layer is
    shown when none is chosen)."""
    filters = view.filters
    if filters.layers and lid not in filters.layers:
        filters = filters.with_values(layers=(*filters.layers, lid))
    if view.layers_off:
        filters = filters.with_values(layers=(lid,))
    return replace(view, filters=filters, layers_off=False)


def open_workspace(view: ViewState, workspace_id: str | None) -> ViewState:
    """``view`` in another workspace (or none): the layer choice is reset (the other
    workspace's layers are not there); the other filters, colours and position stay."""
    if workspace_id == view.workspace:
        return view
    return replace(view, workspace=workspace_id, filters=view.filters.with_values(layers=()), layers_off=False)


def saved_view_state(saved: SavedView, bundle: Bundle) -> tuple[ViewState, list[str]]:
    """The view a saved view stands for, in its workspace (``bundle`` must hold that
    workspace's layers), and notices for values that no longer apply (a layer deleted)."""
    params = {**_params(saved.query), WORKSPACE_PARAM: saved.workspace_id}
    return view_from_query(params, bundle)


def view_query(view: ViewState) -> str:
    """The query string a saved view keeps."""
    return urllib.parse.urlencode(view.to_query())


def view_link(page_url: str, saved: SavedView) -> str:
    """A link that opens a saved view on the deployment ``page_url`` (the address of any of
    its pages) is served at: its root, whose default page is the Map."""
    parts = urllib.parse.urlsplit(page_url or "")
    path = parts.path.rsplit("/", 1)[0] + "/"
    query = urllib.parse.urlencode({WORKSPACE_PARAM: saved.workspace_id, VIEW_PARAM: saved.id})
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, query, ""))

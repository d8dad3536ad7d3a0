"""Your data page: upload a file, map its columns with a preview, add it to the open
workspace (it then shows on the Map page like any layer); workspaces (open, create, rename,
delete), upload versions and saved views.

Widgets only: reading files, mapping columns, storing and rebuilding layers are the
library's (:mod:`mapper.upload`, :mod:`mapper.workspace`, :mod:`mapper.userlayers`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from app_pages._shared import (
    STATIC_DIR,
    base_bundle,
    current_view,
    file_uploader,
    get_bundle,
    get_store,
    held_index,
    md_escape,
    set_view,
    show_notices,
    store_problem,
    sync_url,
    tr,
    workspace_layers,
)
from mapper import MapperError, _trace
from mapper.assets import STREAMLIT_STATIC_URL
from mapper.upload import LOCATION_KINDS, Mapping, apply_mapping, detect_mapping, read_upload, rejected_csv
from mapper.upload import upload_layer as build_layer
from mapper.userlayers import (
    built_layer,
    layer_id,
    open_workspace,
    prepare,
    remember,
    result_key,
    save_result,
    saved_view_state,
    show_layer,
    view_link,
    view_query,
)
from mapper.validate import upload_name
from mapper.webmap import MapAssets

t = tr()
_ = t.gettext
NONE = ""
#: Session-state keys: the message a button's callback left for the next run; the memo.
MESSAGE_KEY = "yd_message"
MEMO_KEY = "yd_memo"
#: Session-state key: "Add to map" saved the upload; the run goes to the Map page at once.
GO_MAP_KEY = "yd_go_map"
#: Session-state key: this session's id for background preparations (a newer preview drops
#: only this session's queued ones, never another user's).
OWNER_KEY = "yd_owner"
MAP_PAGE = "app_pages/map.py"
LOCATION_LABELS = {
    "lonlat": _("Longitude and latitude columns"),
    "wkt": _("A WKT geometry column"),
    "country": _("A country column (country-level records)"),
    "geometry": _("The file's own geometry"),
}
COLUMN_ROLES = {
    "name": _("Name of each record"),
    "country": _("Country (code or name)"),
    "category": _("Category (colours the points)"),
    "year": _("Year (filter)"),
    "number": _("Number (filter and size)"),
}

if st.session_state.pop(GO_MAP_KEY, False):
    st.switch_page(MAP_PAGE)  # before anything of this page is drawn again
bundle = get_bundle()
view = current_view(bundle)
store = get_store()
st.title(_("Your data"))
show_notices()


def _say(kind: str, text: str) -> None:
    """Leave a message for the next run (callbacks cannot place elements)."""
    st.session_state[MESSAGE_KEY] = (kind, text)


def _in_language(problems: pd.DataFrame) -> pd.DataFrame:
    """Rows set aside or warned about, with the library's messages in the user's language
    (the row, column and value are the file's own and stay as they are)."""
    return problems.assign(problem=[t.message(m) for m in problems["problem"]])


def _attempt(action: Callable[[], Any], done: str = "") -> None:
    """Run a store action from a callback; its problem (or ``done``) is shown next run."""
    try:
        action()
    except MapperError as exc:
        _say("error", tr().message(exc))
    else:
        if done:
            _say("success", done)


message = st.session_state.pop(MESSAGE_KEY, None)
if message:
    getattr(st, message[0])(md_escape(message[1]))

if store is None:
    st.error(
        md_escape(
            _("Workspaces are not available on this deployment now: {problem}").format(
                problem=t.message(store_problem())
            )
        )
    )
    sync_url(view)
    st.stop()

# ---- which workspace -----------------------------------------------------------------------
workspaces = store.workspaces()
names = {w.id: w.name for w in workspaces}
open_id = view.workspace if view.workspace in names else None


def _open(workspace_id: str | None) -> None:
    set_view(open_workspace(current_view(get_bundle()), workspace_id or None))


def _create() -> None:
    def create() -> None:
        ws = store.create_workspace(st.session_state.get("yd_new_name", ""))
        _open(ws.id)
        st.session_state["yd_new_name"] = ""

    _attempt(create, _("Workspace created: upload a file into it below."))


st.session_state["yd_ws"] = open_id or NONE  # the widget shows the one view state
left, right = st.columns([2, 1])
left.selectbox(
    _("Workspace"),
    [NONE, *names],
    index=held_index("yd_ws", [NONE, *names]),
    format_func=lambda i: names.get(i, _("(none: the bundled data only)")),
    key="yd_ws",
    on_change=lambda: _open(st.session_state["yd_ws"]),
    help=_("A workspace keeps your uploads and saved views on this deployment; a link to it opens it for colleagues."),
)
with right.popover(_("New workspace")):
    st.text_input(_("Name"), key="yd_new_name", placeholder=_("e.g. Mekong pipeline 2026"))
    st.button(_("Create"), key="yd_create", on_click=_create)
st.caption(
    _("Only need to check a file against a bundled layer's schema? Use the checker on the **Data & sources** page.")
)
if open_id is None:
    st.info(_("Open or create a workspace to upload your own records."))
    sync_url(view)
    st.stop()

# ---- upload and map ------------------------------------------------------------------------
st.header(_("Add a file"))
upload = file_uploader(
    _("CSV (any common encoding), Excel, GeoJSON, GeoPackage, zipped Shapefile, KML/KMZ or GeoParquet"),
    key="yd_file",
)


def _memo(key: tuple[Any, ...], build: Callable[[], Any], keep: int = 4) -> Any:
    """This session's last few reads and mappings of the file being mapped, kept as objects
    (no hashing of the file's bytes nor pickling of 50,000-row frames on every rerun)."""
    memo: dict[tuple[Any, ...], Any] = st.session_state.setdefault(MEMO_KEY, {})
    if key not in memo:
        memo[key] = build()
        while len(memo) > keep:
            memo.pop(next(iter(memo)))
    return memo[key]


def _read(name: str, data: bytes, tag: str, sheet: str | None, layer: str | None) -> Any:
    with st.spinner(_("Reading the file…")), _trace.span("read_upload"):
        return _memo(("read", name, tag, sheet, layer), lambda: read_upload(name, data, sheet=sheet, layer=layer))


def _apply(table: Any, tag: str, mapping: Mapping, uploaded: dt.datetime) -> Any:
    key = ("apply", table.name, tag, table.sheet, table.layer, json.dumps(mapping.to_dict(), sort_keys=True), uploaded)
    with st.spinner(_("Checking every row…")), _trace.span("apply_mapping"):
        return _memo(key, lambda: apply_mapping(table, mapping, uploaded=uploaded))


def _add_to_map(open_id: str, name: str, data: bytes, mapping: Mapping, result: Any, ahead: str) -> None:
    """Callback of "Add to map": save the upload as the workspace's next version, show its
    layer and go to the Map page (first thing in the next run: this page is not drawn again);
    a problem is shown on this page instead."""
    lid = layer_id(name)
    try:
        with _trace.span("upload_layer"):  # refuse before saving what cannot be shown
            built = built_layer(ahead, lambda: build_layer(result, mapping, layer_id=lid))
        with _trace.span("save_upload"):
            saved = save_result(store, open_id, name, data, result, mapping)
    except MapperError as exc:
        _say("error", tr().message(exc))
        return
    remember(saved, built)
    set_view(show_layer(current_view(get_bundle()), lid))
    _say(
        "success",
        tr()
        .gettext("{file} saved as version {version} and added to the map.")
        .format(file=upload_name(name), version=saved.version),
    )
    st.session_state[GO_MAP_KEY] = True


def _documents(bundle: Any, lang: str) -> MapAssets:
    """The map's documents of a bundle, published where the Map page serves them from; the
    object is returned to be kept (the Map page takes its documents over while it lives)."""
    assets = MapAssets(bundle, lang)
    assets.publish(STATIC_DIR, STREAMLIT_STATIC_URL)
    return assets


if upload is not None:
    name, data = upload.name, upload.getvalue()
    shown = upload_name(name)
    digest = hashlib.sha256(data).hexdigest()
    tag = digest[:16]  # widget keys per file: a new file starts afresh
    # the upload time: when this file reached the page (its records carry it; the store keeps it)
    uploaded = _memo(("uploaded", upload.file_id), lambda: dt.datetime.now(dt.UTC).replace(microsecond=0))
    try:
        store.limits.check_size(shown, len(data))
        table = _read(name, data, tag, None, None)
        if len(table.sheets) > 1:
            sheet = st.selectbox(_("Sheet"), table.sheets, key=f"yd_sheet_{tag}")
            table = _read(name, data, tag, sheet, None)
        if len(table.layers) > 1:
            layer = st.selectbox(_("Layer in the file"), table.layers, key=f"yd_layer_{tag}")
            table = _read(name, data, tag, None, layer)
        store.limits.check_rows(shown, len(table.frame))
        detected = detect_mapping(table)  # a table with no location column is a message, not a traceback
    except MapperError as exc:
        st.error(md_escape(t.message(exc)))
        table = None
    if table is not None:
        for note in table.notes:
            st.caption(md_escape(t.message(note)))
        st.subheader(_("Which column is what"), anchor=False)
        columns = table.columns
        kinds = [k for k in LOCATION_KINDS if k != "geometry" or table.has_geometry]
        location = st.radio(
            _("Where the records are"),
            kinds,
            index=kinds.index(detected.location) if detected.location in kinds else 0,
            format_func=LOCATION_LABELS.get,
            key=f"yd_location_{tag}",
            horizontal=True,
        )

        def column(role: str, label: str, where: Any = st) -> str:
            default = getattr(detected, role)
            options = [NONE, *columns]
            return where.selectbox(
                label,
                options,
                index=options.index(default) if default in options else 0,
                format_func=lambda c: c if c else _("(none)"),
                key=f"yd_{role}_{tag}",
            )

        changes: dict[str, Any] = {"location": location}
        cols = st.columns(3)
        if location == "lonlat":
            changes["lon"] = column("lon", _("Longitude"), cols[0])
            changes["lat"] = column("lat", _("Latitude"), cols[1])
        elif location == "wkt":
            changes["wkt"] = column("wkt", _("WKT geometry"), cols[0])
        for i, (role, label) in enumerate(COLUMN_ROLES.items()):
            changes[role] = column(role, label, cols[i % 3])
        changes["tooltip"] = st.multiselect(
            _("Shown on hover"),
            columns,
            default=[c for c in detected.tooltip if c in columns],
            key=f"yd_tooltip_{tag}",
            placeholder=_("Choose columns"),
        )
        text = st.columns(2)
        changes["title"] = text[0].text_input(_("Layer title"), detected.title, key=f"yd_title_{tag}")
        changes["attribution"] = text[1].text_input(
            _("Attribution (who the records are credited to)"),
            detected.attribution,
            key=f"yd_attribution_{tag}",
            placeholder=_("e.g. JICA Hanoi office, internal list, 2026-11"),
        )
        changes["source_url"] = text[0].text_input(_("Source URL (optional)"), detected.source_url, key=f"yd_url_{tag}")
        changes["licence"] = text[1].text_input(_("Licence (optional)"), detected.licence, key=f"yd_licence_{tag}")
        checked = text[0].date_input(
            _("Records last checked against their source on (optional)"),
            value=None,
            max_value=uploaded.date(),
            key=f"yd_verified_{tag}",
            help=_(
                "Left empty, the upload date stands for it and every record says so. Records not checked for a "
                "year are listed by the freshness report, like the bundled ones."
            ),
        )
        changes["verified_on"] = checked.isoformat() if checked else ""

        st.subheader(_("Preview"), anchor=False)
        st.caption(_("The file as read (first rows; row numbers as in the file)."))
        st.dataframe(table.preview(20), hide_index=True, width="stretch")
        try:
            mapping = detected.with_changes(**changes)
            result = _apply(table, tag, mapping, uploaded)
        except MapperError as exc:
            st.error(md_escape(t.message(exc)))
            result = None
        lid = layer_id(name)
        if result is not None:  # the version "Add to map" would save, known before it is saved
            ahead = result_key(name, digest, result, mapping)
        if result is not None and len(result.frame):
            # while the user looks at the preview, the layer is built, checked against the
            # countries and its map documents written, in the background: "Add to map" finds them
            prepare(
                ahead,
                base_bundle(),
                lambda: build_layer(result, mapping, layer_id=lid),
                lambda bundle, lang=t.lang: _documents(bundle, lang),
                owner=st.session_state.setdefault(OWNER_KEY, uuid.uuid4().hex),
            )
        if result is not None:
            (st.success if not result.rejected_count else st.warning)(md_escape(t.message(result.summary())))
            if result.rejected_count:
                st.caption(
                    _(
                        "Rows set aside (row as in your file, column, value, and what to do). Your file is not "
                        "changed: fix them there and upload it again, it becomes a new version."
                    )
                )
                st.dataframe(_in_language(result.rejected.head(200)), hide_index=True, width="stretch")
                st.download_button(
                    _("Download the {count} rows set aside (CSV)").format(count=result.rejected_count),
                    rejected_csv(result),
                    file_name=f"{shown.rsplit('.', 1)[0]}_set_aside.csv",
                    mime="text/csv",
                    key=f"yd_rejected_{tag}",
                )
            if len(result.warnings):
                st.caption(_("Warnings (the rows are mapped):"))
                st.dataframe(_in_language(result.warnings.head(200)), hide_index=True, width="stretch")
            if len(result.frame):
                st.caption(_("Records as they will be mapped (first rows):"))
                st.dataframe(
                    pd.DataFrame(result.frame.drop(columns=result.frame.geometry.name)).head(20),
                    hide_index=True,
                    width="stretch",
                )
            st.button(
                _("Add to map"),
                type="primary",
                key=f"yd_add_{tag}",
                disabled=not len(result.frame),
                on_click=_add_to_map,
                args=(open_id, name, data, mapping, result, ahead),
            )

# ---- what the workspace holds ----------------------------------------------------------------
st.header(_("In this workspace"))
loaded = workspace_layers()
for problem in loaded.problems if loaded else []:
    st.warning(md_escape(t.message(problem)))
uploads = store.uploads(open_id)
if not uploads:
    st.caption(_("No upload yet."))
for latest in uploads:
    shown_name = upload_name(latest.name)
    on_map = loaded is not None and layer_id(latest.name) in loaded.uploads
    title = latest.mapping.get("title") or shown_name
    heading = (
        _("{title} ({file}), version {version}") if on_map else _("{title} ({file}), version {version}, not shown")
    )
    with st.expander(md_escape(heading.format(title=title, file=shown_name, version=latest.version))):
        versions = store.versions(open_id, latest.name)
        st.dataframe(
            pd.DataFrame(
                {
                    _("version"): [v.version for v in versions],
                    _("uploaded (UTC)"): [t.datetime(v.created) for v in versions],
                    _("size (bytes)"): [v.size for v in versions],
                    _("rows"): [v.rows for v in versions],
                    _("sheet/layer"): [v.sheet or v.layer or "" for v in versions],
                    _("SHA-256"): [v.sha256[:16] for v in versions],
                }
            ),
            hide_index=True,
            width="stretch",
        )
        pick = st.selectbox(
            _("Version"),
            versions,
            format_func=lambda v: _("version {version}").format(version=v.version),
            key=f"yd_version_{latest.id}",
        )
        buttons = st.columns(3)
        buttons[0].download_button(
            _("Download this version as uploaded"),
            store.upload_bytes(pick.id),
            file_name=shown_name,
            key=f"yd_original_{pick.id}",
        )
        if pick.id != latest.id:
            buttons[1].button(
                _("Make this version the current one"),
                key=f"yd_restore_{latest.id}",
                help=_("Saved as a new version: no version is lost."),
                on_click=_attempt,
                args=(
                    lambda pick=pick: store.save_upload(
                        open_id,
                        pick.name,
                        store.upload_bytes(pick.id),
                        mapping=pick.mapping,
                        sheet=pick.sheet,
                        layer=pick.layer,
                        rows=pick.rows,
                    ),
                    _("Version {version} of {file} is the current one again (saved as a new version).").format(
                        version=pick.version, file=shown_name
                    ),
                ),
            )
        if buttons[2].checkbox(_("Remove from the workspace"), key=f"yd_rm_ok_{latest.id}"):
            buttons[2].button(
                t.ngettext("Remove its {n} version", "Remove all {n} versions", len(versions)).format(n=len(versions)),
                key=f"yd_rm_{latest.id}",
                on_click=_attempt,
                args=(
                    lambda n=latest.name: store.delete_upload(open_id, n),
                    _("{file} removed.").format(file=shown_name),
                ),
            )

# ---- saved views --------------------------------------------------------------------------------
st.header(_("Saved views"))
st.caption(_("A view keeps the layers, filters, colours and map position; its link opens it for colleagues."))


def _save_view() -> None:
    _attempt(
        lambda: store.save_view(open_id, st.session_state.get("yd_view_name", ""), view_query(current_view(bundle))),
        _("View saved."),
    )


def _apply_view(saved: Any) -> None:
    state, notices = saved_view_state(saved, get_bundle())
    set_view(state)
    if notices:
        _say(
            "warning",
            _("Opened, with adjustments: {notices}").format(notices="; ".join(tr().message(n) for n in notices)),
        )


row = st.columns([2, 1])
row[0].text_input(_("Name of the current view"), key="yd_view_name", placeholder=_("e.g. Viet Nam wind, 2020 on"))
row[1].button(_("Save the current view"), key="yd_save_view", on_click=_save_view)
for saved in store.views(open_id):
    with st.container(border=True):
        st.markdown(f"**{md_escape(saved.name)}**")
        st.code(view_link(st.context.url or "", saved), language=None, wrap_lines=True)
        act = st.columns([1, 1, 4])
        if act[0].button(_("Open"), key=f"yd_open_{saved.id}"):
            _apply_view(saved)
            st.switch_page(MAP_PAGE)
        act[1].button(
            _("Delete"),
            key=f"yd_delview_{saved.id}",
            on_click=_attempt,
            args=(lambda i=saved.id: store.delete_view(i), _("View {name} deleted.").format(name=saved.name)),
        )

# ---- the workspace itself ---------------------------------------------------------------------------
st.header(_("Workspace"))
ws_row = st.columns(2)
with ws_row[0]:
    st.text_input(_("New name"), value=names[open_id], key=f"yd_rename_{open_id}")
    st.button(
        _("Rename"),
        key="yd_rename",
        on_click=lambda: _attempt(
            lambda: store.rename_workspace(open_id, st.session_state.get(f"yd_rename_{open_id}", "")), _("Renamed.")
        ),
    )
with ws_row[1]:
    if st.checkbox(
        _("Delete this workspace, its uploads (all versions) and its saved views"), key=f"yd_del_ok_{open_id}"
    ):
        st.button(
            _("Delete the workspace"),
            key="yd_delete",
            type="primary",
            on_click=lambda: _attempt(lambda: (store.delete_workspace(open_id), _open(None)), _("Workspace deleted.")),
        )
sync_url(current_view(get_bundle()))

"""App-level caches and small helpers shared by the pages (no data logic here).

The one owner of the explorer's view is ``st.session_state["view_state"]`` (a
:class:`~mapper.viewstate.ViewState`): the Map page's widgets write it, every page reads it,
and it survives page switches (widget keys do not: Streamlit drops the state of widgets that
a page does not render). The URL is written from it at the end of every run.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import streamlit as st

import mapper
from mapper import _trace
from mapper._errors import MapperError, StoreUnavailableError, UnknownWorkspaceError, WorkspaceError
from mapper.data import Bundle
from mapper.i18n import LANGUAGES, Translator, language_from, translator
from mapper.query import FilterState
from mapper.selection import Selection, select
from mapper.upload import FORMATS
from mapper.userlayers import WorkspaceLayers, checking, resolve_link, revision, workspace_bundle
from mapper.viewstate import WORKSPACE_PARAM, ViewState, view_from_query
from mapper.workspace import WorkspaceStore, open_store

#: Session-state key of the one view state.
VIEW_KEY = "view_state"
#: Session-state key of the URL notices (kept until dismissed, so a rerun never hides them).
NOTICES_KEY = "url_notices"
#: Session-state key of the link the session was opened with, resolved against the store.
LINK_KEY = "opening_link"
#: Widget key of the language control (in the router's sidebar, on every page).
LANG_KEY = "w_lang"
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"


@st.cache_resource(show_spinner=False)  # load_base_bundle says it in the visitor's language
def base_bundle() -> Bundle:
    """Load, validate and enrich every bundled layer once per server process."""
    return mapper.load_bundle()


def load_base_bundle() -> Bundle:
    """:func:`base_bundle`, saying what happens in the visitor's language while it loads (the
    first visit after the server starts: seconds). The language is the link's, else the
    browser's (the view, which holds it, needs the bundle). Only that language's text is
    shown: an English page never needs the Japanese font."""
    lang = st.query_params.get("lang")
    t = translator(lang if lang in LANGUAGES else language_from(st.context.locale))
    with st.spinner(t.gettext("Loading and checking the bundled data…")):
        return base_bundle()


@st.cache_resource(show_spinner=False)
def _store() -> WorkspaceStore | StoreUnavailableError:
    """The workspace store of this deployment (opened once per process), or why not."""
    try:
        return open_store()
    except WorkspaceError as exc:
        return exc if isinstance(exc, StoreUnavailableError) else StoreUnavailableError(str(exc))


def get_store() -> WorkspaceStore | None:
    """The workspace store, or None when it cannot be opened (see :func:`store_problem`)."""
    store = _store()
    return None if isinstance(store, Exception) else store


def store_problem() -> str:
    """Why the workspace store cannot be used ("" when it can), as a translatable message."""
    store = _store()
    if isinstance(store, MapperError):
        return store.message or str(store)
    return str(store) if isinstance(store, Exception) else ""


@st.cache_resource(max_entries=16, show_spinner=False)  # the caller shows a spinner in the user's language
def _workspace_layers(workspace_id: str, revision: tuple[str, ...], unchecked: tuple[str, ...] = ()) -> WorkspaceLayers:
    """A workspace's uploads rebuilt into layers (once per content: ``revision`` changes
    with every upload, re-upload or deletion; and once more when the country check of an
    upload shown before it ended, ``unchecked``, has its findings)."""
    with _trace.span("workspace_bundle", workspace=workspace_id, uploads=len(revision)):
        return workspace_bundle(base_bundle(), get_store(), workspace_id)


def _active_workspace() -> str | None:
    """The workspace the session has open: the view's, or the link's before the first view."""
    view = st.session_state.get(VIEW_KEY)
    if isinstance(view, ViewState):
        return view.workspace
    params, _ = _link()
    ws = params.get(WORKSPACE_PARAM)
    return ws if isinstance(ws, str) else None


def _link() -> tuple[dict[str, object], list[str]]:
    """The link the session was opened with, resolved once (saved view, workspace)."""
    if LINK_KEY not in st.session_state:
        st.session_state[LINK_KEY] = resolve_link(get_store(), st.query_params.to_dict(), unavailable=store_problem())
    return st.session_state[LINK_KEY]


def workspace_layers() -> WorkspaceLayers | None:
    """The open workspace rebuilt into layers, or None when none is open. A workspace
    deleted meanwhile (by a colleague) is closed with a notice."""
    ws = _active_workspace()
    store = get_store()
    if not ws or store is None:
        return None
    try:
        with st.spinner(tr().gettext("Loading your workspace's data…")):
            return _workspace_layers(ws, revision(store, ws), checking(store, ws))
    except UnknownWorkspaceError as exc:
        view = st.session_state.get(VIEW_KEY)
        if isinstance(view, ViewState):
            st.session_state[VIEW_KEY] = replace(view, workspace=None)
        st.session_state[LINK_KEY] = ({}, [])
        closed = tr().gettext("the workspace was closed: {error}").format(error=tr().message(exc))
        st.session_state.setdefault(NOTICES_KEY, []).append(closed)
        return None


def get_bundle() -> Bundle:
    """The data every page shows: the bundled layers plus the open workspace's layers."""
    layers = workspace_layers()
    return layers.bundle if layers is not None else base_bundle()


def bundle_key() -> str:
    """Identifies :func:`get_bundle`'s content (for caches keyed by it)."""
    ws = _active_workspace()
    store = get_store()
    if not ws or store is None:
        return ""
    try:
        return f"{ws}:{','.join(revision(store, ws))}"
    except MapperError:
        return ""


#: Selections kept per process (shared by sessions): the recent filters, for going back and
#: forth. Each holds filtered copies of the layers: with a 100,000-record layer, the 64 kept
#: before could pass 1 GB over a long session.
SELECTIONS_KEPT = 8


@st.cache_resource(max_entries=SELECTIONS_KEPT, show_spinner=False)
def _selection(key: str, filters: FilterState, _bundle: Bundle) -> Selection:
    return select(_bundle, filters)


def selection_for(filters: FilterState) -> Selection:
    """The records ``filters`` keep, filtered once per distinct filter (and workspace
    content) and shared by every output of every page (map, tables, exports, snapshots, HTML)."""
    return _selection(bundle_key(), filters, get_bundle())


def tr() -> Translator:
    """The translator of the view's language (the browser's until a link or the user sets it)."""
    view = st.session_state.get(VIEW_KEY)
    lang = view.lang if isinstance(view, ViewState) else None
    return translator(lang or language_from(st.context.locale))


def show_data_problems(bundle: Bundle) -> None:
    """A visible notice when records were left out or flagged (never silent)."""
    t = tr()
    if bundle.report.errors:
        n = len(bundle.report.errors)
        st.error(
            t.ngettext(
                "{n} data error: the records concerned are left out of the map. "
                "See **Data & sources** for the full report.",
                "{n} data errors: the records concerned are left out of the map. "
                "See **Data & sources** for the full report.",
                n,
            ).format(n=n)
        )
    elif bundle.report.warnings:
        n = len(bundle.report.warnings)
        st.warning(
            t.ngettext(
                "{n} consistency warning in the data (see **Data & sources**).",
                "{n} consistency warnings in the data (see **Data & sources**).",
                n,
            ).format(n=n)
        )


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!<>|~$:&^=])")


def md_escape(text: object) -> str:
    """Escape Markdown (and Streamlit's ``$…$`` LaTeX and ``:emoji:``/``:material/…:``
    shortcodes) so text from data files or links shows literally."""
    return _MD_SPECIAL.sub(r"\\\1", str(text))


def current_view(bundle: Bundle) -> ViewState:
    """The one view state: from the session when a page set it, else from the URL (a link
    opened on any page); notices about URL values are kept for :func:`show_notices`."""
    view = st.session_state.get(VIEW_KEY)
    if isinstance(view, ViewState):
        return view
    params, link_notices = _link()
    view, notices = view_from_query(params, bundle)
    st.session_state[VIEW_KEY] = view
    st.session_state[NOTICES_KEY] = [*st.session_state.get(NOTICES_KEY, []), *link_notices, *notices]
    return view


def held(key: str) -> Any:
    """The value the session holds for widget ``key``, to give that widget as its own default
    too (``default=``, ``value=``; :func:`held_index` for ``index=``).

    Streamlit sends a value set through ``st.session_state`` (from a link, a reset, another
    page) to the browser only with the run that set it. A widget whose code is still loading
    then (Streamlit fetches each kind of widget's code when first shown: seconds on a slow
    connection) mounts with a later run's element and took that element's default: every layer
    and filter came up empty, and the next rerun, say after a pan, made that the view.
    """
    return st.session_state.get(key)


def held_index(key: str, options: list[Any]) -> int:
    """:func:`held` as a select box's ``index`` (its first option when the value is not one)."""
    value = st.session_state.get(key)
    return options.index(value) if value in options else 0


def set_view(view: ViewState) -> None:
    """Make ``view`` the one view state."""
    st.session_state[VIEW_KEY] = view


def sync_url(view: ViewState) -> None:
    """Write the view to the URL. Always written: after a page switch the browser may have
    dropped the query string while the server still holds the old one."""
    st.query_params.from_dict(view.to_query())


def _dismiss_notices() -> None:
    st.session_state[NOTICES_KEY] = []


def show_notices() -> None:
    """One visible notice per URL value that had to be dropped or fixed; they stay until
    the user dismisses them."""
    notices = st.session_state.get(NOTICES_KEY) or []
    if not notices:
        return
    t = tr()
    for notice in notices:  # library notices are Messages: shown in the user's language
        st.info(
            md_escape(
                t.gettext("The link had a value this view cannot show, so it was adjusted: {notice}.").format(
                    notice=t.message(notice)
                )
            )
        )
    st.button(t.gettext("Dismiss"), key="dismiss_notices", on_click=_dismiss_notices)


def _css_string(text: str) -> str:
    """``text`` as a CSS string literal: every character but ASCII letters and digits written
    as a six-digit escape, so no text can end the string or the rule (spaces too: CSS takes a
    space after an escape as the escape's end)."""
    return '"' + "".join(c if c.isascii() and c.isalnum() else f"\\{ord(c):06x}" for c in text) + '"'


#: Streamlit's option holding the largest upload it accepts (MB).
_UPLOAD_SIZE_OPTION = "server.maxUploadSize"


def _uploader_css(key: str, button: str, limit: str) -> str:
    """CSS rules replacing one uploader's button label and size limit (Streamlit's
    ``st-key-`` class scopes them to that uploader); the texts are CSS-escaped."""
    scope = f".st-key-{re.sub(r'[^A-Za-z0-9_-]', '', key)} [data-testid='stFileUploaderDropzone']"
    # Streamlit's own text is hidden (not read out, not copied); the replacement is shown
    hidden = "font-size:0;visibility:hidden"
    text = "font-size:0.875rem;line-height:1.6;visibility:visible"
    return (
        f"{scope} button [data-testid='stMarkdownContainer'] p{{{hidden}}}"
        f"{scope} button [data-testid='stMarkdownContainer'] p::after{{content:{_css_string(button)};{text}}}"
        f"{scope} [data-testid='stFileUploaderDropzoneInstructions'] span{{{hidden}}}"
        f"{scope} [data-testid='stFileUploaderDropzoneInstructions'] span::after{{content:{_css_string(limit)};{text}}}"
    )


#: The app's file uploaders, by widget key: the file types each takes.
UPLOADERS: dict[str, tuple[str, ...]] = {
    "u_file": ("geojson", "json", "gpkg", "parquet", "csv"),  # Data & sources: check a file
    "yd_file": tuple(sorted({suffix.lstrip(".") for suffix in FORMATS})),  # Your data: map a file
}


def uploader_styles() -> None:
    """Every uploader's texts in the page's language: Streamlit writes its button ("Upload")
    and the size limit in English only, so one style replaces them with this catalogue's
    texts. Written by the app's prelude on every run and page, the style is on the page before
    any uploader is: written with each uploader, it came after it, and a page switch showed
    Streamlit's English for a moment (longer on a busy machine)."""
    _ = tr().gettext
    size = int(st.get_option(_UPLOAD_SIZE_OPTION))
    button = _("Upload")
    limit = _("Up to {size} MB per file: {types}")
    rules = [
        _uploader_css(key, button, limit.format(size=size, types=", ".join(t.upper() for t in types)))
        for key, types in UPLOADERS.items()
    ]
    style = "<style>" + "".join(rules) + "</style>"
    st.html(style)


def file_uploader(label: str, key: str) -> object:
    """``st.file_uploader`` for one of :data:`UPLOADERS` (its texts come from
    :func:`uploader_styles`)."""
    return st.file_uploader(label, type=list(UPLOADERS[key]), key=key)

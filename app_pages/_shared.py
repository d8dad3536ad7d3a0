"""App-level caches and small helpers shared by the pages (no data logic here).

The one owner of the explorer's view is ``st.session_state["view_state"]`` (a
:class:`~mapper.viewstate.ViewState`): the Map page's widgets write it, every page reads it,
and it survives page switches (widget keys do not: Streamlit drops the state of widgets that
a page does not render). The URL is written from it at the end of every run.
"""

from __future__ import annotations

import re
from pathlib import Path

import streamlit as st

import mapper
from mapper.data import Bundle
from mapper.i18n import Translator, language_from, translator
from mapper.query import FilterState
from mapper.selection import Selection, select
from mapper.viewstate import ViewState, view_from_query

#: Session-state key of the one view state.
VIEW_KEY = "view_state"
#: Session-state key of the URL notices (kept until dismissed, so a rerun never hides them).
NOTICES_KEY = "url_notices"
#: Widget key of the language control (in the router's sidebar, on every page).
LANG_KEY = "w_lang"
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"


# (the spinner runs before the language is known: it says it in both)
@st.cache_resource(show_spinner="Loading and checking the bundled data… / データを読み込み、検証しています…")
def get_bundle() -> Bundle:
    """Load, validate and enrich every layer once per server process."""
    return mapper.load_bundle()


@st.cache_resource(max_entries=64, show_spinner=False)
def _selection(filters: FilterState) -> Selection:
    return select(get_bundle(), filters)


def selection_for(filters: FilterState) -> Selection:
    """The records ``filters`` keep, filtered once per distinct filter and shared by every
    output of every page (map, tables, exports, snapshots, HTML)."""
    return _selection(filters)


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
    view, notices = view_from_query(st.query_params.to_dict(), bundle)
    st.session_state[VIEW_KEY] = view
    st.session_state[NOTICES_KEY] = notices
    return view


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
    _ = tr().gettext
    for notice in notices:
        st.info(
            md_escape(
                _("The link had a value this view cannot show, so it was adjusted: {notice}.").format(notice=notice)
            )
        )
    st.button(_("Dismiss"), key="dismiss_notices", on_click=_dismiss_notices)

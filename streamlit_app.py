"""Indo-Pacific clean-energy mapper: the Streamlit app (a thin router over the pages).

The language is part of the one view state: from the link (``lang=ja``), else the
browser's locale; the sidebar's language control changes it for every page.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import streamlit as st

import mapper.assets
from app_pages._shared import (
    LANG_KEY,
    VIEW_KEY,
    current_view,
    get_bundle,
    held_index,
    load_base_bundle,
    set_view,
    sync_url,
    tr,
    uploader_styles,
)
from mapper import _trace
from mapper.assets import install_static
from mapper.i18n import LANGUAGES, language_from
from mapper.viewstate import ViewState


@st.cache_resource(show_spinner=False)
def _install_static() -> Path:
    """Leaflet and the map runtime come from Python packages / this package and are
    served locally (offline first): copied once per server process, not on every rerun."""
    return install_static(Path(__file__).parent / "static")


_install_static()

# ---- the language: the link's, else the browser's; the sidebar control changes it ------------
with _trace.span("prelude"):
    load_base_bundle()
    view = current_view(get_bundle())
if view.lang is None:
    view = replace(view, lang=language_from(st.context.locale))
    set_view(view)
if st.session_state.get(LANG_KEY) not in LANGUAGES:
    st.session_state[LANG_KEY] = view.lang


def _switch_language() -> None:
    """Callback: the picked language becomes the view's (and the link's)."""
    set_view(replace(current_view(get_bundle()), lang=st.session_state[LANG_KEY]))
    for key in ("s_title", "s_subtitle"):  # the snapshot's default texts follow the language
        st.session_state.pop(key, None)


_ = tr().gettext
st.set_page_config(
    page_title=_("Indo-Pacific clean-energy mapper"),
    page_icon=str(Path(mapper.assets.__file__).parent / "web" / "favicon.png"),  # local: no icon font fetched
    layout="wide",
)
st.sidebar.selectbox(
    _("Language / 言語"),
    list(LANGUAGES),
    index=held_index(LANG_KEY, list(LANGUAGES)),
    format_func=LANGUAGES.get,
    key=LANG_KEY,
    on_change=_switch_language,
)
_ = tr().gettext  # the language just picked
uploader_styles()  # before any page's uploader, at the same place on every page

pages = [
    st.Page("app_pages/map.py", title=_("Map"), icon=":material/map:", default=True, url_path="map"),
    st.Page("app_pages/countries.py", title=_("Countries"), icon=":material/bar_chart:", url_path="countries"),
    st.Page("app_pages/your_data.py", title=_("Your data"), icon=":material/upload_file:", url_path="your_data"),
    st.Page("app_pages/export.py", title=_("Export & snapshots"), icon=":material/download:", url_path="export"),
    st.Page("app_pages/sources.py", title=_("Data & sources"), icon=":material/menu_book:", url_path="sources"),
]
page = st.navigation(pages)
# The map component is mounted afresh whenever the Map page is entered from another page
# (or the session starts): the page then pushes the current view into the new map once.
current = page.url_path or "map"  # the default page's path is ""
st.session_state["map_fresh"] = current == "map" and st.session_state.get("last_page") != "map"
st.session_state["last_page"] = current
with _trace.span("page", page=current):
    page.run()
# Written again at the end of the run: on a page switch the browser may apply its own
# (query-less) address after the page wrote the view into it.
if isinstance(st.session_state.get(VIEW_KEY), ViewState):
    sync_url(st.session_state[VIEW_KEY])

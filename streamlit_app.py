"""Indo-Pacific clean-energy mapper: the Streamlit app (a thin router over the pages)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

import mapper.assets
from app_pages._shared import VIEW_KEY, sync_url
from mapper.assets import install_static
from mapper.viewstate import ViewState

st.set_page_config(
    page_title="Indo-Pacific clean-energy mapper",
    page_icon=str(Path(mapper.assets.__file__).parent / "web" / "favicon.png"),  # local: no icon font fetched
    layout="wide",
)


@st.cache_resource(show_spinner=False)
def _install_static() -> Path:
    """Leaflet, jQuery and the map runtime come from Python packages / this package and are
    served locally (offline first): copied once per server process, not on every rerun."""
    return install_static(Path(__file__).parent / "static")


_install_static()

pages = [
    st.Page("app_pages/map.py", title="Map", icon=":material/map:", default=True, url_path="map"),
    st.Page("app_pages/countries.py", title="Countries", icon=":material/bar_chart:", url_path="countries"),
    st.Page("app_pages/your_data.py", title="Your data", icon=":material/upload_file:", url_path="your_data"),
    st.Page("app_pages/export.py", title="Export & snapshots", icon=":material/download:", url_path="export"),
    st.Page("app_pages/sources.py", title="Data & sources", icon=":material/menu_book:", url_path="sources"),
]
page = st.navigation(pages)
# The map component is mounted afresh whenever the Map page is entered from another page
# (or the session starts): the page then pushes the current view into the new map once.
current = page.title
st.session_state["map_fresh"] = current == "Map" and st.session_state.get("last_page") != "Map"
st.session_state["last_page"] = current
page.run()
# Written again at the end of the run: on a page switch the browser may apply its own
# (query-less) address after the page wrote the view into it.
if isinstance(st.session_state.get(VIEW_KEY), ViewState):
    sync_url(st.session_state[VIEW_KEY])

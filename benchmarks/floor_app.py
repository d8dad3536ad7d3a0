"""The explorer's map alone, for ``bench_explorer.py``'s floor row: the same runtime, data and
view as the Map page, with no sidebar, metrics, tables or other page elements. What it takes
to draw first features is what Streamlit and st_folium cost on this machine before the page's
own widgets add anything. ``bench_explorer.py`` copies it into a scratch directory (Streamlit
serves ``static/`` next to the script it runs); not part of the app.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit_folium import st_folium

from mapper.assets import STREAMLIT_STATIC_URL, install_static
from mapper.data import load_bundle
from mapper.selection import select
from mapper.webmap import MapAssets, live_map_args, map_payload

STATIC = Path(__file__).resolve().parent / "static"


@st.cache_resource(show_spinner=False)
def _assets() -> tuple[MapAssets, dict[str, str], object]:
    install_static(STATIC)
    bundle = load_bundle()
    assets = MapAssets(bundle, "en")
    return assets, assets.publish(STATIC, STREAMLIT_STATIC_URL, compressed=True), bundle


st.set_page_config(layout="wide")
assets, refs, bundle = _assets()
payload = map_payload(select(bundle), assets, refs, view={"seq": 1, "center": [12.0, 120.0], "zoom": 4})
st_folium(**live_map_args(payload))  # exactly the Map page's call

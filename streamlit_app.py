"""Indo-Pacific clean-energy mapper: the Streamlit app (a thin router over the pages)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from mapper.assets import install_static

st.set_page_config(page_title="Indo-Pacific clean-energy mapper", page_icon="🗺️", layout="wide")
# Leaflet and jQuery come from Python packages and are served locally (offline first).
install_static(Path(__file__).parent / "static")

pages = [
    st.Page("app_pages/map.py", title="Map", icon="🗺️", default=True, url_path="map"),
    st.Page("app_pages/countries.py", title="Countries", icon="📊", url_path="countries"),
    st.Page("app_pages/export.py", title="Export & snapshots", icon="⬇️", url_path="export"),
    st.Page("app_pages/sources.py", title="Data & sources", icon="📚", url_path="sources"),
]
st.navigation(pages).run()

"""Export page: download what the map shows (every format) and build report snapshots."""

from __future__ import annotations

import json

import streamlit as st

from app_pages._shared import current_view, get_bundle, md_escape
from mapper.export import FORMATS, default_filename, export_bytes
from mapper.query import FilterState
from mapper.snapshot import PRESETS, PROJECTIONS, REGIONS, bbox_from_leaflet, draw, to_bytes
from mapper.style import Choropleth
from mapper.webmap import standalone_html

bundle = get_bundle()
view = current_view(bundle)
if view is None:
    st.warning("No layer is selected on the Map page: select at least one to export or draw it.")
    st.stop()
state = view.filters
MIME = {
    "geojson": "application/geo+json",
    "gpkg": "application/geopackage+sqlite3",
    "csv": "text/csv",
    "zip": "application/zip",
}


@st.cache_data(show_spinner="Preparing the file…", max_entries=32)
def _export(state_json: str, fmt: str) -> bytes:
    return export_bytes(get_bundle(), FilterState(**_state_kwargs(state_json)), fmt)


@st.cache_data(show_spinner="Building the self-contained map…", max_entries=8)
def _html(state_json: str, choropleth: tuple | None) -> str:
    spec = Choropleth(*choropleth) if choropleth else None
    return standalone_html(get_bundle(), FilterState(**_state_kwargs(state_json)), choropleth=spec)


def _state_kwargs(state_json: str) -> dict:
    raw = json.loads(state_json)
    return {k: tuple(v) if isinstance(v, list) else v for k, v in raw.items()}


st.title("Export and snapshots")
st.markdown(md_escape(f"What the map shows now: {state.describe()}"))
state_json = json.dumps(state.to_dict(), sort_keys=True)

st.subheader("Data for partners")
st.caption("Every file carries the attribution, as-of date, the filter and the tool's version.")
cols = st.columns(len(FORMATS))
labels = {
    "geojson": "GeoJSON (RFC 7946)",
    "gpkg": "GeoPackage (QGIS, ArcGIS)",
    "csv": "CSV (WKT + lon/lat)",
    "zip": "Zip: all formats + README",
}
for col, fmt in zip(cols, FORMATS, strict=True):
    with col:
        st.download_button(
            labels[fmt],
            data=_export(state_json, fmt),
            file_name=default_filename(state, fmt),
            mime=MIME[fmt],
            key=f"dl-{fmt}",
            width="stretch",
        )

st.download_button(
    "Interactive map: one self-contained HTML file (works offline)",
    data=_html(state_json, (view.choropleth, view.scheme, view.classes) if view.choropleth else None),
    file_name=default_filename(state, "geojson").replace(".geojson", ".html"),
    mime="text/html",
    key="dl-html",
)

st.subheader("Map snapshot for a report")
left, right = st.columns([1, 2])
with left:
    preset = st.selectbox("Page", list(PRESETS), key="s_preset")
    fmt = st.selectbox("Format", ["png", "pdf", "svg"], key="s_format", help="PDF and SVG are vector")
    extents = ["Fit to the data", "Current map view", "Named region", "A country"]
    extent = st.radio("Extent", extents, key="s_extent")
    region = bbox = None
    if extent == "Named region":
        region = st.selectbox("Region", list(REGIONS), key="s_region")
    elif extent == "A country":
        names = dict(zip(bundle.countries["iso3"], bundle.countries["name"], strict=True))
        region = st.selectbox("Country", sorted(names, key=names.get), format_func=names.get, key="s_country")
    elif extent == "Current map view":
        bbox = bbox_from_leaflet(st.session_state.get("map_bounds"))
        if bbox is None:
            st.info("Open the Map page first: its current view is used here. Fitting to the data meanwhile.")
    projection = st.selectbox("Projection", list(PROJECTIONS), key="s_projection")
    title = st.text_input("Title", "Indo-Pacific clean-energy partnerships", key="s_title")
    subtitle = st.text_input("Subtitle", f"Filter: {state.describe()}", key="s_subtitle")

options = {
    "preset": preset,
    "title": title,
    "subtitle": subtitle,
    "bbox": bbox,
    "region": region,
    "projection": projection,
    "choropleth": view.choropleth_spec(),
}
with right:
    st.image(to_bytes(draw(bundle, state, dpi=50, **options), "png"), caption="Preview (low resolution)")
    if st.button("Prepare the full-resolution file", key="s_make"):
        with st.spinner("Drawing…"):
            data = to_bytes(draw(bundle, state, **options), fmt)
        st.download_button(
            f"Download {fmt.upper()}",
            data,
            file_name=default_filename(state, "geojson").replace(".geojson", f"_{preset}.{fmt}"),
            key="s_download",
        )

"""Map page: widgets → one view state → library map; details beside, records below."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

import folium

from app_pages._shared import get_bundle, md_escape, show_data_problems, show_notices
from mapper.query import FilterState
from mapper.style import SCHEME_LABELS, categorical_attributes, layer_legend, numeric_attributes
from mapper.tables import clicked_records, country_profile, layer_table, summarize
from mapper.viewstate import NO_CHOROPLETH, NO_TILES, Controls, view_from_query
from mapper.webmap import MapView, base_map, display_lon, feature_groups, tile_providers

bundle = get_bundle()
catalogue = bundle.catalogue
spec = catalogue.countries
controls = Controls.for_bundle(bundle)
choices = controls.choices
names = dict(zip(bundle.countries["iso3"], bundle.countries["name"], strict=True))
(y_min, y_max), (c_min, c_max) = controls.years, controls.capacity
attributes = numeric_attributes(spec) + categorical_attributes(spec)
providers = tile_providers()

# ---- URL → widgets (once per session, or when the URL is opened afresh) -------------------
if "view_loaded" not in st.session_state:
    view, notices = view_from_query(st.query_params.to_dict(), bundle)
    st.session_state.update(
        controls.values(view), view_loaded=True, map_view=view.view, initial_view=view.view, url_notices=notices
    )
show_notices(st.session_state.pop("url_notices", []))


# ---- widgets → view state ---------------------------------------------------------------------
def _reset_filters() -> None:
    """Callback: back to every layer and record (keeps the choropleth, basemap and view)."""
    st.session_state.update(controls.filter_values(FilterState()))


with st.sidebar:
    st.header("Layers and filters")
    st.button("Reset filters", on_click=_reset_filters, key="w_reset", help="Show every layer and record again")
    st.multiselect("Layers", list(catalogue), format_func=lambda i: catalogue[i].title, key="w_layers")
    st.multiselect(
        "Partnership",
        choices["partnerships"],
        key="w_partnerships",
        help="Applies to the activity layers (JUCEP, JUMPP); other layers are filtered by the rest.",
    )
    st.multiselect(
        "Country",
        choices["countries"],
        format_func=lambda c: f"{names.get(c, c)} ({c})",
        key="w_countries",
    )
    st.multiselect("Status", choices["statuses"], format_func=lambda s: s.replace("_", " "), key="w_statuses")
    st.multiselect(
        "Technology / theme",
        choices["technologies"],
        format_func=lambda s: s.replace("_", " "),
        key="w_technologies",
        help="Applies to the activity layers (JUCEP, JUMPP).",
    )
    if y_min < y_max:
        st.slider("Year", y_min, y_max, key="w_years")
    st.slider(
        "Capacity (MW)",
        c_min,
        c_max,
        key="w_capacity",
        help="Applies to layers with a capacity (interconnectors, wind zones); records without one are hidden "
        "when the range is narrowed.",
    )
    st.text_input("Search names and descriptions", key="w_search", placeholder="e.g. Mekong grid")
    st.header("Countries")
    st.selectbox(
        "Colour countries by",
        [NO_CHOROPLETH, *attributes],
        format_func=lambda a: a if a == NO_CHOROPLETH else spec.label(a),
        key="w_choropleth",
    )
    st.selectbox(
        "Classification",
        list(SCHEME_LABELS),
        format_func=SCHEME_LABELS.get,
        key="w_scheme",
        disabled=st.session_state.w_choropleth not in numeric_attributes(spec),
    )
    st.selectbox("Basemap tiles (need internet)", [NO_TILES, *providers], key="w_basemap")

view = controls.view(st.session_state, st.session_state.map_view)
st.session_state.view = view

# ---- the map --------------------------------------------------------------------------------
st.title("Indo-Pacific clean-energy partnerships")
if view is None:  # nothing selected means nothing drawn; the countries (choropleth) still are
    st.warning("No layer is selected: pick at least one in the sidebar.")
    shown = controls.view({**st.session_state.to_dict(), "w_layers": list(catalogue)}, st.session_state.map_view)
    groups, frames = [], {}
else:
    st.query_params.from_dict(view.to_query())
    shown = view
    groups, frames = feature_groups(bundle, view.filters)
summary = summarize(frames, catalogue)
cols = st.columns(max(len(summary), 1))
for col, row in zip(cols, summary.to_dict("records"), strict=False):
    mw = row["capacity (MW)"]
    col.metric(
        row["layer"],
        row["records"],
        help=f"{row['mapped at a place']} mapped at a place, {row['country-level']} country-level (no site)",
    )
    if mw:
        col.caption(f"{mw:,.0f} MW with published capacity")

# Legends describe whole layers (not the filtered records), so the base map stays the same
# while filters change and streamlit-folium swaps only the feature groups: no remount.
legends = [layer_legend(catalogue[lid], bundle.layers[lid]) for lid in frames]
# The map opens where the link said (fixed for the session, so panning never remounts it);
# later moves reach it through st_folium's center/zoom.
m = base_map(
    bundle,
    choropleth=shown.choropleth_spec(),
    basemap=shown.basemap,
    legends=legends,
    view=st.session_state.initial_view,
)
left, right = st.columns([3, 1])
with left:
    result = st_folium(
        m,
        key=f"map-{shown.choropleth}-{shown.scheme}-{shown.basemap}-{','.join(frames)}",
        feature_group_to_add=groups,
        layer_control=folium.LayerControl(collapsed=True),
        center=list(st.session_state.map_view.center),
        zoom=st.session_state.map_view.zoom,
        height=620,
        use_container_width=True,
        returned_objects=["last_active_drawing", "center", "zoom", "bounds"],
    )
    st.caption(
        md_escape(
            f"As of {spec.as_of}. {spec.attribution}. Layers: "
            + "; ".join(catalogue[lid].attribution for lid in frames)
            + ". Open a feature's popup for its source."
        )
    )
if result and result.get("center") and result.get("zoom"):
    c = result["center"]
    moved = MapView((round(c["lat"], 4), round(display_lon(c["lng"]), 4)), int(result["zoom"]))
    if not moved.close_to(st.session_state.map_view):  # ignore sub-pixel drift of the centre
        st.session_state.map_view = moved
    st.session_state.map_bounds = result.get("bounds")

# ---- details of the clicked feature or country ------------------------------------------------
with right:
    st.subheader("Details")
    clicked = (result or {}).get("last_active_drawing") or {}
    props = clicked.get("properties") or {}
    iso = props.get("iso3")
    feature_id = props.get("id")
    if iso:
        profile = country_profile(bundle, iso)
        st.subheader(md_escape(f"{profile.name} ({profile.iso3})"), anchor=False)
        st.table(pd.DataFrame({"value": [str(v) for v in profile.attributes.values()]}, index=list(profile.attributes)))
        for title, table in profile.records.items():
            if len(table):
                st.caption(md_escape(f"{title}: {len(table)}"))
                st.dataframe(table[["ID", *list(table.columns[1:3])]], hide_index=True)
    elif feature_id:
        found = clicked_records(frames, catalogue, feature_id)
        if found is None:
            st.caption("That feature is no longer shown with the current filters.")
        else:
            layer, table = found
            st.caption(md_escape(f"{layer.title}: {len(table)} record(s)"))
            if len(table) == 1:
                st.table(table.T.rename(columns={0: "value"}).dropna().astype(str))
            else:  # a country-level badge: the records it stands for
                st.dataframe(table, hide_index=True, width="stretch")
    else:
        st.caption("Click a country or a feature on the map to see its details here.")

# ---- the records, as tables ---------------------------------------------------------------------
st.subheader("Records shown")
tabs = st.tabs([f"{catalogue[lid].title} ({len(frame)})" for lid, frame in frames.items()] or ["(none)"])
for tab, (lid, frame) in zip(tabs, frames.items(), strict=False):
    with tab:
        st.dataframe(
            layer_table(frame, catalogue[lid]),
            hide_index=True,
            width="stretch",
            column_config={"Source": st.column_config.LinkColumn("Source")},
        )
show_data_problems(bundle)

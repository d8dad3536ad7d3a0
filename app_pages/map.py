"""Map page: widgets → the one view state → a payload for the live map; details beside,
records below.

The map component is mounted once and never rebuilt: its script has no data. Each run sends
a small payload (which records to show, colours, legend, basemap). The view (centre, zoom)
belongs to the user: the map reports it and the page listens; the page pushes a view into
the map only when asked (a link opened, the map page entered, a country picked, "Fit",
"Reset view").
"""

from __future__ import annotations

import urllib.parse
from dataclasses import replace

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from app_pages._shared import (
    STATIC_DIR,
    base_bundle,
    bundle_key,
    current_view,
    get_bundle,
    md_escape,
    selection_for,
    set_view,
    show_data_problems,
    show_notices,
    sync_url,
)
from mapper.assets import STREAMLIT_STATIC_URL, runtime_version
from mapper.data import Bundle
from mapper.query import FilterState
from mapper.selection import Selection
from mapper.style import SCHEME_LABELS, categorical_attributes, numeric_attributes
from mapper.tables import clicked_records, country_profile, layer_table, link_columns, summarize
from mapper.viewstate import NO_CHOROPLETH, NO_TILES, Controls, MapView, Report, take_report, tile_providers
from mapper.webmap import MapAssets, data_bounds, map_payload, payload_group, web_map


@st.cache_resource(max_entries=16, show_spinner="Preparing the map data…")
def _map_assets(key: str, _bundle: Bundle) -> tuple[MapAssets, dict[str, str]]:
    """Layer and country documents, published once per process (and per workspace content,
    ``key``) as content-hashed static files."""
    assets = MapAssets(_bundle)
    if key:  # a workspace: the bundled layers' and countries' documents are built already
        assets.reuse(_map_assets("", base_bundle())[0])
    return assets, assets.publish(STATIC_DIR, STREAMLIT_STATIC_URL)


@st.cache_resource(max_entries=16, show_spinner=False)
def _controls(key: str, _bundle: Bundle) -> Controls:
    return Controls.for_bundle(_bundle)


#: Rows per records table: a big layer's table stays fast; the Export page has every record.
TABLE_ROWS = 1000

bundle = get_bundle()
key = bundle_key()
catalogue = bundle.catalogue
spec = catalogue.countries
assets, refs = _map_assets(key, bundle)
controls = _controls(key, bundle)
attributes = numeric_attributes(spec) + categorical_attributes(spec)
providers = tile_providers()

view = current_view(bundle)
fresh = st.session_state.pop("map_fresh", True)
# Widgets take their values from the one view state whenever they are new: on the first run
# and after another page ran (Streamlit forgets the state of widgets it did not render), and
# when the layers changed (a workspace opened, an upload added): the choices are new then.
renew = st.session_state.get("widgets_for") != key
st.session_state["widgets_for"] = key
for widget, value in controls.values(view).items():
    if renew or widget not in st.session_state:
        st.session_state[widget] = value

notice_area = st.container()  # fixed place above the map, so the map element never moves
with notice_area:
    show_notices()


# ---- widgets → view state ---------------------------------------------------------------------
def _value_label(value: str) -> str:
    """A facet value as shown in a widget (``technical_assistance`` → ``technical assistance``)."""
    return value.replace("_", " ")


def _reset_filters() -> None:
    """Callback: back to every layer and record (keeps the choropleth, basemap and view)."""
    st.session_state.update(controls.filter_values(FilterState()))


with st.sidebar:
    st.header("Layers and filters")
    st.button("Reset filters", on_click=_reset_filters, key="w_reset", help="Show every layer and record again")
    st.multiselect("Layers", list(catalogue), format_func=lambda i: catalogue[i].title, key="w_layers")
    for fid, facet in controls.facets.items():
        users = [catalogue[lid].title for lid in catalogue if catalogue[lid].facet_fields(fid)]
        applies = "" if len(users) == len(catalogue) else f" Applies to: {'; '.join(users)}."
        help_text = md_escape(facet.help + applies)
        key = controls.key(fid)
        if facet.kind == "choice":
            st.multiselect(
                md_escape(facet.label),
                controls.choices.get(fid, []),
                format_func=controls.country_label if facet.is_country else _value_label,
                key=key,
                help=help_text,
            )
        elif facet.kind == "range" and fid in controls.ranges:
            low, high = controls.ranges[fid]
            st.slider(md_escape(facet.label), low, high, key=key, help=help_text)
        elif facet.kind == "text":
            st.text_input(md_escape(facet.label), key=key, placeholder=facet.placeholder, help=help_text)
    st.header("Countries")
    st.selectbox(
        "Colour countries by",
        [NO_CHOROPLETH, *attributes],
        format_func=lambda a: a if a == NO_CHOROPLETH else spec.label(a),
        key="w_choropleth",
    )
    numeric = st.session_state.get("w_choropleth") in numeric_attributes(spec)
    st.selectbox(
        "Classification", list(SCHEME_LABELS), format_func=SCHEME_LABELS.get, key="w_scheme", disabled=not numeric
    )
    st.slider("Classes", 2, 7, key="w_classes", disabled=not numeric)
    st.selectbox("Basemap tiles (need internet)", [NO_TILES, *providers], key="w_basemap")

new_view = controls.view(st.session_state, view.view, workspace=view.workspace)

# ---- view requests: the only times the page moves the map ---------------------------------------
request = st.session_state.get("view_request")


def _request(**target: object) -> dict[str, object]:
    """A new view request (the runtime applies each ``seq`` once)."""
    seq = st.session_state.get("view_seq", 0) + 1
    st.session_state["view_seq"] = seq
    st.session_state["view_request"] = {"seq": seq, **target}
    return st.session_state["view_request"]


if fresh:  # a new map component: show the view the session (or the link) holds
    bounds = assets.bounds(new_view.filters.countries) if new_view.view == MapView() else None
    if bounds:  # a link with countries but no position: show those countries
        request = _request(bounds=bounds)
    else:
        request = _request(center=list(new_view.view.center), zoom=new_view.view.zoom)
    st.session_state["map_report"] = replace(st.session_state.get("map_report", Report()), awaiting_first=True)
elif new_view.filters.countries and new_view.filters.countries != view.filters.countries:
    bounds = assets.bounds(new_view.filters.countries)
    if bounds:
        request = _request(bounds=bounds)
view = new_view
set_view(view)

selection = (
    Selection(bundle=bundle, filters=view.filters, frames={}) if view.layers_off else selection_for(view.filters)
)

# ---- the map --------------------------------------------------------------------------------
st.title("Indo-Pacific clean-energy partnerships")
summary = summarize(selection.frames, catalogue)
cols = st.columns(max(len(summary), 1))
totalled = [f for f in catalogue.facets.values() if f.label in summary.columns]
for col, row in zip(cols, summary.to_dict("records"), strict=False):
    col.metric(
        md_escape(row["layer"]),
        row["records"],
        help=f"{row['mapped at a place']} mapped at a place, {row['country-level']} country-level (no site)",
    )
    for facet in totalled:
        total = row[facet.label]
        if total is not None and pd.notna(total):
            col.caption(md_escape(f"{total:,.0f} {facet.unit} in total where published ({facet.label})".strip()))
if view.layers_off:
    st.warning("No layer is selected: pick at least one in the sidebar.")

left, right = st.columns([3, 1])
with left:
    buttons = st.columns([1, 1, 1, 3])
    if buttons[0].button("Fit to records", key="fit", help="Zoom to the records shown"):
        bounds = data_bounds(selection) or assets.bounds(view.filters.countries)
        if bounds:
            request = _request(bounds=bounds)
        else:
            st.toast("No record with a site to zoom to.")
    if buttons[1].button("Reset view", key="reset_view", help="Back to the whole Indo-Pacific"):
        request = _request(center=list(MapView().center), zoom=MapView().zoom)
    payload = map_payload(
        selection,
        assets,
        refs,
        choropleth=view.choropleth_spec(),
        basemap=view.basemap,
        view=request,
    )
    result = st_folium(
        web_map(asset_base_url=STREAMLIT_STATIC_URL, runtime_version=runtime_version()),
        key="map",
        feature_group_to_add=payload_group(payload),
        height=620,
        use_container_width=True,
        returned_objects=["last_active_drawing", "center", "zoom", "bounds"],
    )
    st.caption(
        md_escape(
            f"As of {selection.as_of}. Sources: " + "; ".join(selection.attributions()) + ". "
            "Open a feature's popup for its source."
        )
    )

# ---- the map reports; the page listens (no feedback: nothing is pushed back) ---------------------
result = result or {}
reported, report = take_report(result, st.session_state.get("map_report", Report()))
if report != st.session_state.get("map_report"):
    st.session_state["map_report"] = report
    st.session_state["map_bounds"] = result.get("bounds")
if reported is not None:
    view = replace(view, view=reported)  # taken as reported: nothing is pushed back
    set_view(view)

# ---- share link (always the current view, written after the map reported) -----------------------
query = view.to_query()
with buttons[2].popover("Share link", help="A link to this exact view: layers, filters, colours, centre and zoom"):
    base = (st.context.url or "").split("?")[0]
    st.code(f"{base}?{urllib.parse.urlencode(query)}" if query else base, language=None, wrap_lines=True)
    st.caption("Use the copy icon at the right of the link.")

# ---- details of the clicked feature or country ------------------------------------------------
with right:
    st.subheader("Details")
    clicked = result.get("last_active_drawing") or {}
    props = clicked.get("properties") or {}
    iso = props.get("iso3")
    feature_id = props.get("id")
    if iso:
        profile = country_profile(bundle, iso)
        st.subheader(md_escape(f"{profile.name} ({profile.iso3})"), anchor=False)
        st.dataframe(
            pd.DataFrame({"value": [str(v) for v in profile.attributes.values()]}, index=list(profile.attributes)),
            width="stretch",
        )
        for title, table in profile.records.items():
            if len(table):
                st.caption(md_escape(f"{title}: {len(table)}"))
                st.dataframe(table[["ID", *list(table.columns[1:3])]], hide_index=True)
    elif feature_id:
        found = clicked_records(selection.frames, catalogue, feature_id)
        if found is None:
            st.caption("That feature is no longer shown with the current filters.")
        else:
            layer, table = found
            st.caption(md_escape(f"{layer.title}: {len(table)} record(s)"))
            if len(table) == 1:
                record = table.iloc[0].dropna()
                st.dataframe(
                    pd.DataFrame({"value": [str(v) for v in record.to_numpy()]}, index=list(record.index)),
                    width="stretch",
                )
            else:  # a country-level badge: the records it stands for
                st.dataframe(table, hide_index=True, width="stretch")
    else:
        st.caption("Click a country or a feature on the map to see its details here.")

# ---- the records, as tables ---------------------------------------------------------------------
st.subheader("Records shown")
tabs = st.tabs(
    [md_escape(f"{catalogue[lid].title} ({len(frame)})") for lid, frame in selection.frames.items()] or ["(none)"]
)
for tab, (layer, frame) in zip(tabs, selection.layers(), strict=False):
    with tab:
        if len(frame) > TABLE_ROWS:
            st.caption(
                f"The first {TABLE_ROWS:,} of {len(frame):,} records. Narrow the filters, or export them all "
                "from the Export page."
            )
        st.dataframe(
            layer_table(frame.iloc[:TABLE_ROWS], layer),
            hide_index=True,
            width="stretch",
            column_config={c: st.column_config.LinkColumn(c) for c in link_columns(layer.schema, layer.label)},
        )
show_data_problems(bundle)
sync_url(view)

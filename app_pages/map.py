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
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit_folium import st_folium

from app_pages._shared import (
    STATIC_DIR,
    base_bundle,
    bundle_key,
    current_view,
    get_bundle,
    held,
    held_index,
    md_escape,
    selection_for,
    set_view,
    show_data_problems,
    show_notices,
    sync_url,
    tr,
)
from mapper import _trace
from mapper.assets import STREAMLIT_STATIC_URL
from mapper.data import Bundle
from mapper.query import YEAR_FACET
from mapper.selection import Selection, dates_text
from mapper.style import SCHEME_LABELS, categorical_attributes, numeric_attributes
from mapper.tables import clicked_records, country_profile, layer_table, link_columns, summarize
from mapper.viewstate import NO_CHOROPLETH, NO_TILES, Controls, MapView, Report, take_report, tile_providers
from mapper.webmap import MapAssets, data_bounds, live_map_args, map_payload


@st.cache_resource(max_entries=16, show_spinner=False)
def _map_assets(key: str, lang: str, _bundle: Bundle) -> tuple[MapAssets, dict[str, str]]:
    """Layer and country documents in one language, published once per process (and per
    workspace content, ``key``) as content-hashed static files."""
    assets = MapAssets(_bundle, lang)
    if key:  # a workspace: the bundled layers' and countries' documents are built already
        assets.reuse(_map_assets("", lang, base_bundle())[0])
    return assets, assets.publish(STATIC_DIR, STREAMLIT_STATIC_URL, compressed=True)


@st.cache_resource(max_entries=16, show_spinner=False)
def _controls(key: str, _bundle: Bundle) -> Controls:
    return Controls.for_bundle(_bundle)


#: Rows per records table: a big layer's table stays fast; the Export page has every record.
TABLE_ROWS = 1000

t = tr()
_ = t.gettext
bundle = get_bundle()
key = bundle_key()
catalogue = bundle.catalogue
spec = catalogue.countries
with st.spinner(_("Preparing the map data…")), _trace.span("map_assets"):
    assets, refs = _map_assets(key, t.lang, bundle)
with _trace.span("controls"):
    controls = _controls(key, bundle)
first_year, last_year = (int(v) for v in controls.ranges.get(YEAR_FACET, (0, 0)))  # the as-of control
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
#: Seconds between two years while playing.
PLAY_SECONDS = 1.2


def _toggle_play() -> None:
    """Callback: start or stop stepping through the years (from the first when at the end)."""
    playing = not st.session_state.get("playing", False)
    st.session_state["playing"] = playing
    if playing:
        st.session_state["w_as_of_on"] = True
        if st.session_state.get("w_as_of", last_year) >= last_year:
            st.session_state["w_as_of"] = first_year


def year_control(first: int, last: int) -> None:
    """The as-of year: a switch, a slider and play (a timed fragment steps one year per tick
    and reruns the app, so every output follows the year)."""
    st.toggle(
        _("Show as of a year"),
        value=bool(held("w_as_of_on")),
        key="w_as_of_on",
        help=_(
            "Shows what existed or was active in that year: records announced, started, designated or "
            "commissioned by then and not ended; cancelled records until the year they were cancelled."
        ),
    )
    st.slider(
        _("As of year"),
        first,
        last,
        value=held("w_as_of"),
        key="w_as_of",
        disabled=not st.session_state.get("w_as_of_on"),
    )
    playing = st.session_state.get("playing", False)
    st.button(
        "⏸ " + _("Pause") if playing else "▶ " + _("Play"),
        key="w_play",
        on_click=_toggle_play,
        help=_("Step through the years, one a second"),
    )
    if not playing:
        return

    @st.fragment(run_every=PLAY_SECONDS)
    def _tick() -> None:
        if st.session_state.get("tick_inline"):
            return  # the page's own run: the year was just drawn
        year = st.session_state.get("w_as_of", last)
        if year >= last or not st.session_state.get("playing"):
            st.session_state["playing"] = False
        else:
            st.session_state["w_as_of"] = year + 1
        st.rerun(scope="app")

    st.session_state["tick_inline"] = True
    _tick()
    st.session_state["tick_inline"] = False


def _reset_filters() -> None:
    """Callback: every layer, each filter at its declared default (keeps the choropleth, basemap and view)."""
    st.session_state.update(controls.filter_values(controls.default_filters()))


def _country_choice(code: str) -> str:
    return f"{t.country(code, controls.names.get(code))} ({code})"


def sidebar() -> None:
    """The layer, filter and colour widgets. Drawn after the map: their values are in the
    session state before the run (seeded from the view above, or set by the user), so the
    map is built from them first and reaches the browser before the widgets do."""
    with st.sidebar:
        st.header(_("Layers and filters"))
        st.button(
            _("Reset filters"),
            on_click=_reset_filters,
            key="w_reset",
            help=_("Every layer again, each filter back to its default"),
        )
        st.multiselect(
            _("Layers"),
            list(catalogue),
            format_func=lambda i: t.data(catalogue[i].title),
            default=held("w_layers"),
            key="w_layers",
            placeholder=_("Choose layers"),
        )
        for fid, facet in controls.facets.items():
            users = [t.data(catalogue[lid].title) for lid in catalogue if catalogue[lid].facet_fields(fid)]
            applies = (
                "" if len(users) == len(catalogue) else " " + _("Applies to: {layers}.").format(layers="; ".join(users))
            )
            help_text = md_escape(t.data(facet.help) + applies)
            key = controls.key(fid)
            if facet.kind == "choice":
                st.multiselect(
                    md_escape(t.data(facet.label)),
                    controls.choices.get(fid, []),
                    format_func=_country_choice if facet.is_country else t.value,
                    default=held(key),
                    key=key,
                    help=help_text,
                    placeholder=_("All: choose to narrow"),
                )
            elif facet.kind == "range" and fid in controls.ranges:
                low, high = controls.ranges[fid]
                st.slider(md_escape(t.data(facet.label)), low, high, value=held(key), key=key, help=help_text)
                if fid == YEAR_FACET:
                    year_control(int(low), int(high))
            elif facet.kind == "text":
                placeholder = t.data(facet.placeholder) if facet.placeholder else None
                st.text_input(
                    md_escape(t.data(facet.label)), held(key), key=key, placeholder=placeholder, help=help_text
                )
        st.header(_("Countries"))
        colour_by = [NO_CHOROPLETH, *attributes]
        st.selectbox(
            _("Colour countries by"),
            colour_by,
            index=held_index("w_choropleth", colour_by),
            format_func=lambda a: _("(none)") if a == NO_CHOROPLETH else t.label(spec, a),
            key="w_choropleth",
        )
        numeric = st.session_state.get("w_choropleth") in numeric_attributes(spec)
        st.selectbox(
            _("Classification"),
            list(SCHEME_LABELS),
            index=held_index("w_scheme", list(SCHEME_LABELS)),
            format_func=lambda k: _(SCHEME_LABELS[k]),
            key="w_scheme",
            disabled=not numeric,
        )
        st.slider(_("Classes"), 2, 7, value=held("w_classes"), key="w_classes", disabled=not numeric)
        basemaps = [NO_TILES, *providers]
        st.selectbox(
            _("Basemap tiles (need internet)"),
            basemaps,
            index=held_index("w_basemap", basemaps),
            format_func=lambda k: _("(none: offline)") if k == NO_TILES else k,
            key="w_basemap",
        )


def metrics() -> None:
    """Records per layer, and the published totals, above the map."""
    summary = summarize(selection.frames, catalogue, t)
    cols = st.columns(max(len(summary), 1))
    totalled = [f for f in catalogue.facets.values() if f.label in summary.columns]
    for col, row in zip(cols, summary.to_dict("records"), strict=False):
        col.metric(
            md_escape(row["layer"]),
            t.number(row["records"]),
            help=_("{sited} mapped at a place, {country} country-level (no site)").format(
                sited=row["mapped at a place"], country=row["country-level"]
            ),
        )
        for facet in totalled:
            total = row[facet.label]
            if total is not None and pd.notna(total):
                caption = _("{total} {unit} in total where published ({facet})").format(
                    total=t.number(total, 0), unit=facet.unit, facet=t.data(facet.label)
                )
                col.caption(md_escape(caption.replace("  ", " ")))


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

# with tracing on, the span says whose run it was and what the Layers widget held (how a run
# that lost its layers was found)
traced = (
    {
        "session": getattr(get_script_run_ctx(), "session_id", "")[:8],
        "layers_off": view.layers_off,
        "w_layers": st.session_state.get("w_layers"),
        "fresh": fresh,
        "renew": renew,
    }
    if _trace.enabled()
    else {}
)
with _trace.span("selection", **traced):
    selection = (
        Selection(bundle=bundle, filters=view.filters, frames={}) if view.layers_off else selection_for(view.filters)
    )

# ---- the map --------------------------------------------------------------------------------
st.title(_("Indo-Pacific clean-energy partnerships"))
# notes that come and go sit in placeholders that are always there: an element added above the
# map would move it in the page, and Streamlit would then replace the map's frame
as_of_note = st.empty()
if view.filters.as_of_year is not None:
    as_of_note.caption(_("Showing what existed or was active in {year}.").format(year=view.filters.as_of_year))
metrics_area = st.container()  # filled after the map is on its way
no_layer_note = st.empty()
if view.layers_off:
    no_layer_note.warning(_("No layer is selected: pick at least one in the sidebar."))

left, right = st.columns([3, 1])
with left:
    buttons = st.container(horizontal=True)  # each button as wide as its label, in any language
    if buttons.button(_("Fit to records"), key="fit", help=_("Zoom to the records shown")):
        bounds = data_bounds(selection) or assets.bounds(view.filters.countries)
        if bounds:
            request = _request(bounds=bounds)
        else:
            st.toast(_("No record with a site to zoom to."))
    if buttons.button(_("Reset view"), key="reset_view", help=_("Back to the whole Indo-Pacific")):
        request = _request(center=list(MapView().center), zoom=MapView().zoom)
    with _trace.span("payload"):
        payload = map_payload(
            selection,
            assets,
            refs,
            choropleth=view.choropleth_spec(),
            basemap=view.basemap,
            view=request,
        )
    with _trace.span("st_folium"):
        result = st_folium(**live_map_args(payload))
    st.caption(
        md_escape(
            _("As of {date}. Sources: {sources}. Open a feature's popup for its source.").format(
                date=dates_text(selection, t), sources="; ".join(t.data(a) for a in selection.attributions())
            )
        )
    )

with metrics_area:
    metrics()
sidebar()

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
with buttons.popover(
    _("Share link"), help=_("A link to this exact view: layers, filters, colours, centre, zoom, year and language")
):
    base = (st.context.url or "").split("?")[0]
    st.code(f"{base}?{urllib.parse.urlencode(query)}" if query else base, language=None, wrap_lines=True)
    st.caption(_("Use the copy icon at the right of the link."))

# ---- details of the clicked feature or country ------------------------------------------------
with right:
    st.subheader(_("Details"))
    clicked = result.get("last_active_drawing") or {}
    props = clicked.get("properties") or {}
    iso = props.get("iso3")
    feature_id = props.get("id")
    if iso:
        profile = country_profile(bundle, iso, t)
        st.subheader(md_escape(f"{profile.name} ({profile.iso3})"), anchor=False)
        st.dataframe(
            pd.DataFrame({_("value"): [str(v) for v in profile.attributes.values()]}, index=list(profile.attributes)),
            width="stretch",
        )
        for title, table in profile.records.items():
            if len(table):
                st.caption(md_escape(f"{title}: {len(table)}"))
                st.dataframe(table[["ID", *list(table.columns[1:3])]], hide_index=True)
    elif feature_id:
        found = clicked_records(selection.frames, catalogue, feature_id, t)
        if found is None:
            st.caption(_("That feature is no longer shown with the current filters."))
        else:
            layer, table = found
            st.caption(
                md_escape(
                    t.ngettext("{layer}: {n} record", "{layer}: {n} records", len(table)).format(
                        layer=t.data(layer.title), n=len(table)
                    )
                )
            )
            if len(table) == 1:
                record = table.iloc[0].dropna()
                st.dataframe(
                    pd.DataFrame({_("value"): [str(v) for v in record.to_numpy()]}, index=list(record.index)),
                    width="stretch",
                )
            else:  # a country-level badge: the records it stands for
                st.dataframe(table, hide_index=True, width="stretch")
    else:
        st.caption(_("Click a country or a feature on the map to see its details here."))

# ---- the records, as tables ---------------------------------------------------------------------
#: Session key remembering whether the records tables are open (the expander's own state is
#: forgotten while another page runs).
RECORDS_OPEN = "records_open"


if "w_records" not in st.session_state:
    st.session_state["w_records"] = st.session_state.get(RECORDS_OPEN, False)
# The tables open on demand: rendering them on every page load put the data grid's ~1.2 MB of
# front-end code ahead of the map (the map's frame appeared only once the grid had loaded).
records = st.expander(
    _("Records shown"),  # a fixed label: the expander stays open when counts change
    expanded=bool(held("w_records")),
    key="w_records",
    on_change="rerun",
)
st.session_state[RECORDS_OPEN] = bool(records.open)
if records.open:
    with records:
        tabs = st.tabs(
            [md_escape(f"{t.data(catalogue[lid].title)} ({len(frame)})") for lid, frame in selection.frames.items()]
            or [_("(none)")]
        )
        for tab, (layer, frame) in zip(tabs, selection.layers(), strict=False):
            with tab:
                if len(frame) > TABLE_ROWS:
                    st.caption(
                        _(
                            "The first {rows} of {total} records. "
                            "Narrow the filters, or export them all from the Export page."
                        ).format(rows=t.number(TABLE_ROWS), total=t.number(len(frame)))
                    )
                st.dataframe(
                    layer_table(frame.iloc[:TABLE_ROWS], layer, t),
                    hide_index=True,
                    width="stretch",
                    column_config={
                        c: st.column_config.LinkColumn(c)
                        for c in link_columns(layer.schema, lambda f, lay=layer: t.label(lay, f))
                    },
                )
show_data_problems(bundle)
sync_url(view)

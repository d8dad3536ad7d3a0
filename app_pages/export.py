"""Export page: download what the map shows and build report snapshots.

Opening the page builds nothing heavy: it shows what is selected. Each file is built when
the user asks for it ("Prepare"), then offered for download; prepared files are kept per
(filter, format) so returning to the page or asking again is instant, and a new filter
simply has no prepared files yet. The snapshot options sit in a form, so typing a title
redraws nothing: the low-resolution preview is drawn for the options submitted with
"Update preview" and cached by them; the full-resolution file is drawn only on request.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import matplotlib.pyplot as plt
import streamlit as st

from app_pages._shared import (
    bundle_key,
    current_view,
    get_bundle,
    md_escape,
    selection_for,
    show_notices,
    sync_url,
    tr,
)
from mapper._errors import MapperError
from mapper.export import FORMATS, default_filename, export_bytes
from mapper.i18n import N_
from mapper.query import FilterState
from mapper.snapshot import (
    PRESET_LABELS,
    PRESETS,
    PROJECTION_LABELS,
    PROJECTIONS,
    REGION_LABELS,
    REGIONS,
    bbox_from_leaflet,
    draw,
    to_bytes,
)
from mapper.style import Choropleth
from mapper.webmap import standalone_html

log = logging.getLogger(__name__)

#: Session-state key of the prepared files: ``{(filters_json, fmt, extra): bytes}`` for the
#: current filter only (files of an older filter are dropped, so memory stays bounded).
PREPARED_KEY = "export_prepared"
#: Session-state key of the formats asked for by a "Prepare" click, built in the next run.
REQUESTED_KEY = "export_requested"
#: Session-state key of the snapshot options last submitted with "Update preview" (JSON).
PREVIEW_KEY = "snapshot_preview"
#: Session-state key of the full-resolution snapshot: ``((options_json, fmt), bytes)``.
SNAPSHOT_FILE_KEY = "snapshot_file"
HTML_TITLE = N_("Indo-Pacific clean-energy partnerships")
PREVIEW_DPI = 50

LABELS = {
    "geojson": N_("GeoJSON (RFC 7946)"),
    "gpkg": N_("GeoPackage (QGIS, ArcGIS)"),
    "csv": N_("CSV (WKT + lon/lat)"),
    "zip": N_("Zip: all formats + README"),
    "html": N_("Interactive map: one self-contained HTML file (works offline)"),
}
MIME = {
    "geojson": "application/geo+json",
    "gpkg": "application/geopackage+sqlite3",
    "csv": "text/csv",
    "zip": "application/zip",
    "html": "text/html",
    "png": "image/png",
    "pdf": "application/pdf",
    "svg": "image/svg+xml",
}
EXTENTS = {
    "data": N_("Fit to the data"),
    "view": N_("Current map view"),
    "region": N_("Named region"),
    "country": N_("A country"),
}


# --- builders (cached by hashable keys: JSON strings) -------------------------------------


def _filters(filters_json: str) -> FilterState:
    return FilterState(**json.loads(filters_json))


def _choropleth(spec_json: str) -> Choropleth | None:
    spec = json.loads(spec_json)
    return Choropleth(*spec) if spec else None


@st.cache_data(show_spinner=False, max_entries=16, ttl=3600)
def _export(filters_json: str, fmt: str, lang: str, key: str) -> bytes:
    return export_bytes(selection_for(_filters(filters_json)), fmt, lang)


@st.cache_data(show_spinner=False, max_entries=4, ttl=3600)
def _html(filters_json: str, choropleth_json: str, lang: str, key: str) -> bytes:
    html = standalone_html(selection_for(_filters(filters_json)), choropleth=_choropleth(choropleth_json), lang=lang)
    return html.encode("utf-8")


def _render(options_json: str, fmt: str, dpi: int | None) -> bytes:
    options = json.loads(options_json)
    selection = selection_for(_filters(options.pop("filters")))
    choropleth = _choropleth(options.pop("choropleth"))
    bbox = options.pop("bbox")
    fig = draw(selection, dpi=dpi, bbox=tuple(bbox) if bbox else None, choropleth=choropleth, **options)
    try:
        return to_bytes(fig, fmt)
    finally:
        plt.close(fig)  # to_bytes closes it too; this also covers a failed render


@st.cache_data(show_spinner=False, max_entries=32, ttl=3600)
def _preview(options_json: str, key: str) -> bytes:
    return _render(options_json, "png", PREVIEW_DPI)


def _attempt(what: str, build: Callable[[], Any]) -> Any | None:
    """Run a builder; a problem becomes a visible message (never a traceback) and None."""
    _ = tr().gettext
    try:
        with st.spinner(_("Preparing {what}…").format(what=what)):
            return build()
    except MapperError as exc:
        st.error(md_escape(_("Could not build {what}: {error}").format(what=what, error=exc)))
    except Exception:  # an unexpected bug: log it for us, tell the user plainly
        log.exception("building %s failed", what)
        st.error(
            md_escape(
                _("Could not build {what} because of an internal error (details are in the server log).").format(
                    what=what
                )
            )
        )
    return None


# --- the page ------------------------------------------------------------------------------

t = tr()
_ = t.gettext
bundle = get_bundle()
bundle_id = bundle_key()  # the workspace's content: part of every cache key below
view = current_view(bundle)
sync_url(view)  # the view the Map page holds stays in the URL on every page
st.title(_("Export and snapshots"))
show_notices()
if view.layers_off:
    st.warning(_("No layer is selected on the Map page: select at least one to export or draw it."))
    st.stop()

state = view.filters
filters_json = json.dumps(state.to_dict(), sort_keys=True)
choropleth_json = json.dumps([view.choropleth, view.scheme, view.classes] if view.choropleth else None)
st.markdown(md_escape(_("What the map shows now: {filter}").format(filter=state.describe(bundle.catalogue.facets, t))))
selection = _attempt(_("the selection"), lambda: selection_for(state))
if selection is None:
    st.stop()
catalogue = selection.catalogue
st.markdown(
    "\n".join(
        "- "
        + t.ngettext("{layer}: **{n}** record", "{layer}: **{n}** records", n).format(
            layer=md_escape(t.data(catalogue[lid].title)), n=t.number(n)
        )
        for lid, n in selection.counts.items()
    )
)
if selection.total == 0:
    st.info(_("No record matches the filter: files would hold no record. Widen the filter on the Map page."))

# Files prepared for another filter are dropped: a filter change invalidates them.
prepared: dict[tuple[str, str, str], bytes] = {
    key: data for key, data in st.session_state.get(PREPARED_KEY, {}).items() if key[0] == filters_json
}
st.session_state[PREPARED_KEY] = prepared
requested: set[tuple[str, str, str]] = {
    key for key in st.session_state.get(REQUESTED_KEY, set()) if key[0] == filters_json
}
st.session_state[REQUESTED_KEY] = requested


def _request(key: tuple[str, str, str]) -> None:
    st.session_state[REQUESTED_KEY].add(key)


def _file_slot(fmt: str, extra: str, build: Callable[[], bytes], file_name: str, what: str) -> None:
    """A "Prepare" button, or the download button once the file is prepared."""
    key = (filters_json, fmt, f"{extra}|{bundle_id}")  # prepared for this filter and workspace content
    if key in requested:
        requested.discard(key)
        data = _attempt(what, build)
        if data is not None:
            prepared[key] = data
    if key in prepared:
        st.download_button(
            f"⬇ {_(LABELS[fmt])}",
            data=prepared[key],
            file_name=file_name,
            mime=MIME[fmt],
            key=f"dl-{fmt}",
            width="stretch",
        )
    else:
        label = _("Prepare {format}").format(format=_(LABELS[fmt]))
        st.button(label, key=f"prep-{fmt}", on_click=_request, args=(key,), width="stretch")


st.subheader(_("Data for partners"))
st.caption(
    _(
        "Every file carries the attribution, as-of date, the filter and the tool's version, with labels in "
        "the language of the page (field names stay the same in every language). "
        "Files are built when you ask for them; once prepared they stay ready for this filter."
    )
)
for col, fmt in zip(st.columns(len(FORMATS)), FORMATS, strict=True):
    with col:
        _file_slot(
            fmt,
            t.lang,
            lambda fmt=fmt: _export(filters_json, fmt, t.lang, bundle_id),
            default_filename(state, fmt),
            _("the {format} file").format(format=_(LABELS[fmt])),
        )
_file_slot(
    "html",
    choropleth_json + t.lang,
    lambda: _html(filters_json, choropleth_json, t.lang, bundle_id),
    default_filename(state, "geojson").removesuffix(".geojson") + ".html",
    _("the self-contained map"),
)

st.subheader(_("Map snapshot for a report"))
names = {
    iso3: t.country(str(iso3), str(name))
    for iso3, name in zip(bundle.countries["iso3"], bundle.countries["name"], strict=True)
}
left, right = st.columns([1, 2])
with left, st.form("snapshot_form"):
    preset = st.selectbox(_("Page"), list(PRESETS), format_func=lambda k: _(PRESET_LABELS.get(k, k)), key="s_preset")
    fmt = st.selectbox(_("Format"), ["png", "pdf", "svg"], key="s_format", help=_("PDF and SVG are vector"))
    extent = st.radio(_("Extent"), list(EXTENTS), format_func=lambda k: _(EXTENTS[k]), key="s_extent")
    region = st.selectbox(
        _("Region"),
        list(REGIONS),
        format_func=lambda k: _(REGION_LABELS.get(k, k)),
        key="s_region",
        help=_("Used when the extent is a named region"),
    )
    country = st.selectbox(
        _("Country"),
        sorted(names, key=lambda iso3: str(names[iso3])),
        format_func=lambda iso3: str(names[iso3]),
        key="s_country",
        help=_("Used when the extent is a country"),
    )
    projection = st.selectbox(
        _("Projection"), list(PROJECTIONS), format_func=lambda k: _(PROJECTION_LABELS[k]), key="s_projection"
    )
    title = st.text_input(_("Title"), _(HTML_TITLE), key="s_title")
    subtitle = st.text_input(
        _("Subtitle"), _("Filter: {filter}").format(filter=state.describe(bundle.catalogue.facets, t)), key="s_subtitle"
    )
    labels = st.checkbox(_("Label features"), value=True, key="s_labels")
    submitted = st.form_submit_button(_("Update preview"), type="primary", width="stretch")

bbox = None
if extent == "view":
    bbox = bbox_from_leaflet(st.session_state.get("map_bounds"))
options = {
    "filters": filters_json,
    "choropleth": choropleth_json,
    "preset": preset,
    "title": title,
    "subtitle": subtitle,
    "bbox": list(bbox) if bbox else None,
    "region": region if extent == "region" else country if extent == "country" else None,
    "projection": projection,
    "labels": labels,
    "lang": t.lang,
}
options_json = json.dumps(options, sort_keys=True)
if submitted:
    st.session_state[PREVIEW_KEY] = options_json
with right:
    if extent == "view" and bbox is None:
        st.info(_("Open the Map page first: its current view is used here. Fitting to the data meanwhile."))
    # Drawn only for options the user submitted (a new filter or a fresh form draws nothing
    # until asked); cached by its options, so coming back to them is instant.
    preview = None
    if st.session_state.get(PREVIEW_KEY) == options_json:
        preview = _attempt(_("the preview"), lambda: _preview(options_json, bundle_id))
    else:
        st.info(_("Choose the options and click **Update preview** to draw the snapshot."))
    if preview is not None:
        st.image(preview, caption=_("Preview (low resolution)"), width="stretch")
        file_key = (options_json, fmt, bundle_id)
        made = st.session_state.get(SNAPSHOT_FILE_KEY)
        if made is not None and made[0] != file_key:
            st.session_state.pop(SNAPSHOT_FILE_KEY)  # drawn for other options: let it go
            made = None
        if made is None and st.button(_("Draw the full-resolution {format}").format(format=fmt.upper()), key="s_make"):
            data = _attempt(_("the snapshot"), lambda: _render(options_json, fmt, None))
            if data is not None:
                made = (file_key, data)
                st.session_state[SNAPSHOT_FILE_KEY] = made
        if made is not None:
            stem = default_filename(state, "geojson").removesuffix(".geojson")
            st.download_button(
                "⬇ " + _("Download the {format}").format(format=fmt.upper()),
                made[1],
                file_name=f"{stem}_{preset}.{fmt}",
                mime=MIME[fmt],
                key="s_download",
            )

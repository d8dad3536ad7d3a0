"""Data & sources page: each layer's description, schema, sources, licence, and the
validation report of the bundled data."""

from __future__ import annotations

import streamlit as st

from app_pages._shared import current_view, get_bundle, md_escape, show_notices, sync_url
from mapper import MapperError
from mapper.schema import describe
from mapper.validate import MAX_VERIFIED_AGE_DAYS, freshness_report, upload_name, upload_tables, validate_upload

bundle = get_bundle()
# the view the Map page holds (or a link describes) stays in the URL on every page
sync_url(current_view(bundle))
show_notices()
catalogue = bundle.catalogue

st.title("Data & sources")
report = bundle.report
if report.ok and not report.warnings:
    st.success(f"All bundled data validates: {sum(report.checked.values())} records in {len(report.checked)} files.")
else:
    st.warning(f"Validation: {len(report.errors)} error(s), {len(report.warnings)} warning(s).")
    st.dataframe(report.to_frame(), hide_index=True, width="stretch")
fresh = freshness_report(bundle)
if fresh.problems:
    st.warning(
        f"Freshness: {len(fresh.problems)} finding(s): records not verified within {MAX_VERIFIED_AGE_DAYS} days, "
        "or whose status or target date has passed (explained in the About section below)."
    )
    st.dataframe(fresh.to_frame().drop(columns="severity"), hide_index=True, width="stretch")
else:
    st.success(f"Freshness: every record verified within {MAX_VERIFIED_AGE_DAYS} days; no status past its date.")

sources = bundle.sources()
for layer in catalogue.values():
    frame = bundle.layers[layer.id]
    with st.expander(md_escape(f"{layer.title}: {len(frame)} records"), expanded=False):
        st.markdown(md_escape(layer.description))
        st.markdown(
            f"**As of:** {md_escape(layer.as_of)} · **Licence:** {md_escape(layer.licence)}  \n"
            f"**Attribution:** {md_escape(layer.attribution)}"
        )
        source = md_escape(layer.source.relative_to(catalogue.root))
        st.markdown(f"**File:** {source} · **Schema:** {md_escape(layer.schema.id)}")
        st.dataframe(describe(layer.schema), hide_index=True, width="stretch")
        st.markdown("**Sources cited by the records**")
        st.dataframe(
            sources[sources["layer"] == layer.id].drop(columns="layer"),
            hide_index=True,
            width="stretch",
            column_config={"url": st.column_config.LinkColumn("url")},
        )

spec = catalogue.countries
with st.expander(md_escape(f"{spec.title}: {int(bundle.countries['has_attributes'].sum())} countries with attributes")):
    st.markdown(md_escape(spec.description))
    st.markdown(
        f"**As of:** {md_escape(spec.as_of)} · **Licence:** {md_escape(spec.licence)}  \n"
        f"**Attribution:** {md_escape(spec.attribution)}"
    )
    st.dataframe(describe(spec.schema), hide_index=True, width="stretch")

readme = catalogue.root / "geodata" / "README.md"
if readme.is_file():
    with st.expander("About the data: sources, precision and status values, licences, known gaps"):
        # the project's own documentation (not record data), rendered as written
        st.markdown(readme.read_text(encoding="utf-8"))

st.subheader("Check a file before sending an update")
st.caption(
    "Upload a GeoJSON, GeoPackage, GeoParquet or CSV (lon/lat) file to check it against a layer's schema. "
    "It is checked in memory and not stored."
)
target = st.selectbox("Layer the file is for", list(catalogue), format_func=lambda i: catalogue[i].title, key="u_layer")
upload = st.file_uploader("File", type=["geojson", "json", "gpkg", "parquet", "csv"], key="u_file")
if upload is not None:
    # the uploaded name is only shown (sanitised), never used as a path
    shown = upload_name(upload.name)
    try:
        tables = upload_tables(upload.name, upload.getvalue())
        table = None
        if len(tables) > 1:  # e.g. this tool's own GeoPackage export: pick the layer's table
            table = st.selectbox(
                "Table in the file",
                tables,
                index=tables.index(target) if target in tables else 0,
                key="u_table",
                help="A GeoPackage can hold several layers; the one checked against the schema.",
            )
        checked = validate_upload(upload.name, upload.getvalue(), catalogue, target, layer_name=table)
    except MapperError as exc:
        st.error(md_escape(f"{shown}: {exc}"))
    else:
        if checked.ok and not checked.warnings:
            st.success(md_escape(f"{shown}: {sum(checked.checked.values())} record(s), no problems."))
        else:
            summary = f"{shown}: {len(checked.errors)} error(s), {len(checked.warnings)} warning(s)."
            (st.error if checked.errors else st.warning)(md_escape(summary))
            st.dataframe(checked.to_frame(), hide_index=True, width="stretch")

"""Data & sources page: each layer's description, schema, sources, licence, and the
validation report of the bundled data."""

from __future__ import annotations

import streamlit as st

from app_pages._shared import current_view, file_uploader, get_bundle, md_escape, show_notices, sync_url, tr
from mapper import MapperError
from mapper.schema import describe
from mapper.validate import MAX_VERIFIED_AGE_DAYS, freshness_report, upload_name, upload_tables, validate_upload

t = tr()
_ = t.gettext
bundle = get_bundle()
# the view the Map page holds (or a link describes) stays in the URL on every page
sync_url(current_view(bundle))
show_notices()
catalogue = bundle.catalogue

st.title(_("Data & sources"))
report = bundle.report
if report.ok and not report.warnings:
    st.success(
        _("All bundled data validates: {records} records in {files} files.").format(
            records=t.number(sum(report.checked.values())), files=len(report.checked)
        )
    )
else:
    st.warning(
        _("Validation: {errors} error(s), {warnings} warning(s).").format(
            errors=len(report.errors), warnings=len(report.warnings)
        )
    )
    st.dataframe(report.to_frame(t), hide_index=True, width="stretch")
fresh = freshness_report(bundle)
if fresh.problems:
    st.warning(
        _(
            "Freshness: {n} finding(s): records not verified within {days} days, "
            "or whose status or target date has passed (explained in the About section below)."
        ).format(n=len(fresh.problems), days=MAX_VERIFIED_AGE_DAYS)
    )
    st.dataframe(fresh.to_frame(t).drop(columns="severity"), hide_index=True, width="stretch")
else:
    st.success(
        _("Freshness: every record verified within {days} days; no status past its date.").format(
            days=MAX_VERIFIED_AGE_DAYS
        )
    )

sources = bundle.sources()
for layer in catalogue.values():
    frame = bundle.layers[layer.id]
    title = _("{layer}: {n} records").format(layer=t.data(layer.title), n=t.number(len(frame)))
    with st.expander(md_escape(title), expanded=False):
        st.markdown(md_escape(t.data(layer.description)))
        st.markdown(
            _("**As of:** {date} · **Licence:** {licence}").format(
                date=md_escape(t.date(layer.as_of)), licence=md_escape(t.data(layer.licence))
            )
            + "  \n"
            + _("**Attribution:** {text}").format(text=md_escape(t.data(layer.attribution)))
        )
        source = md_escape(catalogue.source_label(layer))
        st.markdown(_("**File:** {file} · **Schema:** {schema}").format(file=source, schema=md_escape(layer.schema.id)))
        st.dataframe(describe(layer.schema, t), hide_index=True, width="stretch")
        st.markdown(_("**Sources cited by the records**"))
        st.dataframe(
            sources[sources["layer"] == layer.id].drop(columns="layer"),
            hide_index=True,
            width="stretch",
            column_config={"url": st.column_config.LinkColumn(_("URL"))},
        )

spec = catalogue.countries
n_countries = int(bundle.countries["has_attributes"].sum())
with st.expander(
    md_escape(_("{layer}: {n} countries with attributes").format(layer=t.data(spec.title), n=n_countries))
):
    st.markdown(md_escape(t.data(spec.description)))
    st.markdown(
        _("**As of:** {date} · **Licence:** {licence}").format(
            date=md_escape(t.date(spec.as_of)), licence=md_escape(t.data(spec.licence))
        )
        + "  \n"
        + _("**Attribution:** {text}").format(text=md_escape(t.data(spec.attribution)))
    )
    st.dataframe(describe(spec.schema, t), hide_index=True, width="stretch")

readme = catalogue.root / "geodata" / "README.md"
if readme.is_file():
    with st.expander(_("About the data: sources, precision and status values, licences, known gaps (English)")):
        # the project's own documentation (not record data), rendered as written (in English)
        st.markdown(readme.read_text(encoding="utf-8"))

st.subheader(_("Check a file before sending an update"))
st.caption(
    _(
        "Upload a GeoJSON, GeoPackage, GeoParquet or CSV (lon/lat) file to check it against a layer's schema. "
        "It is checked in memory and not stored."
    )
)
target = st.selectbox(
    _("Layer the file is for"), list(catalogue), format_func=lambda i: t.data(catalogue[i].title), key="u_layer"
)
upload = file_uploader(_("File"), key="u_file")
if upload is not None:
    # the uploaded name is only shown (sanitised), never used as a path
    shown = upload_name(upload.name)
    try:
        tables = upload_tables(upload.name, upload.getvalue())
        table = None
        if len(tables) > 1:  # e.g. this tool's own GeoPackage export: pick the layer's table
            table = st.selectbox(
                _("Table in the file"),
                tables,
                index=tables.index(target) if target in tables else 0,
                key="u_table",
                help=_("A GeoPackage can hold several layers; the one checked against the schema."),
            )
        checked = validate_upload(upload.name, upload.getvalue(), catalogue, target, layer_name=table)
    except MapperError as exc:
        st.error(md_escape(f"{shown}: {t.message(exc)}"))
    else:
        if checked.ok and not checked.warnings:
            n = sum(checked.checked.values())
            st.success(
                md_escape(
                    t.ngettext("{file}: {n} record, no problems.", "{file}: {n} records, no problems.", n).format(
                        file=shown, n=n
                    )
                )
            )
        else:
            summary = _("{file}: {errors} error(s), {warnings} warning(s).").format(
                file=shown, errors=len(checked.errors), warnings=len(checked.warnings)
            )
            (st.error if checked.errors else st.warning)(md_escape(summary))
            st.dataframe(checked.to_frame(t), hide_index=True, width="stretch")

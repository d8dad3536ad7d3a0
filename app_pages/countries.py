"""Countries page: compare targets and memberships, with activity counts and sources."""

from __future__ import annotations

import streamlit as st

from app_pages._shared import current_view, get_bundle, md_escape, show_notices, sync_url
from mapper.tables import country_table, link_columns

bundle = get_bundle()
# the view the Map page holds (or a link describes) stays in the URL on every page
sync_url(current_view(bundle))
show_notices()
spec = bundle.catalogue.countries
table = country_table(bundle)

st.title("Countries: targets and partnerships")
st.caption(md_escape(f"As of {spec.as_of}. {spec.attribution}."))

labels = {c: spec.label(c) for c in table.columns if c in spec.schema.fields}
headline = [
    "iso3",
    "name",
    "ndc_unconditional_pct",
    "ndc_conditional_pct",
    "ndc_base_year",
    "net_zero_year",
    "net_zero_status",
    "offshore_wind_target_gw",
    "offshore_wind_target_year",
    "member_jumpp",
    "member_asean",
    "member_azec",
    "member_quad",
    "member_ipef",
    "jetp",
]
counts = [c for c in table.columns if c.endswith("(records)")]
shown = table[[c for c in headline if c in table.columns] + counts].rename(columns=labels)
st.dataframe(shown, hide_index=True, width="stretch")

st.subheader("Net-zero target year")
net_zero = table.dropna(subset=["net_zero_year"]).set_index("name")["net_zero_year"].astype(int).sort_values()
st.bar_chart(net_zero, horizontal=True, y_label="", x_label="Net-zero / carbon-neutrality year")

st.subheader("NDC 2030: unconditional reduction (%)")
ndc = table.dropna(subset=["ndc_unconditional_pct"]).set_index("name")["ndc_unconditional_pct"].astype(float)
st.bar_chart(
    ndc.sort_values(), horizontal=True, y_label="", x_label="% reduction (base year or BAU differs by country)"
)

st.subheader("Partnership records per country")
st.bar_chart(table.set_index("name")[counts].loc[lambda t: t.sum(axis=1) > 0], horizontal=True, y_label="")

st.subheader("Targets as published, with sources")
details = table[
    [
        "name",
        "ndc_target_text",
        "ndc_version",
        "ndc_replaced",
        "ndc_source_url",
        "net_zero_source_url",
        "offshore_wind_target_text",
        "offshore_wind_source_url",
        "notes",
    ]
].rename(columns=labels)
st.dataframe(
    details,
    hide_index=True,
    width="stretch",
    column_config={c: st.column_config.LinkColumn() for c in link_columns(spec.schema, spec.label)},
)

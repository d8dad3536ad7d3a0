"""Countries page: compare targets and memberships, with activity counts and sources."""

from __future__ import annotations

import altair as alt
import streamlit as st

from app_pages._shared import current_view, get_bundle, md_escape, show_notices, sync_url, tr
from mapper.tables import country_table, link_columns

t = tr()
_ = t.gettext
bundle = get_bundle()
# the view the Map page holds (or a link describes) stays in the URL on every page
sync_url(current_view(bundle))
show_notices()
spec = bundle.catalogue.countries
table = country_table(bundle, t)

st.title(_("Countries: targets and partnerships"))
st.caption(
    md_escape(_("As of {date}. {attribution}.").format(date=t.date(spec.as_of), attribution=t.data(spec.attribution)))
)

labels = {c: t.label(spec, c) for c in table.columns if c in spec.schema.fields}
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
counts = [c for c in table.columns if c not in spec.schema.fields]  # records per layer
for column in [c for c, f in spec.schema.fields.items() if f.allowed and c in table.columns]:
    table[column] = table[column].map(t.value, na_action="ignore")  # category values in the language
shown = table[[c for c in headline if c in table.columns] + counts].rename(columns=labels)
st.dataframe(shown, hide_index=True, width="stretch")

st.subheader(_("Net-zero target year"))
type_label, status_label = t.label(spec, "ndc_target_type"), t.label(spec, "net_zero_status")
net_zero = table.dropna(subset=["net_zero_year"])
st.altair_chart(  # a dot per country on a time axis (bars from year 0 would all look the same)
    alt.Chart(net_zero.assign(status=net_zero["net_zero_status"].fillna("—")))
    .mark_circle(size=140, opacity=0.9)
    .encode(
        x=alt.X(
            "net_zero_year:Q",
            scale=alt.Scale(zero=False, padding=12),
            axis=alt.Axis(format="d"),
            title=_("Net-zero / carbon-neutrality year"),
        ),
        y=alt.Y("name:N", sort="x", title=None),
        color=alt.Color("status:N", title=status_label),
        tooltip=[
            alt.Tooltip("name:N", title=labels["name"]),
            alt.Tooltip("net_zero_year:Q", format="d", title=labels["net_zero_year"]),
            alt.Tooltip("status:N", title=status_label),
        ],
    ),
    width="stretch",
)

st.subheader(_("NDC 2030: unconditional reduction (%)"))
st.caption(
    _(
        "Targets are not all of one kind: a cut from a base year, a cut against business as usual and a cut in "
        "emissions intensity (per unit of GDP) are coloured apart; compare within one colour."
    )
)
ndc = table.dropna(subset=["ndc_unconditional_pct"])
st.altair_chart(
    alt.Chart(ndc.assign(kind=ndc["ndc_target_type"].fillna("—"), base=ndc["ndc_base_year"].fillna("—")))
    .mark_bar()
    .encode(
        x=alt.X("ndc_unconditional_pct:Q", title=_("Reduction in percent (base year or BAU differs by country)")),
        y=alt.Y("name:N", sort="-x", title=None),
        color=alt.Color("kind:N", title=type_label),
        tooltip=[
            alt.Tooltip("name:N", title=labels["name"]),
            alt.Tooltip("ndc_unconditional_pct:Q", title=labels["ndc_unconditional_pct"]),
            alt.Tooltip("kind:N", title=type_label),
            alt.Tooltip("base:N", title=labels["ndc_base_year"]),
        ],
    ),
    width="stretch",
)

st.subheader(_("Partnership records per country"))
st.bar_chart(table.set_index("name")[counts].loc[lambda t: t.sum(axis=1) > 0], horizontal=True, y_label="")

st.subheader(_("Targets as published, with sources"))
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
    column_config={c: st.column_config.LinkColumn() for c in link_columns(spec.schema, lambda f: t.label(spec, f))},
)

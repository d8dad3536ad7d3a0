"""Tables for people: the filtered records with the columns users see in popups, a summary
of what is shown, and a country profile."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

import geopandas as gpd

from .catalogue import Catalogue, Layer
from .data import Bundle
from .enrich import has_site, parse_badge_id
from .i18n import N_, Translator, translator
from .query import FilterState, filter_layer
from .schema import is_missing, split_list

_DERIVED_LABELS = {
    "length_km": N_("Length (km)"),
    "area_km2": N_("Area (km²)"),
    "coast_distance_km": N_("To coast (km)"),
}


def layer_table(frame: gpd.GeoDataFrame, layer: Layer, tr: Translator | None = None) -> pd.DataFrame:
    """The layer's records with its popup fields (plus derived measures), labelled in
    ``tr``'s language; a record's ``name_<lang>`` is shown as its name when it has one."""
    tr = tr or translator()
    columns = ["id", *[f for f in layer.popup if f != "id"]]
    columns += [c for c in _DERIVED_LABELS if c in frame.columns]
    table = pd.DataFrame(frame[[c for c in columns if c in frame.columns]])
    own = f"{layer.label_field}_{tr.lang}"
    if layer.label_field in table.columns and own in frame.columns:
        table[layer.label_field] = frame[own].where(frame[own].notna() & (frame[own] != ""), frame[layer.label_field])
    labels = {c: tr.gettext(_DERIVED_LABELS[c]) if c in _DERIVED_LABELS else tr.label(layer, c) for c in table.columns}
    labels["id"] = "ID"
    return table.rename(columns=labels).reset_index(drop=True)


def summarize(
    frames: Mapping[str, gpd.GeoDataFrame], catalogue: Catalogue, tr: Translator | None = None
) -> pd.DataFrame:
    """Per layer: records shown, how many have a site, and total capacity (MW) where known
    (column names are stable keys; the layer titles are in ``tr``'s language)."""
    tr = tr or translator()
    rows = []
    for lid, frame in frames.items():
        layer = catalogue[lid]
        capacity_fields = layer.facet_fields("capacity")
        capacity = None  # no capacity field, or no record with a published one: never "nan MW"
        if capacity_fields and capacity_fields[0] in frame.columns:
            values = pd.to_numeric(frame[capacity_fields[0]], errors="coerce").dropna()
            capacity = float(values.sum()) if len(values) else None
        located = int(has_site(frame).sum())
        rows.append(
            {
                "layer": tr.data(layer.title),
                "records": len(frame),
                "mapped at a place": located,
                "country-level": len(frame) - located,
                "capacity (MW)": capacity,
            }
        )
    return pd.DataFrame(rows, columns=["layer", "records", "mapped at a place", "country-level", "capacity (MW)"])


def clicked_records(
    frames: Mapping[str, gpd.GeoDataFrame], catalogue: Catalogue, feature_id: str, tr: Translator | None = None
) -> tuple[Layer, pd.DataFrame] | None:
    """The shown records behind a clicked map feature: one record, or every country-level
    record of a layer on a country for a badge. None if nothing shown matches."""
    badge = parse_badge_id(feature_id)
    if badge is not None:
        layer_id, iso3 = badge
        if layer_id not in frames:
            return None
        layer, frame = catalogue[layer_id], frames[layer_id]
        unlocated = frame[~has_site(frame)]
        if not layer.country_fields:
            return None
        group = unlocated[unlocated[layer.country_fields[0]] == iso3]
        return (layer, layer_table(group, layer, tr)) if len(group) else None
    for layer_id, frame in frames.items():
        match = frame[frame["id"].astype(str) == str(feature_id)]
        if len(match):
            return catalogue[layer_id], layer_table(match, catalogue[layer_id], tr)
    return None


@dataclass(frozen=True)
class CountryProfile:
    """A country's attributes and the records of every layer that name it."""

    iso3: str
    name: str
    attributes: dict[str, object]
    records: dict[str, pd.DataFrame]

    @property
    def total_records(self) -> int:
        """Number of records across layers."""
        return sum(len(t) for t in self.records.values())


def country_profile(bundle: Bundle, iso3: str, tr: Translator | None = None) -> CountryProfile:
    """The profile of one country (attributes, activities, interconnectors, wind zones).

    Raises
    ------
    KeyError
        If the country is not on the basemap; the message lists how to find valid codes.
    """
    countries = bundle.countries.set_index("iso3")
    if iso3 not in countries.index:
        raise KeyError(f"no country {iso3!r} on the map; use an ISO 3166-1 alpha-3 code such as LAO or VNM")
    tr = tr or translator()
    row = countries.loc[iso3]
    spec = bundle.catalogue.countries
    attributes = {
        tr.label(spec, name): row[name]
        for name in spec.schema.fields
        if name not in ("iso3", "name") and name in row.index and not is_missing(row[name])
    }
    state = FilterState(countries=(iso3,))
    records = {}
    for lid, frame in bundle.layers.items():
        layer = bundle.catalogue[lid]
        records[tr.data(layer.title)] = layer_table(filter_layer(frame, layer, state), layer, tr)
    return CountryProfile(iso3, tr.country(iso3, str(row["name"])), attributes, records)


def country_table(bundle: Bundle, tr: Translator | None = None) -> pd.DataFrame:
    """Country attributes for comparison, with activity counts per partnership layer
    (country names and count columns in ``tr``'s language)."""
    tr = tr or translator()
    spec = bundle.catalogue.countries
    keep = [f for f in spec.schema.fields if f in bundle.countries.columns]
    table = pd.DataFrame(bundle.countries[keep]).copy()
    table = table[bundle.countries["has_attributes"].to_numpy()]
    for lid, frame in bundle.layers.items():
        layer = bundle.catalogue[lid]
        fields = [f for f in layer.facet_fields("country") if f in frame.columns]
        if not fields:
            continue
        # one pass: each record counts once for every country any of its country fields names
        counts: Counter[str] = Counter()
        for row in frame[fields].itertuples(index=False):
            counts.update({code for value in row for code in split_list(value)})
        column = tr.gettext("{layer} (records)").format(layer=tr.data(layer.title))
        table[column] = [counts.get(iso, 0) for iso in table["iso3"]]
    table["name"] = [tr.country(iso, name) for iso, name in zip(table["iso3"], table["name"], strict=True)]
    return table.reset_index(drop=True)

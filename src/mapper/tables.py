"""Tables for people: the filtered records with the columns users see in popups, a summary
of what is shown, and a country profile."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pandas as pd

import geopandas as gpd

from .catalogue import Catalogue, Layer
from .data import Bundle
from .enrich import has_site, parse_badge_id
from .measures import measure_label, shown_measures
from .query import COUNTRY_FACET, FilterState, filter_layer
from .schema import Schema, is_missing, split_list


def layer_table(frame: gpd.GeoDataFrame, layer: Layer) -> pd.DataFrame:
    """The layer's records with its popup fields (plus derived measures), labelled."""
    columns = ["id", *[f for f in layer.popup if f != "id"]]
    columns += [m.name for m in shown_measures(layer.measures) if m.name in frame.columns]
    table = pd.DataFrame(frame[[c for c in columns if c in frame.columns]])
    labels = {c: measure_label(c) or layer.label(c) for c in table.columns}
    labels["id"] = "ID"
    return table.rename(columns=labels).reset_index(drop=True)


def link_columns(schema: Schema, label: Callable[[str], str]) -> list[str]:
    """Labels of the columns whose schema type is ``url`` (shown as links in tables)."""
    return [label(name) for name, spec in schema.fields.items() if spec.type == "url"]


def summarize(frames: Mapping[str, gpd.GeoDataFrame], catalogue: Catalogue) -> pd.DataFrame:
    """Per layer: records shown, how many have a site, and the total of every range facet
    declared with ``total = true`` (e.g. capacity), in a column named by the facet's label.

    A total is None when the layer has no such field or no record with a published value
    (never "nan MW").
    """
    totalled = {fid: facet for fid, facet in catalogue.facets.items() if facet.kind == "range" and facet.total}
    rows = []
    for lid, frame in frames.items():
        layer = catalogue[lid]
        located = int(has_site(frame).sum())
        row: dict[str, object] = {
            "layer": layer.title,
            "records": len(frame),
            "mapped at a place": located,
            "country-level": len(frame) - located,
        }
        for fid, facet in totalled.items():
            fields = [f for f in layer.facet_fields(fid) if f in frame.columns]
            values = pd.to_numeric(frame[fields[0]], errors="coerce").dropna() if fields else pd.Series(dtype=float)
            row[facet.label] = float(values.sum()) if len(values) else None
        rows.append(row)
    columns = ["layer", "records", "mapped at a place", "country-level", *(f.label for f in totalled.values())]
    return pd.DataFrame(rows, columns=columns)


def clicked_records(
    frames: Mapping[str, gpd.GeoDataFrame], catalogue: Catalogue, feature_id: str
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
        return (layer, layer_table(group, layer)) if len(group) else None
    for layer_id, frame in frames.items():
        match = frame[frame["id"].astype(str) == str(feature_id)]
        if len(match):
            return catalogue[layer_id], layer_table(match, catalogue[layer_id])
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


def country_profile(bundle: Bundle, iso3: str) -> CountryProfile:
    """The profile of one country (attributes, activities, interconnectors, wind zones).

    Raises
    ------
    KeyError
        If the country is not on the basemap; the message lists how to find valid codes.
    """
    countries = bundle.countries.set_index("iso3")
    if iso3 not in countries.index:
        raise KeyError(f"no country {iso3!r} on the map; use an ISO 3166-1 alpha-3 code such as LAO or VNM")
    row = countries.loc[iso3]
    spec = bundle.catalogue.countries
    attributes = {
        spec.label(name): row[name]
        for name in spec.schema.fields
        if name not in ("iso3", "name") and name in row.index and not is_missing(row[name])
    }
    state = FilterState(**{COUNTRY_FACET: (iso3,)})
    records = {}
    for lid, frame in bundle.layers.items():
        layer = bundle.catalogue[lid]
        records[layer.title] = layer_table(filter_layer(frame, layer, state), layer)
    return CountryProfile(iso3, str(row["name"]), attributes, records)


def country_table(bundle: Bundle) -> pd.DataFrame:
    """Country attributes for comparison, with activity counts per partnership layer."""
    spec = bundle.catalogue.countries
    keep = [f for f in spec.schema.fields if f in bundle.countries.columns]
    table = pd.DataFrame(bundle.countries[keep]).copy()
    table = table[bundle.countries["has_attributes"].to_numpy()]
    for lid, frame in bundle.layers.items():
        layer = bundle.catalogue[lid]
        fields = [f for f in layer.facet_fields(COUNTRY_FACET) if f in frame.columns]
        if not fields:
            continue
        # one pass: each record counts once for every country any of its country fields names
        counts: Counter[str] = Counter()
        for row in frame[fields].itertuples(index=False):
            counts.update({code for value in row for code in split_list(value)})
        table[f"{layer.title} (records)"] = [counts.get(iso, 0) for iso in table["iso3"]]
    return table.reset_index(drop=True)

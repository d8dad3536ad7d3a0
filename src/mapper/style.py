"""Colours, classification and legends shared by the web map and the snapshots.

The choropleth classifies a numeric country attribute with mapclassify (quantiles, equal
interval, natural breaks) or colours a categorical one; both give a :class:`Legend` that
states breaks, units and the no-data colour.

A target percentage is only comparable between targets of one type: a 30% cut against
business-as-usual, a 45% cut in emissions intensity and a 46% cut from a base year are
different promises. A ``<prefix>_..._pct`` attribute whose schema has a ``<prefix>_target_type``
field (e.g. ``ndc_unconditional_pct`` and ``ndc_target_type``) is therefore classed over the
countries of ONE target type only: the most common type among the countries with a value
(ties: the first in the type field's ``allowed`` order). The legend title names that type;
countries with a value of another type get their own grey (:data:`OTHER_TYPE`) and legend row,
never a class colour.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

import mapclassify

from .catalogue import CountrySpec, Layer
from .enrich import has_site

SCHEMES = {"quantiles": "Quantiles", "equal_interval": "EqualInterval", "natural_breaks": "FisherJenks"}
SCHEME_LABELS = {
    "quantiles": "Quantiles",
    "equal_interval": "Equal interval",
    "natural_breaks": "Natural breaks (Jenks)",
}
# ColorBrewer YlGnBu, 3-7 classes
_SEQUENTIAL = {
    3: ["#edf8b1", "#7fcdbb", "#2c7fb8"],
    4: ["#ffffcc", "#a1dab4", "#41b6c4", "#225ea8"],
    5: ["#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"],
    6: ["#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#2c7fb8", "#253494"],
    7: ["#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#0c2c84"],
}
#: ColorBrewer Set2 (colour-blind safe qualitative): country categories and upload categories
QUALITATIVE = ("#66c2a5", "#fc8d62", "#8da0cb", "#e78ac3", "#a6d854", "#ffd92f", "#e5c494", "#b3b3b3")
NO_DATA = "#e8e8e8"
#: Countries with a value whose target type differs from the classed one (not comparable).
OTHER_TYPE = "#b0b0b0"
#: How the legend names each target type.
TARGET_TYPE_LABELS = {
    "base_year": "cut from a base year",
    "bau": "cut vs business-as-usual",
    "intensity": "intensity cut",
    "absolute_cap": "absolute cap",
    "other": "other formulation",
}
BASE_FILL = "#f4f1ea"
BASE_STROKE = "#9a9a9a"


@dataclass(frozen=True)
class LegendEntry:
    """One row of a legend: a colour (and optional line width) and its label."""

    color: str
    label: str
    width: float | None = None
    dashed: bool = False


@dataclass(frozen=True)
class Legend:
    """A titled legend of one layer or of the choropleth."""

    title: str
    kind: str  # "point", "line", "polygon", "choropleth"
    entries: tuple[LegendEntry, ...]
    note: str = ""


@dataclass(frozen=True)
class Choropleth:
    """Which country attribute colours the countries, and how it is classified."""

    attribute: str
    scheme: str = "quantiles"
    k: int = 5

    def __post_init__(self) -> None:
        if self.scheme not in SCHEMES:
            raise ValueError(f"unknown classification {self.scheme!r}; use one of {', '.join(SCHEMES)}")
        if not 2 <= self.k <= 7:
            raise ValueError(f"number of classes must be 2..7, got {self.k}")


@dataclass(frozen=True)
class Classified:
    """The colour of every country and the legend that explains it."""

    colors: dict[str, str]
    legend: Legend
    values: dict[str, object]


def _fmt(value: float) -> str:
    if math.isclose(value, round(value)) and 1800 <= value <= 2200:
        return str(round(value))  # a year
    if math.isclose(value, round(value)):
        return f"{round(value):,}"
    return f"{value:,.1f}"


def _unit(label: str) -> str:
    return label[label.rfind("(") + 1 : -1] if label.endswith(")") and "(" in label else ""


def numeric_attributes(spec: CountrySpec) -> list[str]:
    """Country attributes that can be classified (numbers and years)."""
    return [f.name for f in spec.schema.fields.values() if f.type in ("number", "integer")]


def categorical_attributes(spec: CountrySpec) -> list[str]:
    """Country attributes with a fixed set of values (status, memberships)."""
    return [f.name for f in spec.schema.fields.values() if f.type == "boolean" or (f.type == "string" and f.allowed)]


def classify(countries: pd.DataFrame, spec: CountrySpec, choropleth: Choropleth) -> Classified:
    """Colour each country (by iso3) by one attribute.

    Raises
    ------
    ValueError
        If the attribute is not a numeric or categorical country attribute.
    """
    name = choropleth.attribute
    label = spec.label(name)
    if name in numeric_attributes(spec):
        whole = spec.schema.fields[name].type == "integer"
        type_field = target_type_field(spec, name)
        if type_field is not None and type_field in countries.columns:
            return _classify_one_type(countries, spec, name, type_field, label, choropleth)
        return _classify_numeric(countries, name, label, choropleth, whole=whole)
    if name in categorical_attributes(spec):
        return _classify_categorical(countries, spec, name, label)
    choices = numeric_attributes(spec) + categorical_attributes(spec)
    raise ValueError(f"cannot colour countries by {name!r}; choose one of: {', '.join(choices)}")


def target_type_field(spec: CountrySpec, name: str) -> str | None:
    """The field giving the target type of a percentage attribute (``ndc_unconditional_pct`` ->
    ``ndc_target_type``), or None when the attribute is not a typed target."""
    prefix = name.split("_", 1)[0]
    candidate = f"{prefix}_target_type"
    if name.endswith("_pct") and candidate in spec.schema.fields and candidate != name:
        return candidate
    return None


def _classify_one_type(
    countries: pd.DataFrame, spec: CountrySpec, name: str, type_field: str, label: str, choropleth: Choropleth
) -> Classified:
    """Class the countries of the most common target type only; the others with a value are
    :data:`OTHER_TYPE` (see the module docstring)."""
    values = pd.to_numeric(countries[name], errors="coerce").astype(float)
    types = (
        countries[type_field]
        .where(countries[type_field].notna(), None)
        .map(lambda v: None if v is None or str(v).strip() == "" else str(v))
    )
    with_value = types[values.notna()]
    order = list(spec.schema.fields[type_field].allowed or [])
    counts = with_value.dropna().value_counts()
    if counts.empty:
        return _classify_numeric(countries, name, label, choropleth)
    rank = {t: (-int(n), order.index(t) if t in order else len(order), t) for t, n in counts.items()}
    chosen = min(rank, key=rank.get)
    same = values.notna() & (types == chosen)
    other = values.notna() & ~same
    classified = _classify_numeric(countries.assign(**{name: values.where(same)}), name, label, choropleth)
    shown = TARGET_TYPE_LABELS.get(chosen, chosen.replace("_", " "))
    colors = dict(classified.colors)
    # the classed frame counted the other types as missing: the no-data row counts real gaps only
    entries = [*classified.legend.entries[:-1], LegendEntry(NO_DATA, f"No data ({int(values.isna().sum())})")]
    other_types = sorted({str(t) if t is not None else "type not given" for t in types[other]})
    if other.any():
        for iso in countries.loc[other, "iso3"]:
            colors[iso] = OTHER_TYPE
        names = ", ".join(TARGET_TYPE_LABELS.get(t, t.replace("_", " ")) for t in other_types)
        entries.insert(-1, LegendEntry(OTHER_TYPE, f"Other target type, not classed: {names} ({int(other.sum())})"))
    note = classified.legend.note + f"; only {shown} targets are classed"
    if other.any():
        note += f"; {int(other.sum())} countr{'y' if int(other.sum()) == 1 else 'ies'} with another target type in grey"
    legend = Legend(f"{label}: {shown} targets only", "choropleth", tuple(entries), note)
    return Classified(colors, legend, dict(zip(countries["iso3"], values, strict=True)))


def _class_label(i: int, lower: float, upper: float, whole: bool) -> str:
    """Legend text of class ``i`` covering (lower, upper] (the first class: [lower, upper])."""
    if whole:  # whole numbers (years): 2050 – 2056, 2057 – 2063
        lo = math.ceil(lower) if i == 0 else math.floor(lower) + 1
        hi = math.floor(upper)
        return str(lo) if lo >= hi else f"{_fmt(lo)} – {_fmt(hi)}"
    if i == 0:
        return _fmt(lower) if math.isclose(lower, upper) else f"{_fmt(lower)} – {_fmt(upper)}"
    return f"> {_fmt(lower)} – {_fmt(upper)}"


def _classify_numeric(
    countries: pd.DataFrame, name: str, label: str, choropleth: Choropleth, *, whole: bool = False
) -> Classified:
    values = pd.to_numeric(countries[name], errors="coerce").astype(float)
    present = values.dropna()
    colors = dict.fromkeys(countries["iso3"], NO_DATA)
    entries: list[LegendEntry] = []
    unit = _unit(label)
    if len(present):
        k = max(1, min(choropleth.k, present.nunique()))
        if k == 1:
            bins = np.array([present.max()])
        else:
            # mapclassify warns and lowers k when the data has too few distinct values for
            # the scheme (e.g. most net-zero years are 2050); the legend says so instead.
            with warnings.catch_warnings(record=True):
                warnings.simplefilter("always")
                classifier = getattr(mapclassify, SCHEMES[choropleth.scheme])(present.to_numpy(), k=k)
            bins = np.unique(classifier.bins)
        palette = _SEQUENTIAL[max(len(bins), 3)][-len(bins) :]
        classes = np.searchsorted(bins, present.to_numpy(), side="left")
        for iso, cls in zip(countries.loc[present.index, "iso3"], classes, strict=True):
            colors[iso] = palette[min(cls, len(bins) - 1)]
        low = present.min()
        for i, upper in enumerate(bins):
            lower = low if i == 0 else bins[i - 1]
            text = _class_label(i, lower, upper, whole)
            count = int((classes == i).sum())
            entries.append(LegendEntry(palette[i], f"{text} ({count})"))
    missing = int(values.isna().sum())
    entries.append(LegendEntry(NO_DATA, f"No data ({missing})"))
    scheme = SCHEME_LABELS[choropleth.scheme]
    n_classes = len(entries) - 1
    note = f"{scheme}, {n_classes} classes" + (f"; unit: {unit}" if unit else "")
    if n_classes < choropleth.k and len(present):
        note += f" (fewer than the {choropleth.k} asked: too few distinct values)"
    return Classified(
        colors, Legend(label, "choropleth", tuple(entries), note), dict(zip(countries["iso3"], values, strict=True))
    )


def _classify_categorical(countries: pd.DataFrame, spec: CountrySpec, name: str, label: str) -> Classified:
    field = spec.schema.fields[name]
    if field.type == "boolean":
        categories = ["True", "False"]
        names = {"True": "Yes", "False": "No"}
    else:
        categories = list(field.allowed or [])
        names = {c: c.replace("_", " ") for c in categories}
    palette = dict(zip(categories, QUALITATIVE, strict=False))
    colors: dict[str, str] = {}
    values = {}
    for iso, value in zip(countries["iso3"], countries[name], strict=True):
        key = None if pd.isna(value) else str(value)
        values[iso] = key
        colors[iso] = palette.get(key, NO_DATA) if key is not None else NO_DATA
    counts = pd.Series([v for v in values.values() if v is not None]).value_counts()
    entries = [LegendEntry(palette[c], f"{names[c]} ({int(counts.get(c, 0))})") for c in categories]
    missing = sum(v is None for v in values.values())
    entries.append(LegendEntry(NO_DATA, f"No data ({missing})"))
    return Classified(colors, Legend(label, "choropleth", tuple(entries)), values)


def layer_legend(layer: Layer, frame: pd.DataFrame | None = None) -> Legend:
    """Legend of a layer: a colour per value of its ``color_by`` field, line widths by
    ``width_by``, and the country-level symbol when the layer has such records."""
    style = layer.style
    entries: list[LegendEntry] = []
    if style.color_by:
        field = layer.schema.fields[style.color_by]
        values = list(field.allowed or style.palette)
        located = frame[has_site(frame)] if frame is not None else None
        present = set(located[style.color_by].dropna().astype(str)) if located is not None else set(values)
        for value in values:
            if frame is None or value in present:
                entries.append(LegendEntry(style.color_for(value), value.replace("_", " ")))
    else:
        entries.append(LegendEntry(style.default_color, layer.title))
    if style.width_by and style.width_stops:
        unit = _unit(layer.label(style.width_by))
        stops = list(style.width_stops)
        for i, (threshold, width) in enumerate(stops):
            upper = stops[i + 1][0] if i + 1 < len(stops) else None
            text = f"≥ {threshold:g}" if upper is None else f"{threshold:g}–{upper:g}"
            entries.append(LegendEntry("#444444", f"{text} {unit}".strip(), width=width))
    if frame is not None and layer.geometry == "point" and not has_site(frame).all():
        entries.append(LegendEntry("#ffffff", "country-level records (no site): on the country", dashed=True))
    kind = layer.geometry
    title = layer.title + (f" — by {layer.label(style.color_by).lower()}" if style.color_by else "")
    return Legend(title, kind, tuple(entries))

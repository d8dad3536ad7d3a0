"""Computed measures and location checks that a layer spec may ask for.

A spec lists what its records get (``measures = ["length_km"]``) and which checks apply
(``checks = ["in_named_countries", "at_sea"]``); nothing is guessed from the geometry type.
This module is the one place that names each measure, its label, its unit and the
geometries it makes sense for; tables, popups, exports and snapshots take labels from here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Measure:
    """A value computed from a record's geometry.

    Attributes
    ----------
    name
        Column name in frames and exports.
    label
        Human label (tables, popups, export metadata).
    geometries
        Layer geometries it applies to (``point``, ``line``, ``polygon``).
    shown
        False for helper values used by checks but not shown to users or exported.
    """

    name: str
    label: str
    geometries: tuple[str, ...]
    shown: bool = True


MEASURES: dict[str, Measure] = {
    m.name: m
    for m in (
        Measure("length_km", "Length (km, geodesic)", ("line",)),
        Measure("area_km2", "Area (km², geodesic)", ("polygon",)),
        Measure("coast_distance_km", "Distance to coast (km)", ("point", "line", "polygon")),
        Measure("land_share_pct", "Share on land (%)", ("polygon",), shown=False),
    )
}

#: Checks a spec may ask for, and what each one means.
CHECKS: dict[str, str] = {
    "in_named_countries": (
        "points lie in the country they name; a line's end points in the countries at its two ends; "
        "a polygon touches or lies near the country it names (within location_tolerance_km)"
    ),
    "at_sea": "a polygon lies mostly at sea (an offshore zone): at most 5% of its area on land",
}

#: Measures a check needs computed.
CHECK_NEEDS: dict[str, tuple[str, ...]] = {"at_sea": ("land_share_pct",)}


def shown_measures(names: tuple[str, ...] | list[str]) -> list[Measure]:
    """The measures among ``names`` that users see (tables, popups, exports)."""
    return [MEASURES[n] for n in names if n in MEASURES and MEASURES[n].shown]


def measure_label(name: str) -> str | None:
    """The label of a measure column, or None when ``name`` is not a measure."""
    measure = MEASURES.get(name)
    return measure.label if measure is not None else None

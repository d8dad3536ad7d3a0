"""Enrichment: country attributes joined to every layer, geodesic measures, and checks
that each record's geometry agrees with the country it names (mismatches are reported)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

import geopandas as gpd
import shapely
from shapely.geometry.base import BaseGeometry

from ._errors import Problem
from .catalogue import CountrySpec, Layer
from .geo import (
    area_km2,
    distance_km,
    distance_to_copies_km,
    distances_km,
    length_km,
    point_distances_km,
    share_inside,
    wrapped_copies,
)
from .i18n import Message
from .schema import split_list

#: A zone with more than this share of its area on land is reported.
MAX_LAND_SHARE = 0.10


def countries_frame(polygons: gpd.GeoDataFrame, attributes: pd.DataFrame, spec: CountrySpec) -> gpd.GeoDataFrame:
    """Country polygons with their attributes (left join on iso3; polygons without
    attributes keep their name and no data)."""
    attrs = attributes.rename(columns={"name": "attr_name"})
    merged = polygons[["iso3", "name", "geometry"]].merge(attrs, on="iso3", how="left")
    merged["name"] = merged["attr_name"].fillna(merged["name"]).astype("string")
    merged["has_attributes"] = merged["iso3"].isin(attributes["iso3"])
    merged = merged.drop(columns=["attr_name"])
    return gpd.GeoDataFrame(merged, geometry="geometry", crs=polygons.crs)


def _country_names(countries: gpd.GeoDataFrame) -> dict[str, str]:
    return dict(zip(countries["iso3"], countries["name"], strict=True))


def join_countries(
    frame: gpd.GeoDataFrame, layer: Layer, countries: gpd.GeoDataFrame, spec: CountrySpec
) -> gpd.GeoDataFrame:
    """Add ``<field>_name`` for each country field, and the spec's ``join_fields`` of the
    first country field prefixed ``country_``."""
    frame = frame.copy()
    names = _country_names(countries)
    for field in layer.country_fields:
        frame[f"{field}_name"] = frame[field].map(names).astype("string")
    if layer.country_fields:
        primary = layer.country_fields[0]
        table = pd.DataFrame(countries.drop(columns="geometry")).set_index("iso3")
        for name in spec.join_fields:
            if name == "name" or name not in table.columns:
                continue
            frame[f"country_{name}"] = frame[primary].map(table[name])
    return frame


def add_measures(frame: gpd.GeoDataFrame, layer: Layer, land: BaseGeometry | None) -> gpd.GeoDataFrame:
    """Add the measures the layer's spec lists (``measures``; see :mod:`mapper.measures`):
    geodesic length and area, distance to coast, share on land."""
    frame = frame.copy()
    nan = float("nan")
    for name in layer.measures:
        if name == "length_km":
            values = [round(length_km(g), 1) if g is not None else nan for g in frame.geometry]
        elif name == "area_km2":
            values = [round(area_km2(g), 1) if g is not None else nan for g in frame.geometry]
        elif name == "coast_distance_km":
            # distances_km shifts the land union across the antimeridian once for the whole layer
            values = [round(d, 1) for d in distances_km(frame.geometry, land)]
        elif name == "land_share_pct":
            values = [round(100 * share_inside(g, land), 1) if g is not None else nan for g in frame.geometry]
        else:  # pragma: no cover - the loader only lets known measures through
            raise ValueError(f"no code computes the measure {name!r}")
        frame[name] = pd.array(values, dtype="Float64")
    return frame


def _near(
    geom: BaseGeometry,
    country: BaseGeometry | None,
    tolerance_km: float,
    copies: tuple[BaseGeometry, ...] | None = None,
) -> tuple[bool, float]:
    """Whether ``geom`` touches ``country`` or lies within ``tolerance_km`` of it, and the
    distance (``copies``: the country's :func:`~mapper.geo.wrapped_copies`, made once)."""
    if country is None:
        return False, float("nan")
    if country.intersects(geom):
        return True, 0.0
    d = distance_to_copies_km(geom, copies) if copies is not None else distance_km(geom, country)
    return d <= tolerance_km, d


def _located_in(point: BaseGeometry, countries: gpd.GeoDataFrame) -> str:
    hits = countries[countries.geometry.intersects(point)]
    return ", ".join(hits["iso3"]) if len(hits) else "no country polygon (at sea?)"


def containing_countries(frame: gpd.GeoDataFrame, countries: gpd.GeoDataFrame) -> pd.Series:
    """For each point record, the ISO3 codes of the country polygons it falls in (a spatial
    join); empty for records at sea, without geometry, or not points."""
    geoms = frame.geometry.to_numpy()
    points = np.flatnonzero(shapely.get_type_id(geoms) == 0)  # 0: Point (missing geometries are -1)
    lists: list[list[str]] = [[] for _ in range(len(frame))]
    if len(points):
        # the tree holds the points and each country polygon is tested once, prepared: many
        # thousand points against a few hundred detailed polygons (the other way round tests
        # every point against an unprepared polygon)
        tree = shapely.STRtree(geoms[points])
        shapes = countries.geometry.to_numpy()
        hits = tree.query(shapes, predicate="intersects")
        codes = countries["iso3"].to_numpy()
        order = np.lexsort((hits[0], hits[1]))  # by record, then in the countries' order
        for country, point in zip(hits[0][order].tolist(), hits[1][order].tolist(), strict=True):
            lists[points[point]].append(codes[country])
    return pd.Series(lists, index=frame.index, dtype=object)


def _point_distances(
    frame: gpd.GeoDataFrame, layer: Layer, shapes: dict[str, BaseGeometry], inside: pd.Series
) -> dict[object, float]:
    """``{index: km}`` from the point records outside the country they name to it, where the
    vectorised bounds of :func:`~mapper.geo.point_distances_km` decide the check (an upload
    may hold thousands of such points; measuring each on its own takes tens of ms)."""
    field = layer.country_fields[0]
    geoms = frame.geometry.to_numpy()
    is_point = (shapely.get_type_id(geoms) == 0) & ~shapely.is_empty(geoms)
    rows = [
        (index, geom, shapes[code])
        for index, code, geom, found, point in zip(
            frame.index, frame[field].tolist(), geoms, inside.tolist(), is_point, strict=True
        )
        if point and isinstance(code, str) and code in shapes and code not in found
    ]
    if not rows:
        return {}
    km = point_distances_km([r[1] for r in rows], [r[2] for r in rows], layer.location_tolerance_km)
    return {row[0]: float(d) for row, d in zip(rows, km, strict=True) if d == d}


def check_locations(frame: gpd.GeoDataFrame, layer: Layer, countries: gpd.GeoDataFrame) -> list[Problem]:
    """Report records whose geometry does not agree with the countries they name.

    Only the checks the spec lists apply (see :data:`mapper.measures.CHECKS`). With
    ``in_named_countries``, points must lie in (or within the layer's
    ``location_tolerance_km`` of) their country, a line's end points in the two countries it
    names, a polygon near its country; with ``at_sea``, a polygon must lie mostly at sea.
    Records without geometry (country-level) are not checked.
    """
    if not layer.country_fields or not layer.checks:
        return []
    named, at_sea = "in_named_countries" in layer.checks, "at_sea" in layer.checks
    shapes = dict(zip(countries["iso3"], countries.geometry, strict=True))
    tol = layer.location_tolerance_km
    file = str(layer.source)
    problems: list[Problem] = []

    def flag(rid: str, field: str, message: str, value: object) -> None:
        problems.append(Problem(file, field, message, rid, value, severity="warning"))

    if layer.geometry == "point":  # column by column: uploads may hold many thousand points
        if not named:
            return problems
        inside = containing_countries(frame, countries)
        decided = _point_distances(frame, layer, shapes, inside)
        field = layer.country_fields[0]
        ids = frame["id"].tolist() if "id" in frame.columns else [None] * len(frame)
        copies: dict[str, tuple[BaseGeometry, ...]] = {}  # a country shifted across the antimeridian once

        def near(geom: BaseGeometry, code: object) -> tuple[bool, float]:
            shape = shapes.get(code) if isinstance(code, str) else None
            if shape is not None and code not in copies:
                copies[code] = wrapped_copies(shape)
            return _near(geom, shape, tol, copies.get(code) if isinstance(code, str) else None)

        geoms = frame.geometry.to_numpy()
        sited = ~pd.isna(geoms) & ~shapely.is_empty(geoms)
        for index, rid, code, geom, found, site in zip(
            frame.index, ids, frame[field].tolist(), geoms, inside.tolist(), sited, strict=True
        ):
            if not site or code in found:
                continue  # country-level, or the spatial join puts it in the country it names
            ok, d = (decided[index] <= tol, decided[index]) if index in decided else near(geom, code)
            if not ok:
                where = ", ".join(found) or Message("no country polygon (at sea?)")
                flag(
                    str(rid),
                    field,
                    Message(
                        "the point lies {km} km outside {code} (it falls in {where}); check the coordinates or the "
                        "country code",
                        km=f"{d:.0f}",
                        code=code,
                        where=where,
                    ),
                    code,
                )
        return problems
    for record, geom in zip(frame.to_dict("records"), frame.geometry, strict=True):
        if geom is None or geom.is_empty:
            continue
        rid = str(record.get("id"))
        if at_sea:
            land = record.get("land_share_pct")
            if land is not None and not pd.isna(land) and land > 100 * MAX_LAND_SHARE:
                flag(
                    rid,
                    "geometry",
                    Message(
                        "{share} of the zone's area is on land; an offshore zone should lie at sea: redraw the outline",
                        share=f"{land:.0f}%",
                    ),
                    land,
                )
        if not named:
            continue
        if layer.geometry == "line":
            if geom.geom_type == "LineString":
                ends = {
                    layer.country_fields[0]: shapely.Point(geom.coords[0]),
                    layer.country_fields[-1]: shapely.Point(geom.coords[-1]),
                }
                for field, end in ends.items():
                    code = record.get(field)
                    ok, d = _near(end, shapes.get(code), tol)
                    if not ok:
                        flag(
                            rid,
                            field,
                            Message(
                                "this end of the line lies {km} km outside {code} (it falls in {where}); check the "
                                "end point's coordinates or the order of the two ends",
                                km=f"{d:.0f}",
                                code=code,
                                where=_located_in(end, countries),
                            ),
                            code,
                        )
            else:
                codes = {record.get(f) for f in layer.country_fields} | set(split_list(record.get("countries")))
                union = shapely.union_all([shapes[c] for c in codes if c in shapes])
                for x, y in shapely.get_coordinates(geom):
                    ok, d = _near(shapely.Point(x, y), union, tol)
                    if not ok:
                        flag(
                            rid,
                            "geometry",
                            Message(
                                "vertex ({x}, {y}) lies {km} km from every country the record names ({codes})",
                                x=f"{x:.4f}",
                                y=f"{y:.4f}",
                                km=f"{d:.0f}",
                                codes=", ".join(sorted(c for c in codes if c)),
                            ),
                            (x, y),
                        )
                        break
        elif layer.geometry == "polygon":
            field = layer.country_fields[0]
            code = record.get(field)
            ok, d = _near(geom, shapes.get(code), tol)
            if not ok:
                flag(
                    rid,
                    field,
                    Message(
                        "the zone lies {km} km from {code}'s coast (more than {tol} km); check the outline or the "
                        "country code",
                        km=f"{d:.0f}",
                        code=code,
                        tol=f"{tol:g}",
                    ),
                    code,
                )
    return problems


def enrich_layer(
    frame: gpd.GeoDataFrame,
    layer: Layer,
    countries: gpd.GeoDataFrame,
    spec: CountrySpec,
    land: BaseGeometry | None,
    *,
    check: bool = True,
) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """Join country attributes, add geodesic measures and check locations (``land``, the
    union of the country polygons, is needed only for ``coast_distance_km`` and
    ``land_share_pct``; ``check=False`` leaves the check to :func:`check_locations`)."""
    frame = add_measures(frame, layer, land)
    frame = join_countries(frame, layer, countries, spec)
    return frame, check_locations(frame, layer, countries) if check else []


def has_site(frame: gpd.GeoDataFrame) -> pd.Series:
    """True for records with a geometry; False for country-level records (no site)."""
    geoms = np.asarray(frame.geometry.array, dtype=object)  # shapely at once (pandas' operators cost more)
    return pd.Series(~(shapely.is_missing(geoms) | shapely.is_empty(geoms)), index=frame.index, dtype=bool)


@dataclass(frozen=True)
class CountryLevelGroup:
    """The country-level records of a layer that name one country, and where to show them
    (the country's label point: a symbol on the country, never a made-up site)."""

    iso3: str
    name: str
    records: gpd.GeoDataFrame
    point: shapely.Point


def country_level_groups(frame: gpd.GeoDataFrame, layer: Layer, countries: gpd.GeoDataFrame) -> list[CountryLevelGroup]:
    """Country-level records grouped by the layer's first country field. Records naming a
    country outside the basemap stay in tables and exports but get no group here."""
    unlocated = frame[~has_site(frame)]
    if unlocated.empty or not layer.country_fields:
        return []
    shapes = countries.set_index("iso3")
    return [
        CountryLevelGroup(
            str(code), str(shapes.loc[code, "name"]), group, shapes.loc[code].geometry.representative_point()
        )
        for code, group in unlocated.groupby(layer.country_fields[0])
        if code in shapes.index
    ]


def badge_id(layer_id: str, iso3: str) -> str:
    """The feature id of a layer's country-level badge on a country, e.g. ``jumpp:LAO``."""
    return f"{layer_id}:{iso3}"


def parse_badge_id(feature_id: str) -> tuple[str, str] | None:
    """``(layer_id, iso3)`` for a badge id, None for a record id."""
    layer_id, sep, iso3 = str(feature_id).partition(":")
    return (layer_id, iso3) if sep and len(iso3) == 3 else None

"""Geodesic measures with pyproj: lengths, areas, distances in km (never planar degrees)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

import pyproj
import shapely
import shapely.affinity
import shapely.ops
from shapely.geometry.base import BaseGeometry

_GEOD = pyproj.Geod(ellps="WGS84")


def length_km(geom: BaseGeometry | None) -> float:
    """Geodesic length of a (multi)line on the WGS 84 ellipsoid, in km."""
    if geom is None or geom.is_empty:
        return float("nan")
    return _GEOD.geometry_length(geom) / 1000.0


def area_km2(geom: BaseGeometry | None) -> float:
    """Geodesic area of a (multi)polygon on the WGS 84 ellipsoid, in km²."""
    if geom is None or geom.is_empty:
        return float("nan")
    area, _ = _GEOD.geometry_area_perimeter(shapely.orient_polygons(geom))
    return abs(area) / 1e6


@lru_cache(maxsize=512)
def _to_local(lon: float, lat: float) -> pyproj.Transformer:
    local = pyproj.CRS.from_proj4(f"+proj=aeqd +lat_0={lat:.4f} +lon_0={lon:.4f} +datum=WGS84 +units=m")
    return pyproj.Transformer.from_crs("EPSG:4326", local, always_xy=True)


def _local(geom: BaseGeometry, transformer: pyproj.Transformer) -> BaseGeometry:
    def project(coords: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, project)


def distance_km(a: BaseGeometry, b: BaseGeometry) -> float:
    """Shortest distance between two geometries in km (0 if they touch or overlap), also
    across the antimeridian (``b`` is tried as is and shifted by ±360°)."""
    if a is None or b is None or a.is_empty or b.is_empty:
        return float("nan")
    return min(_distance_km(a, shapely.affinity.translate(b, xoff=shift)) for shift in (0.0, 360.0, -360.0))


def _distance_km(a: BaseGeometry, b: BaseGeometry) -> float:
    """Distance without the antimeridian wrap.

    Computed in an azimuthal equidistant projection centred on ``a``, which is true to
    within a fraction of a percent for the distances checked here (up to a few hundred km).
    """
    if a is None or b is None or a.is_empty or b.is_empty:
        return float("nan")
    if a.intersects(b):
        return 0.0
    centre = a.centroid
    transformer = _to_local(round(centre.x, 4), round(centre.y, 4))
    # Only the part of b near a matters; clip before projecting far-away vertices.
    minx, miny, maxx, maxy = a.bounds
    window = shapely.box(minx - 10, max(miny - 10, -89.9), maxx + 10, min(maxy + 10, 89.9))
    near = b.intersection(window)
    if near.is_empty:  # far apart: geodesic distance between the nearest points
        pa, pb = shapely.ops.nearest_points(a, b)
        return _GEOD.inv(pa.x, pa.y, pb.x, pb.y)[2] / 1000.0
    return _local(a, transformer).distance(_local(near, transformer)) / 1000.0


def share_inside(a: BaseGeometry, b: BaseGeometry) -> float:
    """Fraction (0..1) of polygon ``a``'s area that lies inside ``b`` (equal-area measure)."""
    if a is None or a.is_empty:
        return float("nan")
    total = area_km2(a)
    if not total:
        return 0.0
    inside = shapely.make_valid(a).intersection(b)
    polygons = [p for p in shapely.get_parts(inside) if not p.is_empty and p.geom_type in ("Polygon", "MultiPolygon")]
    return sum(area_km2(p) for p in polygons) / total

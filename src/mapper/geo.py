"""Geodesic measures with pyproj: lengths, areas, distances in km (never planar degrees)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
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
    """Longitude/latitude (WGS 84, degrees) to metres in an azimuthal equidistant projection
    centred on ``(lon, lat)``: the pipeline ``from_crs`` finds for it, given directly (the same
    numbers, without the ~20 ms search of PROJ's database per centre)."""
    return pyproj.Transformer.from_pipeline(
        "+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad "
        f"+step +proj=aeqd +lat_0={lat:.4f} +lon_0={lon:.4f} +ellps=WGS84 +units=m"
    )


def _local(geom: BaseGeometry, transformer: pyproj.Transformer) -> BaseGeometry:
    def project(coords: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, project)


#: The longitude shifts :func:`distance_km` tries ``b`` at, to measure across the antimeridian.
_WRAP_SHIFTS = (0.0, 360.0, -360.0)


def wrapped_copies(geom: BaseGeometry) -> tuple[BaseGeometry, ...]:
    """``geom`` as is and shifted by +360° and -360° in longitude: the copies
    :func:`distance_km` measures against.

    Shifting a large geometry (the land union) costs more than measuring a distance to it;
    compute the copies once and pass them to :func:`distances_km` to measure many
    geometries against the same target.
    """
    return tuple(shapely.affinity.translate(geom, xoff=shift) for shift in _WRAP_SHIFTS)


def distance_km(a: BaseGeometry, b: BaseGeometry) -> float:
    """Shortest distance between two geometries in km (0 if they touch or overlap), also
    across the antimeridian (``b`` is tried as is and shifted by ±360°)."""
    if a is None or b is None or a.is_empty or b.is_empty:
        return float("nan")
    return _distance_to_copies_km(a, wrapped_copies(b))


def distances_km(geoms: Iterable[BaseGeometry | None], b: BaseGeometry) -> list[float]:
    """:func:`distance_km` from each of ``geoms`` to ``b`` (NaN for missing or empty ones),
    shifting ``b`` across the antimeridian once for all of them (same results, less work)."""
    geoms = list(geoms)
    if b is None or b.is_empty:
        return [float("nan")] * len(geoms)
    copies = wrapped_copies(b)
    return [_distance_to_copies_km(a, copies) if a is not None and not a.is_empty else float("nan") for a in geoms]


def distance_to_copies_km(a: BaseGeometry, copies: tuple[BaseGeometry, ...]) -> float:
    """:func:`distance_km` from ``a`` to a geometry given as its :func:`wrapped_copies`
    (made once for many measures against the same target)."""
    if a is None or a.is_empty:
        return float("nan")
    return _distance_to_copies_km(a, copies)


def _distance_to_copies_km(a: BaseGeometry, copies: tuple[BaseGeometry, ...]) -> float:
    return min(_distance_km(a, copy) for copy in copies)


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


# ---- the Pacific-centred display (web map and snapshots) ----------------------------------

#: Longitudes west of this are shifted by +360 for display, so that the Pacific is drawn
#: whole (Fiji, Kiribati, the Aleutians) instead of split at the antimeridian.
PACIFIC_SPLIT = -30.0


def pacific_view(geom: shapely.Geometry | None) -> shapely.Geometry | None:
    """Shift western-hemisphere longitudes by +360 for a Pacific-centred web map."""
    if geom is None or geom.is_empty:
        return geom
    return shapely.transform(geom, pacific_coords)


def pacific_coords(coords: np.ndarray) -> np.ndarray:
    """The ``(n, 2)`` lon/lat coordinates with western-hemisphere longitudes shifted by +360
    (what :func:`pacific_view` does, for ``shapely.transform`` over arrays of geometries)."""
    coords = coords.copy()
    coords[:, 0] = np.where(coords[:, 0] < PACIFIC_SPLIT, coords[:, 0] + 360.0, coords[:, 0])
    return coords


def unshift_lon(lon: float) -> float:
    """Map a displayed longitude back to -180..180."""
    return ((lon + 180.0) % 360.0) - 180.0


def display_lon(lon: float) -> float:
    """A longitude in the web map's Pacific-centred range (-30..330), as :func:`pacific_view`
    draws it: Leaflet can report any multiple of 360 after panning."""
    lon = unshift_lon(lon)
    return lon + 360.0 if lon < PACIFIC_SPLIT else lon


#: Kilometres per degree of latitude, rounded down (a lower bound for distances in degrees).
_KM_PER_DEGREE_LOW = 110.0


def point_distances_km(
    points: Sequence[BaseGeometry], targets: Sequence[BaseGeometry], tolerance_km: float
) -> np.ndarray:
    """For pairs (point, target), a distance in km that is decided with respect to
    ``tolerance_km``, or NaN when it is too close to call (the caller then measures those
    exactly with :func:`distance_km`).

    Vectorised (one call for thousands of points, where :func:`distance_km` projects each
    point on its own). The planar distance in degrees, tried across the antimeridian, gives
    a lower bound; the geodesic distance to the nearest point of the target found in degrees
    an upper bound (within a few per cent of the shortest distance). A pair is decided when
    the upper bound is within the tolerance (that value is returned) or the lower bound is
    beyond it (the upper bound is returned, the distance to report).
    """
    pts = np.asarray(points, dtype=object)
    tgts = np.asarray(targets, dtype=object)
    out = np.full(len(pts), np.nan)
    if not len(pts):
        return out
    best = np.full(len(pts), np.inf)
    best_shift = np.zeros(len(pts))
    x, y = shapely.get_x(pts), shapely.get_y(pts)
    box = shapely.bounds(tgts)  # minx, miny, maxx, maxy
    for shift in _WRAP_SHIFTS:  # move the points, not the (large) targets
        # a copy whose distance to the target's bounding box is not below the best so far
        # cannot be nearer: measure only the others (most points never need a shifted copy)
        dx = np.maximum(np.maximum(box[:, 0] - (x + shift), (x + shift) - box[:, 2]), 0.0)
        dy = np.maximum(np.maximum(box[:, 1] - y, y - box[:, 3]), 0.0)
        rows = np.flatnonzero(~(np.hypot(dx, dy) >= best))  # NaN bounds (empty targets) are measured too
        if not len(rows):
            continue
        moved = shapely.transform(pts[rows], lambda c, s=shift: c + np.array([s, 0.0]))
        d = shapely.distance(moved, tgts[rows])
        better = d < best[rows]
        best[rows[better]] = d[better]
        best_shift[rows[better]] = shift
    ok = np.isfinite(best)
    if not ok.any():
        return out
    lat = np.abs(shapely.get_y(pts[ok]))
    lower = best[ok] * _KM_PER_DEGREE_LOW * np.cos(np.radians(np.minimum(lat + best[ok], 89.9)))
    shifts = np.column_stack([best_shift[ok], np.zeros(int(ok.sum()))])
    moved = shapely.transform(pts[ok], lambda c: c + shifts)
    lines = shapely.shortest_line(moved, tgts[ok])
    start, end = shapely.get_point(lines, 0), shapely.get_point(lines, 1)
    _, _, metres = _GEOD.inv(shapely.get_x(start), shapely.get_y(start), shapely.get_x(end), shapely.get_y(end))
    upper = np.asarray(metres, dtype=float) / 1000.0
    decided = (upper <= tolerance_km) | (lower > tolerance_km)
    out[np.flatnonzero(ok)[decided]] = upper[decided]
    return out

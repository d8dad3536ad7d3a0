"""Exports of exactly what a filter state shows: GeoJSON (RFC 7946), GeoPackage, CSV and a
zip bundle with a README. Attribution, as-of date, the filter and the tool's version travel
with every file."""

from __future__ import annotations

import datetime as _dt
import io
import json
import math
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import geopandas as gpd
import pyogrio
import shapely
from shapely.geometry import mapping

from . import __version__
from ._errors import MapperError
from .measures import MEASURES, shown_measures
from .query import FilterState
from .selection import Selection

FORMATS = {"geojson": ".geojson", "gpkg": ".gpkg", "csv": ".csv", "zip": ".zip"}
#: Decimal places of exported coordinates (6 ≈ 0.1 m, RFC 7946 recommends no more).
PRECISION = 6
TOOL = "ip-clean-energy-mapper"
# Joined or internal columns not worth exporting (the country table carries them).
#: Helper measures used by checks, never exported.
_DROP = tuple(m.name for m in MEASURES.values() if not m.shown)


class ExportError(MapperError, ValueError):
    """An export cannot be written as asked (unknown format, nothing selected...)."""


def format_for(path: str | Path, fmt: str | None = None) -> str:
    """The export format: given explicitly, or from the file suffix."""
    if fmt:
        if fmt not in FORMATS:
            raise ExportError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
        return fmt
    suffix = Path(path).suffix.lower()
    for name, ext in FORMATS.items():
        if suffix == ext or (name == "geojson" and suffix == ".json"):
            return name
    raise ExportError(
        f"cannot tell the format of {Path(path).name!r} from its suffix; use .geojson, .gpkg, .csv or .zip, "
        "or pass --format"
    )


def default_filename(state: FilterState, fmt: str, today: _dt.date | None = None) -> str:
    """A file name that says what is inside, e.g. ``ipce_jumpp_LAO_2026-11-22.geojson``."""
    today = today or _dt.date.today()
    return f"ipce_{state.slug()}_{today.isoformat()}{FORMATS[fmt]}"


def metadata(selection: Selection) -> dict[str, Any]:
    """What travels with every export: layers, attribution, licence, as-of, filter, tool."""
    catalogue, state, frames = selection.catalogue, selection.filters, selection.frames
    spec = catalogue.countries
    return {
        "title": "Indo-Pacific clean-energy mapper export",
        "generated": _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat(),
        "tool": f"{TOOL} {__version__}",
        "filter": state.to_dict(),
        "filter_description": state.describe(),
        "coordinate_precision_decimals": PRECISION,
        "crs": "WGS 84 longitude/latitude (RFC 7946)",
        "layers": [
            {
                "id": lid,
                "title": catalogue[lid].title,
                "records": len(frame),
                "as_of": catalogue[lid].as_of,
                "attribution": catalogue[lid].attribution,
                "licence": catalogue[lid].licence,
                "location_precision_field": catalogue[lid].schema.precision_field,
                "measures": {m.name: m.label for m in shown_measures(catalogue[lid].measures)},
            }
            for lid, frame in frames.items()
        ],
        "countries": {"attribution": spec.attribution, "licence": spec.licence, "as_of": spec.as_of},
        "note": "Each record names its source (source_url, source_publisher, source_date) and how exact its "
        "location is, in the field each layer's location_precision_field names. Records located only to a "
        "country have no geometry (null), by design; measures are computed from the geometry (geodesic).",
    }


def _clean(value: Any) -> Any:
    """A JSON-clean value: no NaN/NA, numpy scalars as Python, dates as ISO 8601."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) or math.isinf(value) else float(value)
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, _dt.datetime | _dt.date | pd.Timestamp):
        return value.isoformat()
    return str(value) if not isinstance(value, str) else value


def _rounded(geom: shapely.Geometry | None) -> shapely.Geometry | None:
    if geom is None or geom.is_empty:
        return None
    geom = shapely.transform(geom, lambda c: np.round(c, PRECISION))
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        geom = shapely.orient_polygons(geom)  # exterior rings counter-clockwise (right-hand rule)
    return geom


def _export_columns(frame: gpd.GeoDataFrame) -> list[str]:
    return [c for c in frame.columns if c != frame.geometry.name and c not in _DROP and not c.startswith("_")]


def to_geojson(selection: Selection) -> dict[str, Any]:
    """An RFC 7946 FeatureCollection of the selected records (a ``layer`` property says
    which layer each feature is from) with a top-level ``metadata`` member."""
    frames = selection.frames
    features = []
    for lid, frame in frames.items():
        columns = _export_columns(frame)
        for record, geom in zip(frame[columns].to_dict("records"), frame.geometry, strict=True):
            geom = _rounded(geom)
            properties = {"layer": lid, **{k: _clean(v) for k, v in record.items()}}
            features.append(
                {
                    "type": "Feature",
                    "id": properties.get("id"),
                    "geometry": mapping(geom) if geom is not None else None,
                    "properties": properties,
                }
            )
    return {"type": "FeatureCollection", "metadata": metadata(selection), "features": features}


def _geojson_text(collection: Mapping[str, Any]) -> str:
    return json.dumps(collection, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _as_multi(geom: shapely.Geometry | None) -> shapely.Geometry | None:
    if geom is None:
        return None
    if geom.geom_type == "LineString":
        return shapely.multilinestrings([geom])
    if geom.geom_type == "Polygon":
        return shapely.multipolygons([geom])
    return geom


def _for_gdal(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Columns GDAL writes with their real types; text as plain objects with None."""
    out = frame[[*_export_columns(frame), frame.geometry.name]].copy()
    for column in out.columns:
        if column == out.geometry.name:
            continue
        dtype = out[column].dtype
        # nullable integers and booleans are written natively (INTEGER, BOOLEAN with NULLs)
        if isinstance(dtype, pd.StringDtype) or pd.api.types.is_object_dtype(dtype):
            out[column] = out[column].astype(object).where(out[column].notna(), None)
    # one geometry type per GeoPackage table: single lines and polygons become multi-part
    out[out.geometry.name] = [_as_multi(_rounded(g)) for g in out.geometry]
    return gpd.GeoDataFrame(out, geometry=frame.geometry.name, crs="EPSG:4326")


def write_gpkg(selection: Selection, path: str | Path) -> Path:
    """A GeoPackage: one table per layer, the countries with attributes, and ``about``."""
    path = Path(path)
    bundle, frames = selection.bundle, selection.frames
    if path.exists():
        path.unlink()
    for lid, frame in frames.items():
        layer = bundle.catalogue[lid]
        geometry_type = {"point": "Point", "line": "MultiLineString", "polygon": "MultiPolygon"}[layer.geometry]
        data = _for_gdal(frame)
        data.to_file(
            path,
            layer=lid,
            driver="GPKG",
            engine="pyogrio",
            geometry_type=geometry_type,
            layer_options={"DESCRIPTION": layer.description[:250]},
        )
    countries = _for_gdal(bundle.countries)
    countries.to_file(path, layer="countries", driver="GPKG", engine="pyogrio", geometry_type="MultiPolygon")
    about = metadata(selection)
    rows = pd.DataFrame(
        [
            {"key": k, "value": json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v}
            for k, v in about.items()
        ]
    )
    pyogrio.write_dataframe(rows, path, layer="about", driver="GPKG")  # attribute table, no geometry
    return path


def to_csv_frame(selection: Selection) -> pd.DataFrame:
    """One row per record with a ``layer`` column, lon/lat for points and WKT for all."""
    frames = selection.frames
    parts = []
    for lid, frame in frames.items():
        table = pd.DataFrame(frame[_export_columns(frame)]).copy()
        table.insert(0, "layer", lid)
        geoms = [_rounded(g) for g in frame.geometry]
        table["lon"] = [g.x if g is not None and g.geom_type == "Point" else None for g in geoms]
        table["lat"] = [g.y if g is not None and g.geom_type == "Point" else None for g in geoms]
        table["wkt"] = [
            shapely.to_wkt(g, rounding_precision=PRECISION, trim=True) if g is not None else None for g in geoms
        ]
        parts.append(table)
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["layer", "lon", "lat", "wkt"])
    return _defuse_formulas(table)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _defuse_formulas(table: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells that a spreadsheet would run as a formula (``=HYPERLINK(...)``) with
    an apostrophe, so opening the CSV in Excel or LibreOffice shows them as text."""
    table = table.copy()
    for column in table.columns:
        if pd.api.types.is_numeric_dtype(table[column]) or isinstance(table[column].dtype, pd.BooleanDtype):
            continue
        table[column] = table[column].map(
            lambda v: "'" + v if isinstance(v, str) and v.startswith(_FORMULA_START) else v, na_action="ignore"
        )
    return table


def readme_text(selection: Selection) -> str:
    """The README that goes into a zip bundle: contents, filter, sources, licences, date."""
    bundle, frames = selection.bundle, selection.frames
    meta = metadata(selection)
    lines = [
        "Indo-Pacific clean-energy mapper: data export",
        "=" * 46,
        f"Generated: {meta['generated']} by {meta['tool']}",
        f"Filter: {meta['filter_description']}",
        "Coordinates: WGS 84 longitude/latitude, rounded to 6 decimals.",
        "",
        "Layers",
        "------",
    ]
    for info in meta["layers"]:
        lines += [
            f"* {info['title']} ({info['id']}): {info['records']} records, as of {info['as_of']}",
            f"  Attribution: {info['attribution']}",
            f"  Licence: {info['licence']}",
        ]
    lines += [
        "",
        "Countries",
        "---------",
        f"{meta['countries']['attribution']}. Licence: {meta['countries']['licence']}.",
    ]
    lines += ["", "Sources cited by the exported records", "-------------------------------------"]
    sources = bundle.sources()
    for lid, frame in frames.items():
        used = set(frame["source_url"].dropna()) if "source_url" in frame.columns else set()
        for row in sources[(sources["layer"] == lid) & sources["url"].isin(used)].itertuples():
            lines.append(f"* [{lid}] {row.publisher} ({row.date}): {row.url}")
    lines += ["", meta["note"], ""]
    return "\n".join(lines)


def write_export(selection: Selection, path: str | Path, fmt: str | None = None) -> Path:
    """Write the filtered records to ``path`` in ``fmt`` (default: from the suffix).

    Never overwrites a file silently: the CLI asks for ``--force``; this function replaces
    only the target itself.
    """
    path = Path(path)
    fmt = format_for(path, fmt)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "geojson":
        path.write_text(_geojson_text(to_geojson(selection)), encoding="utf-8")
    elif fmt == "gpkg":
        write_gpkg(selection, path)
    elif fmt == "csv":
        to_csv_frame(selection).to_csv(path, index=False, encoding="utf-8")
    else:
        path.write_bytes(zip_bytes(selection))
    return path


def export_bytes(selection: Selection, fmt: str) -> bytes:
    """The export as bytes (for download buttons)."""
    if fmt == "zip":
        return zip_bytes(selection)
    if fmt == "geojson":
        return _geojson_text(to_geojson(selection)).encode("utf-8")
    if fmt == "csv":
        return to_csv_frame(selection).to_csv(index=False).encode("utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        return write_gpkg(selection, Path(tmp) / "export.gpkg").read_bytes()


def zip_bytes(selection: Selection) -> bytes:
    """A zip with GeoJSON, GeoPackage, CSV and a README."""
    stem = Path(default_filename(selection.filters, "zip")).stem
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{stem}/{stem}.geojson", export_bytes(selection, "geojson"))
        archive.writestr(f"{stem}/{stem}.gpkg", export_bytes(selection, "gpkg"))
        archive.writestr(f"{stem}/{stem}.csv", export_bytes(selection, "csv"))
        archive.writestr(f"{stem}/README.txt", readme_text(selection))
    return buffer.getvalue()

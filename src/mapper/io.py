"""Reading layer files into GeoDataFrames in EPSG:4326.

Supported: GeoJSON, GeoPackage, GeoParquet, Shapefile (anything GDAL reads through pyogrio)
and CSV with longitude/latitude columns or a WKT ``geometry`` column.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd

import geopandas as gpd
import pyogrio
import shapely

from ._errors import DataReadError, Problem

WGS84 = "EPSG:4326"
_LON_NAMES = ("lon", "lng", "long", "longitude", "x")
_LAT_NAMES = ("lat", "latitude", "y")
_WKT_NAMES = ("geometry", "wkt", "geom")
_VECTOR_SUFFIXES = {".geojson", ".json", ".gpkg", ".shp", ".fgb", ".zip"}


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV table as text columns (empty cells become missing values)."""
    path = _existing(path)
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8")
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise DataReadError(f"{path}: cannot read as a UTF-8 CSV table ({exc}); save it as UTF-8 CSV") from exc


def read_layer_file(path: str | Path, *, layer: str | None = None) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """Read any supported layer file into a GeoDataFrame in EPSG:4326.

    Returns the frame and the problems met while reading (e.g. unparsable lon/lat cells),
    so that validation can report them together with schema problems.

    Raises
    ------
    DataReadError
        If the file is missing or its format cannot be read.
    """
    path = _existing(path)
    suffix = path.suffix.lower()
    problems: list[Problem] = []
    if suffix == ".csv":
        frame, problems = _read_csv(path)
    elif suffix in (".parquet", ".geoparquet"):
        try:
            frame = gpd.read_parquet(path)
        except (ValueError, OSError) as exc:
            raise DataReadError(f"{path}: cannot read as GeoParquet ({exc})") from exc
    elif suffix in _VECTOR_SUFFIXES:
        frame = _read_vector(path, layer)
    else:
        raise DataReadError(
            f"{path}: unknown file type {suffix!r}; use GeoJSON, GeoPackage, GeoParquet or CSV with lon/lat columns"
        )
    if frame.crs is None:
        # RFC 7946 GeoJSON and lon/lat CSV are WGS 84 by definition.
        frame = frame.set_crs(WGS84)
    elif not frame.crs.equals(WGS84):
        frame = frame.to_crs(WGS84)
    return frame, problems


def _existing(path: str | Path) -> Path:
    path = Path(path)
    if not path.is_file():
        raise DataReadError(f"{path}: no such file; check the path (relative to {Path.cwd()})")
    return path


def _read_vector(path: Path, layer: str | None) -> gpd.GeoDataFrame:
    try:
        layers = pyogrio.list_layers(path)
    except pyogrio.errors.DataSourceError as exc:
        raise DataReadError(f"{path}: GDAL cannot open it ({exc}); is it a valid {path.suffix} file?") from exc
    if layer is None and len(layers) > 1:
        names = ", ".join(str(n) for n, _ in layers)
        raise DataReadError(f"{path}: holds several layers ({names}); say which one to read")
    try:
        with warnings.catch_warnings():
            # A column mixing numbers and text makes pyogrio warn; the values are kept as
            # text and validation reports each bad value with its record, so the warning
            # would only repeat that less precisely.
            warnings.filterwarnings("ignore", message="Could not parse column", category=UserWarning)
            return gpd.read_file(path, layer=layer, engine="pyogrio")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError) as exc:
        raise DataReadError(f"{path}: GDAL cannot read it ({exc})") from exc


def _find(columns: list[str], names: tuple[str, ...]) -> str | None:
    lowered = {c.lower(): c for c in columns}
    return next((lowered[n] for n in names if n in lowered), None)


def _read_csv(path: Path) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    table = read_table(path)
    columns = list(table.columns)
    lon_col, lat_col = _find(columns, _LON_NAMES), _find(columns, _LAT_NAMES)
    wkt_col = _find(columns, _WKT_NAMES)
    problems: list[Problem] = []
    ids = table["id"].fillna("").tolist() if "id" in table.columns else [""] * len(table)
    labels = [i if i else f"row {n + 2}" for n, i in enumerate(ids)]
    if lon_col and lat_col:
        geoms = []
        for row, (label, lon, lat) in enumerate(zip(labels, table[lon_col], table[lat_col], strict=True)):
            if pd.isna(lon) and pd.isna(lat):
                geoms.append(None)
                continue
            try:
                x, y = float(lon), float(lat)
            except (TypeError, ValueError):
                problems.append(
                    Problem(
                        str(path),
                        f"{lon_col}/{lat_col}",
                        "must be decimal degrees, e.g. 102.6 / 17.97",
                        label,
                        f"{lon}, {lat}",
                        row=row,
                    )
                )
                geoms.append(None)
                continue
            geoms.append(shapely.Point(x, y))
        table = table.drop(columns=[lon_col, lat_col])
    elif wkt_col:
        geoms = []
        for row, (label, text) in enumerate(zip(labels, table[wkt_col], strict=True)):
            if pd.isna(text):
                geoms.append(None)
                continue
            try:
                geoms.append(shapely.from_wkt(text))
            except shapely.errors.GEOSException:
                problems.append(Problem(str(path), wkt_col, "is not valid WKT", label, text[:60], row=row))
                geoms.append(None)
        table = table.drop(columns=[wkt_col])
    else:
        raise DataReadError(
            f"{path}: a CSV layer needs longitude/latitude columns (named lon and lat) or a WKT "
            f"column named geometry; found columns {columns}"
        )
    return gpd.GeoDataFrame(table, geometry=geoms, crs=WGS84), problems

"""Reading layer files into GeoDataFrames in EPSG:4326.

Supported: GeoJSON, GeoPackage, GeoParquet, Shapefile (zipped too), KML/KMZ (anything GDAL
reads through pyogrio) and CSV with longitude/latitude columns and/or a WKT ``geometry`` column. CSV files may be
UTF-8 (with or without a byte-order mark), Shift-JIS (cp932) or Latin-1 (cp1252); anything
else, and binary files, are refused with a clear :class:`DataReadError`.
"""

from __future__ import annotations

import csv
import io
import math
import re
import warnings
import zipfile
from pathlib import Path, PurePosixPath, PureWindowsPath

import numpy as np
import pandas as pd

import geopandas as gpd
import pyogrio
import shapely

from ._errors import DataReadError, Problem
from .i18n import Message

WGS84 = "EPSG:4326"
_LON_NAMES = ("lon", "lng", "long", "longitude", "x")
_LAT_NAMES = ("lat", "latitude", "y")
_WKT_NAMES = ("geometry", "wkt", "geom")
_VECTOR_SUFFIXES = {".geojson", ".json", ".gpkg", ".shp", ".fgb", ".zip", ".kml", ".kmz"}
#: Largest total size of the files inside a zip archive that is opened (a zip bomb guard).
MAX_ZIP_BYTES = 500 * 1024 * 1024
# Characters that never occur in a text file: C0 controls other than tab, newline, return.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_KANA = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff\u3000-\u303f\uff01-\uff5e]")
_HALFWIDTH_KANA = re.compile(r"[\uff61-\uff9f]")
_ENCODING_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 with BOM", "cp932": "Shift-JIS (cp932)", "cp1252": "Latin-1"}


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV table as text columns (empty cells become missing values).

    The encoding is detected (UTF-8, UTF-8 with BOM, Shift-JIS, Latin-1).

    Raises
    ------
    DataReadError
        If the file is missing, binary, empty or not a CSV table.
    """
    return _read_table(_existing(path))[0]


def decode_text(name: str | Path, data: bytes) -> tuple[str, str]:
    """The text of a CSV file's bytes and the encoding it was read with.

    Tries UTF-8 (with or without a byte-order mark), then Shift-JIS (cp932) when the result
    reads as Japanese, then Latin-1 (cp1252). ``name`` only appears in error messages.

    Returns
    -------
    tuple
        ``(text, encoding)`` with encoding one of ``utf-8``, ``utf-8-sig``, ``cp932``, ``cp1252``.

    Raises
    ------
    DataReadError
        If the bytes are UTF-16, binary or hold control characters.
    """
    path = name
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DataReadError(
            Message("{file}: is saved as UTF-16; save it as CSV UTF-8 (e.g. Excel: 'CSV UTF-8')", file=str(path))
        )
    if b"\x00" in data[:1_000_000]:
        raise DataReadError(
            Message(
                "{file}: is a binary file (it holds NUL bytes), not a CSV text table; export it as CSV (UTF-8) or "
                "upload the GeoPackage/GeoParquet file under its own suffix",
                file=str(path),
            )
        )
    candidates: list[tuple[str, str]] = []
    try:
        candidates.append((data.decode("utf-8-sig"), "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"))
    except UnicodeDecodeError:
        try:
            text = data.decode("cp932")
        except UnicodeDecodeError:
            text = ""
        # Latin-1 text often decodes as cp932 too (as nonsense); only trust cp932 when the
        # result reads as Japanese and has no half-width katakana (where Latin-1 letters land).
        if text and _KANA.search(text) and not _HALFWIDTH_KANA.search(text):
            candidates.append((text, "cp932"))
        else:
            try:
                candidates.append((data.decode("cp1252"), "cp1252"))
            except UnicodeDecodeError:
                candidates.append((data.decode("latin-1"), "cp1252"))
    text, encoding = candidates[0]
    controls = len(_CONTROL.findall(text[:100_000]))
    if controls > 0:
        raise DataReadError(
            Message(
                "{file}: holds control characters ({n} in the first 100,000), so it is not a CSV text table (binary "
                "or corrupted); export it again as CSV (UTF-8)",
                file=str(path),
                n=controls,
            )
        )
    return text, encoding


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise DataReadError(
            Message(
                "{file}: cannot be read ({reason}); check the file and its permissions",
                file=str(path),
                reason=exc.strerror or exc,
            )
        ) from exc


def _read_table(path: Path) -> tuple[pd.DataFrame, str]:
    table, encoding, _ = read_table_bytes(path, _read_bytes(path), delimiter=",")
    return table, encoding


#: Cell separators :func:`read_table_bytes` recognises, in order of preference.
DELIMITERS = (",", ";", "\t", "|")


def sniff_delimiter(text: str) -> str:
    """The cell separator of CSV text: the one of :data:`DELIMITERS` that splits the first
    lines into the same number (more than one) of cells, preferring the comma.

    Examples
    --------
    >>> sniff_delimiter("name;lat;lon\\nA;1,5;2,5\\n")
    ';'
    """
    lines = [line for line in text.splitlines()[:50] if line.strip()][:20]
    if not lines:
        return ","
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        pass
    best, best_cells = ",", 1
    for delimiter in DELIMITERS:
        counts = {len(next(csv.reader([line], delimiter=delimiter))) for line in lines}
        if len(counts) == 1 and (cells := counts.pop()) > best_cells:
            best, best_cells = delimiter, cells
    return best


def read_table_bytes(
    name: str | Path, data: bytes, *, delimiter: str | None = None, skip_blank_lines: bool = True
) -> tuple[pd.DataFrame, str, str]:
    """Read CSV bytes as text columns (empty cells become missing values).

    Parameters
    ----------
    name
        How the file is named in error messages (never opened).
    data
        The file's bytes (not changed).
    delimiter
        The cell separator; detected (:func:`sniff_delimiter`) when None.
    skip_blank_lines
        With False, an empty line stays as a row of missing values, so that row ``k`` of the
        frame is line ``k + 2`` of the file (header = line 1) when no cell spans lines.

    Returns
    -------
    tuple
        ``(table, encoding, delimiter)``.

    Raises
    ------
    DataReadError
        If the bytes are empty, binary or not a CSV table.
    """
    if not data.strip():
        raise DataReadError(
            Message("{file}: is empty; a CSV table needs a header row and one row per record", file=str(name))
        )
    text, encoding = decode_text(name, data)
    delimiter = delimiter or sniff_delimiter(text)
    try:
        with warnings.catch_warnings():
            # a row with more cells than the header would silently shift into the index
            warnings.simplefilter("error", pd.errors.ParserWarning)
            table = pd.read_csv(
                io.StringIO(text),
                dtype=str,
                keep_default_na=False,
                na_values=[""],
                index_col=False,
                sep=delimiter,
                skip_blank_lines=skip_blank_lines,
            )
    except (pd.errors.ParserError, pd.errors.ParserWarning, ValueError) as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        shown = {"\t": Message("tab"), ",": Message("comma")}.get(delimiter, repr(delimiter))
        raise DataReadError(
            Message(
                "{file}: cannot read as a CSV table ({detail}); check that every row has as many {delimiter}-separated "
                "cells as the header and that quotes are closed",
                file=str(name),
                detail=detail,
                delimiter=shown,
            )
        ) from exc
    return table, encoding, delimiter


def read_layer_file(
    path: str | Path, *, layer: str | None = None, encoding: str | None = None
) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """Read any supported layer file into a GeoDataFrame in EPSG:4326.

    Returns the frame and the problems met while reading (e.g. unparsable lon/lat cells),
    so that validation can report them together with schema problems.

    Parameters
    ----------
    path
        The file.
    layer
        The table to read from a file that holds several (e.g. a GeoPackage).
    encoding
        The text encoding of a Shapefile's attributes when its ``.cpg`` file does not say
        (e.g. ``cp932`` for Shift-JIS); GDAL's default otherwise.

    Raises
    ------
    DataReadError
        If the file is missing, its format cannot be read, it holds several tables and
        ``layer`` does not pick one, or its declared CRS contradicts its coordinates.
    """
    path = _existing(path)
    suffix = path.suffix.lower()
    problems: list[Problem] = []
    if suffix == ".csv":
        frame, problems = _read_csv(path)
    elif suffix in (".parquet", ".geoparquet"):
        try:
            frame = gpd.read_parquet(path)
        except (ValueError, OSError, TypeError, RuntimeError, KeyError) as exc:
            raise DataReadError(
                Message(
                    "{file}: cannot read as GeoParquet ({reason}); is it a GeoParquet file?",
                    file=str(path),
                    reason=_first_line(exc),
                )
            ) from exc
    elif suffix in _VECTOR_SUFFIXES:
        if suffix in (".zip", ".kmz"):
            _check_zip(path)
        elif suffix in (".geojson", ".json"):
            _check_utf8(path)
        frame = _read_vector(path, layer, encoding)
    else:
        raise DataReadError(
            Message(
                "{file}: unknown file type {suffix}; use GeoJSON (.geojson), GeoPackage (.gpkg), GeoParquet (.parquet) "
                "or CSV (.csv) with lon/lat columns",
                file=str(path),
                suffix=repr(suffix) if suffix else Message("(no suffix)"),
            )
        )
    if frame.crs is None:
        # RFC 7946 GeoJSON and lon/lat CSV are WGS 84 by definition.
        frame = frame.set_crs(WGS84, allow_override=True)
    elif not frame.crs.equals(WGS84):
        _check_crs_agrees(path, frame)
        try:
            frame = frame.to_crs(WGS84)
        except Exception as exc:  # pyproj raises several unrelated types
            raise DataReadError(
                Message(
                    "{file}: cannot convert from its CRS {crs} to WGS 84 ({reason}); save the file in EPSG:4326 "
                    "(longitude/latitude)",
                    file=str(path),
                    crs=_crs_name(frame.crs),
                    reason=_first_line(exc),
                )
            ) from exc
    return frame, problems


def _check_utf8(path: Path) -> None:
    """GeoJSON is UTF-8 by definition (RFC 7946 section 11); say so instead of a codec error."""
    data = _read_bytes(path)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if b"\x00" in data[:4096]:
            return  # binary: GDAL says it is not GeoJSON
        raise DataReadError(
            Message(
                "{file}: is not UTF-8 (byte {byte} at position {position}; it may be saved as Latin-1 or Shift-JIS); "
                "GeoJSON must be UTF-8 (RFC 7946): save it as UTF-8",
                file=str(path),
                byte=repr(data[exc.start : exc.start + 1]),
                position=exc.start,
            )
        ) from exc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().split("; It might help to specify the correct driver")[0]
    return text.splitlines()[0][:300] if text else type(exc).__name__


def _crs_name(crs: object) -> str:
    try:
        epsg = crs.to_epsg()  # type: ignore[attr-defined]
    except Exception:
        epsg = None
    return f"EPSG:{epsg}" if epsg else repr(getattr(crs, "name", str(crs)))


def _check_crs_agrees(path: Path, frame: gpd.GeoDataFrame) -> None:
    """Refuse a file whose CRS is projected (metres) while all its coordinates are degrees."""
    if not frame.crs.is_projected:
        return
    geoms = frame.geometry[~(frame.geometry.isna() | frame.geometry.is_empty)]
    if geoms.empty:
        return
    coords = shapely.get_coordinates(geoms.values)
    if not np.isfinite(coords).all():
        return
    minx, miny = coords.min(axis=0)
    maxx, maxy = coords.max(axis=0)
    if minx >= -180 and maxx <= 180 and miny >= -90 and maxy <= 90:
        raise DataReadError(
            Message(
                "{file}: its CRS is {crs} (projected, in metres) but every coordinate fits in longitude/latitude "
                "degrees (x {x}, y {y}): the declared CRS and the coordinates disagree. If the coordinates are "
                "degrees, set the CRS to EPSG:4326 (e.g. ogr2ogr -a_srs EPSG:4326); otherwise reproject the data "
                "correctly",
                file=str(path),
                crs=_crs_name(frame.crs),
                x=f"{minx:g}..{maxx:g}",
                y=f"{miny:g}..{maxy:g}",
            )
        )


def _existing(path: str | Path) -> Path:
    path = Path(path)
    try:
        is_file = path.is_file()
    except (OSError, ValueError) as exc:  # e.g. a NUL byte or a too-long name
        raise DataReadError(
            Message(
                "{file}: not a usable file name ({reason}); rename the file", file=repr(str(path)[:200]), reason=exc
            )
        ) from exc
    if not is_file:
        if path.is_dir():
            raise DataReadError(
                Message(
                    "{file}: is a folder, not a file; check the path (relative to {folder})",
                    file=str(path),
                    folder=str(Path.cwd()),
                )
            )
        raise DataReadError(
            Message(
                "{file}: no such file; check the path (relative to {folder})", file=str(path), folder=str(Path.cwd())
            )
        )
    return path


def _check_zip(path: Path) -> None:
    """Refuse archives with members that would land outside a folder (zip-slip) or that are huge."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise DataReadError(
            Message(
                "{file}: is not a valid zip archive ({reason}); zip the files again",
                file=str(path),
                reason=_first_line(exc),
            )
        ) from exc
    for info in infos:
        name = info.filename
        if PurePosixPath(name).is_absolute() or PureWindowsPath(name).is_absolute() or ".." in re.split(r"[\\/]", name):
            raise DataReadError(
                Message(
                    "{file}: holds the member {member}, whose path leaves the archive's folder (absolute or with "
                    "'..'); rebuild the archive with plain relative names",
                    file=str(path),
                    member=repr(name[:200]),
                )
            )
    total = sum(info.file_size for info in infos)
    if total > MAX_ZIP_BYTES:
        raise DataReadError(
            Message(
                "{file}: would unpack to {size} MB, more than the {limit} MB allowed; send the layer file itself",
                file=str(path),
                size=f"{total / 1e6:.0f}",
                limit=f"{MAX_ZIP_BYTES / 1e6:.0f}",
            )
        )


def list_tables(path: str | Path) -> list[str]:
    """The names of the tables (layers) in a vector file such as a GeoPackage."""
    path = _existing(path)
    try:
        return [str(name) for name, _ in pyogrio.list_layers(path)]
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError, ValueError) as exc:
        raise DataReadError(
            Message(
                "{file}: GDAL cannot open it ({reason}); is it a valid {suffix} file?",
                file=str(path),
                reason=_first_line(exc),
                suffix=path.suffix,
            )
        ) from exc


def _read_vector(path: Path, layer: str | None, encoding: str | None = None) -> gpd.GeoDataFrame:
    names = list_tables(path)
    if not names:
        raise DataReadError(
            Message("{file}: holds no layer (table) at all; export the layer into it again", file=str(path))
        )
    if layer is None and len(names) > 1:
        raise DataReadError(
            Message(
                "{file}: holds several layers ({layers}); name the one to check, e.g. `{command}`",
                file=str(path),
                layers=", ".join(names),
                command=f"mapper validate {path.name} --layer-name {names[0]}",
            )
        )
    if layer is not None and layer not in names:
        raise DataReadError(
            Message(
                "{file}: has no layer named {layer}; its layers are: {layers}",
                file=str(path),
                layer=repr(layer),
                layers=", ".join(names),
            )
        )
    try:
        with warnings.catch_warnings():
            # A column mixing numbers and text makes pyogrio warn; the values are kept as
            # text and validation reports each bad value with its record, so the warning
            # would only repeat that less precisely.
            warnings.filterwarnings("ignore", message="Could not parse column", category=UserWarning)
            warnings.filterwarnings("ignore", category=RuntimeWarning)
            extra = {"encoding": encoding} if encoding else {}
            return gpd.read_file(path, layer=layer, engine="pyogrio", **extra)
    except (
        pyogrio.errors.DataSourceError,
        pyogrio.errors.DataLayerError,
        pyogrio.errors.FieldError,
        pyogrio.errors.GeometryError,
        ValueError,
        TypeError,
        OSError,
    ) as exc:
        raise DataReadError(
            Message("{file}: GDAL cannot read it ({reason})", file=str(path), reason=_first_line(exc))
        ) from exc


def _find(columns: list[str], names: tuple[str, ...]) -> str | None:
    lowered = {str(c).lower(): c for c in columns}
    return next((lowered[n] for n in names if n in lowered), None)


def _read_csv(path: Path) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    table, encoding = _read_table(path)
    columns = list(table.columns)
    lon_col, lat_col = _find(columns, _LON_NAMES), _find(columns, _LAT_NAMES)
    wkt_col = _find(columns, _WKT_NAMES)
    if not ((lon_col and lat_col) or wkt_col):
        raise DataReadError(
            Message(
                "{file}: a CSV layer needs longitude/latitude columns (named lon and lat) or a WKT column named "
                "geometry; found columns {columns}",
                file=str(path),
                columns=str([str(c)[:40] for c in columns][:30]),
            )
        )
    problems: list[Problem] = []
    if encoding in ("cp932", "cp1252"):
        problems.append(
            Problem(
                str(path),
                "",
                Message(
                    "is not UTF-8; it was read as {encoding}. Check that the text looks right and save the file as "
                    "CSV UTF-8",
                    encoding=_ENCODING_NAMES[encoding],
                ),
                severity="warning",
            )
        )
    n = len(table)
    ids = table["id"].tolist() if "id" in table.columns else [None] * n
    labels = [str(i) if isinstance(i, str) and i.strip() else f"row {row + 2}" for row, i in enumerate(ids)]
    lons = table[lon_col].tolist() if lon_col and lat_col else [None] * n
    lats = table[lat_col].tolist() if lon_col and lat_col else [None] * n
    wkts = table[wkt_col].tolist() if wkt_col else [None] * n
    geoms: list[shapely.Geometry | None] = []
    for row, (label, lon, lat, text) in enumerate(zip(labels, lons, lats, wkts, strict=True)):
        has_lonlat = not (pd.isna(lon) and pd.isna(lat))
        if has_lonlat:
            # a row with lon/lat uses them; a row without (e.g. a line in an export) uses its WKT
            geoms.append(_point(path, row, label, lon, lat, f"{lon_col}/{lat_col}", problems))
        elif not pd.isna(text):
            geoms.append(_wkt(path, row, label, text, str(wkt_col), problems))
        else:
            geoms.append(None)
    used = [lon_col, lat_col] if lon_col and lat_col else []
    table = table.drop(columns=[*used, *([wkt_col] if wkt_col else [])])
    return gpd.GeoDataFrame(table, geometry=geoms, crs=WGS84), problems


def _point(
    path: Path, row: int, label: str, lon: object, lat: object, field: str, problems: list[Problem]
) -> shapely.Geometry | None:
    try:
        x, y = float(lon), float(lat)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        x = y = math.nan
    if not (math.isfinite(x) and math.isfinite(y)):
        problems.append(
            Problem(
                str(path),
                field,
                Message(
                    "must both be decimal degrees (finite numbers), e.g. 102.6 / 17.97; leave both empty for no "
                    "location"
                ),
                label,
                f"{lon}, {lat}",
                row=row,
            )
        )
        return None
    return shapely.Point(x, y)


def _wkt(
    path: Path, row: int, label: str, text: object, field: str, problems: list[Problem]
) -> shapely.Geometry | None:
    try:
        return shapely.from_wkt(str(text))
    except (shapely.errors.GEOSException, ValueError, TypeError):
        problems.append(
            Problem(
                str(path), field, Message("is not valid WKT, e.g. POINT (102.6 17.97)"), label, str(text)[:60], row=row
            )
        )
        return None

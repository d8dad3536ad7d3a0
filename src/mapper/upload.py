"""A user's own table on the map: read an upload, detect its columns, check every row, and
turn the good rows into a layer like any other.

The steps, each a plain function that a page, the CLI or a test calls:

1. :func:`read_upload` reads the bytes of a CSV (encoding and separator detected), XLSX
   (sheet picked, merged header cells joined), GeoJSON, GeoPackage (layer picked), zipped
   Shapefile, KML/KMZ or GeoParquet file into an :class:`UploadTable`: the rows as the
   user wrote them, the row number each has in the file, and the sheets or layers to pick
   from. The bytes are never changed.
2. :func:`detect_mapping` proposes a :class:`Mapping` (which column is the name, where the
   location is, what to colour, filter and size by); a page lets the user edit it. It is a
   plain dataclass: ``Mapping.from_dict(m.to_dict())`` round-trips through JSON.
3. :func:`apply_mapping` checks every row and returns an :class:`UploadResult`: the good
   rows as a GeoDataFrame in EPSG:4326 and one row per problem in ``rejected`` (row number
   as the user sees it, column, value, what to do). Nothing is dropped silently:
   ``len(result.frame) + result.rejected_count == len(table.frame)``.
   :func:`rejected_csv` gives the set-aside rows, values untouched, for download.
4. :func:`upload_layer` builds the :class:`~mapper.catalogue.Layer` (from a spec given as
   data and validated by the catalogue's own loader) and its records;
   :meth:`mapper.data.Bundle.with_layers` adds it to a loaded bundle, after which
   selections, the web map, tables, exports, snapshots and the HTML export take it as they
   take the bundled layers.

Records of an uploaded layer carry ``location_precision`` (``exact`` for coordinates and
geometries given in the file, ``country`` for rows located by a country column, which have
no geometry and are shown as a badge on their country like the bundled country-level
records), ``source_publisher`` (the attribution the user gives, else the file name),
``source_file`` (the file's name), ``uploaded_at`` (the upload time, UTC) and ``source_date``
(its date), ``source_url`` (when given), and ``verified_on``: the date the uploader says the
records were last checked against their source, else the upload date, with
``verified_basis`` saying which (so the freshness rules of :mod:`mapper.validate` apply to
uploads as to the bundled records).

Limits (environment variables, read on each call)
-------------------------------------------------
``MAPPER_UPLOAD_MAX_MB``
    Largest upload in megabytes (default 200).
``MAPPER_UPLOAD_MAX_ROWS``
    Most rows (records) in an upload (default 200000).

Example
-------
>>> table = read_upload("sites.csv", "name,lat,lon\\nDam A,17.9,102.6\\n".encode())
>>> mapping = detect_mapping(table)
>>> mapping.location, mapping.lat, mapping.lon
('lonlat', 'lat', 'lon')
>>> result = apply_mapping(table, mapping)
>>> len(result.frame), result.rejected_count
(1, 0)
"""

from __future__ import annotations

import datetime as _dt
import io
import math
import os
import re
import tempfile
import tomllib
import unicodedata
import zipfile
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import geopandas as gpd
import shapely

from ._errors import DataReadError, UploadError, UploadLimitError
from .catalogue import GEOMETRIES, Layer, layer_from_dict
from .countrynames import country_code, country_hint, share_of_countries
from .i18n import N_, Message
from .io import WGS84, list_tables, read_layer_file, read_table_bytes
from .schema import is_missing, schema_from_dict
from .style import QUALITATIVE
from .validate import _jumps_antimeridian, invalid_geometry_message, upload_name

#: What :func:`read_upload` reads, by file suffix.
FORMATS = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".geojson": "geojson",
    ".json": "geojson",
    ".gpkg": "gpkg",
    ".zip": "shapefile",
    ".kml": "kml",
    ".kmz": "kml",
    ".parquet": "parquet",
    ".geoparquet": "parquet",
}
LOCATION_KINDS = ("lonlat", "wkt", "country", "geometry")
DEFAULT_MAX_MB = 200
DEFAULT_MAX_ROWS = 200_000
#: Columns an uploaded layer adds to the user's; a user column of the same name is kept
#: under ``"<name> (file)"``.
ADDED_COLUMNS = (
    "id",
    "layer",
    "geometry",
    "location_precision",
    "country",
    "source_publisher",
    "source_url",
    "source_date",
    "source_file",
    "uploaded_at",
    "verified_on",
    "verified_basis",
    "upload_row",
)
#: ``verified_basis`` of a record: the date was given by the uploader, or is the upload date.
VERIFIED_GIVEN = "given by the uploader"
VERIFIED_DEFAULT = "the upload date (the uploader gave no date)"
# columns the enrichment adds (country names and attributes, measures)
_DERIVED_PREFIXES = ("country_",)
_DERIVED = ("length_km", "area_km2", "coast_distance_km", "land_share_pct")
#: Colours given to the most frequent categories (ColorBrewer Set2, from :mod:`mapper.style`);
#: the rest share ``OTHER_COLOR``.
OTHER_COLOR = "#777777"

_NAMES = tomllib.loads((Path(__file__).parent / "column_names.toml").read_text(encoding="utf-8"))
_LON, _LAT, _WKT, _COUNTRY = (tuple(_NAMES[k]) for k in ("lon", "lat", "wkt", "country"))
_NAME, _CATEGORY, _YEAR, _NUMBER = (tuple(_NAMES[k]) for k in ("name", "category", "year", "number"))
_WKT_START = re.compile(
    r"^\s*(SRID=\d+;\s*)?(POINT|LINESTRING|POLYGON|MULTIPOINT|MULTILINESTRING|MULTIPOLYGON|GEOMETRYCOLLECTION)\b",
    re.IGNORECASE,
)
_LEADING_ZERO = re.compile(r"^[+-]?0\d")


def max_bytes() -> int:
    """The largest upload in bytes (``MAPPER_UPLOAD_MAX_MB``, default 200)."""
    return int(_env_number("MAPPER_UPLOAD_MAX_MB", DEFAULT_MAX_MB) * 1024 * 1024)


def max_rows() -> int:
    """The most rows an upload may hold (``MAPPER_UPLOAD_MAX_ROWS``, default 200000)."""
    return int(_env_number("MAPPER_UPLOAD_MAX_ROWS", DEFAULT_MAX_ROWS))


def _env_number(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise UploadError(
            Message(
                "the environment variable {name}={raw} is not a number; set it to e.g. {default}",
                name=name,
                raw=repr(raw),
                default=default,
            )
        ) from None
    if not math.isfinite(value) or value <= 0:
        raise UploadError(
            Message(
                "the environment variable {name}={raw} must be a positive number, e.g. {default}",
                name=name,
                raw=repr(raw),
                default=default,
            )
        )
    return value


@dataclass(frozen=True)
class UploadTable:
    """An uploaded table as the user wrote it.

    Attributes
    ----------
    name
        The file's display name (:func:`mapper.validate.upload_name`; never used as a path).
    kind
        ``csv``, ``xlsx``, ``geojson``, ``gpkg``, ``shapefile``, ``kml`` or ``parquet``.
    frame
        The rows: for CSV and XLSX, text cells (None when empty) under the original
        column names (merged header cells joined with " / "); for the GIS formats, a
        GeoDataFrame in EPSG:4326 with the file's attribute columns.
    rows
        For each row of ``frame``, its number as the user sees it: the line in a CSV file
        (header = 1), the row in the XLSX sheet, the feature number in a GIS file.
    sheets, layers
        The sheets (XLSX) or layers (GeoPackage, KML) the file holds, for a picker.
    sheet, layer
        The sheet or layer read.
    encoding, delimiter
        How a CSV file was read (e.g. ``cp932``, ``;``).
    notes
        Things the user should know (e.g. "read as Shift-JIS", "3 empty rows skipped").
    """

    name: str
    kind: str
    frame: pd.DataFrame = field(repr=False)
    rows: tuple[int, ...] = field(repr=False)
    sheets: tuple[str, ...] = ()
    layers: tuple[str, ...] = ()
    sheet: str | None = None
    layer: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    notes: tuple[str, ...] = ()
    size: int = 0

    @property
    def columns(self) -> list[str]:
        """The original attribute columns (not the geometry of a GIS file)."""
        geometry = self.frame.geometry.name if isinstance(self.frame, gpd.GeoDataFrame) else None
        return [str(c) for c in self.frame.columns if c != geometry]

    @property
    def has_geometry(self) -> bool:
        """True for GIS formats, whose rows carry a geometry."""
        return isinstance(self.frame, gpd.GeoDataFrame)

    def preview(self, n: int = 20) -> pd.DataFrame:
        """The first rows with their row numbers, as text (geometry as WKT)."""
        head = self.frame.head(n)
        table = pd.DataFrame(head.drop(columns=head.geometry.name) if self.has_geometry else head).copy()
        if self.has_geometry:
            table["geometry (WKT)"] = [None if g is None else shapely.to_wkt(g, 6) for g in head.geometry]
        table.insert(0, "row", list(self.rows[:n]))
        return table


def read_upload(name: str, data: bytes, *, sheet: str | None = None, layer: str | None = None) -> UploadTable:
    """Read an uploaded file's bytes (the bytes are not changed).

    Parameters
    ----------
    name
        The file name the user gave; only its suffix is used (to pick the reader) and it is
        shown sanitised (:func:`~mapper.validate.upload_name`).
    data
        The file's bytes.
    sheet
        The XLSX sheet to read (default: the first that holds cells).
    layer
        The GeoPackage or KML layer to read (default: the first).

    Raises
    ------
    DataReadError
        If the format is unknown or the file cannot be read (the message names the file
        and says what to do).
    UploadLimitError
        If the file is larger than :func:`max_bytes` or holds more rows than :func:`max_rows`.
    """
    shown = upload_name(name)
    data = bytes(data)
    limit = max_bytes()
    if len(data) > limit:
        raise UploadLimitError(
            Message(
                "{file}: is {size} MB, more than the {limit} MB allowed here; send a smaller file (e.g. only the rows "
                "or columns you need) or ask the administrator to raise MAPPER_UPLOAD_MAX_MB",
                file=shown,
                size=f"{len(data) / 1e6:.1f}",
                limit=f"{limit / 1e6:.0f}",
            )
        )
    suffix = Path(shown).suffix.lower()
    kind = FORMATS.get(suffix)
    if kind is None:
        raise DataReadError(
            Message(
                "{file}: cannot read {suffix} files; upload CSV (.csv), Excel (.xlsx), GeoJSON (.geojson), GeoPackage "
                "(.gpkg), zipped Shapefile (.zip), KML/KMZ (.kml, .kmz) or GeoParquet (.parquet)",
                file=shown,
                suffix=repr(suffix) if suffix else Message("suffix-less"),
            )
        )
    if kind == "csv":
        table = _read_csv(shown, data)
    elif kind == "xlsx":
        table = _read_xlsx(shown, data, sheet)
    else:
        table = _read_gis(shown, kind, suffix, data, layer)
    if table.frame.empty:
        if table.sheet or table.layer:
            raise DataReadError(
                Message(
                    "{file}: holds no rows ({part} {name}), only a header; add one row per record below it",
                    file=shown,
                    part=Message("sheet") if table.sheet else Message("layer"),
                    name=repr(table.sheet or table.layer),
                )
            )
        raise DataReadError(
            Message("{file}: holds no rows, only a header; add one row per record below it", file=shown)
        )
    rows_limit = max_rows()
    if len(table.frame) > rows_limit:
        raise UploadLimitError(
            Message(
                "{file}: holds {rows} rows, more than the {limit} allowed here; split the file or ask the "
                "administrator to raise MAPPER_UPLOAD_MAX_ROWS",
                file=shown,
                rows=f"{len(table.frame):,}",
                limit=f"{rows_limit:,}",
            )
        )
    return table


def _cell_text(value: Any) -> str | None:
    """A cell as text, as a spreadsheet shows it (whole numbers without ``.0``)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)
    if isinstance(value, _dt.datetime):
        return value.date().isoformat() if value.time() == _dt.time() else value.isoformat(sep=" ")
    if isinstance(value, _dt.date | _dt.time):
        return value.isoformat()
    if isinstance(value, _dt.timedelta):
        return str(value)
    return str(value)


def _unique_names(names: list[str]) -> list[str]:
    """Column names that are not blank and not repeated (``name (2)``)."""
    out: list[str] = []
    for k, raw in enumerate(names):
        name = re.sub(r"\s+", " ", unicodedata.normalize("NFC", str(raw))).strip() or f"column {k + 1}"
        base, n = name, 2
        while name in out:
            name, n = f"{base} ({n})", n + 1
        out.append(name)
    return out


def _read_csv(shown: str, data: bytes) -> UploadTable:
    table, encoding, delimiter = read_table_bytes(shown, data, skip_blank_lines=False)
    columns = _unique_names([("" if str(c).startswith("Unnamed: ") else str(c)) for c in table.columns])
    table.columns = columns
    table = table.astype(object).where(table.notna(), None)
    rows = np.arange(len(table)) + 2
    blank = table.isna().all(axis=1).to_numpy()
    notes = []
    if encoding in ("cp932", "cp1252"):
        label = {"cp932": "Shift-JIS (cp932)", "cp1252": "Latin-1 (cp1252)"}[encoding]
        notes.append(Message("read as {encoding}; check that the text looks right", encoding=label))
    if blank.any():
        notes.append(Message("{n} empty line(s) skipped", n=int(blank.sum())))
    table = table[~blank].reset_index(drop=True)
    return UploadTable(
        shown,
        "csv",
        table,
        tuple(int(r) for r in rows[~blank]),
        encoding=encoding,
        delimiter=delimiter,
        notes=tuple(notes),
        size=len(data),
    )


def _read_xlsx(shown: str, data: bytes, sheet: str | None) -> UploadTable:
    import python_calamine

    try:
        workbook = python_calamine.load_workbook(io.BytesIO(data))
        names = [str(n) for n in workbook.sheet_names]
    except (python_calamine.CalamineError, ValueError, OSError) as exc:  # ZipError, XmlError subclass CalamineError
        raise DataReadError(
            Message(
                "{file}: cannot read as an Excel workbook ({reason}); save it again as .xlsx (Excel Workbook) or as "
                "CSV UTF-8",
                file=shown,
                reason=str(exc)[:200] or type(exc).__name__,
            )
        ) from exc
    if not names:
        raise DataReadError(Message("{file}: holds no sheet; add the table to a sheet", file=shown))
    if sheet is not None and sheet not in names:
        raise DataReadError(
            Message(
                "{file}: has no sheet named {sheet}; its sheets are: {sheets}",
                file=shown,
                sheet=repr(sheet[:60]),
                sheets=", ".join(names),
            )
        )
    picked = sheet
    cells: list[list[Any]] = []
    start = (0, 0)
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = []
    for candidate in [sheet] if sheet is not None else names:
        ws = workbook.get_sheet_by_name(candidate)
        cells = ws.to_python(skip_empty_area=True)
        if any(any(_cell_text(v) for v in row) for row in cells):
            picked, start, merged = candidate, tuple(ws.start or (0, 0)), list(ws.merged_cell_ranges or [])
            break
    if not any(any(_cell_text(v) for v in row) for row in cells):
        raise DataReadError(
            Message(
                "{file}: sheet {sheet} holds no cells; pick the sheet with the table",
                file=shown,
                sheet=repr(picked or names[0]),
            )
        )
    text = [[_cell_text(v) for v in row] for row in cells]
    width = max(len(r) for r in text)
    text = [r + [None] * (width - len(r)) for r in text]
    row0, col0 = start
    # a merged range's value sits in its top-left cell: copy it into every cell of the range
    for (top, left), (bottom, right) in merged:
        value = _at(text, top - row0, left - col0)
        for r in range(top - row0, bottom - row0 + 1):
            for c in range(left - col0, right - col0 + 1):
                if 0 <= r < len(text) and 0 <= c < width:
                    text[r][c] = value
    # the header is the first row as full as the table's rows (a title row above it is not)
    filled = [sum(1 for v in row if v) for row in text[:30]]
    header = next(k for k, n in enumerate(filled) if n and n >= min(2, max(filled)) and n >= max(filled) / 2)
    depth = 1
    for (top, left), (bottom, right) in merged:
        if top - row0 == header:
            if bottom > top:
                depth = max(depth, bottom - top + 1)
            elif right > left:
                depth = max(depth, 2)  # a group header over sub-headers on the next row
    depth = min(depth, len(text) - header)
    names_out = []
    for c in range(width):
        parts: list[str] = []
        for r in range(header, header + depth):
            value = text[r][c]
            if value and value not in parts:
                parts.append(value)
        names_out.append(" / ".join(parts))
    body = text[header + depth :]
    first_row = row0 + header + depth + 1  # the sheet's row number of body[0]
    frame = pd.DataFrame(body, columns=_unique_names(names_out), dtype=object)
    frame = frame.where(frame.notna(), None)
    rows = np.arange(len(frame)) + first_row
    blank = frame.isna().all(axis=1).to_numpy() if len(frame) else np.zeros(0, dtype=bool)
    notes = [
        Message("header: sheet row(s) {first}–{last}", first=row0 + header + 1, last=row0 + header + depth)
        if depth > 1
        else ""
    ]
    if blank.any():
        notes.append(Message("{n} empty row(s) skipped", n=int(blank.sum())))
    return UploadTable(
        shown,
        "xlsx",
        frame[~blank].reset_index(drop=True),
        tuple(int(r) for r in rows[~blank]),
        sheets=tuple(names),
        sheet=picked,
        notes=tuple(n for n in notes if n),
        size=len(data),
    )


def _at(text: list[list[Any]], r: int, c: int) -> Any:
    return text[r][c] if 0 <= r < len(text) and 0 <= c < len(text[r]) else None


def _read_gis(shown: str, kind: str, suffix: str, data: bytes, layer: str | None) -> UploadTable:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(data)
        try:
            if kind == "shapefile":
                _check_shapefile_zip(shown, data)
            names: list[str] = []
            if kind in ("gpkg", "kml", "shapefile"):
                names = list_tables(path)
                if not names:
                    raise DataReadError(
                        Message("{file}: holds no layer (table) at all; export the layer into it again", file=shown)
                    )
                if layer is not None and layer not in names:
                    raise DataReadError(
                        Message(
                            "{file}: has no layer named {layer}; its layers are: {layers}",
                            file=shown,
                            layer=repr(layer[:60]),
                            layers=", ".join(names),
                        )
                    )
                layer = layer or names[0]
            encoding = _dbf_encoding(data) if kind == "shapefile" else None
            try:
                frame, _ = read_layer_file(path, layer=layer, encoding=encoding)
            except DataReadError:
                if kind != "parquet":
                    raise
                frame = _plain_parquet(path)
        except DataReadError as exc:
            # the temporary path never reaches the user (a Message stays one: only its parameters change)
            message = (exc.message or str(exc)).replace(str(path), shown).replace(tmp, "").replace(path.name, shown)
            raise DataReadError(message) from None
    if isinstance(frame, gpd.GeoDataFrame):
        geoms = frame.geometry.to_numpy()
        present = ~pd.isna(geoms)
        if present.any() and shapely.has_z(geoms[present]).any():
            geoms = np.where(present, shapely.force_2d(np.where(present, geoms, None)), None)
            frame = frame.set_geometry(gpd.GeoSeries(geoms, index=frame.index, crs=frame.crs))
        if frame.geometry.name != "geometry":
            frame = frame.rename_geometry("geometry")
    frame = frame.reset_index(drop=True)
    attributes = [c for c in frame.columns if c != getattr(frame, "geometry", pd.Series(name=None)).name]
    renamed = dict(zip(attributes, _unique_names([str(c) for c in attributes]), strict=True))
    frame = frame.rename(columns=renamed)
    notes = (
        (Message("the Shapefile has no .cpg file; its text was read as {encoding}", encoding=encoding),)
        if encoding
        else ()
    )
    return UploadTable(
        shown,
        kind,
        frame,
        tuple(range(1, len(frame) + 1)),
        layers=tuple(names),
        layer=layer if names else None,
        notes=notes,
        size=len(data),
    )


def _plain_parquet(path: Path) -> pd.DataFrame:
    """A Parquet table without GeoParquet metadata, as text cells (lon/lat or WKT columns
    are then mapped like a CSV's)."""
    try:
        table = pd.read_parquet(path)
    except (ValueError, OSError, TypeError) as exc:
        raise DataReadError(
            Message(
                "{file}: cannot read as Parquet ({reason}); is it a (Geo)Parquet file?",
                file=str(path),
                reason=str(exc)[:200],
            )
        ) from exc
    return table.astype(object).map(_cell_text) if len(table) else table.astype(object)


def _dbf_encoding(data: bytes) -> str | None:
    """``cp932`` for a zipped Shapefile without a ``.cpg`` file whose ``.dbf`` text is
    Shift-JIS (common in Japanese GIS files; GDAL would read it as Latin-1), else None."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        if any(n.lower().endswith(".cpg") for n in names):
            return None
        dbf = next((n for n in names if n.lower().endswith(".dbf")), None)
        if dbf is None or archive.getinfo(dbf).file_size > 200 * 1024 * 1024:
            return None
        raw = archive.read(dbf)
    if len(raw) > 29 and raw[29] != 0:  # the language driver byte says the code page
        return None
    try:
        raw.decode("utf-8")
        return None
    except UnicodeDecodeError:
        pass
    try:
        text = raw[32:].decode("cp932")
    except UnicodeDecodeError:
        return None
    return "cp932" if re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", text) else None


def _check_shapefile_zip(shown: str, data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [n.lower() for n in archive.namelist()]
    except zipfile.BadZipFile as exc:
        raise DataReadError(
            Message(
                "{file}: is not a valid zip archive ({reason}); zip the Shapefile's files again", file=shown, reason=exc
            )
        ) from exc
    shp = [n for n in members if n.endswith(".shp")]
    if not shp:
        raise DataReadError(
            Message(
                "{file}: the zip holds no .shp file; a zipped Shapefile needs the .shp, .shx, .dbf and .prj files "
                "(and .cpg for the text encoding) of one layer",
                file=shown,
            )
        )
    for stem in (n[:-4] for n in shp):
        missing = [ext for ext in (".shx", ".dbf") if stem + ext not in members]
        if missing:
            raise DataReadError(
                Message(
                    "{file}: the Shapefile {shp} comes without its {missing} file(s); zip all the files that share "
                    "its name",
                    file=shown,
                    shp=f"{Path(stem).name}.shp",
                    missing=" / ".join(missing),
                )
            )


# --- column detection -------------------------------------------------------------------


@dataclass
class Mapping:
    """Which columns of an upload mean what. JSON-ready (:meth:`to_dict`, :meth:`from_dict`).

    Attributes
    ----------
    location
        ``lonlat`` (``lon`` and ``lat`` columns), ``wkt`` (``wkt`` column), ``country``
        (``country`` column: country-level records) or ``geometry`` (a GIS file's own).
    name
        The column that names each record (labels, tooltips, search); None: "row N".
    country
        A column of country codes or names: the location for ``country``, and for the
        other kinds the country filter, the country profile and the fallback location of
        rows without coordinates.
    category, year, number
        Columns to colour by, to filter by year, and to filter or size by.
    tooltip
        Columns shown on hover (the popup shows every column).
    title, attribution, source_url, licence
        What the layer is called and whom its records are credited to (travels with
        exports, snapshots and the HTML map).
    verified_on
        When the records were last checked against their source (``YYYY-MM-DD``), as the
        uploader says; empty: the upload date stands for it (and the records say so).
    """

    location: str = "lonlat"
    name: str | None = None
    lon: str | None = None
    lat: str | None = None
    wkt: str | None = None
    country: str | None = None
    category: str | None = None
    year: str | None = None
    number: str | None = None
    tooltip: list[str] = field(default_factory=list)
    title: str = "My data"
    attribution: str = ""
    source_url: str = ""
    licence: str = ""
    verified_on: str = ""

    def to_dict(self) -> dict[str, Any]:
        """A plain dict (JSON-ready)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Mapping:
        """The mapping a :meth:`to_dict` dict describes; unknown keys are refused.

        Raises
        ------
        UploadError
            If a key is unknown or a value has the wrong type.
        """
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise UploadError(
                Message(
                    "unknown mapping key(s) {keys}; use {known}",
                    keys=", ".join(unknown),
                    known=", ".join(sorted(known)),
                )
            )
        values = dict(raw)
        if "tooltip" in values:
            tip = values["tooltip"]
            values["tooltip"] = [tip] if isinstance(tip, str) else list(tip or [])
        for key, value in values.items():
            if key != "tooltip" and value is not None and not isinstance(value, str):
                raise UploadError(
                    Message("mapping {key} must be text (a column name), got {value}", key=key, value=repr(value))
                )
        return cls(**values)

    def with_changes(self, **changes: Any) -> Mapping:
        """A copy with some keys changed (empty text means "none" for column keys)."""
        raw = self.to_dict()
        for key, value in changes.items():
            raw[key] = None if value == "" and key not in _TEXT_KEYS else value
        return Mapping.from_dict(raw)


#: Mapping keys that are free text (empty text stays empty), not column names.
_TEXT_KEYS = ("title", "attribution", "source_url", "licence", "verified_on")


def _key(name: str) -> str:
    return re.sub(r"[\s_\-]+", " ", unicodedata.normalize("NFKC", name).casefold()).strip()


def _name_matches(column: str, names: tuple[str, ...]) -> float:
    """How well a column name matches known names: 3 exact, 2 last part (``所在地 / 緯度``,
    ``Latitude (deg)``), 1 a word of it; 0 none."""
    key = _key(column)
    ordered = [_key(n) for n in names]
    wanted = set(ordered)
    if key in wanted:
        return 3 + (len(ordered) - ordered.index(key)) / 1000  # earlier names first: country before country name
    last = _key(re.sub(r"\s*[(（\[].*?[)）\]]\s*", " ", column.split(" / ")[-1]))
    if last in wanted:
        return 2
    words = set(re.split(r"[^\w]+", last))
    if words & {w for w in wanted if len(w) > 2}:
        return 1
    if any(len(w) > 1 and not w.isascii() and w in last for w in wanted):  # 緯度(世界測地系)
        return 1
    return 0


def _numbers(values: pd.Series) -> pd.Series:
    """Cells as floats (NaN where not a number); full-width digits and a decimal comma are read."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return pd.to_numeric(values, errors="coerce").astype("float64")
    values = values.astype(object)
    numbers = pd.to_numeric(values, errors="coerce").astype("float64")
    # only cells that are not plain numbers go the slow way (full-width digits, 102,5, 1,200.5)
    retry = numbers.isna() & values.notna()
    if retry.any():
        text = values[retry].map(_number_text)
        numbers[retry] = pd.to_numeric(text, errors="coerce").astype("float64")
    return numbers


def _number_text(value: Any) -> Any:
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
        return value
    text = unicodedata.normalize("NFKC", str(value)).strip().replace("−", "-").replace(" ", "")
    if "," in text and "." not in text and text.count(",") == 1:
        text = text.replace(",", ".")  # 102,5 (decimal comma)
    elif re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?", text):
        text = text.replace(",", "")  # 1,200.5
    return text


def _missing(values: pd.Series) -> np.ndarray:
    """True for empty cells (missing, or blank text), vectorised (the rule of
    :func:`mapper.schema.is_missing` over a whole column)."""
    missing = values.isna().to_numpy(dtype=bool, copy=True)
    if values.dtype == object or isinstance(values.dtype, pd.StringDtype):
        present = values[~missing]
        if len(present):
            try:
                stripped = present.str.strip()  # not text (numbers, dates) gives NaN: not blank
            except AttributeError:  # no text at all in the column
                return missing
            blank = stripped.eq("").fillna(False).to_numpy(dtype=bool)
            missing[np.flatnonzero(~missing)[blank]] = True
    return missing


def _present(values: pd.Series) -> pd.Series:
    return values[~_missing(values)]


def _float(value: Any) -> float:
    try:
        return float(_number_text(value))
    except (TypeError, ValueError):
        return math.nan


class _Columns:
    """What detection needs to know about each column, computed once per column from the
    first rows (a sample of 500 values, up to 300 distinct values from 5,000 rows)."""

    def __init__(self, table: UploadTable) -> None:
        self.frame = table.frame
        self._samples: dict[str, list[Any]] = {}
        self._numbers: dict[str, np.ndarray] = {}
        self._distinct: dict[str, list[str]] = {}
        self._shares: dict[str, float] = {}

    def head(self, column: str) -> list[Any]:
        if column not in self._samples:
            values = self.frame[column].head(5000).tolist()
            self._samples[column] = [v for v in values if not is_missing(v)]
        return self._samples[column]

    def sample(self, column: str, n: int = 500) -> pd.Series:
        return pd.Series(self.head(column)[:n], dtype=object)

    def numeric_share(self, column: str, low: float = -math.inf, high: float = math.inf) -> float:
        if column not in self._numbers:
            self._numbers[column] = np.array([_float(v) for v in self.head(column)[:500]], dtype=float)
        numbers = self._numbers[column]
        if not len(numbers):
            return 0.0
        return float(((numbers >= low) & (numbers <= high)).sum() / len(numbers))

    def distinct(self, column: str) -> list[str]:
        if column not in self._distinct:
            self._distinct[column] = list(dict.fromkeys(str(v) for v in self.head(column)))[:300]
        return self._distinct[column]

    def distinct_share(self, column: str) -> float:
        if column not in self._shares:
            values = self.frame[column]
            values = values[values.notna()]
            self._shares[column] = values.astype(str).nunique() / len(values) if len(values) else 0.0
        return self._shares[column]


def detect_mapping(table: UploadTable) -> Mapping:
    """Propose which column means what, from column names (English and Japanese) and values.

    Longitude/latitude columns are found by name (lon, lng, long, longitude, x, 経度; lat,
    latitude, y, 緯度, ...) when most of their values are degrees in range; a WKT column by
    parsing a sample; a country column by name or by most values naming a country. A GIS
    file keeps its own geometry. The category is a text column with few distinct values
    (preferring names such as type, status, 種別), the year a column of years, the number
    a numeric column (preferring capacity, amount, 容量, 金額).

    Raises
    ------
    UploadError
        If no column gives a location; the message lists the columns and what is needed.
    """
    columns = table.columns
    stats = _Columns(table)
    used: set[str] = set()

    def best(names: tuple[str, ...], accept, pool=None) -> str | None:  # type: ignore[no-untyped-def]
        ranked = sorted(
            ((_name_matches(c, names), -k, c) for k, c in enumerate(pool if pool is not None else columns)),
            reverse=True,
        )
        for score, _, column in ranked:
            if score and column not in used and accept(column):
                return column
        return None

    lon = best(_LON, lambda c: stats.numeric_share(c, -180, 180) >= 0.8)
    lat = best(_LAT, lambda c: c != lon and stats.numeric_share(c, -180, 180) >= 0.8)
    if not (lon and lat):
        lon = lat = None
    used |= {c for c in (lon, lat) if c}
    wkt = None if lon else best(_WKT, lambda c: _wkt_share(stats.sample(c, 50)) >= 0.5)
    if wkt is None and not lon:
        wkt = next((c for c in columns if c not in used and _wkt_share(stats.sample(c, 20)) >= 0.8), None)
    used |= {wkt} if wkt else set()
    country = best(_COUNTRY, lambda c: share_of_countries(stats.distinct(c)) >= 0.5)
    if country is None:
        country = next(
            (
                c
                for c in columns
                if c not in used and not stats.numeric_share(c) and share_of_countries(stats.distinct(c)) >= 0.8
            ),
            None,
        )
    used |= {country} if country else set()
    if table.has_geometry and table.frame.geometry.notna().any():
        location = "geometry"
    elif lon:
        location = "lonlat"
    elif wkt:
        location = "wkt"
    elif country:
        location = "country"
    else:
        raise UploadError(
            Message(
                "{file}: found no location: name the coordinate columns lon and lat (or 経度 and 緯度), add a WKT "
                "column (e.g. POINT (102.6 17.97)) or a country column (ISO code or name); columns: {columns}",
                file=table.name,
                columns=", ".join(repr(c[:40]) for c in columns[:30]),
            )
        )
    text_columns = [c for c in columns if c not in used and stats.numeric_share(c) < 0.8]
    name = best(_NAME, lambda c: True, text_columns)
    if name is None:
        name = next(
            (c for c in text_columns if stats.distinct_share(c) >= 0.9), text_columns[0] if text_columns else None
        )
    used |= {name} if name else set()
    category = best(_CATEGORY, lambda c: 1 <= len(stats.distinct(c)) <= 30, text_columns)
    if category is None:
        category = next(
            (
                c
                for c in text_columns
                if c not in used and 2 <= len(stats.distinct(c)) <= 12 and stats.distinct_share(c) < 0.5
            ),
            None,
        )
    used |= {category} if category else set()
    year = best(_YEAR, lambda c: stats.numeric_share(c, 1800, 2200) >= 0.8)
    used |= {year} if year else set()
    numeric = [c for c in columns if c not in used and stats.numeric_share(c) >= 0.8 and len(stats.distinct(c)) > 1]
    number = best(_NUMBER, lambda c: True, numeric) or (numeric[0] if numeric else None)
    tooltip = [c for c in (category, country, year, number) if c]
    title = Path(table.name).stem.replace("_", " ").strip() or "My data"
    if table.sheet and len(table.sheets) > 1:
        title += f" – {table.sheet}"
    return Mapping(
        location=location,
        name=name,
        lon=lon,
        lat=lat,
        wkt=wkt,
        country=country,
        category=category,
        year=year,
        number=number,
        tooltip=tooltip,
        title=title[:120],
    )


def _wkt_share(values: pd.Series) -> float:
    if values.empty:
        return 0.0
    texts = [str(v) for v in values]
    if not all(_WKT_START.match(t) for t in texts):
        return 0.0
    return sum(_parse_wkt(t) is not None for t in texts) / len(texts)


def _parse_wkt(text: str) -> shapely.Geometry | None:
    text = re.sub(r"^\s*SRID=\d+;\s*", "", text, flags=re.IGNORECASE)
    try:
        return shapely.from_wkt(text)
    except (shapely.errors.GEOSException, ValueError, TypeError):
        return None


# --- checking rows ---------------------------------------------------------------------


@dataclass(frozen=True)
class UploadResult:
    """The rows of an upload that can be mapped, and the rows set aside.

    Attributes
    ----------
    table
        The table the rows came from.
    frame
        The good rows: a GeoDataFrame in EPSG:4326 with the user's columns (text, or
        numbers where every value is one; renamed ``"<name> (file)"`` when they clash
        with :data:`ADDED_COLUMNS`), ``upload_row``, ``location_precision``, ``country``
        (ISO3, when a country column is mapped) and the source columns. Country-level rows
        have no geometry.
    rejected
        One row per problem: ``row`` (as the user sees it), ``column``, ``value`` (as
        written), ``problem`` (what is wrong and what to do).
    warnings
        Problems that do not set a row aside (e.g. a country name not recognised on a row
        that has coordinates), same columns.
    columns
        ``{original column: column in frame}``.
    types
        ``{column in frame: schema type}`` (``string``, ``number``, ``integer``, ``boolean``).
    geometry
        ``point``, ``line`` or ``polygon``.
    """

    table: UploadTable = field(repr=False)
    frame: gpd.GeoDataFrame = field(repr=False)
    rejected: pd.DataFrame = field(repr=False)
    warnings: pd.DataFrame = field(repr=False)
    columns: dict[str, str] = field(repr=False)
    types: dict[str, str] = field(repr=False)
    geometry: str = "point"
    as_of: str = ""
    uploaded: _dt.datetime | None = None

    @property
    def rejected_rows(self) -> list[int]:
        """Row numbers (as the user sees them) of the rows set aside."""
        return sorted(set(self.rejected["row"].astype(int)))

    @property
    def rejected_count(self) -> int:
        """How many rows were set aside."""
        return len(self.rejected_rows)

    @property
    def total(self) -> int:
        """Rows in the upload (good + rejected)."""
        return len(self.table.frame)

    def summary(self) -> Message:
        """E.g. ``"18 of 20 rows mapped (15 at a place, 3 on their country); 2 set aside"``."""
        located = int((self.frame["location_precision"] == "exact").sum()) if len(self.frame) else 0
        mapped = len(self.frame)
        counts = {"mapped": mapped, "total": self.total, "located": located, "country": mapped - located}
        if self.rejected_count:
            return Message(
                "{mapped} of {total} rows mapped ({located} at a place, {country} on their country); {rejected} set "
                "aside",
                rejected=self.rejected_count,
                **counts,
            )
        return Message("{mapped} of {total} rows mapped ({located} at a place, {country} on their country)", **counts)


_PROBLEM_COLUMNS = ["row", "column", "value", "problem"]


def _safe_columns(columns: list[str]) -> dict[str, str]:
    """The name each user column gets in the layer: the same, unless it clashes with a
    column the mapper adds or would be hidden from exports (leading ``_``)."""
    taken = set(ADDED_COLUMNS) | set(_DERIVED)
    out: dict[str, str] = {}
    for column in columns:
        name = column.lstrip("_") or "column"
        if name in taken or name.startswith(_DERIVED_PREFIXES) or name != column:
            name = f"{name} (file)"
        base, n = name, 2
        while name in out.values() or name in taken:
            name, n = f"{base} {n}", n + 1
        out[column] = name
    return out


def apply_mapping(
    table: UploadTable,
    mapping: Mapping,
    *,
    today: _dt.date | None = None,
    uploaded: _dt.datetime | None = None,
) -> UploadResult:
    """Check every row of an upload against a mapping; keep the good rows, set aside the rest.

    A row is set aside (one ``rejected`` row per problem) when its location is unusable
    (coordinates that are not numbers or out of range, likely swapped; invalid WKT or
    geometry; a country that matches nothing; no location at all), when its name is empty,
    or when its geometry is of another kind than the layer's (points, lines, polygons). A
    row without coordinates but with a recognised country becomes a country-level record.

    ``uploaded`` is when the file was uploaded (default: now; a saved upload's time when it
    is rebuilt), ``today`` its date (default: ``uploaded``'s); the records carry both as
    their source's time and, unless the mapping gives ``verified_on``, as the date they were
    last checked.

    Raises
    ------
    UploadError
        If the mapping names a column the table does not have, or its location kind lacks
        its columns; every row being rejected is *not* an error (see ``result.rejected``).
    """
    uploaded = _utc(uploaded)
    today = today or uploaded.date()
    _check_mapping(table, mapping, today)
    frame = table.frame
    n = len(frame)
    rows = np.asarray(table.rows, dtype=np.int64)
    problems: list[tuple[int, str, Any, str]] = []  # (position, column, value, message)
    warnings: list[tuple[int, str, Any, str]] = []
    geoms = np.full(n, None, dtype=object)
    precision = np.full(n, "exact", dtype=object)

    codes = _country_codes(frame[mapping.country]) if mapping.country else np.full(n, None, dtype=object)

    def country_fallback(k: int, reason_column: str, reason_value: Any, reason: str) -> None:
        """A row without a usable location: a country-level record if it names a country."""
        value = frame[mapping.country].iat[k] if mapping.country else None
        if mapping.country and codes[k] is not None and reason == "":
            precision[k] = "country"
            return
        if reason:
            problems.append((k, reason_column, reason_value, reason))
        elif mapping.country and not is_missing(value):
            problems.append((k, mapping.country, value, country_hint(value)))
        else:
            what = {
                "lonlat": Message("{columns} are empty", columns=f"{mapping.lon}/{mapping.lat}"),
                "wkt": Message("{column} is empty", column=mapping.wkt),
                "geometry": Message("the feature has no geometry"),
                "country": Message("{column} is empty", column=mapping.country),
            }[mapping.location]
            if mapping.country and mapping.location != "country":
                fix = Message(
                    "{what}: give the location or the country in {column}, or remove the row",
                    what=what,
                    column=mapping.country,
                )
            else:
                fix = Message("{what}: give the location, or remove the row", what=what)
            problems.append((k, reason_column, None, fix))

    if mapping.location == "lonlat":
        _lonlat(frame, mapping, geoms, problems, country_fallback)
    elif mapping.location == "wkt":
        texts = frame[mapping.wkt]
        missing = _missing(texts)
        parsed = _parse_wkt_column(texts, missing)
        empty = missing | (~pd.isna(parsed) & shapely.is_empty(parsed))
        usable = ~pd.isna(parsed) & ~empty
        geoms[usable] = parsed[usable]
        for k in np.flatnonzero(~usable):
            if empty[k]:
                country_fallback(k, mapping.wkt, None, "")
            else:
                country_fallback(
                    k,
                    mapping.wkt,
                    texts.iat[k],
                    Message("is not WKT; write it like POINT (102.6 17.97) (longitude first)"),
                )
    elif mapping.location == "geometry":
        given = frame.geometry.to_numpy()
        usable = ~pd.isna(given) & ~shapely.is_empty(given)
        geoms[usable] = given[usable]
        for k in np.flatnonzero(~usable):
            country_fallback(k, "geometry", None, "")
    else:
        named = ~pd.isna(codes)
        precision[named] = "country"  # what country_fallback does for a row with a known country
        for k in np.flatnonzero(~named):
            country_fallback(k, mapping.country, None, "")

    if mapping.country and mapping.location != "country":
        values = frame[mapping.country].tolist()
        for k in np.flatnonzero((precision == "exact") & pd.isna(codes)):
            if not is_missing(values[k]):
                hint = Message("{hint}; the row is mapped by its location", hint=country_hint(values[k]))
                warnings.append((int(k), mapping.country, values[k], hint))

    family = _family(geoms)
    if family is not None:
        kinds = _geom_types(geoms)
        for k in np.flatnonzero((kinds != "") & ~np.isin(kinds, GEOMETRIES[family])):
            kind = str(kinds[k])
            problems.append(
                (
                    int(k),
                    mapping.wkt or "geometry",
                    kind,
                    Message(
                        "is a {kind} but most rows are {family}s; upload {kind}s as a separate file (a layer holds "
                        "one kind of geometry)",
                        kind=kind,
                        family=family,
                    ),
                )
            )
            geoms[k] = None
    if mapping.name:
        names = frame[mapping.name]
        for k in np.flatnonzero(_missing(names)):
            problems.append(
                (
                    int(k),
                    mapping.name,
                    names.iat[k],
                    Message("the name is empty: fill it in (or choose another name column)"),
                )
            )

    columns = _safe_columns(table.columns)
    dropped = {c for c in (mapping.lon, mapping.lat, mapping.wkt) if c and mapping.location in ("lonlat", "wkt")}
    kept = [c for c in table.columns if c not in dropped]
    attributes = pd.DataFrame({columns[c]: frame[c] for c in kept}, index=range(n))
    types = {columns[c]: _column_type(frame[c]) for c in kept}
    for column, kind in types.items():
        attributes[column] = _typed(attributes[column], kind)
    attributes["upload_row"] = pd.array(rows, dtype="Int64")
    attributes["location_precision"] = precision
    if mapping.country:
        attributes["country"] = codes
    attributes["source_publisher"] = mapping.attribution.strip() or f"{table.name} (uploaded file)"
    attributes["source_url"] = mapping.source_url.strip() or None
    attributes["source_date"] = today.isoformat()
    attributes["source_file"] = table.name
    attributes["uploaded_at"] = uploaded.strftime("%Y-%m-%d %H:%M:%S UTC")
    attributes["verified_on"] = mapping.verified_on.strip() or today.isoformat()
    attributes["verified_basis"] = VERIFIED_GIVEN if mapping.verified_on.strip() else VERIFIED_DEFAULT
    result_frame = gpd.GeoDataFrame(attributes, geometry=gpd.GeoSeries(geoms, crs=WGS84), crs=WGS84)
    family = family or "point"

    # geometry validity and range (the columns are typed by construction, the name checked above)
    column = mapping.wkt if mapping.location == "wkt" else "geometry"
    bad_positions = {p[0] for p in problems}
    for k, value, message in _geometry_problems(geoms):
        if k not in bad_positions:
            problems.append((k, column, value, message))

    rejected = _problem_frame(problems, rows)
    bad = np.zeros(n, dtype=bool)
    bad[[p[0] for p in problems]] = True
    good = result_frame[~bad].reset_index(drop=True)
    return UploadResult(
        table=table,
        frame=good,
        rejected=rejected,
        warnings=_problem_frame([w for w in warnings if not bad[w[0]]], rows),
        columns=columns,
        types=types,
        geometry=family,
        as_of=today.isoformat(),
        uploaded=uploaded,
    )


def _utc(moment: _dt.datetime | None) -> _dt.datetime:
    """``moment`` (default: now) in UTC, to the second (a naive time is taken as UTC)."""
    moment = moment or _dt.datetime.now(_dt.UTC)
    moment = moment.replace(tzinfo=_dt.UTC) if moment.tzinfo is None else moment.astimezone(_dt.UTC)
    return moment.replace(microsecond=0)


#: shapely's geometry type names by type id (:func:`shapely.get_type_id`).
_TYPE_NAMES = np.array(
    [
        "Point",
        "LineString",
        "LinearRing",
        "Polygon",
        "MultiPoint",
        "MultiLineString",
        "MultiPolygon",
        "GeometryCollection",
    ]
)


def _geom_types(geoms: np.ndarray) -> np.ndarray:
    """The geometry type name of each row ("" where there is none), vectorised."""
    ids = shapely.get_type_id(geoms)
    out = np.full(len(geoms), "", dtype=object)
    present = ids >= 0
    out[present] = _TYPE_NAMES[ids[present]]
    return out


def _country_codes(values: pd.Series) -> np.ndarray:
    """The ISO3 code each cell names (None when empty or unknown): each distinct cell is
    looked up once (:func:`~mapper.countrynames.country_code`), then spread over the rows."""
    codes = np.full(len(values), None, dtype=object)
    present = np.flatnonzero(~_missing(values))
    if not len(present):
        return codes
    cells = values.iloc[present]
    texts = cells if pd.api.types.infer_dtype(cells, skipna=False) == "string" else cells.map(str)
    keys, _ = pd.factorize(texts.to_numpy(dtype=object))
    # the first cell of each distinct text is looked up as written (a number stays a number)
    first = cells.to_numpy(dtype=object)[np.unique(keys, return_index=True)[1]]
    found = np.array([country_code(cell) for cell in first], dtype=object)
    codes[present] = found[keys]
    return codes


def _parse_wkt_column(texts: pd.Series, missing: np.ndarray) -> np.ndarray:
    """The geometry of each WKT cell (None when empty or not WKT), parsed in one call
    (``SRID=…;`` prefixes dropped, as :func:`_parse_wkt` does for one cell)."""
    out = np.full(len(texts), None, dtype=object)
    present = np.flatnonzero(~missing)
    if not len(present):
        return out
    cells = texts.iloc[present].map(str).str.replace(r"^\s*SRID=\d+;\s*", "", regex=True, flags=re.IGNORECASE)
    try:
        out[present] = shapely.from_wkt(cells.to_numpy(dtype=object), on_invalid="ignore")
    except (shapely.errors.GEOSException, ValueError, TypeError):  # one cell at a time, as before
        out[present] = [_parse_wkt(c) for c in cells]
    return out


def _check_mapping(table: UploadTable, mapping: Mapping, today: _dt.date | None = None) -> None:
    if mapping.location not in LOCATION_KINDS:
        raise UploadError(
            Message(
                "location kind {kind} is unknown; use one of {kinds}",
                kind=repr(mapping.location),
                kinds=", ".join(LOCATION_KINDS),
            )
        )
    columns = set(table.columns)
    bad = []
    for key in ("name", "lon", "lat", "wkt", "country", "category", "year", "number"):
        value = getattr(mapping, key)
        if value is not None and value not in columns:
            bad.append(f"{key} = {value[:60]!r}")
    bad += [f"tooltip {c[:60]!r}" for c in mapping.tooltip if c not in columns]
    if bad:
        raise UploadError(
            Message(
                "{file}: the mapping names columns the file does not have ({bad}); its columns are: {columns}",
                file=table.name,
                bad="; ".join(bad),
                columns=", ".join(repr(c[:40]) for c in table.columns[:40]),
            )
        )
    need = {"lonlat": ("lon", "lat"), "wkt": ("wkt",), "country": ("country",), "geometry": ()}[mapping.location]
    missing = [key for key in need if getattr(mapping, key) is None]
    if missing:
        raise UploadError(
            Message(
                "{file}: location {kind} needs the {columns} column(s); choose them",
                file=table.name,
                kind=repr(mapping.location),
                columns=" / ".join(missing),
            )
        )
    url = mapping.source_url.strip()
    if url and not re.fullmatch(r"https?://[^\s<>\"']+", url):
        raise UploadError(
            Message(
                "the source URL {url} is not an http(s) address; give e.g. https://example.org/list", url=repr(url[:80])
            )
        )
    verified = mapping.verified_on.strip()
    if verified:
        try:
            day = _dt.date.fromisoformat(verified) if len(verified) == 10 else None
        except ValueError:
            day = None
        if day is None:
            raise UploadError(
                Message(
                    "the date the records were last checked, {date}, is not a date; write it as YYYY-MM-DD (e.g. "
                    "2026-11-30), or leave it empty to use the upload date",
                    date=repr(verified[:40]),
                )
            )
        if today is not None and day > today:
            raise UploadError(
                Message(
                    "the date the records were last checked, {date}, is after the upload date {today}; give the day "
                    "their source was actually read, or leave it empty to use the upload date",
                    date=verified,
                    today=today.isoformat(),
                )
            )
    if mapping.location == "geometry" and not table.has_geometry:
        raise UploadError(
            Message(
                "{file}: is a table without geometry; locate it by lon/lat, WKT or country columns", file=table.name
            )
        )


def _lonlat(frame: pd.DataFrame, mapping: Mapping, geoms: np.ndarray, problems: list, country_fallback) -> None:  # type: ignore[no-untyped-def,type-arg]
    lon_raw, lat_raw = frame[mapping.lon], frame[mapping.lat]
    lon, lat = _numbers(lon_raw).to_numpy(), _numbers(lat_raw).to_numpy()
    lon_missing, lat_missing = _missing(lon_raw), _missing(lat_raw)
    ok = np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90)
    if ok.any():
        geoms[ok] = shapely.points(lon[ok], lat[ok])
    for k in np.flatnonzero(~ok):
        if lon_missing[k] and lat_missing[k]:
            country_fallback(k, f"{mapping.lon}/{mapping.lat}", None, "")
            continue
        for column, raw, value, missing, limit in (
            (mapping.lon, lon_raw.iat[k], lon[k], lon_missing[k], 180),
            (mapping.lat, lat_raw.iat[k], lat[k], lat_missing[k], 90),
        ):
            kind = Message("longitude") if limit == 180 else Message("latitude")
            if missing:
                problems.append(
                    (
                        k,
                        column,
                        None,
                        Message("the {kind} is empty while the other coordinate is given: fill it in", kind=kind),
                    )
                )
            elif not np.isfinite(value):
                problems.append(
                    (
                        k,
                        column,
                        raw,
                        Message(
                            "the {kind} {value} is not a number: write decimal degrees, e.g. 102.6",
                            kind=kind,
                            value=repr(str(raw)[:40]),
                        ),
                    )
                )
            elif abs(value) > limit:
                params = {"kind": kind, "value": f"{value:g}", "limit": limit}
                if limit == 90 and abs(lon[k]) <= 90 and abs(value) <= 180:
                    message = Message(
                        "{kind} {value} is outside -{limit}..{limit}: check the lat/lon columns are not swapped",
                        **params,
                    )
                else:
                    message = Message(
                        "{kind} {value} is outside -{limit}..{limit}: check the value (decimal degrees, WGS 84)",
                        **params,
                    )
                problems.append((k, column, raw, message))


def _geometry_problems(geoms: np.ndarray) -> list[tuple[int, Any, str]]:
    """``(position, value, what to do)`` for geometries that are invalid, not finite, outside
    longitude/latitude degrees or jumping across the antimeridian (vectorised over all rows;
    the messages are those of :func:`mapper.validate.check_geometries`)."""
    out: list[tuple[int, Any, str]] = []
    present = np.flatnonzero(~pd.isna(geoms))
    if not len(present):
        return out
    shapes = geoms[present]
    bounds = shapely.bounds(shapes)
    finite = np.isfinite(bounds).all(axis=1)
    valid = shapely.is_valid(shapes)
    inside = (bounds[:, 0] >= -180) & (bounds[:, 2] <= 180) & (bounds[:, 1] >= -90) & (bounds[:, 3] <= 90)
    for j in np.flatnonzero(~finite | ~valid | ~inside):
        k, geom = int(present[j]), shapes[j]
        if not finite[j]:
            out.append(
                (
                    k,
                    geom.geom_type,
                    Message("has coordinates that are not numbers (NaN or infinity); give real degrees"),
                )
            )
        elif not valid[j]:
            reason = shapely.is_valid_reason(geom)
            out.append((k, geom.geom_type, invalid_geometry_message(reason)))
        else:
            out.append(
                (
                    k,
                    f"bounds {tuple(round(float(b), 4) for b in bounds[j])}",
                    Message(
                        "has coordinates outside longitude -180..180 / latitude -90..90; check that longitude and "
                        "latitude are not swapped, and that a file in a projected CRS (metres) declares it"
                    ),
                )
            )
    if shapes[0].geom_type not in ("Point", "MultiPoint"):
        for j in np.flatnonzero(finite & valid & inside):
            if _jumps_antimeridian(shapes[j]):
                out.append(
                    (
                        int(present[j]),
                        shapes[j].geom_type,
                        Message(
                            "has a segment that jumps more than 180° of longitude, so it would be drawn across the "
                            "whole map; split it at the antimeridian (RFC 7946 section 3.1.9)"
                        ),
                    )
                )
    return out


def _family(geoms: np.ndarray) -> str | None:
    """The geometry kind most rows have (point, line, polygon), or None when none has one."""
    present = geoms[~pd.isna(geoms)]
    if not len(present):
        return None
    # shapely type ids: 0 Point, 4 MultiPoint; 1 LineString, 2 LinearRing, 5 MultiLineString; 3 Polygon, 6 MultiPolygon
    ids = shapely.get_type_id(present)
    counts = {
        "point": int(np.isin(ids, (0, 4)).sum()),
        "line": int(np.isin(ids, (1, 2, 5)).sum()),
        "polygon": int(np.isin(ids, (3, 6)).sum()),
    }
    if not any(counts.values()):
        return None
    return max(counts, key=lambda f: counts[f])


def _column_type(values: pd.Series) -> str:
    """The schema type of a user column: ``number``/``integer`` when every value is a
    number (codes with leading zeros stay text), ``boolean`` for GIS booleans, else ``string``."""
    if pd.api.types.is_bool_dtype(values):
        return "boolean"
    if isinstance(values.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(values):
        return "string"
    present = _present(values)
    if present.empty:
        return "string"
    if _numbers(present.head(200)).isna().any():  # a quick look first: most text columns stop here
        return "string"
    if not pd.api.types.is_numeric_dtype(values):
        texts = present.astype(str)
        if texts.str.match(_LEADING_ZERO).any():
            return "string"
    numbers = _numbers(present)
    if numbers.isna().any() or not np.isfinite(numbers).all():
        return "string"
    whole = bool((numbers % 1 == 0).all() and (numbers.abs() < 2**53).all())
    return "integer" if whole else "number"


def _typed(values: pd.Series, kind: str) -> pd.Series:
    if kind == "integer":
        return pd.array(_numbers(values).round(), dtype="Int64") if len(values) else values.astype("Int64")
    if kind == "number":
        return _numbers(values).astype("Float64")
    if kind == "boolean":
        return values.astype("boolean")
    if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
        return values.astype(object).where(values.notna(), None)  # text cells as read (CSV, XLSX)
    return values.map(_cell_text, na_action="ignore").astype(object).where(values.notna(), None)


def _problem_frame(problems: list[tuple[int, str, Any, str]], rows: np.ndarray) -> pd.DataFrame:
    records = [
        {"row": int(rows[k]), "column": column, "value": None if is_missing(value) else str(value), "problem": message}
        for k, column, value, message in sorted(problems, key=lambda p: p[0])
    ]
    frame = pd.DataFrame(records, columns=_PROBLEM_COLUMNS).astype({"row": "int64", "value": object})
    frame["value"] = frame["value"].where(frame["value"].notna(), None)
    return frame


def rejected_csv(result: UploadResult) -> bytes:
    """The rows set aside, as CSV bytes (UTF-8 with BOM, which Excel opens correctly): the
    row number, every problem of the row, then the row's original cells untouched (a GIS
    file's geometry as WKT)."""
    table = result.table
    wanted = result.rejected_rows
    position = {row: k for k, row in enumerate(table.rows)}
    picked = [position[r] for r in wanted]
    rows = table.frame.iloc[picked]
    out = pd.DataFrame(rows.drop(columns=rows.geometry.name) if table.has_geometry else rows).copy()
    if table.has_geometry:
        out["geometry (WKT)"] = [None if g is None else shapely.to_wkt(g, 6) for g in rows.geometry]
    grouped = result.rejected.groupby("row").apply(
        lambda g: "; ".join(f"{c}: {p}" for c, p in zip(g["column"], g["problem"], strict=True)), include_groups=False
    )
    out.insert(0, "problems", [grouped.get(r, "") for r in wanted])
    out.insert(0, "row", wanted)
    return out.to_csv(index=False).encode("utf-8-sig")


# --- the layer ---------------------------------------------------------------------------


def layer_spec(result: UploadResult, mapping: Mapping, *, layer_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The layer spec and schema of an upload, as data (the keys of ``layers/*.toml`` and
    ``layers/schemas/*.toml``), for :func:`mapper.catalogue.layer_from_dict`.

    This is the one place that says how an upload is drawn, filtered and shown: the
    category column colours the records (a colour per frequent value, the rest grey), the
    country and year columns map to the shared country and year facets, the category and
    number columns get facets of their own (``<layer_id>_category``, ``<layer_id>_number``,
    labelled with the column name), and the search looks in every text column. Line and
    polygon uploads get their geodesic length or area; rows naming a country are checked
    against it (a warning, not a rejection), whatever the upload's size.
    """
    columns = result.columns
    frame = result.frame
    name = columns.get(mapping.name) if mapping.name else None
    category = columns.get(mapping.category) if mapping.category else None
    year = columns.get(mapping.year) if mapping.year else None
    number = columns.get(mapping.number) if mapping.number else None
    has_country = "country" in frame.columns
    user = [c for c in columns.values() if c in result.types]
    tooltip = [columns[c] for c in mapping.tooltip if c in columns and columns[c] in result.types]
    if has_country and "country" not in tooltip:
        tooltip.append("country")
    label = name or "upload_row"
    tooltip = [label, *[c for c in tooltip if c != label]]
    popup = [*user, "location_precision", *(["country"] if has_country else []), "source_publisher", "source_date"]
    popup += ["source_url", "source_file", "uploaded_at", "verified_on", "verified_basis", "upload_row"]
    filters, facets = _filters(result, layer_id, label=label, category=category, year=year, number=number)
    measures = {"line": ["length_km"], "polygon": ["area_km2"]}.get(result.geometry, [])
    # a point (line end, polygon) outside the country its row names is a warning, for every
    # upload: the check runs over whole columns (a spatial join, then vectorised distances)
    checks = ["in_named_countries"] if has_country else []
    style: dict[str, Any] = {"default_color": OTHER_COLOR, "stroke_color": "#333333", "radius": 6}
    if category:
        counts = frame[category].dropna().astype(str).value_counts(sort=True)
        top = [v for v in counts.index if v.strip()][: len(QUALITATIVE)]
        style["color_by"] = category
        style["palette"] = dict(zip(top, QUALITATIVE, strict=False))
    labels = {c: c for c in user}
    labels |= {  # marked for translation: shown through Translator.data like any spec text
        "location_precision": N_("Location precision"),
        "country": N_("Country"),
        "source_publisher": N_("Source"),
        "source_date": N_("Added"),
        "source_url": N_("Source URL"),
        "source_file": N_("File"),
        "uploaded_at": N_("Uploaded"),
        "verified_on": N_("Last checked"),
        "verified_basis": N_("Last checked: date from"),
        "upload_row": N_("Row in file"),
    }
    description = (
        f"Uploaded from {result.table.name}"
        + (f" at {result.uploaded:%Y-%m-%d %H:%M} UTC" if result.uploaded else "")
        + (f" (sheet {result.table.sheet})" if result.table.sheet else "")
        + (f" (layer {result.table.layer})" if result.table.layer else "")
        + f": {result.summary()}."
    )
    spec = {
        "id": layer_id,
        "title": mapping.title.strip() or result.table.name,
        "description": description,
        "source": result.table.name,
        "schema": f"upload_{layer_id}",
        "geometry": result.geometry,
        "attribution": mapping.attribution.strip() or f"{result.table.name} (uploaded file)",
        "licence": mapping.licence.strip() or "as given by the uploader",
        "as_of": result.as_of,
        "tooltip": tooltip[:6],
        "popup": popup,
        "filters": filters,
        "facets": facets,
        "measures": measures,
        "checks": checks,
        "country_fields": ["country"] if has_country else [],
        "labels": labels,
        "label_field": label,
        "style": style,
    }
    return spec, _schema_dict(f"upload_{layer_id}", result.geometry, result.types, mapping, columns)


def _filters(
    result: UploadResult,
    layer_id: str,
    *,
    label: str,
    category: str | None,
    year: str | None,
    number: str | None,
) -> tuple[dict[str, list[str]], dict[str, dict[str, Any]]]:
    """The ``[filters]`` and own ``[facets]`` of an upload's spec: the shared facets where
    they fit (country, year, search) and a facet of its own for the category and the
    number columns (labelled with the column's name)."""
    types = result.types
    filters: dict[str, list[str]] = {}
    facets: dict[str, dict[str, Any]] = {}
    if "country" in result.frame.columns:
        filters["country"] = ["country"]
    if year and types.get(year) in ("integer", "number"):
        filters["year"] = [year]
    if category and types.get(category) in ("string", "integer", "boolean"):
        fid = f"{layer_id}_category"
        facets[fid] = {"kind": "choice", "label": category[:80], "help": f"Values of {category[:80]}.", "order": 80}
        filters[fid] = [category]
    if number and types.get(number) in ("integer", "number"):
        fid = f"{layer_id}_number"
        integer = types[number] == "integer"
        facets[fid] = {"kind": "range", "label": number[:80], "integer": integer, "order": 81}
        filters[fid] = [number]
    filters["search"] = [c for c, kind in types.items() if kind == "string"] or [label]
    return filters, facets


def _schema_dict(
    schema_id: str, family: str, types: dict[str, str], mapping: Mapping, columns: dict[str, str]
) -> dict[str, Any]:
    fields_: dict[str, dict[str, Any]] = {name: {"type": kind} for name, kind in types.items()}
    if mapping.name and columns.get(mapping.name) in fields_:
        fields_[columns[mapping.name]]["required"] = True
    fields_ |= {
        "id": {"type": "string"},
        "upload_row": {"type": "integer", "required": True},
        "location_precision": {"type": "string", "required": True, "allowed": ["exact", "country"]},
        "country": {"type": "iso3"},
        "source_publisher": {"type": "string", "required": True},
        "source_url": {"type": "url"},
        "source_date": {"type": "date", "required": True},
        "source_file": {"type": "string", "required": True},
        "uploaded_at": {"type": "string", "required": True},
        "verified_on": {"type": "date", "required": True},
        "verified_basis": {"type": "string", "required": True, "allowed": [VERIFIED_GIVEN, VERIFIED_DEFAULT]},
    }
    return {
        "id": schema_id,
        "title": "Uploaded records",
        "geometry_types": list(GEOMETRIES[family]),
        "precision_field": "location_precision",
        "geometry_optional_when": {"field": "location_precision", "equals": "country"},
        "fields": fields_,
    }


def upload_layer(result: UploadResult, mapping: Mapping, *, layer_id: str) -> tuple[Layer, gpd.GeoDataFrame]:
    """The layer of an upload and its records, ready for :meth:`mapper.data.Bundle.with_layers`.

    The spec (:func:`layer_spec`) is validated by the catalogue's loader like a
    ``layers/*.toml`` file; record ids are ``<layer_id>-r<row>``.

    Raises
    ------
    SpecError
        If ``layer_id`` is not lower-case letters, digits and ``_`` (or the spec is
        otherwise invalid).
    UploadError
        If no row could be mapped.
    """
    if result.frame.empty:
        raise UploadError(
            Message(
                "{file}: none of its {total} rows could be mapped; see the rows set aside (row, column, value, what to "
                "do) and fix them or choose other columns",
                file=result.table.name,
                total=result.total,
            )
        )
    spec, schema_raw = layer_spec(result, mapping, layer_id=layer_id)
    schema = schema_from_dict(schema_raw, f"upload:{layer_id}")
    layer = layer_from_dict(spec, schema, origin=f"upload:{layer_id}", source=Path(result.table.name))
    frame = result.frame.copy()
    frame.insert(0, "id", [f"{layer_id}-r{int(r)}" for r in frame["upload_row"]])
    frame = gpd.GeoDataFrame(schema.coerce(frame), geometry="geometry", crs=WGS84)
    return layer, frame.reset_index(drop=True)
